"""The grading worker: execute one prepared submission in a contained kernel.

    python -m course.grading.runner JOB.json

The grader's main process starts one worker per submission, so a kernel that floods,
hangs or kills its parent takes down only this worker. The job file names the prepared
notebook and the limits; the worker writes the executed notebook (outputs capped) and a
small result file (status, seconds, peak memory). It computes no verdict.
"""

import asyncio
import json
import os
import pathlib
import shutil
import signal
import sys
import threading
import time

import nbformat
from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async

from course.grading import cgroup, sandbox
from course.kit.harvest import MIME

GRADER_TAG = "grader"
INPUTS = "course_inputs.json"  # the notebook's exercise inputs, for course.kit
SANDBOX_SCRIPT = pathlib.Path(sandbox.__file__).resolve()


class CappedClient(NotebookClient):
    """Keeps at most ``budget`` characters of the submission's own outputs; the export
    outputs of the grader's cells have a budget of their own."""

    budget = 2_000_000
    export_budget = 16_000_000

    def output(self, outs, msg, display_id, cell_index):
        cell = self.nb.cells[cell_index]
        size = sum(len(str(v)) for v in msg["content"].values())
        data = msg["content"].get("data") or {}
        pool = (
            "export_budget" if GRADER_TAG in cell.metadata.get("tags", []) else "budget"
        )
        if pool == "export_budget" and MIME not in data:
            pool = "budget"
        if size > getattr(self, pool):
            if pool == "budget" and not getattr(self, "truncated", False):
                self.truncated = True
                note = "[output truncated by the grader: over the output limit]\n"
                outs.append(nbformat.v4.new_output("stream", name="stderr", text=note))
            return None
        setattr(self, pool, getattr(self, pool) - size)
        return super().output(outs, msg, display_id, cell_index)


def kernel_manager(job, work, group):
    """A kernel manager whose kernel starts through ``course.grading.sandbox``."""
    spec = work / "spec" / "course-sandbox"
    spec.mkdir(parents=True)
    cfg_path = work / "sandbox.json"
    argv = [sys.executable, str(SANDBOX_SCRIPT), "outer", str(cfg_path)]
    kernel = {"argv": [*argv, "{connection_file}"], "display_name": "contained"}
    kernel.update(language="python", interrupt_mode="message")
    (spec / "kernel.json").write_text(json.dumps(kernel))
    cfg = {**job["sandbox"], "workdir": str(work / "run"), "lib": str(work / "lib")}
    cfg.update(python=sys.executable, python_roots=sandbox.python_roots())
    cfg.update(inputs=str(work / "lib" / INPUTS), cgroups=group.procs if group else {})
    cfg_path.write_text(json.dumps(cfg))
    specs = KernelSpecManager(
        kernel_dirs=[str(spec.parent)], ensure_native_kernel=False
    )
    ipc = work / "run" / "ipc"
    ipc.mkdir()
    return AsyncKernelManager(
        kernel_name="course-sandbox",
        kernel_spec_manager=specs,
        transport="ipc",
        ip=str(ipc / "k"),
        connection_file=str(ipc / "kernel.json"),
    )


def prepare_workdir(job):
    """``work/run`` (the sandbox's writable folder: home, tmp) and ``work/lib`` (the
    read-only copy of mlplib, the kit as the package ``course``, the inputs)."""
    work = pathlib.Path(job["workdir"])
    for sub in ("run/home", "run/tmp"):
        (work / sub).mkdir(parents=True, exist_ok=True)
    lib = work / "lib"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name, source in job["library"].items():
        shutil.copytree(source, lib / name, ignore=ignore)
    (lib / INPUTS).write_text(job["inputs"])
    for path in sorted(lib.rglob("*"), reverse=True):
        path.chmod(0o555 if path.is_dir() else 0o444)
    return work


def kill_kernel(km, group):
    """End the sandbox: every process of its control group, and the kernel's own."""
    if group is not None:
        group.kill()
    provisioner = getattr(km, "provisioner", None)
    pgid = getattr(provisioner, "pgid", None)
    process = getattr(provisioner, "process", None)
    for target in filter(None, [pgid and -pgid, process and process.pid]):
        try:
            os.kill(target, signal.SIGKILL)
        except OSError:
            pass


class ContainedClient(CappedClient):
    """At a cell's time limit: interrupt, and kill the sandbox if the interrupt is
    ignored for ``grace`` seconds (a cell may catch or ignore SIGINT)."""

    grace = 5.0
    group = None
    killed_at_cell_limit = False

    async def _async_handle_timeout(self, timeout, cell=None):
        await ensure_async(self.km.interrupt_kernel())
        waited = 0.0
        while waited < self.grace:
            if await ensure_async(self.kc.shell_channel.msg_ready()):
                return None  # the interrupt worked: the reply is waiting
            await asyncio.sleep(0.1)
            waited += 0.1
        self.killed_at_cell_limit = True
        kill_kernel(self.km, self.group)
        raise CellTimeoutError.error_from_timeout_and_cell(
            "Cell execution timed out", timeout, cell
        )


def execute(nb, job, km, group):
    """Run ``nb`` in place; return a status line."""
    cell_timeout, timeout = job["cell_timeout"], job["timeout"]
    client = ContainedClient(
        nb, km=km, timeout=cell_timeout, interrupt_on_timeout=True, allow_errors=True,
        record_timing=False, shutdown_kernel="immediate",
        resources={"metadata": {"path": str(pathlib.Path(job["workdir"]) / "run")}},
    )  # fmt: skip
    client.group = group
    killed = threading.Event()
    timer = threading.Timer(timeout, lambda: (killed.set(), kill_kernel(km, group)))
    timer.daemon = True
    timer.start()
    try:
        client.execute()
        return "complete"
    except DeadKernelError:
        if killed.is_set():
            return f"killed: notebook time limit of {timeout:g} s"
        return "stopped: the kernel died"
    except CellTimeoutError:
        return f"killed: a cell ran over {cell_timeout:g} s and ignored the interrupt"
    except Exception as error:  # whatever the kernel did, the worker reports it
        if killed.is_set():
            return f"killed: notebook time limit of {timeout:g} s"
        return f"stopped: {type(error).__name__}: {error}".splitlines()[0][:200]
    finally:
        timer.cancel()
        kill_kernel(km, group)
        job["truncated"] = getattr(client, "truncated", False)


def high_water_kb(marker):
    """The largest peak resident size (VmHWM) among the kernel's processes."""
    peak = 0
    for pid in sandbox.processes_with_marker(marker):
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]))
        except (OSError, ValueError):
            pass
    return peak


def watch_memory(marker, done, peak):
    while not done.wait(0.2):
        peak[0] = max(peak[0], high_water_kb(marker))


def run_job(job):
    nb = nbformat.read(job["notebook"], as_version=4)
    work = prepare_workdir(job)
    box = job["sandbox"]
    group = cgroup.create(f"course-{box['marker']}", box["memory_mb"],
                          box["processes"], box["cpus"])  # fmt: skip
    marker, done, peak = box["marker"], threading.Event(), [0]
    watcher = threading.Thread(target=watch_memory, args=(marker, done, peak))
    watcher.start()
    start = time.monotonic()
    try:
        status = execute(nb, job, kernel_manager(job, work, group), group)
        seconds = time.monotonic() - start
    finally:
        done.set()
        watcher.join()
        leftover = sandbox.kill_marked(marker)
        events = group.events() if group else {}
        group_peak = group.peak_mb() if group else 0
        if group:
            group.remove()
    nbformat.write(nb, job["executed"])
    peak = group_peak or peak[0] / 1024
    result = {"status": status, "seconds": round(seconds, 2), "peak_mb": round(peak)}
    result.update(leftover_processes_killed=leftover, limits_hit=events)
    result.update(truncated=job.get("truncated", False))
    result.update(contained=box["contained"], cgroup=group is not None)
    pathlib.Path(job["result"]).write_text(json.dumps(result))


def remove_tree(path):
    """Delete ``path``, read-only folders included."""
    for folder, _, _ in os.walk(path):
        try:
            os.chmod(folder, 0o755)
        except OSError:
            pass
    shutil.rmtree(path, ignore_errors=True)


def main(argv):
    job = json.loads(pathlib.Path(argv[0]).read_text())
    try:
        run_job(job)
    finally:
        sandbox.kill_marked(job["sandbox"]["marker"])
        remove_tree(job["workdir"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
