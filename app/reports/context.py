"""What the referral summary and the patient history show, as plain dicts built from ids.

Every word of an instrument shown here (item text, answer labels, bands, citations) is read
from the InstrumentVersion the response points at, never from today's questionnaire files:
a summary printed years later shows what the patient saw and how it was scored then.
"""

from __future__ import annotations

import base64
from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.instruments.definition import Instrument
from app.instruments.follow_ups import decisions_from_totals, explain
from app.instruments.labels import score_label
from app.instruments.scoring import band_for_total
from app.instruments.translations import ENGLISH, LANGUAGE_NAMES
from app.models import Clinic, InstrumentVersion, Patient, ReferralVersion, Response, Screening, User
from app.reports.charts import ChartBand, ChartPoint, sparkline, trend_chart
from app.reports.clinic_answers import clinic_answer_summary
from app.reports.clinician_inputs import GivenInput, current_score, given_inputs

NOT_A_DIAGNOSIS = "A screening result is not a diagnosis."
DATE = "%d %b %Y"
DATE_TIME = "%d %b %Y, %H:%M %Z"


class ReportNotFoundError(LookupError):
    """No such completed screening or patient in this clinic."""


def local_time(value: datetime, timezone: str, fmt: str = DATE_TIME) -> str:
    return value.astimezone(ZoneInfo(timezone)).strftime(fmt)


# A pinned version is named by its content's hash and never changes, and a definition is
# frozen once validated: each is read and validated once a process, not once a summary.
_PINNED: dict[str, Instrument] = {}


def pinned_definitions(session: Session, versions: set[str]) -> dict[str, Instrument]:
    missing = set(versions) - _PINNED.keys()
    if missing:
        rows = session.scalars(sa.select(InstrumentVersion).where(InstrumentVersion.version.in_(missing)))
        _PINNED.update({row.version: Instrument.model_validate(row.definition) for row in rows})
    return {version: _PINNED[version] for version in versions if version in _PINNED}


def item_groups(definition: Instrument, answers: dict, seen: Instrument | None = None) -> list[dict]:
    """The answered items in the order asked, grouped under the stem they were asked with
    (None for a question of its own). `seen`: the translated wording the patient was shown,
    whose stem heads the group, with the English one beside it."""
    groups: list[dict] = []
    shown = seen or definition
    for item, row in zip(definition.items, answered_items(definition, answers, seen), strict=True):
        stem = shown.stem_for(shown.item(item.id))
        if groups and groups[-1]["stem"] == stem:
            groups[-1]["items"].append(row)
        else:
            groups.append({"stem": stem, "english_stem": definition.stem_for(item) if seen else None, "items": [row]})
    return groups


def _answer_label(definition: Instrument, item, value) -> str | None:
    labels = {option.value: option.label for option in definition.options_for(item)}
    return labels.get(value) if value is not None else None


def answered_items(definition: Instrument, answers: dict, seen: Instrument | None = None) -> list[dict]:
    """Each item as the patient saw it, with the answer they chose, in the order asked. Where
    they saw a translation (`seen`), its words come first and the English ones go beside them:
    the same item and option, as a translation's items and options are the English ones'."""
    rows = []
    for item in definition.items:
        value = answers.get(item.id)
        english_answer = _answer_label(definition, item, value) or "Not answered"
        row = {
            "number": item.id,
            "text": item.text,
            "answer": english_answer,
            "value": value,
            "is_scored": item.scored,
            "english_text": None,
            "english_answer": None,
        }
        if seen is not None:
            shown = seen.item(item.id)
            row |= {
                "text": shown.text,
                "answer": _answer_label(seen, shown, value) or "Not answered",
                "english_text": item.text,
                "english_answer": english_answer,
            }
        rows.append(row)
    return rows


def urgent_findings(
    definition: Instrument, answers: dict, flags: list[str], seen: Instrument | None = None
) -> list[dict]:
    """The urgent flags among `flags`, each quoting its item and the answer given, in the
    words the patient saw and, for a translation, in English beside them."""
    findings = []
    for flag in definition.scoring.flags:
        if not flag.urgent or flag.key not in flags:
            continue
        finding = {"label": flag.label, "item": None, "answer": None}
        if flag.item:
            row = next(row for row in answered_items(definition, answers, seen) if row["number"] == flag.item)
            finding |= {
                "item": row["text"],
                "item_number": row["number"],
                "answer": _answer_label(seen or definition, (seen or definition).item(flag.item), row["value"]),
                "value": row["value"],
                "english_item": row.get("english_text"),
                "english_answer": row.get("english_answer"),
            }
        findings.append(finding)
    return findings


def cut_off_summary(definition: Instrument, value: int | None) -> dict | None:
    """The clinic-chosen cut-off a result was read against, with its published source."""
    rule = definition.scoring.cut_off
    if rule is None or value is None:
        return None
    label = next((choice.label for choice in rule.choices if choice.value == value), None)
    return {"value": value, "label": label, "stated_as": rule.stated_as, "source": rule.source, "note": rule.note}


def current_scores(session: Session, responses: list[Response]) -> dict[int, dict]:
    """Each response's score with the latest clinician input applied (two queries at most)."""
    given = given_inputs(session, [response.id for response in responses])
    definitions = pinned_definitions(
        session, {response.instrument_version for response in responses if response.id in given}
    )
    return {
        response.id: current_score(definitions[response.instrument_version], response, given[response.id])
        for response in responses
        if response.id in given
    }


def _input_summary(definition: Instrument, response: Response, given: list[GivenInput], timezone: str) -> dict | None:
    """The clinician input the tier rests on, who gave it and when, and the earlier values."""
    wanted = definition.scoring.clinician_input
    if wanted is None:
        return None
    at_submission = response.clinician_inputs.get(wanted.key)
    entries = [{"value": at_submission, "by": None, "at": None}] if at_submission is not None else []
    entries += [{"value": entry.value, "by": entry.by, "at": local_time(entry.at, timezone)} for entry in given]
    return {
        "key": wanted.key,
        "label": wanted.label,
        "values": list(wanted.values),
        "current": entries[-1] if entries else None,
        "earlier": entries[:-1],
    }


def pinned_definitions_of(session: Session, responses) -> dict[str, Instrument]:
    """The pinned definitions of responses: the English version each was scored by, and the
    translated wording it was answered in, where it was not answered in English."""
    versions = {response.instrument_version for response in responses}
    versions |= {response.translation_version for response in responses if response.translation_version}
    return pinned_definitions(session, versions)


def language_line(language: str, seen: Instrument | None) -> str | None:
    """For staff: the language a response was given in, where it was not English."""
    if seen is None or language == ENGLISH:
        return None
    name = LANGUAGE_NAMES.get(language, (language, language))[1]
    return (
        f"Answered in {name}. Each item and answer is shown in the {name} wording the patient saw, "
        "with the English wording of the same item beside it."
    )


def result_summary(
    definition: Instrument,
    response: Response,
    given: list[GivenInput] | None = None,
    timezone: str = "UTC",
    seen: Instrument | None = None,
) -> dict:
    """One response's score, band, meaning, flags and notes, with its instrument's sources.
    `given`: the clinician inputs recorded for it, which settle a band that waits for one.
    `seen`: the translated wording the patient answered in (None: the English one)."""
    given = given or []
    score = current_score(definition, response, given)
    band = band_for_total(definition, response.total, score.get("cut_off")) if response.total is not None else None
    label = score_label(definition, score)
    return {
        "instrument_id": response.instrument_id,
        "title": definition.title,
        "short_title": definition.short_title,
        "total": response.total,
        "total_range": score.get("total_range"),
        "band_label": label.band_text,
        "band_meaning": band.meaning if band and score.get("band") else None,
        "clinician_input": _input_summary(definition, response, given, timezone),
        "bands_note": label.bands_note,
        "flags": [score.get("flag_labels", {}).get(key, key) for key in score.get("flags", [])],
        "urgent": [
            finding | {"language": response.language}
            for finding in urgent_findings(definition, response.answers, score.get("flags", []), seen)
        ],
        "syndrome_label": label.syndrome,
        "subscales": [
            {"label": subscale.label, "total": score["subscales"][subscale.key]}
            for subscale in definition.scoring.subscales
            if subscale.key in score.get("subscales", {})
        ],
        "cut_off": cut_off_summary(definition, score.get("cut_off")),
        "syndrome_note": label.syndrome_note,
        "notes": score.get("notes", []),
        "is_complete": response.is_complete,
        "caveats": list(label.caveats),
        "norms": [norm.model_dump() for norm in definition.scoring.norms],
        "item_groups": item_groups(definition, response.answers, seen),
        "language": response.language,
        "language_line": language_line(response.language, seen),
        "wording_title": seen.title if seen else definition.title,
        "citations": list(definition.citations),
        "copyright": definition.copyright,
        "version": response.instrument_version,
        "translation_version": response.translation_version,
    }


def change_between(definition: Instrument, previous: int | None, total: int | None) -> dict | None:
    """A total's change since the previous complete one, marked reliable where the
    instrument gives a threshold (None: no mark, not "unreliable")."""
    if previous is None or total is None:
        return None
    delta = total - previous
    rule = definition.scoring.reliable_change
    # the typographic minus (U+2212), as wide as the plus: the one form every page and PDF prints
    text = f"{delta:+d}".replace("-", "\u2212")
    return {"delta": delta, "text": text, "reliable": abs(delta) >= rule.points if rule else None}


def reliable_change_rule(definition: Instrument) -> str:
    """The rule behind every "reliable change" mark, said once under the history."""
    rule = definition.scoring.reliable_change
    if rule is None:
        return "No published reliable-change threshold: changes are shown without one."
    unverified = "" if rule.is_verified else " (threshold not verified)"
    return f"Reliable change: {rule.points} points or more{unverified}. Source: {rule.source}"


def instrument_histories(
    session: Session, clinic: Clinic, patient_id: int, *, up_to: datetime | None = None, chart_prefix: str = "trend"
) -> list[dict]:
    """Per instrument, every completed response of the patient in time order, with its change
    since the previous complete response and a trend chart where the score describes a state."""
    query = (
        sa.select(Response, Screening.completed_at)
        .join(Screening, Response.screening_id == Screening.id)
        .where(Screening.clinic_id == clinic.id, Screening.patient_id == patient_id, Screening.status == "completed")
        .order_by(Screening.completed_at, Response.id)
    )
    if up_to is not None:
        query = query.where(Screening.completed_at <= up_to)
    rows = session.execute(query).all()
    definitions = pinned_definitions_of(session, [response for response, _ in rows])
    given = given_inputs(session, [response.id for response, _ in rows])
    by_instrument: dict[str, list] = defaultdict(list)
    for response, completed_at in rows:
        by_instrument[response.instrument_id].append((response, completed_at))

    histories = []
    for instrument_id, entries in by_instrument.items():
        latest = definitions[entries[-1][0].instrument_version]
        history_rows, previous_total = [], None
        for response, completed_at in entries:
            definition = definitions[response.instrument_version]
            history_rows.append(
                {
                    "screening_id": response.screening_id,
                    "date": local_time(completed_at, clinic.timezone, DATE),
                    "result": result_summary(
                        definition,
                        response,
                        given.get(response.id),
                        clinic.timezone,
                        definitions.get(response.translation_version),
                    ),
                    "change": change_between(definition, previous_total, response.total),
                }
            )
            if response.total is not None:
                previous_total = response.total
        is_trended = latest.scoring.is_trended
        points = [
            ChartPoint(row["date"], row["result"]["total"])
            for row in history_rows
            if row["result"]["total"] is not None
        ]
        chart = chart_compact = None
        if is_trended and len(points) > 1:
            bands = [ChartBand(band.label, band.min, band.max) for band in latest.scoring.bands]
            title = f"{latest.short_title} totals over time, {points[0].label} to {points[-1].label}"
            chart = trend_chart(f"{chart_prefix}-{instrument_id}", title, points, bands, latest.total_range)
            # the same chart laid out for a phone's width; the history page shows one of the two
            chart_compact = trend_chart(
                f"{chart_prefix}-{instrument_id}-compact", title, points, bands, latest.total_range, compact=True
            )
        histories.append(
            {
                "instrument_id": instrument_id,
                "title": latest.title,
                "short_title": latest.short_title,
                "is_trended": is_trended,
                # a score of a history, not a state (ACE), is shown once: its latest answer
                "rows": history_rows if is_trended else history_rows[-1:],
                "chart": chart,
                "chart_compact": chart_compact,
                "bands_note": latest.scoring.bands_note,
                "reliable_change_rule": reliable_change_rule(latest),
            }
        )
    return histories


def follow_up_lines(screening: Screening) -> list[str]:
    """Which follow-up instruments the sitting led on to, and why, for staff."""
    if not screening.follow_ups:
        return []
    totals = {response.instrument_id: response.total for response in screening.responses}
    titles = {iid: title for rule in screening.follow_ups.values() for iid, title in rule["titles"].items()}
    return [explain(decision, titles) for decision in decisions_from_totals(screening.follow_ups, totals)]


def logo_data_uri(clinic: Clinic) -> str | None:
    # Only the stored, decoded-on-upload image bytes become an image, as a data: URI: the
    # PDF renderer never follows a path or URL taken from settings.
    if not clinic.logo_image or clinic.logo_mime_type not in ("image/png", "image/jpeg"):
        return None
    return f"data:{clinic.logo_mime_type};base64,{base64.b64encode(clinic.logo_image).decode('ascii')}"


def clinic_header(clinic: Clinic) -> dict:
    return {
        "name": clinic.name,
        "address_lines": [line for line in (clinic.address or "").splitlines() if line.strip()],
        "logo": logo_data_uri(clinic),
        "paper_size": clinic.paper_size,
        "timezone": clinic.timezone,
    }


def _referral(session: Session, screening_id: int, timezone: str) -> dict | None:
    """The current version of the referral; None when nobody has written one."""
    current = session.scalar(
        sa.select(ReferralVersion)
        .where(ReferralVersion.screening_id == screening_id)
        .order_by(ReferralVersion.version.desc())
        .limit(1)
    )
    if current is None:
        return None
    return {
        "reason": current.reason,
        "destination": current.destination,
        "note": current.note,
        "by": f"{session.get(User, current.created_by_id).name}, {local_time(current.created_at, timezone)}",
        "version": current.version,
    }


def _since_last_time(history: dict | None, screening_id: int) -> dict:
    """This screening's change since the previous one, and the totals so far as a sparkline."""
    rows = history["rows"] if history else []
    if not rows or rows[-1]["screening_id"] != screening_id or not history["is_trended"]:
        return {"change": None, "change_rule": None, "trend": None}
    points = [ChartPoint(row["date"], row["result"]["total"]) for row in rows if row["result"]["total"] is not None]
    if len(points) < 2:
        return {"change": None, "change_rule": None, "trend": None}
    values = ", ".join(str(point.total) for point in points)
    title = f"{history['short_title']} totals, {points[0].label} to {points[-1].label}: {values}"
    return {
        "change": rows[-1]["change"],
        "change_rule": history["reliable_change_rule"],
        "trend": {
            "chart": sparkline(f"spark-{history['instrument_id']}", title, points, rows[-1]["result"]["total_range"]),
            "text": f"{len(points)} screenings since {points[0].label}",
            "first": points[0].total,
        },
    }


def referral_context(session: Session, screening_id: int, *, generated_at: datetime) -> dict:
    """Everything the referral summary of one completed screening shows."""
    screening = session.get(Screening, screening_id)
    if screening is None or screening.status != "completed":
        raise ReportNotFoundError(screening_id)
    clinic = session.get(Clinic, screening.clinic_id)
    patient = session.get(Patient, screening.patient_id)
    definitions = pinned_definitions_of(session, screening.responses)
    given = given_inputs(session, [response.id for response in screening.responses])
    results = [
        result_summary(
            definitions[r.instrument_version],
            r,
            given.get(r.id),
            clinic.timezone,
            definitions.get(r.translation_version),
        )
        for r in screening.responses
    ]
    histories = {
        history["instrument_id"]: history
        for history in instrument_histories(session, clinic, patient.id, up_to=screening.completed_at)
    }
    for result in results:
        result |= _since_last_time(histories.get(result["instrument_id"]), screening.id)
    return {
        "clinic": clinic_header(clinic),
        "patient": {
            "name": patient.name,
            "date_of_birth": patient.date_of_birth.strftime(DATE),
            "mrn": patient.mrn,
        },
        "screening": {
            "id": screening.id,
            "completed_at": local_time(screening.completed_at, clinic.timezone),
            "packet_name": screening.packet_name,
        },
        "urgent": [finding for result in results for finding in result["urgent"]],
        "follow_ups": follow_up_lines(screening),
        "referral": _referral(session, screening.id, clinic.timezone),
        "results": results,
        "clinic_answers": clinic_answer_summary(session, screening.id),
        "not_a_diagnosis": NOT_A_DIAGNOSIS,
        "generated_at": local_time(generated_at, clinic.timezone),
        "generated_at_iso": generated_at.isoformat(timespec="seconds"),
    }
