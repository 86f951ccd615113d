r"""Floating-point operation counts, memory traffic and computational intensity of BLAS operations.

A flop is one floating-point addition or multiplication. Memory traffic is counted in *words*
(array entries) read from or written to main memory, assuming each operand moves once:

=======  ===================  ======================  ==========================  ====================
level    operation            flops                   words moved                 intensity (flops/word)
=======  ===================  ======================  ==========================  ====================
1        AXPY  y = a x + y     :math:`2n`              :math:`3n`                  :math:`2/3`
2        GEMV  y = A x + y     :math:`2mn`             :math:`mn + n + 2m`         :math:`\approx 2`
3        GEMM  C = A B + C     :math:`2mnk`            :math:`mk + kn + 2mn`       :math:`\approx n/2`
=======  ===================  ======================  ==========================  ====================

(``A`` is ``(m, k)`` for GEMM and ``(m, n)`` for GEMV.) Levels 1 and 2 do O(1) flops per word, so
memory bandwidth limits them; level 3 does O(n) flops per word (the surface-to-volume effect:
:math:`n^2` data, :math:`n^3` work), so the arithmetic units can be kept busy.
"""
import numpy as np


def _positive(name, **sizes):
    for key, n in sizes.items():
        if not (isinstance(n, (int, np.integer)) and n > 0):
            raise ValueError(f"{name}: {key} must be a positive integer, got {n!r}")


def axpy_flops(n):
    """``y = a x + y`` on vectors of length ``n``: ``n`` multiplications and ``n`` additions, ``2n``."""
    _positive("axpy_flops", n=n)
    return 2 * n


def axpy_words(n):
    """Words moved by AXPY: read ``x`` and ``y``, write ``y``: ``3n``."""
    _positive("axpy_words", n=n)
    return 3 * n


def gemv_flops(m, n):
    """``y = A x + y`` with ``A`` of shape ``(m, n)``: ``m n`` multiply-adds, ``2 m n`` flops."""
    _positive("gemv_flops", m=m, n=n)
    return 2 * m * n


def gemv_words(m, n):
    """Words moved by GEMV: read ``A`` (``mn``) and ``x`` (``n``), read and write ``y`` (``2m``)."""
    _positive("gemv_words", m=m, n=n)
    return m * n + n + 2 * m


def gemm_flops(m, n, k):
    """``C = A B + C`` with ``A: (m, k)``, ``B: (k, n)``: ``m n k`` multiply-adds, ``2 m n k`` flops.

    For square matrices that is the slides' :math:`2N^3`.
    """
    _positive("gemm_flops", m=m, n=n, k=k)
    return 2 * m * n * k


def gemm_words(m, n, k):
    """Words moved by GEMM if each matrix moves once: read ``A`` and ``B``, read and write ``C``."""
    _positive("gemm_words", m=m, n=n, k=k)
    return m * k + k * n + 2 * m * n


def intensity(flops, words):
    """Computational intensity: flops per word of memory traffic."""
    if words <= 0:
        raise ValueError(f"intensity: words must be positive, got {words}")
    return flops / words


BLAS = {
    "axpy": (1, axpy_flops, axpy_words),
    "gemv": (2, lambda n: gemv_flops(n, n), lambda n: gemv_words(n, n)),
    "gemm": (3, lambda n: gemm_flops(n, n, n), lambda n: gemm_words(n, n, n)),
}


def blas_table(n):
    """Level, flops, words and intensity of AXPY, GEMV and GEMM at size ``n`` (square operands)."""
    _positive("blas_table", n=n)
    rows = []
    for name, (level, flops, words) in BLAS.items():
        f, w = flops(n), words(n)
        rows.append({"operation": name, "level": level, "flops": f, "words": w, "intensity": intensity(f, w)})
    return rows


def gflops(flops, seconds):
    """Rate in GFLOP/s: ``flops / seconds / 1e9``."""
    if seconds <= 0:
        raise ValueError(f"gflops: seconds must be positive, got {seconds}")
    return flops / seconds / 1e9


def mlp_flops(sizes, batch_size):
    r"""Flops of one training step of a dense MLP ``sizes = [n_0, ..., n_L]`` on a batch of ``N`` rows, per layer.

    For a layer ``n_in -> n_out``:

    * forward GEMM ``Z = X W``: :math:`2 N n_{in} n_{out}`; bias ``+ b``: :math:`N n_{out}`;
    * backward GEMMs ``dW = X^T dZ`` and ``dX = dZ W^T``: :math:`2 \cdot 2 N n_{in} n_{out}`;
      bias gradient ``db`` (column sums): :math:`N n_{out}`.

    Activations and the loss are elementwise, a few flops per entry of ``Z``; they are not counted
    (their cost is memory traffic, which the measured times show). Returns one dict per layer.
    """
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2:
        raise ValueError(f"mlp_flops: need at least 2 sizes (input and output), got {sizes}")
    _positive("mlp_flops", batch_size=batch_size, **{f"sizes[{i}]": s for i, s in enumerate(sizes)})
    rows = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        N = batch_size
        rows.append({
            "layer": i, "n_in": n_in, "n_out": n_out,
            "forward_gemm": gemm_flops(N, n_out, n_in), "bias": N * n_out,
            "backward_gemm": 2 * gemm_flops(N, n_out, n_in), "bias_grad": N * n_out,
        })
    return rows


def gemm_share(rows):
    """Fraction of the counted flops of :func:`mlp_flops` rows that are GEMM flops."""
    gemm = sum(r["forward_gemm"] + r["backward_gemm"] for r in rows)
    total = gemm + sum(r["bias"] + r["bias_grad"] for r in rows)
    return gemm / total
