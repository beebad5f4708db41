"""The engine's compiled loops: their decorator (numba, cached on disk where a cache can be written)
and the runner that spreads one over row ranges on every core.

numba keeps compiled loops beside the module (``__pycache__``) or in the user's cache directory
(``NUMBA_CACHE_DIR`` moves it), so a process loads them in milliseconds instead of compiling them
for about a second. When neither place is writable (a read-only install without a home directory),
``cache=True`` refuses to decorate at import; the loops are then compiled in each process instead.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import numba
import numpy as np

F = TypeVar("F", bound=Callable[..., Any])


def _njit(fn: F, fastmath: bool | set[str]) -> F:
    try:
        return numba.njit(cache=True, nogil=True, fastmath=fastmath)(fn)  # type: ignore[return-value]
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return numba.njit(nogil=True, fastmath=fastmath)(fn)  # type: ignore[return-value]


def compiled(fn: F) -> F:
    """`fn` compiled to machine code, releasing the GIL while it runs."""
    return _njit(fn, fastmath=False)


def compiled_sums(fn: F) -> F:
    """`compiled`, free to reorder float sums so that a dot product runs on vector instructions:
    the last bits of a sum may differ from a sequential loop's (or BLAS's)."""
    return _njit(fn, fastmath={"reassoc", "contract"})


def cores() -> int:
    """Cores this process may run on: a worker pinned to some of the machine's cores (taskset, a
    container's cpuset) should not start a thread for each of the others."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def on_every_core(block: Callable[[tuple[int, int]], Any], rows: int, threads: int | None = None) -> None:
    """Call ``block((start, stop))`` over row ranges of `rows` on every core (the loops release the
    GIL); more ranges than threads, because rows differ in length and equal counts are not equal work."""
    threads = threads or cores()
    bounds = np.linspace(0, rows, 4 * threads + 1).astype(np.int64).tolist()
    if threads <= 1:
        block((0, rows))
        return
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(block, itertools.pairwise(bounds)))


def rows_times_dense(
    kernel: Callable[..., None], matrix: Any, dense: Any, dtype: Any, threads: int | None = None
) -> Any:
    """The product of the CSR `matrix` with `dense` by a compiled `kernel(indptr, indices, data,
    dense, out, start, stop)` that adds rows start:stop into `out` (zeros of `dtype`), in row ranges
    on every core; fewer than 1,000 rows (an outcome just saved) on the calling thread."""
    n = matrix.shape[0]
    out = np.zeros((n, dense.shape[1]), dtype=dtype)

    def block(ab: tuple[int, int]) -> None:
        kernel(matrix.indptr, matrix.indices, matrix.data, dense, out[ab[0] : ab[1]], ab[0], ab[1])

    on_every_core(block, n, 1 if n < 1000 else threads)
    return out


_helper: ThreadPoolExecutor | None = None
_helper_lock = threading.Lock()


def _forget_helper() -> None:
    global _helper
    _helper = None  # its thread did not survive the fork (a Celery prefork child, the bench's pool)


os.register_at_fork(after_in_child=_forget_helper)


def in_two_halves(block: Callable[[Any], Any], items: Any) -> tuple[Any, Any]:
    """``(block(first half), block(second half))``, the second half on a helper thread kept for the
    process: for one query's compiled loop over enough rows to pay for the hand-off (~20 µs)."""
    global _helper
    with _helper_lock:
        if _helper is None:
            _helper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="matchmaker-half")
        helper = _helper
    half = len(items) // 2
    later = helper.submit(block, items[half:])
    return block(items[:half]), later.result()


# Below this many indices one core gathers them sooner than threads are handed the work.
_TAKE_ALONE = 100_000


@compiled
def _take(table: Any, indices: Any, out: Any, start: int, stop: int) -> None:
    for i in range(start, stop):
        out[i] = table[indices[i]]


def take(table: Any, indices: Any, out: Any = None) -> Any:
    """``table[indices]`` on every core, into `out` (which may be `indices` itself). NumPy first
    copies int32 indices to int64 (266 MB for the 33 million character n-grams at 106,000
    outcomes) and gathers on one core: 0.5 s of a build, twice."""
    if out is None:
        out = np.empty(len(indices), dtype=table.dtype)
    n = len(indices)
    on_every_core(lambda rows: _take(table, indices, out, *rows), n, 1 if n < _TAKE_ALONE else None)
    return out
