"""Each tablet request does only the work it needs: no write of last_seen_at on every
request, one answer read per step, and re-scoring only when the item can raise a flag."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.db import utcnow
from app.models import KioskSession
from app.services import kiosk


def touches(statements, table: str, verb: str) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith(verb) and f"{table}" in s]


@pytest.mark.parametrize(
    ("instrument_id", "item_id", "may_raise"),
    [("phq9", "9", True), ("phq9", "1", False), ("phq9", "10", False), ("gad7", "1", False), ("ace", "1", False)],
)
def test_only_an_item_an_urgent_flag_depends_on_may_raise_it(registry, instrument_id, item_id, may_raise):
    assert registry[instrument_id].definition.may_raise_urgent_flag(item_id) is may_raise


def test_requests_within_the_step_do_not_write_last_seen_and_a_later_one_does(
    app,
    start_screening,
    tablet,
    session,
    count_queries,  # noqa: F811
):
    _id, code = start_screening(packet="Follow-up")
    tablet.enter_code(code)
    with count_queries() as statements:
        tablet.step(0)
        tablet.step(1)
    assert touches(statements, "kiosk_session", "UPDATE") == []

    step = kiosk.last_seen_step(timedelta(seconds=app.config["KIOSK_IDLE_SECONDS"]))
    earlier = utcnow() - step - timedelta(seconds=1)
    session.execute(sa.update(KioskSession).values(last_seen_at=earlier))
    session.commit()
    tablet.step(0)
    session.expire_all()
    assert session.scalars(sa.select(KioskSession.last_seen_at)).one() > earlier


def test_a_tablet_in_use_is_not_ended_early_by_the_coarser_last_seen(app, start_screening, tablet, session):
    _id, code = start_screening(packet="Follow-up")
    tablet.enter_code(code)
    idle = timedelta(seconds=app.config["KIOSK_IDLE_SECONDS"])
    # Seen for the last time (as stored) exactly one idle limit ago: still within the slack.
    session.execute(sa.update(KioskSession).values(last_seen_at=utcnow() - idle))
    session.commit()
    assert tablet.step(0).status_code == 200


def test_a_step_reads_only_its_own_answer(start_screening, tablet, count_queries):  # noqa: F811
    _id, code = start_screening(packet="Follow-up")
    tablet.enter_code(code)
    tablet.answer(0, 1)
    with count_queries() as statements:
        tablet.step(1)
    reads = touches(statements, "draft_answer", "SELECT")
    assert len(reads) == 1
    assert "draft_answer.item_id" in reads[0].split("WHERE")[1]


def test_saving_an_item_that_cannot_raise_a_flag_does_not_rescore(start_screening, tablet, count_queries):  # noqa: F811
    _id, code = start_screening(packet="Follow-up")
    tablet.enter_code(code)
    page_and_save = []
    for index in (0, 8):  # PHQ-9 item 1, then item 9
        with count_queries() as statements:
            tablet.answer(index, 1)
        page_and_save.append(touches(statements, "draft_answer", "SELECT"))
    # Item 1: the step's own answer on the page and on the save; item 9: one more, to score.
    assert [len(reads) for reads in page_and_save] == [2, 3]
    assert all("draft_answer.item_id" in read.split("WHERE")[1] for read in page_and_save[0])


def test_entering_a_code_writes_its_claim_once(start_screening, tablet, count_queries):  # noqa: F811
    _id, code = start_screening(packet="Follow-up")
    with count_queries() as statements:
        assert tablet.enter_code(code).status_code == 302
    assert len(touches(statements, "access_code", "UPDATE")) == 1
