"""Flop counts (mlplib.perf.flops) against counts made by other means: loops, and the
matrix products a real training step executes, recorded as it runs."""

import numpy as np
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from mlplib import backend, losses, optim, training
from mlplib.model import Sequential
from mlplib.perf import flops

SIZES, BATCH = [784, 128, 64, 10], 128


class Recorded(np.ndarray):
    """An array that logs the shapes of every matrix product it takes part in."""

    LOG = []

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        plain = [np.asarray(x) if isinstance(x, Recorded) else x for x in inputs]
        if "out" in kwargs:
            kwargs["out"] = tuple(np.asarray(o) for o in kwargs["out"])
        if ufunc is np.matmul:
            Recorded.LOG.append((plain[0].shape, plain[1].shape))
        result = getattr(ufunc, method)(*plain, **kwargs)
        if isinstance(result, np.ndarray) and result.shape:
            return result.view(Recorded)
        return result

    def __array_function__(self, func, types, args, kwargs):
        two_d = any(isinstance(a, np.ndarray) and a.ndim >= 2 for a in args)
        if func in (np.dot, np.einsum, np.tensordot, np.inner) and two_d:
            raise AssertionError(f"{func.__name__} bypasses the matmul recorder")
        return super().__array_function__(func, types, args, kwargs)


def recorded_model(dtype=np.float64):
    model = Sequential.from_sizes(SIZES, ["relu", "relu", "softmax"], dtype=dtype)
    for layer in model.layers:
        layer.W = layer.W.view(Recorded)
    Recorded.LOG.clear()
    return model


def batch(n=BATCH, dtype=np.float64):
    rng = np.random.default_rng(0)
    return rng.random((n, SIZES[0])).astype(dtype), np.eye(10, dtype=dtype)[
        rng.integers(0, 10, n)
    ]


def log_flops(log):
    return sum(2 * a[0] * a[1] * b[1] for a, b in log)


def test_axpy_gemv_gemm_counts():
    assert flops.axpy_flops(10) == 20 and flops.axpy_words(10) == 30
    assert flops.axpy_words(10, "two_pass") == 50
    assert flops.gemv_flops(3, 4) == 24 and flops.gemv_words(3, 4) == 12 + 4 + 6
    assert flops.gemm_flops(2, 3, 4) == 48 and flops.gemm_words(2, 3, 4) == 8 + 12 + 12
    assert flops.gemm_flops(5000, 5000, 5000) == 250e9


def test_gemm_flops_match_a_counted_triple_loop():
    m, n, k = 3, 4, 5
    count = sum(2 for _ in range(m) for _ in range(n) for _ in range(k))
    assert flops.gemm_flops(m, n, k) == count


def test_stream_words_count_each_pass():
    n = 7
    assert flops.stream_words("copy", n) == 2 * n  # read a, write c
    assert flops.stream_words("add", n) == 3 * n  # read a and b, write c
    # two passes: t = s*c (read c, write t), then t + b (read t and b, write a)
    assert flops.stream_words("triad_two_pass", n) == (1 + 1) * n + (2 + 1) * n
    with pytest.raises(ValueError, match="kernel must be one of"):
        flops.stream_words("daxpy", n)
    with pytest.raises(ValueError, match="form must be one of"):
        flops.axpy_words(n, "three_pass")


@pytest.mark.parametrize("n", [1, 10, 1000])
def test_intensity_levels(n):
    rows = {r["operation"]: r for r in flops.blas_table(n)}
    assert [rows[o]["level"] for o in ("axpy", "gemv", "gemm")] == [1, 2, 3]
    assert rows["axpy"]["intensity"] == pytest.approx(2 / 3)
    assert rows["gemv"]["intensity"] == pytest.approx(2 * n * n / (n * n + 3 * n))
    assert rows["gemm"]["intensity"] == pytest.approx(2 * n**3 / (4 * n * n))


def test_training_step_flops_equal_the_recorded_matmuls():
    """compute_gradients, as training calls it: every product recorded as it runs."""
    model = recorded_model()
    model.compute_gradients("categorical_cross_entropy", *batch())
    expected = flops.training_matmuls(SIZES, BATCH)
    assert [(a[0], a[1], b[1]) for a, b in Recorded.LOG] == [s for _, _, s in expected]
    gemm = sum(
        r["forward_gemm"] + r["backward_gemm"] for r in flops.mlp_flops(SIZES, BATCH)
    )
    assert log_flops(Recorded.LOG) == gemm == 58_214_912 - 2 * (16_384 + 8_192 + 1_280)
    # the first layer's input gradient (784 x 128 x 128 x 2 flops) is not executed
    with_dx = flops.mlp_flops(SIZES, BATCH, input_grad=True)
    assert flops.step_flops(with_dx) - flops.step_flops(
        flops.mlp_flops(SIZES, BATCH)
    ) == (2 * BATCH * 784 * 128)


def test_fit_epoch_flops_equal_the_recorded_matmuls():
    """A whole epoch of fit, with a last batch smaller than the others."""
    model = recorded_model()
    X, T = batch(300)
    sgd = optim.SGD(model.parameters(), lr=0.01)
    training.fit(
        model, X, T, "categorical_cross_entropy", sgd, batch_size=128, progress=False
    )
    counted = sum(
        r["forward_gemm"] + r["backward_gemm"]
        for n in (128, 128, 44)
        for r in flops.mlp_flops(SIZES, n)
    )
    assert log_flops(Recorded.LOG) == counted


def test_torch_flop_counter_agrees_on_a_training_step():
    """PyTorch's own counter, on the model moved to torch, counts the same flops."""
    model = backend.to_namespace(
        Sequential.from_sizes(SIZES, ["relu", "relu", "softmax"], dtype=np.float32),
        torch,
    )
    X, T = (torch.asarray(a) for a in batch(dtype=np.float32))
    with FlopCounterMode(display=False) as counter:
        model.compute_gradients("categorical_cross_entropy", X, T)
    rows = flops.mlp_flops(SIZES, BATCH)
    assert counter.get_total_flops() == sum(
        r["forward_gemm"] + r["backward_gemm"] for r in rows
    )
    assert 0.99 < flops.gemm_share(rows) < 1


def test_bad_sizes_raise():
    with pytest.raises(ValueError, match="gemm_flops: k must be >= 1, got 0"):
        flops.gemm_flops(2, 3, 0)
    with pytest.raises(TypeError, match="axpy_flops: n must be an integer, got 2.5"):
        flops.axpy_flops(2.5)
    with pytest.raises(TypeError, match="n must be an integer, got True"):
        flops.axpy_flops(True)
    with pytest.raises(ValueError, match="need at least 2 sizes"):
        flops.mlp_flops([3], 10)
    with pytest.raises(ValueError, match="intensity: words must be positive"):
        flops.intensity(10, 0)
    with pytest.raises(ValueError, match="gflops: seconds must be positive"):
        flops.gflops(10, 0.0)


def test_train_step_flops_equal_the_recorded_matmuls():
    """training.train_step, the step fit runs."""
    model = recorded_model()
    sgd = optim.SGD(model.parameters(), lr=0.01)
    training.train_step(model, losses.get("categorical_cross_entropy"), sgd, *batch())
    gemm = sum(
        r["forward_gemm"] + r["backward_gemm"] for r in flops.mlp_flops(SIZES, BATCH)
    )
    assert log_flops(Recorded.LOG) == gemm
