"""The grader: grade a folder of submissions, each in its own sandbox.

``grader`` (one submission's row: chapter, student, pre-checks, run, verdicts),
``lms`` (rosters and file names as LMS export them), ``integrity`` (signed editions,
the grader's code digest), ``scan`` (what the student's cells do), ``prepare`` (the
notebook to run: export cells, only the cells the exercises depend on), ``jobs`` and
``runner`` (the worker process), ``sandbox`` and ``cgroup`` (containment),
``history`` (exercises as an older edition declared them), ``reports`` (CSV,
gradebook, feedback, written answers), ``roster`` (the edition's git ref).
"""
