"""Side effects that must wait for the transaction: queued on the session, run once it has
committed, dropped if it rolls back. A PDF is never queued for a screening that was not saved,
and the one commit of a user action stays the only one."""

from __future__ import annotations

import logging
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
CALLBACKS = "tallyform.after_commit"


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` after the session's next successful commit, and never if it rolls back.
    The callback must not use `session`: the committed transaction can emit no more SQL."""
    # Joined to a transaction that has begun, so that its rollback is seen and drops the callback.
    session.connection()
    session.info.setdefault(CALLBACKS, []).append(callback)


@sa.event.listens_for(Session, "after_commit")
def _run(session: Session) -> None:
    for callback in session.info.pop(CALLBACKS, []):
        try:
            callback()
        except Exception:
            # The data is committed whatever a side effect does; each callback says what it
            # lost, and its own recovery (the periodic re-queue of summaries) picks it up.
            log.exception("an after-commit step failed: %s", getattr(callback, "__name__", "callback"))


@sa.event.listens_for(Session, "after_soft_rollback")
def _drop(session: Session, previous_transaction) -> None:
    # Every rollback the caller asks for, savepoints aside: a side effect belongs to the
    # outermost transaction.
    if not previous_transaction.nested:
        session.info.pop(CALLBACKS, None)
