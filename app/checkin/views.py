from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, url_for

from wtforms.fields.choices import SelectChoice

from app.checkin.forms import (
    AddPatientForm,
    FindPatientForm,
    NewCodeForm,
    StartScreeningForm,
)
from app.checkin.qr import kiosk_qr_svg
from app.extensions import db, instruments
from app.forms import ConfirmForm
from app.patient.tablet import client_address
from app.staff_auth import require_staff
from app.services import access_codes, languages, patients, screenings
from app.staff.urgent import urgent_alert_context

bp = Blueprint("checkin", __name__, url_prefix="/check-in")
bp.before_request(require_staff("frontdesk", "clinician", "admin"))
# Every check-in page names the patients a clinician must see before they leave.
bp.context_processor(lambda: urgent_alert_context() | {"urgent_alert_box": True})


def _patient_or_404(patient_id: int):
    return patients.get_patient(db.session, g.staff_user.clinic_id, patient_id) or abort(404)


def _screening_or_404(screening_id: int):
    return screenings.get_screening(db.session, g.staff_user.clinic_id, screening_id) or abort(404)


@bp.route("/", methods=["GET", "POST"])
def find_patient():
    form = FindPatientForm()
    found = None
    if form.validate_on_submit():
        found = patients.search_patients(db.session, g.staff_user.clinic_id, form.query.data)
    wrong_codes = access_codes.wrong_codes_from(db.session, client_address())
    return render_template("checkin/find.html", form=form, found=found, wrong_codes=wrong_codes)


@bp.route("/tablet-codes", methods=["GET", "POST"])
def wrong_tablet_codes():
    """Tablets at this desk's address that are slowed after wrong codes: a confirmation page,
    then the clearing (audited). Only the desk's own address: a clinic's tablets share it."""
    form = ConfirmForm()
    if form.validate_on_submit():
        cleared = access_codes.clear_wrong_code_wait(
            db.session, client_address(), clinic_id=g.staff_user.clinic_id, actor_user_id=g.staff_user.id
        )
        flash(f"Cleared: tablets on this network can enter a code at once ({cleared} wrong codes set aside).")
        return redirect(url_for("checkin.find_patient"))
    wrong_codes = access_codes.wrong_codes_from(db.session, client_address())
    return render_template("checkin/wrong_codes.html", form=form, wrong_codes=wrong_codes)


@bp.route("/patients/new", methods=["GET", "POST"])
def add_patient():
    form = AddPatientForm()
    if form.validate_on_submit():
        try:
            patient = patients.add_patient(
                db.session,
                g.staff_user.clinic_id,
                mrn=form.mrn.data,
                name=form.name.data,
                date_of_birth=form.date_of_birth.data,
                actor_user_id=g.staff_user.id,
            )
        except patients.PatientError as error:
            form.mrn.errors.append(str(error))
        else:
            return redirect(url_for("checkin.patient", patient_id=patient.id))
    return render_template("checkin/add_patient.html", form=form)


@bp.route("/patients/<int:patient_id>", methods=["GET", "POST"])
def patient(patient_id: int):
    record = _patient_or_404(patient_id)
    form = StartScreeningForm(language=record.language)
    packets = screenings.active_packets(db.session, g.staff_user.clinic_id)
    form.packet_id.choices = [SelectChoice(packet.id, packet.name) for packet in packets]
    form.language.choices = [
        SelectChoice(lang.code, lang.staff_label)
        for lang in languages.offered_languages(instruments(), g.staff_user.clinic)
    ]
    gap = None
    if form.validate_on_submit():
        packet = next(packet for packet in packets if packet.id == form.packet_id.data)
        try:
            screening = languages.start_screening(
                db.session,
                instruments(),
                record,
                packet,
                language=form.language.data,
                gap_choice=form.gap_choice.data,
                created_by_id=g.staff_user.id,
            )
        except languages.LanguageGapError as error:
            gap = error
        except screenings.ScreeningError as error:
            form.packet_id.errors.append(str(error))
        else:
            # The code is issued by the next page's button: issuing it here would show it in
            # the answer to this POST, and a reload would start a second screening.
            return redirect(url_for("checkin.code", screening_id=screening.id), code=303)
    history = screenings.patient_screenings(db.session, record)
    return render_template(
        "checkin/patient.html", patient=record, form=form, gap=gap, history=history, code_form=NewCodeForm()
    )


def _issue_code(screening):
    code = access_codes.issue_access_code(
        db.session,
        screening,
        secret_key=current_app.config["SECRET_KEY"],
        lifetime=timedelta(minutes=current_app.config["ACCESS_CODE_MINUTES"]),
        created_by_id=g.staff_user.id,
    )
    # Shown in this response only: the code is kept nowhere (not even in the session cookie);
    # if the page is lost, the front desk issues a new one.
    return _code_page(screening, NewCodeForm(formdata=None), code=code)


def _code_page(screening, form, *, code: str | None = None, problem: str | None = None):
    # The code rides in the URL fragment, which the browser never sends to the server.
    tablet_url = url_for("patient.start", _external=True) + f"#code={code}" if code else None
    return render_template(
        "checkin/code.html",
        screening=screening,
        code=access_codes.display_code(code) if code else None,
        qr_svg=kiosk_qr_svg(tablet_url) if tablet_url else None,
        form=form,
        problem=problem,
        minutes=current_app.config["ACCESS_CODE_MINUTES"],
    )


@bp.route("/screenings/<int:screening_id>/code", methods=["GET", "POST"])
def code(screening_id: int):
    screening = _screening_or_404(screening_id)
    form = NewCodeForm()
    if form.validate_on_submit():
        try:
            return _issue_code(screening)
        except access_codes.AccessCodeError as error:
            return _code_page(screening, form, problem=str(error))
    return _code_page(screening, form)


@bp.route("/screenings/<int:screening_id>/cancel", methods=["GET", "POST"])
def cancel(screening_id: int):
    """Asks first; cancelling ends the tablet's sitting and voids its code."""
    screening = _screening_or_404(screening_id)
    form = ConfirmForm()
    problem = None
    if form.validate_on_submit():
        try:
            screenings.cancel_screening(db.session, g.staff_user, screening)
        except screenings.ScreeningError as error:
            problem = str(error)
        else:
            flash("The screening was cancelled; its code no longer works on the tablet.")
            return redirect(url_for("checkin.patient", patient_id=screening.patient_id))
    page = render_template("checkin/cancel.html", screening=screening, form=form, problem=problem)
    return page, 400 if problem else 200
