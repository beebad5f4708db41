"""Benchmark the matcher at province scale, side by side with the plain pipeline, in one run.

    python -m matchmaker.bench --outcomes 106000 --needs 1000 [--corpus FILE.jsonl] [--repeat N] [--json]

The corpus is synthetic (a seeded generator: technical vocabulary from the engine's lexicon with a
long tail of compounds the dictionary does not know, 20 % Traditional script, 200–400 characters
per outcome) or read from FILE.jsonl (one {"title", "abstract"} object per line; needs are then cut
from random outcomes). Every figure is the median over --repeat runs, with min–max beside it:

  build_raw_s            index build from raw text (tokenisation included, on every core)
  build_tokens_s         index build from stored tokens (what the nightly rebuild does)
  index_mb               size of the saved index artifact (stderr also gives what a fresh process holds
                         once it has loaded the artifact and answered a query)
  query_p50_ms / p99     one need, top 20, in the engine, from its raw text (preparing it included)
  rematch_s              every need re-matched in one process (batch scoring, a thread per core), the needs
                         prepared beforehand as the database holds them (rematch_all reads their stored
                         tokens); stderr gives the figure from raw text and on one thread
  rematch_two_workers_s  the same split over two worker processes (a fork pool, as two Celery workers),
                         the cores shared out among them
  commit_to_match_s      outcome_create() → a need's match_refresh proposes it (Django, temporary SQLite,
                         in-process tasks; the index is updated incrementally)
  preview_api_p50_ms     POST /api/v1/match/preview/ through Django's test client with the big index
  baseline               the plain pipeline (jieba.lcut + TfidfVectorizer + full sparse product): build_raw_s,
                         query_p50_ms, rematch_s
  quality                nDCG@10, Recall@20 and MRR of the engine's top 20 (abstention off) against the
                         corpus's own judgements: for the synthetic corpus, the outcomes written from the
                         need's topic; for FILE.jsonl, the outcome the need was cut from. The dev benchmark
                         (`python -m matchmaker.evaluate`) is smaller than a query's candidate pool, so
                         what only acts at scale is judged with these.

`--no-django` skips the last two (they are then null). The engine part imports no Django.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import pickle
import random
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from matchmaker.engine import NeedDoc, OutcomeDoc, OutcomeIndex, warm_up
from matchmaker.engine._docs import prepare_many
from matchmaker.engine._jit import cores
from matchmaker.engine._lexicon import DATA_DIR
from matchmaker.evaluate import Qrels, ranking_metrics

KEYS = (
    "build_raw_s",
    "build_tokens_s",
    "index_mb",
    "query_p50_ms",
    "query_p99_ms",
    "rematch_s",
    "rematch_two_workers_s",
    "commit_to_match_s",
    "preview_api_p50_ms",
)
BASELINE_KEYS = ("build_raw_s", "query_p50_ms", "rematch_s")
CITIES = ("西安", "咸阳", "宝鸡", "渭南", "榆林", "汉中", "杨凌", "延安", "深圳", "北京")
CHAINS = ("semiconductors", "hydrogen", "photonics", "new_materials", "aerospace", "dryland_agriculture")

# --- the synthetic corpus ---------------------------------------------------------------------

_PROBLEMS = ("精度不足", "效率低", "成本高", "寿命短", "稳定性差", "能耗高", "良率低", "易开裂", "变形大", "污染严重")
_METHODS = ("方法", "技术", "工艺", "装置", "系统", "材料", "平台", "模型")
_GAINS = ("提高", "降低", "改善", "缩短", "提升")
_UNITS = ("%", "倍", "mm", "MPa", "h", "℃", "kW")
_OUTCOME_SENTENCES = (
    "针对{a}过程中{b}{p}的问题，",
    "本成果提出了一种基于{a}的{b}{m}，",
    "通过{a}与{b}相结合，实现了{c}的{g}。",
    "研究了{a}对{b}的影响规律，建立了{c}{m}。",
    "试验结果表明，{a}{g}了{n}{u}，{b}达到{n}{u}。",
    "采用{a}和{b}，解决了{c}{p}等难题。",
    "该{m}已在{a}领域开展示范应用，{b}显著{g}。",
    "项目形成了{a}、{b}和{c}等关键技术，",
    "可推广应用于{a}、{b}等行业，具有良好的经济效益。",
    "与传统{a}相比，{b}{g}{n}{u}以上。",
)
_NEED_SENTENCES = (
    "我公司{a}生产中{b}{p}，",
    "现有{a}设备{p}，{b}不稳定，",
    "希望寻求{a}方面的技术合作，",
    "需要解决{a}和{b}的问题，",
    "急需{a}{m}，提高{b}。",
)


def _lexicon_terms() -> list[str]:
    terms: list[str] = []
    with (DATA_DIR / "dictionary.txt").open(encoding="utf-8") as fh:
        for line in fh:
            word = line.split()[0] if line.strip() and not line.startswith("#") else ""
            if re.fullmatch(r"[\u4e00-\u9fff]{2,8}", word):
                terms.append(word)
    return terms


class _Generator:
    """Seeded generator: topics of dictionary terms plus a Zipf long tail of unknown compounds."""

    def __init__(self, seed: int, n_outcomes: int) -> None:
        self.rng = random.Random(seed)
        terms = _lexicon_terms()
        self.rng.shuffle(terms)
        # Compounds the dictionary does not know (first half of one term + second half of another):
        # the long tail real abstracts have, which only character n-grams can match.
        tail = {a[: max(2, len(a) // 2)] + b[len(b) // 2 :] for a, b in zip(terms, reversed(terms), strict=True)}
        tail |= {self.rng.choice(terms)[:2] + self.rng.choice(terms)[-2:] for _ in range(30000)}
        self.vocab = terms + sorted(tail)
        self.rng.shuffle(self.vocab)
        self.cum = list(np.cumsum([1.0 / (r + 1) ** 1.05 for r in range(len(self.vocab))]))
        n_topics = max(20, n_outcomes // 40)
        self.topics = [self._zipf_terms(14) for _ in range(n_topics)]
        self.labels: dict[int | str, int] = {}  # document id → number of the topic it was written from
        import opencc

        self.to_traditional = opencc.OpenCC("s2twp")

    def _zipf_terms(self, k: int) -> list[str]:
        total = self.cum[-1]
        out = []
        for _ in range(k):
            x = self.rng.random() * total
            lo, hi = 0, len(self.cum) - 1
            while lo < hi:
                mid = (lo + hi) // 2
                if self.cum[mid] < x:
                    lo = mid + 1
                else:
                    hi = mid
            out.append(self.vocab[lo])
        return out

    def _topic(self, doc_id: int | str) -> list[str]:
        # randrange draws exactly what choice() drew before, so seeded corpora are unchanged.
        number = self.rng.randrange(len(self.topics))
        self.labels[doc_id] = number
        return self.topics[number]

    def _term(self, topic: list[str]) -> str:
        return self.rng.choice(topic) if self.rng.random() < 0.7 else self._zipf_terms(1)[0]

    def _fill(self, template: str, topic: list[str]) -> str:
        r = self.rng
        return template.format(
            a=self._term(topic),
            b=self._term(topic),
            c=self._term(topic),
            p=r.choice(_PROBLEMS),
            m=r.choice(_METHODS),
            g=r.choice(_GAINS),
            n=r.choice((str(r.randint(2, 95)), f"{r.uniform(0.1, 9.9):.1f}")),
            u=r.choice(_UNITS),
        )

    def _script(self, text: str) -> str:
        return str(self.to_traditional.convert(text)) if self.rng.random() < 0.2 else text

    def outcome(self, i: int) -> OutcomeDoc:
        r = self.rng
        topic = self._topic(i)
        length = r.randint(200, 400)
        parts: list[str] = []
        while sum(map(len, parts)) < length:
            parts.append(self._fill(r.choice(_OUTCOME_SENTENCES), topic))
        abstract = "".join(parts)[:length].rstrip("，、") + "。"
        title = f"{self._term(topic)}{self._term(topic)}{r.choice(_METHODS)}研究"
        return OutcomeDoc(
            id=i,
            title=self._script(title),
            abstract=self._script(abstract),
            keywords=tuple(self._term(topic) for _ in range(3)),
            industry_chain=r.choice(CHAINS),
            trl=r.randint(2, 9),
            asking_price_wan=float(r.choice((20, 50, 100, 300, 800))),
            city=r.choice(CITIES),
        )

    def need(self, i: int) -> NeedDoc:
        r = self.rng
        topic = self._topic(f"need-{i}")
        text = "".join(self._fill(r.choice(_NEED_SENTENCES), topic) for _ in range(r.randint(3, 6)))
        return NeedDoc(
            id=f"need-{i}",
            title=self._script(f"{self._term(topic)}{r.choice(_PROBLEMS)}"),
            description=self._script(text.rstrip("，") + "。"),
            industry_chain=r.choice(CHAINS),
            min_trl=r.randint(3, 7),
            budget_wan=float(r.choice((30, 100, 300))),
            city=r.choice(CITIES),
        )


def synthetic_corpus(n_outcomes: int, n_needs: int, seed: int = 7) -> tuple[list[OutcomeDoc], list[NeedDoc]]:
    """A reproducible synthetic corpus of `n_outcomes` outcomes and `n_needs` needs."""
    outcomes, needs, _ = labelled_synthetic_corpus(n_outcomes, n_needs, seed)
    return outcomes, needs


Corpus = tuple[list[OutcomeDoc], list[NeedDoc], Qrels]


def labelled_synthetic_corpus(n_outcomes: int, n_needs: int, seed: int = 7) -> Corpus:
    """`synthetic_corpus` with relevance judgements: every outcome written from a need's topic is
    relevant to it (grade 1; about 40 a topic, so Recall@20 cannot pass 0.5)."""
    gen = _Generator(seed, n_outcomes)
    outcomes = [gen.outcome(i) for i in range(n_outcomes)]
    needs = [gen.need(i) for i in range(n_needs)]
    by_topic: dict[int, dict[str, int]] = {}
    for outcome in outcomes:
        by_topic.setdefault(gen.labels[outcome.id], {})[str(outcome.id)] = 1
    return outcomes, needs, {str(need.id): by_topic.get(gen.labels[need.id], {}) for need in needs}


def file_corpus(path: Path, n_outcomes: int, n_needs: int, seed: int = 7) -> Corpus:
    """Outcomes from a JSONL file of {"title", "abstract"}; needs cut from random outcomes' text, each
    judged relevant to the outcome it was cut from only."""
    rows: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                rows.append(json.loads(line))
            if len(rows) >= n_outcomes:
                break
    outcomes = [
        OutcomeDoc(id=i, title=str(row.get("title") or ""), abstract=str(row.get("abstract") or ""))
        for i, row in enumerate(rows)
    ]
    rng = random.Random(seed)
    needs = []
    qrels: Qrels = {}
    for i in range(n_needs):
        source = rng.choice(outcomes)
        clauses = [c for c in re.split(r"[，。；,.;]", source.abstract) if len(c) > 6]
        picked = rng.sample(clauses, min(2, len(clauses))) if clauses else [source.title]
        needs.append(NeedDoc(id=f"need-{i}", title=source.title[:12], description="，".join(picked) + "。"))
        qrels[f"need-{i}"] = {str(source.id): 1}
    return outcomes, needs, qrels


# --- measuring --------------------------------------------------------------------------------


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def _query_ms(rank: Callable[[Any], Any], needs: Sequence[Any]) -> list[float]:
    times = []
    for need in needs:
        start = time.perf_counter()
        rank(need)
        times.append(1000.0 * (time.perf_counter() - start))
    return times


def _percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else math.nan


_pool_index: Any = None
_pool_threads = 1


def _pool_rank(needs: Sequence[NeedDoc]) -> int:
    return len(_pool_index.rank_many(needs, k=20, threads=_pool_threads))


def rematch_with_workers(index: OutcomeIndex, needs: Sequence[NeedDoc], workers: int) -> float:
    """Seconds to rank every need on `workers` forked processes (each inherits the loaded index, as a
    Celery prefork child does), the needs split into one shard per worker. The cores are shared out
    among the workers (rank_many's threads), as a deployment runs one prefork child per core."""
    import multiprocessing

    global _pool_index, _pool_threads
    _pool_index = index
    _pool_threads = max(1, cores() // workers)
    ctx = multiprocessing.get_context("fork")
    shards = [list(needs[i::workers]) for i in range(workers)]
    with ctx.Pool(workers) as pool:
        pool.map(_pool_rank, [[needs[0]]] * workers)  # workers up and warm, as long-lived workers are
        start = time.perf_counter()
        pool.map(_pool_rank, shards)
        return time.perf_counter() - start


def _artifact_mb(index: OutcomeIndex) -> float:
    """Size of the pickled artifact; what a worker holds is printed by _resident_mb."""
    return len(pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL)) / 2**20


_RESIDENT = """
import gc, pickle, sys
from matchmaker.engine import NeedDoc, OutcomeIndex, warm_up

def rss():
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS")) / 1024

warm_up()
OutcomeIndex.build([])
gc.collect()
before = rss()
with open(sys.argv[1], "rb") as fh:
    index = pickle.load(fh)
index.rank(NeedDoc(id="q", title="碳化硅功率器件封装", description="高温下封装寿命短，需要新的焊接工艺"), k=20)
gc.collect()
print(rss() - before)
"""


def _resident_mb(index: OutcomeIndex) -> float:
    """Memory a fresh process gains by loading the artifact and answering one query (Linux; else NaN)."""
    import subprocess
    import tempfile

    if not Path("/proc/self/status").exists():
        return math.nan
    with tempfile.NamedTemporaryFile(suffix=".pkl") as fh:
        pickle.dump(index, fh, protocol=pickle.HIGHEST_PROTOCOL)
        fh.flush()
        out = subprocess.run(
            [sys.executable, "-c", _RESIDENT, fh.name], capture_output=True, text=True, check=True
        ).stdout
    return float(out.strip().splitlines()[-1])


def engine_run(
    outcomes: Sequence[OutcomeDoc], needs: Sequence[NeedDoc]
) -> tuple[dict[str, float], OutcomeIndex, list[tuple[str, str]]]:
    """One run of the engine's measurements."""
    raw = [OutcomeDoc(**{**o.__dict__, "tokens": None, "normalized": None}) for o in outcomes]
    build_raw, _ = _timed(lambda: OutcomeIndex.build(raw))
    # What text preparation stores on each row: the normalised text and its tokens.
    tokens = prepare_many(raw)
    stored = [
        OutcomeDoc(**{**o.__dict__, "normalized": norm, "tokens": toks})
        for o, (norm, toks) in zip(raw, tokens, strict=True)
    ]
    build_tokens, index = _timed(lambda: OutcomeIndex.build(stored))
    # A worker freezes what it holds at start (matchmaker.tasks._warm_worker), so the collector's
    # full passes skip it; this process also holds the whole corpus as Python objects, which no
    # worker does: frozen too while the queries are timed.
    gc.collect()
    gc.freeze()
    index.rank(needs[0], k=20)
    times = _query_ms(lambda n: index.rank(n, k=20), needs)
    # rematch_all ranks needs as the database holds them: prepared when they were saved.
    prepared = [
        NeedDoc(**{**n.__dict__, "normalized": norm, "tokens": toks})
        for n, (norm, toks) in zip(needs, prepare_many(needs), strict=True)
    ]
    rematch, _ = _timed(lambda: index.rank_many(prepared, k=20))
    from_raw, _ = _timed(lambda: index.rank_many(needs, k=20))
    one_thread, _ = _timed(lambda: index.rank_many(prepared, k=20, threads=1))
    print(
        f"re-match from raw need text, each need prepared in the query: {from_raw:.2f} s; "
        f"on one thread: {one_thread:.2f} s",
        file=sys.stderr,
    )
    two = rematch_with_workers(index, prepared, 2)
    gc.unfreeze()
    resident = _resident_mb(index)
    print(f"index resident in a worker (fresh process, artifact loaded, one query): {resident:.0f} MB", file=sys.stderr)
    return (
        {
            "build_raw_s": build_raw,
            "build_tokens_s": build_tokens,
            "index_mb": _artifact_mb(index),
            "query_p50_ms": _percentile(times, 50),
            "query_p99_ms": _percentile(times, 99),
            "rematch_s": rematch,
            "rematch_two_workers_s": two,
        },
        index,
        tokens,
    )


def ranking_quality(index: OutcomeIndex, needs: Sequence[NeedDoc], qrels: Qrels) -> dict[str, float]:
    """nDCG@10, Recall@20 and MRR of the engine's top 20 against the corpus's own judgements: the
    dev benchmark is smaller than a query's candidate pool, so what only matters at scale (the pool,
    pruning) is judged here."""
    runs = {str(need.id): [str(p.id) for p in index.rank(need, k=20, abstain=False).proposals] for need in needs}
    return ranking_metrics(runs, qrels)


def _jieba_list(text: str) -> list[str]:
    import jieba

    return list(jieba.lcut(text))


def baseline_run(outcomes: Sequence[OutcomeDoc], needs: Sequence[NeedDoc]) -> dict[str, float]:
    """The plain pipeline: jieba.lcut, TfidfVectorizer, cosine through the full sparse product."""
    import logging

    import jieba
    from sklearn.feature_extraction.text import TfidfVectorizer

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    texts = [f"{o.title} {o.abstract} {' '.join(o.keywords)}" for o in outcomes]
    vectorizer = TfidfVectorizer(tokenizer=_jieba_list, token_pattern=None, lowercase=False)
    build, matrix = _timed(lambda: vectorizer.fit_transform(texts).tocsr())

    def rank(need: NeedDoc) -> list[int]:
        query = vectorizer.transform([f"{need.title} {need.description}"])
        scores = (matrix @ query.T).toarray().ravel()
        top = np.argpartition(-scores, 20)[:20]
        return [int(i) for i in top[np.argsort(-scores[top], kind="stable")]]

    rank(needs[0])
    times = _query_ms(rank, needs)
    rematch, _ = _timed(lambda: [rank(n) for n in needs])
    return {"build_raw_s": build, "query_p50_ms": _percentile(times, 50), "rematch_s": rematch}


def _django_setup(workdir: str) -> None:
    """Django on a throwaway SQLite database and index folder, tasks in-process, then migrate."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/bench.sqlite3"
    os.environ["MATCHMAKER_INDEX_DIR"] = f"{workdir}/index"
    import django
    from django.core.management import call_command

    django.setup()
    from django.conf import settings

    from config.settings import base

    # The test settings re-check index freshness on every use; measure what production runs.
    settings.MATCHMAKER_INDEX_FRESHNESS_MS = base.MATCHMAKER_INDEX_FRESHNESS_MS
    call_command("migrate", verbosity=0)


def _django_load(outcomes: Sequence[OutcomeDoc], tokens: Sequence[tuple[str, str]], needs: Sequence[NeedDoc]) -> Any:
    """Store the corpus as prepared rows (stored tokens, as text preparation leaves them)."""
    from datetime import timedelta
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from matchmaker.engine import lexicon_version
    from matchmaker.lexicon_sync import sync_lexicon
    from needs.models import Enterprise, Need
    from outcomes.models import Institution, Outcome

    sync_lexicon()
    lexicon = lexicon_version()
    # Distinct preparation times, as rows prepared one by one have: index_store applies the rows
    # prepared at or after the build's newest mark, which must not be the whole library.
    start = timezone.now() - timedelta(days=1)
    institutions = {
        city: Institution.objects.create(code=f"bench-{i}", name=f"{city}研究院", kind="institute", city=city)
        for i, city in enumerate(CITIES)
    }
    fallback = institutions[CITIES[0]]
    batch: list[Any] = []
    for i, (o, (norm, toks)) in enumerate(zip(outcomes, tokens, strict=True)):
        batch.append(
            Outcome(
                institution=institutions.get(o.city or "", fallback),
                external_id=f"B-{o.id}",
                title=o.title[:200],
                abstract=o.abstract,
                keywords=list(o.keywords),
                industry_chain=o.industry_chain or CHAINS[0],
                trl=o.trl or 5,
                asking_price_wan=None if o.asking_price_wan is None else Decimal(str(o.asking_price_wan)),
                normalized_text=norm,
                tokens=toks,
                tokens_lexicon=lexicon,
                text_prepared_at=start + timedelta(microseconds=i),
            )
        )
        if len(batch) >= 5000:
            Outcome.objects.bulk_create(batch)
            batch = []
    Outcome.objects.bulk_create(batch)
    enterprise = Enterprise.objects.create(
        name="基准测试企业", credit_code="91610000000000000X", city=CITIES[0], industry_chain=CHAINS[0]
    )
    Need.objects.bulk_create(
        Need(
            enterprise=enterprise,
            title=n.title[:200],
            description=n.description,
            industry_chain=n.industry_chain or CHAINS[0],
            city=n.city or CITIES[0],
            budget_wan=None if n.budget_wan is None else Decimal(str(n.budget_wan)),
            min_trl=n.min_trl,
            match_state=Need.MatchState.PROPOSED,
        )
        for n in needs
    )
    user = get_user_model().objects.create_user(username="bench", password="bench-only-password")
    return user, institutions


def django_run(
    outcomes: Sequence[OutcomeDoc],
    tokens: Sequence[tuple[str, str]],
    needs: Sequence[NeedDoc],
    repeat: int,
) -> dict[str, list[float]]:
    """Commit-to-match and the preview endpoint through Django, on a throwaway SQLite database
    holding the whole corpus, with the big index loaded through index_store as a worker does."""
    import shutil
    import tempfile

    workdir = tempfile.mkdtemp(prefix="matchmaker-bench-")
    try:
        _django_setup(workdir)
        from rest_framework.test import APIClient

        from matchmaker import api, index_store
        from matchmaker.models import Match
        from matchmaker.services import match_refresh_for_need
        from needs.models import Need
        from outcomes.services import outcome_create

        took, (user, institutions) = _timed(lambda: _django_load(outcomes, tokens, needs))
        print(f"django: {len(outcomes)} outcomes and {len(needs)} needs stored in {took:.1f}s", file=sys.stderr)
        took, _ = _timed(lambda: (index_store.build_index("outcomes"), index_store.build_index("needs")))
        print(f"django: indexes built from stored tokens and saved in {took:.1f}s", file=sys.stderr)
        index_store.forget_loaded()
        took, _ = _timed(index_store.current_outcome_index)
        print(f"django: outcome index artifact loaded in {took:.2f}s", file=sys.stderr)

        # Commit → matchable: a new outcome written for an existing need, through the service the
        # API uses (text preparation and outcome-side matching run in-process on commit), then that
        # need's refresh, which applies the change to the loaded index incrementally.
        commit_times: list[float] = []
        db_needs = list(Need.objects.order_by("pk")[: max(3, repeat)])
        for r, need in enumerate(db_needs):
            start = time.perf_counter()
            outcome = outcome_create(
                institution=institutions.get(need.city, next(iter(institutions.values()))),
                created_by=None,
                external_id=f"NEW-{r}",
                title=need.title,
                abstract=f"{need.description}本成果针对上述问题提出了完整的解决方案。",
                industry_chain=need.industry_chain,
                trl=9,
            )
            match_refresh_for_need(need=need)
            took = time.perf_counter() - start
            if not Match.objects.filter(need=need, outcome=outcome).exists():
                print(f"django: new outcome {outcome.pk} was not proposed to need {need.pk}", file=sys.stderr)
                took = math.nan
            commit_times.append(took)

        # The preview endpoint, end to end through the API (throttling off: it is a load test).
        from django.conf import settings

        api.MatchPreviewView.throttle_classes = []
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        client = APIClient()
        client.force_login(user)
        sample = list(needs[: min(len(needs), 200)])

        def preview(need: NeedDoc) -> None:
            body = {"text": f"{need.title}\n{need.description}", "limit": 10}
            response = client.post("/api/v1/match/preview/", body, format="json")
            if response.status_code != 200:
                raise RuntimeError(f"preview answered {response.status_code}: {response.content[:200]!r}")

        preview(sample[0])
        times = _query_ms(preview, sample)
        # Where the endpoint's time goes (stderr only): the service and the engine. The freshness
        # check is paid once per MATCHMAKER_INDEX_FRESHNESS_MS window, not by every request.
        from matchmaker.services import match_preview

        sig = _query_ms(lambda _: index_store.corpus_signature("outcomes"), range(20))
        service = _query_ms(lambda n: match_preview(text=f"{n.title}\n{n.description}", k=10), sample[:50])
        engine_ms = _query_ms(lambda n: index_store.current_outcome_index().rank(n, k=10), sample[:50])
        print(
            f"django: preview p50 {_percentile(times, 50):.1f} ms; match_preview() "
            f"{_percentile(service, 50):.1f} ms; rank(k=10) without explanations {_percentile(engine_ms, 50):.1f} ms; "
            f"the freshness check (corpus_signature, once per {settings.MATCHMAKER_INDEX_FRESHNESS_MS} ms window) "
            f"{_percentile(sig, 50):.1f} ms",
            file=sys.stderr,
        )
        return {"commit_to_match_s": commit_times, "preview_api_p50_ms": [_percentile(times, 50)]}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# --- report -----------------------------------------------------------------------------------


def _summary(values: Sequence[float]) -> dict[str, float]:
    clean = [v for v in values if v is not None and not math.isnan(v)]
    if not clean:
        return {"median": math.nan, "min": math.nan, "max": math.nan}
    return {"median": statistics.median(clean), "min": min(clean), "max": max(clean)}


def _fmt(s: dict[str, float]) -> str:
    if math.isnan(s["median"]):
        return "—"
    if s["min"] == s["max"]:
        return f"{s['median']:.3g}"
    return f"{s['median']:.3g} ({s['min']:.3g}–{s['max']:.3g})"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m matchmaker.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--outcomes", type=int, default=106000)
    parser.add_argument("--needs", type=int, default=1000)
    parser.add_argument("--corpus", type=Path, help="JSONL of {title, abstract} instead of the synthetic corpus")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-django", action="store_true", help="skip commit_to_match_s and preview_api_p50_ms")
    parser.add_argument("--no-baseline", action="store_true", help="skip the plain pipeline")
    parser.add_argument("--json", action="store_true", help="end with one JSON object on the last line")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    if args.corpus:
        outcomes, needs, qrels = file_corpus(args.corpus, args.outcomes, args.needs, args.seed)
    else:
        outcomes, needs, qrels = labelled_synthetic_corpus(args.outcomes, args.needs, args.seed)
    chars = [len(o.title) + len(o.abstract) for o in outcomes]
    print(
        f"corpus: {len(outcomes)} outcomes ({statistics.mean(chars):.0f} characters on average), {len(needs)} needs; "
        f"generated in {time.perf_counter() - started:.1f}s; {cores()} cores",
        file=sys.stderr,
    )
    warm_up()
    runs: dict[str, list[float]] = {key: [] for key in KEYS}
    base: dict[str, list[float]] = {key: [] for key in BASELINE_KEYS}
    quality: dict[str, float] = {}
    for r in range(args.repeat):
        figures, index, tokens = engine_run(outcomes, needs)
        if not quality:
            quality = ranking_quality(index, needs, qrels)
            print(
                "quality at this scale (abstention off): nDCG@10 {ndcg10:.4f} · Recall@20 {recall20:.4f} · "
                "MRR {mrr:.4f} over {queries} needs".format(**quality),
                file=sys.stderr,
            )
        del index
        for key, value in figures.items():
            runs[key].append(value)
        if not args.no_baseline:
            for key, value in baseline_run(outcomes, needs).items():
                base[key].append(value)
        print(f"run {r + 1}/{args.repeat} done at {time.perf_counter() - started:.0f}s", file=sys.stderr)
    if not args.no_django:
        for key, values in django_run(outcomes, tokens, needs, args.repeat).items():
            runs[key].extend(values)

    summary = {key: _summary(values) for key, values in runs.items()}
    base_summary = {key: _summary(values) for key, values in base.items()}
    print(f"{len(outcomes)} outcomes, {len(needs)} needs, {args.repeat} run(s): median (min–max)")
    print(f"{'':<24}{'engine':<28}{'plain pipeline':<28}ratio")
    for key in KEYS:
        line = f"{key:<24}{_fmt(summary[key]):<28}"
        if key in base_summary and not math.isnan(base_summary[key]["median"]):
            ratio = base_summary[key]["median"] / summary[key]["median"] if summary[key]["median"] else math.nan
            line += f"{_fmt(base_summary[key]):<28}{ratio:.1f}× faster"
        print(line)
    if args.json:

        def value(s: dict[str, float]) -> float | None:
            return None if math.isnan(s["median"]) else round(s["median"], 4)

        result: dict[str, Any] = {key: value(summary[key]) for key in KEYS}
        result["baseline"] = {key: value(base_summary[key]) for key in BASELINE_KEYS}
        result["quality"] = {key: round(v, 4) for key, v in quality.items()}
        print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
