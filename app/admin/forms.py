from app.forms import Form, end_not_before_start, lines_of
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from app.models.staff import ROLE_LABELS
from app.services.clinic_questions import MAX_TEXT, TYPE_LABELS
from app.services.clinic_settings import MAX_CARE_INTRO_TEXT, MAX_CRISIS_TEXT, MAX_DESTINATIONS, crisis_text_problem
from app.services.clinics import PAPER_SIZES, timezone_problem


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the options of a select."""
    return [SelectChoice(value, label) for value, label in pairs]


ROLE_CHOICES = choices(ROLE_LABELS.items())


class InstrumentSettingForm(Form):
    is_enabled = BooleanField("Offer this instrument at this clinic")
    referral_threshold = IntegerField(
        "Referral threshold (total at or above which a screening is raised on the worklist)",
        validators=[Optional()],
    )

    def __init__(self, total_range: tuple[int, int], *args, **kwargs):
        super().__init__(*args, **kwargs)
        low, high = total_range
        self.referral_threshold.validators = [
            Optional(),
            NumberRange(low, high, message=f"Totals run from {low} to {high}; choose a threshold in that range."),
        ]
        self.referral_threshold.render_kw = {"inputmode": "numeric", "min": low, "max": high}


class PacketNameForm(Form):
    name = StringField(
        "Packet name",
        validators=[DataRequired(message="Give the packet a name staff will recognise."), Length(max=120)],
    )


class NewPacketForm(PacketNameForm):
    instrument = SelectField(
        "First instrument",
        validate_choice=False,
        validators=[DataRequired(message="Choose the first instrument of the packet.")],
    )


class PacketAddForm(Form):
    instrument = SelectField("Add an instrument", validate_choice=False)


class ClinicSettingsForm(Form):
    name = StringField(
        "Clinic name",
        validators=[DataRequired(message="Give the clinic's name as patients know it."), Length(max=200)],
    )
    address = TextAreaField("Address (printed on the referral PDF)", validators=[Length(max=500)])
    timezone = StringField(
        "Time zone",
        validators=[DataRequired(message="Give the clinic's time zone, such as America/Chicago.")],
    )
    paper_size = SelectField("Paper size for the referral PDF", choices=choices((size, size) for size in PAPER_SIZES))
    crisis_text = TextAreaField(
        "Crisis and support message",
        validators=[
            DataRequired(message="The crisis message cannot be empty: it is what a patient at risk reads."),
            Length(max=MAX_CRISIS_TEXT, message=f"Keep the message under {MAX_CRISIS_TEXT} characters."),
        ],
        render_kw={"rows": 5},
    )
    care_intro_text = TextAreaField(
        "Introduction before questions about painful experiences",
        validators=[
            DataRequired(message="The introduction cannot be empty: patients read it before these questions."),
            Length(max=MAX_CARE_INTRO_TEXT, message=f"Keep the introduction under {MAX_CARE_INTRO_TEXT} characters."),
        ],
        render_kw={"rows": 5},
    )
    referral_destinations = TextAreaField("Referral destinations, one per line", render_kw={"rows": 5})
    read_aloud = BooleanField("Offer a “Listen” button that reads each question aloud on the tablet")
    require_admin_totp = BooleanField("Admins must use two-factor sign-in")

    def validate_timezone(self, field):
        problem = timezone_problem(field.data.strip())
        if problem:
            raise ValidationError(problem)

    def validate_referral_destinations(self, field):
        if not isinstance(field.data, str):  # posted without the field: the clinic's list, not text
            raise ValidationError("The list of destinations was missing; reload the page and save again.")
        lines = self.destination_list()
        if len(lines) > MAX_DESTINATIONS:
            raise ValidationError(f"List at most {MAX_DESTINATIONS} destinations.")
        if any(len(line) > 200 for line in lines):
            raise ValidationError("Keep each destination under 200 characters.")

    def destination_list(self) -> list[str]:
        return lines_of(self.referral_destinations.data)


def language_settings_form(languages) -> type[ClinicSettingsForm]:
    """The settings form with, for each installed language other than English, whether the
    clinic offers it on the tablet and its support message in that language."""

    class LanguageSettingsForm(ClinicSettingsForm):
        language_codes = tuple(language.code for language in languages)

        def language_fields(self):
            """(language, offer checkbox, support message) per language, in the order installed."""
            return [
                (language, self[f"offer_{language.code}"], self[f"crisis_text_{language.code}"])
                for language in languages
            ]

        def crisis_texts(self) -> dict[str, str]:
            return {code: self[f"crisis_text_{code}"].data or "" for code in self.language_codes}

        def offered(self) -> list[str]:
            return [code for code in self.language_codes if self[f"offer_{code}"].data]

        def validate(self, extra_validators=None) -> bool:
            valid = super().validate(extra_validators)
            offered = self.offered()
            for code, text in self.crisis_texts().items():
                problem = crisis_text_problem(code, text, offered=code in offered)
                if problem:
                    self[f"crisis_text_{code}"].errors = [*self[f"crisis_text_{code}"].errors, problem]
                    valid = False
            return valid

    for language in languages:
        setattr(
            LanguageSettingsForm,
            f"offer_{language.code}",
            BooleanField(f"Offer {language.english_name} on the tablet"),
        )
        setattr(
            LanguageSettingsForm,
            f"crisis_text_{language.code}",
            TextAreaField(
                f"Crisis and support message in {language.english_name}",
                render_kw={"rows": 5, "lang": language.code},
            ),
        )
    return LanguageSettingsForm


class LogoForm(Form):
    logo = FileField("Logo (PNG or JPEG, at most 512 KB)", validators=[FileRequired(message="Choose an image file.")])


class StaffForm(Form):
    name = StringField(
        "Name", validators=[DataRequired(message="Enter the person's name as colleagues know it."), Length(max=200)]
    )
    email = EmailField(
        "E-mail address",
        validators=[
            DataRequired(message="Enter the person's e-mail address; they sign in with it."),
            Email(message="Enter an e-mail address such as name@clinic.org.", check_deliverability=False),
            Length(max=254),
        ],
    )
    role = SelectField("Role", choices=ROLE_CHOICES)


class RoleForm(Form):
    role = SelectField("Role", choices=ROLE_CHOICES)


class AuditFilterForm(Form):
    class Meta:
        csrf = False  # a GET search form: it changes nothing

    person = SelectField("Person", validate_choice=False, coerce=str)
    mrn = StringField("Patient MRN", validators=[Length(max=64)])
    action = SelectField("Action", validate_choice=False)
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional(), end_not_before_start("The end date is before the start date.")])


class ClinicQuestionForm(Form):
    type = SelectField("Kind of answer", choices=choices(TYPE_LABELS.items()))
    text = TextAreaField(
        "Question, as the patient will read it",
        validators=[
            DataRequired(message="Write the question as the patient will read it."),
            Length(max=MAX_TEXT, message=f"Keep the question under {MAX_TEXT} characters."),
        ],
        render_kw={"rows": 2},
    )
    options = TextAreaField("Answers to choose from, one per line (single choice only)", render_kw={"rows": 4})

    def option_list(self) -> tuple[str, ...]:
        if self.type.data != "single_choice":
            return ()
        return tuple(lines_of(self.options.data))
