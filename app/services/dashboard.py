"""The clinic dashboard: is screening working? Every figure is one SQL aggregate over the
clinic's screenings begun in a date range (whole days in the clinic's time zone), read
through the (clinic_id, created_at) index, so it stays fast at 100,000 screenings.

Cut-offs come from the clinic's referral thresholds and from each instrument's YAML
(`scoring.outcomes`, with its source); nothing here names an instrument.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.db import utcnow
from app.instruments.definition import Outcomes
from app.instruments.registry import InstrumentRegistry
from app.reports.charts import Bar, bar_chart
from app.models import Clinic, Patient, PatientTotal, Response, Screening, ScreeningReview, User
from app.services.audit import record_staff_event
from app.services.audit import spreadsheet_safe
from app.services.clinic_settings import referral_thresholds
from app.services.errors import ServiceError

#: A sitting happens while the patient is in the clinic: a screening not completed within a
#: day of its code being issued is counted as abandoned (codes last 30 minutes by default).
ABANDONED_AFTER = timedelta(days=1)
DEFAULT_DAYS = 365
#: the longest-overdue re-screenings listed by name; the rest are counted
RESCREEN_SHOWN = 100


class DashboardError(ServiceError):
    """A date range that cannot be shown, worded for the reader."""


@dataclass(frozen=True)
class ScreeningCounts:
    started: int
    completed: int
    abandoned: int
    #: begun, not completed and not yet a day old
    open: int


@dataclass(frozen=True)
class PositiveShare:
    instrument_id: str
    title: str
    threshold: int
    screened: int
    positive: int

    @property
    def percent(self) -> float | None:
        return 100 * self.positive / self.screened if self.screened else None


@dataclass(frozen=True)
class UrgentFlags:
    flagged: int
    acknowledged: int
    median_minutes: float | None
    p90_minutes: float | None

    @property
    def unacknowledged(self) -> int:
        return self.flagged - self.acknowledged


@dataclass(frozen=True)
class RescreenDue:
    patient_id: int
    patient_name: str
    mrn: str
    instrument_id: str
    title: str
    last_total: int
    last_at: datetime
    due_on: date


@dataclass(frozen=True)
class OutcomeFigures:
    instrument_id: str
    title: str
    rule: Outcomes
    #: patients whose first (baseline) total was at or over the rule's baseline, with a
    #: follow-up completed in the date range
    followed_up: int
    responded: int
    remitted: int

    def percent(self, count: int) -> float | None:
        return 100 * count / self.followed_up if self.followed_up else None


@dataclass(frozen=True)
class Dashboard:
    date_from: date
    date_to: date
    screenings: ScreeningCounts
    positive: list[PositiveShare]
    urgent: UrgentFlags
    referrals: list[tuple[str, int]]
    rescreen_due: list[RescreenDue]
    outcomes: list[OutcomeFigures] = field(default_factory=list)
    #: re-screenings due, and the patients they are for (the list shows the longest overdue)
    rescreen_count: int = 0
    rescreen_patients: int = 0

    @property
    def referrals_total(self) -> int:
        return sum(count for _destination, count in self.referrals)


def default_range(clinic: Clinic, today: date | None = None) -> tuple[date, date]:
    today = today or utcnow().astimezone(ZoneInfo(clinic.timezone)).date()
    return today - timedelta(days=DEFAULT_DAYS - 1), today


def _bounds(clinic: Clinic, date_from: date, date_to: date) -> tuple[datetime, datetime]:
    if date_to < date_from:
        raise DashboardError("The end date is before the start date; swap them.")
    zone = ZoneInfo(clinic.timezone)
    return datetime.combine(date_from, time(), zone), datetime.combine(date_to + timedelta(days=1), time(), zone)


def _in_range(clinic: Clinic, start: datetime, end: datetime) -> list:
    return [Screening.clinic_id == clinic.id, Screening.created_at >= start, Screening.created_at < end]


def _count_where(condition) -> sa.ColumnElement:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def screening_counts(session: Session, clinic: Clinic, start: datetime, end: datetime, now: datetime):
    completed = Screening.status == "completed"
    abandoned = sa.or_(
        Screening.status == "cancelled",
        sa.and_(Screening.status.in_(("pending", "in_progress")), Screening.created_at < now - ABANDONED_AFTER),
    )
    row = session.execute(
        sa.select(sa.func.count(), _count_where(completed), _count_where(abandoned)).where(
            *_in_range(clinic, start, end)
        )
    ).one()
    started, done, dropped = (int(value) for value in row)
    return ScreeningCounts(started, done, dropped, started - done - dropped)


def positive_shares(
    session: Session, registry: InstrumentRegistry, clinic: Clinic, start: datetime, end: datetime
) -> list[PositiveShare]:
    """Per instrument with a referral threshold: complete responses, and those at or over it."""
    thresholds = {iid: t for iid, t in referral_thresholds(session, registry, clinic.id).items() if t is not None}
    if not thresholds:
        return []
    threshold_of = sa.case(
        *((Response.instrument_id == iid, threshold) for iid, threshold in thresholds.items()), else_=None
    )
    rows = session.execute(
        sa.select(Response.instrument_id, sa.func.count(), _count_where(Response.total >= threshold_of))
        .join(Screening, Screening.id == Response.screening_id)
        .where(*_in_range(clinic, start, end), Screening.status == "completed", Response.total.is_not(None))
        .where(Response.instrument_id.in_(thresholds))
        .group_by(Response.instrument_id)
    ).all()
    counts = {iid: (int(screened), int(positive)) for iid, screened, positive in rows}
    return [
        PositiveShare(iid, registry[iid].definition.short_title, thresholds[iid], *counts[iid])
        for iid in sorted(counts, key=lambda iid: registry[iid].definition.short_title)
    ]


def _seconds_between(session: Session, later, earlier) -> sa.ColumnElement:
    if session.get_bind().dialect.name == "postgresql":
        return sa.extract("epoch", later - earlier)
    return (sa.func.julianday(later) - sa.func.julianday(earlier)) * 86400.0


def _percentile(ranked, value, fraction: tuple[int, int]) -> sa.ColumnElement:
    """The linearly interpolated percentile (as PostgreSQL's percentile_cont, and numpy's
    default) over `ranked` rows carrying a 0-based `rank` and the row count `n`; written with
    integer arithmetic so SQLite, which has no percentile function, computes it too."""
    numerator, denominator = fraction
    low = (ranked.c.n - 1) * numerator // denominator  # integer division on both databases
    rows = sa.func.max(ranked.c.n)  # the same on every row: aggregated only to be read once
    weight = sa.cast((rows - 1) * numerator - ((rows - 1) * numerator // denominator) * denominator, sa.Float)
    weight = weight / float(denominator)
    low_value = sa.func.max(sa.case((ranked.c.rank == low, value), else_=None))
    high_value = sa.func.max(sa.case((ranked.c.rank == low + 1, value), else_=None))
    return low_value + weight * (sa.func.coalesce(high_value, low_value) - low_value)


def urgent_flags(session: Session, clinic: Clinic, start: datetime, end: datetime) -> UrgentFlags:
    """Urgent screenings, and the median and 90th percentile of the minutes from the
    patient sending their answers to a clinician acknowledging the flag."""
    flagged, acknowledged = session.execute(
        sa.select(sa.func.count(), sa.func.count(ScreeningReview.urgent_acknowledged_at))
        .select_from(Screening)
        .outerjoin(ScreeningReview, ScreeningReview.screening_id == Screening.id)
        .where(*_in_range(clinic, start, end), Screening.status == "completed", Screening.is_urgent.is_(True))
    ).one()
    seconds = _seconds_between(session, ScreeningReview.urgent_acknowledged_at, Screening.completed_at)
    ranked = (
        sa.select(
            seconds.label("seconds"),
            (sa.func.row_number().over(order_by=seconds) - 1).label("rank"),
            sa.func.count().over().label("n"),
        )
        .select_from(Screening)
        .join(ScreeningReview, ScreeningReview.screening_id == Screening.id)
        .where(*_in_range(clinic, start, end), Screening.is_urgent.is_(True))
        .where(ScreeningReview.urgent_acknowledged_at.is_not(None))
        .subquery()
    )
    median, p90 = session.execute(
        sa.select(_percentile(ranked, ranked.c.seconds, (1, 2)), _percentile(ranked, ranked.c.seconds, (9, 10)))
    ).one()
    minutes = [None if value is None else round(float(value) / 60, 1) for value in (median, p90)]
    return UrgentFlags(int(flagged), int(acknowledged), *minutes)


def referrals_by_destination(session: Session, clinic: Clinic, start: datetime, end: datetime):
    rows = session.execute(
        sa.select(ScreeningReview.referral_destination, sa.func.count())
        .join(Screening, Screening.id == ScreeningReview.screening_id)
        .where(*_in_range(clinic, start, end), ScreeningReview.referral_destination.is_not(None))
        .group_by(ScreeningReview.referral_destination)
        .order_by(sa.func.count().desc(), ScreeningReview.referral_destination)
    ).all()
    return [(destination, int(count)) for destination, count in rows]


def _latest_as_of(moment: datetime) -> list:
    """Rows that were a patient's latest total just before `moment`, read as two index ranges
    (the latest rows, and those replaced at or after `moment`), so neither grows with history."""
    return [
        sa.select(PatientTotal).where(PatientTotal.superseded_at.is_(None)),
        sa.select(PatientTotal).where(PatientTotal.superseded_at >= moment),
    ]


def _latest_rows(clinic: Clinic, moment: datetime, *conditions) -> sa.Subquery:
    parts = [part.where(PatientTotal.clinic_id == clinic.id, *conditions) for part in _latest_as_of(moment)]
    return sa.union_all(*parts).subquery()


def _due(session: Session, registry: InstrumentRegistry, clinic: Clinic, as_of: datetime):
    """The re-screenings due by `as_of` as a subquery, or None when no instrument has a threshold."""
    thresholds = {iid: t for iid, t in referral_thresholds(session, registry, clinic.id).items() if t is not None}
    if not thresholds:
        return None
    latest = _latest_rows(clinic, as_of, PatientTotal.rescreen_due_at <= as_of)
    threshold_of = sa.case(*((latest.c.instrument_id == iid, t) for iid, t in thresholds.items()), else_=None)
    return sa.select(latest).where(latest.c.instrument_id.in_(thresholds), latest.c.total >= threshold_of).subquery()


def rescreen_due(
    session: Session, registry: InstrumentRegistry, clinic: Clinic, as_of: datetime, limit: int = RESCREEN_SHOWN
) -> list[RescreenDue]:
    """Patients whose latest total of an instrument is at or over the clinic's referral
    threshold, and for whom the packet they last took it in sets a re-screening interval
    that has passed by `as_of`: "PHQ-9 every 4 weeks while at or over threshold". The
    `limit` longest overdue: a list to work through, not the whole clinic."""
    due = _due(session, registry, clinic, as_of)
    if due is None:
        return []
    rows = session.execute(
        sa.select(due.c.patient_id, Patient.name, Patient.mrn, due.c.instrument_id, due.c.total, due.c.at)
        .add_columns(due.c.rescreen_due_at)
        .join(Patient, Patient.id == due.c.patient_id)
        .order_by(due.c.rescreen_due_at, due.c.instrument_id, due.c.patient_id)
        .limit(limit)
    ).all()
    zone = ZoneInfo(clinic.timezone)
    listed = [
        RescreenDue(
            patient_id,
            name,
            mrn,
            instrument_id,
            registry[instrument_id].definition.short_title,
            total,
            completed_at,
            due_at.astimezone(zone).date(),
        )
        for patient_id, name, mrn, instrument_id, total, completed_at, due_at in rows
    ]
    return sorted(listed, key=lambda row: (row.due_on, row.title, row.mrn))


def rescreen_counts(session: Session, registry: InstrumentRegistry, clinic: Clinic, as_of: datetime) -> tuple[int, int]:
    """How many re-screenings are due by `as_of`, and for how many patients."""
    due = _due(session, registry, clinic, as_of)
    if due is None:
        return 0, 0
    count, patients = session.execute(sa.select(sa.func.count(), sa.func.count(due.c.patient_id.distinct()))).one()
    return int(count), int(patients)


def outcome_figures(
    session: Session, registry: InstrumentRegistry, clinic: Clinic, start: datetime, end: datetime
) -> list[OutcomeFigures]:
    """Response and remission at the latest follow-up in the range, for patients whose
    first total of the instrument (the baseline) was at or over its outcome baseline."""
    rules = {
        iid: loaded.definition.scoring.outcomes
        for iid, loaded in registry.items()
        if loaded.definition.scoring.outcomes is not None
    }
    if not rules:
        return []
    # the patient's latest total before the end of the range, if it was taken in the range
    # and is a follow-up (not the baseline itself)
    per_patient = _latest_rows(
        clinic,
        end,
        PatientTotal.instrument_id.in_(list(rules)),
        PatientTotal.at >= start,
        PatientTotal.at < end,
        PatientTotal.sequence >= 2,
    )

    def by_instrument(attribute: str):
        return sa.case(
            *((per_patient.c.instrument_id == iid, getattr(rule, attribute)) for iid, rule in rules.items()),
            else_=None,
        )

    # response: latest <= baseline * (100 - drop) / 100, kept in integers
    responded = per_patient.c.total * 100 <= per_patient.c.baseline_total * (
        100 - by_instrument("response_drop_percent")
    )
    remitted = per_patient.c.total < by_instrument("remission_below")
    rows = session.execute(
        sa.select(per_patient.c.instrument_id, sa.func.count(), _count_where(responded), _count_where(remitted))
        .where(per_patient.c.baseline_total >= by_instrument("baseline_at_least"))
        .group_by(per_patient.c.instrument_id)
    ).all()
    counts = {iid: (int(n), int(resp), int(rem)) for iid, n, resp, rem in rows}
    return [
        OutcomeFigures(iid, registry[iid].definition.short_title, rule, *counts.get(iid, (0, 0, 0)))
        for iid, rule in sorted(rules.items(), key=lambda pair: registry[pair[0]].definition.short_title)
    ]


def build_dashboard(
    session: Session,
    registry: InstrumentRegistry,
    clinic: Clinic,
    date_from: date,
    date_to: date,
    *,
    now: datetime | None = None,
) -> Dashboard:
    now = now or utcnow()
    start, end = _bounds(clinic, date_from, date_to)
    due_count, due_patients = rescreen_counts(session, registry, clinic, min(now, end))
    return Dashboard(
        date_from=date_from,
        date_to=date_to,
        screenings=screening_counts(session, clinic, start, end, now),
        positive=positive_shares(session, registry, clinic, start, end),
        urgent=urgent_flags(session, clinic, start, end),
        referrals=referrals_by_destination(session, clinic, start, end),
        rescreen_due=rescreen_due(session, registry, clinic, min(now, end)),
        outcomes=outcome_figures(session, registry, clinic, start, end),
        rescreen_count=due_count,
        rescreen_patients=due_patients,
    )


def _audited(session: Session, registry: InstrumentRegistry, user: User, action: str, dates: tuple[date, date]):
    dashboard = build_dashboard(session, registry, user.clinic, *dates)
    record_staff_event(session, action, user, "clinic", user.clinic_id, {"from": str(dates[0]), "to": str(dates[1])})
    return dashboard


def view_dashboard(
    session: Session, registry: InstrumentRegistry, user: User, date_from: date, date_to: date
) -> Dashboard:
    """The dashboard, recorded in the audit trail: its re-screening list names patients."""
    dashboard = _audited(session, registry, user, "dashboard.view", (date_from, date_to))
    session.commit()
    return dashboard


def dashboard_charts(board: Dashboard) -> dict:
    """The figures as bar charts; the tables beside them give the same numbers."""
    counts = board.screenings
    steps = [("Begun", counts.started), ("Completed", counts.completed), ("Abandoned", counts.abandoned)]
    steps.append(("Still open", counts.open))
    return {
        "screenings": bar_chart(
            "chart-screenings",
            "Screenings begun, completed, abandoned and still open",
            [Bar(label, value, str(value)) for label, value in steps],
        ),
        "positive": bar_chart(
            "chart-positive",
            "Share of complete responses at or over the referral threshold, per instrument",
            [Bar(s.title, s.percent or 0, f"{s.positive} of {s.screened} ({s.percent:.0f} %)") for s in board.positive],
            maximum=100,
        ),
        "referrals": bar_chart(
            "chart-referrals",
            "Referrals by destination",
            [Bar(destination, count, str(count)) for destination, count in board.referrals],
        ),
    }


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def dashboard_rows(dashboard: Dashboard) -> list[list[str]]:
    """The dashboard's aggregate figures as CSV rows: no patient is named."""
    counts, urgent = dashboard.screenings, dashboard.urgent
    rows = [["section", "measure", "subject", "value"]]
    rows += [
        ["screenings", name, "", str(getattr(counts, name))] for name in ("started", "completed", "abandoned", "open")
    ]
    for share in dashboard.positive:
        rows += [
            ["positive", "screened", share.title, str(share.screened)],
            ["positive", f"at or over {share.threshold}", share.title, str(share.positive)],
            ["positive", "percent", share.title, _fmt(share.percent)],
        ]
    rows += [
        ["urgent", "flagged", "", str(urgent.flagged)],
        ["urgent", "acknowledged", "", str(urgent.acknowledged)],
        ["urgent", "median minutes to acknowledgement", "", _fmt(urgent.median_minutes)],
        ["urgent", "90th percentile minutes to acknowledgement", "", _fmt(urgent.p90_minutes)],
    ]
    rows += [["referrals", "referred", destination, str(count)] for destination, count in dashboard.referrals]
    rows.append(["rescreening", "patients due", "", str(dashboard.rescreen_patients)])
    for outcome in dashboard.outcomes:
        rows += [
            ["outcomes", "followed up", outcome.title, str(outcome.followed_up)],
            ["outcomes", "response", outcome.title, str(outcome.responded)],
            ["outcomes", "remission", outcome.title, str(outcome.remitted)],
        ]
    header = [["range", "from", "", str(dashboard.date_from)], ["range", "to", "", str(dashboard.date_to)]]
    return [rows[0], *header, *rows[1:]]


def export_dashboard_csv(
    session: Session, registry: InstrumentRegistry, user: User, date_from: date, date_to: date
) -> str:
    dashboard = _audited(session, registry, user, "dashboard.export", (date_from, date_to))
    session.commit()
    buffer = io.StringIO()
    csv.writer(buffer).writerows([[spreadsheet_safe(cell) for cell in row] for row in dashboard_rows(dashboard)])
    return buffer.getvalue()
