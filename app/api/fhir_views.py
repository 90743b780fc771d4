"""The read-only FHIR R4 server: CapabilityStatement, read and search of each type, the
history of a Questionnaire. Routes on the API blueprint, so token auth, clinic scoping,
audit and rate limits are the API's own."""

from __future__ import annotations

from flask import g, request
from werkzeug.exceptions import BadRequest, NotAcceptable, NotFound

from app.api.views import bp, fhir_response, fhir_urls
from app.extensions import db, instruments
from app.fhir.server import (
    RESOURCE_TYPES,
    Found,
    SearchError,
    capability_statement,
    history_bundle,
    parse_search,
    searchset,
    with_meta,
)
from app.services import fhir_server

JSON_TYPES = ["application/fhir+json", "application/json", "application/json+fhir"]
JSON_FORMATS = {"json", "application/json", "application/fhir+json", "application/json+fhir"}


@bp.before_request
def only_json():
    """JSON is the one format served: asking for another (XML, Turtle) gets 406, never JSON
    with 200, which a client would fail to parse as what it asked for."""
    if not request.path.startswith("/fhir"):
        return None
    wanted = request.args.get("_format")
    if wanted is not None and wanted not in JSON_FORMATS:
        raise NotAcceptable(f"_format={wanted} is not served; this server speaks application/fhir+json only.")
    if request.headers.get("Accept") and not request.accept_mimetypes.best_match(JSON_TYPES):
        raise NotAcceptable("This server answers in application/fhir+json only; send Accept: application/fhir+json.")
    return None


@bp.get("/fhir/metadata")
def metadata():
    """Public, as FHIR clients read it before they authenticate."""
    base = request.url_root.rstrip("/") + "/fhir"
    return fhir_response(capability_statement(base, fhir_server.definitions_published(instruments())))


def _search(resource_type: str):
    args = list(request.args.items(multi=True))
    try:
        query = parse_search(resource_type, args)
    except SearchError as error:
        raise BadRequest(str(error)) from None
    page, total, subjects = fhir_server.search_resources(db.session, instruments(), fhir_urls(), g.api_token, query)
    return fhir_response(searchset(page, total, query, self_url=request.base_url, args=args, subjects=subjects))


def _read(resource_type: str, resource_id: str, version_id: str | None = None):
    found = fhir_server.read_resource(
        db.session, instruments(), fhir_urls(), g.api_token, resource_type, resource_id, version_id=version_id
    )
    if found is None:
        raise NotFound(f"No {resource_type} {resource_id!r} here.")
    return _resource_response(found)


def _resource_response(found: Found):
    """The resource with ETag (its version) and Last-Modified; a client that already holds
    that version (If-None-Match, If-Modified-Since) gets 304 without a body."""
    response = fhir_response(with_meta(found))
    response.set_etag(found.version_id, weak=True)
    response.last_modified = found.last_updated
    return response.make_conditional(request)


def _history(questionnaire_id: str):
    versions = fhir_server.questionnaire_history(db.session, instruments(), fhir_urls(), g.api_token, questionnaire_id)
    if versions is None:
        raise NotFound(f"No Questionnaire {questionnaire_id!r} here.")
    return fhir_response(history_bundle(versions, self_url=request.base_url))


for _type in RESOURCE_TYPES:
    bp.add_url_rule(f"/fhir/{_type}", f"search_{_type}", lambda _type=_type: _search(_type))
    bp.add_url_rule(
        f"/fhir/{_type}/<resource_id>",
        f"read_{_type}",
        lambda resource_id, _type=_type: _read(_type, resource_id),
    )
bp.add_url_rule("/fhir/Questionnaire/<questionnaire_id>/_history", "history_Questionnaire", _history)
bp.add_url_rule(
    "/fhir/Questionnaire/<questionnaire_id>/_history/<version_id>",
    "vread_Questionnaire",
    lambda questionnaire_id, version_id: _read("Questionnaire", questionnaire_id, version_id),
)
