"""Nothing lost: a run saves itself every few minutes, and says whether it ended or was cut off.

``Autosaver`` writes a whole checkpoint (atomically: a temporary file, fsync, rename, fsync of the
folder) every ``training.autosave_minutes`` of training, named by the process and the step, and
keeps the newest two; a kill at any moment leaves the previous file or the new one, never half a
file. A save that fails (disk full, read-only folder) keeps the older files and says why in one
line; training goes on.

A run folder holds ``run.json``: what the run is, and whether it is "running" (if its process is
gone: killed, crashed, the power cut), "interrupted" (saved on the way out: a signal, a logout, the
window closed while training) or "ended" (finished, or stopped by the user for good). Interrupted
runs are offered for resuming. Plain files, no torch needed to read them.
"""

from __future__ import annotations

import datetime
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from ganstudio.paths import DIRECTIONS_SUFFIX

PREFIX = "autosave-"
SUFFIX = ".safetensors"
MARKER = "run.json"
KEEP = 2


def _now_text() -> str:
    return datetime.datetime.now().astimezone().isoformat(timespec="seconds")


def save_failure(path: Path, error: OSError) -> str:
    """A failed save in one line a person understands."""
    import errno

    if error.errno == errno.ENOSPC:
        why = "the disk is full"
    elif error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        why = "the folder cannot be written to"
    else:
        why = error.strerror or str(error)
    return f"Could not save {path.name} ({why}); the previous checkpoint is kept."


class Autosaver:
    def __init__(self, folder: str | os.PathLike, every_minutes: float, *, keep: int = KEEP,
                 title: str | None = None, clock=time.monotonic):
        """``title``: mark the folder's run.json "running" at the saved step after each save."""
        self.folder = Path(folder).expanduser()
        self.title = title
        self.every = every_minutes * 60.0
        self.keep = keep
        self.clock = clock
        self.tag = f"{os.getpid()}"  # two processes never write the same file
        self.last_save = clock()
        self.last_path: Path | None = None
        self.last_error = ""

    @property
    def enabled(self) -> bool:
        return self.every > 0

    def due(self) -> bool:
        return self.enabled and self.clock() - self.last_save >= self.every

    def save(self, trainer) -> Path | None:
        """Save now (between two steps); the path, or None with ``last_error`` set."""
        self.last_save = self.clock()
        path = self.folder / f"{PREFIX}{self.tag}-step{trainer.steps_done:09d}{SUFFIX}"
        try:
            trainer.save_checkpoint(path)
        except OSError as e:
            self.last_error = save_failure(path, e)
            return None
        self.last_error = ""
        self.last_path = path
        self._prune()
        if self.title is not None:
            mark_run(self.folder, "running", title=self.title, step=trainer.steps_done)
        return path

    def _prune(self) -> None:
        mine = sorted(self.folder.glob(f"{PREFIX}{self.tag}-step*{SUFFIX}"))
        for old in mine[:-self.keep]:
            try:
                old.unlink()
            except OSError:
                pass  # kept: a file too many is better than a crash


def newest_checkpoint(folder: str | os.PathLike) -> Path | None:
    """The newest complete checkpoint in a run folder: its autosaves and checkpoint.safetensors
    (temporary files of an interrupted save are never taken)."""
    folder = Path(folder)
    found = [p for p in folder.glob(f"*{SUFFIX}")
             if not p.name.startswith(".") and not p.name.endswith(DIRECTIONS_SUFFIX)]
    return max(found, key=lambda p: p.stat().st_mtime_ns, default=None)


# --- run.json ----------------------------------------------------------------------------------
@dataclass
class RunRecord:
    folder: Path
    state: str  # "running", "interrupted" or "ended"
    title: str
    step: int
    updated: str
    pid: int

    @property
    def interrupted(self) -> bool:
        """Cut off: saved on the way out, or marked running by a process that is gone."""
        return self.state == "interrupted" or (self.state == "running" and not _alive(self.pid))

    def describe(self) -> str:
        when = self.updated.replace("T", " ")[:16]
        return f"{self.title}, step {self.step:,}, last saved {when}"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process of that number: alive
    return True


def mark_run(folder: str | os.PathLike, state: str, *, title: str, step: int) -> None:
    from ganstudio.config import atomic_write_text

    record = {"state": state, "title": title, "step": int(step), "updated": _now_text(),
              "pid": os.getpid()}
    try:
        atomic_write_text(Path(folder) / MARKER, json.dumps(record, indent=1))
    except OSError:
        pass  # the marker only helps offer a resume; a full disk is said by the save itself


def read_run(folder: str | os.PathLike) -> RunRecord | None:
    try:
        d = json.loads((Path(folder) / MARKER).read_text(encoding="utf-8"))
        return RunRecord(Path(folder), str(d["state"]), str(d["title"]), int(d["step"]),
                         str(d["updated"]), int(d["pid"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def interrupted_runs(parent: str | os.PathLike) -> list[RunRecord]:
    """Runs under ``parent`` (one folder each) that were cut off and have a checkpoint to resume
    from, newest first."""
    parent = Path(parent)
    if not parent.is_dir():
        return []
    runs = [r for r in (read_run(d) for d in parent.iterdir() if d.is_dir())
            if r is not None and r.interrupted and newest_checkpoint(r.folder) is not None]
    return sorted(runs, key=lambda r: r.updated, reverse=True)
