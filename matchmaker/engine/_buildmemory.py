"""How a build uses memory: its freed memory kept in the process until it ends (glibc only), and
the cycle collector paused while it runs.

A full build at 106,000 outcomes makes and drops a few dozen arrays of 30–300 MB one after
another. glibc gives each block above its mmap threshold (at most 32 MB) its own mapping and
returns it to the kernel when it is freed, so the next array of that size starts on fresh pages,
each zeroed and faulted in again. On the virtual machines this platform runs on, whose guest hands
free pages back to its host, that came to a third of the build's CPU time in the kernel (sys 1.6–
3.4 s of 8–10 s) and the same float64 copy of the LSA range took 275 ms inside a build against
10 ms alone. With the mappings off (``M_MMAP_MAX`` 0) for the length of a build, a dropped array
stays in the heap for the next one; ``malloc_trim`` then hands the free pages back once the build
is done, so a worker's memory after a build is what it was without this.

Elsewhere (macOS, musl, Windows) the heap is left alone.

The build makes some hundreds of thousands of tuples and lists (a row's texts, fields, tokens), so the
cycle collector ran some 800 times during one and, in a process that holds a library's worth of
objects (a worker that read every outcome from the database; the benchmark), made one or two full
passes over all of them: 0.2–0.4 s of a 5 s build. Nothing a build makes forms a reference cycle
worth collecting during it; the collector is back on (if it was on) once the last build ends.
"""

from __future__ import annotations

import ctypes
import gc
import platform
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_M_MMAP_MAX = -4
_GLIBC_MMAP_MAX = 65536  # glibc's default: how many blocks may have their own mapping

_lock = threading.Lock()
_depth = 0
_collector_was_on = False


def _glibc() -> Any:
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        libc = ctypes.CDLL(None)
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


_libc = _glibc()


@contextmanager
def build_memory() -> Iterator[None]:
    """Within this block freed memory stays in the heap for reuse and the cycle collector waits; on
    leaving the outermost one the memory is returned to the system and the collector is back as it
    was. Builds on several threads at once share one such period."""
    global _depth, _collector_was_on
    with _lock:
        _depth += 1
        if _depth == 1:
            _collector_was_on = gc.isenabled()
            gc.disable()
            if _libc is not None:
                _libc.mallopt(_M_MMAP_MAX, 0)
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                if _libc is not None:
                    _libc.mallopt(_M_MMAP_MAX, _GLIBC_MMAP_MAX)
                    _libc.malloc_trim(0)
                if _collector_was_on:
                    gc.enable()
