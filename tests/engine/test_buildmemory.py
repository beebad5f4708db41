"""During a build, freed memory stays in the process's heap and the cycle collector waits; afterwards
both are as they were."""

import ctypes
import gc
import threading

import numpy as np
import pytest

from matchmaker.engine import _buildmemory


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _mapped_blocks() -> int:
    """How many blocks glibc has given a mapping of their own (mallinfo2().hblks)."""
    libc = ctypes.CDLL(None)
    libc.mallinfo2.restype = _MallInfo2
    return libc.mallinfo2().hblks


needs_glibc = pytest.mark.skipif(
    _buildmemory._libc is None or not hasattr(ctypes.CDLL(None), "mallinfo2"), reason="glibc 2.33+ only"
)

_BIG = 48 * 2**20  # above glibc's largest mmap threshold (32 MB): mapped on its own unless told not to


@needs_glibc
def test_a_big_array_gets_no_mapping_of_its_own_inside_a_build_and_does_again_after():
    before = _mapped_blocks()
    with _buildmemory.build_memory():
        inside = np.ones(_BIG, dtype=np.uint8)
        assert _mapped_blocks() == before
        del inside
    outside = np.ones(_BIG, dtype=np.uint8)
    assert _mapped_blocks() == before + 1
    del outside


@needs_glibc
def test_builds_on_two_threads_share_one_period_and_the_last_to_leave_ends_it():
    first_in, second_done = threading.Event(), threading.Event()
    before = _mapped_blocks()
    seen = []

    def second() -> None:
        first_in.wait()
        with _buildmemory.build_memory():
            pass
        second_done.set()

    thread = threading.Thread(target=second)
    thread.start()
    with _buildmemory.build_memory():
        first_in.set()
        second_done.wait()
        # The other build has left; this one is still running.
        block = np.ones(_BIG, dtype=np.uint8)
        seen.append(_mapped_blocks() - before)
        del block
    thread.join()
    assert seen == [0]
    assert _buildmemory._depth == 0


def test_a_build_that_raises_ends_its_period():
    with pytest.raises(RuntimeError), _buildmemory.build_memory():
        raise RuntimeError("build failed")
    assert _buildmemory._depth == 0


def test_the_cycle_collector_waits_during_a_build_and_comes_back_as_it_was():
    assert gc.isenabled()
    with _buildmemory.build_memory():
        assert not gc.isenabled()
        with _buildmemory.build_memory():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with _buildmemory.build_memory():
            pass
        assert not gc.isenabled()  # it was off before: a build does not turn it on
    finally:
        gc.enable()
