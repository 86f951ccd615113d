"""Automatic checks for the book's exercises.

Each chapter has a module ``course.checks.chNN`` with a ``CHECKS`` dict mapping an exercise
label (``"ch01-ex2"``) to a function that raises :class:`Feedback` saying what is wrong
(which value, expected vs got, a hint). Expected values are computed by mlplib, never typed in.

In a notebook::

    from course import check
    check("ch01-ex2", w=w, b=b)       # prints "✔ ch01-ex2: correct" or "✘ ch01-ex2: <what is wrong>"

The grader (``tools/grade.py``) reads the same lines from executed notebooks.
"""
import importlib

import numpy as np


class Feedback(Exception):
    """Raised by a check: the message tells the student what is wrong and how to look for it."""


def check(label, *args, **kwargs):
    """Run the check for ``label`` and print a one-line verdict (``✔ label: correct`` or ``✘ label: why``).

    Returns None, so a check cell shows only the verdict; the grader reads the printed line.
    """
    chapter = label.split("-")[0]
    try:
        checks = importlib.import_module(f"{__name__}.{chapter}").CHECKS
        fn = checks[label]
    except (ImportError, KeyError):
        raise KeyError(f"no check for exercise {label!r}") from None
    try:
        fn(*args, **kwargs)
    except Feedback as feedback:
        print(f"✘ {label}: {feedback}")
        return
    print(f"✔ {label}: correct")


def as_array(name, value, shape=None, hint=""):
    """The answer ``value`` as a float array, or :class:`Feedback` saying why it is not one
    (still ``None``, not numbers, the wrong shape, NaN or infinity)."""
    if value is None:
        raise Feedback(f"{name} is None: set it to your answer. {hint}".strip())
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise Feedback(f"{name} should be a number or an array of numbers, got {type(value).__name__}. {hint}".strip()) from None
    if shape is not None and arr.shape != tuple(shape):
        raise Feedback(f"{name} has shape {arr.shape}, expected {tuple(shape)}. {hint}".strip())
    if not np.all(np.isfinite(arr)):
        raise Feedback(f"{name} contains NaN or infinity: {arr}. {hint}".strip())
    return arr


def expect_close(name, got, expected, hint="", rtol=1e-6, atol=1e-8):
    """Raise :class:`Feedback` unless ``got`` equals ``expected`` (same shape, within tolerance)."""
    expected_arr = np.asarray(expected, dtype=float)
    got_arr = as_array(name, got, expected_arr.shape, hint)
    if not np.allclose(got_arr, expected_arr, rtol=rtol, atol=atol):
        with np.printoptions(precision=6, suppress=True):
            raise Feedback(f"{name}: expected {expected_arr}, got {got_arr}. {hint}".strip())


def expect_true(condition, message):
    """Raise :class:`Feedback` with ``message`` unless ``condition`` holds."""
    if not condition:
        raise Feedback(message)
