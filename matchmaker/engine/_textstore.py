"""Candidate texts kept compressed: an index needs them only for the few rows it explains.

The index stores each row's title, body and keywords already normalised (`_index._normalized_fields`).

At 106,000 outcomes the titles and abstracts held as Python strings were a fifth of the index
(98 MB of 454). A query reads the texts of its three best candidates (core coverage) and, when
asked, of the proposals it explains; everything else only sits in memory and in the artifact.

Each row is compressed on its own with Zstandard and a dictionary trained on an evenly spread
sample of the rows the store first receives (a library's abstracts share their phrasing, which the
dictionary holds once), so reading a row decompresses that row only. Against the former zlib
blocks of eight rows: 0.25 instead of 0.36 of the plain size on the synthetic benchmark corpus,
0.42 instead of 0.49 on real ChinaXiv abstracts, and about 4 instead of 42 µs to read a row (the
coverage signal's three rows were 0.2–0.4 ms of a query). Training takes 0.1 s at 106,000 rows.
"""

from __future__ import annotations

import struct
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import zstandard

from ._jit import cores

Row = tuple[str, str, str]  # title, body, keywords

# A 64 KB dictionary trained on 2,000 rows: 0.246 of the plain size against 0.257 for 32 KB on the
# benchmark corpus (ChinaXiv 0.424 / 0.444); more rows made no better dictionary. Fewer rows than
# _MIN_TRAINING_ROWS are compressed without one (a small library gains little from it).
_DICTIONARY_BYTES = 65536
_TRAINING_ROWS = 2000
_MIN_TRAINING_ROWS = 500
_LEVEL = 3
# Rows compressed per task when many arrive at once (compression releases the GIL).
_BATCH_ROWS = 8192
# Before each row's UTF-8 text: the lengths, in characters, of its title and body.
_HEADER = struct.Struct("<II")


def _encode(row: Row) -> bytes:
    title, body, keywords = row
    return _HEADER.pack(len(title), len(body)) + (title + body + keywords).encode()


def _decode(data: bytes) -> Row:
    a, b = _HEADER.unpack_from(data)
    text = data[_HEADER.size :].decode()
    return text[:a], text[a : a + b], text[a + b :]


class TextStore:
    """An append-only sequence of (title, body, keywords) rows, each stored compressed."""

    def __init__(self, rows: Iterable[Row] = ()) -> None:
        self._rows: list[bytes] = []
        self._dictionary: bytes | None = None
        self._local = threading.local()
        self.extend(rows)

    def __getstate__(self) -> dict[str, object]:
        return {"rows": self._rows, "dictionary": self._dictionary}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._rows = state["rows"]
        self._dictionary = state["dictionary"]
        self._local = threading.local()

    def _codec(self) -> tuple[Any, Any]:
        """This thread's compressor and decompressor (Zstandard's objects are not thread-safe)."""
        codec = getattr(self._local, "codec", None)
        if codec is None:
            dictionary = zstandard.ZstdCompressionDict(self._dictionary) if self._dictionary else None
            codec = (
                # No dictionary id in each row: the store has one dictionary (4 bytes a row).
                zstandard.ZstdCompressor(level=_LEVEL, dict_data=dictionary, write_dict_id=False),
                zstandard.ZstdDecompressor(dict_data=dictionary),
            )
            self._local.codec = codec
        return codec

    def _train(self, rows: Sequence[bytes]) -> None:
        step = max(1, len(rows) // _TRAINING_ROWS)
        try:
            # Fixed cover parameters: the default search over them took 7–13 s for no better ratio.
            trained = zstandard.train_dictionary(_DICTIONARY_BYTES, list(rows[::step]), k=256, d=8)
        except zstandard.ZstdError:  # samples too few or too alike to train on
            return
        self._dictionary = trained.as_bytes()

    def __len__(self) -> int:
        return len(self._rows)

    def append(self, row: Row) -> None:
        self.extend([row])

    def extend(self, rows: Iterable[Row]) -> None:
        encoded = [_encode(row) for row in rows]
        if not encoded:
            return
        # The dictionary comes from the first rows only: rows already stored were compressed with it.
        if not self._rows and self._dictionary is None and len(encoded) >= _MIN_TRAINING_ROWS:
            self._train(encoded)

        def compress(batch: list[bytes]) -> list[bytes]:
            compressor = self._codec()[0]
            return [compressor.compress(data) for data in batch]

        batches = [encoded[i : i + _BATCH_ROWS] for i in range(0, len(encoded), _BATCH_ROWS)]
        if len(batches) == 1:
            self._rows.extend(compress(batches[0]))
            return
        with ThreadPoolExecutor(max_workers=cores()) as pool:
            for compressed in pool.map(compress, batches):
                self._rows.extend(compressed)

    def __getitem__(self, i: int) -> Row:
        if not 0 <= i < len(self._rows):
            raise IndexError(i)
        return _decode(self._codec()[1].decompress(self._rows[i]))
