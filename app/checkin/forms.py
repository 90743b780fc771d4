from datetime import date

from wtforms import DateField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.forms import Form
from app.services.languages import GIVE_IN_ENGLISH, LEAVE_OUT


class FindPatientForm(Form):
    """Sent by POST so that a name or MRN never appears in a URL."""

    query = StringField(
        "MRN or name",
        validators=[DataRequired(message="Type the patient's MRN, or part of their name.")],
        render_kw={"autocomplete": "off"},
    )


class AddPatientForm(Form):
    mrn = StringField(
        "Medical record number (MRN)",
        validators=[
            DataRequired(message="Enter the patient's MRN as it appears in the clinic's records."),
            Length(max=64, message="An MRN has at most 64 characters."),
        ],
        render_kw={"autocomplete": "off"},
    )
    name = StringField(
        "Full name",
        validators=[
            DataRequired(message="Enter the patient's name as it appears on their ID."),
            Length(max=200, message="Use at most 200 characters."),
        ],
        render_kw={"autocomplete": "off"},
    )
    date_of_birth = DateField(
        "Date of birth",
        validators=[DataRequired(message="Enter the date of birth, for example 1980-03-14.")],
        render_kw={"autocomplete": "off"},
    )

    def validate_date_of_birth(self, field):
        if field.data and field.data > date.today():
            raise ValidationError("The date of birth is in the future; check the year.")
        if field.data and field.data.year < 1900:
            raise ValidationError("Check the year: it is before 1900.")


class StartScreeningForm(Form):
    packet_id = SelectField(
        "Questionnaires to give",
        coerce=int,
        validators=[DataRequired(message="Choose which questionnaires the patient should complete.")],
    )
    # Choices are the offered languages, set by the view from the installed translations.
    language = SelectField("Language the patient reads best", validators=[DataRequired()])
    # Asked only when the packet holds questionnaires not available in that language.
    gap_choice = RadioField(
        "For those questionnaires",
        choices=[
            SelectChoice(LEAVE_OUT, "Leave them out this time"),
            SelectChoice(GIVE_IN_ENGLISH, "Give them in English"),
        ],
        validators=[Optional()],
    )


class NewCodeForm(Form):
    """Issuing a new code (to resume after a pause) is a POST with a CSRF token."""
