"""Tablet forms. An item's form is built from its instrument definition at runtime, so
the options are exactly the YAML's, in its order, with its values."""

from __future__ import annotations

from app.forms import Form
from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.instruments.definition import Instrument, Item
from app.services.clinic_questions import MAX_ANSWER


class CodeForm(Form):
    code = StringField(
        "Your code",
        validators=[
            DataRequired(message="Enter the 8-character code from the front desk."),
            Length(max=20, message="The code has 8 characters; check it and try again."),
        ],
        render_kw={
            "autocomplete": "off",
            "autocapitalize": "characters",
            "spellcheck": "false",
            "autocorrect": "off",
            "inputmode": "text",
            "data-fragment-field": "code",
        },
    )


class LanguageForm(Form):
    """The patient's switch between the offered languages (choices set by the view)."""

    language = RadioField("Language · Idioma", validators=[DataRequired()])


class StepForm(Form):
    """An instructions screen: nothing to answer, only back and forward."""


def item_field_name(item: Item) -> str:
    return f"item_{item.id}"


def build_item_form(definition: Instrument, item: Item, **kwargs) -> Form:
    """A form with one radio group for the item. Leaving it blank is allowed: the
    review page points blanks out, and scoring applies the instrument's missing rule."""
    choices = [SelectChoice(option.value, option.label) for option in definition.options_for(item)]

    class ItemForm(StepForm):
        pass

    setattr(
        ItemForm, item_field_name(item), RadioField(item.text, choices=choices, coerce=int, validators=[Optional()])
    )
    return ItemForm(**kwargs)


def build_clinic_item_form(item: dict, **kwargs) -> Form:
    """A clinic question's form: the same radio rows as an instrument item for yes/no and
    single choice (the value is the option's position), a length-limited text box for short text."""

    class ClinicItemForm(StepForm):
        pass

    if item["type"] == "short_text":
        field = StringField(
            item["text"],
            validators=[
                Optional(),
                Length(
                    max=MAX_ANSWER, message=f"Keep your answer under {MAX_ANSWER} characters; shorten it and try again."
                ),
            ],
            render_kw={"maxlength": MAX_ANSWER, "autocomplete": "off"},
        )
    else:
        choices = [SelectChoice(index, option) for index, option in enumerate(item["options"])]
        field = RadioField(item["text"], choices=choices, coerce=int, validators=[Optional()])
    setattr(ClinicItemForm, f"item_{item['id']}", field)
    return ClinicItemForm(**kwargs)
