"""Every weight and threshold of the matcher, with the reason for its value."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import astuple, dataclass, fields, replace
from typing import Any


@dataclass(frozen=True)
class MatchSettings:
    """Weights and thresholds; see matchmaker/engine/README.md for how they were chosen."""

    # --- text representation -------------------------------------------------------------------
    # Field boosts: how many times the candidate's title / keywords and the query's title count
    # (under sublinear tf, and in the character n-grams). 1 means no boost. Boosting titles is the
    # textbook move, but on the dev bench it cost 0.005 nDCG need→outcome and 0.025 outcome→need
    # (2/2/2 and 2/1/2 against 1/1/1): need titles are plant-floor symptoms and outcome keywords
    # academic jargon, so repeating either widens the vocabulary gap instead of naming the topic.
    title_boost: int = 1
    keyword_boost: int = 1
    query_title_boost: int = 1

    # Character unigrams and bigrams, the classic pairing for Chinese retrieval: bigrams catch
    # two-character words jieba splits differently, unigrams give partial credit across variants.
    # Measured on the dev bench: (1, 2) beat (2,), (2, 3), (1, 2, 3) and (2, 3, 4).
    char_ngram_sizes: tuple[int, ...] = (1, 2)

    # --- text relevance -------------------------------------------------------------------------
    # Word TF-IDF is precise when the dictionary knows the terms; character n-grams catch the terms
    # it does not know. Dev bench (nDCG@10 need→outcome / outcome→need): words only 0.738 / 0.796,
    # characters only 0.745 / 0.830, 0.6/0.4 0.741 / 0.850; 0.5/0.5 and 0.7/0.3 within 0.01.
    word_weight: float = 0.6
    char_weight: float = 0.4
    # Related terms (problem → technique, from related.tsv) are a guess about what the query means,
    # so they enter the query vector at a fraction of the source term's weight. Dev bench: off
    # costs 0.013 nDCG need→outcome; 0.2 to 0.5 are within 0.005 of each other.
    related_weight: float = 0.35

    # Latent semantic analysis over the candidates' own word and character vectors: terms that keep
    # company in the corpus (a symptom and the technique that cures it) pull together, which bridges
    # part of the plant-floor / academic vocabulary gap. Blended into the text score at `lsa_weight`.
    # One latent dimension per `lsa_docs_per_dim` candidates, at most `lsa_dims`: too many dimensions
    # turn LSA back into plain TF-IDF, too few blur neighbouring topics. On the dev bench (210
    # outcomes) 50 dimensions (≈ n/4) beat 30 and 80, and weight 0.3 beat 0.1 and 0.2 (LSA off:
    # nDCG 0.682 instead of 0.741); the cap keeps a 100 000-outcome build under two minutes. Below
    # `lsa_min_dims` topics blur together (15 dimensions on the 60 dev needs cost 0.03 nDCG).
    # At scale the cap bounds build time and memory (one float32 row of `lsa_dims` per candidate):
    # 128 instead of the former 300 took a 100 000-outcome build from minutes to seconds; indexes
    # under 512 candidates (the dev bench: 52 dimensions) are unaffected.
    lsa_dims: int = 128
    lsa_min_dims: int = 50
    lsa_docs_per_dim: int = 4
    lsa_weight: float = 0.3
    # On fewer candidates than this there are too few documents per topic for latent topics to be
    # more than noise; plain TF-IDF is used alone (and the topic abstention rule is skipped).
    lsa_min_docs: int = 100
    # Larger indexes fit the SVD on an evenly spread sample of this many rows and project the rest
    # (identical below it). The fit's products scale with the sample. With the dev outcomes among
    # 106,000 synthetic distractors, need→outcome nDCG@10 / Recall@20 / MRR for 5,000 / 10,000 /
    # 15,000 / 20,000 rows: 0.524 / 0.667 / 0.743, 0.550 / 0.686 / 0.781, 0.525 / 0.704 / 0.729,
    # 0.528 / 0.695 / 0.735 — which sample is drawn moves them more than its size. On the bench's
    # own judgements 10,000 against 20,000: 0.8197 / 0.3765 / 0.8939 against 0.8188 / 0.3750 /
    # 0.8966. 10,000 took a 106,000-outcome build from stored tokens 14.4 → 13.0 s (medians of 3).
    lsa_fit_sample: int = 10000
    # Power iterations of the randomized SVD (scikit-learn's default for TruncatedSVD: 5); each
    # costs two products of the sample with a block of `lsa_dims` + 10 columns (about half a second at
    # 106,000 outcomes). Fewer blur the weaker topics: dev bench need→outcome nDCG@10 0.742 with 5,
    # 0.736 with 4, 0.730 with 3, 0.727 with 2 (orphans abstained 83 % → 72–78 %).
    lsa_power_iterations: int = 5
    # Rows scored in full (character n-grams, LSA, structured fit) per query. An index this small is
    # scored whole, as before; on a larger one, the rows that share the most words with the query
    # (found through the term → row postings). Rows sharing no word with the query were never
    # proposed on the dev bench (every answerable need shares three or more). The dev bench is
    # smaller than the pool, so the pool is judged with its outcomes hidden among distractors
    # (`python -m matchmaker.evaluate ../shared/bench/dev --distractors 106000 --set candidate_pool=N`):
    # need→outcome nDCG@10 0.524 with 500, 0.528 with 2,000, but answerable needs wrongly abstained
    # 33 % against 20 %, because the topic rule looks at the pool's nearest rows in LSA space and a
    # smaller pool holds fewer of them. (Before queries were projected through the stored components
    # the pool mattered for ranking too, 0.280 with 500 against 0.319 with 2,000: docs/scaling.md.)
    # Every 500 rows more cost about 0.5 ms a query at 106,000 outcomes.
    candidate_pool: int = 2000
    # Of the pool, only the rows whose word and LSA scores together are highest get character
    # scores (the rest count 0 there). Character rows were most of a query's time, and the rows
    # that reach the top 20 are among the best by words and topic anyway: with the dev outcomes
    # among 106,000 synthetic distractors or 5,000 ChinaXiv abstracts, 2,000 / 500 / 300 (and 150
    # among ChinaXiv) give the same nDCG@10, Recall@20, MRR and abstentions to three decimals; 50
    # costs Recall@20 (0.890 → 0.879 among ChinaXiv). 150 among the 106,000 as well (0.550 / 0.686
    # / 0.781, 50 % / 20 %, as with 300), and on the dev bench itself, whose 210 outcomes it now
    # narrows (0.742 / 0.996 / 0.821): a query 0.9 of its time against 300. The LSA scores still
    # cover the whole pool: the topic rule of abstention needs its nearest rows.
    char_pool: int = 150

    # --- structured fit -------------------------------------------------------------------------
    # Each part is in [-1, 1] (0 when a value is missing, so missing is neutral) and multiplies the
    # text score by (1 + weight * part): an irrelevant candidate stays irrelevant however well its
    # TRL or price fits, and the whole structured fit moves a score by at most ±15 %.
    industry_weight: float = 0.05
    trl_weight: float = 0.05
    price_weight: float = 0.03
    region_weight: float = 0.02
    # A different industry chain is weak evidence against a pairing, because technology transfer
    # often crosses chains (a photonics process for a car-parts maker).
    industry_mismatch: float = -0.5
    # An asking price up to this multiple of the budget is still negotiable.
    price_tolerance: float = 1.5

    # --- abstention -----------------------------------------------------------------------------
    # rank() abstains when no candidate shares a word with the query, or when any rule below fires
    # (Ranking.signals holds the values). Thresholds were calibrated with
    #   python -m matchmaker.evaluate ../shared/bench/dev --calibrate 0.08
    # which picks the thresholds that abstain on the most orphans while wrongly abstaining on at most
    # 8 % of answerable needs (a margin under the 10 % target), and checks them by leave-one-out.
    # They are cosines in this index's LSA space, so they depend on the corpus: check them on the
    # library they serve (`--distractors`: among 5,000 other abstracts they wrongly abstain on 3 %
    # of answerable needs, among 106,000 synthetic ones on 20 %; matchmaker/engine/README.md,
    # Abstention). min_topic_score went 0.527 → 0.528 when queries came to be projected through
    # the stored components (same calibration: 83 % of orphans, 5 % of answerable needs).
    #
    # One word in common is a coincidence (优化, 成本), not a match: at least this many distinct words
    # of two or more characters, related terms included, must be shared with one of the best
    # candidates. Not calibrated but set a priori: every answerable dev need shares three or more.
    min_shared_terms: int = 2
    # Best text score: no floor; calibration found no gain above 0.
    min_score: float = 0.0
    # Topic density, the mean LSA cosine of the `topic_neighbours` nearest candidates. An answerable
    # need sits among the outcome that solves it and those that partly help; an orphan has at most a
    # stray look-alike, so the mean over five neighbours separates them where the best score alone
    # cannot (on the dev bench a threshold on the best score alone caught 33–44 % of orphans at the
    # same cost; the best LSA cosine alone 50–56 %, the mean of five 72 %).
    topic_neighbours: int = 5
    min_topic_score: float = 0.528
    # On an index too small for LSA (fewer than `lsa_min_docs` candidates) the topic rule cannot run;
    # the best word + character score stands in for it. Calibrated the same way with LSA switched
    # off (`--set lsa_weight=0 --calibrate 0.08`): 44 % of orphans at 5 % of answerable needs, which
    # is why the topic rule is preferred wherever the index is large enough. Cosines run higher on
    # small corpora (idf is compressed), so on the small indexes that use it the threshold is lenient.
    min_lexical_score: float = 0.095
    # Core coverage: the share of the weight of the query's `core_terms` heaviest terms found, in any
    # spelling or through a related term, in the `coverage_depth` best candidates. Look-alikes share
    # a need's setting (its material, its machine) but not its problem, so they cover little of the
    # core. Plant-floor wording also lowers coverage for answerable needs, so the threshold is low.
    core_terms: int = 6
    coverage_depth: int = 3
    min_core_coverage: float = 0.067
    # Calibrated together (dev bench, 60 answerable needs, 18 orphans): 83 % of orphans abstained,
    # 5 % of answerable needs wrongly; leave-one-out 78 % / 5 %.

    # --- explanation ----------------------------------------------------------------------------
    explain_terms: int = 8

    def digest(self) -> str:
        """A fingerprint of every value: an index built under other settings is another index."""
        return hashlib.sha256(repr(astuple(self)).encode()).hexdigest()[:16]


def settings_with(overrides: Mapping[str, Any], base: MatchSettings | None = None) -> MatchSettings:
    """`base` (the defaults) with the fields named in `overrides` replaced.

    Values are as JSON gives them. Raises ValueError naming the field for an unknown name or a
    value of the wrong kind, so a deployment's typo stops it at start-up instead of matching
    quietly with the default.
    """
    base = base or MatchSettings()
    known = {f.name for f in fields(MatchSettings)}
    changes = {}
    for name, value in overrides.items():
        if name not in known:
            raise ValueError(f"unknown matching setting {name!r}; known: {', '.join(sorted(known))}")
        changes[name] = _checked(name, value, getattr(base, name))
    return replace(base, **changes)


def _checked(name: str, value: Any, default: Any) -> Any:
    # Counts and sizes below 1 would empty the index's parts; thresholds (min_*) may be 0 (off).
    least = 0 if name.startswith("min_") else 1
    if isinstance(default, tuple):
        if not isinstance(value, list | tuple) or not value or any(type(v) is not int or v < 1 for v in value):
            raise ValueError(f"{name} must be a list of positive integers, got {value!r}")
        return tuple(value)
    if isinstance(default, int):
        if type(value) is not int or value < least:
            raise ValueError(f"{name} must be an integer ≥ {least}, got {value!r}")
        return value
    if type(value) not in (int, float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a number, got {value!r}")
    return float(value)
