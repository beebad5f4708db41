"""Figures from the samples: throughput, p50/p99 per kind and overall, errors; as a table and as JSON."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from core.loadtest.client import KINDS, Sample


def _percentile(values: Sequence[float], q: float) -> float:
    return round(float(np.percentile(np.asarray(values), q)), 1) if values else math.nan


def _figures(samples: Sequence[Sample]) -> dict[str, Any]:
    times = [s.ms for s in samples if s.ok]
    return {
        "count": len(samples),
        "errors": sum(not s.ok for s in samples),
        "p50_ms": _percentile(times, 50),
        "p99_ms": _percentile(times, 99),
        "max_ms": round(max(times), 1) if times else math.nan,
    }


def summarize(samples: Sequence[Sample], seconds: float) -> dict[str, Any]:
    """Overall and per-kind figures of the timed phase; latencies of failed requests are left out."""
    overall = _figures(samples)
    return {
        "requests": overall["count"],
        "errors": overall["errors"],
        "duration_s": round(seconds, 2),
        "throughput_rps": round(len(samples) / seconds, 1) if seconds > 0 else math.nan,
        "p50_ms": overall["p50_ms"],
        "p99_ms": overall["p99_ms"],
        "max_ms": overall["max_ms"],
        "kinds": {kind: _figures([s for s in samples if s.kind == kind]) for kind in KINDS},
    }


def table(result: dict[str, Any]) -> str:
    """A plain-text table of the figures, with the run's settings above it."""
    lines = [
        f"database {result['database']} · tasks {result['tasks']} · gunicorn workers {result['workers']} · "
        f"clients {result['concurrency']} · {result['outcomes']} outcomes, {result['needs']} needs before the run · "
        f"{result['cpus']} CPUs, load average {result['load_average'][0]} → {result['load_average'][1]}",
        f"{result['requests']} requests in {result['duration_s']} s: {result['throughput_rps']} req/s, "
        f"errors {result['errors']} (warm-up errors {result['warmup_errors']})",
        "",
        f"{'kind':<18}{'count':>7}{'errors':>8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}",
    ]
    rows = [*result["kinds"].items(), ("overall", {**result, "count": result["requests"]})]
    for kind, f in rows:
        lines.append(f"{kind:<18}{f['count']:>7}{f['errors']:>8}{f['p50_ms']:>9}{f['p99_ms']:>9}{f['max_ms']:>9}")
    lines.append(
        f"needs created {result['needs_created']}, matched {result['needs_matched']} "
        f"(all matched {result['drain_s']} s after the load ended)"
        if result["needs_matched"] == result["needs_created"]
        else f"needs created {result['needs_created']}, matched {result['needs_matched']}: "
        f"{result['needs_created'] - result['needs_matched']} still unmatched after {result['drain_s']} s"
    )
    return "\n".join(lines)
