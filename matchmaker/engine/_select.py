"""Choosing a query's candidate rows: the `m` best positive word scores among the live rows.

NumPy's `argpartition` over a 106,000-row score vector took about 1 ms a query — a fifth of the
whole query — for what one pass can decide: for positive float32 values the bit pattern, read as an
integer, orders like the value, so a histogram of its top 16 bits finds the bucket that holds the
m-th best score; a second pass collects the rows above that bucket, and only the rows inside it are
sorted. Ties at the cut go to the lower row number, so the choice is the same on every run
(`argpartition` left them to chance).

On a large index that histogram pass (one increment per row, mostly into the same few buckets, so
each waits for the last) was still 0.5 ms. Every eighth row now gives a floor instead: the bucket
holding about 1.5·m/8 of the sample's best. One pass keeps the rows at or above it (a compare per
row, rarely true), and the exact choice runs on those ~1.5·m rows. When the floor keeps fewer than m
rows the exact choice runs on all of them, so the result never changes (0.50 → 0.33 ms at 106,000
outcomes, the same rows for 300 needs). Within those rows, half the time went to sorting the
chosen row numbers (numba's np.sort) and to walking down from the top of the histogram; the rows
are now marked and read back in order, and the walk starts at the highest bucket in use (0.26 →
0.18 ms on a faster machine, the same rows for 300 needs).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._jit import compiled

_BUCKET_SHIFT = 16  # positive float32 bits >> 16: sign (0), exponent and 7 mantissa bits
_STRIDE = 8  # every how many rows the floor is sampled from


@compiled
def _exact_best(scores: Any, alive: Any, m: int) -> Any:
    bits = scores.view(np.int32)
    hist = np.zeros(1 << (31 - _BUCKET_SHIFT), dtype=np.int32)
    count = 0
    top = 0
    for i in range(scores.shape[0]):
        if alive[i] and scores[i] > 0:
            bucket = bits[i] >> _BUCKET_SHIFT
            hist[bucket] += 1
            top = max(top, bucket)
            count += 1
    if count <= m:
        out = np.empty(count, dtype=np.int64)
        k = 0
        for i in range(scores.shape[0]):
            if alive[i] and scores[i] > 0:
                out[k] = i
                k += 1
        return out
    # The walk down starts at the highest bucket in use: from the top of the histogram it crossed
    # some 16,000 empty buckets of scores above 1.
    cut = top
    above = 0
    while above + hist[cut] < m:
        above += hist[cut]
        cut -= 1
    marked = np.zeros(scores.shape[0], dtype=np.bool_)
    at_cut = np.empty(hist[cut], dtype=np.int64)
    t = 0
    for i in range(scores.shape[0]):
        if alive[i] and scores[i] > 0:
            bucket = bits[i] >> _BUCKET_SHIFT
            if bucket > cut:
                marked[i] = True
            elif bucket == cut:
                at_cut[t] = i
                t += 1
    # Within the bucket: best score first, the lower row first among equal scores (a stable sort of
    # rows already in ascending order).
    order = np.argsort(-scores[at_cut], kind="mergesort")
    for r in at_cut[order[: m - above]]:
        marked[r] = True
    # The chosen rows marked and read back in order: sorting them (numba's np.sort) was half the
    # cost of this choice among 3,000 rows.
    chosen = np.empty(m, dtype=np.int64)
    k = 0
    for i in range(scores.shape[0]):
        if marked[i]:
            chosen[k] = i
            k += 1
    return chosen


@compiled
def _best_positive(scores: Any, alive: Any, m: int) -> Any:
    n = scores.shape[0]
    if n < 4 * _STRIDE * m:
        return _exact_best(scores, alive, m)
    bits = scores.view(np.int32)
    hist = np.zeros(1 << (31 - _BUCKET_SHIFT), dtype=np.int32)
    for i in range(0, n, _STRIDE):
        if alive[i] and scores[i] > 0:
            hist[bits[i] >> _BUCKET_SHIFT] += 1
    want = (3 * m) // (2 * _STRIDE) + 8
    cut = hist.shape[0] - 1
    above = 0
    while cut > 0 and above + hist[cut] < want:
        above += hist[cut]
        cut -= 1
    floor = cut << _BUCKET_SHIFT
    kept = np.empty(n, dtype=np.int64)
    k = 0
    for i in range(n):
        if bits[i] >= floor and alive[i] and scores[i] > 0:
            kept[k] = i
            k += 1
    if k < m:  # the sample misjudged the floor: choose among all rows
        return _exact_best(scores, alive, m)
    # kept is ascending, so ties at the cut still go to the lower row.
    rows = kept[:k]
    return rows[_exact_best(scores[rows], np.ones(k, dtype=np.bool_), m)]


def best_rows(scores: Any, alive: Any, m: int) -> Any:
    """Ascending row numbers of the `m` highest positive `scores` among rows where `alive` is true
    (all of them when fewer qualify); ties at the cut go to the lower row. `scores` float32."""
    return _best_positive(np.ascontiguousarray(scores, dtype=np.float32), alive, m)
