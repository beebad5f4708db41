"""Candidate texts kept compressed: an index needs them only for the few rows it explains.

The index stores each row's title, body and keywords already normalised (`_index._normalized_fields`).

At 106,000 outcomes the titles and abstracts held as Python strings were a fifth of the index
(98 MB of 454). A query reads the texts of its three best candidates (core coverage) and, when
asked, of the proposals it explains; everything else only sits in memory and in the artifact.
Rows are packed eight to a zlib block (fastest level): 0.37 of the plain size on the synthetic
benchmark corpus and 0.49 on real ChinaXiv abstracts, for about 30–90 µs to unpack a block.
Larger blocks compress better but cost a query more to unpack (measured at level 6: 16 rows 0.31 / 130 µs,
64 rows 0.26 / 450 µs).
"""

from __future__ import annotations

import pickle
import threading
import zlib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from ._jit import cores

Row = tuple[str, str, str]  # title, body, keywords

BLOCK_ROWS = 8
# Recently unpacked blocks stay unpacked: the explanations of a ranking re-read the rows its
# coverage signal just read.
_CACHED_BLOCKS = 64
# zlib's fastest level: at 106,000 outcomes 0.37 of the plain size against 0.35 at the default
# level 6 (+2 MB; ChinaXiv 0.49 / 0.47), compressed in 0.96 s instead of 1.46 s of CPU, and
# unpacked a little faster.
_LEVEL = 1
# Blocks compressed per task when many rows arrive at once.
_BATCH_BLOCKS = 512


def _pack(rows: list[Row]) -> bytes:
    return pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL)


class TextStore:
    """An append-only sequence of (title, body, keywords) rows, stored in compressed blocks."""

    def __init__(self, rows: Iterable[Row] = ()) -> None:
        self._blocks: list[bytes] = []
        self._tail: list[Row] = []  # rows of the block being filled, not yet compressed
        self._init_cache()
        self.extend(rows)

    def _init_cache(self) -> None:
        self._cache: dict[int, list[Row]] = {}
        self._cache_lock = threading.Lock()

    def __getstate__(self) -> dict[str, object]:
        return {"blocks": self._blocks, "tail": self._tail}

    def __setstate__(self, state: dict[str, object]) -> None:
        self._blocks = state["blocks"]  # type: ignore[assignment]
        self._tail = state["tail"]  # type: ignore[assignment]
        self._init_cache()

    def __len__(self) -> int:
        return len(self._blocks) * BLOCK_ROWS + len(self._tail)

    def append(self, row: Row) -> None:
        self._tail.append(row)
        if len(self._tail) == BLOCK_ROWS:
            self._blocks.append(zlib.compress(_pack(self._tail), _LEVEL))
            self._tail = []

    def extend(self, rows: Iterable[Row]) -> None:
        rows = list(rows)
        head = -len(self._tail) % BLOCK_ROWS  # the rows that complete the open block
        for row in rows[:head]:
            self.append(row)
        rest = rows[head:]
        whole = len(rest) - len(rest) % BLOCK_ROWS
        packed = [_pack(rest[i : i + BLOCK_ROWS]) for i in range(0, whole, BLOCK_ROWS)]
        # zlib releases the GIL: whole blocks are compressed on every core (packing 106,000
        # abstracts took 2 s of an index build on one).
        batches = [packed[i : i + _BATCH_BLOCKS] for i in range(0, len(packed), _BATCH_BLOCKS)]
        if batches:
            with ThreadPoolExecutor(max_workers=cores()) as pool:
                for compressed in pool.map(lambda batch: [zlib.compress(b, _LEVEL) for b in batch], batches):
                    self._blocks.extend(compressed)
        for row in rest[whole:]:
            self.append(row)

    def __getitem__(self, i: int) -> Row:
        if not 0 <= i < len(self):
            raise IndexError(i)
        block, offset = divmod(i, BLOCK_ROWS)
        if block == len(self._blocks):
            return self._tail[offset]
        with self._cache_lock:
            rows = self._cache.get(block)
        if rows is None:
            rows = pickle.loads(zlib.decompress(self._blocks[block]))
            with self._cache_lock:
                if len(self._cache) >= _CACHED_BLOCKS:
                    self._cache.pop(next(iter(self._cache)))
                self._cache[block] = rows
        return rows[offset]
