from flask import Blueprint, g, redirect, url_for

from app.security.staff_auth import require_staff

bp = Blueprint("staff", __name__, url_prefix="/staff")
bp.before_request(require_staff("admin", "clinician", "frontdesk"))

# Where each role starts: the front desk checks patients in and sees no results;
# clinicians and admins start at the worklist, urgent screenings first.
HOME_BY_ROLE = {"frontdesk": "checkin.find_patient", "clinician": "clinician.worklist", "admin": "clinician.worklist"}


@bp.route("/")
def home():
    return redirect(url_for(HOME_BY_ROLE[g.staff_user.role]))
