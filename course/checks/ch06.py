"""Checks for Chapter 6 (BLAS and the GPU). Expected values come from mlplib.flops and mlplib.blocked."""

from . import Feedback, expect_close, expect_true
from mlplib import blocked, flops

def check_ex1(q_axpy=None, q_gemv=None, q_gemm=None):
    n = 1000
    hint = "intensity = flops / words; words count each operand read once and each output read and written"
    expect_close("q_axpy", q_axpy, flops.intensity(flops.axpy_flops(n), flops.axpy_words(n)), hint)
    expect_close("q_gemv", q_gemv, flops.intensity(flops.gemv_flops(n, n), flops.gemv_words(n, n)), hint)
    expect_close("q_gemm", q_gemm, flops.intensity(flops.gemm_flops(n, n, n), flops.gemm_words(n, n, n)), hint)

def check_ex2(sizes=None, seconds32=None, seconds64=None, rates32=None, rates64=None):
    for name, value in (("sizes", sizes), ("seconds32", seconds32), ("seconds64", seconds64),
                        ("rates32", rates32), ("rates64", rates64)):
        if value is None:
            raise Feedback(f"{name} is None: set it to your measurements")
    sizes = [int(n) for n in sizes]
    expect_true(len(sizes) >= 3, f"measure at least 3 sizes, got {sizes}")
    for label, secs, rates in (("float32", seconds32, rates32), ("float64", seconds64, rates64)):
        expect_true(len(secs) == len(sizes) == len(rates),
                    f"{label}: need one time and one rate per size; got {len(sizes)} sizes, {len(secs)} times, {len(rates)} rates")
        expect_true(all(float(s) > 0 for s in secs), f"{label}: every time must be positive, got {list(secs)}")
        expected = [flops.gflops(flops.gemm_flops(n, n, n), float(s)) for n, s in zip(sizes, secs)]
        expect_close(f"rates{label[-2:]}", rates, expected,
                     "GFLOP/s = 2 N^3 / seconds / 1e9 (N^3 multiply-adds, two flops each)", rtol=1e-9)

def check_ex3(b=None, q=None):
    M = 32 * 1024 // 8
    expect_close("b", b, blocked.best_block_size(M),
                 "three b x b float64 blocks must fit in 32 KiB = 4096 words: 3 b^2 <= 4096, b an integer")
    expect_close("q", q, blocked.blocked_traffic(36 * 28, blocked.best_block_size(M))["q"],
                 "q = f/m = 2 n^3 / ((2N + 2) n^2) with N = n / b blocks per side", rtol=1e-9)

def check_ex4(flops_per_step=None, flops_per_epoch=None, share=None):
    rows = flops.mlp_flops([784, 16, 16, 10], 10)
    per_step = sum(sum(v for k, v in r.items() if k not in ("layer", "n_in", "n_out")) for r in rows)
    hint = ("per layer: forward GEMM 2 N n_in n_out, bias N n_out, backward GEMMs 4 N n_in n_out, "
            "bias gradient N n_out")
    expect_close("flops_per_step", flops_per_step, per_step, hint, rtol=1e-12)
    expect_close("flops_per_epoch", flops_per_epoch, per_step * 60_000 // 10,
                 "an epoch of 60,000 images in batches of 10 is 6,000 steps", rtol=1e-12)
    expect_close("share", share, flops.gemm_share(rows), "GEMM flops / all counted flops", rtol=1e-9)

CHECKS = {"ch06-ex1": check_ex1, "ch06-ex2": check_ex2, "ch06-ex3": check_ex3, "ch06-ex4": check_ex4}
