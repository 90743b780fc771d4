"""The clinician's worklist: order, filters, pagination, query cost and clinic scoping."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.models import Screening
from tests.fixtures import at, latest_screening_id, page_text, patient_id, post_form

QUIET_PHQ9 = [0, 0, 0, 0, 0, 0, 0, 0, 0, None]  # total 0, no flag
ITEM9_ONLY = [0, 0, 0, 0, 0, 0, 0, 0, 1, 0]  # total 1, safety item endorsed


def rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in body.split("</tr>")[:-1]]


def acknowledge(client, screening_id: int):
    page = f"/clinician/screenings/{screening_id}"
    return post_form(client, page, {"confirm": "y"}, url=f"{page}/acknowledge")


def test_urgent_screening_stays_first_until_someone_acknowledges_it(login_as, client, demo_clinic):
    quiet = demo_clinic.patient("Ada Quiet", "900001")
    old_urgent = demo_clinic.screening(quiet, {"phq9": ITEM9_ONLY}, at(2026, 1, 5))
    login_as("clinician")

    listed = rows(client.get("/clinician/").text)
    assert listed[0].startswith("URGENT, not yet acknowledged James Okafor")  # the demo's, newest
    # the oldest screening, under every threshold, is pinned above all the others
    assert listed[1].startswith("URGENT, not yet acknowledged Ada Quiet")
    assert "Safety item endorsed (PHQ-9 item 9)" in listed[1]

    assert acknowledge(client, old_urgent).status_code == 302
    listed = rows(client.get("/clinician/").text)
    assert "Ada Quiet" not in " ".join(listed)  # no longer pinned: among the many under every threshold
    january = rows(client.get("/clinician/?date_from=2026-01-05&date_to=2026-01-05").text)
    ada = [row for row in january if "Ada Quiet" in row]
    assert "URGENT" not in ada[0]
    assert "Safety flag acknowledged by Dr Sam Patel" in ada[0]
    assert "James Okafor" in listed[0]  # still unacknowledged


def test_screenings_over_a_referral_threshold_come_before_newer_ones_under_it(login_as, client, demo_clinic):
    newest = demo_clinic.patient("Ben Newest", "900002")
    demo_clinic.screening(newest, {"phq9": QUIET_PHQ9}, datetime.now(UTC) - timedelta(hours=1))
    login_as("clinician")
    # this month only, so that the page holds both tiers of the demo clinic's year
    listed = rows(client.get(f"/clinician/?date_from={datetime.now(UTC).date().replace(day=1)}").text)
    names = [row for row in listed if "Ben Newest" in row]
    position = listed.index(names[0])
    # James (urgent), then the demo screenings at or over PHQ-9 10 / GAD-7 10 / ..., then Ben
    assert all("Over referral threshold" in row for row in listed[1:position])
    assert all("Over referral threshold" not in row for row in listed[position:])
    assert "Over referral threshold" in listed[0]


def test_worklist_filters_by_status_result_and_dates(login_as, client, session):
    login_as("clinician")
    # the demo's generated year of follow-up ends on 20 Nov 2026; its named patients go on after it
    severe = rows(client.get("/clinician/?result=phq9:severe&date_from=2026-11-21").text)
    assert len(severe) == 1
    assert "James Okafor" in severe[0]
    assert len(rows(client.get("/clinician/?result=phq9:severe").text)) > 1

    august = rows(client.get("/clinician/?date_from=2026-08-18&date_to=2026-08-18").text)
    assert august
    assert all("18 Aug 2026" in row for row in august)
    assert [row for row in august if "James Okafor" in row]

    page = f"/clinician/screenings/{latest_screening_id(session, 'Maria Alvarez')}"
    post_form(client, page, {"status": "reviewed"}, url=f"{page}/status")
    day = "date_from=2026-11-10&date_to=2026-11-10"
    reviewed = [row for row in rows(client.get(f"/clinician/?status=reviewed&{day}").text) if "Maria Alvarez" in row]
    assert len(reviewed) == 1
    assert "10 Nov 2026" in reviewed[0]
    assert "Maria Alvarez" not in client.get(f"/clinician/?status=needs_review&{day}").text


def test_an_end_date_before_the_start_date_is_explained(login_as, client):
    login_as("clinician")
    page = client.get("/clinician/?date_from=2026-09-01&date_to=2026-08-01")
    assert "The end date is before the start date" in page.text


def next_page_link(html: str) -> str | None:
    match = re.search(r'<a class="button" href="([^"]+)">Next page</a>', html)
    return match.group(1).replace("&amp;", "&") if match else None


@pytest.fixture
def busy_march(demo_clinic):
    """A patient screened every day of March 2025, under every threshold."""
    busy = demo_clinic.patient("Cai Busy", "900003")
    for day in range(1, 31):
        demo_clinic.screening(busy, {"phq9": QUIET_PHQ9}, at(2025, 3, day))


def test_worklist_pages_through_a_long_history(login_as, client, busy_march):
    login_as("clinician")
    march = "date_from=2025-03-01&date_to=2025-03-31"  # before the demo clinic's generated history
    first = client.get(f"/clinician/?{march}")
    assert "30 screenings." in page_text(first.text)
    assert len(rows(first.text)) == 25
    second = client.get(next_page_link(first.text))
    assert "First page" in second.text
    assert next_page_link(second.text) is None
    listed = rows(second.text)
    assert len(listed) == 30 - 25
    assert not set(listed) & set(rows(first.text))
    assert all("Cai Busy" in row for row in listed)  # the page after keeps the filter
    assert "01 Mar 2025" in listed[-1]


def test_a_long_history_is_counted_only_up_to_a_limit(login_as, client, demo_clinic, monkeypatch):
    from app.services import reviews

    monkeypatch.setattr(reviews, "COUNT_UP_TO", 12)
    march = "/clinician/?date_from=2025-03-01&date_to=2025-03-31"
    login_as("clinician")
    busy = demo_clinic.patient("Cai Busy", "900003")
    for day in range(1, 13):
        demo_clinic.screening(busy, {"phq9": QUIET_PHQ9}, at(2025, 3, day))
    assert "12 screenings." in page_text(client.get(march).text)
    demo_clinic.screening(busy, {"phq9": QUIET_PHQ9}, at(2025, 3, 13))
    assert "More than 12 screenings." in page_text(client.get(march).text)


def _worklist_queries(client, count_queries) -> int:
    with count_queries() as statements:
        # only the screenings this test adds, so both pages hold the same kinds of rows
        assert client.get("/clinician/?date_from=2025-01-01&date_to=2025-02-28").status_code == 200
    return len(statements)


def test_worklist_query_count_stays_flat_from_10_to_100_screenings(login_as, client, demo_clinic, count_queries):
    many = [demo_clinic.patient(f"Patient {n}", f"8{n:05d}") for n in range(10)]
    for n in range(10):
        demo_clinic.screening(many[n], {"phq9": QUIET_PHQ9, "gad7": [1, 1, 1, 1, 1, 1, 1]}, at(2025, 1, 1 + n))
    login_as("clinician")
    with_ten = _worklist_queries(client, count_queries)
    for n in range(90):
        demo_clinic.screening(
            many[n % 10], {"phq9": ITEM9_ONLY, "gad7": [1, 1, 1, 1, 1, 1, 1]}, at(2025, 2, 1) + timedelta(hours=n)
        )
    assert _worklist_queries(client, count_queries) == with_ten


def test_clinician_of_another_clinic_gets_404_for_our_screening_history_and_pdf(client, auth, session, other_clinic):
    screening_id = latest_screening_id(session, "James Okafor")
    auth.sign_in(other_clinic.clinician_email)
    for path in (
        f"/clinician/screenings/{screening_id}",
        f"/clinician/screenings/{screening_id}/referral-summary.pdf",
        f"/clinician/patients/{patient_id(session, 'James Okafor')}",
    ):
        assert client.get(path).status_code == 404, path
    assert "James Okafor" not in client.get("/clinician/").text
    response = post_form(
        client,
        "/clinician/",
        {"status": "reviewed"},
        url=f"/clinician/screenings/{screening_id}/status",
    )
    assert response.status_code == 404
    assert session.scalar(sa.select(Screening.is_urgent).where(Screening.id == screening_id))


def test_front_desk_sees_no_worklist_history_or_pdf(login_as, client, session):
    login_as("frontdesk")
    screening_id = latest_screening_id(session, "James Okafor")
    assert client.get("/clinician/").status_code == 403
    assert client.get(f"/clinician/patients/{patient_id(session, 'James Okafor')}").status_code == 403
    assert client.get(f"/clinician/screenings/{screening_id}/referral-summary.pdf").status_code == 403
    assert "Worklist" not in client.get("/check-in/").text


def test_a_new_referral_threshold_reorders_the_worklist_at_once(login_as, client, demo_clinic):
    twelve = demo_clinic.patient("Olga Twelve", "900004")
    demo_clinic.screening(twelve, {"phq9": [2, 2, 2, 2, 2, 2, 0, 0, 0, None]}, at(2025, 1, 2))  # total 12
    newest = demo_clinic.patient("Ben Newest", "900002")
    demo_clinic.screening(newest, {"phq9": QUIET_PHQ9}, at(2025, 1, 3))
    login_as("admin")
    january = "/clinician/?date_from=2025-01-01&date_to=2025-01-31"  # before the generated history

    def position(name: str) -> int:
        return next(index for index, row in enumerate(rows(client.get(january).text)) if name in row)

    assert position("Olga Twelve") < position("Ben Newest")
    post_form(
        client,
        "/admin/instruments/phq9",
        {"is_enabled": "y", "referral_threshold": "15"},
        url="/admin/instruments/phq9",
    )
    assert position("Olga Twelve") > position("Ben Newest")
    assert "Over referral threshold" not in rows(client.get(january).text)[position("Olga Twelve")]
    post_form(
        client,
        "/admin/instruments/phq9",
        {"is_enabled": "y", "referral_threshold": "12"},
        url="/admin/instruments/phq9",
    )
    assert position("Olga Twelve") < position("Ben Newest")


def test_each_result_shows_its_change_since_the_last_screening_marked_reliable_where_defined(
    login_as, client, demo_clinic
):
    patient = demo_clinic.patient("Cara Change", "900010")
    demo_clinic.screening(patient, {"phq9": phq9_total(20), "gad7": [1, 1, 1, 1, 0, 0, 0]}, at(2025, 4, 1))
    demo_clinic.screening(patient, {"phq9": phq9_total(10), "gad7": [1, 1, 1, 1, 1, 0, 0]}, at(2025, 4, 29))
    login_as("clinician")
    listed = rows(client.get("/clinician/?date_from=2025-04-01&date_to=2025-04-30").text)
    latest = [row for row in listed if "29 Apr 2025" in row][0]
    # PHQ-9 20 -> 10: 10 points down, over its 6-point threshold; GAD-7 4 -> 5: up 1, under its 4
    assert "PHQ-9: 10 Moderate ↓ −10 since the last screening , reliable change" in latest
    assert "GAD-7: 5 Mild ↑ +1 since the last screening" in latest
    assert "+1 since the last screening , reliable" not in latest
    first = [row for row in listed if "01 Apr 2025" in row][0]
    assert "since the last screening" not in first


def test_worklist_changes_cost_one_query_for_the_whole_page(login_as, client, demo_clinic, count_queries):
    from app.extensions import db, instruments
    from app.services.reviews import WorklistFilters, worklist
    from app.services.score_changes import changes_since_last_screening

    login_as("clinician")
    with demo_clinic.app.app_context():
        from app.models import Clinic

        page = worklist(db.session, instruments(), db.session.get(Clinic, demo_clinic.clinic_id), WorklistFilters())
        with count_queries() as statements:
            changes = changes_since_last_screening(db.session, instruments(), [row.screening for row in page.rows])
    assert len(statements) == 1
    assert changes


def phq9_total(total: int) -> list[int]:
    items, rest = [], total
    for _ in range(8):
        items.append(min(3, rest))
        rest -= items[-1]
    return [*items, 0, 0]
