"""File > Train on another machine: the current experiment as a config file, and the exact
torchrun command that trains it there (N processes, one per GPU), to copy."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout,
                               QLabel, QLineEdit, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from ganstudio.train_command import torchrun_command

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings

    from ganstudio.document import ExperimentDocument

EXPLANATION = (
    "Save the experiment as a config file, copy it to the machine with the GPUs (GAN Studio "
    "installed there), and run the command below in the folder that holds it. It trains with "
    "{n} on that machine and writes the run (metrics.csv, samples, checkpoints) to {out}. "
    "If this computer can see that folder (a mounted disk), File > Follow a run folder shows "
    "the run here as it trains.")


def _run_name(text: str) -> str:
    """A folder name for the run: letters, digits, '-', '_' and '.'."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text.strip()).strip("-.") or "run"


class TrainElsewhereDialog(QDialog):
    def __init__(self, document: "ExperimentDocument", settings: "QSettings", last_dir: str,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self.settings = settings
        self.setObjectName("trainElsewhereDialog")
        self.setWindowTitle("Train on another machine")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # one per opening, not kept
        doc = document
        name = doc.path.stem if doc.path is not None else doc.config.data.source
        self.processes = QSpinBox()
        self.processes.setObjectName("processesField")
        self.processes.setRange(1, 1024)
        self.processes.setValue(int(settings.value("trainElsewhere/processes", 1)))
        self.processes.setToolTip("How many processes torchrun starts: one per GPU")
        self.run_name = QLineEdit(_run_name(name))
        self.run_name.setObjectName("runNameField")
        self.config_path = QLineEdit(str(Path(last_dir) / "config.toml"))
        self.config_path.setObjectName("configPathField")
        choose = QPushButton("Choose...")
        choose.clicked.connect(self._choose)
        where = QHBoxLayout()
        where.addWidget(self.config_path, 1)
        where.addWidget(choose)
        self.command = QLineEdit()
        self.command.setObjectName("torchrunCommand")
        self.command.setReadOnly(True)
        self.command.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self.result = QLabel()
        self.result.setObjectName("trainElsewhereResult")
        self.result.setWordWrap(True)

        form = QFormLayout()
        form.addRow("GPUs (processes)", self.processes)
        form.addRow("Run name", self.run_name)
        form.addRow("Config file", where)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.save_button = buttons.addButton("Save config", QDialogButtonBox.ButtonRole.ActionRole)
        self.save_button.setObjectName("saveConfigButton")
        self.copy_button = buttons.addButton("Copy command",
                                             QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.setObjectName("copyCommandButton")
        self.save_button.clicked.connect(self.save)
        self.copy_button.clicked.connect(self.copy)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.explanation)
        lay.addWidget(self.command)
        lay.addWidget(self.result)
        lay.addWidget(buttons)
        for field in (self.run_name, self.config_path):
            field.textChanged.connect(self._refresh)
        self.processes.valueChanged.connect(self._refresh)
        self._refresh()

    def _out(self) -> str:
        return f"runs/{_run_name(self.run_name.text())}"

    def command_text(self) -> str:
        name = Path(self.config_path.text().strip() or "config.toml").name
        return torchrun_command(self.processes.value(), name, self._out())

    def _refresh(self) -> None:
        n = self.processes.value()
        text = self.command_text()
        self.command.setText(text)
        self.command.setCursorPosition(0)
        # the whole command in sight: it is copied by eye as often as by the button
        wide = self.command.fontMetrics().horizontalAdvance(text) + 24
        self.command.setMinimumWidth(min(max(560, wide), 1100))
        self.explanation.setText(EXPLANATION.format(
            n=f"{n} processes, one per GPU," if n > 1 else "one process (one GPU)",
            out=self._out()))

    def _choose(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the config", self.config_path.text(),
                                              "Experiments (*.toml)")
        if path:
            self.config_path.setText(path if path.endswith(".toml") else path + ".toml")

    def save(self) -> bool:
        """Write the experiment as the config file; says what happened in the dialog."""
        cfg = self.document.config
        problems = cfg.problems()
        if problems:
            self.result.setText("These settings do not fit together: " +
                                "; ".join(m for _, m in problems))
            return False
        path = Path(self.config_path.text().strip()).expanduser()
        replaced = " (it replaces the file that was there)" if path.exists() else ""
        try:
            cfg.save(path)
        except OSError as e:
            self.result.setText(f"Cannot save {path}: {e.strerror or e}")
            return False
        self.settings.setValue("trainElsewhere/processes", self.processes.value())
        self.result.setText(f"Saved {path}{replaced}. Copy it to the other machine and run "
                            "the command there, in its folder.")
        return True

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.command_text())
        self.result.setText("The command is on the clipboard.")


def show_train_elsewhere(document: "ExperimentDocument", settings: "QSettings", last_dir: str,
                         parent: QWidget | None = None) -> TrainElsewhereDialog:
    """Open the dialog without blocking the window (training goes on behind it)."""
    dialog = TrainElsewhereDialog(document, settings, last_dir, parent)
    dialog.open()
    return dialog
