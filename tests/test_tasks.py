"""The job queue's storage comes from one URL; a wrong one stops start-up with a clear line."""

import pytest
from huey import SqliteHuey

from app.tasks import queue_from_url


def test_a_sqlite_url_gives_a_sqlite_queue_at_that_path(tmp_path):
    queue = queue_from_url(f"sqlite:///{tmp_path / 'jobs.sqlite3'}")
    assert isinstance(queue, SqliteHuey)
    assert queue.storage.filename == str(tmp_path / "jobs.sqlite3")
    queue.storage.close()


def test_an_unknown_queue_url_stops_start_up_naming_the_accepted_kinds():
    with pytest.raises(
        SystemExit, match=r"TALLYFORM_QUEUE_URL 'amqp://x' is not sqlite:/// or redis://"
    ):
        queue_from_url("amqp://x")


def test_a_redis_url_gives_a_redis_queue_on_that_server_and_database():
    from huey import RedisHuey

    queue = queue_from_url("redis://127.0.0.1:6379/7")
    assert isinstance(queue, RedisHuey)
    assert queue.storage.conn.connection_pool.connection_kwargs["db"] == 7
