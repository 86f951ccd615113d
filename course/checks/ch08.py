"""Exercises of the data-parallel chapter: inputs, checks and diagnoses.

Expected values come from mlplib.distributed (the ring schedule, the words sent, the
combined gradient, the ring's α-β time) applied to each exercise's own inputs; no
message shows an expected value.
"""

import numpy as np

from course.checks import Code, Feedback, Value, Written, expect_code, expect_hand, near
from mlplib import distributed
from mlplib.model import Sequential

# --- ch08-ex1: a ring all-reduce of 3 ranks by hand -----------------------------------


def ex1_data(rng):
    if rng is None:
        vectors = [[1, 2, 3, 4, 5, 6], [10, 20, 30, 40, 50, 60], [7, 0, -1, 2, 8, 3]]
        return {"vectors": np.array(vectors, dtype=float)}
    return {"vectors": rng.integers(-9, 10, (3, 6)).astype(float)}


def _reduce_scatter(vectors):
    """Each rank's buffer after the reduce-scatter phase (the ring schedule's first
    p - 1 steps, followed as the ranks would)."""
    bufs = np.array(vectors, dtype=float)
    p = len(bufs)
    for step in distributed.ring_schedule(p)[: p - 1]:
        messages = [
            (dst, c, bufs[src, 2 * c : 2 * c + 2].copy()) for _, src, dst, c in step
        ]
        for dst, c, values in messages:
            bufs[dst, 2 * c : 2 * c + 2] += values
    return bufs


def ex1(data, finished, sent):
    v = np.asarray(data["vectors"], dtype=float)
    bufs = _reduce_scatter(v)
    expected = np.array([bufs[r, 2 * ((r + 1) % 3) :][:2] for r in range(3)])
    total = v.sum(axis=0).reshape(3, 2)

    def diagnose_finished(got, exp):
        got_arr = np.asarray(got, dtype=float) if got is not None else None
        if got_arr is None or got_arr.shape != (3, 2):
            return (
                "finished has one row per rank and one column per chunk value: (3, 2)."
            )
        if near(got_arr, total):
            return (
                "Row r holds chunk r; after the reduce-scatter rank r holds chunk "
                "(r + 1) mod 3 complete."
            )
        if near(got_arr, total[[2, 0, 1]]):
            return "Check the direction: rank r sends to rank (r + 1) mod 3."
        if np.allclose(np.sort(got_arr.ravel()), np.sort(exp.ravel())):
            return "The values are right but not in rank order."
        return "Follow the schedule step by step; each step adds one received chunk."

    expect_hand("finished", finished, expected, diagnose_finished)
    words = distributed.words_sent(v.shape[1], 3, "ring")

    def diagnose_sent(got, exp):
        if near(got, exp / 2):
            return "Count both phases, reduce-scatter and all-gather."
        if near(got, 2 * v.shape[1]) or near(got, 4 * v.shape[1]):
            return "Each step sends one chunk of n/p values, not the whole vector."
        return "2(p - 1) steps, one chunk of n/p values each."

    expect_hand("sent", sent, words, diagnose_sent)


# --- ch08-ex2: bytes per rank and step ------------------------------------------------


def ex2_data(rng):
    if rng is None:
        return {"sizes": [784, 256, 256, 10], "p": 8, "bytes_per_value": 4}
    hidden = [int(n) for n in rng.choice([64, 128, 256, 512], 2)]
    return {
        "sizes": [784] + hidden + [10],
        "p": int(rng.choice([4, 8, 16, 32, 64])),
        "bytes_per_value": int(rng.choice([2, 4, 8])),
    }


def ex2(data, n_params, bytes_sent):
    sizes, p, size = data["sizes"], data["p"], data["bytes_per_value"]
    n = Sequential.from_sizes(sizes, None).n_params
    weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))

    def diagnose_n(got, exp):
        if near(got, weights):
            return "Count the biases too: n_l per layer."
        return "Layer l has an n_{l-1} x n_l weight matrix and n_l biases."

    expect_code("n_params", n_params, n, diagnose_n)  # a count is exact
    expected = distributed.words_sent(n, p, "ring") * size

    def diagnose_bytes(got, exp):
        if near(got, exp / size):
            return "That is a number of values; multiply by the bytes per value."
        if near(got, n * size):
            return "The ring sends 2(p - 1)/p of the vector per rank, not the vector."
        if near(got, exp / 2):
            return "Count both phases, reduce-scatter and all-gather."
        if near(got, 2 * (p - 1) * n * size):
            return "Each of the 2(p - 1) steps sends one chunk, n/p values."
        return "bytes = 2 (p - 1) / p x n_params x bytes per value."

    expect_hand("bytes_sent", bytes_sent, expected, diagnose_bytes)


# --- ch08-ex3: gradient averaging, in code --------------------------------------------


def ex3_cases(rng):
    p = int(rng.integers(2, 6))
    n = int(rng.integers(3, 12))
    counts = rng.integers(1, 40, p)
    counts[rng.integers(0, p)] += int(rng.integers(5, 30))  # shards of unequal size
    G = rng.normal(size=(p, n))
    if p > 2 and rng.random() < 0.5:  # a rank without samples: a zero row
        counts[-1], G[-1] = 0, 0.0
    return {"G": G, "counts": [int(c) for c in counts]}


def ex3_reference(G, counts):
    return distributed.combine_gradients(list(np.asarray(G)), counts)


def ex3_diagnose(got, expected, case):
    G, counts = np.asarray(case["G"]), np.asarray(case["counts"], dtype=float)
    got_arr = np.asarray(got, dtype=float)
    if got_arr.shape != expected.shape:
        return "Return one gradient of shape (n,): combine the rows of G."
    if near(got_arr, G.mean(axis=0)):
        return "That is the plain mean: weight each rank by its number of samples."
    if near(got_arr, G.sum(axis=0)):
        return "That is the sum of the ranks' gradients; it must be a weighted mean."
    if near(got_arr, counts @ G):
        return "Divide by the total number of samples."
    if near(got_arr, counts @ G / len(counts)):
        return "Divide by the number of samples, not by the number of ranks."
    return None


# --- ch08-ex4: where communication catches up -----------------------------------------


def ex4_data(rng):
    if rng is None:
        return {"alpha": 20e-6, "bandwidth": 1.25e9, "n_bytes": 1077288, "T_c": 0.05}
    return {
        "alpha": float(rng.choice([2e-6, 5e-6, 20e-6, 50e-6])),
        "bandwidth": float(rng.choice([1.25e9, 12.5e9, 50e9])),
        "n_bytes": int(rng.choice([52008, 1077288, 4 * 10**6])),
        "T_c": float(rng.choice([0.002, 0.01, 0.05])),
    }


def _ring(data, p):
    beta = 1 / data["bandwidth"]
    return distributed.allreduce_time(data["n_bytes"], p, data["alpha"], beta)


def ex4(data, p_star, p_min):
    a, nb, Tc = data["alpha"], data["n_bytes"] / data["bandwidth"], data["T_c"]
    qa, qb, qc = 2 * a, 2 * nb - 2 * a - Tc, -2 * nb
    root = (-qb + np.sqrt(qb**2 - 4 * qa * qc)) / (2 * qa)
    if abs(_ring(data, root) - Tc) > 1e-9 * Tc:  # the root solves T_ring(p) = T_c
        raise Feedback("internal: the quadratic's root does not solve the model")

    def diagnose(got, exp):
        try:
            g = float(got)
        except (TypeError, ValueError):
            return "p_star is one number."
        if near(g, Tc / (2 * a)):
            return "Keep the bandwidth term 2 (p - 1)/p n beta as well."
        if near(g, Tc / (2 * a) + 1):
            return "Keep the bandwidth term 2 (p - 1)/p n beta as well."
        return "Multiply T_ring(p) = T_c by p and take the positive root."

    expect_hand("p_star", p_star, root, diagnose)
    smallest = int(np.ceil(root))
    while _ring(data, smallest - 1) >= Tc:  # guard the rounding at an integer root
        smallest -= 1

    def diagnose_min(got, exp):
        if near(got, exp - 1):
            return "At that p communication is still shorter: round up."
        return "The smallest whole p at or above p_star."

    expect_code("p_min", p_min, smallest, diagnose_min)


EXERCISES = [
    Value(
        "ch08-ex1",
        check=ex1,
        data=ex1_data,
        title="A ring all-reduce by hand",
        difficulty="warm-up",
        minutes=15,
        points=1,
    ),
    Value(
        "ch08-ex2",
        check=ex2,
        data=ex2_data,
        title="Bytes per step",
        difficulty="warm-up",
        minutes=10,
        points=1,
    ),
    Code(
        "ch08-ex3",
        name="average_gradients",
        cases=ex3_cases,
        reference=ex3_reference,
        diagnose=ex3_diagnose,
        n_cases=5,
        title="Gradient averaging in the training loop",
        difficulty="core",
        minutes=20,
        points=3,
    ),
    Value(
        "ch08-ex4",
        check=ex4,
        data=ex4_data,
        title="When does communication catch up?",
        difficulty="core",
        minutes=20,
        points=2,
    ),
    Written(
        "ch08-ex5",
        title="Ring or tree?",
        rubric=(
            "(1) For p = 8: ring 14 alpha + (14/8) n beta, tree 2 log2(8) = 6 steps, "
            "6 (alpha + n beta); equal at 8 alpha = 4.25 n beta, n* = (8/4.25) "
            "alpha/beta, about 1.88 alpha/beta; tree below, ring above. (2) alpha/beta "
            "= 20 us x 1.25 GB/s = 25,000 bytes, n* about 47 KB; the 52 KB gradient of "
            "784-16-16-10 sits at the crossover (either is acceptable if argued), the "
            "1.08 MB of 784-256-256-10 calls for the ring. (3) Cutting the message "
            "into k chunks that follow each other down the tree: time about "
            "(log2 p + k)(alpha + n beta / k); latency grows with log p (plus k), "
            "the bandwidth part tends to n beta as k grows, as for the ring. Full "
            "marks: the crossover derived, both networks classified, the pipelining "
            "argued with the cost expression."
        ),
        difficulty="stretch",
        minutes=30,
        points=3,
    ),
]

# The instructor guide's planning data for this chapter (tools/planning.py).
PLANNING = {
    "objectives": [
        "show that averaging per-worker gradients gives the gradient of the "
        "global batch",
        "train with mlplib on several processes with torch.distributed and all-reduce",
        "describe ring, tree and reduce-broadcast all-reduce and count the "
        "data each sends",
        "measure and fit the alpha-beta cost model and predict where "
        "communication dominates",
        "apply the linear learning-rate scaling rule with warm-up",
    ],
    "prerequisites": [
        "the training loop (MNIST chapter)",
        "the cost of a matrix product (BLAS chapter)",
    ],
    "lecture_minutes": 90,
    "lab_minutes": 120,
}
