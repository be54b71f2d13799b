"""One writer at a time per index: an exclusive ``flock`` on a lock file beside the index link.

The lock file (``.<index>.lock`` next to ``index_dir``) holds the holder's pid, for the message
a waiting writer shows. The lock belongs to the open file, so the OS releases it when the holder
exits or is killed; a stale pid in the file means nothing. Every writer re-reads the current
index version after taking the lock, so no change is built on a version another writer replaced.
"""
from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import time
from pathlib import Path

from .types import IndexBusy

log = logging.getLogger("index")
POLL_S = 0.2


def lock_path(index_dir: Path) -> Path:
    """The lock file of ``index_dir`` (beside it: the index itself is a link that gets replaced)."""
    index_dir = Path(index_dir)
    return index_dir.with_name(f".{index_dir.name}.lock")


@contextlib.contextmanager
def writer_lock(index_dir: Path, timeout_s: float):
    """Hold the exclusive writer lock of ``index_dir``; wait up to ``timeout_s`` for it, saying
    once who holds it, then raise IndexBusy."""
    path = lock_path(index_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _acquire(fd, path, index_dir, timeout_s)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the file releases the lock


def _acquire(fd: int, path: Path, index_dir: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    waited = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            holder = _holder(path)
            if time.monotonic() >= deadline:
                raise IndexBusy(f"index at {index_dir} is being changed by process {holder}; nothing was changed. "
                                f"Try again when it has finished (waited {timeout_s:g} s; "
                                "PLANQA_LOCK_TIMEOUT_S sets the wait)") from None
            if not waited:
                log.warning("waiting for process %s, which is changing the index at %s", holder, index_dir)
                waited = True
            time.sleep(POLL_S)


def _holder(path: Path) -> str:
    """The pid written by the lock's holder, or "unknown" while it is still writing it."""
    try:
        return path.read_text().strip() or "unknown"
    except OSError:
        return "unknown"
