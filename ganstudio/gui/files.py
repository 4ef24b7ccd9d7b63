"""The File menu's work: experiments (TOML) and checkpoints, recent files, drag and drop.

Dialogs never block training: errors go out as ``error`` (the window shows them in its
non-blocking dialog), and checkpoints are saved between two steps in the training thread and read
in the jobs thread. It works on the experiment's document, the preferences, the training
controller and the jobs thread it is given, and tells the window through its signals.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from ganstudio.config import ConfigError
from ganstudio.document import ExperimentDocument
from ganstudio.gui.jobs import JobRunner
from ganstudio.gui.training_view.worker import Failure, TrainingController
from ganstudio.presets import DEFAULT_PRESET, load_preset

MAX_RECENT = 8


class FileActions(QObject):
    # another experiment is now open (the window shows it)
    experiment_opened = Signal()
    # a checkpoint was read: (exploration, checkpoint, resume, show)
    checkpoint_opened = Signal(object, object, bool, bool)
    error = Signal(str, str)  # (title, message): to be said in a dialog
    message = Signal(str, int)  # (a passing note for the status bar, for how many ms)

    def __init__(self, document: ExperimentDocument, settings: QSettings,
                 controller: TrainingController, jobs: JobRunner,
                 current_step: Callable[[], int], parent: QWidget | None = None):
        super().__init__(parent)
        self.dialog_parent = parent  # over which file dialogs open
        self.document = document
        self.settings = settings
        self.controller = controller
        self.jobs = jobs
        self.current_step = current_step  # the run's step, for a checkpoint's file name
        self.recent_menu = None

    # --- recent files -----------------------------------------------------------------------
    def last_dir(self) -> str:
        return str(self.settings.value("lastFolder", str(Path.home())))

    def remember(self, path: Path) -> None:
        self.settings.setValue("lastFolder", str(Path(path).parent))
        recent = [p for p in self.recent() if p != str(path)]
        self.settings.setValue("recent", [str(path)] + recent[:MAX_RECENT - 1])
        self.fill_recent()

    def remember_folder(self, folder: Path) -> None:
        """A folder opened (a followed run's): the next dialog starts beside it."""
        self.settings.setValue("lastFolder", str(Path(folder).parent))

    def recent(self) -> list[str]:
        value = self.settings.value("recent", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def fill_recent(self, menu=None) -> None:
        self.recent_menu = menu or self.recent_menu
        self.recent_menu.clear()
        items = [p for p in self.recent() if Path(p).exists()]
        for p in items:
            a = self.recent_menu.addAction(Path(p).name)
            a.setToolTip(p)
            a.triggered.connect(lambda _=False, p=p: self.open_path(p))
        self.recent_menu.setEnabled(bool(items))

    def open_path(self, path) -> None:
        if str(path).endswith((".safetensors", ".pth", ".pt")):  # .pth: training/foreign.py
            self.open_checkpoint(path)
        else:
            self.open_experiment(path)

    # --- experiments ------------------------------------------------------------------------
    def _refuse_while_running(self, what: str) -> bool:
        if self.controller.running:
            self.error.emit("Training is running", f"Stop the run before you {what}.")
            return True
        return False

    def show(self, config, path=None, *, modified: bool = False) -> None:
        self.document.replace(config, path, modified=modified)
        self.experiment_opened.emit()

    def new_experiment(self) -> None:
        if not self._refuse_while_running("start a new experiment"):
            self.show(load_preset(DEFAULT_PRESET))

    def load_preset(self, name: str) -> None:
        if self._refuse_while_running("load a preset"):
            return
        try:
            config = load_preset(name)
        except ConfigError as e:
            self.error.emit("Cannot load the preset", str(e))
            return
        self.show(config, modified=True)  # a preset is a start, not a file of the user's

    def open_experiment_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.dialog_parent, "Open experiment",
                                              self.last_dir(),
                                              "Experiments (*.toml);;All files (*)")
        if path:
            self.open_experiment(path)

    def open_experiment(self, path) -> bool:
        if self._refuse_while_running("open an experiment"):
            return False
        try:
            opened = ExperimentDocument.open(path)
        except ConfigError as e:
            self.error.emit("Cannot open the experiment", str(e))
            return False
        self.show(opened.config, opened.path)
        self.remember(Path(path))
        return True

    def save_experiment(self) -> bool:
        if self.document.path is None:
            return self.save_experiment_as()
        return self.write_experiment(self.document.path)

    def save_experiment_as(self) -> bool:
        path, _ = QFileDialog.getSaveFileName(self.dialog_parent, "Save experiment",
                                              str(Path(self.last_dir()) / "experiment.toml"),
                                              "Experiments (*.toml)")
        if not path:
            return False
        if not path.endswith(".toml"):
            path += ".toml"
        return self.write_experiment(Path(path))

    def write_experiment(self, path: Path) -> bool:
        try:
            self.document.save(path)
        except OSError as e:
            self.error.emit("Cannot save the experiment", f"{path}: {e.strerror or e}")
            return False
        self.experiment_opened.emit()  # the title loses its star
        self.remember(Path(path))
        self.message.emit(f"Saved {path}", 4000)
        return True

    # --- checkpoints ------------------------------------------------------------------------
    def save_checkpoint_dialog(self) -> None:
        if self.controller.trainer is None:
            self.error.emit("Nothing to save yet", "Train a GAN first.")
            return
        default = Path(self.last_dir()) / (f"{self.document.config.data.source}-step"
                                           f"{self.current_step()}.safetensors")
        path, _ = QFileDialog.getSaveFileName(self.dialog_parent, "Save checkpoint", str(default),
                                              "Checkpoints (*.safetensors)")
        if path:
            self.save_checkpoint(path)

    def save_checkpoint(self, path, on_saved=None, on_failed=None) -> None:
        """Save the run's whole state (between two steps, in the training thread);
        ``on_saved(path, step)`` then, or ``on_failed(message)``."""

        def saved(result):
            if isinstance(result, Failure):
                self.error.emit("Cannot save the checkpoint", result.message)
                if on_failed:
                    on_failed(result.message)
                return
            path_saved, step = result
            self.remember(Path(path_saved))
            self.message.emit(f"Checkpoint saved: {path_saved}", 6000)
            if on_saved:
                on_saved(path_saved, step)

        self.controller.request(lambda tr: (tr.save_checkpoint(path), tr.steps_done),
                                       saved)

    def open_checkpoint_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.dialog_parent, "Open checkpoint",
                                              self.last_dir(),
                                              "Checkpoints (*.safetensors);;PyTorch DCGAN "
                                              "generators (*.pth *.pt);;All files (*)")
        if path:
            self.open_checkpoint(path)

    def open_checkpoint(self, path, *, resume: bool = True, show: bool = True) -> None:
        """Read a checkpoint in the background; ``checkpoint_opened`` says what to do with it:
        explore its generator, and (``resume``, when its data can be read) continue its run,
        paused. ``show``: bring the explorer forward when only exploring."""
        if resume and self._refuse_while_running("open a checkpoint"):
            return

        def load(progress):
            from ganstudio.explore.exploration import Exploration
            from ganstudio.training.checkpoint import load_checkpoint

            ckpt = load_checkpoint(path)
            return Exploration.from_checkpoint(ckpt), ckpt

        def loaded(result):
            exploration, ckpt = result
            if not ckpt.info.get("demo"):
                self.remember(ckpt.path)
            self.checkpoint_opened.emit(exploration, ckpt, resume, show)

        self.jobs.submit("checkpoint", load, done=loaded,
                         failed=lambda m: self.error.emit("Cannot open the checkpoint", m))
