"""The three settings panels: data set, architecture, loss and training.

Their forms are generated from the config's declarations (gui/form.py); the panels add what each
shows beside its settings: a preview of the data, the networks' sizes.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QGroupBox, QLabel, QListWidget, QProgressBar, QScrollArea,
                               QStackedWidget, QToolButton, QVBoxLayout, QWidget)

from ganstudio.config import ExperimentConfig, field_specs
from ganstudio.gui.settings.form import ConfigForm
from ganstudio.gui.training_view.plane import PlaneWidget
from ganstudio.gui.widgets import ImageView


def _paths(section: str) -> list[str]:
    return [s.path for s in field_specs(section)]


def _scroll(inner: QWidget, name: str) -> QScrollArea:
    area = QScrollArea()
    area.setObjectName(name + "Scroll")
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setWidget(inner)
    return area


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "heading")
    return label


class DatasetPanel(QWidget):
    def __init__(self, config: ExperimentConfig, parent=None):
        super().__init__(parent)
        self.setObjectName("datasetPanel")
        self.form = ConfigForm(config, _paths("data"),
                               object_names={"data.source": "datasetChoice"})
        self.source_help = QLabel()
        self.source_help.setObjectName("datasetHelp")
        self.source_help.setWordWrap(True)
        self.source_help.setProperty("role", "hint")
        self.plane = PlaneWidget(editable=True)
        self.plane.setObjectName("dataPlanePreview")
        self.images = ImageView(placeholder="Reading the data...")
        self.images.setObjectName("dataImagePreview")
        self.preview = QStackedWidget()
        self.preview.setObjectName("dataPreview")
        self.preview.addWidget(self.plane)
        self.preview.addWidget(self.images)
        self.preview.setMinimumHeight(220)
        self.progress = QProgressBar()
        self.progress.setObjectName("dataProgress")
        self.progress.setVisible(False)
        self.info = QLabel()
        self.info.setObjectName("dataInfo")
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # the files of a folder that could not be used, each with why (hidden when none)
        self.skipped_button = QToolButton()
        self.skipped_button.setObjectName("skippedButton")
        self.skipped_button.setCheckable(True)
        self.skipped_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.skipped_list = QListWidget()
        self.skipped_list.setObjectName("skippedList")
        self.skipped_list.setMaximumHeight(140)
        self.skipped_button.toggled.connect(self.skipped_list.setVisible)
        self.skipped_button.setVisible(False)
        self.skipped_list.setVisible(False)
        lay = QVBoxLayout(self)
        lay.addWidget(_heading("What should the GAN learn to imitate?"))
        lay.addWidget(self.form)
        lay.addWidget(self.source_help)
        lay.addWidget(self.preview, 1)
        lay.addWidget(self.progress)
        lay.addWidget(self.info)
        lay.addWidget(self.skipped_button)
        lay.addWidget(self.skipped_list)
        self.refresh()

    def refresh(self, problems=None) -> None:
        self.form.refresh(problems)
        info = self.form.config.source_info
        self.source_help.setText(info.help)
        self.preview.setCurrentWidget(self.plane if info.kind == "2d" else self.images)

    def show_loading(self, done: int, total: int, what: str) -> None:
        self.progress.setVisible(True)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{what}: %v of %m")

    def show_source(self, source, preview) -> None:
        """``preview``: real points (N, 2) for 2-D data, else a uint8 grid picture."""
        self.progress.setVisible(False)
        if source.kind == "2d":
            self.plane.user_points = getattr(source, "points", None)
            if self.plane.user_points is None:
                import numpy as np

                self.plane.user_points = np.zeros((0, 2))
            else:
                self.plane.user_points = self.plane.user_points.numpy()
            self.plane.show_data(preview, source.bounds)
        else:
            self.images.set_array(preview)
        self.info.setText(source.describe())
        self.show_skipped(source.skipped)

    def show_skipped(self, skipped) -> None:
        """List the files that could not be used, each with its reason."""
        from pathlib import Path

        self.skipped_list.clear()
        for reason, paths in sorted(skipped.examples.items()):
            for p in paths:
                self.skipped_list.addItem(f"{Path(p).name}: {reason}")
                self.skipped_list.item(self.skipped_list.count() - 1).setToolTip(p)
            more = skipped.counts[reason] - len(paths)
            if more > 0:
                self.skipped_list.addItem(f"... and {more:,} more: {reason}")
        n = skipped.total  # the reasons' counts are in the info line above
        self.skipped_button.setText(f"Show the {n:,} skipped file{'s' if n != 1 else ''}")
        self.skipped_button.setVisible(n > 0)
        self.skipped_list.setVisible(n > 0 and self.skipped_button.isChecked())

    def show_problem(self, message: str) -> None:
        self.progress.setVisible(False)
        self.skipped_button.setVisible(False)
        self.skipped_list.setVisible(False)
        self.images.set_image(None)
        self.images.placeholder = message
        self.plane.show_data(None, self.plane._bounds or (-1, 1, -1, 1))
        self.info.setText(message)

    def show_empty_points(self) -> None:
        self.progress.setVisible(False)
        import numpy as np

        self.plane.user_points = np.zeros((0, 2))
        self.plane.show_data(None, (-2, 2, -2, 2))
        self.info.setText("Click in the square to place points; the GAN will learn to imitate "
                          "them.")


class ArchitecturePanel(QWidget):
    def __init__(self, config: ExperimentConfig, parent=None):
        super().__init__(parent)
        self.setObjectName("architecturePanel")
        self.form = ConfigForm(config, _paths("model"),
                               object_names={"model.family": "architectureChoice"})
        self.family_help = QLabel()
        self.family_help.setWordWrap(True)
        self.family_help.setProperty("role", "hint")
        self.counts = QLabel("Counting weights...")
        self.counts.setObjectName("paramCounts")
        self.counts.setWordWrap(True)
        self.description = QLabel()
        self.description.setObjectName("modelDescription")
        self.description.setWordWrap(True)
        self.description.setProperty("role", "hint")
        lay = QVBoxLayout(self)
        lay.addWidget(_heading("The two networks"))
        lay.addWidget(self.form)
        lay.addWidget(self.family_help)
        lay.addSpacing(8)
        lay.addWidget(self.counts)
        lay.addWidget(self.description)
        lay.addStretch(1)
        self.refresh()

    def refresh(self, problems=None) -> None:
        from ganstudio import catalog

        self.form.refresh(problems)
        self.family_help.setText(catalog.FAMILIES[self.form.config.model.family].help)

    def show_counts(self, g: int, d: int, description: str = "") -> None:
        self.counts.setText(f"Generator: {g:,} weights\nDiscriminator: {d:,} weights")
        self.description.setText(description)

    def show_counts_problem(self, message: str) -> None:
        self.counts.setText("Weights: not known yet")
        self.description.setText(message)


class LossPanel(QWidget):
    def __init__(self, config: ExperimentConfig, parent=None):
        super().__init__(parent)
        self.setObjectName("lossPanel")
        self.forms = {
            "loss": ConfigForm(config, _paths("loss"), object_names={"loss.name": "lossChoice"}),
            "optimizer": ConfigForm(config, _paths("optimizer")),
            "training": ConfigForm(config, _paths("training")),
        }
        self.loss_help = QLabel()
        self.loss_help.setWordWrap(True)
        self.loss_help.setProperty("role", "hint")
        lay = QVBoxLayout(self)
        titles = {"loss": "The game and its stabilisers", "optimizer": "How the weights learn",
                  "training": "The run"}
        for key, form in self.forms.items():
            box = QGroupBox(titles[key])
            inner = QVBoxLayout(box)
            inner.addWidget(form)
            if key == "loss":
                inner.addWidget(self.loss_help)
            lay.addWidget(box)
        lay.addStretch(1)
        self._tensorboard_setting()
        self.refresh()

    def _tensorboard_setting(self) -> None:
        """Without the optional tensorboardX package the TensorBoard setting is off, and says
        why and how to install it."""
        from ganstudio.training import tensorboard_log

        row = self.forms["training"].rows["training.tensorboard"]
        self._tensorboard_tip = row.widget.toolTip()
        self.tensorboard_available = tensorboard_log.available()
        if not self.tensorboard_available:
            tip = ("Not available: the tensorboardX package is not installed. Install it with "
                   f"{tensorboard_log.INSTALL_HINT} and start GAN Studio again.")
            for w in (row.widget, row.label):
                w.setEnabled(False)
                w.setToolTip(tip)

    def show_runs_folder(self, folder, kept: int) -> None:
        """Name the folder where the window's runs (and so their TensorBoard logs) go, and how
        many ended runs it keeps."""
        row = self.forms["training"].rows["training.tensorboard"]
        if self.tensorboard_available:
            tip = (f"{self._tensorboard_tip} Each run's logs are in its own folder in {folder} "
                   f"(the {kept} newest ended runs are kept); view them with: "
                   f"tensorboard --logdir \"{folder}\"")
            row.widget.setToolTip(tip)
            row.label.setToolTip(tip)

    def refresh(self, problems=None) -> None:
        from ganstudio import objectives

        for form in self.forms.values():
            form.refresh(problems)
        self.loss_help.setText(objectives.loss(self.forms["loss"].config.loss.name).help)

    @property
    def all_forms(self) -> list[ConfigForm]:
        return list(self.forms.values())


def scrolled(panel: QWidget) -> QScrollArea:
    return _scroll(panel, panel.objectName())
