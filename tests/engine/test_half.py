import numpy as np
from scipy.sparse import random as sparse_random

from matchmaker.engine._half import half_matmul


def test_every_finite_half_is_read_as_its_own_value() -> None:
    from scipy.sparse import identity

    bits = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16)
    halves = bits.view(np.float16)
    finite = bits[np.isfinite(halves)]  # the components never hold infinities or NaNs
    # Each row of the identity picks one half: negative ones and subnormals (down to 6e-8) too, exactly.
    got = half_matmul(identity(len(finite), dtype=np.float32, format="csr"), finite.reshape(-1, 1))
    np.testing.assert_array_equal(got[:, 0], finite.view(np.float16).astype(np.float32))


def test_a_product_with_halves_equals_scipys_with_their_float32_copy() -> None:
    rng = np.random.default_rng(3)
    halves = (rng.normal(size=(500, 24)) * 300).astype(np.float16)
    halves[7, :5] = np.float16(6e-8)  # subnormal
    matrix = sparse_random(1500, 500, density=0.03, format="csr", dtype=np.float32, random_state=4)
    expected = matrix @ halves.astype(np.float32)
    # More than a thousand rows run on every core, a few on the calling thread: the same floats.
    np.testing.assert_array_equal(half_matmul(matrix, halves.view(np.uint16)), expected)
    np.testing.assert_array_equal(half_matmul(matrix[:3], halves.view(np.uint16)), expected[:3])
