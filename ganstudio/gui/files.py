"""The File menu's work: experiments (TOML) and checkpoints, recent files, drag and drop.

Dialogs never block training: errors are shown with the window's non-blocking dialog, and
checkpoints are saved between two steps in the training thread and read in the jobs thread.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog

from ganstudio.config import ConfigError
from ganstudio.document import ExperimentDocument
from ganstudio.gui.training_view.worker import Failure
from ganstudio.presets import DEFAULT_PRESET, load_preset

if TYPE_CHECKING:
    from ganstudio.gui.main_window import MainWindow

MAX_RECENT = 8


class FileActions(QObject):
    # another experiment is now open (the window shows it)
    experiment_opened = Signal()
    # a checkpoint was read: (exploration, checkpoint, resume, show)
    checkpoint_opened = Signal(object, object, bool, bool)

    def __init__(self, window: "MainWindow", document: ExperimentDocument):
        super().__init__(window)
        self.window = window
        self.document = document
        self.settings = window.settings
        self.recent_menu = None

    # --- recent files -----------------------------------------------------------------------
    def last_dir(self) -> str:
        return str(self.settings.value("lastFolder", str(Path.home())))

    def remember(self, path: Path) -> None:
        self.settings.setValue("lastFolder", str(Path(path).parent))
        recent = [p for p in self.recent() if p != str(path)]
        self.settings.setValue("recent", [str(path)] + recent[:MAX_RECENT - 1])
        self.fill_recent()

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
        if self.window.controller.running:
            self.window.show_error("Training is running", f"Stop the run before you {what}.")
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
            self.window.show_error("Cannot load the preset", str(e))
            return
        self.show(config, modified=True)  # a preset is a start, not a file of the user's

    def open_experiment_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Open experiment", self.last_dir(),
                                              "Experiments (*.toml);;All files (*)")
        if path:
            self.open_experiment(path)

    def open_experiment(self, path) -> bool:
        if self._refuse_while_running("open an experiment"):
            return False
        try:
            opened = ExperimentDocument.open(path)
        except ConfigError as e:
            self.window.show_error("Cannot open the experiment", str(e))
            return False
        self.show(opened.config, opened.path)
        self.remember(Path(path))
        return True

    def save_experiment(self) -> bool:
        if self.document.path is None:
            return self.save_experiment_as()
        return self.write_experiment(self.document.path)

    def save_experiment_as(self) -> bool:
        path, _ = QFileDialog.getSaveFileName(self.window, "Save experiment",
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
            self.window.show_error("Cannot save the experiment", f"{path}: {e.strerror or e}")
            return False
        self.experiment_opened.emit()  # the title loses its star
        self.remember(Path(path))
        self.window.statusBar().showMessage(f"Saved {path}", 4000)
        return True

    # --- checkpoints ------------------------------------------------------------------------
    def save_checkpoint_dialog(self) -> None:
        if self.window.controller.trainer is None:
            self.window.show_error("Nothing to save yet", "Train a GAN first.")
            return
        default = Path(self.last_dir()) / (f"{self.document.config.data.source}-step"
                                           f"{self.window.last_step}.safetensors")
        path, _ = QFileDialog.getSaveFileName(self.window, "Save checkpoint", str(default),
                                              "Checkpoints (*.safetensors)")
        if path:
            self.save_checkpoint(path)

    def save_checkpoint(self, path, on_saved=None, on_failed=None) -> None:
        """Save the run's whole state (between two steps, in the training thread);
        ``on_saved(path, step)`` then, or ``on_failed(message)``."""

        def saved(result):
            if isinstance(result, Failure):
                self.window.show_error("Cannot save the checkpoint", result.message)
                if on_failed:
                    on_failed(result.message)
                return
            path_saved, step = result
            self.remember(Path(path_saved))
            self.window.statusBar().showMessage(f"Checkpoint saved: {path_saved}", 6000)
            if on_saved:
                on_saved(path_saved, step)

        self.window.controller.request(lambda tr: (tr.save_checkpoint(path), tr.steps_done),
                                       saved)

    def open_checkpoint_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Open checkpoint", self.last_dir(),
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

        self.window.jobs.submit("checkpoint", load, done=loaded,
                                failed=lambda m: self.window.show_error(
                                    "Cannot open the checkpoint", m))
