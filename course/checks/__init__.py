"""The exercises' references and checks, one module per chapter (the grader's side).

Every ``course/checks/chNN.py`` follows one template (``ch04.py`` is the model)::

    # module docstring: "Exercises of the <topic> chapter: inputs, references, ..."
    from course.checks import Code, Value, Written
    from course.checks.kit import Mistakes, code_diagnosis, rule

    # --- chNN-exK: <title> ---
    def exK_data(rng):            # plain data; rng None: the book's inputs
        return {"x": [1.0, 3.0] if rng is None else list(rng.integers(-3, 4, 2))}

    def exK_mistake(d, mistake=None):   # the reference, built on mlplib ...
        x = np.asarray(d["x"]) * (-1 if mistake == "sign" else 1)  # ... or a mistake
        return {"y": mlplib.activations.sigmoid(x)}                 # {answer: value}

    EXK = Mistakes(exK_mistake, {"sign": "Check the sign of z."})   # name -> hint
    EXK_GENERAL = {"y": "Apply the sigmoid to each entry."}        # names no mistake

    # a code exercise: cases(rng) -> kwargs, reference(**case), a table on the case
    def exJ_reference(X, W, b, mistake=None): ...
    EXJ = Mistakes(lambda case, name: exJ_reference(**case, mistake=name), {...})

    EXERCISES = [
        Value("chNN-exK", check=rule(exK_mistake, EXK, EXK_GENERAL), data=exK_data,
              title=..., difficulty="warm-up", minutes=10, points=1, version=1),
        Code("chNN-exJ", name="dense_forward", cases=..., reference=exJ_reference,
             diagnose=code_diagnosis(EXJ, shape_hint), pure=True,
             forbids=("mlplib.layers.dense_forward",), title=..., points=3),
        Written("chNN-exW", title=..., rubric="what a full answer holds", points=2),
    ]
    PLANNING = {"objectives": [...], "prerequisites": [...], "lecture_minutes": 90,
                "lab_minutes": 90}

Rules (see :mod:`course.checks.kit`): one tolerance policy (four significant figures
for values; ``rule(..., exact=("n_params",))`` for counts stated as exact; 1e-8 for a
code exercise's output); a hint names a mistake only when the answer matches that
mistake and nothing the student got right contradicts it; no message contains an
expected value; an answer still ``None`` gets only "not answered yet"; no assertion
about the references at check time (``tests/test_checks_chNN.py`` holds them, and
feeds every mistake of every table). A check whose exercise accepts many answers (a
gate's weights) raises :class:`Feedback` itself. :func:`kit.default_answers` gives each
chapter's answers on the book's inputs (a test keeps them out of the chapter's printed
outputs).

In a notebook::

    from course import check, exercise_data
    data = exercise_data("ch01-ex1")     # this notebook's inputs of the exercise
    check("ch01-ex1", y=y)               # ✔ ch01-ex1: correct  /  ✘ ch01-ex1: <what>

``exercise_data`` gives the book's inputs unless the notebook was built for one
student: the student edition's setup cell calls ``use_variant(...)``, and the
``COURSE_VARIANT`` environment variable does the same. The grader never imports this
package into the student's kernel: it computes the verdicts in its own process from
exported answers (``course.grading``).
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
