"""Taps that arrive together: double taps on an answer, several tablets entering one code."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from app.models import DraftAnswer, KioskSession
from tests.conftest import csrf_token_from

PARALLEL = 20
SESSION_COOKIE = "tallyform_session"


def all_at_once(count: int, request) -> list:
    """Run request(i) in `count` threads released together, and return the responses."""
    gate = threading.Barrier(count)

    def run(index):
        gate.wait()
        return request(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def test_twenty_parallel_saves_of_one_answer_keep_one_row_and_give_no_server_error(
    app, start_screening, tablet, session
):
    screening_id, code = start_screening(packet="Follow-up")
    tablet.enter_code(code)
    page = tablet.step(0)
    token = csrf_token_from(page.text)
    cookie = tablet.client.get_cookie(SESSION_COOKIE).value
    clients = []
    for _ in range(PARALLEL):
        client = app.test_client()
        client.set_cookie(SESSION_COOKIE, cookie)
        clients.append(client)

    responses = all_at_once(
        PARALLEL,
        lambda i: clients[i].post("/kiosk/step/0", data={"csrf_token": token, "nav": "next", "item_1": str(i % 4)}),
    )

    assert [r.status_code for r in responses] == [302] * PARALLEL
    rows = session.scalars(sa.select(DraftAnswer).where(DraftAnswer.screening_id == screening_id)).all()
    assert len(rows) == 1
    assert rows[0].value in range(4)


def test_twenty_tablets_redeeming_one_code_at_once_open_one_kiosk_session(app, start_screening, session):
    screening_id, code = start_screening(packet="Follow-up")
    clients = [app.test_client() for _ in range(PARALLEL)]
    tokens = [csrf_token_from(client.get("/kiosk/").text) for client in clients]

    # Each from its own address: twenty refusals from one address would, rightly, start the
    # wrong-code wait, and this test is about the race for the code, not the throttle.
    responses = all_at_once(
        PARALLEL,
        lambda i: clients[i].post(
            "/kiosk/", data={"code": code, "csrf_token": tokens[i]}, environ_base={"REMOTE_ADDR": f"10.0.0.{i + 1}"}
        ),
    )

    assert sorted(r.status_code for r in responses) == [200] * (PARALLEL - 1) + [302]
    assert all("already been used" in r.text for r in responses if r.status_code == 200)
    opened = session.scalars(sa.select(KioskSession).where(KioskSession.screening_id == screening_id)).all()
    assert len(opened) == 1
    assert opened[0].ended_at is None
