"""One submission's run: the job a worker executes, and the worker process itself.

:func:`job_for` describes the run (notebook, throwaway folder, library copy, limits,
read-only paths, marker); :func:`run_worker` starts the worker process on it and
reads back the executed notebook. A worker that dies or overruns costs only its own
submission, whose row then says so.
"""

import json
import os
import pathlib
import subprocess
import sys
import uuid

import nbformat

from course import sandbox

COURSE_ROOT = pathlib.Path(__file__).resolve().parents[1]


def library_paths(settings):
    return [COURSE_ROOT / "mlplib", COURSE_ROOT / "course", *settings.kernel_paths]


def job_for(tmp, nb, variant, settings):
    use_ns = settings.namespaces
    if use_ns is None:
        use_ns = sandbox.namespaces_available()
    work = tmp / "work"
    protect = [COURSE_ROOT, pathlib.Path(sys.prefix), pathlib.Path.home(), work / "lib"]
    protect = [str(p) for p in protect if not str(tmp).startswith(str(p) + os.sep)]
    nbformat.write(nb, tmp / "graded.ipynb")
    limits = {"memory_mb": settings.memory_mb, "file_mb": 64, "processes": 64}
    return {
        "notebook": str(tmp / "graded.ipynb"),
        "executed": str(tmp / "executed.ipynb"),
        "result": str(tmp / "result.json"),
        "workdir": str(work),
        "cell_timeout": settings.cell_timeout,
        "timeout": settings.timeout,
        "library": [str(pathlib.Path(p).resolve()) for p in library_paths(settings)],
        "sandbox": {
            **limits,
            "marker": uuid.uuid4().hex,
            "namespaces": bool(use_ns),
            "cpu_seconds": settings.timeout + 10,
            "pythonpath": [str(work / "lib")],
            "read_only": protect,
            "variant": variant,
        },
    }


def run_worker(job, tmp):
    """Run ``job`` in a worker process; ``(status, executed notebook or None,
    result)``."""
    (tmp / "job.json").write_text(json.dumps(job))
    env = {**os.environ, "PYTHONPATH": str(COURSE_ROOT)}
    command = [sys.executable, "-m", "course.runner", str(tmp / "job.json")]
    try:
        with open(tmp / "worker.log", "wb") as log:
            subprocess.run(command, env=env, stdout=log, stderr=log, cwd=tmp,
                           timeout=job["timeout"] + 120, check=False)  # fmt: skip
    except subprocess.TimeoutExpired:
        pass
    finally:
        sandbox.kill_marked(job["sandbox"]["marker"])
    try:
        result = json.loads((tmp / "result.json").read_text())
        executed = nbformat.read(tmp / "executed.ipynb", as_version=4)
    except (OSError, ValueError):
        log = (tmp / "worker.log").read_text(errors="replace")[-2000:]
        if os.environ.get("COURSE_GRADE_DEBUG"):
            print(log, file=sys.stderr)
        return "stopped: the grading worker failed", None, {}
    return result["status"], executed, result
