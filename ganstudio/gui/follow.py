"""File > Follow a run folder: a run that another process writes (``ganstudio train``, torchrun,
here or on a mounted disk), shown live and read-only in the Training tab.

The folder is read by the core's ``RunFolder`` in a helper thread of its own ("follow"), once a
second, and one read at a time: a slow or hung disk delays the next reading, never the window.
The new rows go to the window's plots, the newest sample picture (decoded in that thread too) to
the picture area, and the run's step and state to the status bar and a banner that says the view
is read-only; Train is off while following. The newest checkpoint opens in the explorer at a
click, and by itself when the run ends.

It knows the run's view and status bar (``RunView``, ``RunControls``) and the file actions it
reads the last folder from; the window hears from it through its signals.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog, QLabel, QSizePolicy, QToolBar, QToolButton

from ganstudio.gui.tasks import TaskThread
from ganstudio.training.run_state import RateMeter, RunState, RunStatus

if TYPE_CHECKING:
    from ganstudio.gui.files import FileActions
    from ganstudio.gui.training_view.run_controls import RunControls
    from ganstudio.gui.training_view.run_view import RunView

POLL_MS = 1000  # how often the folder is read
# metrics.csv read per reading: ~1,400 rows, which the plots take in ~30 ms of the UI thread
# (100,000 rows at once took 0.8 s there); a bigger file is read on at once, piece by piece
READ_BYTES = 128 << 10


def short_path(path: Path) -> str:
    """The folder as a person would type it: relative to here, or from ~."""
    path = Path(path).absolute()
    for base, prefix in ((Path.cwd(), ""), (Path.home(), "~/")):
        try:
            return prefix + str(path.relative_to(base))
        except ValueError:
            continue
    return str(path)


class _Reading:
    """What the follow thread keeps between two readings of one folder (never touched by the UI
    thread once following has started)."""

    def __init__(self, folder):
        self.folder = folder
        self.picture_key = None  # the newest picture decoded: (path, mtime, size)

    def poll(self):
        update = self.folder.poll(max_bytes=READ_BYTES)
        picture = None
        s = update.sample
        if s is not None and (s.path, s.mtime_ns, s.size) != self.picture_key:
            image = QImage(str(s.path))
            if not image.isNull():  # a picture still being copied: the next reading gets it
                picture = image
                self.picture_key = (s.path, s.mtime_ns, s.size)
        return update, picture


class RunFollower(QObject):
    # following began (True) or ended (False): Train is off while it lasts
    active_changed = Signal(bool)
    # a checkpoint of the followed run to explore: (path, bring the explorer forward)
    checkpoint_found = Signal(str, bool)
    error = Signal(str, str)  # (title, message): to be said in a dialog
    message = Signal(str)  # a passing note for the status bar

    def __init__(self, view: "RunView", run: "RunControls", files: "FileActions",
                 parent: QObject | None = None):
        super().__init__(parent)
        self.view = view
        self.run = run
        self.files = files
        self.thread = TaskThread("follow", self, one_torch_thread=False)
        self.timer = QTimer(self, interval=POLL_MS)
        self.timer.timeout.connect(self.poll)
        self.reading: _Reading | None = None
        self.folder: Path | None = None
        self.target = 0  # the run's planned steps (config.toml), 0 if unknown
        self.last = None  # the latest FolderUpdate
        self._session = 0  # readings of an earlier follow are dropped
        self._in_flight = False
        self._rate = RateMeter(window=2.0)
        self._saw_running = False
        self._opened_checkpoint = None
        self._placeholder = view.sample_view.placeholder
        self._build_banner()
        run.state_changed.connect(self._run_state_changed)

    @property
    def active(self) -> bool:
        return self.reading is not None

    # --- the banner -------------------------------------------------------------------------
    def _build_banner(self) -> None:
        """The banner (a toolbar the window places) saying what is followed."""
        tb = self.banner = QToolBar("Following a run folder")
        tb.setObjectName("followBanner")
        tb.setMovable(False)
        self.label = QLabel()
        self.label.setObjectName("followLabel")
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        tb.addWidget(self.label)
        self.checkpoint_button = QToolButton()
        self.checkpoint_button.setObjectName("followCheckpointButton")
        self.checkpoint_button.setText("Open newest checkpoint in the explorer")
        self.checkpoint_button.clicked.connect(lambda: self.open_checkpoint(show=True))
        self.stop_button = QToolButton()
        self.stop_button.setObjectName("stopFollowingButton")
        self.stop_button.setText("Stop following")
        self.stop_button.clicked.connect(self.stop)
        tb.addWidget(self.checkpoint_button)
        tb.addWidget(self.stop_button)
        tb.setVisible(False)

    def _say(self, detail: str = "") -> None:
        text = f"Following {short_path(self.folder)}: read-only, updated live"
        self.label.setText(text + (f"  ·  {detail}" if detail else ""))

    # --- commands ---------------------------------------------------------------------------
    def choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self.banner.window(), "Follow a run folder",
                                                self.files.last_dir())
        if path:
            self.follow(path)

    def follow(self, path) -> None:
        """Open a run folder (in the follow thread: the disk may be slow) and follow it."""
        if self.run.controller.running:
            self.error.emit("Training is running", "Stop the run before you follow a run folder.")
            return

        def open_folder():
            from ganstudio.training.run_folder import RunFolder

            folder = RunFolder(path)
            cfg = folder.config()
            return folder, cfg

        self.stop(quiet=True)
        self._session += 1
        session = self._session
        self.thread.submit(open_folder, kind="open",
                           done=lambda result: self._opened(session, result),
                           failed=lambda m: session == self._session and self.error.emit(
                               "Cannot follow this folder", m))

    def _opened(self, session: int, result) -> None:
        if session != self._session or self.run.controller.running:
            return
        folder, cfg = result
        view = self.view
        self.reading = _Reading(folder)
        self.folder = folder.folder
        self.target = cfg.training.steps if cfg is not None else 0
        self.last = None
        self._rate.reset()
        self._saw_running = False
        self._opened_checkpoint = None
        self._in_flight = False
        view.start("image")  # the run's samples are saved pictures, even for points
        if cfg is not None:
            view.plots.set_loss_kind(cfg.loss.name)
        view.sample_view.placeholder = "Waiting for the run's first sample picture (samples/)..."
        view.caption.setText("")
        self.run.message.setText("Following a run folder (read-only)")
        self.checkpoint_button.setEnabled(False)
        self._say("reading...")
        self.banner.setVisible(True)
        self.files.remember_folder(self.folder)
        self.active_changed.emit(True)  # Train off while following
        self.timer.start()
        self.poll()

    def stop(self, quiet: bool = False) -> None:
        if not self.active:
            return
        self._session += 1  # a reading under way is dropped
        self.timer.stop()
        self.reading = None
        self.banner.setVisible(False)
        self.view.sample_view.placeholder = self._placeholder
        self.run.message.setText("")
        self.active_changed.emit(False)
        if not quiet:
            self.message.emit(f"Stopped following {short_path(self.folder)}")

    def open_checkpoint(self, show: bool = True) -> None:
        ckpt = self.last.checkpoint if self.last is not None else None
        if ckpt is None:
            return
        self._opened_checkpoint = (ckpt.path, ckpt.mtime_ns)
        self.checkpoint_found.emit(str(ckpt.path), show)

    def shutdown(self) -> None:
        self.timer.stop()
        self._session += 1
        self.reading = None
        self.thread.shutdown(2000)  # a hung disk must not hold the window's exit for long

    def _run_state_changed(self, _state) -> None:
        if self.active and self.run.controller.running:
            self.stop()  # a run of this window's own now owns the Training tab

    # --- readings ---------------------------------------------------------------------------
    def poll(self) -> None:
        if not self.active or self._in_flight:
            return  # the last reading is still under way (a slow disk): no queue builds
        self._in_flight = True
        session = self._session
        self.thread.submit(self.reading.poll, kind="poll",
                           done=lambda result: self._polled(session, result),
                           failed=lambda m: self._poll_failed(session, m))

    def _poll_failed(self, session: int, message: str) -> None:
        if session != self._session:
            return
        self._in_flight = False
        self._say(f"{message}; trying again every second")

    def _polled(self, session: int, result) -> None:
        if session != self._session:
            return
        self._in_flight = False
        update, picture = result
        view = self.view
        plots = view.plots
        if update.restarted:
            plots.clear()
            self._rate.reset()
        plots.append(update.records)
        if update.quality and hasattr(plots, "add_quality"):  # the quality plot, where it is
            for step, values in update.quality:
                plots.add_quality(step, values)
        if picture is not None:
            view.sample_view.set_image(picture)
            when = time.strftime("%H:%M:%S", time.localtime(update.sample.mtime))
            view.caption.setText(f"The run's newest picture: samples/{update.sample.path.name}"
                                      f", written at {when}.")
        self._show_status(update)
        self.last = update
        self.checkpoint_button.setEnabled(update.checkpoint is not None)
        self.checkpoint_button.setToolTip(
            str(update.checkpoint.path) if update.checkpoint is not None else
            "No checkpoint in the folder yet (a run writes one as it ends, and autosaves)")
        run = update.run
        if run is not None and run.state == "running":
            self._saw_running = True
        elif run is not None and self._saw_running and update.checkpoint is not None and \
                (update.checkpoint.path, update.checkpoint.mtime_ns) != self._opened_checkpoint:
            self.open_checkpoint(show=False)  # it ended while watched: its model to explore
        if update.more:
            QTimer.singleShot(0, self.poll)  # more of a big file waits: read on at once

    def _show_status(self, update) -> None:
        running = update.run is None or update.run.state == "running"
        rate = self._rate.update(time.monotonic(), update.step) if running else 0.0
        status = RunStatus(state=RunState.RUNNING if running else RunState.STOPPED,
                           step=update.step, target=self.target,
                           elapsed=update.elapsed, rate=rate)
        self.run.show_status(status)
        state = update.state_text()
        parts = [p for p in (status.step_text(), state) if p]
        if update.step == 0 and not update.records:
            parts.append("no step written yet")
        self._say("  ·  ".join(parts))
