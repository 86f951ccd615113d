"""Flop counts, memory traffic and intensity (mlplib.flops), checked against counts made by other means."""
import numpy as np
import pytest
import torch

from mlplib import flops
from mlplib.model import Sequential


def test_axpy_gemv_gemm_counts():
    assert flops.axpy_flops(10) == 20 and flops.axpy_words(10) == 30
    assert flops.gemv_flops(3, 4) == 24 and flops.gemv_words(3, 4) == 12 + 4 + 6
    assert flops.gemm_flops(2, 3, 4) == 48 and flops.gemm_words(2, 3, 4) == 8 + 12 + 12
    # the slides' 2 N^3 for N = 5000: 250 GFLOP; 7.39 s gives their 33.8 GFLOP/s
    assert flops.gemm_flops(5000, 5000, 5000) == 250e9
    assert round(flops.gflops(flops.gemm_flops(5000, 5000, 5000), 7.39), 1) == 33.8


def test_gemm_flops_match_a_counted_triple_loop():
    """Count the multiplications and additions of C += A B one by one."""
    m, n, k = 3, 4, 5
    count = 0
    for _ in range(m):
        for _ in range(n):
            for _ in range(k):
                count += 2  # one multiply, one add into C
    assert flops.gemm_flops(m, n, k) == count


@pytest.mark.parametrize("n", [1, 10, 1000])
def test_intensity_levels(n):
    rows = {r["operation"]: r for r in flops.blas_table(n)}
    assert [rows[o]["level"] for o in ("axpy", "gemv", "gemm")] == [1, 2, 3]
    assert rows["axpy"]["intensity"] == pytest.approx(2 / 3)
    assert rows["gemv"]["intensity"] == pytest.approx(2 * n * n / (n * n + 3 * n))
    assert rows["gemm"]["intensity"] == pytest.approx(2 * n**3 / (4 * n * n))  # = n / 2


def test_intensity_grows_only_for_gemm():
    small, large = flops.blas_table(100), flops.blas_table(10_000)
    assert large[0]["intensity"] == small[0]["intensity"]
    assert large[1]["intensity"] < 2 and small[1]["intensity"] < 2
    assert large[2]["intensity"] / small[2]["intensity"] == pytest.approx(100)


def test_mlp_flops_match_the_model_matmuls():
    """The GEMM flops per layer equal 2 * (size of the output) * (inner dimension) of each matmul the model does."""
    sizes, N = [784, 64, 32, 10], 50
    model = Sequential.from_sizes(sizes, ["relu", "relu", "softmax"], dtype=np.float64)
    X = np.random.default_rng(0).normal(size=(N, sizes[0]))
    T = np.eye(10)[np.arange(N) % 10]
    model.compute_gradients("categorical_cross_entropy", X, T)
    rows = flops.mlp_flops(sizes, N)
    for layer, row in zip(model.layers, rows):
        fwd = 2 * layer.Z.size * layer.X.shape[1]
        bwd = 2 * layer.dW.size * layer.X.shape[0] + 2 * layer.X.size * layer.W.shape[1]
        assert row["forward_gemm"] == fwd and row["backward_gemm"] == bwd
        assert row["bias"] == row["bias_grad"] == layer.Z.size
    # torch.utils.flop_counter counts the same GEMM flops for the forward pass
    from torch.utils.flop_counter import FlopCounterMode

    Xt = torch.asarray(X)
    with FlopCounterMode(display=False) as counter:
        A = Xt
        for layer in model.layers:
            A = A @ torch.asarray(layer.W)
    assert counter.get_total_flops() == sum(r["forward_gemm"] for r in rows)
    assert 0.99 < flops.gemm_share(rows) < 1


def test_bad_sizes_raise():
    with pytest.raises(ValueError, match="gemm_flops: k must be a positive integer, got 0"):
        flops.gemm_flops(2, 3, 0)
    with pytest.raises(ValueError, match="axpy_flops: n must be a positive integer, got 2.5"):
        flops.axpy_flops(2.5)
    with pytest.raises(ValueError, match="need at least 2 sizes"):
        flops.mlp_flops([3], 10)
    with pytest.raises(ValueError, match="intensity: words must be positive"):
        flops.intensity(10, 0)
    with pytest.raises(ValueError, match="gflops: seconds must be positive"):
        flops.gflops(10, 0.0)


def test_exercise_checks(capsys):
    from course.checks import check

    def verdict(label, **answers):
        check(label, **answers)
        return capsys.readouterr().out

    rows = flops.mlp_flops([784, 16, 16, 10], 10)
    per_step = sum(r["forward_gemm"] + r["bias"] + r["backward_gemm"] + r["bias_grad"] for r in rows)
    assert per_step == 778_440  # 784*16 + 16*16 + 16*10 = 12,960 weights: 6 N flops each; 42 biases: 2 N each
    ok = "correct"
    assert ok in verdict("ch06-ex4", flops_per_step=per_step, flops_per_epoch=per_step * 6000, share=flops.gemm_share(rows))
    out = verdict("ch06-ex4", flops_per_step=per_step // 3, flops_per_epoch=per_step * 6000, share=1.0)
    assert out.startswith("✘ ch06-ex4: flops_per_step: expected")
    assert ok in verdict("ch06-ex1", q_axpy=2 / 3, q_gemv=2e6 / (1e6 + 3e3), q_gemm=500.0)
    assert "✘ ch06-ex1: q_gemv" in verdict("ch06-ex1", q_axpy=2 / 3, q_gemv=2.0, q_gemm=500.0)
    sizes, s32, s64 = [10, 20, 30], [1e-3] * 3, [2e-3] * 3
    r64 = [2 * n**3 / 2e-3 / 1e9 for n in sizes]
    assert ok in verdict("ch06-ex2", sizes=sizes, seconds32=s32, seconds64=s64,
                         rates32=[2 * n**3 / 1e-3 / 1e9 for n in sizes], rates64=r64)
    assert "✘ ch06-ex2: rates32" in verdict("ch06-ex2", sizes=sizes, seconds32=s32, seconds64=s64,
                                             rates32=[n**3 / 1e-3 / 1e9 for n in sizes], rates64=r64)
    assert ok in verdict("ch06-ex3", b=36, q=2 * 1008**3 / ((2 * 28 + 2) * 1008**2))
    assert "✘ ch06-ex3: b" in verdict("ch06-ex3", b=37, q=1.0)
