"""The sandbox an Opentrons Python protocol is analysed in (issue 13).

The analyzer forks one *supervisor* per analysis from its fork server (``analysis_worker``'s
``child_main``). The supervisor, single-threaded because it was just forked, enters the sandbox
and starts the analysis; only the analysis result (a ``RunCapture`` as JSON, written to a file
descriptor opened before the sandbox) crosses back. The verdict and the certificate are computed
by the caller from that result.

Isolation, where the operating system gives it without root (Linux with user namespaces):

* new user, mount, PID, network, IPC and UTS namespaces (the caller's uid/gid mapped to
  themselves, ``setgroups`` denied);
* a minimal root filesystem (``pivot_root`` into a tmpfs): read-only binds of the system
  directories (``/usr``, ``/bin``, ``/lib*``, ``/etc``, ...), of the Python installation and of
  the directories the preloaded packages come from; the protocol and its custom labware read-only;
  a fresh ``/proc`` of the new PID namespace; a tmpfs ``/dev`` with null/zero/full/random/urandom;
  a size-limited tmpfs ``/tmp`` (the scratch directory: cwd, ``HOME`` and ``TMPDIR``). Nothing
  else of the machine is visible: not the user's home, not the labwright home and its signing key
  (covered by an empty tmpfs should a needed directory contain them), not other processes;
* no network: only a loopback interface, down;
* every capability dropped (bounding set included) and ``no_new_privs`` set before the protocol's
  code is loaded: the mounts cannot be undone and setuid programs give nothing;
* the analysis is process 2 of its PID namespace; when it ends, process 1 ends and the kernel kills
  whatever the protocol started (a fork bomb, a daemon that called ``setsid``).

Everywhere (also where namespaces are unavailable: other systems, user namespaces disabled):
a scrubbed environment, a private scratch directory as cwd/``HOME``/``TMPDIR`` (deleted
afterwards), file descriptors other than the result and the log closed, and resource limits
(``AnalysisLimits``): CPU time, address space, file size, open files, no core dumps, processes
(in a user namespace only: elsewhere ``RLIMIT_NPROC`` counts all the user's processes). The wall
time is enforced by the caller, which kills the whole process group.

``isolation`` in the status (and in ``RunCapture.sandbox``) says which applied:
``"namespaces"`` or ``"limits-only"`` (with the reason namespaces were not used).
"""

from __future__ import annotations

import ctypes
import errno
import json
import math
import os
import platform
import resource
import signal
import site
import sys
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ISOLATION_NAMESPACES = "namespaces"
ISOLATION_LIMITS_ONLY = "limits-only"


@dataclass(frozen=True)
class AnalysisLimits:
    """Resource limits of one analysis. The defaults suit every protocol we know of; a protocol
    that hits one is reported as unusable input, never certified."""

    wall_s: float = 600.0  # wall time, enforced by the caller (``labwright validate --analysis-timeout``)
    cpu_s: float | None = None  # CPU time of the analysis process; None: the wall time
    memory_mb: int = 2048  # address space the analysis may add to the preloaded Opentrons stack
    file_mb: int = 512  # largest file it may write (RLIMIT_FSIZE; the result and the log too)
    scratch_mb: int = 256  # size of the scratch tmpfs (namespaces only)
    open_files: int = 256  # RLIMIT_NOFILE
    processes: int = 64  # RLIMIT_NPROC, in a user namespace only
    isolate: bool = True  # use Linux namespaces where available

    @property
    def cpu_limit_s(self) -> int:
        return max(1, math.ceil(self.cpu_s if self.cpu_s is not None else self.wall_s))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


DEFAULT_LIMITS = AnalysisLimits()

# --------------------------------------------------------------------------- Linux primitives

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_NOATIME, MS_NODIRATIME, MS_BIND = 32, 1024, 2048, 4096
MS_REC, MS_PRIVATE, MS_RELATIME, MS_STRICTATIME = 16384, 1 << 18, 1 << 21, 1 << 24
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 1, 4, 24, 38
PR_SET_CHILD_SUBREAPER, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 36, 47, 4
_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41, "ppc64le": 203, "s390x": 217}
# statvfs flag -> mount flag, to keep the flags a bind inherits (locked in a user namespace)
_KEEP_FLAGS = [  # (the ST_ names exist on Linux only; elsewhere nothing is mounted)
    (getattr(os, "ST_NOSUID", 0), MS_NOSUID),
    (getattr(os, "ST_NODEV", 0), MS_NODEV),
    (getattr(os, "ST_NOEXEC", 0), MS_NOEXEC),
    (getattr(os, "ST_NOATIME", 0), MS_NOATIME),
    (getattr(os, "ST_NODIRATIME", 0), MS_NODIRATIME),
    (getattr(os, "ST_RELATIME", 0), MS_RELATIME),
]
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt/conda")
DEVICES = ("null", "zero", "full", "random", "urandom")
SCRATCH_IN_SANDBOX = "/tmp"


class SandboxError(OSError):
    """A namespace or mount operation failed."""


def _libc() -> ctypes.CDLL:
    # the C library the interpreter is linked with (find_library would start ldconfig)
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> int:
    if result < 0:
        code = ctypes.get_errno()
        raise SandboxError(code, f"{what}: {os.strerror(code)}")
    return result


def _mount(
    libc: ctypes.CDLL,
    source: str | None,
    target: str,
    fstype: str | None,
    flags: int,
    data: str | None = None,
) -> None:
    enc = [None if s is None else s.encode() for s in (source, target, fstype, data)]
    _check(libc.mount(enc[0], enc[1], enc[2], ctypes.c_ulong(flags), enc[3]), f"mount {target}")


# ------------------------------------------------------------------------- supervisor side


def enter_namespaces(limits: AnalysisLimits) -> tuple[str, str]:
    """Unshare user, mount, PID, network, IPC and UTS namespaces and map our uid/gid.

    Returns (isolation, reason). Must run in a single-threaded process (unshare(CLONE_NEWUSER)
    refuses otherwise): the supervisor, just forked, is."""
    if not limits.isolate:
        return ISOLATION_LIMITS_ONLY, "isolation turned off (AnalysisLimits.isolate=False)"
    if sys.platform != "linux":
        return ISOLATION_LIMITS_ONLY, f"no Linux namespaces on {sys.platform}"
    threads = len(os.listdir("/proc/self/task"))
    if threads != 1:  # defensive: unshare(CLONE_NEWUSER) needs a single-threaded process
        return ISOLATION_LIMITS_ONLY, f"the analysis process has {threads} threads"
    uid, gid = os.getuid(), os.getgid()
    libc = _libc()
    flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
    try:
        _check(libc.unshare(flags), "unshare")
    except SandboxError as exc:
        return ISOLATION_LIMITS_ONLY, f"user namespaces unavailable ({exc.strerror})"
    try:
        Path("/proc/self/setgroups").write_text("deny")
        Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
        Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")
    except OSError as exc:  # e.g. an LSM that allows the namespace but not the mapping
        return ISOLATION_LIMITS_ONLY, f"cannot map the user into its namespace ({exc.strerror})"
    return ISOLATION_NAMESPACES, ""


def read_only_sources(hidden: Iterable[str], extra: Iterable[str] = ()) -> list[str]:
    """The directories (and files) the analysis needs to read: the system, Python, the
    site-packages and every directory a loaded module comes from (an editable install maps
    packages outside site-packages). Never an ancestor of a hidden path (the user's home may hold
    the Python installation: then only that installation is visible)."""
    hide = [os.path.realpath(h) for h in hidden]
    wanted: list[str] = [d for d in SYSTEM_DIRS if os.path.lexists(d)]
    wanted += [sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix, *extra]
    with _suppress():
        wanted += site.getsitepackages()
    cwd = os.getcwd()
    wanted += [p for p in sys.path if p and os.path.isabs(p) and os.path.realpath(p) != cwd]
    for finder in sys.meta_path:  # setuptools' editable installs map packages to source folders
        mapping = getattr(sys.modules.get(getattr(finder, "__module__", "")), "MAPPING", None)
        if isinstance(mapping, dict):
            wanted += [p for p in mapping.values() if isinstance(p, str)]
    prefixes = tuple(os.path.abspath(p).rstrip("/") + "/" for p in wanted)
    for name, module in list(sys.modules.items()):
        paths = list(getattr(module, "__path__", None) or [])
        file = getattr(module, "__file__", None)
        if not paths and file and "." not in name:
            paths = [file]  # a top-level module: just its file
        # (most modules live under a folder already wanted: a string test, no system call)
        wanted += [p for p in paths if isinstance(p, str) and os.path.isabs(p) and not p.startswith(prefixes)]
    out: list[str] = []
    for path in sorted({os.path.abspath(p) for p in wanted}):
        if not os.path.exists(path) or path == "/":
            continue
        real = os.path.realpath(path)
        if any(_within(h, real) for h in hide):  # would show a hidden path's ancestor
            continue
        if any(_within(real, o) for o in out) or any(_within(path, o) for o in out):
            continue
        out.append(path)
    return out


def _within(path: str, ancestor: str) -> bool:
    return path == ancestor or path.startswith(ancestor.rstrip("/") + "/")


class _suppress:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return exc[0] is not None and issubclass(exc[0], Exception)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ init side


def opentrons_config_dirs() -> list[str]:
    """Opentrons' config directory (``~/.opentrons``, found when the fork server imported it) and
    its sub-directories: the sandbox gives the analysis an empty, writable one (defaults; no
    calibration, custom labware or logs of the user's)."""
    config = sys.modules.get("opentrons.config")
    if config is None:
        return []
    try:
        base = str(config.infer_config_base_dir())
        values = [str(v) for v in config.CONFIG.values()]
    except Exception:  # noqa: BLE001 - an Opentrons without these: nothing to provide
        return []
    return [base, *sorted(v for v in values if _within(v, base) and os.path.isdir(v))]


def build_root(
    root: str,
    sources: list[str],
    inputs: str,
    hidden: list[str],
    limits: AnalysisLimits,
    config_dirs: list[str],
) -> dict:
    """Build the minimal read-only view in ``root`` (an empty directory), pivot into it and drop
    every capability. Runs as process 1 of the new PID namespace. Returns what it set up."""
    libc = _libc()
    _mount(libc, None, "/", None, MS_REC | MS_PRIVATE)  # nothing we mount propagates back
    _mount(libc, "tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    inside = {"proc": False}
    # scratch, /dev
    tmp = root + SCRATCH_IN_SANDBOX
    os.makedirs(tmp, exist_ok=True)
    _mount(libc, "tmpfs", tmp, "tmpfs", MS_NOSUID | MS_NODEV, f"size={limits.scratch_mb}m,mode=0700")
    dev = root + "/dev"
    os.makedirs(dev)
    _mount(libc, "tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,mode=0755")
    for name in DEVICES:
        if os.path.exists("/dev/" + name):
            Path(dev, name).touch()
            _mount(libc, "/dev/" + name, f"{dev}/{name}", None, MS_BIND)
    for name, target in (
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
    ):
        os.symlink(target, f"{dev}/{name}")
    os.makedirs(dev + "/shm")
    _mount(libc, "tmpfs", dev + "/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=16m,mode=0700")
    # read-only binds of the system, Python and the packages; the protocol's inputs
    for source in [*sources, inputs]:
        _bind(libc, source, root)
    if config_dirs:  # an empty Opentrons config directory, writable
        os.makedirs(root + config_dirs[0], exist_ok=True)
        _mount(libc, "tmpfs", root + config_dirs[0], "tmpfs", MS_NOSUID | MS_NODEV, "size=16m,mode=0700")
        for path in config_dirs[1:]:
            os.makedirs(root + path, exist_ok=True)
    # cover what must stay hidden should a needed directory contain it
    covered = []
    for path in hidden:
        real = os.path.realpath(path)
        if not os.path.lexists(root + real) or any(_within(s, real) for s in [*sources, *config_dirs[:1]]):
            continue
        if os.path.isdir(root + real):
            _mount(libc, "tmpfs", root + real, "tmpfs", MS_NOSUID | MS_NODEV | MS_RDONLY, "size=4k,mode=0555")
        else:
            _mount(libc, "/dev/null", root + real, None, MS_BIND)
        covered.append(real)
    # every mount under root read-only, but the scratch and /dev/shm
    writable = {tmp, dev + "/shm", *(root + d for d in config_dirs[:1])}
    for target in _mounts_under(root):
        if target in writable or target == root:
            continue
        _remount_read_only(libc, target)
    os.makedirs(root + "/proc")
    try:
        _mount(libc, "proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
        inside["proc"] = True
    except SandboxError:  # e.g. a container with a masked /proc: no /proc at all
        pass
    _remount_read_only(libc, root)
    _pivot(libc, root)
    _drop_capabilities(libc)
    return {**inside, "read_only": sources, "covered": covered}


def _bind(libc: ctypes.CDLL, source: str, root: str) -> None:
    target = root + source
    if os.path.islink(source) and os.path.dirname(source) == "/":  # /bin -> usr/bin on merged /usr
        os.symlink(os.readlink(source), target)
        return
    real = os.path.realpath(source)
    if real != source and not os.path.lexists(root + real):
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with _suppress():
            os.symlink(real, target)  # the path as Python knows it points to where it really is
        target = root + real
    if os.path.isdir(real):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        Path(target).touch()
    _mount(libc, real, target, None, MS_BIND | MS_REC)


def _mounts_under(root: str) -> list[str]:
    out = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = line.split()[4]
        point = (
            point.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\")
        )
        if _within(point, root):
            out.append(point)
    return out


def _remount_read_only(libc: ctypes.CDLL, target: str) -> None:
    flags = os.statvfs(target).f_flag
    keep = 0
    for st, ms in _KEEP_FLAGS:
        if flags & st:
            keep |= ms
    flags = MS_BIND | MS_REMOUNT | MS_RDONLY | keep
    try:
        _mount(libc, None, target, None, flags)
    except SandboxError as exc:
        if exc.errno != errno.EPERM:
            raise
        # statvfs does not report strictatime, a flag locked like the others
        _mount(libc, None, target, None, (flags & ~MS_RELATIME) | MS_STRICTATIME)


def _pivot(libc: ctypes.CDLL, root: str) -> None:
    os.chdir(root)
    number = _PIVOT_ROOT.get(platform.machine())
    if number is None:
        os.chroot(".")  # with every capability dropped below, a chroot cannot be left
    else:
        _check(libc.syscall(ctypes.c_long(number), b".", b"."), "pivot_root")
        _check(libc.umount2(b".", MNT_DETACH), "umount old root")
    os.chdir("/")


def _drop_capabilities(libc: ctypes.CDLL) -> None:
    """No capability left, none to gain by exec (bounding set empty, no_new_privs)."""
    cap = 0
    while libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0 and cap < 64:
        cap += 1
    libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [
            ("effective", ctypes.c_uint32),
            ("permitted", ctypes.c_uint32),
            ("inheritable", ctypes.c_uint32),
        ]

    header, data = Header(0x20080522, 0), (Data * 2)()
    _check(libc.capset(ctypes.byref(header), ctypes.byref(data)), "capset")


def set_parent_death_signal() -> None:
    if sys.platform == "linux":
        _libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def set_child_subreaper() -> None:
    if sys.platform == "linux":
        _libc().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def set_not_dumpable() -> None:
    if sys.platform == "linux":
        _libc().prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def kill_children() -> None:
    """Without a PID namespace: kill what the analysis left behind (orphans reparented to this
    subreaper, also those that left the process group), until none is left."""
    for _ in range(100):
        try:
            children = Path(f"/proc/self/task/{os.getpid()}/children").read_text().split()
        except OSError:
            return
        if not children:
            return
        for pid in children:
            with _suppress():
                os.kill(-int(pid), signal.SIGKILL)  # its group, should it lead one
            with _suppress():
                os.kill(int(pid), signal.SIGKILL)
        for pid in children:
            with _suppress():
                os.waitpid(int(pid), 0)


# -------------------------------------------------------------------------- analysis side


def apply_limits(limits: AnalysisLimits, isolation: str) -> None:
    """Resource limits of the analysis process (inherited by anything it starts)."""
    cpu = limits.cpu_limit_s
    _setrlimit(resource.RLIMIT_CPU, cpu, cpu + 1)  # SIGXCPU, then SIGKILL a second later
    _setrlimit(resource.RLIMIT_AS, _address_space() + limits.memory_mb * 2**20)
    _setrlimit(resource.RLIMIT_FSIZE, limits.file_mb * 2**20)
    _setrlimit(resource.RLIMIT_NOFILE, limits.open_files)
    _setrlimit(resource.RLIMIT_CORE, 0)
    if isolation == ISOLATION_NAMESPACES:  # counted per user namespace: the sandbox's own
        _setrlimit(resource.RLIMIT_NPROC, limits.processes)


def _setrlimit(which: int, soft: int, hard: int | None = None) -> None:
    _, old_hard = resource.getrlimit(which)
    cap = (lambda v: v) if old_hard == resource.RLIM_INFINITY else (lambda v: min(v, old_hard))
    with _suppress():
        resource.setrlimit(which, (cap(soft), cap(hard if hard is not None else soft)))


def _address_space() -> int:
    """The process's current virtual size (the preloaded stack), bytes."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 1024 * 2**20


def scrub_environment(scratch: str) -> None:
    """Only what Python and Opentrons need; no LABWRIGHT_*, no credentials, no user paths."""
    bindir = os.path.dirname(sys.executable)
    os.environ.clear()
    os.environ.update(
        {
            "PATH": f"{bindir}:/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "HOME": scratch,
            "TMPDIR": scratch,
            "PYTHONHASHSEED": "0",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    import tempfile

    tempfile.tempdir = None  # recomputed from TMPDIR
    sys.dont_write_bytecode = True
    os.chdir(scratch)


def close_fds(keep: Iterable[int]) -> None:
    """Close every inherited descriptor (the fork server's pipes, the resource tracker's) but
    stdin/stdout/stderr and ``keep``."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    high = soft if soft != resource.RLIM_INFINITY and soft < 65536 else 65536
    low = 0
    for fd in [*sorted({0, 1, 2, *keep}), high]:
        if fd > low:
            os.closerange(low, fd)
        low = fd + 1


def write_status(fd: int, status: dict[str, Any]) -> None:
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(status))
