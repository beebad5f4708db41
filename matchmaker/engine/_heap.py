"""Keep a build's freed memory in the process until the build ends (glibc only).

A full build at 106,000 outcomes makes and drops a few dozen arrays of 30–300 MB one after
another. glibc gives each block above its mmap threshold (at most 32 MB) its own mapping and
returns it to the kernel when it is freed, so the next array of that size starts on fresh pages,
each zeroed and faulted in again. On the virtual machines this platform runs on, whose guest hands
free pages back to its host, that came to a third of the build's CPU time in the kernel (sys 1.6–
3.4 s of 8–10 s) and the same float64 copy of the LSA range took 275 ms inside a build against
10 ms alone. With the mappings off (``M_MMAP_MAX`` 0) for the length of a build, a dropped array
stays in the heap for the next one; ``malloc_trim`` then hands the free pages back once the build
is done, so a worker's memory after a build is what it was without this.

Elsewhere (macOS, musl, Windows) `build_heap` does nothing.
"""

from __future__ import annotations

import ctypes
import platform
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_M_MMAP_MAX = -4
_GLIBC_MMAP_MAX = 65536  # glibc's default: how many blocks may have their own mapping

_lock = threading.Lock()
_depth = 0


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
def build_heap() -> Iterator[None]:
    """Within this block, freed memory stays in the heap for reuse; on leaving the outermost one it
    is returned to the system. Builds on several threads at once share one such period."""
    global _depth
    if _libc is None:
        yield
        return
    with _lock:
        _depth += 1
        if _depth == 1:
            _libc.mallopt(_M_MMAP_MAX, 0)
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                _libc.mallopt(_M_MMAP_MAX, _GLIBC_MMAP_MAX)
                _libc.malloc_trim(0)
