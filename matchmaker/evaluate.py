"""Measure the matching engine on a labelled benchmark directory (no Django needed).

    python -m matchmaker.evaluate DIR [--json]

DIR holds outcomes.jsonl, needs.jsonl, qrels.tsv and optionally orphans.jsonl. The product's own
engine code builds the indexes; a plain jieba + scikit-learn TF-IDF baseline runs beside it.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from matchmaker.engine import MatchSettings, NeedDoc, NeedIndex, OutcomeDoc, OutcomeIndex, warm_up

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


def _metrics(runs: dict[str, list[str]], qrels: Qrels) -> dict[str, float]:
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

    return jieba.lcut(text)


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
        from tqdm import tqdm  # type: ignore[import-untyped]
    except ImportError:
        return items
    return tqdm(items, desc=label, file=sys.stderr, leave=False)


def _timed_runs(rank: Callable[[Any], Any], queries: list[Any], label: str) -> tuple[dict[str, Any], float]:
    rankings: dict[str, Any] = {}
    start = time.perf_counter()
    for query in _progress(queries, label):
        rankings[str(query.id)] = rank(query)
    elapsed = time.perf_counter() - start
    return rankings, 1000.0 * elapsed / max(1, len(queries))


def evaluate(directory: Path, settings: MatchSettings | None = None, k: int = 20) -> dict[str, Any]:
    """Run both directions, abstention and the baseline; return the figures as a dict."""
    settings = settings or MatchSettings()
    outcome_rows = _read_jsonl(directory / "outcomes.jsonl")
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

    return {
        "need_to_outcome": _metrics(ids(forward), qrels),
        "outcome_to_need": _metrics(ids(backward), dict(reverse)),
        "abstain": {
            "orphans": orphans_abstained / len(orphans) if orphans else 0.0,
            "answerable": wrongly / len(answerable) if answerable else 0.0,
            "orphans_n": len(orphans),
            "answerable_n": len(answerable),
        },
        "baseline": {"need_to_outcome": _metrics(baseline_runs(outcome_rows, need_rows, k), qrels)},
        "ms_per_query": {"need_to_outcome": ms_forward, "outcome_to_need": ms_backward},
        "ms_build": build_ms,
        "ms_warm_up": warm_ms,
        "corpus": {"outcomes": len(outcomes), "needs": len(needs), "orphans": len(orphans)},
    }


def _print_report(result: dict[str, Any]) -> None:
    def line(label: str, m: dict[str, float]) -> str:
        return f"{label:<28} nDCG@10 {m['ndcg10']:.3f}   Recall@20 {m['recall20']:.3f}   MRR {m['mrr']:.3f}"

    corpus = result["corpus"]
    print(f"corpus: {corpus['outcomes']} outcomes, {corpus['needs']} needs, {corpus['orphans']} orphans")
    print(line("need → outcome (engine)", result["need_to_outcome"]))
    print(line("need → outcome (baseline)", result["baseline"]["need_to_outcome"]))
    print(line("outcome → need (engine)", result["outcome_to_need"]))
    a = result["abstain"]
    print(
        f"abstention: orphans abstained {a['orphans']:.1%} of {a['orphans_n']}, "
        f"answerable wrongly abstained {a['answerable']:.1%} of {a['answerable_n']}"
    )
    ms = result["ms_per_query"]
    print(
        f"time: {ms['need_to_outcome']:.1f} ms/query need→outcome, {ms['outcome_to_need']:.1f} ms/query "
        f"outcome→need, index build {result['ms_build']:.0f} ms, warm-up {result['ms_warm_up']:.0f} ms"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m matchmaker.evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path, help="folder with outcomes.jsonl, needs.jsonl, qrels.tsv")
    parser.add_argument("--json", action="store_true", help="end with one JSON object on the last line")
    args = parser.parse_args(argv)
    result = evaluate(args.directory)
    _print_report(result)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
