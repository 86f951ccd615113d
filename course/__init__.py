"""The course's teaching machinery: exercise checks, the student edition and the grader.

It is not part of the taught library (``mlplib``). In a chapter::

    from course import check, exercise_data
"""

from course.checks import Feedback, check, exercise_data, use_variant

__all__ = ["Feedback", "check", "exercise_data", "use_variant"]
