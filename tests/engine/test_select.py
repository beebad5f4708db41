"""The candidate choice: the m best positive scores of the live rows, ties to the lower row."""

from __future__ import annotations

import numpy as np
import pytest

from matchmaker.engine._select import best_rows


def _expected(scores: np.ndarray, alive: np.ndarray, m: int) -> np.ndarray:
    rows = [i for i in range(len(scores)) if alive[i] and scores[i] > 0]
    rows.sort(key=lambda i: (-scores[i], i))
    return np.array(sorted(rows[:m]), dtype=np.int64)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("m", [1, 7, 500, 5000])
def test_best_rows_match_a_full_sort(seed: int, m: int) -> None:
    rng = np.random.default_rng(seed)
    n = 20000
    # Cosine-like scores with many zeros, a few large values, and repeated values to make ties.
    scores = np.where(rng.random(n) < 0.3, 0.0, rng.random(n) ** 3).astype(np.float32)
    scores[rng.integers(0, n, 200)] = np.float32(0.25)
    alive = rng.random(n) > 0.05
    np.testing.assert_array_equal(best_rows(scores, alive, m), _expected(scores, alive, m))


def test_ties_at_the_cut_go_to_the_lower_rows() -> None:
    scores = np.array([0.5, 0.2, 0.2, 0.9, 0.2, 0.0, 0.2], dtype=np.float32)
    alive = np.ones(len(scores), dtype=bool)
    assert best_rows(scores, alive, 3).tolist() == [0, 1, 3]


def test_removed_rows_zero_and_negative_scores_are_never_chosen() -> None:
    scores = np.array([0.9, 0.0, -0.5, 0.4, 0.8], dtype=np.float32)
    alive = np.array([False, True, True, True, True])
    assert best_rows(scores, alive, 10).tolist() == [3, 4]
    assert best_rows(scores, alive, 1).tolist() == [4]
    assert best_rows(np.zeros(4, dtype=np.float32), np.ones(4, dtype=bool), 2).tolist() == []


def test_a_floor_misjudged_by_the_sample_still_gives_the_best_rows() -> None:
    # The sampled rows (every eighth) hold a few top scores and nothing between them and the rest,
    # so the floor keeps fewer than m rows: the choice falls back to all of them.
    n, m = 40000, 50
    scores = np.full(n, 0.5, dtype=np.float32)
    scores[np.arange(0, 160, 8)] = 1.0
    scores[np.arange(1, 400, 8)] = 0.75  # unsampled rows between the floor and the rest
    alive = np.ones(n, dtype=bool)
    np.testing.assert_array_equal(best_rows(scores, alive, m), _expected(scores, alive, m))


def test_ties_across_the_sampled_floor_go_to_the_lower_rows() -> None:
    n, m = 40000, 100
    scores = np.full(n, 0.3, dtype=np.float32)  # every row ties: the m lowest rows win
    scores[n - 10 :] = 0.9
    alive = np.ones(n, dtype=bool)
    alive[:5] = False
    chosen = best_rows(scores, alive, m)
    assert chosen.tolist() == [*range(5, 5 + m - 10), *range(n - 10, n)]
