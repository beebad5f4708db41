"""Measure the matching engine on a labelled benchmark directory (no Django needed).

    python -m matchmaker.evaluate DIR [--json] [--distractors N | --distractors FILE.jsonl]

DIR holds outcomes.jsonl, needs.jsonl, qrels.tsv and optionally orphans.jsonl. The product's own
engine code builds the indexes; a plain jieba + scikit-learn TF-IDF baseline runs beside it.

`--distractors` hides the benchmark's outcomes among others that are judged relevant to no need:
N from the bench's seeded synthetic generator (technical vocabulary from the same lexicon), or the
{"title", "abstract"} lines of FILE.jsonl. A province holds 106,000 outcomes, the dev benchmark 210,
so what only acts at scale (the candidate pool, abstention thresholds) is judged this way. A
distractor may in truth answer a need, so the figures are a lower bound.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, cast

from matchmaker.engine import MatchSettings, NeedDoc, NeedIndex, OutcomeDoc, OutcomeIndex, settings_with, warm_up

Qrels = dict[str, dict[str, int]]


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _read_qrels(path: Path) -> Qrels:
    qrels: Qrels = defaultdict(dict)
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            cells = line.rstrip("\n").split("\t")
            if len(cells) >= 3 and cells[2].strip().lstrip("-").isdigit():
                qrels[cells[0]][cells[1]] = int(cells[2])
    return dict(qrels)


def _outcome_doc(row: dict[str, Any]) -> OutcomeDoc:
    # The bench's `field` is a free-text name, not a chain code; passing it through unmapped keeps
    # the industry part honest (it only fires on an exact match of the two free-text names).
    return OutcomeDoc(
        id=row["id"],
        title=row.get("title") or "",
        abstract=row.get("abstract") or "",
        keywords=tuple(row.get("keywords") or ()),
        industry_chain=None,
        trl=row.get("trl"),
        asking_price_wan=row.get("ask_price_wan"),
        city=row.get("city"),
    )


def _need_doc(row: dict[str, Any]) -> NeedDoc:
    return NeedDoc(
        id=row["id"],
        title=row.get("title") or "",
        description=row.get("description") or "",
        industry_chain=None,
        min_trl=row.get("min_trl"),
        budget_wan=row.get("budget_wan"),
        city=row.get("city"),
    )


def ndcg_at(ranked: Sequence[str], grades: dict[str, int], k: int = 10) -> float:
    """nDCG@k with gain 2^grade − 1."""
    dcg = sum((2 ** grades.get(doc, 0) - 1) / math.log2(i + 2) for i, doc in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(ranked: Sequence[str], grades: dict[str, int], k: int = 20) -> float:
    relevant = {doc for doc, g in grades.items() if g > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def reciprocal_rank(ranked: Sequence[str], grades: dict[str, int]) -> float:
    for i, doc in enumerate(ranked):
        if grades.get(doc, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


def ranking_metrics(runs: dict[str, list[str]], qrels: Qrels) -> dict[str, float]:
    """Mean nDCG@10, Recall@20 and MRR over the queries of `runs` that have a relevant document."""
    queries = [q for q in runs if any(g > 0 for g in qrels.get(q, {}).values())]
    if not queries:
        return {"ndcg10": 0.0, "recall20": 0.0, "mrr": 0.0, "queries": 0}
    n = len(queries)
    return {
        "ndcg10": sum(ndcg_at(runs[q], qrels[q]) for q in queries) / n,
        "recall20": sum(recall_at(runs[q], qrels[q]) for q in queries) / n,
        "mrr": sum(reciprocal_rank(runs[q], qrels[q]) for q in queries) / n,
        "queries": n,
    }


def _jieba_list(text: str) -> list[str]:
    import jieba

    return list(jieba.lcut(text))


def baseline_runs(outcomes: list[dict[str, Any]], needs: list[dict[str, Any]], k: int = 20) -> dict[str, list[str]]:
    """The plain reference: jieba precise mode, default TfidfVectorizer, cosine, no normalisation."""
    import logging

    import jieba
    from sklearn.feature_extraction.text import TfidfVectorizer

    jieba.setLogLevel(logging.WARNING)
    docs = [f"{o['title']} {o['abstract']} {' '.join(o.get('keywords') or ())}" for o in outcomes]
    vectorizer = TfidfVectorizer(tokenizer=_jieba_list, token_pattern=None, lowercase=False)
    matrix = vectorizer.fit_transform(docs)
    runs: dict[str, list[str]] = {}
    for need in needs:
        query = vectorizer.transform([f"{need['title']} {need['description']}"])
        scores = (matrix @ query.T).toarray().ravel()
        order = sorted(range(len(outcomes)), key=lambda i: (-scores[i], i))[:k]
        runs[need["id"]] = [outcomes[i]["id"] for i in order]
    return runs


def _progress(items: Iterable[Any], label: str) -> Iterable[Any]:
    try:
        from tqdm import tqdm
    except ImportError:
        return items
    return cast(Iterable[Any], tqdm(items, desc=label, file=sys.stderr, leave=False))


def _timed_runs(rank: Callable[[Any], Any], queries: list[Any], label: str) -> tuple[dict[str, Any], float]:
    rankings: dict[str, Any] = {}
    start = time.perf_counter()
    for query in _progress(queries, label):
        rankings[str(query.id)] = rank(query)
    elapsed = time.perf_counter() - start
    return rankings, 1000.0 * elapsed / max(1, len(queries))


# Abstention rules that calibration sets: Ranking.signals key -> MatchSettings threshold field.
# A signal of -1 means "not available on this index" (topic_score without LSA, lexical_score with
# it), and its rule is left out of the search.
CALIBRATED_RULES = {
    "topic_score": "min_topic_score",
    "lexical_score": "min_lexical_score",
    "core_coverage": "min_core_coverage",
}


def _thresholds(values: Sequence[float]) -> list[float]:
    """Candidate thresholds midway between observed values, so none sits exactly on a sample."""
    ordered = sorted(set(values))
    return [0.0] + [(a + b) / 2 for a, b in itertools.pairwise(ordered)]


def _abstains(signals: dict[str, float], rules: dict[str, float]) -> bool:
    return any(0 <= signals[key] < threshold for key, threshold in rules.items())


def calibrate_abstention(
    answerable: Sequence[dict[str, float]], orphans: Sequence[dict[str, float]], budget: float
) -> dict[str, float]:
    """Thresholds that abstain on the most orphans while wrongly abstaining on at most `budget` of answerable.

    Ties go to the thresholds that wrongly abstain least, then to the lower thresholds.
    """
    keys = [key for key in CALIBRATED_RULES if answerable and answerable[0].get(key, -1.0) >= 0]
    grids = [_thresholds([x[key] for x in [*answerable, *orphans]]) for key in keys]
    best: tuple[int, int, float, dict[str, float]] = (-1, 0, 0.0, dict.fromkeys(keys, 0.0))
    for combo in itertools.product(*grids):
        rules = dict(zip(keys, combo, strict=True))
        wrong = sum(_abstains(a, rules) for a in answerable)
        if wrong > budget * len(answerable):
            continue
        caught = sum(_abstains(o, rules) for o in orphans)
        candidate = (caught, -wrong, -sum(combo), rules)
        if candidate[:3] > best[:3]:
            best = candidate
    return best[3]


def leave_one_out(
    answerable: Sequence[dict[str, float]], orphans: Sequence[dict[str, float]], budget: float
) -> dict[str, float]:
    """Abstention rates when each need is judged by thresholds calibrated without it."""
    wrong = sum(
        _abstains(a, calibrate_abstention([*answerable[:i], *answerable[i + 1 :]], orphans, budget))
        for i, a in enumerate(answerable)
    )
    caught = sum(
        _abstains(o, calibrate_abstention(answerable, [*orphans[:i], *orphans[i + 1 :]], budget))
        for i, o in enumerate(orphans)
    )
    return {
        "orphans": caught / len(orphans) if orphans else 0.0,
        "answerable": wrong / len(answerable) if answerable else 0.0,
    }


def distractor_rows(source: str) -> list[dict[str, Any]]:
    """Outcome rows relevant to no need: `source` is a count (that many from the bench's seeded
    synthetic generator) or a JSONL file of {"title", "abstract"} lines."""
    if source.isdigit():
        from matchmaker.bench import synthetic_corpus  # imported here: the bench imports this module

        outcomes, _ = synthetic_corpus(int(source), 0)
        return [
            {
                "id": f"distractor-{o.id}",
                "title": o.title,
                "abstract": o.abstract,
                "keywords": list(o.keywords),
                "trl": o.trl,
                "ask_price_wan": o.asking_price_wan,
                "city": o.city,
            }
            for o in outcomes
        ]
    path = Path(source)
    if not path.is_file():
        raise SystemExit(f"--distractors: {source!r} is neither a count nor a JSONL file")
    return [
        {
            "id": f"distractor-{i}",
            "title": row.get("title") or "",
            "abstract": row.get("abstract") or "",
            "keywords": list(row.get("keywords") or []),
        }
        for i, row in enumerate(_read_jsonl(path))
    ]


def evaluate(
    directory: Path,
    settings: MatchSettings | None = None,
    k: int = 20,
    calibrate: float | None = None,
    distractors: Sequence[dict[str, Any]] = (),
    baseline: bool = True,
) -> dict[str, Any]:
    """Run both directions, abstention and the baseline; return the figures as a dict.

    `distractors` (outcome rows, see `distractor_rows`) join the outcomes, judged relevant to no need.
    """
    settings = settings or MatchSettings()
    outcome_rows = _read_jsonl(directory / "outcomes.jsonl") + list(distractors)
    need_rows = _read_jsonl(directory / "needs.jsonl")
    orphan_rows = _read_jsonl(directory / "orphans.jsonl")
    qrels = _read_qrels(directory / "qrels.tsv")
    reverse: Qrels = defaultdict(dict)
    for need_id, grades in qrels.items():
        for outcome_id, grade in grades.items():
            reverse[outcome_id][need_id] = grade

    start = time.perf_counter()
    warm_up()
    warm_ms = 1000.0 * (time.perf_counter() - start)
    outcomes = [_outcome_doc(row) for row in outcome_rows]
    needs = [_need_doc(row) for row in need_rows]
    orphans = [_need_doc(row) for row in orphan_rows]

    start = time.perf_counter()
    outcome_index = OutcomeIndex.build(outcomes, settings)
    build_ms = 1000.0 * (time.perf_counter() - start)
    need_index = NeedIndex.build(needs, settings)

    # Ranking metrics are computed on the full ranked list even where the engine would abstain;
    # abstention is measured separately, from the same calls.
    forward, ms_forward = _timed_runs(lambda n: outcome_index.rank(n, k=k, abstain=False), needs, "needs")
    orphan_rankings, _ = _timed_runs(lambda n: outcome_index.rank(n, k=k, abstain=False), orphans, "orphans")
    labelled = [o for o in outcomes if str(o.id) in reverse]
    backward, ms_backward = _timed_runs(lambda o: need_index.rank(o, k=k, abstain=False), labelled, "outcomes")

    answerable = [str(n.id) for n in needs if any(g > 0 for g in qrels.get(str(n.id), {}).values())]
    wrongly = sum(1 for q in answerable if forward[q].would_abstain)
    orphans_abstained = sum(1 for r in orphan_rankings.values() if r.would_abstain)

    def ids(rankings: dict[str, Any]) -> dict[str, list[str]]:
        return {q: [str(p.id) for p in r.proposals] for q, r in rankings.items()}

    extra: dict[str, Any] = {}
    if calibrate is not None and orphans:
        answerable_signals = [forward[q].signals for q in answerable]
        orphan_signals = [r.signals for r in orphan_rankings.values()]
        rules = calibrate_abstention(answerable_signals, orphan_signals, calibrate)
        extra["calibration"] = {
            "budget": calibrate,
            "thresholds": {CALIBRATED_RULES[key]: round(value, 4) for key, value in rules.items()},
            "in_sample": {
                "orphans": sum(_abstains(o, rules) for o in orphan_signals) / len(orphan_signals),
                "answerable": sum(_abstains(a, rules) for a in answerable_signals) / len(answerable_signals),
            },
            "leave_one_out": leave_one_out(answerable_signals, orphan_signals, calibrate),
        }

    return {
        **extra,
        "need_to_outcome": ranking_metrics(ids(forward), qrels),
        "outcome_to_need": ranking_metrics(ids(backward), dict(reverse)),
        "abstain": {
            "orphans": orphans_abstained / len(orphans) if orphans else 0.0,
            "answerable": wrongly / len(answerable) if answerable else 0.0,
            "orphans_n": len(orphans),
            "answerable_n": len(answerable),
        },
        "baseline": {"need_to_outcome": ranking_metrics(baseline_runs(outcome_rows, need_rows, k), qrels)}
        if baseline
        else None,
        "ms_per_query": {"need_to_outcome": ms_forward, "outcome_to_need": ms_backward},
        "ms_build": build_ms,
        "ms_warm_up": warm_ms,
        "corpus": {
            "outcomes": len(outcomes),
            "distractors": len(distractors),
            "needs": len(needs),
            "orphans": len(orphans),
        },
    }


def _print_report(result: dict[str, Any]) -> None:
    def line(label: str, m: dict[str, float]) -> str:
        return f"{label:<28} nDCG@10 {m['ndcg10']:.3f}   Recall@20 {m['recall20']:.3f}   MRR {m['mrr']:.3f}"

    corpus = result["corpus"]
    hidden = f" ({corpus['distractors']} of them distractors)" if corpus["distractors"] else ""
    print(f"corpus: {corpus['outcomes']} outcomes{hidden}, {corpus['needs']} needs, {corpus['orphans']} orphans")
    print(line("need → outcome (engine)", result["need_to_outcome"]))
    if result["baseline"] is not None:
        print(line("need → outcome (baseline)", result["baseline"]["need_to_outcome"]))
    print(line("outcome → need (engine)", result["outcome_to_need"]))
    a = result["abstain"]
    print(
        f"abstention: orphans abstained {a['orphans']:.1%} of {a['orphans_n']}, "
        f"answerable wrongly abstained {a['answerable']:.1%} of {a['answerable_n']}"
    )
    if "calibration" in result:
        c = result["calibration"]
        print(
            f"calibration (≤ {c['budget']:.0%} answerable): {c['thresholds']}  in-sample orphans "
            f"{c['in_sample']['orphans']:.1%} / answerable {c['in_sample']['answerable']:.1%}; leave-one-out "
            f"orphans {c['leave_one_out']['orphans']:.1%} / answerable {c['leave_one_out']['answerable']:.1%}"
        )
        # Ready to paste into the platform's environment (docs/deployment.md, Matching settings).
        print(f"MATCHMAKER_ENGINE_SETTINGS='{json.dumps(c['thresholds'], sort_keys=True)}'")
    ms = result["ms_per_query"]
    print(
        f"time: {ms['need_to_outcome']:.1f} ms/query need→outcome, {ms['outcome_to_need']:.1f} ms/query "
        f"outcome→need, index build {result['ms_build']:.0f} ms, warm-up {result['ms_warm_up']:.0f} ms"
    )


def _settings_with(overrides: Sequence[str]) -> MatchSettings:
    """MatchSettings with `--set NAME=VALUE` overrides (VALUE as JSON)."""
    changes: dict[str, Any] = {}
    for item in overrides:
        name, _, raw = item.partition("=")
        try:
            changes[name] = json.loads(raw)
        except json.JSONDecodeError:
            raise SystemExit(f"--set {item}: the value must be JSON, e.g. 0.5 or [2,3]") from None
    try:
        return settings_with(changes)
    except ValueError as error:
        raise SystemExit(f"--set: {error}") from None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m matchmaker.evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path, help="folder with outcomes.jsonl, needs.jsonl, qrels.tsv")
    parser.add_argument("--json", action="store_true", help="end with one JSON object on the last line")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a MatchSettings field for this run, e.g. --set lsa_weight=0.2 (repeatable)",
    )
    parser.add_argument(
        "--calibrate",
        type=float,
        metavar="BUDGET",
        help="also fit the abstention thresholds allowing BUDGET (e.g. 0.08) of answerable needs to be abstained",
    )
    parser.add_argument(
        "--distractors",
        metavar="N|FILE.jsonl",
        help="hide the outcomes among N synthetic ones or the lines of FILE.jsonl, judged relevant to no need",
    )
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip the plain pipeline (slow with many distractors)"
    )
    args = parser.parse_args(argv)
    result = evaluate(
        args.directory,
        _settings_with(args.set),
        calibrate=args.calibrate,
        distractors=distractor_rows(args.distractors) if args.distractors else (),
        baseline=not args.no_baseline,
    )
    _print_report(result)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
