"""API tokens: made and revoked by a clinic's admins, presented by integrations.

A token is shown once, when it is made; only its SHA-256 is stored. Every call made with
one is written to the audit trail with the token's id, never the token.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.exceptions import NotFound

from app.security.tokens import token_hash
from app.db import utcnow
from app.models import ApiToken
from app.services.audit import record_event

# A marker that makes a leaked token recognisable, not a secret:
TOKEN_PREFIX = "tfk_"  # noqa: S105  # nosec B105
HINT_LENGTH = len(TOKEN_PREFIX) + 4


def create_api_token(session: Session, clinic_id: int, name: str, *, created_by_id: int) -> tuple[ApiToken, str]:
    """The stored token and the token itself, which is never available again."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    api_token = ApiToken(
        clinic_id=clinic_id,
        name=name.strip(),
        token_hash=token_hash(token),
        token_hint=token[:HINT_LENGTH],
        created_by_id=created_by_id,
    )
    session.add(api_token)
    session.flush()
    _record_admin_change(session, "api_token.create", api_token, created_by_id)
    session.commit()
    return api_token, token


def _record_admin_change(session: Session, action: str, api_token: ApiToken, actor_user_id: int | None) -> None:
    record_event(
        session,
        action,
        clinic_id=api_token.clinic_id,
        actor_user_id=actor_user_id,
        target_type="api_token",
        target_id=api_token.id,
    )


def list_api_tokens(session: Session, clinic_id: int) -> list[ApiToken]:
    return list(
        session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.clinic_id == clinic_id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_api_token(session: Session, clinic_id: int, token_id: int, *, revoked_by_id: int) -> ApiToken:
    api_token = session.scalar(sa.select(ApiToken).where(ApiToken.id == token_id, ApiToken.clinic_id == clinic_id))
    if api_token is None:
        raise NotFound()
    if api_token.revoked_at is None:
        api_token.revoked_at = utcnow()
        _record_admin_change(session, "api_token.revoke", api_token, revoked_by_id)
        session.commit()
    return api_token


def authenticate_api_token(session: Session, token: str) -> ApiToken | None:
    """The active token presented, or None (unknown or revoked: the caller cannot tell which)."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    return session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == token_hash(token), ApiToken.revoked_at.is_(None))
    )


def record_api_call(
    session: Session,
    api_token: ApiToken,
    action: str,
    *,
    target_type: str | None = None,
    target_id: int | str | None = None,
    details: dict | None = None,
) -> None:
    """Audit one API call and mark the token as used, in one commit."""
    api_token.last_used_at = utcnow()
    record_event(
        session,
        action,
        clinic_id=api_token.clinic_id,
        actor_kind="api",
        target_type=target_type,
        target_id=target_id,
        details={"api_token_id": api_token.id, **(details or {})},
    )
    session.commit()
