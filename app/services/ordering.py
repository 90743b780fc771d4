"""Moving one entry of an ordered list a place up or down, as the admin editors do."""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


def moved(entries: list[T], index: int, step: int) -> list[T] | None:
    """A copy of `entries` with the one at `index` moved by `step` (-1 earlier, +1 later),
    or None when it cannot move that way (already first or last)."""
    there = index + step
    if step not in (-1, 1) or not 0 <= there < len(entries):
        return None
    result = list(entries)
    result[index], result[there] = result[there], result[index]
    return result
