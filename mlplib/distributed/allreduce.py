r"""All-reduce: every rank passes in a vector, every rank gets back the sum.

Three schedules of messages, each a list of steps whose messages travel at the same
time: *reduce then broadcast* through rank 0, a binomial *tree*
(:math:`\lceil\log_2 p\rceil` rounds each way) and the *ring* (:math:`2(p-1)` steps of
:math:`n/p` values). :func:`simulate_allreduce` follows a schedule with NumPy arrays
as the ranks, and :func:`words_sent` counts the values the busiest rank sends: the
ring's :math:`2(p-1)n/p` does not grow with :math:`p`.
"""

import numpy as np

from ..errors import ShapeError, check_int

ALGORITHMS = ("ring", "tree", "reduce_broadcast")


def ring_schedule(p):
    """Who sends which chunk at each step of a ring all-reduce of ``p`` ranks.

    The vector is cut into ``p`` chunks. Returns ``2(p-1)`` steps; each step is a list
    of ``(phase, src, dst, chunk)`` with ``dst = (src + 1) % p``. Reduce-scatter (steps
    ``s = 0 .. p-2``): rank ``r`` sends chunk ``(r - s) % p``, which ``dst`` adds to its
    own; afterwards rank ``r`` holds the full sum of chunk ``(r + 1) % p``. All-gather
    (``s = 0 .. p-2``): rank ``r`` sends chunk ``(r + 1 - s) % p``, which ``dst``
    stores.

    >>> [[chunk for *_, chunk in step] for step in ring_schedule(3)]
    [[0, 1, 2], [2, 0, 1], [1, 2, 0], [0, 1, 2]]
    """
    _check_p(p, "ring_schedule")
    steps = []
    for phase, offset in (("reduce-scatter", 0), ("all-gather", 1)):
        for s in range(p - 1):
            steps.append(
                [(phase, r, (r + 1) % p, (r + offset - s) % p) for r in range(p)]
            )
    return steps


def schedule(p, algorithm="ring"):
    r"""The steps of an all-reduce of ``p`` ranks: lists of ``(phase, src, dst,
    chunk)``.

    Messages within a step travel at the same time. ``chunk`` is ``None`` when the whole
    vector is sent. ``"ring"``: :func:`ring_schedule`. ``"tree"`` (binomial tree,
    :math:`L = \lceil\log_2 p\rceil` rounds each way): in reduce round ``k`` every rank
    ``r`` with ``r mod 2^{k+1} = 2^k`` sends its partial sum to ``r - 2^k``; the
    broadcast runs the rounds backwards with the arrows reversed.
    ``"reduce_broadcast"``: rank 0 receives from ranks 1 .. p-1 one after the other,
    then sends the sum to each in turn.
    """
    check_algorithm(algorithm)
    _check_p(p, "schedule")
    if algorithm == "ring":
        return ring_schedule(p)
    if algorithm == "reduce_broadcast":
        reduce = [[("reduce", r, 0, None)] for r in range(1, p)]
        return reduce + [[("broadcast", 0, r, None)] for r in range(1, p)]
    rounds = int(np.ceil(np.log2(p)))
    up = [
        [("reduce", r, r - 2**k, None) for r in range(p) if r % 2 ** (k + 1) == 2**k]
        for k in range(rounds)
    ]
    down = [
        [("broadcast", dst, src, None) for _, src, dst, _ in step]
        for step in reversed(up)
    ]
    return up + down


def simulate_allreduce(vectors, algorithm="ring"):
    """Sum ``p`` equal-length vectors by following :func:`schedule`, as ``p`` ranks
    would.

    Returns ``(results, sent)``: every rank's final vector (all equal to the sum) and
    the number of values each rank sent. Ring chunks are ``np.array_split`` pieces, so
    the length need not be a multiple of ``p``.
    """
    bufs = [np.array(v, dtype=float) for v in vectors]
    p = len(bufs)
    if p < 2 or len({b.shape for b in bufs}) != 1 or bufs[0].ndim != 1:
        raise ShapeError(
            "simulate_allreduce: needs at least 2 one-dimensional vectors of one length"
        )
    bounds = np.cumsum([0] + [len(c) for c in np.array_split(bufs[0], p)])
    piece = [slice(bounds[c], bounds[c + 1]) for c in range(p)] + [slice(None)]
    sent = np.zeros(p, dtype=int)
    for step in schedule(p, algorithm):
        # read every message of a step before any buffer changes: they travel together
        values = [
            bufs[src][piece[-1 if c is None else c]].copy() for _, src, _, c in step
        ]
        for (phase, src, dst, c), v in zip(step, values):
            sent[src] += v.size
            where = piece[-1 if c is None else c]
            if phase in ("reduce-scatter", "reduce"):
                bufs[dst][where] += v
            else:
                bufs[dst][where] = v
    return bufs, sent


def words_sent(n, p, algorithm="ring"):
    r"""Values the busiest rank sends in one all-reduce of ``n`` values over ``p``
    ranks.

    ``"ring"``: :math:`2(p-1)n/p` (every rank the same). ``"tree"``: the root sends the
    whole vector once per broadcast round, :math:`\lceil\log_2 p\rceil n`.
    ``"reduce_broadcast"``: the root sends the sum to every other rank, :math:`(p-1)n`.

    >>> words_sent(1000, 4), words_sent(1000, 4, "tree")
    (1500.0, 2000.0)
    """
    check_algorithm(algorithm)
    if p == 1:
        return 0.0
    if algorithm == "ring":
        return 2 * (p - 1) * n / p
    if algorithm == "tree":
        return float(np.ceil(np.log2(p)) * n)
    return float((p - 1) * n)


def check_algorithm(algorithm):
    """One of :data:`ALGORITHMS`."""
    if algorithm not in ALGORITHMS:
        raise ValueError(
            f"unknown all-reduce algorithm {algorithm!r}; expected one of {ALGORITHMS}"
        )


def _check_p(p, where):
    """An all-reduce needs at least two ranks."""
    check_int(p, "p (number of ranks)", where, minimum=2)
