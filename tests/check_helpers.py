"""Helpers for the tests of the exercise checks (tests/test_checks_chNN.py)."""

from course.checks import evaluate
from course.exercise import find


def message(label, **answers):
    """The feedback text a check gives for ``answers`` (None when they are right)."""
    feedback = evaluate(label, answers)
    return None if feedback is None else feedback.text()


def inputs(label, variant=None):
    """The exercise's inputs: the book's, or those of ``variant``."""
    return find(label).inputs(variant)
