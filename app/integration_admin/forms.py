from wtforms import BooleanField, DateField, RadioField, SelectChoice, StringField

from app.forms import Form
from wtforms.validators import DataRequired, Length


class CreateTokenForm(Form):
    name = StringField(
        "Name of the system that will use it",
        validators=[
            DataRequired(message="Name the token after the system that will hold it, such as “EHR interface”."),
            Length(max=100, message="Keep the name to 100 characters or fewer."),
        ],
    )


class RevokeTokenForm(Form):
    """Only its CSRF token: revoking is a change, so another site must not be able to ask for it."""


class CsvExportForm(Form):
    """A POST with a CSRF token: another site must not be able to start a download of PHI."""

    since = DateField(
        "Responses submitted on or after",
        validators=[DataRequired(message="Enter the first date to include, such as 2026-01-01.")],
    )
    deidentify = BooleanField(
        "De-identify: leave out name, date of birth and ids, replace the MRN with a code, dates to the month"
    )
    layout = RadioField(
        "Layout",
        choices=[SelectChoice("wide", "One row per response"), SelectChoice("long", "One row per answer")],
        default="wide",
    )
