r"""Matrix multiply by hand: the naive triple loop and the blocked (tiled) algorithm.

The standard model of blocked multiplication: ``C = C + A B`` with :math:`n \times n`
matrices cut into :math:`N \times N` blocks of size :math:`b = n/N`. For each block
``C[I, J]`` (read once and written once) the loop over ``K`` reads the blocks
``A[I, K]`` and ``B[K, J]`` into fast memory. Words moved between slow and fast memory:

.. math::

    m = \underbrace{N^2 \cdot N \cdot 2 b^2}_{A,\ B\ \text{blocks}} + \underbrace{2
    n^2}_{C} = (2N + 2)\, n^2,
    \qquad f = 2 n^3, \qquad q = \frac{f}{m} = \frac{2 n^3}{(2N + 2) n^2} \approx
    \frac{n}{N} = b.

So the flops per word grow with the block size ``b``. Three blocks must fit in a fast
memory of ``M`` words, :math:`3 b^2 \le M`, so the best block size is
:math:`b = \sqrt{M/3}`: the bound is on the block size :math:`b = n/N`, not on the
number of blocks :math:`N`.
"""

import math

import numpy as np

from ..errors import ShapeError, check_int, checked


def _check_matmul(A, B, block_size=None):
    """``A (m, k) @ B (k, n)``: two 2-D arrays whose inner sizes agree."""
    where = "naive_matmul" if block_size is None else "blocked_matmul"
    if A.ndim != 2 or B.ndim != 2:
        raise ShapeError(
            f"{where}: A and B must be 2-D matrices, got shapes {tuple(A.shape)} and "
            f"{tuple(B.shape)}"
        )
    if A.shape[1] != B.shape[0]:
        raise ShapeError(
            f"{where}: A has {A.shape[1]} columns but B has {B.shape[0]} rows; "
            f"A (m, k) @ B (k, n) needs them equal, got {tuple(A.shape)} @ "
            f"{tuple(B.shape)}"
        )
    if block_size is not None:
        check_int(block_size, "block_size", where)


@checked(_check_matmul)
def naive_matmul(A, B):
    """``C = A B`` by the textbook triple loop ``C[i, j] += A[i, k] * B[k, j]``, one
    Python flop at a time.

    Printed in chapters/07_blas_gpu.
    """
    m, k = A.shape
    n = B.shape[1]
    C = np.zeros((m, n), dtype=np.result_type(A, B))
    for i in range(m):
        for j in range(n):
            s = 0.0
            for p in range(k):
                s += A[i, p] * B[p, j]
            C[i, j] = s
    return C


def _blocks(n, b):
    """Start and stop of each block of size ``b`` along an axis of length ``n`` (the
    last may be shorter)."""
    return [(s, min(s + b, n)) for s in range(0, n, b)]


@checked(_check_matmul)
def blocked_matmul(A, B, block_size):
    """``C = A B`` block by block: ``C[I, J] += A[I, K] @ B[K, J]``, each block product
    a small NumPy GEMM.

    ``block_size`` is the block edge ``b``; edge blocks are smaller when it does not
    divide the sizes.

    Printed in chapters/07_blas_gpu.
    """
    m, k = A.shape
    n = B.shape[1]
    C = np.zeros((m, n), dtype=np.result_type(A, B))
    for i0, i1 in _blocks(m, block_size):
        for j0, j1 in _blocks(n, block_size):
            Cij = C[i0:i1, j0:j1].copy()  # read the C block into "fast memory"
            for p0, p1 in _blocks(k, block_size):
                Cij += A[i0:i1, p0:p1] @ B[p0:p1, j0:j1]
            C[i0:i1, j0:j1] = Cij  # write it back once
    return C


def blocked_traffic(n, block_size):
    """Flops ``f``, words moved ``m`` and ``q = f/m`` of :func:`blocked_matmul` on
    ``n x n`` matrices, summed block by block (edge blocks may be smaller).

    For blocks ``C[I, J]`` of height ``h_I`` and width ``w_J`` and inner blocks of depth
    ``d_K``: each ``C`` block is read and written once (``2 h_I w_J``), each product
    reads ``A[I, K]`` and ``B[K, J]`` (``h_I d_K + d_K w_J``) and does ``2 h_I w_J d_K``
    flops. The triple sums factor into sums over one axis, so this costs O(n / b) time,
    not O((n / b)^3). When ``b`` divides ``n`` it equals :func:`q_formula`'s
    ``(2N + 2) n^2`` words.
    """
    check_int(n, "n", "blocked_traffic")
    check_int(block_size, "block_size", "blocked_traffic")
    lengths = [
        stop - start for start, stop in _blocks(n, block_size)
    ]  # h_I = w_J = d_K for square matrices
    N, total = len(lengths), sum(lengths)  # total = n
    words_C = 2 * total * total  # sum over I, J of 2 h_I w_J
    words_AB = (
        N * total * total + N * total * total
    )  # sum over I, J, K of h_I d_K, and of d_K w_J
    f = 2 * total * total * total  # sum over I, J, K of 2 h_I w_J d_K
    m = words_C + words_AB
    return {
        "n": n,
        "block_size": block_size,
        "N": N,
        "flops": f,
        "words": m,
        "q": f / m,
    }


def best_block_size(fast_memory_words):
    """Largest block edge ``b`` with three ``b x b`` blocks in a fast memory of ``M``
    words: ``floor(sqrt(M/3))``."""
    M = check_int(fast_memory_words, "fast_memory_words", "best_block_size", minimum=3)
    return math.isqrt(M // 3)
