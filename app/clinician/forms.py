from __future__ import annotations

from wtforms import BooleanField, DateField, IntegerField, SelectField, TextAreaField
from wtforms.widgets import HiddenInput

from app.forms import Form, end_not_before_start
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.instruments.labels import band_text
from app.instruments.registry import InstrumentRegistry
from app.models.review import REVIEW_STATUS_LABELS


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def result_choices(registry: InstrumentRegistry) -> list[SelectChoice]:
    """Instrument, or instrument and band, grouped by instrument: values "phq9" or "phq9:mild"."""
    options = [SelectChoice("", "Any instrument")]
    for instrument_id, loaded in sorted(registry.items()):
        scoring = loaded.definition.scoring
        labels = {band.key: band.label for band in scoring.bands if band.by_input is None} | dict(scoring.band_labels)
        if scoring.cut_off:
            labels |= {side.key: side.label for side in (scoring.cut_off.below, scoring.cut_off.at_or_above)}
        title = loaded.definition.short_title
        options.append(SelectChoice(instrument_id, f"{title}, any band", optgroup=title))
        options += [
            SelectChoice(f"{instrument_id}:{key}", f"{title}: {band_text(loaded.definition, label)}", optgroup=title)
            for key, label in labels.items()
        ]
    return options


class WorklistFilterForm(Form):
    class Meta:
        csrf = False  # a GET search form changes nothing

    date_from = DateField("From", validators=[Optional()])
    date_to = DateField(
        "To",
        validators=[Optional(), end_not_before_start("The end date is before the start date; swap them or clear one.")],
    )
    status = SelectField(
        "Status", choices=choices([("", "Any status"), *REVIEW_STATUS_LABELS.items()]), validators=[Optional()]
    )
    result = SelectField("Instrument and band", validators=[Optional()])

    def __init__(self, registry: InstrumentRegistry, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.result.choices = result_choices(registry)

    @property
    def instrument_and_band(self) -> tuple[str | None, str | None]:
        instrument_id, _, band = (self.result.data or "").partition(":")
        return instrument_id or None, band or None


class AcknowledgeForm(Form):
    confirm = BooleanField(
        "I have seen the safety answer and the clinic's safety protocol is being followed",
        validators=[DataRequired(message="Tick the box to confirm you have seen the safety answer.")],
    )


class ReviewStatusForm(Form):
    status = SelectField(
        "Review status",
        choices=choices(REVIEW_STATUS_LABELS.items()),
        validators=[DataRequired(message="Choose the screening's review status.")],
    )


class ReferralForm(Form):
    reason = TextAreaField(
        "Reason for referral",
        validators=[Length(max=2000, message="Keep the reason under 2,000 characters; put detail in the note.")],
    )
    destination = SelectField("Refer to", validators=[Optional()])
    note = TextAreaField(
        "Note for the receiving clinician",
        validators=[Length(max=4000, message="Keep the note under 4,000 characters so it fits the summary.")],
    )
    #: the version the clinician was shown, so a save over a colleague's newer one is caught
    based_on = IntegerField(widget=HiddenInput(), default=0, validators=[Optional()])

    def __init__(self, destinations: list[str], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.destination.choices = choices([("", "Not chosen yet")] + [(name, name) for name in destinations])

    def validate_reason(self, field):
        if self.destination.data and not (field.data or "").strip():
            raise ValidationError("Give the reason for the referral, so the receiving team knows what is asked.")


class DashboardRangeForm(Form):
    """The dashboard's dates: read from the query string to show, posted (with its CSRF
    token) to export."""

    date_from = DateField("From", validators=[DataRequired(message="Give the first day, such as 2026-01-31.")])
    date_to = DateField(
        "To",
        validators=[
            DataRequired(message="Give the last day, such as 2026-12-31."),
            end_not_before_start("The end date is before the start date; swap them."),
        ],
    )


class DashboardFilterForm(DashboardRangeForm):
    class Meta:
        csrf = False  # a GET form that changes nothing


class ClinicianInputForm(Form):
    """One control for a fact a scoring rule needs from the clinician (the ACE-associated
    health condition status the ACEs Aware tier rests on)."""

    value = SelectField(validators=[DataRequired(message="Choose yes, no or unknown.")])

    def __init__(self, instrument_id: str, label: str, values: tuple[str, ...], *args, **kwargs):
        super().__init__(*args, prefix=instrument_id, **kwargs)
        self.instrument_id = instrument_id
        self.value.label.text = f"Does the patient have an {label}?"
        self.value.choices = choices([("", "Choose…")] + [(value, value.capitalize()) for value in values])
