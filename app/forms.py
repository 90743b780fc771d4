"""The base of every form: text input is normalised and checked here, once.

Every field of a `Form` gets, ahead of its own validators, one that refuses control
characters (a NUL byte cannot be stored in PostgreSQL text, and none belongs in what a
person types), and its text is put in Unicode NFC so the same words always compare equal.
Dates out of the range the app can compute with are refused the same way.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from flask_wtf import FlaskForm
from wtforms import DateField, PasswordField, TextAreaField
from wtforms.validators import StopValidation, ValidationError

# Line breaks and tabs are ordinary in a text area; every other C0/C1 control is refused.
ALLOWED_CONTROLS = frozenset("\t\n\r")
# Within a day of year 1 or 9999, converting a local day to UTC overflows; each form's own
# validators judge what is plausible (a date of birth, say) inside this range.
EARLIEST_DATE, LATEST_DATE = date(2, 1, 1), date(9998, 12, 31)


def has_control_character(text: str, allowed: frozenset[str] = frozenset()) -> bool:
    return any(unicodedata.category(char) == "Cc" and char not in allowed for char in text)


def no_control_characters(form, field) -> None:
    allowed = ALLOWED_CONTROLS if isinstance(field, TextAreaField) else frozenset()
    if any(isinstance(raw, str) and has_control_character(raw, allowed) for raw in field.raw_data or ()):
        field.errors[:] = []  # a parse error from the same bad input says less than this
        raise StopValidation("Remove the control character (such as a NUL byte) from this field and try again.")


def date_in_range(form, field) -> None:
    if isinstance(field.data, date) and not EARLIEST_DATE <= field.data <= LATEST_DATE:
        raise StopValidation(f"Choose a date between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}.")


def nfc(value):
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def lines_of(text: str | None) -> list[str]:
    """A text area's non-blank lines, each stripped: a list typed one entry per line."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def end_not_before_start(message: str):
    """A `date_to` field's validator: refused when it falls before the form's `date_from`."""

    def check(form, field) -> None:
        if field.data and form.date_from.data and field.data < form.date_from.data:
            raise ValidationError(message)

    return check


class Form(FlaskForm):
    class Meta(FlaskForm.Meta):
        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            checks = [no_control_characters]
            if isinstance(field, DateField):
                checks.append(date_in_range)
            field.validators = [*checks, *field.validators]
            if not isinstance(field, PasswordField):  # a password is checked exactly as typed
                field.filters = [nfc, *field.filters]
            return field


class ConfirmForm(Form):
    """A confirmed action with nothing to fill in (cancel a sitting, clear a wait): a POST
    with a CSRF token, after a confirmation page."""
