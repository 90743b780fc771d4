from flask import Blueprint, g, jsonify, redirect, url_for

from app.extensions import db
from app.staff_auth import require_staff
from app.services.urgency import unacknowledged_urgent_ids

bp = Blueprint("staff", __name__, url_prefix="/staff")
bp.before_request(require_staff("admin", "clinician", "frontdesk"))

# Where each role starts: the front desk checks patients in and sees no results;
# clinicians and admins start at the worklist, urgent screenings first.
HOME_BY_ROLE = {"frontdesk": "checkin.find_patient", "clinician": "clinician.worklist", "admin": "clinician.worklist"}


@bp.route("/")
def home():
    return redirect(url_for(HOME_BY_ROLE[g.staff_user.role]))


@bp.route("/urgent.json")
def urgent_poll():
    """What the worklist and check-in pages poll: ids only, so the poll carries no name,
    answer or score; the page fetches itself again when they change."""
    ids = unacknowledged_urgent_ids(db.session, g.staff_user.clinic_id)
    response = jsonify(count=len(ids), ids=ids)
    response.headers["Cache-Control"] = "no-store"
    return response
