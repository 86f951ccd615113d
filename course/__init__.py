"""The course's teaching machinery: exercise checks, the student edition and the grader.

It is not part of the taught library (``mlplib``). In a chapter::

    from course import check
"""
from course.checks import Feedback, check

__all__ = ["Feedback", "check"]
