from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for

from app.auth.forms import SignInForm
from app.extensions import db
from app.security.staff_auth import SESSION_KEY, safe_next
from app.services import staff

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if g.staff_user is not None:
        return redirect(url_for("staff.home"))
    form = SignInForm()
    if form.validate_on_submit():
        result = staff.sign_in(db.session, form.email.data, form.password.data)
        if result is not None:
            _user, token = result
            session.clear()  # a fresh session on sign-in: no fixation
            session[SESSION_KEY] = token
            return redirect(safe_next(request.args.get("next"), url_for("staff.home")))
        form.password.errors.append("That e-mail address and password do not match an active account.")
    return render_template("auth/sign_in.html", form=form)


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    # CSRFProtect has already checked the token: no other site can sign a user out.
    if session.get(SESSION_KEY):
        staff.sign_out(db.session, session[SESSION_KEY])
    session.clear()
    flash("You have signed out.")
    return redirect(url_for("auth.sign_in"))
