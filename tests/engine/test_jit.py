"""The compiled loops work where numba cannot write its cache, too; the helpers built on them."""

import numba
import numpy as np
import pytest

from matchmaker.engine import _jit
from matchmaker.engine._jit import take


def _add_one(values):
    out = np.empty_like(values)
    for i in range(values.shape[0]):
        out[i] = values[i] + 1
    return out


@pytest.mark.parametrize("decorator", ["compiled", "compiled_sums"])
def test_a_loop_compiles_without_a_writable_cache(monkeypatch, decorator):
    real = numba.njit
    asked = []

    def no_cache_location(*args, **kwargs):
        asked.append(kwargs.get("cache", False))
        if kwargs.get("cache"):
            raise RuntimeError("cannot cache function '_add_one': no locator available for file 'x.py'")
        return real(*args, **kwargs)

    monkeypatch.setattr(_jit.numba, "njit", no_cache_location)
    add_one = getattr(_jit, decorator)(_add_one)
    assert asked == [True, False]  # tried the cache first, then compiled without it
    assert add_one(np.array([1, 2], dtype=np.int64)).tolist() == [2, 3]


def _halves_sum(values):
    first, second = _jit.in_two_halves(lambda part: part.sum(), values)
    return [int(first), int(second)]


def test_in_two_halves_works_again_in_a_forked_child():
    import multiprocessing

    values = np.arange(10)
    assert _halves_sum(values) == [10, 35]  # the helper thread now exists in this process
    # A forked child has no helper thread: without a new one, its submit would wait forever.
    with multiprocessing.get_context("fork").Pool(1) as pool:
        assert pool.apply_async(_halves_sum, (values,)).get(timeout=30) == [10, 35]


def test_cores_counts_the_cores_this_process_may_use(monkeypatch):
    monkeypatch.setattr(_jit.os, "sched_getaffinity", lambda pid: {0, 2, 5}, raising=False)
    monkeypatch.setattr(_jit.os, "cpu_count", lambda: 64)
    assert _jit.cores() == 3  # pinned to three of the machine's 64
    monkeypatch.delattr(_jit.os, "sched_getaffinity")
    assert _jit.cores() == 64  # where affinity is unknown (not Linux)


@pytest.mark.parametrize("n", [10, 250_000], ids=["one core", "every core"])
def test_take_gathers_as_numpy_does_also_in_place(n: int) -> None:
    rng = np.random.default_rng(0)
    table = rng.permutation(5000).astype(np.int32)
    indices = rng.integers(0, 5000, n).astype(np.int32)
    expected = table[indices]
    np.testing.assert_array_equal(take(table, indices), expected)
    take(table, indices, out=indices)
    np.testing.assert_array_equal(indices, expected)
