"""Call a student's function on given inputs (in the grading kernel and in Colab)."""

import copy

import numpy as np


def same(a, b):
    """True when ``a`` and ``b`` hold the same values (arrays entry by entry)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    try:
        return bool(np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True))
    except (TypeError, ValueError):
        return a is b


def call_cases(fn, cases):
    """``[(status, output, changed)]``, one per case: status ``"ok"`` with the output or
    ``"error"`` with a message, and the names of the arguments ``fn`` changed in
    place."""
    results = []
    for case in cases:
        given = copy.deepcopy(case)
        try:
            status, output = "ok", fn(**given)
        except Exception as error:
            status, output = "error", f"{type(error).__name__}: {error}"[:300]
        changed = sorted(k for k in case if not same(case[k], given[k]))
        results.append((status, output, changed))
    return results
