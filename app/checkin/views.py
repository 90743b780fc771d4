from datetime import timedelta

from flask import Blueprint, abort, current_app, g, redirect, render_template, session, url_for

from wtforms.fields.choices import SelectChoice

from app.checkin.forms import AddPatientForm, FindPatientForm, NewCodeForm, StartScreeningForm
from app.checkin.qr import kiosk_qr_svg
from app.extensions import db, instruments
from app.security.staff_auth import require_staff
from app.services import access_codes, languages, patients, screenings

bp = Blueprint("checkin", __name__, url_prefix="/check-in")
bp.before_request(require_staff("frontdesk", "clinician", "admin"))
ISSUED_CODES = "issued_codes"


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
    return render_template("checkin/find.html", form=form, found=found)


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
        SelectChoice(lang.code, lang.staff_label) for lang in languages.offered_languages(instruments())
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
            return _issue_code(screening)
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
    # Shown again on reload until it expires; the session is cleared at sign-out.
    session[ISSUED_CODES] = {**session.get(ISSUED_CODES, {}), str(screening.id): code}
    return redirect(url_for("checkin.code", screening_id=screening.id))


@bp.route("/screenings/<int:screening_id>/code", methods=["GET", "POST"])
def code(screening_id: int):
    screening = _screening_or_404(screening_id)
    form = NewCodeForm()
    if form.validate_on_submit():
        try:
            return _issue_code(screening)
        except access_codes.AccessCodeError as error:
            return render_template("checkin/code.html", screening=screening, code=None, form=form, problem=str(error))
    issued = session.get(ISSUED_CODES, {}).get(str(screening.id))
    tablet_url = url_for("patient.start", code=issued, _external=True) if issued else None
    return render_template(
        "checkin/code.html",
        screening=screening,
        code=access_codes.display_code(issued) if issued else None,
        qr_svg=kiosk_qr_svg(tablet_url) if tablet_url else None,
        form=form,
        problem=None,
        minutes=current_app.config["ACCESS_CODE_MINUTES"],
    )
