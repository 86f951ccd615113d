"""Comparisons and verdicts: shared by the notebook's ``check`` and the grader.

Nothing here prints or returns an expected value: a failed comparison says which
quantity is wrong and how (shape, how many entries, not numbers), and a diagnosis may
name the likely mistake.
"""

import copy

import numpy as np

from course.exercise import Code, Feedback, Value, Written
from course.kit.calls import call_cases  # noqa: F401  (course.checks re-exports it)

ABS_FLOOR = 1e-12  # a hand answer of 0 where the exact value is rounding noise passes


class NotAnswered(Feedback):
    def __init__(self, names=()):
        detail = f": {', '.join(names)} still None" if names else ""
        super().__init__(f"not answered yet{detail}")


def hand_within(got, expected):
    """True where ``got`` agrees with ``expected`` to four significant figures."""
    size = np.abs(expected)
    exponent = np.floor(np.log10(np.where(size > 0, size, 1.0)))
    half_unit = 0.5 * 10.0 ** (exponent - 3) * (1 + 1e-9)
    return np.abs(got - expected) <= np.maximum(
        np.where(size > 0, half_unit, 0), ABS_FLOOR
    )


def near(got, candidate):
    """True when ``got`` has ``candidate``'s shape and agrees with it to four
    significant figures: how a diagnosis recognises a likely mistake's value."""
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return False
    candidate = np.asarray(candidate, dtype=float)
    return got.shape == candidate.shape and bool(np.all(hand_within(got, candidate)))


def code_within(got, expected):
    """True where ``got`` agrees with ``expected`` to 1e-8 (relative above 1)."""
    return np.abs(got - expected) <= 1e-8 * np.maximum(1.0, np.abs(expected))


def as_numbers(name, value):
    """``value`` as a float array, or :class:`Feedback` (None, not numbers, NaN)."""
    if value is None:
        raise NotAnswered([name])
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        kind = type(value).__name__
        message = f"{name} should be a number or an array of numbers, not {kind}."
        raise Feedback(message) from None
    if not np.all(np.isfinite(arr)):
        raise Feedback(f"{name} contains NaN or infinity.")
    return arr


def compare(name, got, expected, within, what):
    """Raise :class:`Feedback` unless ``got`` matches ``expected``: numbers and arrays
    entry by entry with ``within``; tuples item by item; dicts key by key."""
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            raise Feedback(f"{name} should be a dict with keys {sorted(expected)}.")
        missing = sorted(set(expected) - set(got))
        if missing:
            raise Feedback(f"{name} has no key {missing[0]!r}.")
        for key in expected:
            compare(f"{name}[{key!r}]", got[key], expected[key], within, what)
        return
    if isinstance(expected, tuple):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            raise Feedback(f"{name} should be a tuple of {len(expected)} items.")
        for i, (g, e) in enumerate(zip(got, expected)):
            compare(f"{name}[{i}]", g, e, within, what)
        return
    exp = np.asarray(expected, dtype=float)
    arr = as_numbers(name, got)
    if arr.shape != exp.shape:
        raise Feedback(
            f"{name} has shape {arr.shape}, which is not the answer's shape."
        )
    wrong = ~within(arr, exp)
    if wrong.any():
        count = "" if exp.ndim == 0 else f" ({wrong.sum()} of {wrong.size} entries)"
        raise Feedback(f"{name} is not {what}{count}.")


def expect(name, got, expected, within, what, diagnose=None):
    try:
        compare(name, got, expected, within, what)
    except NotAnswered:
        raise
    except Feedback as feedback:
        hint = None
        if diagnose is not None:
            try:
                hint = diagnose(got, expected)
            except Exception:  # a diagnosis that cannot run says nothing
                hint = None
        raise Feedback(feedback.message, hint=hint) from None


def expect_hand(name, got, expected, diagnose=None):
    """Raise :class:`Feedback` unless ``got`` is ``expected`` to 4 significant figures.

    ``diagnose(got, expected) -> str | None`` names the likely mistake when it is wrong.
    """
    expect(
        name, got, expected, hand_within, "correct to 4 significant figures", diagnose
    )


def expect_code(name, got, expected, diagnose=None):
    """Raise :class:`Feedback` unless ``got`` is ``expected`` to 1e-8."""
    expect(name, got, expected, code_within, "correct to 1e-8", diagnose)


# --- verdicts ---


def value_verdict(ex: Value, data, answers):
    """Run a numeric exercise's check on plain-data ``answers`` (Feedback if wrong)."""
    missing = [name for name, value in answers.items() if value is None]
    if not answers or missing:
        raise NotAnswered(missing if len(missing) < len(answers) else ())
    try:
        ex.check(copy.deepcopy(data), **answers)
    except Feedback:
        raise
    except TypeError as error:
        raise Feedback(f"the check could not take these answers: {error}") from None
    except Exception as error:
        raise Feedback(
            f"your answer could not be checked: {type(error).__name__}"
        ) from None


def describe(case):
    parts = [f"{k} of shape {np.shape(v)}" for k, v in case.items() if np.ndim(v) > 0]
    return f" on random inputs ({', '.join(parts)})" if parts else " on random inputs"


def code_verdict(ex: Code, cases, results):
    """Compare the student's outputs (``results`` of :func:`call_cases`) with the
    reference on the same ``cases``; raise Feedback naming the first wrong case."""
    for case, (status, got, *changed) in zip(cases, results, strict=True):
        if status == "error":
            raise Feedback(f"{ex.name} raised {got}{describe(case)}.")
        changed = list(changed[0]) if changed else []
        if ex.pure and changed:
            raise Feedback(
                f"{ex.name} changed its argument {changed[0]} in place; return new "
                "arrays and leave the inputs unchanged."
            )
        expected = ex.reference(**copy.deepcopy(case))

        def diagnose(g, e, case=case):
            return ex.diagnose(g, e, case) if ex.diagnose else None

        try:
            expect_code(f"the output of {ex.name}", got, expected, diagnose)
        except Feedback as feedback:
            message = feedback.message.rstrip(".") + describe(case) + "."
            raise Feedback(message, hint=feedback.hint) from None


def code_answer(ex: Code, answers):
    """The student's function in ``answers``, or Feedback (missing, not a function)."""
    fn = answers.get(ex.name)
    if fn is None:
        raise NotAnswered()
    if not callable(fn):
        raise Feedback(f"{ex.name} should be a function, not {type(fn).__name__}.")
    return fn


def verdict_line(label, feedback, assessment=False):
    """The one verdict format: ``✔ label: correct`` or ``✘ label: what is wrong``."""
    if feedback is None:
        return f"✔ {label}: correct"
    return f"✘ {label}: {feedback.text(assessment)}"


__all__ = ["Code", "Feedback", "Value", "Written", "expect_code", "expect_hand"]
