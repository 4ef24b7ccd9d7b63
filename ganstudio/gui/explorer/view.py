"""The latent-space explorer: move through what a trained generator learned, make paths between
points, animate them, and export pictures and animations.

The state and the drawing live in the core (ganstudio.explore.exploration.Exploration); this module wires
widgets to it. Pictures are rendered in a background thread, newest request first, so sliders
stay smooth; exports run as background jobs with a progress bar.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QFileDialog, QGridLayout, QHBoxLayout, QLabel,
                               QMenu, QMessageBox, QProgressDialog, QPushButton, QScrollArea,
                               QSlider, QSpinBox, QSplitter, QTabWidget, QToolButton,
                               QVBoxLayout, QWidget)

from ganstudio.gui.renderer import AsyncRenderer
from ganstudio.gui.widgets import ImageView

SLIDER_STEPS = 100  # slider ticks per unit of noise
PICK_SAMPLES = 16


def _button(text: str, name: str, tip: str, slot) -> QPushButton:
    b = QPushButton(text)
    b.setObjectName(name)
    b.setToolTip(tip)
    b.clicked.connect(slot)
    return b


class PickGrid(ImageView):
    """A grid of samples: a left click picks the start of a path, a right click its end."""

    picked = Signal(int, bool)  # (index, is_end)

    def __init__(self, cols: int, parent=None):
        super().__init__(parent, placeholder="")
        self.cols = cols
        self.count = 0

    def mousePressEvent(self, event) -> None:
        rect = self.target_rect()
        if self._image is None or not rect.contains(event.position()):
            return
        rows = max(1, (self.count + self.cols - 1) // self.cols)
        col = int((event.position().x() - rect.x()) / rect.width() * self.cols)
        row = int((event.position().y() - rect.y()) / rect.height() * rows)
        index = row * self.cols + col
        if 0 <= index < self.count:
            self.picked.emit(index, event.button() == Qt.MouseButton.RightButton)


class LatentExplorer(QWidget):
    snapshot_requested = Signal()  # "use the current run"
    open_requested = Signal()  # "open a checkpoint"
    demo_requested = Signal()  # "full screen demo"
    demo_model_requested = Signal(str)  # a bundled demo checkpoint's path

    def __init__(self, jobs=None, parent=None):
        super().__init__(parent)
        self.setObjectName("latentExplorer")
        self.ex = None  # ganstudio.explore.exploration.Exploration
        self.jobs = jobs
        self.renderer = AsyncRenderer(self)
        self.renderer.rendered.connect(self._rendered)
        self.renderer.failed.connect(lambda m: self.status.setText(f"Cannot draw: {m}"))
        self.path_z = None  # the interpolation's noise, one row per frame
        self.ends = [None, None]  # the interpolation's two ends (noise)
        self.pick_z = None
        self._frame = 0
        self._direction = 1
        self._walking = False
        self.animation = QTimer(self)
        self.animation.timeout.connect(self._tick)
        self._build()
        self._set_enabled(False)

    # --- layout -------------------------------------------------------------------------------
    def _build(self) -> None:
        self.title = QLabel("Train a GAN, open a checkpoint or pick a demo model, then explore "
                            "what its generator has learned.")
        self.title.setObjectName("explorerTitle")
        self.title.setWordWrap(True)
        self.title.setProperty("role", "heading")
        self.settings_button = _button("Its settings", "explorerSettings",
                                       "The experiment this generator was trained with",
                                       self.show_settings)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.settings_button)

        self.from_run = _button("Use the current run", "explorerFromRun",
                                "Copy the generator being trained (its averaged weights) and "
                                "explore the copy; training goes on undisturbed",
                                self.snapshot_requested)
        self.open_button = _button("Open checkpoint...", "explorerOpen",
                                   "Explore a generator saved in a checkpoint",
                                   self.open_requested)
        self.demos_button = QToolButton()
        self.demos_button.setObjectName("explorerDemos")
        self.demos_button.setText("Demo models")
        self.demos_button.setToolTip("Generators trained in advance from the built-in presets")
        self.demos_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.demos_menu = QMenu(self)
        self.demos_button.setMenu(self.demos_menu)
        self.demo_mode_button = _button("Demo mode", "explorerDemoMode",
                                        "Full screen, large type, playing by itself (F11)",
                                        self.demo_requested)
        sources = QHBoxLayout()
        for w in (self.from_run, self.open_button, self.demos_button):
            sources.addWidget(w)
        sources.addStretch(1)
        sources.addWidget(self.demo_mode_button)

        # the views: one picture (or every label), and the interpolation strip
        self.view_choice = QComboBox()
        self.view_choice.setObjectName("explorerView")
        self.view_choice.addItem("One sample", "one")
        self.view_choice.addItem("The same noise with every label", "labels")
        self.view_choice.setToolTip("Every label: the same noise drawn with each label, to see "
                                    "what the label alone changes")
        self.view_choice.currentIndexChanged.connect(lambda _: self.request_picture())
        self.image = ImageView(placeholder="Nothing to explore yet")
        self.image.setObjectName("explorerImage")
        self.strip = ImageView(placeholder="The path between two points appears here.")
        self.strip.setObjectName("explorerStrip")
        self.strip.setMinimumHeight(70)
        self.strip.setMaximumHeight(120)
        views = QWidget()
        vl = QVBoxLayout(views)
        vl.setContentsMargins(0, 0, 0, 0)
        vl.addWidget(self.view_choice)
        vl.addWidget(self.image, 1)
        vl.addWidget(self.strip)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("explorerTabs")
        self.tabs.addTab(self._move_tab(), "Move")
        self.tabs.addTab(self._path_tab(), "Paths && animation")
        self.tabs.addTab(self._export_tab(), "Save")
        self.tabs.setMinimumWidth(300)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(views)
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        self.status = QLabel(" ")
        self.status.setObjectName("explorerStatus")
        self.status.setProperty("role", "hint")
        self.status.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addLayout(sources)
        lay.addWidget(split, 1)
        lay.addWidget(self.status)

    def _move_tab(self) -> QWidget:
        from ganstudio.explore.exploration import MODES

        tab = QWidget()
        lay = QVBoxLayout(tab)
        row = QHBoxLayout()
        row.addWidget(QLabel("Sliders move along:"))
        self.mode_choice = QComboBox()
        self.mode_choice.setObjectName("explorerMode")
        for key, title in MODES.items():
            self.mode_choice.addItem(title, key)
        self.mode_choice.setToolTip("Noise numbers: one slider per number the generator gets.\n"
                                    "Main directions: the directions that change the output "
                                    "most (principal components).\nRandom directions: random "
                                    "mixtures of noise numbers.")
        self.mode_choice.currentIndexChanged.connect(self._mode_changed)
        row.addWidget(self.mode_choice, 1)
        lay.addLayout(row)
        self.sliders_box = QWidget()
        self.sliders_grid = QGridLayout(self.sliders_box)
        self.sliders_grid.setColumnStretch(1, 1)
        self.sliders: list[QSlider] = []
        self._homes: dict[int, tuple[int, float]] = {}  # slider -> (tick, exact value) last set
        self.value_labels: list[QLabel] = []
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.sliders_box)
        lay.addWidget(scroll, 1)
        buttons = QHBoxLayout()
        self.random_button = _button("New random point", "explorerRandom",
                                     "Jump to a new random place in the noise (R)",
                                     self.randomise)
        self.reset_button = _button("Centre", "explorerReset", "Move every slider to the middle",
                                    self.centre)
        buttons.addWidget(self.random_button)
        buttons.addWidget(self.reset_button)
        lay.addLayout(buttons)
        grid = QGridLayout()
        self.label_caption = QLabel("Label")
        self.label_choice = QComboBox()
        self.label_choice.setObjectName("explorerClass")
        self.label_choice.setToolTip("Which kind of sample to make (models that use labels)")
        self.label_choice.currentIndexChanged.connect(self._label_changed)
        grid.addWidget(self.label_caption, 0, 0)
        grid.addWidget(self.label_choice, 0, 1, 1, 2)
        grid.addWidget(QLabel("Truncation"), 1, 0)
        self.psi = QSlider(Qt.Orientation.Horizontal)
        self.psi.setObjectName("explorerTruncation")
        self.psi.setRange(0, 100)
        self.psi.setValue(100)
        self.psi.setToolTip("The truncation trick: pull the noise toward its centre. Lower gives "
                            "more typical, less varied samples; 1 = off.")
        self.psi.valueChanged.connect(self._psi_changed)
        self.psi_label = QLabel("1.00")
        grid.addWidget(self.psi, 1, 1)
        grid.addWidget(self.psi_label, 1, 2)
        grid.setColumnStretch(1, 1)
        lay.addLayout(grid)
        return tab

    def _path_tab(self) -> QWidget:
        tab = QWidget()
        lay = QVBoxLayout(tab)
        ends = QGridLayout()
        self.seed_spins = []
        for i, name in enumerate(("From", "To")):
            ends.addWidget(QLabel(name), i, 0)
            spin = QSpinBox()
            spin.setObjectName(f"explorerSeed{'AB'[i]}")
            spin.setRange(0, 2**31 - 1)
            spin.setValue(i + 1)
            spin.setPrefix("seed ")
            spin.setToolTip("A point given by a seed: the same seed is always the same point")
            spin.valueChanged.connect(lambda v, i=i: self.set_end(i, None))
            ends.addWidget(spin, i, 1)
            here = _button("Current point", f"explorerHere{'AB'[i]}",
                           "Use the point the sliders are at",
                           lambda _=False, i=i: self.set_end(i, self.ex.z.clone()))
            ends.addWidget(here, i, 2)
            self.seed_spins.append(spin)
        lay.addLayout(ends)
        lay.addWidget(QLabel("Or click a sample below: left = from, right = to."))
        self.pick = PickGrid(cols=4)
        self.pick.setObjectName("explorerPickGrid")
        self.pick.setMinimumHeight(120)
        self.pick.picked.connect(self._picked)
        lay.addWidget(self.pick, 1)
        self.pick_button = _button("Other samples", "explorerNewSamples",
                                   "Show other random samples to pick from",
                                   lambda: self.request_pick(self.pick_seed + 1))
        self.pick_seed = 100
        lay.addWidget(self.pick_button)
        form = QGridLayout()
        self.path_kind = QComboBox()
        self.path_kind.setObjectName("explorerPath")
        self.path_kind.addItem("Spherical (slerp)", "slerp")
        self.path_kind.addItem("Straight line", "lerp")
        self.path_kind.setToolTip("Spherical paths keep the noise as typical as at both ends; "
                                  "a straight line passes nearer the centre of the noise")
        self.path_kind.currentIndexChanged.connect(lambda _: self.request_path())
        self.frames = QSpinBox()
        self.frames.setObjectName("explorerFrames")
        self.frames.setRange(2, 240)
        self.frames.setValue(12)
        self.frames.setSuffix(" frames")
        self.frames.valueChanged.connect(lambda _: self.request_path())
        form.addWidget(QLabel("Path"), 0, 0)
        form.addWidget(self.path_kind, 0, 1)
        form.addWidget(self.frames, 0, 2)
        self.play_button = _button("Play", "explorerPlay", "Play the path as an animation (Space)",
                                   self.toggle_play)
        self.play_button.setCheckable(True)
        self.walk_button = _button("Wander", "explorerWalk", "A smooth random walk through the "
                                   "noise, forever", self.toggle_walk)
        self.walk_button.setCheckable(True)
        self.repeat = QComboBox()
        self.repeat.setObjectName("explorerRepeat")
        for key, title in (("loop", "Loop"), ("pingpong", "Back and forth"), ("once", "Once")):
            self.repeat.addItem(title, key)
        self.speed = QSlider(Qt.Orientation.Horizontal)
        self.speed.setObjectName("explorerSpeed")
        self.speed.setRange(1, 30)
        self.speed.setValue(12)
        self.speed.setToolTip("Frames per second")
        self.speed.valueChanged.connect(self._speed_changed)
        form.addWidget(self.play_button, 1, 0)
        form.addWidget(self.repeat, 1, 1)
        form.addWidget(self.walk_button, 1, 2)
        form.addWidget(QLabel("Speed"), 2, 0)
        form.addWidget(self.speed, 2, 1, 1, 2)
        lay.addLayout(form)
        return tab

    def _export_tab(self) -> QWidget:
        tab = QWidget()
        lay = QVBoxLayout(tab)
        size_row = QHBoxLayout()
        size_row.addWidget(QLabel("Picture size"))
        self.export_size = QSpinBox()
        self.export_size.setObjectName("explorerExportSize")
        self.export_size.setRange(16, 2048)
        self.export_size.setValue(256)
        self.export_size.setSuffix(" px")
        self.export_size.setToolTip("Width and height of each picture in saved files")
        size_row.addWidget(self.export_size)
        lay.addLayout(size_row)
        for text, name, tip, slot in [
            ("Save this picture...", "explorerSavePicture", "The picture shown, as PNG",
             self.save_picture_dialog),
            ("Save the path as a strip...", "explorerSaveStrip",
             "Every frame of the path side by side, as PNG", self.save_strip_dialog),
            ("Save the path as an animation...", "explorerSaveGif",
             "An animated GIF or MP4 video of the path (or of the wander)",
             self.save_gif_dialog),
            ("Save the path's noise...", "explorerSaveNoise",
             "The noise of every frame, one row each, as a NumPy .npy file",
             self.save_noise_dialog),
        ]:
            lay.addWidget(_button(text, name, tip, slot))
        grid_row = QHBoxLayout()
        self.grid_count = QSpinBox()
        self.grid_count.setObjectName("explorerGridCount")
        self.grid_count.setRange(1, 1024)
        self.grid_count.setValue(64)
        self.grid_count.setSuffix(" samples")
        grid_row.addWidget(self.grid_count)
        grid_row.addWidget(_button("Save a grid of samples...", "explorerSaveGrid",
                                   "Many random samples in one PNG", self.save_grid_dialog), 1)
        lay.addLayout(grid_row)
        lay.addStretch(1)
        return tab

    def _set_enabled(self, on: bool) -> None:
        for w in (self.tabs, self.view_choice, self.settings_button, self.demo_mode_button):
            w.setEnabled(on)

    # --- which generator ----------------------------------------------------------------------
    def set_generator(self, G, spec, title: str, real=None, bounds=None, config=None) -> None:
        """Explore ``G`` (a copy the explorer may keep). Sliders appear once set up."""
        from ganstudio.explore.exploration import Exploration

        self.status.setText("Preparing the sliders...")
        old = self.ex

        def setup():
            ex = Exploration.of(G, spec, title, real, bounds)
            if old is not None and old.spec == spec:  # a fresher snapshot: stay where we were
                ex.mode, ex.directions, ex.explained = old.mode, old.directions, old.explained
                ex.base, ex.values, ex.label, ex.psi = old.base, old.values.copy(), \
                    old.label, old.psi
            ex.config = config
            return ("setup", ex, ex.picture())

        self.renderer.request(setup, "setup")

    def set_exploration(self, ex) -> None:
        """Explore a ready Exploration (e.g. from ganstudio.explore.exploration.open_for_exploring)."""
        self.renderer.request(lambda: ("setup", ex, ex.picture()), "setup")

    def set_demo_models(self, demos: list[tuple[str, str]]) -> None:
        """(title, path) of the bundled demo checkpoints."""
        self.demos_menu.clear()
        for title, path in demos:
            a = self.demos_menu.addAction(title)
            a.triggered.connect(lambda _=False, p=path: self.demo_model_requested.emit(p))
        self.demos_button.setEnabled(bool(demos))

    def _rendered(self, result) -> None:
        kind, ex, payload = result
        if kind == "setup":
            self.ex = ex
            self._setup_controls()
            self._set_enabled(True)
            self.title.setText(ex.title)
            self.status.setText(self._hint())
            self.image.set_array(payload)
            self.request_pick(self.pick_seed)
            self.request_path()
            return
        if self.ex is None or ex.G is not self.ex.G:
            return  # a picture of a generator replaced since
        if kind == "picture":
            self.image.set_array(payload)
        elif kind == "strip":
            self.strip.set_array(payload)
        elif kind == "pick":
            image, self.pick_z = payload
            self.pick.count = len(self.pick_z)
            self.pick.set_array(image)

    def _hint(self) -> str:
        if self.ex.mode == "dimensions":
            return ("Each slider is one of the numbers the generator turns into a sample: move "
                    "them and watch what changes.")
        if self.ex.mode == "principal":
            return ("Each slider moves along one of the directions that change the output most "
                    "(found by principal component analysis of the generator's output).")
        return "Each slider moves along a random direction through the noise."

    # --- controls -----------------------------------------------------------------------------
    def _setup_controls(self) -> None:
        ex = self.ex
        self.mode_choice.blockSignals(True)
        self.mode_choice.setCurrentIndex(self.mode_choice.findData(ex.mode))
        self.mode_choice.blockSignals(False)
        self._build_sliders()
        self.label_choice.blockSignals(True)
        self.label_choice.clear()
        for name in ex.spec.label_names:
            self.label_choice.addItem(name)
        if ex.spec.conditional:
            self.label_choice.setCurrentIndex(ex.label)
        self.label_choice.blockSignals(False)
        for w in (self.label_choice, self.label_caption):
            w.setVisible(ex.spec.conditional)
        self.view_choice.setVisible(ex.spec.conditional)
        if not ex.spec.conditional:
            self.view_choice.setCurrentIndex(0)
        self.psi.blockSignals(True)
        self.psi.setValue(round(ex.psi * 100))
        self.psi.blockSignals(False)
        self.psi_label.setText(f"{ex.psi:.2f}")

    def _build_sliders(self) -> None:
        while self.sliders_grid.count():
            item = self.sliders_grid.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        self.sliders, self.value_labels = [], []
        from ganstudio.explore.exploration import SLIDER_RANGE

        for i, (name, tip) in enumerate(self.ex.slider_names()):
            label = QLabel(name)
            label.setToolTip(tip)
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setObjectName(f"explorerSlider{i}")
            slider.setRange(int(-SLIDER_RANGE * SLIDER_STEPS), int(SLIDER_RANGE * SLIDER_STEPS))
            slider.setToolTip(tip)
            slider.valueChanged.connect(lambda v, i=i: self._slider_moved(i, v))
            value = QLabel()
            value.setMinimumWidth(44)
            self.sliders_grid.addWidget(label, i, 0)
            self.sliders_grid.addWidget(slider, i, 1)
            self.sliders_grid.addWidget(value, i, 2)
            self.sliders.append(slider)
            self.value_labels.append(value)
        self._show_values()

    def _show_values(self) -> None:
        # each slider's position and the exact value it stands for (a random point falls between
        # ticks): moving a slider back to that position restores the exact picture
        self._homes = {}
        for i, (s, lab, v) in enumerate(zip(self.sliders, self.value_labels, self.ex.values)):
            tick = int(round(v * SLIDER_STEPS))
            self._homes[i] = (tick, float(v))
            s.blockSignals(True)
            s.setValue(tick)
            s.blockSignals(False)
            lab.setText(f"{v:+.2f}")

    def _slider_moved(self, i: int, v: int) -> None:
        tick, exact = self._homes.get(i, (None, 0.0))
        self.ex.values[i] = exact if v == tick else v / SLIDER_STEPS
        self.value_labels[i].setText(f"{self.ex.values[i]:+.2f}")
        self.stop_animation()
        self.request_picture()

    def _mode_changed(self, index: int) -> None:
        if self.ex is None:
            return
        mode = self.mode_choice.itemData(index)
        ex = self.ex
        self.status.setText("Finding the directions..." if mode == "principal" else " ")

        def change():
            ex.set_mode(mode)  # principal directions take a moment: not on the UI thread
            return ("setup", ex, ex.picture())

        self.renderer.request(change, "setup")

    def _label_changed(self, index: int) -> None:
        if self.ex is not None and index >= 0:
            self.ex.label = index
            self.request_picture()
            self.request_pick(self.pick_seed)
            self.request_path()

    def _psi_changed(self, v: int) -> None:
        self.ex.psi = v / 100
        self.psi_label.setText(f"{self.ex.psi:.2f}")
        self.request_picture()
        self.request_pick(self.pick_seed)
        self.request_path()

    def set_values(self, values) -> None:
        """Move all sliders at once (one picture, not one per slider)."""
        from ganstudio.explore.exploration import SLIDER_RANGE

        self.ex.values = np.clip(np.asarray(values, dtype=np.float64), -SLIDER_RANGE,
                                 SLIDER_RANGE)
        self._show_values()
        self.request_picture()

    def randomise(self) -> None:
        if self.ex is not None:
            self.stop_animation()
            self.ex.randomise()
            self._show_values()
            self.request_picture()

    def centre(self) -> None:
        if self.ex is not None:
            self.stop_animation()
            self.ex.centre()
            self._show_values()
            self.request_picture()

    # --- rendering requests -------------------------------------------------------------------
    def request_picture(self, z=None) -> None:
        if self.ex is None:
            return
        ex = self.ex.copy()
        every_label = self.view_choice.currentData() == "labels" and ex.spec.conditional

        def job():
            if z is not None:
                return ("picture", ex, ex.pictures(z[None])[0])
            return ("picture", ex, ex.every_label() if every_label else ex.picture())

        self.renderer.request(job)

    def request_pick(self, seed: int) -> None:
        if self.ex is None:
            return
        self.pick_seed = seed
        ex = self.ex.copy()
        self.renderer.request(lambda: ("pick", ex, ex.sample_grid(PICK_SAMPLES, seed, cols=4)),
                              "pick")

    def _end(self, i: int):
        import torch

        if self.ends[i] is not None:
            return self.ends[i]
        return torch.randn(self.ex.spec.latent_dim, generator=torch.Generator().manual_seed(
            self.seed_spins[i].value()))

    def set_end(self, i: int, z) -> None:
        """Set the path's start (0) or end (1): a noise vector, or None for the seed's point."""
        self.ends[i] = z
        self.request_path()

    def _picked(self, index: int, is_end: bool) -> None:
        if self.pick_z is not None:
            self.set_end(1 if is_end else 0, self.pick_z[index].clone())

    def request_path(self) -> None:
        if self.ex is None:
            return
        from ganstudio.explore.exploration import tile

        ex = self.ex.copy()
        self.path_z = ex.path(self._end(0), self._end(1), self.frames.value(),
                              self.path_kind.currentData())
        zs = self.path_z
        self.renderer.request(lambda: ("strip", ex, tile(ex.pictures(zs), padding=1)),
                              "strip")

    # --- animation ----------------------------------------------------------------------------
    def toggle_play(self) -> None:
        if self.animation.isActive() and not self._walking:
            self.stop_animation()
        else:
            self.play(walk=False)

    def toggle_walk(self) -> None:
        if self.animation.isActive() and self._walking:
            self.stop_animation()
        else:
            self.play(walk=True)

    def play(self, walk: bool = False) -> None:
        if self.ex is None:
            return
        self._walking = walk
        if walk:
            self.ex.seed += 1
            self.anim_z = self.ex.walk(keypoints=6, frames_between=45, seed=self.ex.seed)
        else:
            self.anim_z = self.path_z
        self._frame, self._direction = 0, 1
        self.play_button.setChecked(not walk)
        self.walk_button.setChecked(walk)
        self.play_button.setText("Pause" if not walk else "Play")
        self.walk_button.setText("Stop wandering" if walk else "Wander")
        self._speed_changed(self.speed.value())
        self.animation.start()
        self._tick()

    def stop_animation(self) -> None:
        if self.animation.isActive():
            self.animation.stop()
        self.play_button.setChecked(False)
        self.walk_button.setChecked(False)
        self.play_button.setText("Play")
        self.walk_button.setText("Wander")

    @property
    def playing(self) -> bool:
        return self.animation.isActive()

    def _speed_changed(self, fps: int) -> None:
        self.animation.setInterval(max(1, round(1000 / fps)))

    def _tick(self) -> None:
        zs = self.anim_z
        n = len(zs)
        self.request_picture(zs[self._frame])
        repeat = "loop" if self._walking else self.repeat.currentData()
        nxt = self._frame + self._direction
        if 0 <= nxt < n:
            self._frame = nxt
        elif repeat == "loop":
            self._frame = 0
        elif repeat == "pingpong" and n > 1:
            self._direction = -self._direction
            self._frame += self._direction
        else:
            self.stop_animation()

    # --- saving -------------------------------------------------------------------------------
    def _ask_path(self, title: str, name: str, pattern: str) -> str | None:
        start = str(Path.home() / name)
        path, chosen = QFileDialog.getSaveFileName(self, title, start, pattern)
        if path and not Path(path).suffix:
            # typed without an extension: take the one of the chosen file type
            m = re.search(r"\*(\.\w+)", chosen or pattern)
            path += m.group(1) if m else ""
        return path or None

    def _run_export(self, what: str, fn) -> None:
        """Run ``fn(progress)`` as a background job, with a progress bar if it takes a while."""
        if self.jobs is None:
            fn(lambda *a: None)
            return
        dialog = QProgressDialog(what + "...", "", 0, 100, self)
        dialog.setObjectName("exportProgress")
        dialog.setCancelButton(None)
        dialog.setMinimumDuration(400)  # only when it takes more than a moment
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        kind = "export"

        def progress(k, done, total, text):
            if k == kind:
                dialog.setMaximum(max(total, 1))
                dialog.setValue(done)

        def finished(k, result):
            if k == kind:
                dialog.reset()
                self.jobs.progress.disconnect(progress)
                self.jobs.done.disconnect(finished)
                self.jobs.failed.disconnect(failed)
                self.status.setText(f"Saved {result}")
                self.exported = result

        def failed(k, message):
            if k == kind:
                dialog.reset()
                self.jobs.progress.disconnect(progress)
                self.jobs.done.disconnect(finished)
                self.jobs.failed.disconnect(failed)
                QMessageBox.warning(self, "Cannot save", message)

        self.jobs.progress.connect(progress)
        self.jobs.done.connect(finished)
        self.jobs.failed.connect(failed)
        self.jobs.submit(kind, fn)

    def _scaled(self, picture: np.ndarray) -> np.ndarray:
        from ganstudio.export import fit_picture

        return fit_picture(picture, self.export_size.value())

    def save_picture(self, path: str) -> None:
        from PIL import Image

        from ganstudio.export import save_pil

        img = self.image.image()
        if img is None:
            return
        arr = qimage_to_array(img)
        self._run_export("Saving the picture",
                         lambda p: save_pil(Image.fromarray(self._scaled(arr)), Path(path)))

    def save_picture_dialog(self) -> None:
        path = self._ask_path("Save picture", "sample.png", "PNG pictures (*.png)")
        if path:
            self.save_picture(path)

    def save_strip(self, path: str) -> None:
        from PIL import Image

        from ganstudio.explore.exploration import tile
        from ganstudio.export import save_pil

        ex, zs, size = self.ex.copy(), self.path_z, self.export_size.value()

        def job(progress):
            from ganstudio.export import fit_picture

            pics = [fit_picture(p, size) for p in ex.pictures(zs)]
            progress(1, 1, "Saving")
            return save_pil(Image.fromarray(tile(pics, padding=0)), Path(path))

        self._run_export("Saving the strip", job)

    def save_strip_dialog(self) -> None:
        path = self._ask_path("Save strip", "path.png", "PNG pictures (*.png)")
        if path:
            self.save_strip(path)

    def save_gif(self, path: str) -> None:
        """Save the path (or the wander) as an animation: a GIF or an MP4, by the extension."""
        from ganstudio.export import fit_picture, save_animation

        ex, size = self.ex.copy(), self.export_size.value()
        zs = self.anim_z if (self.playing and self._walking) else self.path_z
        pingpong = self.repeat.currentData() == "pingpong" and not self._walking
        fps = self.speed.value()

        def job(progress):
            frames = []
            for i in range(0, len(zs), 16):  # render in chunks, reporting progress
                frames += [fit_picture(p, size) for p in ex.pictures(zs[i:i + 16])]
                progress(len(frames), 2 * len(zs), "Drawing frames")
            if pingpong:
                frames = frames + frames[-2:0:-1]
            return save_animation(frames, path, fps=fps,
                                  progress=lambda d, t: progress(len(zs) + d * len(zs) // t,
                                                                 2 * len(zs), "Writing"))

        self._run_export("Saving the animation", job)

    def save_gif_dialog(self) -> None:
        path = self._ask_path("Save animation", "path.gif",
                              "Animated GIF (*.gif);;MP4 video (*.mp4)")
        if path:
            self.save_gif(path)

    def save_noise(self, path: str) -> None:
        from ganstudio.export import save_array

        zs = self.path_z.numpy().astype(np.float32)
        self._run_export("Saving the noise", lambda p: save_array(zs, Path(path)))

    def save_noise_dialog(self) -> None:
        path = self._ask_path("Save noise", "path-noise.npy", "NumPy arrays (*.npy)")
        if path:
            self.save_noise(path)

    def save_grid(self, path: str) -> None:
        from PIL import Image

        from ganstudio.export import fit_picture, save_pil

        ex, n, size = self.ex.copy(), self.grid_count.value(), self.export_size.value()

        def job(progress):
            import math

            import torch

            from ganstudio.explore.exploration import tile
            from ganstudio.explore.latent import truncate

            zs = truncate(torch.randn(n, ex.spec.latent_dim,
                                      generator=torch.Generator().manual_seed(ex.seed)), ex.psi)
            labels = (torch.arange(n) % ex.spec.num_classes) if ex.spec.conditional else None
            pics = []
            for i in range(0, n, 64):
                pics += [fit_picture(p, size) for p in
                         ex.pictures(zs[i:i + 64], labels=None if labels is None
                                     else labels[i:i + 64])]
                progress(len(pics), n, "Drawing samples")
            cols = math.ceil(math.sqrt(n))
            return save_pil(Image.fromarray(tile(pics, cols=cols)), Path(path))

        self._run_export("Saving the grid", job)

    def save_grid_dialog(self) -> None:
        path = self._ask_path("Save a grid of samples", "samples.png", "PNG pictures (*.png)")
        if path:
            self.save_grid(path)

    def show_settings(self) -> None:
        cfg = self.ex.config
        text = cfg.dumps() if cfg is not None else "(not known)"
        box = QMessageBox(QMessageBox.Icon.Information, "Its settings",
                          f"{self.ex.spec.describe()}.\n\nThe experiment it was trained with:",
                          QMessageBox.StandardButton.Close, self)
        box.setObjectName("explorerSettingsDialog")
        box.setDetailedText(text)
        box.open()

    def shutdown(self) -> None:
        self.animation.stop()
        self.renderer.shutdown()


def qimage_to_array(img) -> np.ndarray:
    """A QImage -> uint8 (H, W, 3)."""
    from PySide6.QtGui import QImage

    img = img.convertToFormat(QImage.Format.Format_RGB888)
    w, h = img.width(), img.height()
    arr = np.frombuffer(img.constBits(), dtype=np.uint8).reshape(h, img.bytesPerLine())
    return arr[:, :w * 3].reshape(h, w, 3).copy()
