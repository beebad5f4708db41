import json
from pathlib import Path

import pytest

from matchmaker.evaluate import (
    calibrate_abstention,
    distractor_rows,
    leave_one_out,
    main,
    ndcg_at,
    recall_at,
    reciprocal_rank,
)

from .corpus import NEEDS, OUTCOMES


def _write_bench(directory: Path) -> None:
    outcomes = [
        {
            "id": f"O{o.id}",
            "title": o.title,
            "abstract": o.abstract,
            "keywords": list(o.keywords),
            "city": o.city,
            "trl": o.trl,
            "ask_price_wan": o.asking_price_wan,
        }
        for o in OUTCOMES
    ]
    needs = [{"id": n.id, "title": n.title, "description": n.description, "min_trl": n.min_trl} for n in NEEDS]
    orphan = {"id": "orphan", "title": "周末去公园野餐", "description": "带上面包和水果，放风筝。"}
    (directory / "outcomes.jsonl").write_text("\n".join(json.dumps(o, ensure_ascii=False) for o in outcomes))
    (directory / "needs.jsonl").write_text("\n".join(json.dumps(n, ensure_ascii=False) for n in needs))
    (directory / "orphans.jsonl").write_text(json.dumps(orphan, ensure_ascii=False))
    (directory / "qrels.tsv").write_text("n-weld\tO1\t2\nn-weld\tO4\t1\nn-sic\tO2\t2\nn-uav\tO7\t2\n")


def test_evaluate_prints_one_json_object_on_the_last_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write_bench(tmp_path)
    assert main([str(tmp_path), "--json"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    result = json.loads(last)

    assert result["need_to_outcome"]["ndcg10"] > 0.9  # every need's best outcome ranks first
    assert result["need_to_outcome"]["recall20"] == 1.0
    assert result["need_to_outcome"]["mrr"] == 1.0
    assert set(result["outcome_to_need"]) >= {"ndcg10", "recall20", "mrr"}
    assert result["abstain"]["orphans"] == 1.0
    assert result["abstain"]["answerable"] == 0.0
    assert set(result["baseline"]["need_to_outcome"]) >= {"ndcg10", "recall20", "mrr"}


def test_evaluate_accepts_setting_overrides(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write_bench(tmp_path)
    main([str(tmp_path), "--json", "--set", "min_score=0.99"])
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["abstain"]["answerable"] == 1.0


@pytest.mark.parametrize(
    ("override", "message"),
    [("min_scor=0.5", "unknown matching setting 'min_scor'"), ("min_score=abc", "the value must be JSON")],
)
def test_a_wrong_override_is_refused_naming_it(tmp_path: Path, override: str, message: str) -> None:
    _write_bench(tmp_path)
    with pytest.raises(SystemExit, match=message):
        main([str(tmp_path), "--set", override])


def test_calibration_prints_the_thresholds_as_the_platform_reads_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write_bench(tmp_path)
    main([str(tmp_path), "--json", "--calibrate", "0.08", "--no-baseline"])
    lines = capsys.readouterr().out.strip().splitlines()
    thresholds = json.loads(lines[-1])["calibration"]["thresholds"]
    assert thresholds and set(thresholds) <= {"min_topic_score", "min_lexical_score", "min_core_coverage"}
    pasted = next(line for line in lines if line.startswith("MATCHMAKER_ENGINE_SETTINGS="))
    assert json.loads(pasted.split("=", 1)[1].strip("'")) == thresholds


def test_ranking_metrics_on_a_hand_worked_example() -> None:
    grades = {"a": 2, "b": 1}
    assert ndcg_at(["a", "b", "c"], grades) == pytest.approx(1.0)
    # gains 0, 3, 1 at ranks 1-3 against the ideal 3, 1
    assert ndcg_at(["c", "a", "b"], grades) == pytest.approx((3 / 1.5849625 + 1 / 2) / (3 + 1 / 1.5849625))
    assert recall_at(["c", "a"], grades) == 0.5
    assert reciprocal_rank(["c", "x", "b"], grades) == pytest.approx(1 / 3)


def test_calibration_keeps_wrong_abstentions_within_budget() -> None:
    answerable = [{"topic_score": v, "core_coverage": 0.5} for v in (0.6, 0.7, 0.8, 0.9, 0.55)]
    orphans = [{"topic_score": v, "core_coverage": 0.5} for v in (0.3, 0.4, 0.58)]
    rules = calibrate_abstention(answerable, orphans, budget=0.0)
    assert rules["topic_score"] == pytest.approx((0.4 + 0.55) / 2)  # midway: catches 0.3 and 0.4, no answerable
    loose = calibrate_abstention(answerable, orphans, budget=0.2)  # may now give up the 0.55 need
    assert loose["topic_score"] == pytest.approx((0.58 + 0.6) / 2)
    # Without the 0.55 need, a threshold of 0.59 would look free; leave-one-out shows its cost.
    assert leave_one_out(answerable, orphans, budget=0.0) == {"orphans": pytest.approx(2 / 3), "answerable": 0.2}


def test_distractors_join_the_outcomes_and_compete_for_the_needs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write_bench(tmp_path)
    weld = next(n for n in NEEDS if n.id == "n-weld")
    # One distractor is the need's own text: it must outrank the judged outcome, judged relevant to nothing.
    lines = [{"title": weld.title, "abstract": weld.description}, {"title": "周末野餐", "abstract": "带上面包和水果。"}]
    (tmp_path / "others.jsonl").write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines))

    main([str(tmp_path), "--json", "--no-baseline", "--distractors", str(tmp_path / "others.jsonl")])
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])

    assert result["corpus"]["outcomes"] == len(OUTCOMES) + 2
    assert result["corpus"]["distractors"] == 2
    assert result["baseline"] is None
    assert result["need_to_outcome"]["mrr"] < 1.0  # n-weld's best judged outcome is now second


def test_synthetic_distractors_come_from_the_bench_generator(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write_bench(tmp_path)
    main([str(tmp_path), "--json", "--distractors", "40"])
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["corpus"] == {"outcomes": len(OUTCOMES) + 40, "distractors": 40, "needs": len(NEEDS), "orphans": 1}
    assert set(result["baseline"]["need_to_outcome"]) >= {"ndcg10", "recall20", "mrr"}


def test_a_distractor_source_that_is_neither_a_count_nor_a_file_is_refused(tmp_path: Path) -> None:
    _write_bench(tmp_path)
    with pytest.raises(SystemExit, match="neither a count nor a JSONL file"):
        main([str(tmp_path), "--distractors", str(tmp_path / "missing.jsonl")])


def test_distractor_lines_keep_their_keywords(tmp_path: Path) -> None:
    # export_outcomes writes keywords; an outcome's keywords are part of what it is matched on.
    line = {"title": "焊接", "abstract": "铝合金激光焊接", "keywords": ["气孔", "激光焊"], "trl": 6}
    (tmp_path / "library.jsonl").write_text(json.dumps(line, ensure_ascii=False))
    (row,) = distractor_rows(str(tmp_path / "library.jsonl"))
    assert row["keywords"] == ["气孔", "激光焊"] and row["title"] == "焊接"
