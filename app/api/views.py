import json
from datetime import UTC, date, datetime

from flask import Blueprint, Response, current_app, g, jsonify, request
from werkzeug.exceptions import BadRequest, HTTPException

from app.api.auth import api_error, http_error_response, limit_api_calls, rate_limit_headers, require_api_token
from app.api.openapi import openapi_document
from app.api.representations import screening_json
from app.extensions import db, instruments
from app.fhir.codes import FHIR_JSON, FhirUrls
from app.fhir.score_input import ScoreInputError
from app.services import interchange

bp = Blueprint("api", __name__)
bp.before_request(limit_api_calls)  # first: a caller over the limit costs no token lookup
bp.before_request(require_api_token)
bp.after_request(rate_limit_headers)


def fhir_urls() -> FhirUrls:
    return FhirUrls(current_app.config["FHIR_BASE_URL"])


def fhir_response(resource: dict, status: int = 200) -> Response:
    return Response(json.dumps(resource, ensure_ascii=False), status=status, mimetype=FHIR_JSON)


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    return http_error_response(error)


@bp.get("/fhir/screenings/<int:screening_id>")
def screening_bundle(screening_id: int):
    screening = interchange.read_screening(db.session, g.api_token, screening_id, action="api.screening_fhir_read")
    return fhir_response(interchange.screening_bundle(db.session, screening, fhir_urls()))


@bp.post("/fhir/QuestionnaireResponse/$score")
def score_questionnaire_response():
    resource = request.get_json(force=True, silent=True)
    try:
        bundle = interchange.score_questionnaire_response(
            db.session, instruments(), resource, fhir_urls(), api_token=g.api_token
        )
    except ScoreInputError as error:
        return api_error(422, str(error), code=error.code, expression=error.expression or None)
    return fhir_response(bundle)


@bp.get("/api/screenings")
def screenings():
    since = _since(request.args.get("since"))
    limit = request.args.get("limit", "50")
    if not (limit.isascii() and limit.isdigit() and 1 <= int(limit) <= interchange.MAX_PAGE_SIZE):
        raise BadRequest(f"limit must be a whole number from 1 to {interchange.MAX_PAGE_SIZE}.")
    try:
        page = interchange.list_completed_screenings(
            db.session, g.api_token, since=since, cursor=request.args.get("cursor"), limit=int(limit)
        )
    except interchange.CursorError as error:
        raise BadRequest(str(error)) from None
    return jsonify(
        {"screenings": [screening_json(s) for s in page.screenings], "cursor": page.cursor, "has_more": page.has_more}
    )


@bp.get("/api/screenings/<int:screening_id>")
def screening(screening_id: int):
    return jsonify(
        screening_json(interchange.read_screening(db.session, g.api_token, screening_id, action="api.screening_read"))
    )


@bp.get("/api/openapi.json")
def openapi():
    return jsonify(openapi_document())


def _since(value: str | None) -> datetime | None:
    """An ISO 8601 date (midnight UTC) or date-time with a time zone."""
    if not value:
        return None
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), datetime.min.time(), tzinfo=UTC)
        parsed = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
        if parsed.tzinfo is not None:
            return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        pass
    raise BadRequest("since must be a date (2026-11-01) or a date-time with a time zone (2026-11-01T09:00:00Z).")
