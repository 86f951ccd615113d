"""Exercise declarations, the registry of a chapter's exercises, per-student variants.

A chapter module ``course.checks.chNN`` lists its exercises in ``EXERCISES`` (see
``course.checks``). This module holds what the notebook's ``check`` and the grader
share:
the three exercise kinds, :func:`exercises` (label -> exercise for a chapter) and the
random generator of a variant (:func:`variant_rng`).

A *variant* is a string (the student edition writes one per student); ``None`` is the
book's fixed worked version. The generator of a variant depends on the variant and the
exercise label only, so the grader re-creates a student's inputs without reading them
from the submission.
"""

import dataclasses
import hashlib
import importlib
from typing import Callable

import numpy as np

KINDS = ("hand", "code", "written")
DIFFICULTIES = ("warm-up", "core", "stretch")


class Feedback(Exception):
    """Raised by a check: what is wrong (never the expected value), how to look for it.

    ``hint`` (optional) names the likely mistake; assessment mode leaves it out.
    """

    def __init__(self, message, hint=None):
        super().__init__(message)
        self.message, self.hint = message, hint

    def text(self, assessment=False):
        if assessment or not self.hint:
            return self.message
        return f"{self.message} {self.hint}"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Exercise:
    """What every exercise declares: its label and the planning metadata."""

    label: str = dataclasses.field(kw_only=False)
    title: str
    difficulty: str = "core"
    minutes: int = 10
    points: int = 1
    version: int = 1
    forbids: tuple = ()  # dotted names of library routines the answer may not use

    def __post_init__(self):
        if self.difficulty not in DIFFICULTIES:
            raise ValueError(f"{self.label}: difficulty must be one of {DIFFICULTIES}")
        if self.points <= 0 or self.minutes <= 0:
            raise ValueError(f"{self.label}: points and minutes must be positive")

    @property
    def chapter(self):
        return self.label.split("-")[0]


@dataclasses.dataclass(frozen=True, kw_only=True)
class Value(Exercise):
    """A numeric exercise: ``check(data, **answers)`` raises :class:`Feedback` if wrong.

    ``data(rng)`` returns the exercise's inputs (``rng=None``: the book's version);
    without ``data`` the exercise has no inputs of its own and ``check`` gets ``{}``.
    """

    check: Callable
    data: Callable | None = None
    kind: str = "hand"

    def inputs(self, variant=None):
        if self.data is None:
            return {}
        return self.data(variant_rng(variant, self.label))


@dataclasses.dataclass(frozen=True, kw_only=True)
class Code(Exercise):
    """A code exercise: the student's function ``name`` is called on ``n_cases`` random
    inputs from ``cases(rng)`` and compared with ``reference(**case)`` to 1e-8;
    ``diagnose(got, expected, case)`` names the likely mistake (or returns None)."""

    name: str
    cases: Callable
    reference: Callable
    diagnose: Callable | None = None
    n_cases: int = 3
    pure: bool = False  # True: changing an argument in place is wrong
    kind: str = "code"

    def make_cases(self, rng):
        return [self.cases(rng) for _ in range(self.n_cases)]


@dataclasses.dataclass(frozen=True, kw_only=True)
class Written(Exercise):
    """A written answer, graded by hand with ``rubric``; it has no check cell."""

    rubric: str
    kind: str = "written"


def variant_rng(variant, label):
    """The generator of ``variant``'s inputs for ``label`` (None: the book's)."""
    if variant is None:
        return None
    digest = hashlib.sha256(f"{variant}:{label}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def chapter_module(chapter):
    """The module ``course.checks.<chapter>`` (``chapter`` like ``"ch02"``)."""
    return importlib.import_module(f"course.checks.{chapter}")


def exercises(chapter):
    """``{label: exercise}`` declared by a chapter's ``EXERCISES`` ({} for none)."""
    try:
        module = chapter_module(chapter)
    except ModuleNotFoundError:
        return {}
    return {ex.label: ex for ex in getattr(module, "EXERCISES", [])}


def find(label):
    """The exercise ``label`` declared in its chapter module, or None."""
    return exercises(label.split("-")[0]).get(label)
