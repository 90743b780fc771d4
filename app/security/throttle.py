"""One way to slow down guessing, used for staff sign-in and for tablet codes: after a few
failures each further attempt waits, doubling up to a ceiling, and after many (if the policy
says so) attempts are refused for a while."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ThrottlePolicy:
    """Failures before each attempt must wait (doubling up to max_delay), and before
    attempts are refused outright for lock_for after the last failure (lock_after None: never)."""

    slow_after: int
    max_delay: timedelta
    lock_after: int | None = None
    lock_for: timedelta = timedelta(0)


def throttle_wait(policy: ThrottlePolicy, failures: list[datetime], now: datetime) -> timedelta:
    """How long from `now` the next attempt must wait, given the failures counted."""
    if len(failures) < policy.slow_after:
        return timedelta(0)
    if policy.lock_after is not None and len(failures) >= policy.lock_after:
        delay = policy.lock_for
    else:
        doublings = min(len(failures) - policy.slow_after + 1, 30)  # 2**30 s is past any max_delay
        delay = min(timedelta(seconds=2**doublings), policy.max_delay)
    return max(timedelta(0), max(failures) + delay - now)
