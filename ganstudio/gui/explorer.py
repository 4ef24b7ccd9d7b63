"""The latent-space explorer: move through what a trained generator learned.

The generator is always a copy (a snapshot of the live run, or a checkpoint's), never the module
being trained. Sliders move a point in latent space: one slider per noise number for small
latents, or along the leading principal directions for large ones. Pictures are rendered in a
background thread, newest request first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QGridLayout, QHBoxLayout, QLabel, QPushButton,
                               QScrollArea, QSlider, QSplitter, QVBoxLayout, QWidget)

from ganstudio.gui.renderer import AsyncRenderer
from ganstudio.gui.widgets import ImageView

SLIDER_RANGE = 3.0  # sliders span -3..3 (noise is standard normal)
SLIDER_STEPS = 300  # per unit
MAX_DIMENSION_SLIDERS = 16  # above this, sliders follow principal directions
DIRECTION_SLIDERS = 10


@dataclass
class ExplorerModel:
    """A generator and where we are in its latent space: z = base + sum(values[i] * dirs[i])."""

    G: object  # torch module on the CPU, eval mode
    spec: object  # ModelSpec
    title: str  # what this generator is, for people
    base: object = None  # torch (latent_dim,)
    directions: object = None  # torch (k, latent_dim)
    explained: object = None  # torch (k,) or None for plain noise dimensions
    values: np.ndarray = field(default_factory=lambda: np.zeros(0))
    label: int = 0
    real: np.ndarray | None = None  # 2-D models: real points to draw behind
    bounds: tuple | None = None  # 2-D models: the view
    seed: int = 0

    @property
    def z(self):
        import torch

        v = torch.as_tensor(self.values, dtype=torch.float32)
        return self.base + v @ self.directions

    @property
    def by_dimension(self) -> bool:
        return self.explained is None


def _build_model(G, spec, title, real=None, bounds=None) -> ExplorerModel:
    """Set up sliders for a generator (runs in the render thread: PCA can take a moment)."""
    import torch

    from ganstudio.latent import principal_directions

    n = spec.latent_dim
    if n <= MAX_DIMENSION_SLIDERS:
        base, dirs, explained = torch.zeros(n), torch.eye(n), None
        values = torch.randn(n, generator=torch.Generator().manual_seed(0)).clamp(
            -SLIDER_RANGE, SLIDER_RANGE).numpy()
    else:
        d = principal_directions(G, n, k=DIRECTION_SLIDERS)
        base = torch.randn(n, generator=torch.Generator().manual_seed(0))
        dirs, explained = d.vectors, d.explained
        values = np.zeros(len(dirs))
    return ExplorerModel(G, spec, title, base, dirs, explained, values.astype(np.float64),
                         real=real, bounds=bounds)


def render(model: ExplorerModel, size: int = 512) -> np.ndarray:
    """The picture for the model's current point (runs in the render thread)."""
    import torch

    from ganstudio.export import image_grid, scatter_image, upscale

    z = model.z[None]
    y = torch.tensor([model.label]) if model.spec.conditional else None
    with torch.no_grad():
        if model.spec.kind == "2d":
            from ganstudio.visuals import latent_mesh

            point = model.G(z, y)
            mesh = None
            if model.by_dimension and model.spec.latent_dim >= 2:
                # the grid over the first two noise numbers, through the current point
                mesh = latent_mesh(model.G, model.spec.latent_dim, "cpu", base=z[0]).numpy()
            im = scatter_image(np.zeros((0, 2)), model.bounds, real=model.real, size=size,
                               mesh=mesh, highlight=point)
            return np.asarray(im)
        x = model.G(z, y)
    return np.asarray(upscale(image_grid(x, nrow=1, padding=0), size))


class LatentExplorer(QWidget):
    """``set_generator(G, spec, title, real=None, bounds=None)`` to explore a generator."""

    snapshot_requested = Signal()  # the user wants the current run's generator
    open_requested = Signal()  # the user wants to open a checkpoint

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("latentExplorer")
        self.model: ExplorerModel | None = None
        self.renderer = AsyncRenderer(self)
        self.renderer.rendered.connect(self._show)
        self.renderer.failed.connect(lambda msg: self.status.setText(f"Cannot draw: {msg}"))
        self.title = QLabel("Train a GAN or open a checkpoint, then explore what its generator "
                            "has learned.")
        self.title.setObjectName("explorerTitle")
        self.title.setWordWrap(True)
        self.title.setProperty("role", "heading")
        self.from_run = QPushButton("Use the current run")
        self.from_run.setObjectName("explorerFromRun")
        self.from_run.setToolTip("Copy the generator being trained (its averaged weights) and "
                                 "explore the copy; training goes on undisturbed")
        self.from_run.clicked.connect(self.snapshot_requested)
        self.open_button = QPushButton("Open checkpoint...")
        self.open_button.setObjectName("explorerOpen")
        self.open_button.clicked.connect(self.open_requested)
        self.random_button = QPushButton("New random point")
        self.random_button.setObjectName("explorerRandom")
        self.random_button.setToolTip("Jump to a new random place in the noise space")
        self.random_button.clicked.connect(self.randomise)
        self.reset_button = QPushButton("Centre")
        self.reset_button.setObjectName("explorerReset")
        self.reset_button.setToolTip("Move every slider to the middle")
        self.reset_button.clicked.connect(self.reset)
        self.label_choice = QComboBox()
        self.label_choice.setObjectName("explorerClass")
        self.label_choice.setToolTip("Which kind of sample to make (models that use labels)")
        self.label_choice.currentIndexChanged.connect(self._label_changed)
        self.label_caption = QLabel("Make a:")
        buttons = QHBoxLayout()
        for w in (self.from_run, self.open_button, self.random_button, self.reset_button):
            buttons.addWidget(w)
        buttons.addStretch(1)
        buttons.addWidget(self.label_caption)
        buttons.addWidget(self.label_choice)
        self.image = ImageView(placeholder="Nothing to explore yet")
        self.image.setObjectName("explorerImage")
        self.sliders_box = QWidget()
        self.sliders_grid = QGridLayout(self.sliders_box)
        self.sliders_grid.setColumnStretch(1, 1)
        self.sliders: list[QSlider] = []
        self.value_labels: list[QLabel] = []
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.sliders_box)
        scroll.setMinimumWidth(260)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.image)
        split.addWidget(scroll)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        self.status = QLabel(" ")
        self.status.setObjectName("explorerStatus")
        self.status.setProperty("role", "hint")
        lay = QVBoxLayout(self)
        lay.addWidget(self.title)
        lay.addLayout(buttons)
        lay.addWidget(split, 1)
        lay.addWidget(self.status)
        self._set_enabled(False)
        self._pending_setup = False

    # --- which generator ----------------------------------------------------------------------
    def set_generator(self, G, spec, title: str, real=None, bounds=None) -> None:
        """Explore ``G`` (a copy the explorer may keep). Sliders appear once set up."""
        self.status.setText("Preparing the sliders...")
        self._pending_setup = True
        model = self.model
        keep = (model is not None and model.spec == spec)

        def setup():
            m = _build_model(G, spec, title, real, bounds)
            if keep:  # same kind of model (a fresher snapshot): stay at the same point
                m.base, m.directions, m.explained = model.base, model.directions, model.explained
                m.values, m.label = model.values.copy(), model.label
            return ("setup", m, render(m))

        self.renderer.request(setup)

    def _show(self, result) -> None:
        kind, model, picture = result
        if kind == "setup":
            self._pending_setup = False
            self.model = model
            self._build_sliders()
            self._set_enabled(True)
            self.title.setText(model.title)
            self.status.setText(self._hint())
        elif self.model is not model:
            return  # a picture of a generator replaced since
        self.image.set_array(picture)

    def _hint(self) -> str:
        m = self.model
        if m.by_dimension:
            return ("Each slider is one of the generator's noise numbers: move them to see "
                    "what changes.")
        return ("The noise has many numbers: each slider moves along one of the directions "
                "that change the output most (found by principal component analysis).")

    def _set_enabled(self, on: bool) -> None:
        for w in (self.random_button, self.reset_button, self.label_choice, self.sliders_box):
            w.setEnabled(on)

    # --- sliders ------------------------------------------------------------------------------
    def _build_sliders(self) -> None:
        m = self.model
        while self.sliders_grid.count():
            item = self.sliders_grid.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        self.sliders, self.value_labels = [], []
        for i in range(len(m.values)):
            if m.by_dimension:
                name = f"Noise {i + 1}"
                tip = f"The generator's noise number {i + 1}"
            else:
                share = float(m.explained[i]) * 100
                name = f"Direction {i + 1}"
                tip = (f"Principal direction {i + 1}: explains {share:.0f}% of how the output "
                       "varies")
            label = QLabel(name)
            label.setToolTip(tip)
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setObjectName(f"explorerSlider{i}")
            slider.setRange(int(-SLIDER_RANGE * SLIDER_STEPS), int(SLIDER_RANGE * SLIDER_STEPS))
            slider.setToolTip(tip)
            slider.setValue(int(round(m.values[i] * SLIDER_STEPS)))
            slider.valueChanged.connect(lambda v, i=i: self._slider_moved(i, v))
            value = QLabel(f"{m.values[i]:+.2f}")
            value.setMinimumWidth(44)
            self.sliders_grid.addWidget(label, i, 0)
            self.sliders_grid.addWidget(slider, i, 1)
            self.sliders_grid.addWidget(value, i, 2)
            self.sliders.append(slider)
            self.value_labels.append(value)
        self.label_choice.blockSignals(True)
        self.label_choice.clear()
        for name in m.spec.label_names:
            self.label_choice.addItem(name)
        self.label_choice.setCurrentIndex(m.label if m.spec.conditional else -1)
        self.label_choice.blockSignals(False)
        self.label_choice.setVisible(m.spec.conditional)
        self.label_caption.setVisible(m.spec.conditional)

    def _slider_moved(self, i: int, v: int) -> None:
        if self.model is None:
            return
        self.model.values[i] = v / SLIDER_STEPS
        self.value_labels[i].setText(f"{self.model.values[i]:+.2f}")
        self._request()

    def _label_changed(self, index: int) -> None:
        if self.model is not None and index >= 0:
            self.model.label = index
            self._request()

    def _request(self) -> None:
        model = self.model
        values, label = model.values.copy(), model.label

        def job():
            m = ExplorerModel(**{**model.__dict__, "values": values, "label": label})
            return ("frame", model, render(m))

        self.renderer.request(job)

    def set_values(self, values) -> None:
        """Move all sliders at once (one picture, not one per slider)."""
        m = self.model
        m.values = np.clip(np.asarray(values, dtype=np.float64), -SLIDER_RANGE, SLIDER_RANGE)
        for s, lab, v in zip(self.sliders, self.value_labels, m.values):
            s.blockSignals(True)
            s.setValue(int(round(v * SLIDER_STEPS)))
            s.blockSignals(False)
            lab.setText(f"{v:+.2f}")
        self._request()

    def randomise(self) -> None:
        if self.model is None:
            return
        import torch

        m = self.model
        m.seed += 1
        g = torch.Generator().manual_seed(1000 + m.seed)
        if m.by_dimension:
            self.set_values(torch.randn(len(m.values), generator=g).numpy())
        else:
            m.base = torch.randn(m.spec.latent_dim, generator=g)
            self.set_values(np.zeros(len(m.values)))

    def reset(self) -> None:
        if self.model is not None:
            self.set_values(np.zeros(len(self.model.values)))

    def shutdown(self) -> None:
        self.renderer.shutdown()
