"""Isolation of one grading process, and the limits its parent enforces from outside.

Inside the child (:func:`enter_sandbox`, before any submission code runs):

- its own session and process group (the parent kills the whole group), killed with its parent;
- a scrubbed environment (no grader secrets, ``HOME`` = its private folder), ``umask 077``;
- no network: a fresh network namespace (loopback only, down) where the kernel allows it;
- as root: an unprivileged uid/gid of its own (no supplementary groups, no new privileges), so the
  package, the exercises, other submissions and the output folder are read-only to it;
- only stdio and its report channel open (not the fork server's or multiprocessing's pipes);
- core dumps off, files it writes capped, first in line for the OOM killer.

Outside (:func:`kill_tree`, :func:`tree_rss`): the wall-clock limit is a SIGKILL from the parent,
and the memory limit a watch on the resident memory of the child and its descendants (TensorFlow
reserves far more virtual memory than it uses, so ``RLIMIT_AS`` cannot be used).
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import stat
import sys
from pathlib import Path
from typing import Iterable

__all__ = [
    "enter_sandbox", "scrubbed_environment", "prepare_private_folder", "kill_tree", "tree_rss",
    "sandbox_uid", "can_drop_privileges", "parse_memory", "DEFAULT_MEMORY",
]

DEFAULT_MEMORY = 4 * 2**30          # TensorFlow alone is ~0.6 GB; two at once stay far below 24 GB
# A grading process run by root takes uid UID_BASE + its pid: unique among all live processes of the
# machine, so two grading processes (of one pool, two pools or two Dask workers) never share a uid.
UID_BASE = 100000
PID_SPAN = 2**22                    # the kernel's largest pid_max
MAX_WRITTEN_FILE = 256 * 2**20
_CLONE_NEWUSER, _CLONE_NEWNET = 0x10000000, 0x40000000
_PR_SET_PDEATHSIG, _PR_SET_NO_NEW_PRIVS = 1, 38
# Variables a grading process keeps from the grader's environment; everything else is dropped.
_KEPT = ("LANG", "LC_ALL", "TZ", "TFGRADE_DATA", "TFGRADE_OFFLINE", "KERAS_BACKEND", "TF_USE_LEGACY_KERAS",
         "CUDA_VISIBLE_DEVICES", "PYTHONHASHSEED")


def parse_memory(text: str) -> int:
    """``4G``, ``512M``, ``1.5GB`` or a number of bytes -> bytes; ValueError with the rule otherwise."""
    raw = text.strip().upper().removesuffix("B").removesuffix("I")
    scale = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}.get(raw[-1:], 1)
    number = raw[:-1] if raw[-1:] in "KMGT" and raw[-1:] else raw
    try:
        value = float(number) * scale
    except ValueError:
        raise ValueError(f"{text!r} is not an amount of memory (write e.g. 4G, 512M)") from None
    if value < 64 * 2**20:
        raise ValueError(f"{text!r} is too little memory to run TensorFlow (at least 64M)")
    return int(value)


def can_drop_privileges() -> bool:
    return os.geteuid() == 0


def sandbox_uid() -> int:
    """The unprivileged uid of the calling (grading) process."""
    return UID_BASE + os.getpid() % PID_SPAN


def scrubbed_environment(home: Path, grader_environ: dict[str, str]) -> dict[str, str]:
    env = {key: grader_environ[key] for key in _KEPT if key in grader_environ}
    bin_dir = str(Path(sys.executable).parent)
    env.update({
        "HOME": str(home), "TMPDIR": str(home), "PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin",
        "TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0", "TFGRADE_WIDGET": "0",
        "TFGRADE_OFFLINE": grader_environ.get("TFGRADE_OFFLINE", "1"), "MPLBACKEND": "Agg",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    })
    return env


def prepare_private_folder(folder: Path, files: dict[str, bytes], uid: int | None) -> None:
    """The submission's private copy: only its own process (uid) may read or write it."""
    folder.mkdir(mode=0o700)
    for relative, content in files.items():
        target = (folder / relative).resolve()
        if folder.resolve() not in target.parents:     # a crafted name must not escape the copy
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    if uid is not None:
        for dirpath, dirnames, filenames in os.walk(folder):
            os.chown(dirpath, uid, uid)
            for name in filenames:
                os.chown(os.path.join(dirpath, name), uid, uid)


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _isolate_network(as_root: bool) -> str:
    flags = _CLONE_NEWNET if as_root else _CLONE_NEWUSER | _CLONE_NEWNET
    if _libc().unshare(flags) == 0:
        return "network: none (own network namespace)"
    return f"network: NOT isolated ({os.strerror(ctypes.get_errno())}; use a container without network)"


_MS_RDONLY, _MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 0x1, 0x20, 0x1000, 0x4000, 0x40000
_CLONE_NEWNS = 0x20000


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    if _libc().mount(*(x.encode() if isinstance(x, str) else x for x in (source, target, fstype)), flags,
                     data.encode() if data else None) != 0:
        raise OSError(ctypes.get_errno(), f"mount {target}: {os.strerror(ctypes.get_errno())}")


def _closed_ancestor(path: Path) -> Path | None:
    """The highest folder above ``path`` that other users may not enter (e.g. a 0700 home)."""
    for ancestor in reversed(path.parents):
        if ancestor != Path("/") and not os.stat(ancestor).st_mode & stat.S_IXOTH:
            return ancestor
    return None


def _grader_data_folders(environ: dict[str, str]) -> list[str]:
    """Course data a submission may read: the grader's Keras dataset cache and ``TFGRADE_DATA``."""
    keras_home = environ.get("KERAS_HOME") or os.path.join(environ.get("HOME", "/root"), ".keras")
    return [os.path.join(keras_home, "datasets"), environ.get("TFGRADE_DATA", "")]


def _reexpose_python(staging: Path, data_folders: list[str]) -> list[str]:
    """As root, in a fresh mount namespace: hide closed folders (the grader's home) behind an empty
    tmpfs, and bind only the Python installation, the import path and the course data back into
    them, read-only."""
    wanted = [sys.base_prefix, sys.prefix, *sys.path, *data_folders]
    needed = [Path(p) for p in dict.fromkeys(wanted) if p and Path(p).is_dir()]
    blocked: dict[Path, list[Path]] = {}
    for path in needed:
        closed = _closed_ancestor(path.resolve())
        if closed is not None:
            blocked.setdefault(closed, []).append(path.resolve())
    if not blocked:
        return []
    if _libc().unshare(_CLONE_NEWNS) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS) failed")
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE)
    staging.mkdir(mode=0o700)
    keep = sorted({p for paths in blocked.values() for p in paths}, key=lambda p: len(p.parts))
    keep = [p for p in keep if not any(k in p.parents for k in keep if k != p)]
    for number, path in enumerate(keep):
        (staging / str(number)).mkdir()
        _mount(str(path), str(staging / str(number)), None, _MS_BIND | _MS_REC)
    for closed in blocked:
        _mount("tmpfs", str(closed), "tmpfs", 0, "mode=0755,size=1m")
    for number, path in enumerate(keep):
        path.mkdir(parents=True, exist_ok=True)
        _mount(str(staging / str(number)), str(path), None, _MS_BIND | _MS_REC)
        _mount(None, str(path), None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY)
    for parent in {p.parent for p in keep}:
        os.chmod(parent, 0o755)
    return [f"hidden: {', '.join(map(str, blocked))} (only Python and course data are visible there)"]


def _close_inherited_fds(keep: int) -> None:
    """Close every descriptor but stdio and the channel: the fork server's and the resource
    tracker's pipes must not be reachable from the submission's code."""
    for fd in sorted(int(name) for name in os.listdir("/proc/self/fd")):
        if fd > 2 and fd != keep:
            try:
                os.close(fd)
            except OSError:
                pass


def enter_sandbox(folder: Path, uid: int | None, log_path: Path, grader_environ: dict[str, str],
                  channel_fd: int) -> list[str]:
    """Confine the current (freshly forked) process; return what holds, one line each."""
    os.setsid()
    libc = _libc()
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    notes = []
    try:
        Path("/proc/self/oom_score_adj").write_text("1000")
    except OSError:
        pass
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_WRITTEN_FILE, MAX_WRITTEN_FILE))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # an over-long write fails instead of killing
    log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    os.close(devnull)
    os.close(log_fd)
    _close_inherited_fds(keep=channel_fd)
    notes.append(_isolate_network(as_root=uid is not None))
    if uid is not None:
        notes.extend(_reexpose_python(folder.parent / f"{folder.name}-python", _grader_data_folders(grader_environ)))
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
        notes.append(f"files: runs as uid {uid}; package, exercises, other submissions and output are read-only")
    else:
        notes.append("files: runs as the grader's user (run as root or in a container to make them read-only)")
    libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    os.umask(0o077)
    os.chdir(folder)
    os.environ.clear()
    os.environ.update(scrubbed_environment(folder, grader_environ))
    return notes


def _descendants(pid: int) -> list[int]:
    import psutil

    try:
        return [p.pid for p in psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        return []


def kill_tree(pid: int) -> None:
    """SIGKILL the process, its process group and every descendant (a loop cannot ignore it)."""
    victims = [pid, *_descendants(pid)]
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    for victim in victims:
        try:
            os.kill(victim, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def tree_rss(pid: int) -> int:
    """Resident memory of the process and its descendants, in bytes (0 once gone)."""
    import psutil

    total = 0
    try:
        root = psutil.Process(pid)
        processes: Iterable[psutil.Process] = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    for process in processes:
        try:
            total += process.memory_info().rss
        except psutil.Error:
            continue
    return total
