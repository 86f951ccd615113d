"""Verdicts from the exported answers, in the grader's process.

:func:`exported` reads the grader cells' export outputs as plain data;
:func:`score` turns them into points and feedback with the grader's own checks.
"""

import re

from course.exercise import Code, Feedback, Value
from course.grading.prepare import GRADER_TAG
from course.kit import plain
from course.kit.harvest import MIME
from course.nbtools import tags
from course.verdict import NotAnswered, code_verdict, value_verdict


def exported(nb):
    """``{label: payload}`` from the grader cells' export outputs (first per label)."""
    found = {}
    for cell in nb.cells:
        if cell.cell_type != "code" or GRADER_TAG not in tags(cell):
            continue
        for out in cell.get("outputs", []):
            text = out.get("data", {}).get(MIME)
            try:
                payload = plain.loads(text) if text else None
            except ValueError:
                payload = None
            if isinstance(payload, dict) and isinstance(payload.get("label"), str):
                found.setdefault(payload["label"], payload)
                break
    return found


def export_problems(nb):
    """``{label: why}`` for grader cells that ran but exported nothing (an error, or
    the cell time limit while calling the student's function)."""
    problems = {}
    for cell in nb.cells:
        if cell.cell_type != "code" or GRADER_TAG not in tags(cell):
            continue
        label = re.search(r"export\('(ch\d+-ex\d+)'", cell.source)
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if label and errors:
            name = errors[0].get("ename", "error")
            why = (
                "interrupted at the cell time limit"
                if name == "KeyboardInterrupt"
                else name
            )
            problems[label.group(1)] = f"not graded: its export failed ({why})"
    return problems


def verdict(ex, payload, data, cases):
    """Raise Feedback unless the exported ``payload`` answers ``ex`` correctly."""
    if isinstance(ex, Value):
        errors = payload.get("errors") or {}
        if errors:
            name, why = next(iter(errors.items()))
            raise Feedback(f"{name} could not be read ({why}).")
        value_verdict(ex, data, dict(payload.get("answers") or {}))
        return
    if "function" in payload:
        problem = payload["function"]
        if problem == "NoneType":
            raise NotAnswered()
        raise Feedback(f"{ex.name} is not a function ({problem}).")
    results = [tuple(r) for r in payload["results"]]
    code_verdict(ex, cases, results)


def score(executed, exs, skip, variant, cases, status, settings):
    """``({label: points}, {label: feedback})`` for the graded exercises."""
    payloads, problems = exported(executed), export_problems(executed)
    marks, feedback = {}, {}
    for label, ex in exs.items():
        if label in skip or not isinstance(ex, (Value, Code)):
            continue
        marks[label] = 0
        payload = payloads.get(label)
        if payload is None:
            reached = f"not graded: the notebook did not reach it ({status})"
            feedback[label] = problems.get(label, reached)
            continue
        data = ex.inputs(variant) if isinstance(ex, Value) else None
        try:
            verdict(ex, payload, data, cases.get(label))
        except Feedback as fb:
            feedback[label] = fb.text(settings.assessment)
            continue
        except Exception as error:  # malformed export: not the student's answer
            feedback[label] = f"not graded: unreadable export ({type(error).__name__})"
            continue
        marks[label] = ex.points
    return marks, feedback
