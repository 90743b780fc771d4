"""The worker's entry, `huey_consumer app.tasks.huey`: the queue (app/queue.py), built here
with every job module loaded, so each job a web process queues is known to the worker that
takes it."""

from app.queue import HEARTBEAT_KEY, init_app, last_heartbeat_age, queue, queue_from_url, write_heartbeat
from app.services.referral_pdf import render_referral_document, requeue_stuck_referrals

huey = queue()

__all__ = [
    "HEARTBEAT_KEY",
    "huey",
    "init_app",
    "last_heartbeat_age",
    "queue_from_url",
    "render_referral_document",
    "requeue_stuck_referrals",
    "write_heartbeat",
]
