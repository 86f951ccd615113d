"""Exercises of the BLAS and GPU chapter: inputs, references, mistake tables.

References come from mlplib.perf.flops and mlplib.perf.blocked on each exercise's own
inputs; each named mistake is the same count with one thing changed (a pass, a matrix, a
product, the unit).
"""

import numpy as np

from course.checks import Code, Value, Written
from course.checks.kit import Mistakes, code_diagnosis, rule
from mlplib.perf import blocked, flops

# --- ch07-ex1: intensity of the three levels, in flops per byte ---


def ex1_data(rng):
    if rng is None:
        return {"n": 1000, "itemsize": 4}
    return {"n": int(rng.integers(50, 5000)), "itemsize": int(rng.choice([4, 8]))}


NAMES1 = {"axpy": "q_axpy", "gemv": "q_gemv", "gemm": "q_gemm"}


def ex1_mistake(d, mistake=None):
    """mlplib's intensities (flops per word) per byte, or with one mistake."""
    n, size = d["n"], d["itemsize"]
    q = {NAMES1[r["operation"]]: r["intensity"] for r in flops.blas_table(n)}
    if mistake == "per word":
        return q
    if mistake == "words per flop":
        return {k: 1 / (v * size) for k, v in q.items()}
    wrong = {
        "two passes": {"q_axpy": flops.intensity(2 * n, 5 * n)},
        "A only": {"q_gemv": flops.intensity(flops.gemv_flops(n, n), n * n)},
        "C not read": {"q_gemm": flops.intensity(flops.gemm_flops(n, n, n), 3 * n * n)},
        "no additions": {"q_gemm": q["q_gemm"] / 2},
    }.get(mistake, {})
    return {k: v / size for k, v in (q | wrong).items()}


EX1 = Mistakes(
    ex1_mistake,
    {
        "per word": "That is flops per word (per number); divide by the bytes per "
        "number.",
        "words per flop": "Intensity is flops per byte, not bytes per flop.",
        "two passes": "That counts two passes; the routine reads x and y and writes y "
        "once.",
        "A only": "Count x and y as well as A: y is read and written.",
        "C not read": "C is read as well as written in C = AB + C: 4 n^2 numbers.",
        "no additions": "Each entry of C takes n multiplications and n additions.",
    },
)
EX1_GENERAL = {
    "q_axpy": "AXPY does n multiplications and n additions on 3n numbers.",
    "q_gemv": "GEMV does 2 n^2 flops; it reads A and x and reads and writes y.",
    "q_gemm": "GEMM does 2 n^3 flops on 4 n^2 numbers.",
}


# --- ch07-ex2: the flops a training step executes ---


def ex2_data(rng):
    if rng is None:
        return {"sizes": [784, 16, 16, 10], "batch": 10}
    hidden = [int(h) for h in rng.integers(8, 129, int(rng.integers(1, 4)))]
    return {"sizes": [784, *hidden, 10], "batch": int(rng.choice([10, 32, 64, 128]))}


def ex2_mistake(d, mistake=None):
    rows = flops.mlp_flops(d["sizes"], d["batch"], input_grad=mistake == "with dX")
    step = flops.step_flops(rows)
    with_dx = flops.step_flops(flops.mlp_flops(d["sizes"], d["batch"], True))
    right = flops.mlp_flops(d["sizes"], d["batch"])
    answers = {
        "flops_per_step": step,
        "skipped": with_dx - flops.step_flops(right),
        "share": flops.gemm_share(right),
    }
    if mistake == "no biases":
        return {
            "flops_per_step": sum(r["forward_gemm"] + r["backward_gemm"] for r in rows)
        }
    if mistake == "one flop per term":
        return {"skipped": answers["skipped"] / 2}
    if mistake == "percent":
        return {"share": 100 * answers["share"]}
    return {"flops_per_step": step} if mistake == "with dX" else answers


EX2 = Mistakes(
    ex2_mistake,
    {
        "with dX": "Training skips the first layer's gradient with respect to X.",
        "no biases": "Add the bias (N n_out) and its gradient (N n_out) of each layer.",
        "one flop per term": "A product of (N x n_out) and (n_out x n_in) does "
        "2 N n_out n_in flops.",
        "percent": "Give the share as a fraction between 0 and 1.",
    },
)
EX2_GENERAL = {
    "flops_per_step": "Per layer: forward 2 N n_in n_out, one or two backward GEMMs, "
    "biases.",
    "skipped": "The skipped product is dX = dZ W^T of the first layer.",
    "share": "The share is the GEMMs' flops over all the step's flops.",
}


# --- ch07-ex3: choosing a block size ---


def ex3_data(rng):
    if rng is None:
        return {"cache_kib": 32, "itemsize": 8, "blocks_per_side": 28}
    return {
        "cache_kib": int(rng.choice([32, 48, 64])),
        "itemsize": int(rng.choice([4, 8])),
        "blocks_per_side": int(rng.integers(10, 40)),
    }


def ex3_mistake(d, mistake=None):
    words = d["cache_kib"] * 1024 // d["itemsize"]
    best = blocked.best_block_size(words)
    q = blocked.blocked_traffic(best * d["blocks_per_side"], best)["q"]
    if mistake == "one block":
        return {"b": int(np.sqrt(words))}
    if mistake == "bytes":
        return {"b": blocked.best_block_size(d["cache_kib"] * 1024)}
    if mistake == "q = b":
        return {"q": float(best)}
    return {"b": best, "q": q}


EX3 = Mistakes(
    ex3_mistake,
    {
        "one block": "Three blocks (of A, B and C) must fit: 3 b^2 <= M.",
        "bytes": "M counts numbers (words), not bytes: divide by the item size.",
        "q = b": "q is about b; the exact count m = (2N + 2) n^2 gives a bit less.",
    },
)
EX3_GENERAL = {
    "b": "The largest integer b with 3 b^2 <= M, M the cache size in words.",
    "q": "q = f / m with f = 2 n^3 and m = (2N + 2) n^2, N = n / b.",
}


# --- ch07-ex4: a flop counter for a training step (code) ---


def ex4_cases(rng):
    sizes = [int(s) for s in rng.integers(1, 300, int(rng.integers(2, 6)))]
    return {"sizes": sizes, "batch": int(rng.integers(1, 257))}


def step_gemm_flops(sizes, batch, mistake=None):
    """mlplib's [forward, backward] GEMM flops per layer, or with one mistake."""
    rows = flops.mlp_flops(sizes, batch, input_grad=mistake == "dX in layer 0")
    out = np.array([[r["forward_gemm"], r["backward_gemm"]] for r in rows], float)
    if mistake == "one flop per term":
        return out / 2
    if mistake == "one backward product":
        return out[:, [0, 0]]
    return out


EX4 = Mistakes.calling(
    step_gemm_flops,
    {
        "one flop per term": "A multiply and an add per term: 2 m k n flops for "
        "(m, k) @ (k, n).",
        "dX in layer 0": "The first layer executes no dX = dZ W^T during training.",
        "one backward product": "Backward has two products per layer (dW and dX), "
        "except in layer 0.",
    },
)


def ex4_shape(got, expected, case):
    shape = np.shape(got)
    if shape == expected.T.shape != expected.shape:
        return "Return one row per layer: [forward, backward]."
    if shape != expected.shape:
        return "Return an array of shape (number of layers, 2)."
    return None


EX5_RUBRIC = (
    "Full marks: rates computed as 2 N^3 / time of the fastest of at least 5 timed "
    "runs after a warm-up, for both precisions at each size; states which precision "
    "is faster and the ratio measured; explains why: GEMM at these sizes is "
    "compute-bound, and a vector register and an FMA instruction hold twice as many "
    "float32 as float64 numbers, so the peak doubles: the 2x comes from the SIMD "
    "width, not from the bytes moved, which would matter only for a memory-bound "
    "kernel; expects about 2 at every size, the smallest included; a measured ratio "
    "below that is explained by timing noise or a busy machine, not by the size."
)
EX6_RUBRIC = (
    "Full marks: q = 2*10*784*16 / ((10*784 + 784*16 + 10*16)*4) = 3.05 flop/byte; "
    "roof min(160, 3.05*30), about 91.6 GFLOP/s, memory-bound (and in practice "
    "call-overhead-bound); q(N) = 25088 N / (3200 N + 50176) reaches the ridge 5.33 "
    "from N = 34 (the limit as N grows is 7.84 flop/byte); a GPU raises both roofs but "
    "each of the 6,000 steps of an epoch at batch 10 pays kernel launches and "
    "synchronisation for microseconds of arithmetic."
)

EXERCISES = [
    Value(
        "ch07-ex1",
        check=rule(ex1_mistake, EX1, EX1_GENERAL),
        data=ex1_data,
        title="Intensity of the three levels",
        difficulty="warm-up",
        minutes=10,
        points=1,
        version=2,
    ),
    Value(
        "ch07-ex2",
        check=rule(ex2_mistake, EX2, EX2_GENERAL),
        data=ex2_data,
        title="The flops of a training step",
        minutes=15,
        points=2,
        version=2,
    ),
    Value(
        "ch07-ex3",
        check=rule(ex3_mistake, EX3, EX3_GENERAL, exact=("b",)),
        data=ex3_data,
        title="Choosing a block size",
        minutes=15,
        points=2,
        version=2,
    ),
    Code(
        "ch07-ex4",
        name="step_gemm_flops",
        pure=True,
        forbids=("mlplib.perf.flops.mlp_flops", "mlplib.perf.flops.training_matmuls"),
        cases=ex4_cases,
        reference=step_gemm_flops,
        diagnose=code_diagnosis(EX4, ex4_shape),
        title="A flop counter for a training step",
        minutes=20,
        points=3,
        version=2,
    ),
    Written(
        "ch07-ex5",
        title="Single and double precision",
        rubric=EX5_RUBRIC,
        minutes=20,
        points=2,
        version=2,
    ),
    Written(
        "ch07-ex6",
        title="A small network on the roofline",
        rubric=EX6_RUBRIC,
        difficulty="stretch",
        minutes=30,
        points=3,
        version=2,
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
