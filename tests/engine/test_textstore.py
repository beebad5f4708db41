"""The compressed store of candidate texts gives back every row exactly, across pickling and threads."""

import pickle
from concurrent.futures import ThreadPoolExecutor

import pytest

from matchmaker.engine._textstore import _MIN_TRAINING_ROWS, TextStore

_ABSTRACT = (
    "针对高温环境下功率模块焊接层易疲劳失效的问题，本项目提出一种纳米银烧结互连工艺，"
    "在二百五十摄氏度下实现低孔隙率连接，剪切强度提高百分之四十，热循环寿命延长三倍以上，"
    "已在新能源汽车电机控制器中完成样件验证。"
)


def _row(i: int) -> tuple[str, str, str]:
    # Traditional and Simplified script, Latin words, a newline inside a body, a character outside
    # the Basic Multilingual Plane, and rows without keywords.
    body = f"摘要 abstract {i}\n第二行 " + "碳化硅" * (i % 5) + ("𠀋" if i % 7 == 0 else "") + _ABSTRACT[i % 40 :]
    return (f"標題{i}", body, f"关键词{i}" if i % 3 else "")


def test_rows_come_back_exactly_without_a_dictionary():
    store = TextStore(_row(i) for i in range(20))
    assert store._dictionary is None  # too few rows to train on
    assert len(store) == 20
    assert [store[i] for i in range(20)] == [_row(i) for i in range(20)]


def test_a_large_library_is_compressed_with_a_trained_dictionary():
    n = _MIN_TRAINING_ROWS * 4
    rows = [_row(i) for i in range(n)]
    store = TextStore(rows)
    assert store._dictionary is not None
    assert [store[i] for i in range(n)] == rows
    plain = sum(len("".join(row).encode()) for row in rows)
    assert sum(map(len, store._rows)) < plain * 0.25
    without = TextStore(rows[: _MIN_TRAINING_ROWS - 1])
    per_row = sum(map(len, store._rows[: len(without)])) / len(without)
    assert per_row < 0.6 * sum(map(len, without._rows)) / len(without)


def test_a_pickled_store_reads_the_same_and_keeps_growing_with_its_dictionary():
    n = _MIN_TRAINING_ROWS + 3
    store = TextStore(_row(i) for i in range(n))
    copy = pickle.loads(pickle.dumps(store))
    assert copy._dictionary == store._dictionary is not None
    assert [copy[i] for i in range(n)] == [store[i] for i in range(n)]
    copy.extend(_row(i) for i in range(n, n + 50))
    copy.append(_row(n + 50))
    assert [copy[i] for i in range(len(copy))] == [_row(i) for i in range(n + 51)]
    assert copy._dictionary == store._dictionary  # rows already stored need the same one


@pytest.mark.parametrize("i", [-1, 4])
def test_out_of_range_is_an_index_error(i):
    store = TextStore(_row(j) for j in range(4))
    with pytest.raises(IndexError):
        store[i]


def test_a_large_extend_after_single_rows_keeps_every_row_in_order():
    store = TextStore()
    for i in range(3):
        store.append(_row(i))
    n = 20000  # several batches compressed in parallel
    store.extend(_row(i) for i in range(3, 3 + n))
    assert len(store) == 3 + n
    assert all(store[i] == _row(i) for i in range(0, 3 + n, 97))
    assert store[2 + n] == _row(2 + n)


def test_rows_read_on_several_threads_at_once_come_back_exactly():
    n = _MIN_TRAINING_ROWS * 2
    store = TextStore(_row(i) for i in range(n))
    with ThreadPoolExecutor(max_workers=4) as pool:
        read = list(pool.map(store.__getitem__, list(range(n)) * 3))
    assert read == [_row(i) for i in range(n)] * 3
