"""The exercise kit a grading kernel sees: the only ``course`` package inside it.

The grader copies this folder, as the package ``course``, beside a copy of ``mlplib``
into each submission's sandbox. It holds no reference answer and no hidden-input
generator: :func:`exercise_data` returns the inputs that the grader computed in its own
process for this notebook (a file named by ``COURSE_KIT_DATA``), and :func:`check`
only says that the answer goes to the grader, which decides every verdict from the
exported answers (``harvest``). In a reader's or a student's own Jupyter or Colab, the
full ``course`` package answers ``check`` instead, with feedback.
"""

import copy
import os
import pathlib

from . import plain

_DATA = {}


def _inputs():
    if not _DATA:
        path = os.environ.get("COURSE_KIT_DATA")
        text = pathlib.Path(path).read_text() if path else "{}"
        _DATA.update(plain.loads(text) or {})
    return _DATA


def use_variant(variant, assessment=False):
    """Kept for the student edition's variant cell: the grader chose the inputs."""


def exercise_data(label):
    """The inputs of numeric exercise ``label`` in this notebook (a new dict)."""
    inputs = _inputs()
    if label not in inputs:
        raise KeyError(f"{label!r} is not a numeric exercise with inputs")
    return copy.deepcopy(inputs[label])


def check(label, **answers):
    """Print that the answers of ``label`` are recorded; the grader judges them."""
    print(f"{label}: answer recorded for the grader")


__all__ = ["check", "exercise_data", "use_variant"]
