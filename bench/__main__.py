"""`make bench`: run every benchmark and print its figures."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from app.config import PROJECT_ROOT
from app.instruments.registry import InstrumentRegistry
from app.instruments.scoring import score


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def bench_scoring() -> None:
    registry = InstrumentRegistry.from_directory(PROJECT_ROOT / "questionnaires")
    print("Scoring one complete response (median of 2,000):")
    for _instrument_id, loaded in sorted(registry.items()):
        definition = loaded.definition
        answers = {item.id: definition.options_for(item)[-1].value for item in definition.items}
        seconds = median_seconds(lambda d=definition, v=loaded.version, a=answers: score(d, v, a), 2000)
        print(f"  {definition.short_title:<8} {seconds * 1e6:8.1f} µs")


def main() -> None:
    bench_scoring()


if __name__ == "__main__":
    main()
