"""Exercises of the data-parallel chapter: inputs, references, mistake tables.

References come from mlplib.distributed (the ring schedule, the words sent, the
combined gradient, the ring's α-β time) applied to each exercise's own inputs; each
named mistake is the same computation with one thing changed.
"""

import numpy as np

from course.checks import Code, Value, Written
from course.checks.kit import Mistakes, code_diagnosis, rule
from mlplib import distributed
from mlplib.model import Sequential

# --- ch08-ex1: a ring all-reduce of 3 ranks by hand ---


def ex1_data(rng):
    if rng is None:
        vectors = [[1, 2, 3, 4, 5, 6], [10, 20, 30, 40, 50, 60], [7, 0, -1, 2, 8, 3]]
        return {"vectors": np.array(vectors, dtype=float)}
    return {"vectors": rng.integers(-9, 10, (3, 6)).astype(float)}


def reduce_scatter(vectors):
    """Each rank's buffer after the reduce-scatter phase (the first p - 1 steps of
    mlplib's ring schedule, followed as the ranks would)."""
    bufs = np.array(vectors, dtype=float)
    p = len(bufs)
    for step in distributed.ring_schedule(p)[: p - 1]:
        messages = [
            (dst, c, bufs[src, 2 * c : 2 * c + 2].copy()) for _, src, dst, c in step
        ]
        for dst, c, values in messages:
            bufs[dst, 2 * c : 2 * c + 2] += values
    return bufs


def ex1_mistake(d, mistake=None):
    v = np.asarray(d["vectors"], dtype=float)
    bufs = reduce_scatter(v)
    total = v.sum(axis=0).reshape(3, 2)
    n, p = v.shape[1], 3
    sent = distributed.words_sent(n, p, "ring")
    wrong = {
        "chunk r": {"finished": total},
        "direction": {"finished": total[[2, 0, 1]]},
        "one phase": {"sent": sent / 2},
        "whole vector": {"sent": 2 * (p - 1) * n},
        "whole vector, one phase": {"sent": (p - 1) * n},
    }
    finished = np.array([bufs[r, 2 * ((r + 1) % 3) :][:2] for r in range(3)])
    return {"finished": finished, "sent": sent} | wrong.get(mistake, {})


CHUNK = "Each step sends one chunk of n/p values, not the whole vector."
EX1 = Mistakes(
    ex1_mistake,
    {
        "chunk r": "Row r holds chunk r; after the reduce-scatter rank r holds chunk "
        "(r + 1) mod 3 complete.",
        "direction": "Check the direction: rank r sends to rank (r + 1) mod 3.",
        "one phase": "Count both phases, reduce-scatter and all-gather.",
        "whole vector": CHUNK,
        "whole vector, one phase": CHUNK,
    },
)


def finished_hint(got, expected):
    got = np.asarray(got, dtype=float)
    if got.shape != (3, 2):
        return "finished has one row per rank and one column per chunk value: (3, 2)."
    if np.array_equal(np.sort(got.ravel()), np.sort(np.ravel(expected))):
        return "The values are right but not in rank order."
    return "Follow the schedule step by step; each step adds one received chunk."


EX1_GENERAL = {
    "finished": finished_hint,
    "sent": "2(p - 1) steps, one chunk of n/p values each.",
}


# --- ch08-ex2: bytes per rank and step ---


def ex2_data(rng):
    if rng is None:
        return {"sizes": [784, 128, 32, 10], "p": 16, "bytes_per_value": 4}
    hidden = [int(n) for n in rng.choice([64, 128, 256, 512], 2)]
    return {
        "sizes": [784] + hidden + [10],
        "p": int(rng.choice([4, 8, 16, 32, 64])),
        "bytes_per_value": int(rng.choice([2, 4, 8])),
    }


def ex2_mistake(d, mistake=None):
    sizes, p, size = d["sizes"], d["p"], d["bytes_per_value"]
    n = Sequential.from_sizes(sizes, None).n_params
    if mistake == "weights only":
        n = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    ring = distributed.words_sent(n, p, "ring")
    bytes_sent = {
        "values": ring,
        "whole vector": n * size,
        "one phase": ring * size / 2,
        "chunk": 2 * (p - 1) * n * size,
        "bits": 8 * ring * size,
    }
    return {"n_params": n, "bytes_sent": bytes_sent.get(mistake, ring * size)}


EX2 = Mistakes(
    ex2_mistake,
    {
        "weights only": "Count the biases too: n_l per layer.",
        "values": "That is a number of values; multiply by the bytes per value.",
        "whole vector": "The ring sends 2(p - 1)/p of the vector per rank, not the "
        "vector.",
        "one phase": "Count both phases, reduce-scatter and all-gather.",
        "chunk": "Each of the 2(p - 1) steps sends one chunk, n/p values.",
        "bits": "That is a number of bits; the answer is in bytes.",
    },
)
EX2_GENERAL = {
    "n_params": "Layer l has an n_{l-1} x n_l weight matrix and n_l biases.",
    "bytes_sent": "bytes = 2 (p - 1) / p x n_params x bytes per value.",
}


# --- ch08-ex3: gradient averaging, in code ---


def ex3_cases(rng):
    p, n = int(rng.integers(2, 6)), int(rng.integers(3, 12))
    counts = rng.integers(1, 40, p)
    counts[rng.integers(0, p)] += int(rng.integers(5, 30))  # shards of unequal size
    G = rng.normal(size=(p, n))
    if p > 2 and rng.random() < 0.5:  # a rank without samples: a zero row
        counts[-1], G[-1] = 0, 0.0
    return {"G": G, "counts": [int(c) for c in counts]}


def average_gradients(G, counts, mistake=None):
    """mlplib's sample-weighted mean of the ranks' gradients, or one mistake's."""
    G, p, total = list(np.asarray(G, dtype=float)), len(counts), sum(counts)
    if mistake in ("plain mean", "sum"):
        mean = distributed.combine_gradients(G, [1] * p)
        return mean * (p if mistake == "sum" else 1)
    weighted = distributed.combine_gradients(G, counts)
    scale = {"no division": total, "over p": total / p}.get(mistake, 1)
    return weighted * scale


EX3 = Mistakes.calling(
    average_gradients,
    {
        "plain mean": "That is the plain mean: weight each rank by its number of "
        "samples.",
        "sum": "That is the sum of the ranks' gradients; it must be a weighted mean.",
        "no division": "Divide by the total number of samples.",
        "over p": "Divide by the number of samples, not by the number of ranks.",
    },
)


def ex3_shape(got, expected, case):
    if np.shape(got) != expected.shape:
        return "Return one gradient of shape (n,): combine the rows of G."
    return None


# --- ch08-ex4: where communication catches up ---


def ex4_data(rng):
    if rng is None:
        return {"alpha": 20e-6, "bandwidth": 1.25e9, "n_bytes": 1077288, "T_c": 0.05}
    return {
        "alpha": float(rng.choice([2e-6, 5e-6, 20e-6, 50e-6])),
        "bandwidth": float(rng.choice([1.25e9, 12.5e9, 50e9])),
        "n_bytes": int(rng.choice([52008, 1077288, 4 * 10**6])),
        "T_c": float(rng.choice([0.002, 0.01, 0.05])),
    }


def ring_time(d, p):
    return distributed.allreduce_time(d["n_bytes"], p, d["alpha"], 1 / d["bandwidth"])


def ex4_mistake(d, mistake=None):
    """The positive root of p T_ring(p) = p T_c, and the first whole p at or above."""
    a, nb, Tc = d["alpha"], d["n_bytes"] / d["bandwidth"], d["T_c"]
    if mistake in ("no bandwidth term", "no bandwidth term, p - 1"):
        return {"p_star": Tc / (2 * a) + (mistake != "no bandwidth term")}
    qa, qb, qc = 2 * a, 2 * nb - 2 * a - Tc, -2 * nb
    root = (-qb + np.sqrt(qb**2 - 4 * qa * qc)) / (2 * qa)
    smallest = int(np.ceil(root))
    while ring_time(d, smallest - 1) >= Tc:  # guard the rounding at an integer root
        smallest -= 1
    if mistake == "rounded down":
        return {"p_min": smallest - 1}
    return {"p_star": root, "p_min": smallest}


BANDWIDTH = "Keep the bandwidth term 2 (p - 1)/p n beta as well."
EX4 = Mistakes(
    ex4_mistake,
    {
        "no bandwidth term": BANDWIDTH,
        "no bandwidth term, p - 1": BANDWIDTH,
        "rounded down": "At that p communication is still shorter: round up.",
    },
)
EX4_GENERAL = {
    "p_star": "Multiply T_ring(p) = T_c by p and take the positive root.",
    "p_min": "The smallest whole p at or above p_star.",
}

EX5_RUBRIC = (
    "(1) For p = 8: ring 14 alpha + (14/8) n beta, tree 2 log2(8) = 6 steps, "
    "6 (alpha + n beta); equal at 8 alpha = 4.25 n beta, n* = (8/4.25) alpha/beta, "
    "about 1.88 alpha/beta; tree below, ring above. (2) alpha/beta = 20 us x 1.25 GB/s "
    "= 25,000 bytes, n* about 47 KB; the 52 KB fused gradient of 784-16-16-10 sits at "
    "the crossover (either is acceptable if argued), the 1.08 MB of 784-256-256-10 "
    "calls for the ring. (3) Pipelined single tree: time about (log2 p + k)(alpha + "
    "n beta / k) per child link, but an interior node sends each chunk to 2 children, "
    "so the broadcast's bandwidth term is 2 n beta and the reduce's 2 n beta (it "
    "receives from 2): twice the ring's; a double binary tree sends half the message "
    "down each of two trees in which every rank is interior in at most one, so each "
    "rank sends and receives about n per phase: bandwidth term 2 n beta for the "
    "all-reduce, as the ring, with 2 log2 p latency terms (Sanders, Speck and Traff "
    "2009; NCCL 2.4). Full marks: the crossover derived, both networks classified, the "
    "single tree's bandwidth cost and the two-tree fix argued with the cost expression."
)

EXERCISES = [
    Value(
        "ch08-ex1",
        check=rule(ex1_mistake, EX1, EX1_GENERAL, exact=("sent",)),
        data=ex1_data,
        title="A ring all-reduce by hand",
        difficulty="warm-up",
        minutes=15,
        points=1,
        version=2,
    ),
    Value(
        "ch08-ex2",
        data=ex2_data,
        title="Bytes per step",
        difficulty="warm-up",
        check=rule(ex2_mistake, EX2, EX2_GENERAL, exact=("n_params",)),
        minutes=10,
        points=1,
        version=2,
    ),
    Code(
        "ch08-ex3",
        name="average_gradients",
        pure=True,
        forbids=(
            "mlplib.distributed.combine_gradients",
            "mlplib.distributed.shards.combine_gradients",
        ),
        cases=ex3_cases,
        reference=average_gradients,
        diagnose=code_diagnosis(EX3, ex3_shape),
        n_cases=5,
        title="Gradient averaging in the training loop",
        minutes=20,
        points=3,
        version=2,
    ),
    Value(
        "ch08-ex4",
        check=rule(ex4_mistake, EX4, EX4_GENERAL, exact=("p_min",)),
        data=ex4_data,
        title="When does communication catch up?",
        minutes=20,
        points=2,
        version=2,
    ),
    Written(
        "ch08-ex5",
        title="Ring or tree?",
        rubric=EX5_RUBRIC,
        difficulty="stretch",
        minutes=30,
        points=3,
        version=2,
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
