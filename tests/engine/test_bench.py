"""The benchmark runs end to end in its small mode and reports every key (timings are not asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from matchmaker import bench


def test_the_small_benchmark_prints_one_json_object_with_every_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--outcomes", "300", "--needs", "20", "--no-django", "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(result) == {*bench.KEYS, "baseline"}
    assert set(result["baseline"]) == set(bench.BASELINE_KEYS)
    assert result["query_p50_ms"] > 0 and result["index_mb"] > 0


def test_the_synthetic_corpus_is_reproducible_and_partly_traditional() -> None:
    first, needs = bench.synthetic_corpus(200, 5, seed=3)
    again, _ = bench.synthetic_corpus(200, 5, seed=3)
    assert first == again and len(needs) == 5
    assert all(180 <= len(o.abstract) <= 420 for o in first)
    traditional = sum(any(ch in o.abstract for ch in "術鋁應與優統發實") for o in first)
    assert 10 <= traditional <= 100


def test_the_django_part_measures_commit_to_match_and_the_preview_api() -> None:
    # In a subprocess: the bench sets Django up on its own throwaway SQLite database.
    done = subprocess.run(
        [sys.executable, "-m", "matchmaker.bench", "--outcomes", "150", "--needs", "6", "--no-baseline", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
        env={k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")},
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["commit_to_match_s"] > 0, done.stderr[-2000:]
    assert result["preview_api_p50_ms"] > 0
