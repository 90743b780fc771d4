"""The one way a staff page saves a form: validate, make one change through its service,
and redirect; or let the page show again with the form's messages and nothing changed."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect
from werkzeug.wrappers import Response

from app.extensions import db


def save_or_show(
    form,
    change: Callable[[], object],
    *,
    refusals: type[Exception] | tuple[type[Exception], ...],
    then: str,
    done: str | None = None,
    field=None,
) -> Response | None:
    """Run `change` once `form` validates, flash `done` and redirect to the URL `then`.
    None when the page is to show again: the form did not validate, or the service refused
    (one of `refusals`), whose message is then shown on `field` (on the whole form when None)
    and whose half-made change is rolled back."""
    if not form.validate_on_submit():
        return None
    try:
        change()
    except refusals as error:
        db.session.rollback()
        if field is None:
            form.form_errors.append(str(error))
        else:
            field.errors = [*field.errors, str(error)]
        return None
    if done:
        flash(done)
    return redirect(then)
