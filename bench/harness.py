"""Ratios measured side by side: A and B alternate (A, B, A, B …) after a warm-up, so a cold
start, a busy neighbour or a cache warming up weighs on both alike. Each figure has a target;
the median ratio decides "met"."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    name: str
    a: str  # what is measured
    b: str  # what it is measured against
    target: float
    higher_is_better: bool = False  # a rate (sittings per second) rather than a time
    unit: str = "ms"


@dataclass(frozen=True)
class Outcome:
    figure: Figure
    a: list[float]
    b: list[float]

    @property
    def ratios(self) -> list[float]:
        return [a / b for a, b in zip(self.a, self.b, strict=True)]

    @property
    def median(self) -> float:
        return statistics.median(self.ratios)

    @property
    def best(self) -> float:
        """The most favourable pair: the minimum ratio for a time, the maximum for a rate."""
        return max(self.ratios) if self.figure.higher_is_better else min(self.ratios)

    @property
    def met(self) -> bool:
        return self.median >= self.figure.target if self.figure.higher_is_better else self.median <= self.figure.target


def seconds(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def cpu_seconds(action: Callable[[], object]) -> float:
    start = time.process_time()
    action()
    return time.process_time() - start


def compare(
    figure: Figure, measure_a: Callable[[], float], measure_b: Callable[[], float], rounds: int, warmup: int = 1
):
    """Each measure returns one figure (seconds, or a rate); both run `warmup` times unrecorded,
    then `rounds` times each, alternating."""

    def measured(measure: Callable[[], float]) -> float:
        gc.collect()  # outside the timing: one side's garbage must not be collected on the other's clock
        return measure()

    for _ in range(warmup):
        measured(measure_a)
        measured(measure_b)
    a, b = [], []
    for _ in range(rounds):
        a.append(measured(measure_a))
        b.append(measured(measure_b))
    outcome = Outcome(figure, a, b)
    report(outcome)
    return outcome


def _shown(value: float, unit: str) -> str:
    return f"{value * 1000:9.1f} {unit}" if unit.startswith("ms") else f"{value:9.2f} {unit}"


def report(outcome: Outcome) -> None:
    figure = outcome.figure
    sign = ">=" if figure.higher_is_better else "<="
    extreme = "max" if figure.higher_is_better else "min"
    print(f"  {figure.name}")
    print(f"    A {figure.a:<58} median {_shown(statistics.median(outcome.a), figure.unit)}")
    print(f"    B {figure.b:<58} median {_shown(statistics.median(outcome.b), figure.unit)}")
    print(
        f"    A/B median {outcome.median:6.2f}x  {extreme} {outcome.best:6.2f}x  target {sign} {figure.target}x  "
        f"({len(outcome.a)} pairs)  {'met' if outcome.met else 'not met'}"
    )
