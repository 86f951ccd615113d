"""The kit every chapter's checks are written with: tolerances, mistake tables, rules.

**Tolerance policy** (the only one): a value is right to four significant figures
(:func:`expect_hand`, also what :func:`near` means when a mistake is recognised); a
count the statement calls exact is compared exactly (:func:`expect_exact`); a code
exercise's output is right to 1e-8 (:func:`course.verdict.expect_code`).

**A mistake table** (:class:`Mistakes`) holds "the computation with one named
mistake" of one rule: for each named mistake, the answers a student who made that one
mistake would give on the exercise's inputs, built on mlplib wherever mlplib can
express the mistake (swapped hyperparameters, a shifted step counter, inputs without a
bias, ...). A hint is given only when it is sure (:meth:`Mistakes.hint`): the answer
matches that mistake, the mistake changes the quantity by more than the tolerance, no
other answer the student got right contradicts it, and no mistake with another hint
explains the answers as well (a mistake that explains every answer it changes is
preferred to one that explains only this one). Otherwise the exercise's general hint
is given, which names no mistake.

**A rule** (:func:`rule`) is a numeric exercise's check made from its reference
``answer(data) -> {name: value}`` and its table; ``check.answer`` stays reachable, so
:func:`default_answers` computes every exercise's answers on the book's inputs.
"""

import numpy as np

from course.exercise import Feedback, Value, exercises
from course.verdict import (
    code_within,
    compare,
    expect_code,
    expect_hand,
    hand_within,
    near,
)

__all__ = [
    "Mistakes",
    "code_diagnosis",
    "returns",
    "default_answers",
    "expect_code",
    "expect_exact",
    "expect_hand",
    "near",
    "rule",
]


def exact_within(got, expected):
    """True where ``got`` equals ``expected`` exactly (counts)."""
    return got == expected


def expect_exact(name, got, expected, diagnose=None):
    """Raise :class:`Feedback` unless ``got`` equals the count ``expected`` exactly."""
    try:
        compare(name, got, expected, exact_within, "the exact count")
    except Feedback as feedback:
        if type(feedback) is not Feedback or diagnose is None:
            raise
        raise Feedback(feedback.message, hint=safe(diagnose, got, expected)) from None


def safe(diagnose, *args):
    """A diagnosis that cannot run says nothing."""
    try:
        return diagnose(*args)
    except Exception:
        return None


def parts(value):
    """A dict, tuple or single output as ``{part: value}``: how answers compare."""
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, tuple):
        return dict(enumerate(value))
    return {"": value}


def same(a, b, within=hand_within):
    """True when ``a`` and ``b`` have one shape and agree by ``within`` (four
    significant figures unless told otherwise)."""
    try:
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        return a.shape == b.shape and bool(np.all(within(a, b)))
    except Exception:
        return False


class Mistakes:
    """A rule's table of named mistakes (see the module's note).

    ``hints`` maps each mistake's name to what to change; ``compute(inputs, name)``
    gives the answers that mistake leads to: a dict name -> value for a numeric
    exercise, the function's output (a tuple is compared item by item) for a code
    exercise; a dict of some of the items is enough.
    """

    def __init__(self, compute, hints):
        self.compute, self.hints = compute, dict(hints)

    @classmethod
    def calling(cls, fn, hints):
        """The table of a code exercise whose reference ``fn(**case, mistake=None)``
        also computes each named mistake."""
        return cls(lambda case, name: fn(**case, mistake=name), hints)

    def outcomes(self, inputs):
        """``{name: {part: value}}`` for every mistake that can be computed."""
        out = {}
        for name in self.hints:
            try:
                with np.errstate(all="ignore"):
                    out[name] = parts(self.compute(inputs, name))
            except Exception:
                continue
        return out

    def hint(self, inputs, answers, expected, part, within=hand_within):
        """The hint of the one mistake that explains the wrong ``answers[part]``, or
        None (see the module's note for when a hint is sure); answers agree with a
        mistake's by ``within``, the exercise's own tolerance (a function, or a dict
        part -> function, four significant figures where it names none)."""
        answers, expected = parts(answers), parts(expected)
        hints, full = set(), set()

        def agree(a, b, part=part):
            return same(
                a,
                b,
                within.get(part, hand_within) if isinstance(within, dict) else within,
            )

        for name, values in self.outcomes(inputs).items():
            if part not in values or not agree(answers.get(part), values[part]):
                continue
            if agree(values[part], expected[part]):
                continue  # indistinguishable from the right answer
            if any(
                agree(answers.get(k), expected[k], k)
                and not agree(values[k], expected[k], k)
                for k in values
                if k != part and k in expected
            ):
                continue  # the student got right what this mistake would change
            hints.add(self.hints[name])
            changed = [k for k in values if not agree(values[k], expected.get(k), k)]
            if all(agree(answers.get(k), values[k], k) for k in changed):
                full.add(self.hints[name])  # explains every answer it changes
        hints = full or hints
        return hints.pop() if len(hints) == 1 else None


NONE = Mistakes(lambda inputs, name: None, {})


def rule(answer, mistakes=None, general=None, exact=(), scalar=()):
    """A numeric exercise's check from its reference ``answer(data) -> {name: value}``.

    Each answer is compared to four significant figures (``exact`` names: exactly), in
    the order of ``answer``'s dict; a wrong one gets the hint of ``mistakes`` or
    ``general[name]``: a hint that names no mistake, or ``general[name](got,
    expected)`` for one that depends on the answer's form (a shape, a permutation);
    ``scalar`` names accept a number given as a one-element array.
    """
    general, mistakes = general or {}, mistakes or NONE

    def check(data, **answers):
        expected = answer(data)
        for name in scalar:  # a number given as a one-element array is that number
            try:
                if answers.get(name) is not None and np.size(answers[name]) == 1:
                    answers[name] = float(np.ravel(np.asarray(answers[name], float))[0])
            except (TypeError, ValueError):
                pass  # not a number: the comparison says so
        unknown = sorted(set(answers) - set(expected))
        if unknown:
            raise Feedback(
                f"{unknown[0]} is not an answer of this exercise; it asks for "
                f"{', '.join(expected)}."
            )
        for name, value in expected.items():

            def diagnose(got, exp, name=name):
                tolerances = dict.fromkeys(exact, exact_within)
                hint = mistakes.hint(data, answers, expected, name, tolerances)
                fallback = general.get(name)
                return hint or (fallback(got, exp) if callable(fallback) else fallback)

            expect = expect_exact if name in exact else expect_hand
            expect(name, answers.get(name), value, diagnose)

    check.answer, check.mistakes, check.exact = answer, mistakes, tuple(exact)
    return check


def returns(*names):
    """A ``shape`` check for :func:`code_diagnosis`: the output must be a tuple of
    ``names`` (in that order)."""

    def shape(got, expected, case):
        if not isinstance(got, (tuple, list)) or len(got) != len(names):
            return f"Return a tuple ({', '.join(names)})."
        return None

    return shape


def code_diagnosis(mistakes, shape=None, general=None):
    """A code exercise's ``diagnose(got, expected, case)``: ``shape(got, expected,
    case)`` first (a wrong type or shape), then the table (a mistake is recognised to
    the code tolerance, 1e-8), then ``general`` (a hint, or a dict output item ->
    hint for the first wrong item)."""

    def diagnose(got, expected, case):
        if shape is not None:
            message = safe(shape, got, expected, case)
            if message:
                return message
        if isinstance(expected, tuple) and isinstance(got, list):
            got = tuple(got)
        got_parts, exp_parts = parts(got), parts(expected)
        for part in exp_parts:
            if not same(got_parts.get(part), exp_parts[part], code_within):
                hint = mistakes.hint(case, got, expected, part, code_within)
                return hint or (
                    general.get(part) if isinstance(general, dict) else general
                )
        return None if isinstance(general, dict) else general

    diagnose.mistakes = mistakes
    return diagnose


def default_answers(chapter):
    """``{label: {name: value}}``: each numeric exercise's answers on the book's
    inputs (an exercise whose check accepts many answers, such as a gate's weights,
    has none)."""
    out = {}
    for label, ex in exercises(chapter).items():
        answer = getattr(getattr(ex, "check", None), "answer", None)
        if isinstance(ex, Value) and answer is not None:
            out[label] = answer(ex.inputs(None))
    return out
