"""Benchmark harness: time a function, compare it with a reference in the same run.

These machines are noisy, so every figure is reported next to a reference measured in the
same run, and targets are judged on ratios and on the median of many repetitions.
"""

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Timing:
    name: str
    runs: int
    p50_ms: float
    p99_ms: float
    mean_ms: float


@dataclass
class Report:
    benchmark: str
    setup: dict[str, Any]
    timings: list[Timing] = field(default_factory=list)
    ratios: dict[str, float] = field(default_factory=dict)
    verdicts: dict[str, str] = field(default_factory=dict)

    def text(self) -> str:
        lines = [f"== {self.benchmark}", *(f"  {k}: {v}" for k, v in self.setup.items())]
        lines += [f"  {t.name:<44} p50 {t.p50_ms:8.2f} ms   p99 {t.p99_ms:8.2f} ms"
                  f"   ({t.runs} runs)" for t in self.timings]
        lines += [f"  ratio {k:<38} {v:8.2f}" for k, v in self.ratios.items()]
        lines += [f"  {k}: {v}" for k, v in self.verdicts.items()]
        return "\n".join(lines)

    def save(self) -> Path:
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"{self.benchmark}.json"
        path.write_text(json.dumps(asdict(self), indent=2, default=str), encoding="utf-8")
        return path


def measure(name: str, fn: Callable[[], Any], *, runs: int = 50, warmup: int = 3) -> Timing:
    """Run `fn` `runs` times after a warm-up and summarise the wall-clock times."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p99 = samples[min(len(samples) - 1, round(0.99 * (len(samples) - 1)))]
    return Timing(name, runs, statistics.median(samples), p99, statistics.fmean(samples))
