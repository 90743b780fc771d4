import time

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for

from app.auth.forms import CodeForm, NewPasswordForm, SignInForm
from app.extensions import db
from app.staff_auth import SESSION_KEY, safe_next
from app.security.totp import provisioning_uri, qr_code_svg
from app.services import sign_in as signing
from app.services import staff

bp = Blueprint("auth", __name__, url_prefix="/auth")
PENDING_KEY = "pending_code"
# Pages an admin who must set up two-factor sign-in can still reach.
OPEN_WHILE_ENROLLING = {"auth.two_factor", "auth.sign_out", "static"}


@bp.before_app_request
def require_two_factor_where_the_clinic_does():
    user = g.get("staff_user")
    if user is None or user.totp_secret or request.endpoint in OPEN_WHILE_ENROLLING:
        return None
    if staff.totp_required(user):
        flash("Your clinic requires two-factor sign-in for admins. Set it up to continue.")
        return redirect(url_for("auth.two_factor"))
    return None


def _pause(seconds: float) -> None:
    """How a busy address is slowed: this attempt waits before it is checked."""
    time.sleep(min(seconds, current_app.config["SIGN_IN_MAX_PAUSE_SECONDS"]))


def _wait_message(outcome: signing.SignInOutcome) -> str:
    minutes = -(-int(outcome.retry_after.total_seconds()) // 60)
    return f"Too many failed attempts. Wait {minutes} minute{'s' if minutes != 1 else ''} and try again."


def _signed_in(token: str):
    next_path = session.pop("pending_next", None)
    session.clear()  # a fresh session on sign-in: no fixation
    session[SESSION_KEY] = token
    return redirect(safe_next(next_path or request.args.get("next"), url_for("staff.home")))


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if g.staff_user is not None:
        return redirect(url_for("staff.home"))
    form = SignInForm()
    if form.validate_on_submit():
        outcome = signing.sign_in(
            db.session, form.email.data, form.password.data, address=request.remote_addr or "", pause=_pause
        )
        if outcome.token:
            return _signed_in(outcome.token)
        if outcome.needs_code:
            session.clear()
            session[PENDING_KEY] = outcome.challenge  # a token for the server-side challenge only
            session["pending_next"] = request.args.get("next")
            return redirect(url_for("auth.sign_in_code"))
        form.password.errors.append(
            _wait_message(outcome)
            if outcome.retry_after
            else "That e-mail address and password do not match an active account."
        )
    return render_template("auth/sign_in.html", form=form)


@bp.route("/sign-in/code", methods=["GET", "POST"])
def sign_in_code():
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, str):
        return redirect(url_for("auth.sign_in"))
    form = CodeForm()
    if form.validate_on_submit():
        outcome = signing.sign_in_with_code(
            db.session, pending, form.code.data, address=request.remote_addr or "", pause=_pause
        )
        if outcome.token:
            return _signed_in(outcome.token)
        if not outcome.needs_code and not outcome.retry_after:
            session.clear()
            flash("Sign-in took too long. Enter your e-mail address and password again.")
            return redirect(url_for("auth.sign_in"))
        form.code.errors.append(_wait_message(outcome) if outcome.retry_after else "That code does not match.")
    return render_template("auth/sign_in_code.html", form=form)


@bp.route("/password", methods=["GET", "POST"])
def set_password():
    # The token comes in the POST body, filled from the link's fragment (#token=…), which
    # browsers never send: it never appears in a URL the server or a proxy logs.
    form = NewPasswordForm()
    link = None
    if form.is_submitted():
        link = staff.find_password_link(db.session, form.token.data or "")
        if link is None:
            return render_template("auth/link_expired.html"), 404
    if link is not None and form.validate():
        try:
            staff.set_password_with_link(db.session, form.token.data, form.password.data)
        except staff.StaffError as error:
            form.password.errors.append(str(error))
        else:
            session.clear()
            flash("Your password is set. Sign in with it now.")
            return redirect(url_for("auth.sign_in"))
    return render_template("auth/set_password.html", form=form, link=link)


@bp.route("/two-factor", methods=["GET", "POST"])
def two_factor():
    user = g.staff_user
    if user is None:
        return redirect(url_for("auth.sign_in", next=request.path))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            if user.totp_secret:
                staff.turn_off_totp(db.session, user, form.code.data)
                flash("Two-factor sign-in is off.")
            else:
                staff.confirm_totp_enrolment(db.session, user, form.code.data)
                flash("Two-factor sign-in is on. From now on you will be asked for a code when you sign in.")
            return redirect(url_for("auth.two_factor"))
        except staff.StaffError as error:
            form.code.errors.append(str(error))
    secret = None
    if not user.totp_secret:
        secret = user.totp_pending_secret or staff.start_totp_enrolment(db.session, user)
    qr_svg = qr_code_svg(provisioning_uri(secret, user.email)) if secret else None
    return render_template("auth/two_factor.html", form=form, user=user, secret=secret, qr_svg=qr_svg)


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    # CSRFProtect has already checked the token: no other site can sign a user out.
    if session.get(SESSION_KEY):
        signing.sign_out(db.session, session[SESSION_KEY])
    session.clear()
    flash("You have signed out.")
    return redirect(url_for("auth.sign_in"))
