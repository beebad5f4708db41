"""The benchmark runs end to end in its small mode and reports every key (timings are not asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from matchmaker import bench
from matchmaker.engine import OutcomeIndex


def test_the_small_benchmark_prints_one_json_object_with_every_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--outcomes", "300", "--needs", "20", "--no-django", "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(result) == {*bench.KEYS, "baseline", "quality"}
    assert set(result["baseline"]) == set(bench.BASELINE_KEYS)
    assert result["query_p50_ms"] > 0 and result["index_mb"] > 0
    assert set(result["quality"]) == {"ndcg10", "recall20", "mrr", "queries"} and result["quality"]["queries"] == 20


def test_synthetic_judgements_are_the_needs_topics_and_the_engine_finds_them() -> None:
    outcomes, needs, qrels = bench.labelled_synthetic_corpus(400, 30, seed=5)
    assert (outcomes, needs) == bench.synthetic_corpus(400, 30, seed=5)  # labelling draws nothing extra
    assert set(qrels) == {str(n.id) for n in needs}
    assert all(1 <= len(relevant) <= 60 for relevant in qrels.values())
    quality = bench.ranking_quality(OutcomeIndex.build(outcomes), needs, qrels)
    # A topic is ~1 % of the corpus: chance would put nDCG@10 near 0.01.
    assert quality["ndcg10"] > 0.4 and quality["mrr"] > 0.5


def test_a_file_corpus_judges_each_need_by_the_outcome_it_was_cut_from(tmp_path: Path) -> None:
    rows = bench.synthetic_corpus(120, 0, seed=9)[0]
    path = tmp_path / "abstracts.jsonl"
    path.write_text("\n".join(json.dumps({"title": o.title, "abstract": o.abstract}) for o in rows), encoding="utf-8")
    outcomes, needs, qrels = bench.file_corpus(path, 100, 25, seed=2)
    assert len(outcomes) == 100 and all(len(qrels[str(n.id)]) == 1 for n in needs)
    for need in needs:
        (source,) = qrels[str(need.id)]
        assert need.title == outcomes[int(source)].title[:12]
    assert bench.ranking_quality(OutcomeIndex.build(outcomes), needs, qrels)["mrr"] > 0.6


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
