"""GEMM rates over a sweep of shapes, the measured peak, and STREAM bandwidth."""

import numpy as np
import pytest
import torch

from mlplib.perf import flops, hardware, measure


def test_gemm_rate_square_and_rectangular():
    for backend, dtype in (
        ("numpy", "float32"),
        ("numpy", "float64"),
        ("torch", "float32"),
    ):
        r = measure.gemm_rate(64, dtype, backend, warmup=1, repeats=2)
        assert (
            r["N"] == 64 and r["dtype"] == dtype and r["best_gflops"] >= r["gflops"] > 0
        )
        assert r["gflops"] == pytest.approx(2 * 64**3 / r["seconds"] / 1e9)
    r = measure.gemm_rate((16, 40, 8), repeats=2)
    assert r["shape"] == (16, 40, 8) and r["N"] is None
    assert r["gflops"] == pytest.approx(2 * 16 * 40 * 8 / r["seconds"] / 1e9)
    A, B = measure.random_matrices((3, 5, 2), "float64", "torch")
    assert A.shape == (3, 5) and B.shape == (5, 2) and A.dtype == torch.float64
    with pytest.raises(ValueError, match="unknown backend 'tpu'"):
        measure.random_matrices(5, backend="tpu")
    with pytest.raises(ValueError, match=r"a GEMM shape is \(m, k, n\)"):
        measure.gemm_rate((1, 2))


def test_gemm_peak_includes_the_training_shapes_and_stays_below_the_theoretical():
    shapes = [s for _, _, s in flops.training_matmuls([784, 32, 10], 64)]
    peak = measure.gemm_peak(shapes, squares=(64,), repeats=2, threads=(None, 1))
    assert [r["shape"] for r in peak["sweep"]] == 2 * ([(64, 64, 64)] + shapes)
    n = 1 + len(shapes)
    assert [r["threads"] for r in peak["sweep"]] == [None] * n + [1] * n
    assert peak["gflops"] == max(r["best_gflops"] for r in peak["sweep"])
    info = hardware.cpu_info()
    if info["clock_source"] == "cpuinfo_max_freq":  # a true upper clock: a true bound
        assert peak["gflops"] <= hardware.theoretical_peak("float32", info)["gflops"]
    on_torch = measure.gemm_peak(squares=(16,), repeats=1, backend="torch")
    assert [r["backend"] for r in on_torch["sweep"]] == ["torch"]
    with pytest.raises(ValueError, match="no measurements"):
        measure.measured_peak([])


def test_triad_blocked_is_the_triad():
    rng = np.random.default_rng(0)
    b, c = rng.random(1000), rng.random(1000)
    a = np.empty(1000)
    measure.triad_blocked(a, b, c, 3.0, block=64)
    np.testing.assert_array_equal(a, b + 3.0 * c)


def test_stream_bandwidth_counts_the_bytes_each_kernel_moves():
    rows = {r["kernel"]: r for r in measure.stream_bandwidth(n=2**16, repeats=2)}
    assert set(rows) == {"copy", "scale", "add", "triad", "triad_two_pass"}
    assert rows["copy"]["bytes"] == 2 * 8 * 2**16
    assert rows["triad_two_pass"]["bytes"] == 5 * 8 * 2**16
    for r in rows.values():
        assert r["GB/s"] == pytest.approx(r["bytes"] / r["seconds"] / 1e9)
