"""The decorator of the engine's compiled loops: numba, cached on disk where a cache can be written.

numba keeps compiled loops beside the module (``__pycache__``) or in the user's cache directory
(``NUMBA_CACHE_DIR`` moves it), so a process loads them in milliseconds instead of compiling them
for about a second. When neither place is writable (a read-only install without a home directory),
``cache=True`` refuses to decorate at import; the loops are then compiled in each process instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numba

F = TypeVar("F", bound=Callable[..., Any])


def compiled(fn: F) -> F:
    """`fn` compiled to machine code, releasing the GIL while it runs."""
    try:
        return numba.njit(cache=True, nogil=True)(fn)  # type: ignore[return-value]
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return numba.njit(nogil=True)(fn)  # type: ignore[return-value]
