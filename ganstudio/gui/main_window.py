"""The main window: settings panels on the left, the run (samples, 2-D view, plots) and the
latent explorer on the right, Train / Pause / Step / Stop on the toolbar.

It only composes: each wing has a controller (settings/controller.py, training_view/
run_controls.py, explorer/binding.py, files.py) over Qt-free models in the core (the experiment
``ExperimentDocument``, the run's ``RunStatus``, the explorer's ``Exploration``).

The window shows quickly: torch is imported in the background after it appears ("engine"), and
everything that takes time (reading data, counting weights, training, rendering) happens off the
UI thread.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QEvent, QSettings, QStandardPaths, Qt, Signal
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox, QSplitter, QTabWidget

from ganstudio.config import ExperimentConfig
from ganstudio.document import ExperimentDocument
from ganstudio.gui.collector import collect_in_ui_thread, freeze_loaded_modules
from ganstudio.gui.explorer.binding import ExplorerBinding
from ganstudio.gui.explorer.view import LatentExplorer
from ganstudio.gui.files import FileActions
from ganstudio.gui.follow import RunFollower
from ganstudio.gui.jobs import JobRunner
from ganstudio.gui.menus import Menus
from ganstudio.gui.recovery import KEEP_ENDED, Recovery, runs_dir
from ganstudio.gui.settings.controller import SettingsController
from ganstudio.gui.theme import apply_theme, restyle_plots
from ganstudio.gui.training_view.run_controls import RunControls, icon
from ganstudio.gui.training_view.run_view import RunView
from ganstudio.gui.training_view.steer import Steering
from ganstudio.gui.train_elsewhere import show_train_elsewhere
from ganstudio.gui.training_view.worker import TrainingController
from ganstudio.gui.window_text import HELP_TEXT, about_text
from ganstudio.paths import app_data_folder
from ganstudio.presets import DEFAULT_PRESET, load_preset
from ganstudio.training.run_state import RunState

APP_NAME = "GAN Studio"
# files a drop opens: checkpoints, generators from the PyTorch DCGAN example, experiments
DROPPABLE = (".safetensors", ".pth", ".pt", ".toml")


def app_settings() -> QSettings:
    """The user's preferences; tests point GANSTUDIO_SETTINGS_FILE at a temporary file."""
    path = os.environ.get("GANSTUDIO_SETTINGS_FILE")
    if path:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings("GAN Studio", "GAN Studio")


def data_dir() -> Path:
    """Where the app keeps its own files (autosaved checkpoints): one "GAN Studio" folder
    (paths.app_data_folder; it was "GAN Studio/GAN Studio", and is moved)."""
    env = os.environ.get("GANSTUDIO_DATA_DIR")
    return Path(env) if env else app_data_folder(QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.AppDataLocation))


def _warm_up(progress) -> bool:
    """Load the training engine (torch) in the background."""
    progress(0, 1, "Loading the training engine")
    import torch  # noqa: F401

    import ganstudio.data  # noqa: F401
    import ganstudio.training.session  # noqa: F401

    progress(1, 1, "Loading the training engine")
    return True


class MainWindow(QMainWindow):
    engine_loaded = Signal()

    def __init__(self, config: ExperimentConfig | None = None, settings: QSettings | None = None):
        super().__init__()
        collect_in_ui_thread()  # before any thread starts: see gui/collector.py
        self.settings = settings or app_settings()
        self.document = ExperimentDocument(config or load_preset(DEFAULT_PRESET))
        self.engine_ready = False
        self._dialogs: list[QMessageBox] = []
        self._closing = False
        self.setWindowIcon(icon("app"))
        self.resize(1280, 800)
        self.setAcceptDrops(True)

        self.jobs = JobRunner(self)
        self.controller = TrainingController(self)
        self.recovery = Recovery(data_dir(), self)
        self.recovery.resume_requested.connect(
            lambda path: self.open_checkpoint(path, resume=True, show=False))
        self.controller.autosaved.connect(self._autosaved)
        self.controller.note.connect(self._note)  # a method: delivered in the UI thread
        self.files = FileActions(self.document, self.settings, self.controller, self.jobs,
                                 lambda: self.last_step, self)
        self.files.experiment_opened.connect(self._experiment_opened)
        self.files.checkpoint_opened.connect(self._checkpoint_opened)
        self.files.error.connect(self.show_error)
        self.files.message.connect(self.statusBar().showMessage)

        self.settings_ctl = SettingsController(self.document, self.jobs, self)
        self.settings_ctl.changed.connect(self._update)
        for name in ("dataset_panel", "architecture_panel", "loss_panel", "forms"):
            setattr(self, name, getattr(self.settings_ctl, name))
        self.settings_tabs = self.settings_ctl.tabs
        self.loss_panel.show_runs_folder(runs_dir(self.recovery.data_dir), KEEP_ENDED)

        self.run_split = RunView()
        self.plots, self.plane_panel = self.run_split.plots, self.run_split.plane_panel
        self.sample_view = self.run_split.sample_view
        self.samples_caption = self.run_split.caption
        self.run = RunControls(self.controller, self.run_split, self.show_error, self.train, self)
        self.run.state_changed.connect(self._run_state_changed)
        self.run.user_stopped.connect(lambda: self.recovery.ended(self.last_step))
        for name in ("train_button", "pause_button", "step_button", "stop_button",
                     "step_label", "speed_label", "time_label", "progress"):
            setattr(self, name, getattr(self.run, name))
        self.addToolBar(self.run.toolbar)
        self.run.add_to_status_bar(self.statusBar())

        self.explorer = LatentExplorer(jobs=self.jobs)
        self.view_tabs = QTabWidget()
        self.explorer_binding = ExplorerBinding(
            self.explorer, files=self.files, controller=self.controller,
            run_position=lambda: (self.last_step, self.run_state),
            engine_ready=lambda: self.engine_ready, engine_loaded=self.engine_loaded,
            in_front=lambda: self.view_tabs.currentWidget() is self.explorer, parent=self)
        self.explorer_binding.show_requested.connect(
            lambda: self.view_tabs.setCurrentWidget(self.explorer))
        self.view_tabs.setObjectName("viewTabs")
        self.view_tabs.addTab(self.run_split, "Training")
        self.view_tabs.addTab(self.explorer, "Explore")
        self.view_tabs.currentChanged.connect(self._view_tab_changed)
        self.main_split = QSplitter(Qt.Orientation.Horizontal)
        self.main_split.setObjectName("mainSplitter")
        self.main_split.addWidget(self.settings_tabs)
        self.main_split.addWidget(self.view_tabs)
        self.main_split.setStretchFactor(1, 1)
        self.main_split.setSizes([380, 900])
        self.setCentralWidget(self.main_split)
        # File > Follow a run folder: gui/follow.py
        self.follower = RunFollower(self.run_split, self.run, self.files, self)
        self.follower.active_changed.connect(self._following_changed)
        self.follower.checkpoint_found.connect(
            lambda path, show: self.open_checkpoint(path, resume=False, show=show))
        self.follower.error.connect(self.show_error)
        self.follower.message.connect(lambda text: self.statusBar().showMessage(text, 6000))
        self.addToolBarBreak()
        self.addToolBar(self.follower.banner)

        self.menus = Menus(self, self.files, self.follower,
                           theme=str(self.settings.value("theme", "light")))
        self.menus.theme_chosen.connect(self.set_theme)
        self.menus.train_elsewhere.connect(self.show_train_elsewhere)
        self.menus.demo_mode.connect(self.enter_demo_mode)
        self.menus.help.connect(self.show_help)
        self.menus.about.connect(self.show_about)
        self.menus.quit.connect(self.close)
        # steering a run while it trains: edits, step controls, timeline, branches, A/B
        self.steering = Steering(self)
        self._restore_layout()
        self.settings_ctl.refresh()
        self.run.message.setText("Loading the training engine...")
        self.run.show_busy()
        self.jobs.submit("engine", _warm_up, done=self._engine_done,
                         failed=lambda m: self.show_error("The training engine could not "
                                                          "load", m))

    # --- what the rest of the program reads ----------------------------------------------------
    @property
    def config(self) -> ExperimentConfig:
        return self.document.config

    @property
    def run_state(self) -> str:
        return self.run.state

    @property
    def run_status(self):
        return self.run.status

    @property
    def last_step(self) -> int:
        return self.run.status.step

    @property
    def demo_window(self):
        return self.explorer_binding.demo_window

    # the menus' items the window sets (tests and tools find them here too)
    @property
    def presets_menu(self):
        return self.menus.presets

    @property
    def save_ckpt_action(self):
        return self.menus.save_checkpoint

    @property
    def stop_following_action(self):
        return self.menus.stop_following

    @property
    def theme_actions(self):
        return self.menus.themes

    # --- menus and layout ----------------------------------------------------------------------
    def _restore_layout(self) -> None:
        geo = self.settings.value("window/geometry")
        if geo is not None:
            self.restoreGeometry(geo)
        for key, split in (("window/main", self.main_split), ("window/run", self.run_split)):
            state = self.settings.value(key)
            if state is not None:
                split.restoreState(state)

    def _save_layout(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/main", self.main_split.saveState())
        self.settings.setValue("window/run", self.run_split.saveState())

    # --- the wings talking to each other -------------------------------------------------------
    def _engine_done(self, _result) -> None:
        freeze_loaded_modules()  # later collections skip torch's objects: no UI stalls
        self.engine_ready = self.run.engine_ready = True
        self.run.message.setText("")
        self.progress.setVisible(False)
        self.settings_ctl.engine_loaded()
        self._update()
        self.engine_loaded.emit()
        if not self.controller.running and not self.explorer_binding.asked:
            self.recovery.offer_resume()

    def _update(self) -> None:
        """The experiment or the run changed: the title, the buttons, the plots' loss kind."""
        self.setWindowTitle(f"{self.document.title} - {APP_NAME}")
        self.plots.set_loss_kind(self.config.loss.name)
        self.run.problems = self.config.problems()
        self.run.update_buttons()
        self.menus.stop_following.setEnabled(self.follower.active)
        self.menus.save_checkpoint.setEnabled(self.controller.trainer is not None
                                         and self.run_state != "starting")

    def set_config(self, config: ExperimentConfig, path: Path | None = None) -> None:
        """Show another experiment's settings (a preset, a file, a checkpoint's)."""
        self.files.show(config, path)

    def _experiment_opened(self) -> None:
        self.settings_ctl.show_config()

    def _following_changed(self, active: bool) -> None:
        """Following another process's run: the Training tab shows it, nothing to train."""
        self.run.blocked = ("Following a run folder (read-only): Stop following to train here"
                            if active else "")
        self._update()
        if active:
            self.view_tabs.setCurrentWidget(self.run_split)

    def show_train_elsewhere(self):
        """File > Train on another machine: the experiment and its torchrun command."""
        return show_train_elsewhere(self.document, self.settings, self.files.last_dir(), self)

    def _run_state_changed(self, state: str) -> None:
        self.settings_ctl.set_locked(self.controller.running)
        self._update()
        if self._closing and not self.controller.running:
            self.close()  # Stop was asked for by closing: the run has ended, close now

    def train(self) -> None:
        """Start a new run with the current settings."""
        if self.controller.running or not self.engine_ready or self.follower.active:
            return
        problems = self.config.problems()
        if problems:
            self.show_error("These settings do not fit together",
                            "\n".join(f"- {msg}" for _, msg in problems))
            return
        cfg = self.config.copy()
        self.view_tabs.setCurrentWidget(self.run_split)  # Train: watch it learn
        self.run.start(cfg, source=self.settings_ctl.source_for_run(cfg),
                       autosave=self.recovery.autosaver(cfg))

    def stop(self) -> None:
        self.run.stop()

    def open_checkpoint(self, path, *, resume: bool = True, show: bool = True) -> None:
        self.explorer_binding.asked = True  # a model is on its way: no demo model in its place
        self.files.open_checkpoint(path, resume=resume, show=show)

    def save_checkpoint(self, path, on_saved=None) -> None:
        self.files.save_checkpoint(path, on_saved)

    def open_experiment(self, path) -> bool:
        return self.files.open_experiment(path)

    def load_preset(self, name: str) -> None:
        self.files.load_preset(name)

    def new_experiment(self) -> None:
        self.files.new_experiment()

    def _checkpoint_opened(self, exploration, ckpt, resume: bool, show: bool) -> None:
        self.explorer_binding.show_checkpoint(exploration, ckpt)
        if resume and ckpt.generator_only:
            self.statusBar().showMessage(f"{ckpt.path.name} holds only a generator: it can be "
                                         "explored, not trained further", 8000)
        if resume and not ckpt.generator_only and not self.controller.running:
            self.files.show(ckpt.config.copy())
            cfg = ckpt.config.copy()
            self.run.start(cfg, checkpoint=ckpt, paused=True,
                           autosave=self.recovery.autosaver(cfg, ckpt))
        elif show:
            self.view_tabs.setCurrentWidget(self.explorer)
        self.statusBar().showMessage(f"Opened {ckpt.path.name}", 6000)

    # --- pictures only while seen --------------------------------------------------------------
    def _update_pictures(self) -> None:
        # pictures nobody can see are not made: each costs training time (ring: ~1.5%)
        seen = self.view_tabs.currentWidget() is self.run_split and not self.isMinimized()
        self.controller.set_pictures(seen)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.WindowStateChange:
            self._update_pictures()

    def _view_tab_changed(self, index: int) -> None:
        self._update_pictures()
        if self.view_tabs.widget(index) is self.explorer:
            self.explorer_binding.visited()

    def enter_demo_mode(self) -> None:
        self.explorer_binding.enter_demo_mode()

    # --- drag and drop: checkpoints and experiment files ---------------------------------------
    def dragEnterEvent(self, event) -> None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if any(u.toLocalFile().endswith(DROPPABLE) for u in urls):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        for u in event.mimeData().urls():
            path = u.toLocalFile()
            if path.endswith(DROPPABLE):
                self.files.open_path(path)
                event.acceptProposedAction()
                return

    # --- look and help -------------------------------------------------------------------------
    def set_theme(self, name: str) -> None:
        apply_theme(QApplication.instance(), name)
        restyle_plots(self, name)
        self.settings.setValue("theme", name)

    def show_error(self, title: str, message: str) -> QMessageBox:
        """A dialog in plain words that never blocks the window (or a test)."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, message,
                          QMessageBox.StandardButton.Ok, self)
        box.setObjectName("errorDialog")
        box.setWindowModality(Qt.WindowModality.WindowModal)
        self._dialogs.append(box)
        box.finished.connect(lambda _=0, b=box: self._dialogs.remove(b)
                             if b in self._dialogs else None)
        box.open()
        return box

    def show_help(self) -> None:
        QMessageBox.information(self, "What am I looking at?", HELP_TEXT)

    def show_about(self) -> None:
        QMessageBox.about(self, "About GAN Studio", about_text())

    # --- closing -------------------------------------------------------------------------------
    def ask_close(self) -> str:
        """While training: "save" (stop and keep a checkpoint), "discard" or "cancel"."""
        box = QMessageBox(QMessageBox.Icon.Question, "Training is running",
                          "Stop training and close? A checkpoint of the run will be kept in\n"
                          f"{self._exit_path().parent}\nand offered the next time GAN "
                          "Studio starts.", parent=self)
        save = box.addButton("Stop, keep a checkpoint and close",
                             QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton("Close without saving", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(save)
        box.exec()
        clicked = box.clickedButton()
        return "save" if clicked is save else "discard" if clicked is discard else "cancel"

    def _exit_path(self):
        """Where the run is saved on the way out: its own folder."""
        return self.recovery.exit_path(self.config.data.source)

    def _note(self, text: str) -> None:
        self.statusBar().showMessage(text, 10000)

    def _autosaved(self, path, error: str) -> None:
        if error:
            self.statusBar().showMessage(error, 15000)
            if not getattr(self, "_save_error_shown", False):  # once, not every few minutes
                self._save_error_shown = True
                self.show_error("The run could not be saved", error)
        else:
            self._save_error_shown = False
            self.statusBar().showMessage(f"Autosaved at step {self.last_step:,}", 4000)

    def save_and_quit(self, *_args) -> None:
        """End without a question (SIGTERM, a logout): save the run between two steps, stop it,
        close. The next start offers to resume it."""
        if not self.controller.running:
            self.close()
            return
        if self._closing:
            return
        self._closing = True
        def saved(_path, step):
            self.recovery.interrupted(step)
            self.controller.stop()

        # saved or not, it must end (an older autosave may still be there)
        self.files.save_checkpoint(self._exit_path(), on_saved=saved,
                                   on_failed=lambda _m: self.controller.stop())

    def closeEvent(self, event) -> None:
        if self.controller.running:
            if not self._closing:
                # a run that has done its planned steps is kept, not cut off: no question,
                # its checkpoint saved in its folder, and marked ended (nothing to resume)
                finished = self.run_state == RunState.FINISHED
                answer = "save" if finished else self.ask_close()
                if answer == "cancel":
                    event.ignore()
                    return
                self._closing = True
                if answer == "save":
                    # saved between two steps; then stop; the run's end closes the window
                    def not_saved(_message):  # said in a dialog; the window stays open
                        self._closing = False

                    def saved(_path, step):
                        if finished:
                            self.recovery.ended(step)
                        else:
                            self.recovery.interrupted(step)
                        self.controller.stop()

                    self.files.save_checkpoint(self._exit_path(), on_saved=saved,
                                               on_failed=not_saved)
                else:
                    self.recovery.ended(self.last_step)
                    self.controller.stop()
            event.ignore()
            return
        self.recovery.closing(self.last_step)
        self._save_layout()
        self.explorer_binding.close()
        self.follower.shutdown()
        self.jobs.shutdown()
        self.controller.shutdown()
        super().closeEvent(event)
