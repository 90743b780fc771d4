from datetime import UTC, datetime

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    stream_with_context,
    url_for,
)

from app.extensions import db, instruments
from app.integration_admin.forms import CreateTokenForm, CsvExportForm, RevokeTokenForm
from app.staff_auth import require_staff
from app.services import api_tokens, exports

bp = Blueprint("integrations", __name__, url_prefix="/admin/integrations")
bp.before_request(require_staff("admin"))


def _page(status: int = 200, **context):
    context.setdefault("create_form", CreateTokenForm())
    context.setdefault("export_form", CsvExportForm(formdata=None))
    tokens = api_tokens.list_api_tokens(db.session, g.staff_user.clinic_id)
    page = render_template("integrations/index.html", tokens=tokens, revoke_form=RevokeTokenForm(), **context)
    return page, status


@bp.get("/")
def index():
    return _page()


@bp.post("/tokens")
def create_token():
    form = CreateTokenForm()
    if not form.validate():
        return _page(400, create_form=form)
    api_token, secret = api_tokens.create_api_token(
        db.session, g.staff_user.clinic_id, form.name.data, created_by_id=g.staff_user.id
    )
    # Shown in this response only, never stored, flashed or put in a cookie.
    return _page(201, new_token=api_token, new_secret=secret)


@bp.post("/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int):
    if not RevokeTokenForm().validate():
        return _page(400)
    api_token = api_tokens.revoke_api_token(db.session, g.staff_user.clinic_id, token_id, revoked_by_id=g.staff_user.id)
    flash(f"Token “{api_token.name}” is revoked: any system still holding it is refused from now on.")
    return redirect(url_for("integrations.index"))


@bp.post("/responses.csv")
def export_csv():
    form = CsvExportForm()
    if not form.validate():
        return _page(400, export_form=form)
    since = datetime.combine(form.since.data, datetime.min.time(), tzinfo=UTC)
    lines = exports.start_csv_export(
        db.session,
        instruments(),
        since=since,
        deidentify=form.deidentify.data,
        secret_key=current_app.config["SECRET_KEY"],
        clinic_id=g.staff_user.clinic_id,
        layout=form.layout.data,
        actor_user_id=g.staff_user.id,
    )
    kind = "deidentified" if form.deidentify.data else "identified"
    rows = "answers" if form.layout.data == "long" else "responses"
    filename = f"tallyform-{rows}-{kind}-since-{form.since.data.isoformat()}.csv"
    return Response(
        stream_with_context(lines),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
