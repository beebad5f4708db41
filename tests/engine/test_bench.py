"""The benchmark runs end to end in its small mode and reports every key (timings are not asserted)."""

from __future__ import annotations

import json

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
