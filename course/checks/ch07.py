"""Exercises of the BLAS and GPU chapter: inputs, checks and diagnoses.

Expected values come from mlplib.flops and mlplib.blocked on each exercise's own inputs;
no message shows an expected value.
"""

import numpy as np

from course.checks import Code, Value, Written, expect_hand, near
from mlplib import blocked, flops

# --- ch07-ex1: intensity of the three levels ------------------------------------------


def ex1_data(rng):
    return {"n": 1000 if rng is None else int(rng.integers(50, 5000))}


def ex1(data, q_axpy, q_gemv, q_gemm):
    n = data["n"]
    rows = {r["operation"]: r for r in flops.blas_table(n)}

    def axpy_hint(got, expected):
        if near(got, 2 / 5):
            return (
                "That counts two passes; the routine reads x and y and writes y once."
            )
        if near(got, 1 / expected):
            return "Intensity is flops per word, not words per flop."
        return "AXPY does n multiplications and n additions on 3n words."

    def gemv_hint(got, expected):
        if near(got, 2 * n * n / (n * n)):
            return "Count x and y as well as A: y is read and written."
        return "GEMV does 2 n^2 flops; it reads A and x and reads and writes y."

    def gemm_hint(got, expected):
        if near(got, 2 * n**3 / (3 * n * n)):
            return "C is read as well as written in C = AB + C: 4 n^2 words."
        if near(got, n**3 / (4 * n * n)):
            return "Each entry of C takes n multiplications and n additions."
        return "GEMM does 2 n^3 flops on 4 n^2 words."

    expect_hand("q_axpy", q_axpy, rows["axpy"]["intensity"], axpy_hint)
    expect_hand("q_gemv", q_gemv, rows["gemv"]["intensity"], gemv_hint)
    expect_hand("q_gemm", q_gemm, rows["gemm"]["intensity"], gemm_hint)


# --- ch07-ex2: the flops a training step executes -------------------------------------


def ex2_data(rng):
    if rng is None:
        return {"sizes": [784, 16, 16, 10], "batch": 10}
    hidden = [int(h) for h in rng.integers(8, 129, int(rng.integers(1, 4)))]
    return {"sizes": [784, *hidden, 10], "batch": int(rng.choice([10, 32, 64, 128]))}


def ex2(data, flops_per_step, skipped, share):
    sizes, N = data["sizes"], data["batch"]
    rows = flops.mlp_flops(sizes, N)
    step = flops.step_flops(rows)
    with_dx = flops.step_flops(flops.mlp_flops(sizes, N, input_grad=True))

    def step_hint(got, expected):
        if near(got, with_dx):
            return "Training skips the first layer's gradient with respect to X."
        gemm = sum(r["forward_gemm"] + r["backward_gemm"] for r in rows)
        if near(got, gemm):
            return "Add the bias (N n_out) and its gradient (N n_out) of each layer."
        return "Per layer: forward 2 N n_in n_out, one or two backward GEMMs, biases."

    def skipped_hint(got, expected):
        if near(got, expected / 2):
            return (
                "A product of (N x n_out) and (n_out x n_in) does 2 N n_out n_in flops."
            )
        return "The skipped product is dX = dZ W^T of the first layer."

    expect_hand("flops_per_step", flops_per_step, step, step_hint)
    expect_hand("skipped", skipped, with_dx - step, skipped_hint)
    expect_hand(
        "share",
        share,
        flops.gemm_share(rows),
        lambda got, exp: "A fraction between 0 and 1." if got > 1 else None,
    )


# --- ch07-ex3: choosing a block size --------------------------------------------------


def ex3_data(rng):
    if rng is None:
        return {"cache_kib": 32, "itemsize": 8, "blocks_per_side": 28}
    return {
        "cache_kib": int(rng.choice([32, 48, 64])),
        "itemsize": int(rng.choice([4, 8])),
        "blocks_per_side": int(rng.integers(10, 40)),
    }


def ex3(data, b, q):
    words = data["cache_kib"] * 1024 // data["itemsize"]
    best = blocked.best_block_size(words)
    n = best * data["blocks_per_side"]

    def b_hint(got, expected):
        if near(got, int(np.sqrt(words))):
            return "Three blocks (of A, B and C) must fit: 3 b^2 <= M."
        if near(got, int(np.sqrt(data["cache_kib"] * 1024 / 3))):
            return "M counts numbers (words), not bytes: divide by the item size."
        return "The largest integer b with 3 b^2 <= M, M the cache size in words."

    def q_hint(got, expected):
        if near(got, best):
            return "q is about b; the exact count m = (2N + 2) n^2 gives a bit less."
        return "q = f / m with f = 2 n^3 and m = (2N + 2) n^2, N = n / b."

    expect_hand("b", b, best, b_hint)
    expect_hand("q", q, blocked.blocked_traffic(n, best)["q"], q_hint)


# --- ch07-ex4: a flop counter for a training step (code) ------------------------------


def ex4_cases(rng):
    sizes = [int(s) for s in rng.integers(1, 300, int(rng.integers(2, 6)))]
    return {"sizes": sizes, "batch": int(rng.integers(1, 257))}


def ex4_reference(sizes, batch):
    rows = flops.mlp_flops(sizes, batch)
    return np.array([[r["forward_gemm"], r["backward_gemm"]] for r in rows], float)


def ex4_diagnose(got, expected, case):
    got = np.asarray(got, dtype=float)
    if got.shape == expected.T.shape and (
        got.shape != expected.shape or np.allclose(got, expected.T)
    ):
        return "Return one row per layer: [forward, backward]."
    if got.shape != expected.shape:
        return "Return an array of shape (number of layers, 2)."
    if np.allclose(got, expected / 2):
        return "A multiply and an add per term: 2 m k n flops for (m, k) @ (k, n)."
    if np.allclose(got[1:], expected[1:]) and np.isclose(got[0, 1], 2 * expected[0, 1]):
        return "The first layer executes no dX = dZ W^T during training."
    if np.allclose(got[:, 1], got[:, 0]):
        return "Backward has two products per layer (dW and dX), except in layer 0."
    return None


# --- EXERCISES ------------------------------------------------------------------------

EX5_RUBRIC = (
    "Rates computed as 2 N^3 / time of the fastest of at least 5 timed runs after a "
    "warm-up, "
    "for both precisions at each size; states which precision is faster and the ratio "
    "measured (about 2 at large N); explains why: a vector register and an FMA "
    "instruction hold twice as many float32 as float64 numbers, so the peak doubles, "
    "and each number moved is half the bytes; notes that at small N the call overhead "
    "hides the difference."
)
EX6_RUBRIC = (
    "Intensity of the (10 x 784) @ (784 x 16) product: 2*10*784*16 flops over "
    "(10*784 + 784*16 + 10*16) * 4 bytes, about 3.05 flops per byte in float32; its "
    "roof here is min(peak, q x bandwidth) with the measured STREAM bandwidth, well "
    "below the GEMM peak, so it is memory-bound (and in practice bound by call "
    "overhead); a GPU has a higher roof but each of the 6,000 steps of an epoch pays "
    "kernel launches and synchronisation, so it gains little; the batch at which the "
    "product's intensity crosses the ridge point P / bandwidth, found from the formula."
)

EXERCISES = [
    Value(
        "ch07-ex1",
        check=ex1,
        data=ex1_data,
        title="Intensity of the three levels",
        difficulty="warm-up",
        minutes=10,
        points=1,
    ),
    Value(
        "ch07-ex2",
        check=ex2,
        data=ex2_data,
        title="The flops of a training step",
        difficulty="core",
        minutes=15,
        points=2,
    ),
    Value(
        "ch07-ex3",
        check=ex3,
        data=ex3_data,
        title="Choosing a block size",
        difficulty="core",
        minutes=15,
        points=2,
    ),
    Code(
        "ch07-ex4",
        name="step_gemm_flops",
        cases=ex4_cases,
        reference=ex4_reference,
        diagnose=ex4_diagnose,
        title="A flop counter for a training step",
        difficulty="core",
        minutes=20,
        points=3,
    ),
    Written(
        "ch07-ex5",
        title="Single and double precision",
        rubric=EX5_RUBRIC,
        difficulty="core",
        minutes=20,
        points=2,
    ),
    Written(
        "ch07-ex6",
        title="A small network on the roofline",
        rubric=EX6_RUBRIC,
        difficulty="stretch",
        minutes=30,
        points=3,
    ),
]

# The instructor guide's planning data for this chapter (tools/planning.py).
PLANNING = {
    "objectives": [
        "count the flops and words moved of BLAS levels 1, 2 and 3 and their intensity",
        "measure GEMM speed and memory bandwidth and place them against the "
        "theoretical peak",
        "explain blocking for caches with the roofline model",
        "time CPU and GPU code correctly (warm-up, synchronisation, transfers)",
        "count the flops one training step of an MLP executes",
    ],
    "prerequisites": ["matrix products", "the training step of the MNIST chapter"],
    "lecture_minutes": 90,
    "lab_minutes": 120,
}
