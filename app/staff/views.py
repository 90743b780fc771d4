from flask import Blueprint, g, render_template

from app.extensions import db
from app.security.staff_auth import require_staff
from app.services.screenings import recent_screenings

bp = Blueprint("staff", __name__, url_prefix="/staff")
bp.before_request(require_staff("admin", "clinician", "frontdesk"))


@bp.route("/")
def home():
    screenings = recent_screenings(db.session, g.staff_user.clinic_id, limit=20)
    return render_template("staff/home.html", screenings=screenings)
