"""Runs inside the grading kernel: export a submission's answers as plain data.

The grader appends, after each exercise's check cell, a cell calling :func:`export`.
It evaluates the answer variables named in the chapter's own check call, calls the
student's function of a code exercise on the grader's hidden inputs, and publishes
the result as one display output of type :data:`MIME` (JSON and ``.npz``, see
``course.kit.plain``). Nothing here decides a verdict: the grader does that in its own
process, so nothing the submission changes in this kernel can change a grade.
"""

from . import plain
from .calls import call_cases

MIME = "text/x-course-answers"


def _get(getter):
    try:
        return "ok", getter()
    except Exception as error:  # the answer is missing or its cell failed
        return "error", f"{type(error).__name__}: {error}"[:300]


def export(label, getters, cases=None):
    """Publish ``label``'s answers (``{name: getter}``); with ``cases`` (from
    :func:`course.kit.plain.dumps`), call the single answer, a function, on each
    case."""
    from IPython.display import publish_display_data

    answers = {name: _get(getter) for name, getter in getters.items()}
    payload = {"label": label}
    if cases is None:
        payload["answers"] = {k: v for k, (s, v) in answers.items() if s == "ok"}
        payload["errors"] = {k: v for k, (s, v) in answers.items() if s == "error"}
    else:
        (status, fn), *_ = answers.values()
        if status == "error" or fn is None or not callable(fn):
            payload["function"] = fn if status == "error" else type(fn).__name__
        else:
            payload["results"] = call_cases(fn, plain.loads(cases))
    publish_display_data({MIME: plain.dumps(payload)})
