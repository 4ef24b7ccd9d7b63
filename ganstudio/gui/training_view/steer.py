"""Steering a run from the window (issue 24): the window's part of the core's steering.

- Mid-run edits: the settings panels send a changed setting to the live run (the training
  controller's ``edit``: session -> training/steering.apply_edit, between two steps); every change
  the run makes (an edit, a branch's settings, an experiment's ``[[changes]]``) comes back as the
  controller's ``change`` signal: a marker on every plot, a word in the status bar, the panels
  showing the run's value.
- GAN Lab's step controls on the toolbar (steer_controls.py): which network learns, slow motion.
- The timeline (timeline.py) under the samples, and *Branch from here*: the chosen snapshot
  continued with the panels' settings into a new run folder (the differences recorded as
  changes at its step), the original's files untouched.
- A/B: another run's curves over this one's (compare_runs.py), and one noise through two
  generators side by side in the explorer (explorer/compare.py).

``MainWindow`` makes one ``Steering(window)``; nothing else of the window knows of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from ganstudio.changes import editable
from ganstudio.config import FIELDS
from ganstudio.gui.explorer.compare import SideBySide
from ganstudio.gui.training_view.change_marks import ChangeMarks, change_label
from ganstudio.gui.training_view.compare_runs import RunComparison
from ganstudio.gui.training_view.steer_controls import StepControls
from ganstudio.gui.training_view.timeline import Timeline

if TYPE_CHECKING:
    from ganstudio.gui.main_window import MainWindow

CHANGE_MESSAGE_MS = 6000


class Steering(QObject):
    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.window = window
        w = window
        c = self.controller = w.controller
        self.settings = w.settings_ctl
        self.settings.live_edit = c.edit
        c.change.connect(self._changed)
        c.ready.connect(self._ready)
        c.finished.connect(self._finished)
        w.run.state_changed.connect(self._state_changed)

        self.marks = ChangeMarks(w.plots)
        self.controls = StepControls(self)
        self.controls.add_to(w.run.toolbar, w.run.stop_button)
        self.controls.update_chosen.connect(
            lambda v: self.settings.set_field("training.update", v))
        self.controls.pace_chosen.connect(c.set_pace)
        self.settings.changed.connect(
            lambda: self.controls.show_update(w.config.training.update))
        self.controls.show_update(w.config.training.update)

        view = w.run_split
        self.timeline = Timeline(w.jobs)
        view.widget(0).layout().insertWidget(1, self.timeline)
        view.samples_stack.addWidget(self.timeline.picture)
        self._live_page = view.samples_stack.currentWidget()
        self._live_caption = ""
        self.timeline.picked.connect(self._show_page)
        self.timeline.branch_requested.connect(self.branch)
        self._branch_waiting = None  # a branch to start once the live run has stopped

        self.comparison = RunComparison(w.plots, w.jobs, w, w.files.last_dir)
        self.comparison.error.connect(w.show_error)
        self.comparison.compared.connect(lambda name: w.statusBar().showMessage(
            f"Dashed: the run in {name} (B)", CHANGE_MESSAGE_MS))
        self._add_to_file_menu()
        self.side_by_side = SideBySide(w.explorer, w.jobs, self._snapshots_dir)

    def _add_to_file_menu(self) -> None:
        menus = [a.menu() for a in self.window.menuBar().actions() if a.menu() is not None]
        file_menu = next((m for m in menus if m.title().replace("&", "") == "File"), None)
        if file_menu is None:
            return
        follow = next((a for a in file_menu.actions()
                       if a.text().replace("&", "").startswith("Follow")), None)
        for action in (self.comparison.compare_action, self.comparison.remove_action):
            if follow is not None:
                file_menu.insertAction(follow, action)
            else:
                file_menu.addAction(action)

    def _snapshots_dir(self) -> str:
        run = self.controller.run
        if run is not None and run.folder is not None:
            return str(run.folder / "snapshots")
        return self.window.files.last_dir()

    # --- what the run says ---------------------------------------------------------------------
    def _changed(self, change) -> None:
        self.settings.run_changed(change)
        self.marks.add(change)
        self.window.statusBar().showMessage(
            f"Step {change.step:,}: {change_label(change)}", CHANGE_MESSAGE_MS)

    def _ready(self, info: dict) -> None:
        """A run is built: the settings it fitted to its pictures, its earlier changes
        (resumed), its snapshots."""
        self.settings.run_fitted(info.get("fitted") or {})
        run_config = self.settings.run_config or self.window.config
        self.marks.set_changes(info.get("changes", []), run_config.training.update)
        run = self.controller.run
        self.timeline.set_folder(run.folder if run is not None else None, live=True)

    def _state_changed(self, state: str) -> None:
        if state == "starting":  # a new run: empty marks, the timeline at its (empty) start
            self.marks.set_changes([])
            self.timeline.set_folder(None, live=False)
            self._live_page = self.window.run_split.samples_stack.currentWidget()

    def _finished(self) -> None:
        run = self.controller.run
        if run is not None:
            self.timeline.set_folder(run.folder, live=False)  # listed once more
        if self._branch_waiting is not None:
            path, self._branch_waiting = self._branch_waiting, None
            self.branch(path)

    def _show_page(self) -> None:
        """The chosen snapshot's picture in place of the live one; the live one at Now."""
        view = self.window.run_split
        stack, caption = view.samples_stack, view.caption
        if self.timeline.live:
            if stack.currentWidget() is self.timeline.picture:
                stack.setCurrentWidget(self._live_page)
                caption.setText(self._live_caption)
            return
        if stack.currentWidget() is not self.timeline.picture:
            self._live_page, self._live_caption = stack.currentWidget(), caption.text()
            stack.setCurrentWidget(self.timeline.picture)
        step = self.timeline.chosen[0]
        if self._live_page is view.plane_panel:
            what = ("the generator's points (orange) from the same noise every time, over the "
                    "real data (grey)")
        else:
            what = "the samples from the same noise as the live view"
        caption.setText(f"Step {step:,} of this run: {what}. Now goes back to the run as it "
                        "trains.")

    # --- branches ------------------------------------------------------------------------------
    def branch(self, path) -> None:
        """Continue the snapshot (or checkpoint) ``path`` as a new run in a new folder, with the
        settings in the panels: those that differ are recorded as changes at its step. A live
        run is stopped first (its files stay as they are)."""
        w = self.window
        if w.controller.running:
            self._branch_waiting = Path(path)
            w.run.stop()
            return

        def load(_progress):
            from ganstudio.training.autosave import read_run
            from ganstudio.training.checkpoint import load_checkpoint
            from ganstudio.training.snapshots import FOLDER

            ckpt = load_checkpoint(path)
            origin = Path(path).resolve().parent
            if origin.name == FOLDER:
                origin = origin.parent
            record = read_run(origin)
            return ckpt, (record.title if record and record.title else "")

        w.jobs.submit("branch", load, done=self._branch_loaded,
                      failed=lambda m: w.show_error("Cannot branch from there", m))

    def branch_edits(self, snapshot_config) -> tuple[list, list]:
        """(edits, locked): the settings in the panels that differ from the snapshot's, as
        (field, value) edits where they may change mid-run, else their titles."""
        panels = self.window.config
        edits, locked = [], []
        for path, spec in FIELDS.items():
            value = panels.get(path)
            if value == snapshot_config.get(path):
                continue
            if editable(path):
                edits.append((path, value))
            else:
                locked.append(spec.title)
        return edits, locked

    def _branch_loaded(self, result) -> None:
        ckpt, origin_title = result
        w = self.window
        if ckpt.generator_only:
            w.show_error("Cannot branch from there", f"{ckpt.path.name} holds only a generator "
                         "(for exploring); it cannot continue training")
            return
        if w.controller.running:
            return
        cfg = ckpt.config.copy()
        edits, locked = self.branch_edits(cfg)
        if locked:
            w.show_error("Cannot branch with these settings",
                         "A branch keeps the snapshot's networks and data, but these settings "
                         f"differ from it: {', '.join(locked)}. Set them back, or press Train "
                         "for a new run.")
            return
        title = (f"{origin_title or cfg.source_info.title}, branched at step "
                 f"{ckpt.steps_done:,}")
        autosave = w.recovery.autosaver(cfg, ckpt)  # a new folder: a snapshot's is not a run's
        autosave.title = w.recovery.title = title
        w.view_tabs.setCurrentWidget(w.run_split)
        w.run.start(cfg, checkpoint=ckpt, autosave=autosave, edits=edits)
        w.statusBar().showMessage(f"Branched from step {ckpt.steps_done:,} into "
                                  f"{autosave.folder}", CHANGE_MESSAGE_MS)

    def shutdown(self) -> None:
        self.timeline.shutdown()
