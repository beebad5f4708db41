"""float16 rows read by compiled loops, which numba cannot type as float16: they read the bits.

The LSA components are stored as float16 (`_index._fit_lsa`). A half's bits shifted into a float32
(sign to bit 31, exponent and mantissa up 13 places) are the same number divided by 2¹¹²: the
exponent keeps half's bias of 15 where float32's is 127. Subnormal halves land on float32
subnormals and infinities or NaNs cannot occur (the components are scaled to at most 1,024), so
the shift is exact for every value the components hold. Callers multiply their weight by 2¹¹²
instead (a power of two: exact), so ``(weight · 2¹¹²) · widened`` is the same float as
``weight · float32(half)``. The shift runs on vector instructions beside the multiply-adds, where
the table of all 65,536 halves it replaced was a gather per entry and the float32 copy of the
components a 60 MB matrix of fresh memory at every build. (LLVM's own half → float conversion is
one instruction with F16C, but a call into a runtime library numba may not link without it.)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from ._jit import compiled, rows_times_dense

UNBIAS = np.float32(2.0**112)  # 2^(127 - 15): float32's exponent bias over half's


@intrinsic
def _as_float32(typingctx: Any, bits: Any) -> Any:
    """The float32 whose bits are the uint32 `bits` (numba has no scalar view)."""
    signature = types.float32(types.uint32)

    def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        return builder.bitcast(args[0], ir.FloatType())

    return signature, codegen


@compiled
def widened(h: Any) -> Any:
    """The half with bits `h` (uint16) as a float32, divided by 2¹¹²."""
    w = np.uint32(h)
    shifted = ((w & np.uint32(0x7FFF)) << np.uint32(13)) | ((w & np.uint32(0x8000)) << np.uint32(16))
    return _as_float32(shifted)  # type: ignore[call-arg]  # numba passes the typing context itself


@compiled
def _rows_times_half(indptr: Any, indices: Any, data: Any, bits: Any, out: Any, start: int, stop: int) -> None:
    """out[i - start] += row i @ float32(bits) for rows start:stop, summed in SciPy's order."""
    k = bits.shape[1]
    for i in range(start, stop):
        row = out[i - start]
        for p in range(indptr[i], indptr[i + 1]):
            value = np.float32(data[p]) * UNBIAS
            source = bits[indices[p]]
            for c in range(k):
                row[c] += value * widened(source[c])


def half_matmul(matrix: Any, bits: Any) -> Any:
    """``matrix @ float32(halves)`` (float32) for a CSR `matrix` and the halves' bits (uint16, C
    order), on every core: the same floats as SciPy's float32 product with the float32 copy."""
    return rows_times_dense(_rows_times_half, matrix.tocsr().astype(np.float32, copy=False), bits, np.float32)
