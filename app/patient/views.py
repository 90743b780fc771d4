from itertools import groupby

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session, url_for
from sqlalchemy.exc import IntegrityError
from wtforms.fields.choices import SelectChoice

from app.extensions import db, instruments
from app.i18n import use_language
from app.models import Clinic
from app.patient import tablet
from app.patient.flow import build_steps, estimated_minutes, first_unanswered, follow_ups_pending, question_count
from app.patient.forms import (
    CodeForm,
    LanguageForm,
    StepForm,
    build_clinic_item_form,
    build_item_form,
    item_field_name,
)
from app.services import access_codes, kiosk, languages
from app.services.clinic_answers import pinned_question_set, question_items
from app.services.clinic_questions import CLINIC_QUESTION_LABEL
from app.services.screenings import ScreeningError
from app.services.sections import section

bp = Blueprint("patient", __name__, url_prefix="/kiosk")
bp.before_request(tablet.load_kiosk)
SITTING_ENDPOINTS = {
    "patient.welcome",
    "patient.language",
    "patient.step",
    "patient.save_choice",
    "patient.review",
    "patient.submit",
}


@bp.before_request
def _sitting_needs_a_code():
    if request.endpoint in SITTING_ENDPOINTS:
        return tablet.require_kiosk()
    return None


def _clinic_items() -> dict[str, dict]:
    items = question_items(pinned_question_set(db.session, g.kiosk.screening))
    return {item["id"]: item for item in items}


def _answers_shaping_the_flow() -> dict:
    """The answers so far, read once a request and only where they can change which screens
    follow (a follow-up instrument, a gate question): a fixed packet's step reads only its own
    answer."""
    if "flow_answers" not in g:
        screening = g.kiosk.screening
        registry = instruments()
        shaped = screening.follow_ups or any(
            iid in registry and registry[iid].definition.scoring.gate for iid in screening.instrument_ids
        )
        g.flow_answers = kiosk.draft_answers(db.session, g.kiosk.screening_id) if shaped else {}
    return g.flow_answers


def _steps():
    screening = g.kiosk.screening
    return build_steps(
        instruments(),
        screening.instrument_ids,
        list(_clinic_items().values()),
        _answers_shaping_the_flow(),
        screening.follow_ups,
    )


def _more_may_follow() -> bool:
    screening = g.kiosk.screening
    answers = _answers_shaping_the_flow()
    return follow_ups_pending(instruments(), screening.instrument_ids, answers, screening.follow_ups)


def _step_form(current, saved: dict):
    """The screen's form, and the instrument definition or clinic question it shows."""
    if not section(current.instrument_id).is_instrument:  # the clinic's own question
        item = _clinic_items()[current.item_id]
        return build_clinic_item_form(item, data={f"item_{item['id']}": saved.get(item["id"])}), None, item
    definition = languages.wording(instruments(), g.kiosk.screening, current.instrument_id).definition
    if current.kind in ("intro", "care"):
        return StepForm(), definition, None
    item = definition.item(current.item_id)
    return build_item_form(definition, item, data={item_field_name(item): saved.get(item.id)}), definition, None


def _screen(index: int):
    """The step at index, its form and what it shows; only this screen's answer is read."""
    steps = _steps()
    if not 0 <= index < len(steps):
        abort(404)
    current = steps[index]
    answers = None
    if current.kind == "item":
        answers = kiosk.tablet_answers(db.session, g.kiosk, current.instrument_id, current.item_id)
    saved = answers.shown.get(current.instrument_id, {}) if answers else {}
    form, definition, clinic_item = _step_form(current, saved)
    answered_before = bool(answers and answers.earlier)
    return steps, current, form, definition, clinic_item, answered_before


def _save(current, form) -> None:
    if current.kind == "item":
        kiosk.save_answer(
            db.session,
            instruments(),
            g.kiosk.screening,
            current.instrument_id,
            current.item_id,
            form[f"item_{current.item_id}"].data,
            keep_before=g.kiosk.created_at,
        )


@bp.route("/", methods=["GET", "POST"])
def start():
    if g.kiosk is not None:
        return redirect(url_for("patient.welcome"))
    # The QR code carries the code in the URL fragment (static/js/fragment-fill.js), never
    # in the query string, so it never reaches an access log.
    form = CodeForm()
    if form.validate_on_submit():
        try:
            _screening, token = access_codes.redeem_access_code(
                db.session, form.code.data, tablet.client_address(), secret_key=current_app.config["SECRET_KEY"]
            )
        except access_codes.AccessCodeError as error:
            form.code.errors.append(str(error))
        else:
            tablet.begin_sitting(token)
            return redirect(url_for("patient.welcome"))
    return render_template("patient/start.html", form=form, cleared=request.args.get("cleared"))


@bp.route("/welcome")
def welcome():
    steps = _steps()
    resume_at = first_unanswered(steps, kiosk.tablet_answers(db.session, g.kiosk).reached())
    clinic = g.kiosk.screening.clinic
    return render_template(
        "patient/welcome.html",
        clinic=clinic,
        questions=(questions := question_count(steps)),
        minutes=estimated_minutes(questions, current_app.config["SECONDS_PER_QUESTION"]),
        more_may_follow=_more_may_follow(),
        resume_at=resume_at if resume_at < len(steps) else None,
        has_answers=resume_at > 0,
        language_form=_language_form(),
    )


def _language_form() -> LanguageForm:
    form = LanguageForm(language=g.kiosk.screening.language)
    form.language.choices = [
        SelectChoice(lang.code, lang.name)
        for lang in languages.offered_languages(instruments(), g.kiosk.screening.clinic)
    ]
    return form


@bp.route("/language", methods=["POST"])
def language():
    """The patient's own choice of language, from the welcome screen."""
    form = _language_form()
    if form.validate_on_submit():
        try:
            languages.switch_sitting_language(db.session, instruments(), g.kiosk.screening, form.language.data)
        except ScreeningError:
            db.session.rollback()
    return redirect(url_for("patient.welcome"))


def _listen_text(current, form, definition) -> str | None:
    """What the "Listen" button reads: the stem, the question and its options, in order."""
    if current.kind != "item":
        return None
    field = form[f"item_{current.item_id}"]
    stem = definition.stem_for(definition.item(current.item_id)) if definition else None
    options = [choice.label for choice in getattr(field, "choices", None) or []]
    parts = [part.strip() for part in (stem, field.label.text, *options) if part and part.strip()]
    # A pause between the parts: a full stop where a part does not end a sentence itself.
    return " ".join(part if part[-1] in ".?!:" else f"{part}." for part in parts)


@bp.route("/step/<int:index>", methods=["GET", "POST"])
def step(index: int):
    steps, current, form, definition, clinic_item, answered_before = _screen(index)
    if form.validate_on_submit():
        _save(current, form)
        g.pop("flow_answers", None)  # read again: the answer may have changed the screens
        # The answer may have added or removed screens after this one (a follow-up instrument).
        return redirect(_next_screen(index, len(_steps()), request.form.get("nav")))
    clinic = g.kiosk.screening.clinic
    return tablet.clear_when_idle(
        render_template(
            "patient/step.html",
            form=form,
            step=current,
            index=index,
            definition=definition,
            clinic_item=clinic_item,
            clinic_label=CLINIC_QUESTION_LABEL,
            wording_lang=languages.wording_language(instruments(), g.kiosk.screening, current.instrument_id),
            questions=(questions := question_count(steps)),
            minutes=estimated_minutes(questions, current_app.config["SECONDS_PER_QUESTION"]),
            more_may_follow=_more_may_follow(),
            care_intro=clinic.care_intro_text if current.kind == "care" else None,
            # Off unless the clinic chose it: read in the browser, so no text leaves the tablet.
            listen_text=_listen_text(current, form, definition) if clinic.read_aloud else None,
            idle_seconds=tablet.idle_limit().seconds,
            from_review=request.args.get("from") == "review",
            answered_before=answered_before,
        )
    )


@bp.route("/step/<int:index>/answer", methods=["POST"])
def save_choice(index: int):
    """An option as it is tapped (kiosk.js), so an answer chosen but never sent with Next
    survives an idle clear-out. Without JavaScript, Next saves it."""
    _steps, current, form, _definition, _clinic_item, _before = _screen(index)
    if current.kind != "item" or not form.validate_on_submit():
        abort(400)
    _save(current, form)
    return "", 204


def _next_screen(index: int, count: int, nav: str | None) -> str:
    if nav == "stay":
        return url_for("patient.step", index=index)
    if nav == "review" or (nav == "next" and index + 1 >= count):
        return url_for("patient.review")
    if nav == "back":
        return url_for("patient.step", index=max(index - 1, 0)) if index > 0 else url_for("patient.welcome")
    return url_for("patient.step", index=index + 1)


@bp.route("/review", methods=["GET"])
def review():
    steps = _steps()
    answers = kiosk.tablet_answers(db.session, g.kiosk)
    # (index, step, value shown, answered before this code: kept but never shown)
    rows = [
        (
            index,
            step,
            answers.shown.get(step.instrument_id, {}).get(step.item_id),
            (step.instrument_id, step.item_id) in answers.earlier,
        )
        for index, step in enumerate(steps)
        if step.kind == "item"
    ]
    # In packet order, as the patient answered them (Jinja's groupby would sort by name).
    groups = [(key, list(group)) for key, group in groupby(rows, key=lambda row: row[1].instrument_id)]
    return tablet.clear_when_idle(
        render_template(
            "patient/review.html",
            groups=groups,
            definitions={
                instrument_id: languages.wording(instruments(), g.kiosk.screening, instrument_id).definition
                for instrument_id, _group in groups
                if section(instrument_id).is_instrument
            },
            wording_langs={
                instrument_id: languages.wording_language(instruments(), g.kiosk.screening, instrument_id)
                for instrument_id, _group in groups
            },
            clinic_items=_clinic_items(),
            clinic_label=CLINIC_QUESTION_LABEL,
            form=StepForm(),
            unanswered=[row for row in rows if row[2] is None and not row[3]],
            idle_seconds=tablet.idle_limit().seconds,
        )
    )


@bp.route("/submit", methods=["POST"])
def submit():
    if not StepForm().validate_on_submit():
        return redirect(url_for("patient.review"))
    try:
        screening = kiosk.submit_from_tablet(db.session, instruments(), g.kiosk)
    except (ScreeningError, IntegrityError):
        db.session.rollback()  # submitted already, by a double tap: nothing more to store
        session.clear()
        return redirect(url_for("patient.done"))
    session.clear()
    session[tablet.DONE_KEY] = {
        "clinic_id": screening.clinic_id,
        "urgent": screening.is_urgent,
        "language": screening.language,
    }
    return redirect(url_for("patient.done"))


@bp.route("/done")
def done():
    outcome = session.pop(tablet.DONE_KEY, None) or {}
    use_language(outcome.get("language"))
    clinic = db.session.get(Clinic, outcome["clinic_id"]) if outcome else None
    page = render_template(
        "patient/done.html",
        clinic=clinic,
        urgent=outcome.get("urgent", False),
        done_seconds=tablet.done_seconds(),
    )
    return tablet.return_to_start(page)


@bp.route("/timeout")
def timeout():
    """Where an idle tablet goes (by meta refresh, without JavaScript): end and forget."""
    kiosk.end_kiosk_session(db.session, session.get(tablet.KIOSK_KEY), "idle")
    session.clear()
    return tablet.forget(redirect(url_for("patient.start", cleared=1)))
