"""Contain a grading kernel: a private root, no capabilities, limits on the whole group.

The grader starts each submission's kernel through this module (a kernel spec whose
``argv`` is ``python -m course.grading.sandbox outer CONFIG {connection_file}``). The
``outer`` stage runs on the grader's side: it replaces the environment by a scrubbed
one, moves itself into the submission's control groups (memory of all its processes
together, number of tasks, CPU share; :mod:`course.grading.cgroup`), sets per-process
limits (CPU seconds, file size, open files, no core files), then becomes
`bubblewrap <https://github.com/containers/bubblewrap>`_ (``bwrap``), which starts the
kernel:

* in new user, mount, PID, network, IPC and UTS namespaces, with **every capability
  dropped** (``--cap-drop ALL``) before the kernel's code runs, so no mount can be
  undone or made (``mount -o remount`` and ``umount`` fail with "permission denied");
* in a **root built from three things only**: the Python environment and the system's
  ``/usr`` (read-only), the copy of ``mlplib`` and of the exercise kit
  (:mod:`course.kit`, read-only), and the submission's own work folder (writable, also
  mounted as ``/tmp``), which the grader deletes afterwards. The repository, the
  home folder, the host's ``/tmp``, the submissions and the grades do not exist there;
* with the loopback interface up (bubblewrap configures it) and no other interface,
  so a chapter's processes can talk over 127.0.0.1 and nothing leaves the machine;
* as PID 1's child in its PID namespace with ``--die-with-parent``: when the kernel
  or the grader's worker ends, every process of the sandbox ends with it.

Without bubblewrap (:func:`contained_available` is False) the grader refuses to run
unless told to grade uncontained (the instructor guide says where that is safe); then
only the scrubbed environment and the limits hold.
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

MARKER = "COURSE_GRADE_RUN"
KEEP_ENV = ("LANG", "LC_ALL", "TZ", "PYTHONHASHSEED")
ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "nsswitch.conf")
SYSTEM_LINKS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")


def bwrap():
    return shutil.which("bwrap")


def system_binds():
    """``/usr`` read-only, and ``/bin``, ``/lib``, ... as the host has them (links
    into ``/usr`` on a merged system, read-only folders otherwise)."""
    args = ["--ro-bind", "/usr", "/usr"]
    for name in SYSTEM_LINKS:
        path = pathlib.Path("/", name)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    for name in ETC:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    return args


def bwrap_args(cfg):
    """The bubblewrap command line for the sandbox that ``cfg`` describes."""
    args = [bwrap(), "--unshare-all", "--die-with-parent", "--new-session"]
    args += ["--cap-drop", "ALL", "--hostname", "sandbox", *system_binds()]
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += [
        "--bind",
        f"{cfg['workdir']}/tmp",
        "/tmp",
    ]  # first: the rest may lie in /tmp
    for path in cfg["python_roots"]:
        args += ["--ro-bind", path, path]
    args += ["--ro-bind", cfg["lib"], cfg["lib"]]
    args += ["--bind", cfg["workdir"], cfg["workdir"]]
    args += ["--chdir", cfg["workdir"]]
    return args


@functools.cache
def contained_available():
    """True when bubblewrap can build a sandbox here (probed once)."""
    if bwrap() is None:
        return False
    probe = [bwrap(), "--unshare-all", "--cap-drop", "ALL", *system_binds()]
    probe += ["--proc", "/proc", "--dev", "/dev", "true"]
    try:
        done = subprocess.run(probe, capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def python_roots():
    """The folders the kernel's Python needs: the environment and its base."""
    roots = {os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix)}
    return sorted(r for r in roots if not r.startswith("/usr"))


def scrubbed_env(cfg):
    env = {k: os.environ[k] for k in KEEP_ENV if k in os.environ}
    work = cfg["workdir"]
    bindir = str(pathlib.Path(cfg["python"]).parent)
    env.update(
        HOME=f"{work}/home",
        TMPDIR="/tmp" if cfg["contained"] else f"{work}/tmp",
        USER="student",
        LOGNAME="student",
        PATH=f"{bindir}:/usr/local/bin:/usr/bin:/bin",
        PYTHONPATH=cfg["lib"],
        PYTHONNOUSERSITE="1",
        PYTHONDONTWRITEBYTECODE="1",
        MPLBACKEND="Agg",
        OPENBLAS_NUM_THREADS="1",
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        TF_CPP_MIN_LOG_LEVEL="3",
        JUPYTER_PLATFORM_DIRS="1",
        IPYTHONDIR=f"{work}/home/.ipython",
        MPLCONFIGDIR=f"{work}/home/.matplotlib",
        COURSE_KIT_DATA=cfg["inputs"],
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


def set_limits(cfg):
    """Per-process limits; memory and processes per process only where no control
    group bounds the whole sandbox."""
    mib = 2**20
    limits = {
        resource.RLIMIT_CPU: int(cfg["cpu_seconds"]),
        resource.RLIMIT_FSIZE: cfg["file_mb"] * mib,
        resource.RLIMIT_NOFILE: 1024,
        resource.RLIMIT_CORE: 0,
    }
    if not cfg["cgroups"]:
        limits[resource.RLIMIT_AS] = cfg["memory_mb"] * mib
        count = user_process_count(os.getuid())
        limits[resource.RLIMIT_NPROC] = count + cfg["processes"]
    for which, value in limits.items():
        hard = resource.getrlimit(which)[1]
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(which, (value, hard))


def kernel_command(cfg, connection_file, extra):
    return [cfg["python"], "-m", "ipykernel_launcher", "-f", connection_file, *extra]


def outer(cfg, connection_file, extra):
    """Scrubbed environment, control groups, limits, then bubblewrap (or, uncontained,
    the kernel as this process's child)."""
    env = scrubbed_env(cfg)
    os.chdir(cfg["workdir"])
    for procs in cfg["cgroups"].values():
        pathlib.Path(procs).write_text(str(os.getpid()))
    set_limits(cfg)
    command = kernel_command(cfg, connection_file, extra)
    if cfg["contained"]:
        os.execvpe(bwrap(), [*bwrap_args(cfg), *command], env)
    pid = os.fork()  # uncontained: killing this process's group costs only the kernel
    if pid == 0:
        os.execve(cfg["python"], command, env)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the interrupt is for the kernel
    _, status = os.waitpid(pid, 0)
    os._exit(os.waitstatus_to_exitcode(status) % 256)


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
    {"outer": outer}[stage](cfg, connection_file, extra)


if __name__ == "__main__":
    main(sys.argv[1:])
