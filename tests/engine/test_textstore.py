"""The compressed store of candidate texts gives back every row exactly, across blocks and pickling."""

import pickle

import pytest

from matchmaker.engine._textstore import BLOCK_ROWS, TextStore


def _row(i: int) -> tuple[str, str, str]:
    return (f"標題{i}", f"摘要 abstract {i} " + "碳化硅" * (i % 5), f"关键词{i}" if i % 3 else "")


def test_rows_come_back_exactly_in_full_blocks_and_in_the_tail():
    n = BLOCK_ROWS * 3 + 2
    store = TextStore(_row(i) for i in range(n))
    assert len(store) == n
    assert [store[i] for i in range(n)] == [_row(i) for i in range(n)]


def test_rows_are_stored_compressed():
    store = TextStore(_row(i) for i in range(BLOCK_ROWS * 20))
    plain = len(pickle.dumps([_row(i) for i in range(BLOCK_ROWS * 20)]))
    assert len(pickle.dumps(store)) < plain * 0.6


def test_a_pickled_store_reads_the_same_and_keeps_growing():
    store = TextStore(_row(i) for i in range(BLOCK_ROWS + 3))
    copy = pickle.loads(pickle.dumps(store))
    assert [copy[i] for i in range(len(store))] == [store[i] for i in range(len(store))]
    copy.extend(_row(i) for i in range(BLOCK_ROWS + 3, BLOCK_ROWS * 4))
    assert [copy[i] for i in range(len(copy))] == [_row(i) for i in range(BLOCK_ROWS * 4)]


@pytest.mark.parametrize("i", [-1, BLOCK_ROWS + 1])
def test_out_of_range_is_an_index_error(i):
    store = TextStore(_row(j) for j in range(BLOCK_ROWS + 1))
    with pytest.raises(IndexError):
        store[i]


def test_a_large_extend_after_single_rows_keeps_every_row_in_order():
    store = TextStore()
    for i in range(3):
        store.append(_row(i))
    n = BLOCK_ROWS * 1100 + 5  # several batches of blocks compressed in parallel, then a tail
    store.extend(_row(i) for i in range(3, 3 + n))
    assert len(store) == 3 + n
    assert all(store[i] == _row(i) for i in range(0, 3 + n, 97))
    assert store[2 + n] == _row(2 + n)
