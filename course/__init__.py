"""The course's teaching machinery: exercise checks, the student edition and the grader.

It is not part of the taught library (``mlplib``). Its parts:

* ``course.checks``: the per-chapter checks (reference answers, hidden inputs,
  diagnoses), built on ``course.exercise`` (the declarations) and ``course.verdict``
  (tolerances and verdicts);
* ``course.kit``: the exercise kit that a grading kernel imports as ``course`` (no
  reference inside);
* ``course.edition`` and ``course.planning``: the student edition and the planning
  tables;
* ``course.grading``: the grader and its sandbox.

In a chapter::

    from course import check, exercise_data
"""

from course.checks import Feedback, check, exercise_data, use_variant

__all__ = ["Feedback", "check", "exercise_data", "use_variant"]
