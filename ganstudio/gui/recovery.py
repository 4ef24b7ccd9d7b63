"""Nothing lost in the window: each run autosaves into a folder of its own, every way the window
can end saves it, and the next start offers to resume a run that was cut off.

Run folders live in the app's data folder (``runs/``), one per run: named by the data set, the
time, the process and a counter, so two windows never write the same file. ``run.json`` says
whether a run is "running", "interrupted" (saved on the way out) or "ended" (stopped by the
user, or closed without saving): see training/autosave.py.
"""

from __future__ import annotations

import datetime
import itertools
import os
import shutil
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from ganstudio.training import autosave

_COUNTER = itertools.count(1)
KEEP_ENDED = 5  # ended runs' folders kept (the newest); older ones are removed


def runs_dir(data_dir: Path) -> Path:
    return data_dir / "runs"


def new_run_folder(data_dir: Path, source: str) -> Path:
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    return runs_dir(data_dir) / f"{source}-{stamp}-{os.getpid()}-{next(_COUNTER)}"


def prune_ended(parent: Path, keep: int = KEEP_ENDED) -> None:
    """Remove the folders of ended runs beyond the newest ``keep`` (their files were the
    user's to save; an autosave is a safety net, not an archive)."""
    if not parent.is_dir():
        return
    ended = [r for r in (autosave.read_run(d) for d in parent.iterdir() if d.is_dir())
             if r is not None and r.state == "ended"]
    ended.sort(key=lambda r: r.updated, reverse=True)
    for r in ended[keep:]:
        shutil.rmtree(r.folder, ignore_errors=True)


class Recovery(QObject):
    """The window's run folders: which one the live run writes, and the offer to resume."""

    # the user chose to resume a run: its newest checkpoint's path (opened paused)
    resume_requested = Signal(str)

    def __init__(self, data_dir: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.dialog_parent = parent  # over which the offer opens
        self.data_dir = data_dir
        self.folder: Path | None = None  # the live run's folder
        self.marked = ""  # what its run.json says: "running", "interrupted" or "ended"
        self.title = ""
        self.dialog: QMessageBox | None = None

    # --- the live run ---------------------------------------------------------------------------
    def autosaver(self, config, checkpoint=None) -> autosave.Autosaver:
        """The autosaver of a run about to start: a new folder, or (resuming a run of ours) the
        folder it came from."""
        parent = runs_dir(self.data_dir)
        came_from = Path(checkpoint.path).parent if checkpoint is not None else None
        if came_from is not None and came_from.parent == parent:
            self.folder = came_from
        else:
            self.folder = new_run_folder(self.data_dir, config.data.source)
        self.title = config.source_info.title
        steps = checkpoint.steps_done if checkpoint is not None else 0
        self._mark("running", steps)
        prune_ended(parent)
        return autosave.Autosaver(self.folder, config.training.autosave_minutes,
                                  title=self.title)

    def interrupted(self, step: int) -> None:
        """Saved on the way out (closed while training, a signal, a logout): offered later."""
        self._mark("interrupted", step)

    def ended(self, step: int) -> None:
        """The user ended the run (Stop, or closed without saving), or it had finished:
        nothing to offer later."""
        self._mark("ended", step)

    def closing(self, step: int) -> None:
        """The window closes with no live run: a run still marked running ended some other
        way (an error ended it) and is not to be offered as cut off."""
        if self.marked == "running":
            self._mark("ended", step)

    def _mark(self, state: str, step: int) -> None:
        if self.folder is not None:
            autosave.mark_run(self.folder, state, title=self.title, step=step)
            self.marked = state

    def exit_path(self, source: str) -> Path:
        """Where a checkpoint made on the way out goes: the run's own folder (a new one named
        by the data ``source`` if the run has none)."""
        if self.folder is None:
            self.folder = new_run_folder(self.data_dir, source)
        return self.folder / "checkpoint.safetensors"

    # --- the offer, at start --------------------------------------------------------------------
    def offer_resume(self) -> QMessageBox | None:
        """Ask (without blocking) whether to resume the newest interrupted run, if there is one."""
        runs = autosave.interrupted_runs(runs_dir(self.data_dir))
        if not runs:
            return None
        run = runs[0]
        box = QMessageBox(QMessageBox.Icon.Question, "Resume the interrupted run?",
                          f"A run did not end: {run.describe()}.\n\nResume it where it was "
                          "saved? It opens paused, ready to continue.", parent=self.dialog_parent)
        box.setObjectName("resumeDialog")
        resume = box.addButton("Resume", QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton("Discard it", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Not now", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(resume)

        def answered(_=0):
            clicked = box.clickedButton()
            if clicked is resume:
                path = autosave.newest_checkpoint(run.folder)
                if path is not None:
                    self.resume_requested.emit(str(path))
            elif clicked is discard:
                autosave.mark_run(run.folder, "ended", title=run.title, step=run.step)
            self.dialog = None

        box.finished.connect(answered)
        box.setWindowModality(box.windowModality().WindowModal)
        box.open()
        self.dialog = box
        return box
