"""The exercise check framework.

Usage, in a chapter module ``course/checks/chNN.py``::

    from course.checks import Code, Feedback, Value, Written, expect_code, expect_hand

    def ex1_data(rng):      # rng None: the book's fixed inputs; a Generator: a variant
        x = np.array([1.0, 3.0]) if rng is None else rng.integers(-3, 4, 2) * 1.0
        return {"x": x}

    def ex1(data, a):       # answers arrive as plain data; raise Feedback when wrong
        expect_hand("a", a, mlplib.activations.sigmoid(data["x"]),
                    diagnose=lambda got, exp: "Apply the sigmoid." if ... else None)

    EXERCISES = [
        Value("ch01-ex1", check=ex1, data=ex1_data, title="...", difficulty="warm-up",
              minutes=10, points=1),
        Code("ch02-ex4", name="dense_forward", cases=cases, reference=reference,
             diagnose=diagnose, title="...", minutes=20, points=3),
        Written("ch02-ex6", title="...", rubric="what a full answer holds", points=2),
    ]

In a notebook::

    from course import check, exercise_data
    data = exercise_data("ch01-ex1")     # this notebook's inputs of the exercise
    check("ch01-ex1", a=a)               # ✔ ch01-ex1: correct  /  ✘ ch01-ex1: <what>

Rules: ``expect_hand`` (four significant figures) and ``expect_code`` (1e-8) are the
only tolerances; no message contains an expected value; an answer still ``None`` gets
only "not answered yet". ``exercise_data`` gives the book's inputs unless the notebook
was built for one student: the student edition's setup cell calls ``use_variant(...)``,
and the ``COURSE_VARIANT`` environment variable does the same. The grader
(``tools/grade.py``) does not trust this module inside the student's kernel: it re-runs
the verdicts in its own process from exported answers (``course.grader``).
"""

import os

from course.exercise import Code, Feedback, Value, Written, find, variant_rng
from course.verdict import (
    call_cases,
    code_answer,
    code_verdict,
    expect_code,
    expect_hand,
    near,
    value_verdict,
    verdict_line,
)

SETTINGS = {"variant": None, "assessment": False}
NOTEBOOK_CASES = "notebook"  # the variant of the in-notebook check's code inputs


def use_variant(variant, assessment=False):
    """Use ``variant``'s exercise inputs from now on (the student edition calls it)."""
    SETTINGS["variant"] = None if variant is None else str(variant)
    SETTINGS["assessment"] = bool(assessment)


def current_variant():
    return SETTINGS["variant"] or os.environ.get("COURSE_VARIANT") or None


def assessment_mode():
    return SETTINGS["assessment"] or os.environ.get("COURSE_ASSESSMENT") == "1"


def exercise_data(label):
    """The inputs of numeric exercise ``label`` in this notebook (a new dict)."""
    ex = find(label)
    if not isinstance(ex, Value):
        raise KeyError(f"{label!r} is not a numeric exercise with inputs")
    return ex.inputs(current_variant())


def evaluate(label, answers):
    """None when ``answers`` are right, else the :class:`Feedback` saying why not."""
    ex = find(label)
    try:
        if isinstance(ex, Value):
            value_verdict(ex, ex.inputs(current_variant()), answers)
        elif isinstance(ex, Code):
            fn = code_answer(ex, answers)
            rng = variant_rng(NOTEBOOK_CASES, label)
            cases = ex.make_cases(rng)
            code_verdict(ex, cases, call_cases(fn, cases))
        elif isinstance(ex, Written):
            raise KeyError(f"{label} is a written exercise: it is graded by hand")
        else:
            raise KeyError(f"no exercise {label!r} is declared in course.checks")
    except Feedback as feedback:
        return feedback
    return None


def check(label, **answers):
    """Check ``answers`` for exercise ``label``; print one verdict line; return None."""
    print(verdict_line(label, evaluate(label, answers), assessment_mode()))


__all__ = [
    "Code",
    "Feedback",
    "Value",
    "Written",
    "check",
    "exercise_data",
    "expect_code",
    "expect_hand",
    "near",
    "use_variant",
    "variant_rng",
]
