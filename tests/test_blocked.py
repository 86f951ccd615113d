"""The naive and blocked matrix multiplies equal NumPy's; the traffic count equals
the slides' formula."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from mlplib.errors import ShapeError
from mlplib.perf import blocked


def test_naive_equals_numpy_and_torch():
    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(7, 5)), rng.normal(size=(5, 3))
    np.testing.assert_allclose(
        blocked.naive_matmul(A, B), A @ B, rtol=1e-13, atol=1e-13
    )
    np.testing.assert_allclose(
        blocked.naive_matmul(A, B),
        torch.asarray(A).mm(torch.asarray(B)).numpy(),
        rtol=1e-13,
        atol=1e-13,
    )


@settings(max_examples=30, deadline=None, derandomize=True)
@given(
    m=st.integers(1, 40),
    k=st.integers(1, 40),
    n=st.integers(1, 40),
    b=st.integers(1, 50),
)
def test_blocked_equals_numpy(m, k, n, b):
    rng = np.random.default_rng(m * 10_000 + k * 100 + n)
    A, B = rng.normal(size=(m, k)), rng.normal(size=(k, n))
    np.testing.assert_allclose(
        blocked.blocked_matmul(A, B, b), A @ B, rtol=1e-12, atol=1e-12
    )


def test_blocked_float32_dtype_kept():
    A = np.ones((8, 8), dtype=np.float32)
    C = blocked.blocked_matmul(A, A, 3)
    assert C.dtype == np.float32 and np.all(C == 8)


def walk_blocked_loops(n, b):
    """Count words and flops by walking blocked_matmul's three block loops
    (independent of the module's sums)."""
    starts = range(0, n, b)

    def size(s):
        return min(s + b, n) - s

    f = m = 0
    for i in starts:
        for j in starts:
            m += 2 * size(i) * size(j)
            for k in starts:
                m += size(i) * size(k) + size(k) * size(j)
                f += 2 * size(i) * size(j) * size(k)
    return f, m


@pytest.mark.parametrize("n,b", [(7, 1), (10, 3), (17, 5), (30, 7), (64, 64), (50, 64)])
def test_traffic_equals_walking_the_loops(n, b):
    t = blocked.blocked_traffic(n, b)
    assert (t["flops"], t["words"]) == walk_blocked_loops(n, b)


@pytest.mark.parametrize("n,b", [(8, 1), (8, 2), (8, 4), (8, 8), (120, 30), (96, 12)])
def test_traffic_count_equals_formula(n, b):
    t = blocked.blocked_traffic(n, b)
    N = n // b
    assert t["N"] == N and t["flops"] == 2 * n**3
    assert t["words"] == (2 * N + 2) * n**2
    assert t["q"] == pytest.approx(2 * n**3 / ((2 * N + 2) * n**2))  # the closed form
    assert t["q"] == pytest.approx(
        n / N, rel=1 / N + 1e-12
    )  # q -> n / N = b as N grows


def test_q_grows_with_block_size():
    qs = [blocked.blocked_traffic(256, b)["q"] for b in (1, 4, 16, 64, 256)]
    assert qs == sorted(qs) and qs[-1] == pytest.approx(
        256 / 2
    )  # one block: 2 n^3 / (4 n^2)


def test_best_block_size():
    assert blocked.best_block_size(3 * 64 * 64) == 64
    assert blocked.best_block_size(3 * 64 * 64 - 1) == 63
    # a 32 KiB L1 cache of float64 words
    assert blocked.best_block_size(32 * 1024 // 8) == 36
    with pytest.raises(ValueError, match="fast_memory_words must be >= 3, got 2"):
        blocked.best_block_size(2)


def test_errors():
    with pytest.raises(
        ShapeError,
        match=r"blocked_matmul: A has 3 columns but B has 4 rows.*\(2, 3\) @ \(4, 5\)",
    ):
        blocked.blocked_matmul(np.ones((2, 3)), np.ones((4, 5)), 2)
    with pytest.raises(ShapeError, match="naive_matmul: A and B must be 2-D"):
        blocked.naive_matmul(np.ones(3), np.ones((3, 1)))
    with pytest.raises(
        ValueError, match="blocked_matmul: block_size must be >= 1, got 0"
    ):
        blocked.blocked_matmul(np.ones((2, 2)), np.ones((2, 2)), 0)
    with pytest.raises(ValueError, match="blocked_traffic: n must be >= 1"):
        blocked.blocked_traffic(0, 2)
