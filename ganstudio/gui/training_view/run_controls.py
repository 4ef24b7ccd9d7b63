"""Train / Pause / Step / Stop and the status bar, bound to the training controller.

What the buttons allow follows the run's ``RunState``; the status bar shows the session's
``RunStatus`` (step, speed, time spent and left: the maths is the core's, training/run_state.py).
Errors and divergence are told in a dialog, in words.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QKeySequence
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QToolBar, QToolButton

from ganstudio.gui.training_view.run_view import RunView
from ganstudio.gui.training_view.status_line import ElidedLabel, StatusLine
from ganstudio.gui.training_view.worker import TrainingController
from ganstudio.gui.widgets import SteadyLabel
from ganstudio.paths import resources_dir
from ganstudio.training.run_state import RunState, RunStatus

STATE_TEXTS = {
    RunState.RUNNING: "Training...",
    RunState.PAUSED: "Paused. Resume, or Step one step at a time.",
    RunState.FINISHED: "Finished the planned steps. Resume to keep training, or explore the "
                       "result.",
    RunState.STOPPED: "Stopped. The model stays here to explore or save.",
}


# around a passing message: the status bar draws it 6 px in, and its spacing and size grip
# take about 25 px more at the right
MESSAGE_MARGIN = 40


def icon(name: str) -> QIcon:
    return QIcon(str(resources_dir() / "icons" / f"{name}.svg"))


class RunControls(QObject):
    # the run's state changed (the window updates what depends on it)
    state_changed = Signal(str)
    # the user pressed Stop: the run ends for good (no resume offered later)
    user_stopped = Signal()

    def __init__(self, controller: TrainingController, view: RunView,
                 show_error: Callable[[str, str], object], train: Callable[[], None],
                 parent=None):
        super().__init__(parent)
        self.controller = controller
        self.view = view
        self.show_error = show_error
        self.state = RunState.READY  # READY until the first run starts
        self.status = RunStatus()
        self.problems: list[tuple[str, str]] = []
        self.blocked = ""  # why nothing can be trained here now (following a run), if so
        self.engine_ready = False
        self._train = train
        c = controller
        c.loading.connect(self._loading)
        c.ready.connect(self._ready)
        c.metrics.connect(self._metrics)
        c.status.connect(self._status)
        c.picture.connect(view.show_picture)
        c.state.connect(self._state)
        c.quality.connect(self._quality)
        c.health.connect(self._health)
        c.failed.connect(self._failed)
        c.finished.connect(self._finished)
        view.picture_drawn.connect(c.picture_shown)
        view.plane_panel.layers_changed.connect(c.set_plane_layers)
        c.set_plane_layers(view.plane_panel.layers())
        self._build_toolbar()
        self._build_status_bar()

    # --- widgets ----------------------------------------------------------------------------
    def _button(self, name, text, icon_name, tip, shortcut, slot) -> QToolButton:
        b = QToolButton()
        b.setObjectName(name)
        b.setText(text)
        b.setIcon(icon(icon_name))
        b.setIconSize(QSize(20, 20))
        b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        b.setToolTip(f"{tip} ({shortcut})")
        b.setShortcut(QKeySequence(shortcut))
        b.clicked.connect(slot)
        return b

    def _build_toolbar(self) -> None:
        tb = self.toolbar = QToolBar("Training")
        tb.setObjectName("trainingToolbar")
        tb.setMovable(False)
        self.train_button = self._button("trainButton", "Train", "train",
                                         "Start training with these settings", "F5",
                                         lambda: self._train())
        self.pause_button = self._button("pauseButton", "Pause", "pause",
                                         "Pause or resume training", "F6", self.toggle_pause)
        self.step_button = self._button("stepButton", "Step", "step",
                                        "While paused: one training step", "F7", self.step)
        self.stop_button = self._button("stopButton", "Stop", "stop", "End this run (its model "
                                        "stays for exploring and saving)", "Shift+F5", self.stop)
        for b in (self.train_button, self.pause_button, self.step_button, self.stop_button):
            tb.addWidget(b)
        tb.addSeparator()
        self.message = QLabel()
        self.message.setObjectName("runMessage")
        self.message.setProperty("role", "hint")
        tb.addWidget(self.message)

    def _build_status_bar(self) -> None:
        # sized for typical numbers up front (they grow if needed): see SteadyLabel
        self.step_label = SteadyLabel("Step 888,888")
        self.step_label.setText("Step 0")
        self.step_label.setObjectName("stepLabel")
        self.speed_label = SteadyLabel("8,888 steps/s")
        self.speed_label.setObjectName("speedLabel")
        self.time_label = SteadyLabel("88:88 training")
        self.time_label.setObjectName("timeLabel")
        # the latest quality measurement in a few words ("8 of 8 clusters found · 92% on
        # target"); its tooltip says where it was measured
        self.quality_label = ElidedLabel("")
        self.quality_label.setObjectName("qualityBadge")
        self.quality_label.setVisible(False)
        self._badge = ""  # the badge's text, shown again after a long measurement's progress
        self._busy_shown = False
        self.measures: list = []
        self._kid = None  # the last live KID (step, value): measured every few minutes
        self.alarms: list = []  # every alarm of the run, marked in the plots
        self.compute_label = ElidedLabel("")
        self.compute_label.setObjectName("computeLabel")
        self.compute_label.setVisible(False)
        self.progress = QProgressBar()
        self.progress.setObjectName("trainingProgress")
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(True)
        self.progress.setVisible(False)
        # fitted to the width there is: step, speed and time whole; the badge, the progress
        # bar and then what it computes on shrink (see status_line.py)
        self.status_line = StatusLine(
            [self.quality_label, self.compute_label, self.step_label, self.speed_label,
             self.time_label, self.progress],
            shrinking=[(self.quality_label, 90), (self.progress, 50), (self.compute_label, 90)])
        self.status_line.setObjectName("statusLine")

    def add_to_status_bar(self, sb: QStatusBar) -> None:
        sb.addPermanentWidget(self.status_line)
        # a passing message ("Opened run.safetensors") keeps its room; the parts shrink
        sb.messageChanged.connect(lambda text: self.status_line.leave_room(
            sb.fontMetrics().horizontalAdvance(text) + MESSAGE_MARGIN if text else 0))

    # --- commands ---------------------------------------------------------------------------
    def start(self, cfg, source=None, checkpoint=None, paused: bool = False,
              autosave=None, edits=()) -> None:
        """``edits``: (field, value) changes recorded once the run is built (a branch's)."""
        self.view.start(cfg.source_info.kind)
        self.status = RunStatus(state=RunState.STARTING, target=cfg.training.steps)
        self.state = RunState.STARTING
        self.message.setText("Getting ready...")
        self.controller.start(cfg, source=source, checkpoint=checkpoint, paused=paused,
                              autosave=autosave, edits=edits)
        self.state_changed.emit(self.state)

    def toggle_pause(self) -> None:
        if self.state.can_resume:
            self.controller.resume()
        elif self.state == RunState.RUNNING:
            self.controller.pause()

    def step(self) -> None:
        if self.state.can_resume:
            self.controller.step()

    def stop(self) -> None:
        if self.controller.running:
            self.user_stopped.emit()
            self.controller.stop()

    # --- what training says -----------------------------------------------------------------
    def _loading(self, done: int, total: int, what: str) -> None:
        self.message.setText(what + "...")
        self.show_busy(done, total)

    def show_busy(self, done: int = 0, total: int = 0) -> None:
        """The progress bar for a wait (busy when ``total`` is 0)."""
        self.progress.setVisible(True)
        self.progress.setRange(0, max(total, 0))
        self.progress.setValue(done)

    def _ready(self, info: dict) -> None:
        spec = info["spec"]
        self.status = self.status.replace(step=info["steps_done"], target=info["target"],
                                          elapsed=info["elapsed"])
        if info["steps_done"]:
            self.view.plots.set_history(info["history"])
        self.view.describe(spec, ema=info["ema"])
        self.measures = info.get("measures", [])
        self.view.plots.set_quality_measures(self.measures)
        self.quality_label.setVisible(False)
        self._badge = ""
        self._kid = next(((p.step, p.values["inception_kid"]) for p in
                          reversed(info.get("quality") or []) if "inception_kid" in p.values),
                         None)
        if info.get("quality"):
            self.view.plots.set_quality_history(info["quality"])
            self._quality(info["quality"][-1], plot=False)
        self.alarms = list(info.get("alarms", []))
        self.view.plots.mark_alarms(self.alarms)
        if info.get("quality"):
            # drawn now, like the losses above: the throttled redraw would come 1-2 s later
            # (the history's own drawing lengthens its interval), the plot empty till then
            self.view.plots.flush()
        self.message.setText(f"{info['data']}  ·  on the {info['device']}")
        # what the maths runs on and in, for as long as the run is here (issue 13: the window
        # says what is in use)
        self.compute_label.setText(f"{info['device']} · {info.get('precision', '')}")
        self.compute_label.setToolTip(
            "Where training runs and the size of the numbers it computes with. 16-bit is "
            "faster where the chip computes it natively; change it under Loss & training, "
            "More settings, Precision.")
        self.compute_label.setVisible(True)
        self._show_status()

    def _metrics(self, records: list, status: RunStatus) -> None:
        self.view.plots.append(records)
        self._status(status)

    def _quality(self, point, plot: bool = True) -> None:
        from ganstudio.training.quality import badge

        if plot:
            self.view.plots.add_quality_point(point)
        kid = ""
        if "inception_kid" in point.values:
            self._kid = (point.step, point.values["inception_kid"])
        if self._kid is not None:  # the badge keeps the last one between two
            point = replace(point, values={**point.values, "inception_kid": self._kid[1]})
            kid = (f" KID (at step {self._kid[0]:,}) is measured every few minutes on a few "
                   "hundred pictures, taking at most 4% more.")
        text = self._badge = badge(point, self.measures)
        self.quality_label.setText(text)
        self.quality_label.setVisible(bool(text))
        spaces = sorted({m.space for m in self.measures})
        self.quality_label.setToolTip(
            f"Measured at step {point.step:,}, from the same noise every time, in "
            f"{'; '.join(spaces)}. Measured every few hundred steps, taking at most 4% of "
            f"the training time; the Quality plot shows its history.{kid}")

    def _health(self, active: list, new: list) -> None:
        self.view.banner.set_alarms(active)
        if new:
            self.alarms += new
            self.view.plots.mark_alarms(self.alarms)

    def _status(self, status: RunStatus) -> None:
        self.status = status
        self._show_status()

    def _show_status(self) -> None:
        self.show_status(self.status)

    def show_status(self, s: RunStatus) -> None:
        """Step, speed, time and progress in the status bar (also for a followed run)."""
        self.step_label.setText(s.step_text())
        self.speed_label.setText(s.speed_text())
        self.time_label.setText(s.time_text())
        if s.target:
            self.progress.setVisible(True)
            self.progress.setRange(0, s.target)
            self.progress.setValue(min(s.step, s.target))
            self.progress.setFormat("%p%")
        else:
            self.progress.setVisible(False)
        self._show_busy(s.busy)

    def _show_busy(self, busy: str) -> None:
        """A long measurement ("Measuring quality (KID): 40%...") in the badge's place."""
        if busy:
            self.quality_label.setText(busy)
            self.quality_label.setVisible(True)
        elif self._busy_shown:
            self.quality_label.setText(self._badge)
            self.quality_label.setVisible(bool(self._badge))
        self._busy_shown = bool(busy)

    def _state(self, state: str, message: str) -> None:
        self.state = RunState(state)
        if self.state in STATE_TEXTS:
            self.message.setText(STATE_TEXTS[self.state])
        if self.state in (RunState.DIVERGED, RunState.ERROR):
            self.message.setText("Training stopped: see the message.")
            self.show_error("Training diverged" if self.state == RunState.DIVERGED
                            else "Training stopped because of an error", message)
        self.status = self.status.replace(state=self.state, rate=0.0
                                          if self.state != RunState.RUNNING else self.status.rate)
        self._show_status()
        self.state_changed.emit(self.state)

    def _failed(self, message: str) -> None:
        self.state = RunState.READY
        self.message.setText("")
        self.progress.setVisible(False)
        self.show_error("Training could not start", message)

    def _finished(self) -> None:
        if self.state not in (RunState.ERROR, RunState.READY):
            self.state = RunState.STOPPED
        self.state_changed.emit(self.state)

    # --- buttons ----------------------------------------------------------------------------
    def update_buttons(self) -> None:
        live = self.controller.running
        state = self.state
        problems = self.problems
        self.train_button.setEnabled(not live and self.engine_ready and not problems
                                     and not self.blocked)
        if self.blocked:
            self.train_button.setToolTip(self.blocked)
        elif problems:
            self.train_button.setToolTip("Fix these settings first:\n" +
                                         "\n".join(f"- {m}" for _, m in problems))
        else:
            self.train_button.setToolTip("Start training with these settings (F5)")
        can_resume = state.can_resume
        self.pause_button.setEnabled(live and (state == RunState.RUNNING or can_resume))
        self.pause_button.setText("Resume" if can_resume else "Pause")
        self.pause_button.setIcon(icon("resume" if can_resume else "pause"))
        self.step_button.setEnabled(live and can_resume)
        self.stop_button.setEnabled(live)
