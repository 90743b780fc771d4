"""Who is calling the API: the bearer token, and nothing else."""

from __future__ import annotations


from flask import Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from app.security import rate_limits
from app.security.tokens import token_hash
from app.extensions import db
from app.fhir.codes import FHIR_JSON
from app.fhir.outcome import operation_outcome
from app.services.api_tokens import authenticate_api_token

PUBLIC_ENDPOINTS = {"api.openapi", "api.metadata"}


def _bearer() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def rate_limit_key() -> str:
    """Limits count per token (a hash of it: the limiter's storage never holds a token),
    and per address for calls without one."""
    token = _bearer()
    if token:
        return "token:" + token_hash(token)[:32]
    return "address:" + (request.remote_addr or "unknown")


def _count_invalid_token() -> bool:
    """Count a call with a missing or wrong token against its address (each wrong token
    would otherwise get a limit of its own); False once the address is over its limit."""
    address = request.remote_addr or "unknown"
    return rate_limits.hit(current_app.config["API_INVALID_TOKEN_LIMIT"], "api-invalid-token", address)


def limit_api_calls():
    """Before every API view, ahead of the token check: a call over API_RATE_LIMIT is refused
    (429, with Retry-After). Every answer says how many calls are left (X-RateLimit-*)."""
    limit, key = current_app.config["API_RATE_LIMIT"], rate_limit_key()
    allowed = rate_limits.hit(limit, "api", key)
    g.rate_limit = (limit, key, allowed)
    return None if allowed else api_error(429, MESSAGES[429], code="throttled")


def rate_limit_headers(response: Response) -> Response:
    """After every API view, and after a refusal: the caller's limit, calls left and seconds
    to the next window (and so when to retry, when refused)."""
    if "rate_limit" in g:
        limit, key, allowed = g.rate_limit
        remaining, reset = rate_limits.window(limit, "api", key)
        response.headers["X-RateLimit-Limit"] = limit
        response.headers["X-RateLimit-Remaining"] = str(remaining)
        response.headers["X-RateLimit-Reset"] = str(reset)
        if not allowed:
            response.headers["Retry-After"] = str(reset)
    return response


def require_api_token():
    """Before every API view: the cookie session is never consulted."""
    g.api_token = None
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    token = _bearer()
    api_token = authenticate_api_token(db.session, token) if token else None
    if api_token is None:
        # Logged, not audited: without a valid token there is no clinic to audit it under.
        current_app.logger.warning("API call refused without a valid token: %s %s", request.method, request.path)
        if not _count_invalid_token():
            message = "Too many calls with invalid tokens from this address; wait a minute."
            return api_error(429, message, code="throttled")
        response = api_error(401, "Send a valid API token: Authorization: Bearer <token>.", code="login")
        response.headers["WWW-Authenticate"] = 'Bearer realm="Tallyform API"'
        return response
    g.api_token = api_token
    return None


#: the OperationOutcome issue type for each HTTP status an API error has
ISSUE_CODES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    410: "deleted",
    413: "too-costly",
    415: "not-supported",
    422: "processing",
    429: "throttled",
}
MESSAGES = {
    404: "No such resource here.",
    405: "This server is read-only: that method is not supported here.",
    413: "The request body is too large.",
    429: "Too many requests for this token; wait a minute and try again.",
    500: "Something went wrong on our side; the request changed nothing.",
}


def is_api_path(path: str) -> bool:
    return path == "/fhir" or path.startswith(("/fhir/", "/api/"))


def http_error_response(error: HTTPException):
    """Any HTTP error under /fhir or /api in the API's own shape (an OperationOutcome under /fhir)."""
    status = error.code or 500
    default = type(error).description
    message = error.description if error.description and error.description != default else None
    response = api_error(
        status,
        message or MESSAGES.get(status) or default or "The request cannot be answered.",
        code=ISSUE_CODES.get(status, "exception"),
    )
    if getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def api_error(status: int, message: str, *, code: str = "processing", expression: str | None = None):
    """An OperationOutcome under /fhir/, a plain JSON error under /api/."""
    if request.path == "/fhir" or request.path.startswith("/fhir/"):
        response = jsonify(operation_outcome(message, code=code, expression=expression))
        response.mimetype = FHIR_JSON
    else:
        response = jsonify({"error": {"status": status, "message": message}})
    response.status_code = status
    return response
