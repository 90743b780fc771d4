from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, jsonify, redirect, render_template, request, url_for

from app.clinician.forms import AcknowledgeForm, ReferralForm, ReviewStatusForm, WorklistFilterForm
from app.extensions import db, instruments
from app.security.staff_auth import require_staff
from app.services import referrals, reviews

bp = Blueprint("clinician", __name__, url_prefix="/clinician", cli_group=None)
# Front desk staff book screenings but see no results: every page here shows scores or answers.
bp.before_request(require_staff("clinician", "admin"))


def _screening_or_404(screening_id: int):
    screening = reviews.get_completed_screening(db.session, g.staff_user.clinic_id, screening_id)
    if screening is None:
        abort(404)
    return screening


@bp.route("/")
def worklist():
    form = WorklistFilterForm(instruments(), formdata=request.args)
    filters = reviews.WorklistFilters()
    if form.validate():
        instrument_id, band = form.instrument_and_band
        filters = reviews.WorklistFilters(
            form.date_from.data, form.date_to.data, form.status.data or None, instrument_id, band
        )
    page = reviews.worklist(
        db.session, instruments(), g.staff_user.clinic, filters, page=request.args.get("page", 1, type=int)
    )
    args = {key: value for key, value in request.args.items() if key != "page"}
    return render_template("clinician/worklist.html", form=form, worklist=page, args=args)


@bp.route("/patients/<int:patient_id>")
def patient_history(patient_id: int):
    history = reviews.view_patient_history(db.session, g.staff_user.clinic, g.staff_user, patient_id)
    if history is None:
        abort(404)
    return render_template("clinician/history.html", **history)


def _render_screening(screening, status_code: int = 200, **forms):
    page = reviews.open_screening(db.session, g.staff_user, screening)
    forms.setdefault("acknowledge_form", AcknowledgeForm())
    forms.setdefault("status_form", ReviewStatusForm(status=page["status"]))
    if "referral_form" not in forms:
        # the form starts from the saved referral, so saving again keeps what was written
        current = page["referral_versions"][-1] if page["referral_versions"] else None
        forms["referral_form"] = ReferralForm(g.staff_user.clinic.referral_destinations or [], obj=current)
    # whatever the form holds, it is now written against the version on this page
    forms["referral_form"].based_on.data = len(page["referral_versions"])
    return render_template("clinician/screening.html", **page, **forms), status_code


@bp.route("/screenings/<int:screening_id>")
def screening(screening_id: int):
    return _render_screening(_screening_or_404(screening_id))


def _apply(screening, form_name: str, form, change):
    """Validate, make one change through its service, and redirect; or show the page again
    with the form's messages and nothing changed."""
    if form.validate_on_submit():
        try:
            change()
            return redirect(url_for(".screening", screening_id=screening.id))
        except reviews.ReviewError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
    return _render_screening(screening, 400, **{form_name: form})


@bp.route("/screenings/<int:screening_id>/acknowledge", methods=["POST"])
def acknowledge(screening_id: int):
    screening, form = _screening_or_404(screening_id), AcknowledgeForm()
    return _apply(
        screening, "acknowledge_form", form, lambda: reviews.acknowledge_urgent(db.session, g.staff_user, screening)
    )


@bp.route("/screenings/<int:screening_id>/status", methods=["POST"])
def review_status(screening_id: int):
    screening, form = _screening_or_404(screening_id), ReviewStatusForm()
    change = lambda: reviews.set_review_status(db.session, g.staff_user, screening, form.status.data)  # noqa: E731
    return _apply(screening, "status_form", form, change)


@bp.route("/screenings/<int:screening_id>/referral", methods=["POST"])
def referral(screening_id: int):
    screening = _screening_or_404(screening_id)
    form = ReferralForm(g.staff_user.clinic.referral_destinations or [])

    def change():
        reviews.save_referral(
            db.session,
            g.staff_user.clinic,
            g.staff_user,
            screening,
            reason=form.reason.data or "",
            destination=form.destination.data or "",
            note=form.note.data or "",
            based_on=form.based_on.data or 0,
        )
        flash("Referral saved. The summary is being prepared again with it.")

    return _apply(screening, "referral_form", form, change)


@bp.route("/screenings/<int:screening_id>/referral-summary.pdf")
def referral_pdf(screening_id: int):
    screening = _screening_or_404(screening_id)
    document, download = referrals.download_referral(db.session, g.staff_user, screening)
    if download is None:
        # 202 and a page whose script asks the status route until the PDF is ready; without
        # script, its "Check again" button asks this route again
        return render_template("clinician/preparing.html", screening=screening, document=document), 202
    return Response(
        download.pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{download.filename}"'},
    )


@bp.route("/screenings/<int:screening_id>/referral-summary/status")
def referral_status(screening_id: int):
    """Whether the summary is ready: no PHI, so nothing to audit."""
    return jsonify(status=referrals.referral_summary_status(db.session, _screening_or_404(screening_id)))
