from __future__ import annotations

from flask import Blueprint, Response, abort, g, jsonify, render_template, request, url_for

from app.clinician.forms import (
    AcknowledgeForm,
    ClinicianInputForm,
    DashboardFilterForm,
    DashboardRangeForm,
    ReferralForm,
    ReviewStatusForm,
    WorklistFilterForm,
)
from app.extensions import db, instruments
from app.form_flow import save_or_show
from app.paging import pager
from app.staff_auth import require_staff
from app.services import clinician_inputs, referrals, reviews, score_changes
from app.services import dashboard as dashboards
from app.staff.urgent import urgent_alert_context

bp = Blueprint("clinician", __name__, url_prefix="/clinician", cli_group=None)
# Front desk staff book screenings but see no results: every page here shows scores or answers.
bp.before_request(require_staff("clinician", "admin"))
bp.context_processor(urgent_alert_context)


def _screening_or_404(screening_id: int):
    """A completed screening: the review, referral and summary need its scores."""
    screening = reviews.get_completed_screening(db.session, g.staff_user.clinic_id, screening_id)
    if screening is None:
        abort(404)
    return screening


def _listed_or_404(screening_id: int):
    """Any screening on the worklist, an unfinished urgent one included."""
    screening = reviews.get_listed_screening(db.session, g.staff_user.clinic_id, screening_id)
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
    page = reviews.worklist(db.session, instruments(), g.staff_user.clinic, filters, after=request.args.get("after"))
    screenings = [row.screening for row in page.rows]
    changes = score_changes.changes_since_last_screening(db.session, instruments(), screenings)
    args = {key: value for key, value in request.args.items() if key != "after"}
    pages = pager(
        "clinician.worklist",
        args,
        back=None if page.is_first else {},  # keyset paging goes back to the first page only
        on={"after": page.next_after} if page.next_after else None,
        back_label="First page",
        next_label="Next page",
    )
    return render_template("clinician/worklist.html", form=form, worklist=page, args=args, changes=changes, pager=pages)


@bp.route("/patients/<int:patient_id>")
def patient_history(patient_id: int):
    history = reviews.view_patient_history(db.session, g.staff_user.clinic, g.staff_user, patient_id)
    if history is None:
        abort(404)
    return render_template("clinician/history.html", **history)


def _render_screening(screening, status_code: int = 200, **forms):
    page = reviews.open_screening(db.session, instruments(), g.staff_user, screening)
    forms.setdefault("acknowledge_form", AcknowledgeForm())
    forms.setdefault("status_form", ReviewStatusForm(status=page["status"]))
    if "referral_form" not in forms:
        # the form starts from the saved referral, so saving again keeps what was written
        current = page["referral_versions"][-1] if page["referral_versions"] else None
        forms["referral_form"] = ReferralForm(g.staff_user.clinic.referral_destinations or [], obj=current)
    # whatever the form holds, it is now written against the version on this page
    forms["referral_form"].based_on.data = len(page["referral_versions"])
    given = forms.pop("input_form", None)
    input_forms = {given.instrument_id: given} if given else {}
    for result in page["report"]["results"] if page["report"] else []:  # none until it is finished
        wanted = result["clinician_input"]
        if wanted and result["instrument_id"] not in input_forms:
            current = wanted["current"]["value"] if wanted["current"] else ""
            input_forms[result["instrument_id"]] = _input_form(result, data={"value": current})
    return render_template("clinician/screening.html", **page, **forms, input_forms=input_forms), status_code


def _input_form(result: dict, **kwargs) -> ClinicianInputForm:
    wanted = result["clinician_input"]
    return ClinicianInputForm(result["instrument_id"], wanted["label"], wanted["values"], **kwargs)


@bp.route("/screenings/<int:screening_id>")
def screening(screening_id: int):
    return _render_screening(_listed_or_404(screening_id))


def _apply(screening, form_name: str, form, change, done: str | None = None):
    """Save the screening page's form, or show the page again with its messages."""
    then = url_for(".screening", screening_id=screening.id)
    saved = save_or_show(form, change, refusals=reviews.ReviewError, then=then, done=done)
    return saved or _render_screening(screening, 400, **{form_name: form})


@bp.route("/screenings/<int:screening_id>/acknowledge", methods=["POST"])
def acknowledge(screening_id: int):
    screening, form = _listed_or_404(screening_id), AcknowledgeForm()
    change = lambda: reviews.acknowledge_urgent(db.session, instruments(), g.staff_user, screening)  # noqa: E731
    return _apply(screening, "acknowledge_form", form, change)


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

    return _apply(
        screening, "referral_form", form, change, "Referral saved. The summary is being prepared again with it."
    )


@bp.route("/screenings/<int:screening_id>/inputs/<instrument_id>", methods=["POST"])
def clinician_input(screening_id: int, instrument_id: str):
    screening = _screening_or_404(screening_id)
    wanted = clinician_inputs.wanted_input(db.session, screening, instrument_id)
    if wanted is None:
        abort(404)
    form = ClinicianInputForm(instrument_id, wanted.label, wanted.values)

    def change():
        clinician_inputs.record_clinician_input(db.session, g.staff_user, screening, instrument_id, form.value.data)

    return _apply(
        screening, "input_form", form, change, "Saved. The tier and the referral summary now follow this answer."
    )


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


@bp.route("/dashboard")
def dashboard():
    form = DashboardFilterForm(formdata=request.args if request.args else None)
    if not request.args:
        form.date_from.data, form.date_to.data = dashboards.default_range(g.staff_user.clinic)
    board = None
    if form.validate():
        board = dashboards.view_dashboard(
            db.session, instruments(), g.staff_user, form.date_from.data, form.date_to.data
        )
    export_form = DashboardRangeForm(formdata=None, obj=form)
    charts = dashboards.dashboard_charts(board) if board else {}
    return render_template("clinician/dashboard.html", form=form, export_form=export_form, board=board, charts=charts)


@bp.route("/dashboard.csv", methods=["POST"])
def dashboard_csv():
    form = DashboardRangeForm()
    if not form.validate_on_submit():
        abort(400)
    body = dashboards.export_dashboard_csv(
        db.session, instruments(), g.staff_user, form.date_from.data, form.date_to.data
    )
    filename = f"dashboard-{form.date_from.data}-to-{form.date_to.data}.csv"
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/screenings/<int:screening_id>/referral-summary/status")
def referral_status(screening_id: int):
    """Whether the summary is ready: no PHI, so nothing to audit."""
    return jsonify(status=referrals.referral_summary_status(db.session, _screening_or_404(screening_id)))
