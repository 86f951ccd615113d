"""Contain a grading kernel: scrubbed environment, limits, namespaces, cleanup.

The grader starts each submission's kernel through this module (a kernel spec whose
``argv`` is ``python -m course.sandbox outer CONFIG {connection_file}``):

* ``outer`` (grader's side) sets resource limits (address space, CPU seconds, file size,
  processes, open files, no core files), replaces the environment by a scrubbed one
  (``HOME`` and ``TMPDIR`` in the throwaway directory, ``PYTHONPATH`` = the read-only
  copy of mlplib and course, no instructor variables), tags it with a unique marker,
  and, when the machine allows unprivileged namespaces, re-executes itself under
  ``unshare`` in new user, PID, mount and network namespaces;
* ``inner`` (inside the namespaces) bind-mounts the repository, the Python environment,
  the home directory and the library copy read-only, then executes the IPython kernel as
  PID 1 of its namespace. When that process ends, the kernel of the operating system
  kills every process of the namespace, ``setsid`` ones included; the kernel talks to
  the grader over Unix sockets in the throwaway directory, since it has no network.

Without namespaces the limits and the scrubbed environment still hold, and
:func:`kill_marked` finds leftover processes by the marker in their environment.
"""

import functools
import json
import os
import pathlib
import resource
import shutil
import signal
import subprocess
import sys
import tempfile

MARKER = "COURSE_GRADE_RUN"
KEEP_ENV = ("LANG", "LC_ALL", "TZ", "PYTHONHASHSEED")
UNSHARE = ["--user", "--map-root-user", "--pid", "--fork", "--kill-child", "--mount"]
UNSHARE += ["--mount-proc", "--net"]


@functools.cache
def namespaces_available():
    """True when ``unshare`` can make the namespaces here (probed once)."""
    if shutil.which("unshare") is None:
        return False
    with tempfile.TemporaryDirectory() as folder:
        mounts = f"mount --bind {folder} {folder} && mount -o remount,bind,ro {folder}"
        probe = ["unshare", *UNSHARE, "sh", "-c", mounts]
        try:
            done = subprocess.run(probe, capture_output=True, timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            return False
    return done.returncode == 0


def scrubbed_env(cfg):
    env = {k: os.environ[k] for k in KEEP_ENV if k in os.environ}
    work = cfg["workdir"]
    bindir = str(pathlib.Path(cfg["python"]).parent)
    env.update(
        HOME=f"{work}/home",
        TMPDIR=f"{work}/tmp",
        PATH=f"{bindir}:/usr/local/bin:/usr/bin:/bin",
        PYTHONPATH=os.pathsep.join(cfg["pythonpath"]),
        PYTHONNOUSERSITE="1",
        PYTHONDONTWRITEBYTECODE="1",
        MPLBACKEND="Agg",
        OPENBLAS_NUM_THREADS="1",
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        TF_CPP_MIN_LOG_LEVEL="3",
        JUPYTER_PLATFORM_DIRS="1",
        IPYTHONDIR=f"{work}/home/.ipython",
        COURSE_VARIANT=cfg.get("variant") or "",
        **{MARKER: cfg["marker"]},
    )
    return env


def user_process_count(uid):
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                count += entry.stat().st_uid == uid
            except OSError:
                pass
    return count


def set_limits(cfg, uid):
    mib = 2**20
    limits = {
        resource.RLIMIT_AS: cfg["memory_mb"] * mib,
        resource.RLIMIT_CPU: int(cfg["cpu_seconds"]),
        resource.RLIMIT_FSIZE: cfg["file_mb"] * mib,
        resource.RLIMIT_NOFILE: 1024,
        resource.RLIMIT_CORE: 0,
        resource.RLIMIT_NPROC: user_process_count(uid) + cfg["processes"],
    }
    for which, value in limits.items():
        hard = resource.getrlimit(which)[1]
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(which, (value, hard))


def kernel_command(cfg, connection_file, extra):
    return [cfg["python"], "-m", "ipykernel_launcher", "-f", connection_file, *extra]


def outer(cfg, connection_file, extra):
    """Limits, scrubbed environment, then ``unshare`` (or the kernel directly)."""
    env = scrubbed_env(cfg)
    os.chdir(cfg["workdir"])
    set_limits(cfg, os.getuid())
    if cfg["namespaces"]:
        me = [cfg["python"], __file__, "inner", cfg["path"], connection_file, *extra]
        os.execvpe("unshare", ["unshare", *UNSHARE, *me], env)
    pid = os.fork()  # without namespaces: the kernel's parent is this process, not
    if pid == 0:  # the grader's worker, so killing its parent costs only the kernel
        os.execve(cfg["python"], kernel_command(cfg, connection_file, extra), env)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the interrupt is for the kernel
    _, status = os.waitpid(pid, 0)
    os._exit(os.waitstatus_to_exitcode(status) % 256)


def inner(cfg, connection_file, extra):
    """Inside the namespaces: read-only mounts, then become the kernel."""
    for path in cfg["read_only"]:
        if os.path.isdir(path):
            subprocess.run(["mount", "--rbind", path, path], check=True)
            remount = ["mount", "-o", "remount,bind,ro", path]
            subprocess.run(remount, check=True)
    command = kernel_command(cfg, connection_file, extra)
    os.execve(cfg["python"], command, dict(os.environ))


def processes_with_marker(marker):
    """PIDs whose environment carries ``MARKER=marker`` (readable ones)."""
    needle = f"{MARKER}={marker}".encode()
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry.name}/environ", "rb") as f:
                if needle in f.read().split(b"\0"):
                    found.append(int(entry.name))
        except OSError:
            pass
    return found


def kill_marked(marker):
    """SIGKILL every process tagged with ``marker``; return how many were found."""
    pids = processes_with_marker(marker)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return len(pids)


def main(argv):
    stage, cfg_path, connection_file, *extra = argv
    cfg = json.loads(pathlib.Path(cfg_path).read_text())
    {"outer": outer, "inner": inner}[stage](cfg, connection_file, extra)


if __name__ == "__main__":
    main(sys.argv[1:])
