"""The embedded SQLite register, locked by its owner while the connector reads it.

Fault ``database_locked`` (sandbox.faults): a register kept in an SQLite file has no
connection to lose, but the civil-affairs system that owns the file writes to it, and a
writer holds the whole file: a reader meets "database is locked" once it has waited longer
than its busy timeout. The locker watches for the file to be opened by a reader (any open
descriptor to it, in any process), then takes an exclusive lock (``BEGIN EXCLUSIVE``) and
holds it for ``HOLD_SECONDS``, longer than SQLite's default busy timeout of 5 s, once a
run. A connector that waits and reads on from where it stopped finishes with every row.

Only SQLite is locked this way: on a database server the fault does not apply (its
``connection_lost`` does, through sandbox/civil_affairs/proxy.py).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

from sandbox.faults import FaultPlan

HOLD_SECONDS = 6.5  # past the reader's 5 s busy timeout, so it meets the lock as an error
POLL_SECONDS = 0.02


def sqlite_path(url: str) -> Path | None:
    """The file of an `sqlite:///...` URL (None for any other database)."""
    if not url.startswith("sqlite:///"):
        return None
    return Path(url.removeprefix("sqlite:///").split("?")[0]).resolve()


def _opened(target: str) -> bool:
    """Whether any process has `target` open."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:  # gone, or not ours to look at
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                    return True
            except OSError:
                continue
    return False


class Locker:
    def __init__(self, path: Path, plan: FaultPlan) -> None:
        self.path = path
        self.plan = plan
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-locker", daemon=True)

    def start(self) -> Locker:
        self._thread.start()
        return self

    def _run(self) -> None:
        target = str(self.path)
        while not self._stop.is_set():
            if _opened(target):
                self._hold()
                return
            self._stop.wait(POLL_SECONDS)

    def _hold(self) -> None:
        con = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        try:
            con.execute("begin exclusive")  # waits for a read in progress to end
            self.plan.first("database_locked")
            self._stop.wait(HOLD_SECONDS)
            con.execute("rollback")
        finally:
            con.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=HOLD_SECONDS + 5)
