r"""Flop counts and memory traffic of BLAS operations and of an MLP training step.

A flop is one floating-point addition or multiplication. Memory traffic is counted in
*words* (array entries) that a kernel reads from or writes to main memory, each operand
moving once per pass over it:

=====  ===============  =============  ===================  ======================
level  operation        flops          words moved          flops per word
=====  ===============  =============  ===================  ======================
1      AXPY y = a x + y :math:`2n`     :math:`3n`           :math:`2/3`
2      GEMV y = A x + y :math:`2mn`    :math:`mn + n + 2m`  :math:`\approx 2`
3      GEMM C = A B + C :math:`2mnk`   :math:`mk + kn + 2mn` :math:`\approx n/2`
=====  ===============  =============  ===================  ======================

AXPY moves 3 words per entry only when it is one pass (the BLAS ``daxpy``). NumPy's
``a * x + y`` is two passes: ``t = a * x`` reads ``x`` and writes ``t``, then ``t + y``
reads ``t`` and ``y`` and writes the result, 5 words per entry (:data:`AXPY_PASSES`).
"""

from ..errors import check_int

#: Words per vector entry moved by each way of computing AXPY or a STREAM kernel.
#: Two passes write a temporary and read it back; one fused pass does not.
AXPY_PASSES = {"fused": 3, "two_pass": 5}
STREAM_WORDS = {"copy": 2, "scale": 2, "add": 3, "triad": 3, "triad_two_pass": 5}


def _positive(name, **sizes):
    for key, n in sizes.items():
        check_int(n, key, name)


def axpy_flops(n):
    """``y = a x + y`` on vectors of length ``n``: ``2n`` flops."""
    _positive("axpy_flops", n=n)
    return 2 * n


def axpy_words(n, form="fused"):
    """Words moved by AXPY: ``3n`` in one fused pass, ``5n`` as two NumPy passes."""
    _positive("axpy_words", n=n)
    if form not in AXPY_PASSES:
        raise ValueError(
            f"axpy_words: form must be one of {sorted(AXPY_PASSES)}, got {form!r}"
        )
    return AXPY_PASSES[form] * n


def stream_words(kernel, n):
    """Words a STREAM kernel moves on vectors of length ``n`` (:data:`STREAM_WORDS`)."""
    _positive("stream_words", n=n)
    if kernel not in STREAM_WORDS:
        raise ValueError(f"stream_words: kernel must be one of {sorted(STREAM_WORDS)}")
    return STREAM_WORDS[kernel] * n


def gemv_flops(m, n):
    """``y = A x + y`` with ``A`` of shape ``(m, n)``: ``2 m n`` flops."""
    _positive("gemv_flops", m=m, n=n)
    return 2 * m * n


def gemv_words(m, n):
    """GEMV traffic: read ``A`` (``mn``) and ``x`` (``n``), read and write ``y``."""
    _positive("gemv_words", m=m, n=n)
    return m * n + n + 2 * m


def gemm_flops(m, n, k):
    """``C = A B + C`` with ``A: (m, k)``, ``B: (k, n)``: ``2 m n k`` flops.

    Printed in chapters/07_blas_gpu.
    """
    _positive("gemm_flops", m=m, n=n, k=k)
    return 2 * m * n * k


def gemm_words(m, n, k):
    """GEMM traffic, each matrix moving once: read ``A``, ``B``; read, write ``C``.

    Printed in chapters/07_blas_gpu.
    """
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
    """Level, flops, words and intensity of AXPY, GEMV and GEMM at size ``n``."""
    _positive("blas_table", n=n)
    rows = []
    for name, (level, count_flops, count_words) in BLAS.items():
        f, w = count_flops(n), count_words(n)
        rows.append(
            {"operation": name, "level": level, "flops": f, "words": w}
            | {"intensity": intensity(f, w)}
        )
    return rows


def gflops(flops, seconds):
    """Rate in GFLOP/s: ``flops / seconds / 1e9``."""
    if seconds <= 0:
        raise ValueError(f"gflops: seconds must be positive, got {seconds}")
    return flops / seconds / 1e9


def _sizes(sizes, batch_size, name):
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(
            f"{name}: need at least 2 sizes (input and output), got {sizes}"
        )
    _positive(
        name, batch_size=batch_size, **{f"sizes[{i}]": s for i, s in enumerate(sizes)}
    )
    return [int(s) for s in sizes]


def training_matmuls(sizes, batch_size, input_grad=False):
    """The matrix products one training step of a dense MLP executes, in order.

    Each entry is ``(layer, name, (m, k, n))`` for an ``(m, k) @ (k, n)`` product:
    the forward ``Z = X W`` of every layer, then backward from the last layer
    ``dW = X^T dZ`` and ``dX = dZ W^T``. The first layer's ``dX`` is skipped unless
    ``input_grad``: training needs no gradient with respect to the data.
    """
    sizes = _sizes(sizes, batch_size, "training_matmuls")
    N, pairs = int(batch_size), list(zip(sizes[:-1], sizes[1:]))
    steps = [(i, "Z = X W", (N, n_in, n_out)) for i, (n_in, n_out) in enumerate(pairs)]
    for i in reversed(range(len(pairs))):
        n_in, n_out = pairs[i]
        steps.append((i, "dW = X^T dZ", (n_in, N, n_out)))
        if i > 0 or input_grad:
            steps.append((i, "dX = dZ W^T", (N, n_out, n_in)))
    return steps


def mlp_flops(sizes, batch_size, input_grad=False):
    r"""Flops of one training step of the MLP ``sizes = [n_0, ..., n_L]``, per layer.

    Counted from :func:`training_matmuls` (the products the step executes): forward
    GEMM :math:`2 N n_{in} n_{out}`; backward GEMMs :math:`2 N n_{in} n_{out}` each for
    ``dW`` and, except in the first layer, ``dX``; bias and bias gradient
    :math:`N n_{out}` each.
    Elementwise activations and the loss are not counted. One dict per layer.
    """
    products = training_matmuls(sizes, batch_size, input_grad)
    sizes = [int(s) for s in sizes]
    rows = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        mine = [
            (name, gemm_flops(m, n, k)) for j, name, (m, k, n) in products if j == i
        ]
        rows.append(
            {"layer": i, "n_in": n_in, "n_out": n_out}
            | {"forward_gemm": sum(f for name, f in mine if name.startswith("Z"))}
            | {"bias": batch_size * n_out, "bias_grad": batch_size * n_out}
            | {"backward_gemm": sum(f for name, f in mine if name.startswith("d"))}
        )
    return rows


def step_flops(rows):
    """All counted flops of :func:`mlp_flops` rows: GEMMs, bias and bias gradient."""
    keys = ("forward_gemm", "backward_gemm", "bias", "bias_grad")
    return sum(r[k] for r in rows for k in keys)


def gemm_share(rows):
    """Fraction of the counted flops of :func:`mlp_flops` rows that are GEMM flops."""
    gemm = sum(r["forward_gemm"] + r["backward_gemm"] for r in rows)
    return gemm / step_flops(rows)
