"""The latent-space explorer: move through what a trained generator learned, make paths between
points, animate them, and export pictures and animations.

The explorer's model is the core's player (ganstudio.explore.player.Player): the tabs bind
their widgets to it, a timer ticks its animation, and pictures of its snapshots are rendered in
a background thread, newest request first, so sliders stay smooth. Exports run as background
jobs with a progress bar.
"""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, Qt, QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QMenu, QMessageBox, QSplitter,
                               QTabWidget, QToolButton, QVBoxLayout, QWidget)

from ganstudio.explore.player import Player
from ganstudio.gui.explorer.breed_tab import BreedTab
from ganstudio.gui.explorer.directions_tab import DirectionsTab, mode_hint
from ganstudio.gui.explorer.export_tab import ExportTab
from ganstudio.gui.explorer.move_tab import MoveTab, button, set_quietly
from ganstudio.gui.explorer.find_panel import FindPanel
from ganstudio.gui.explorer.nearest_panel import NearestPanel
from ganstudio.gui.explorer.paths_tab import PathsTab
from ganstudio.gui.renderer import AsyncRenderer
from ganstudio.gui.widgets import ImageView

# what each change of the player makes the explorer draw again
REDRAWS = {
    "picture": {"exploration", "point", "label", "psi", "view", "frame"},
    "strip": {"exploration", "path", "label"},
    "pick": {"exploration", "pick", "label", "psi"},
}


class LatentExplorer(QWidget):
    snapshot_requested = Signal()  # "use the current run"
    open_requested = Signal()  # "open a checkpoint"
    demo_requested = Signal()  # "full screen demo"
    demo_model_requested = Signal(str)  # a bundled demo checkpoint's path

    def __init__(self, jobs=None, parent=None):
        super().__init__(parent)
        self.setObjectName("latentExplorer")
        self.jobs = jobs
        self.player = Player()
        self._coming = None  # the exploration being set up to be shown, if any
        self.renderer = AsyncRenderer(self)
        self.renderer.rendered.connect(self._rendered)
        self.renderer.failed.connect(lambda m: self.status.setText(f"Cannot draw: {m}"))
        self.animation = QTimer(self)  # ticks the player while it plays
        self.animation.timeout.connect(self._tick)
        self._clock = QElapsedTimer()
        self._build()
        self._set_enabled(False)
        self.player.listen(self._changed)

    @property
    def ex(self):
        """The exploration shown (ganstudio.explore.exploration.Exploration), or None."""
        return self.player.ex

    # --- layout -------------------------------------------------------------------------------
    def _build(self) -> None:
        self.title = QLabel("Train a GAN, open a checkpoint or pick a demo model, then explore "
                            "what its generator has learned.")
        self.title.setObjectName("explorerTitle")
        self.title.setWordWrap(True)
        self.title.setProperty("role", "heading")
        self.settings_button = button("Its settings", "explorerSettings",
                                      "The experiment this generator was trained with",
                                      self.show_settings)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.settings_button)

        self.from_run = button("Use the current run", "explorerFromRun",
                               "Copy the generator being trained (its averaged weights) and "
                               "explore the copy; training goes on undisturbed",
                               self.snapshot_requested)
        self.open_button = button("Open checkpoint...", "explorerOpen",
                                  "Explore a generator saved in a checkpoint",
                                  self.open_requested)
        self.demos_button = QToolButton()
        self.demos_button.setObjectName("explorerDemos")
        self.demos_button.setText("Demo models")
        self.demos_button.setToolTip("Generators trained in advance from the built-in presets")
        self.demos_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.demos_menu = QMenu(self)
        self.demos_button.setMenu(self.demos_menu)
        self.demo_mode_button = button("Demo mode", "explorerDemoMode",
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
        self.view_choice.currentIndexChanged.connect(
            lambda i: self.player.set_every_label(self.view_choice.itemData(i) == "labels"))
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
        self.find = FindPanel(self.player, self.jobs)  # find a picture (find_panel.py)
        self.find.attach(self, self.image)  # pictures dropped here, clicks on the plane
        vl.addWidget(self.find)
        self.nearest = NearestPanel(self.jobs)  # is this sample a copy of a training picture?
        self.nearest.setVisible(False)
        vl.addWidget(self.nearest)

        self.status = QLabel(" ")
        self.status.setObjectName("explorerStatus")
        self.status.setProperty("role", "hint")
        self.status.setWordWrap(True)
        self.move_tab = MoveTab(self.player)
        self.move_tab.mode_chosen.connect(self._mode_chosen)
        self.paths_tab = PathsTab(self.player)
        self.export_tab = ExportTab(self.player, self.jobs, self.status)
        self.frames = self.paths_tab.frames  # packaging/screenshots.py sets the frame count
        self.tabs = QTabWidget()
        self.tabs.setObjectName("explorerTabs")
        self.tabs.addTab(self.move_tab, "Move")
        # five tabs share the panel: short names, so none hides behind scroll arrows at 1280 px
        self.tabs.addTab(self.paths_tab, "Paths")
        self.tabs.setTabToolTip(1, "Paths between two points and their animation")
        self.directions_tab = DirectionsTab(self.player, self.jobs)  # found and taught
        self.tabs.addTab(self.directions_tab, "Directions")
        self.directions_tab.sliders_set.connect(lambda: self.status.setText(self._hint()))
        self.breed_tab = BreedTab(self)  # breeding samples (breed_tab.py)
        self.tabs.addTab(self.breed_tab, "Breed")
        self.tabs.addTab(self.export_tab, "Save")
        self.tabs.setMinimumWidth(300)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(views)
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addLayout(sources)
        lay.addWidget(split, 1)
        lay.addWidget(self.status)

    def _set_enabled(self, on: bool) -> None:
        for w in (self.tabs, self.view_choice, self.settings_button, self.demo_mode_button):
            w.setEnabled(on)

    # --- which generator ----------------------------------------------------------------------
    def show_exploration(self, exploration) -> None:
        """Explore ``exploration`` (from Exploration.from_checkpoint or .from_trainer; the
        explorer keeps it). A fresher copy of the model shown stays where the sliders were.
        The sliders appear once set up (principal directions take a moment, off this thread)."""
        self.status.setText("Preparing the sliders...")
        old = None if self.ex is None else self.ex.copy()
        self._coming = exploration
        if old is None or old.spec != exploration.spec or not old.prepared:
            # a model shown afresh: its picture first, in a moment; the sliders' set-up after
            # it can take seconds (principal directions), and the explorer would stay blank
            every = self.player.every_label
            self.renderer.request(
                lambda: ("first", exploration, exploration.first_picture(every)), "first")

        def setup():
            exploration.continue_from(old)
            return ("setup", exploration, None)

        self.renderer.request(setup, "setup")

    def set_demo_models(self, demos: list[tuple[str, str]]) -> None:
        """(title, path) of the bundled demo checkpoints."""
        self.demos_menu.clear()
        for title, path in demos:
            a = self.demos_menu.addAction(title)
            a.triggered.connect(lambda _=False, p=path: self.demo_model_requested.emit(p))
        self.demos_button.setEnabled(bool(demos))

    def _mode_chosen(self, mode: str) -> None:
        if self.ex is None:
            return
        self.status.setText("Finding the directions..." if mode == "principal" else " ")
        ex = self.ex.copy()

        def change():
            ex.set_mode(mode)  # principal directions take a moment: not on the UI thread
            return ("mode", ex, None)

        self.renderer.request(change, "setup")

    # --- the player changed: show it ----------------------------------------------------------
    def _changed(self, changes: set[str]) -> None:
        p = self.player
        if "exploration" in changes:
            self.nearest.set_exploration(p.ex)
        elif changes & {"point", "label", "psi"}:
            self.nearest.forget()
        if "exploration" in changes:
            self.move_tab.show_model()
            conditional = p.ex.spec.conditional
            self.view_choice.setVisible(conditional)
            set_quietly(self.view_choice, "setCurrentIndex", int(p.every_label and conditional))
        if "sliders" in changes:
            self.move_tab.show_sliders()
        if "point" in changes:
            self.move_tab.show_values()
        if "label" in changes:
            self.move_tab.show_label()
        if "psi" in changes:
            self.move_tab.show_psi()
        if "play" in changes:
            self.paths_tab.show_play()
            self._show_timer()
        if "speed" in changes:
            self.paths_tab.show_speed()
            self._show_timer()
        for kind, causes in REDRAWS.items():
            if changes & causes:
                self._request(kind)

    def _show_timer(self) -> None:
        if self.player.playing:
            self.animation.setInterval(max(1, round(1000 / self.player.fps)))
            if not self.animation.isActive():
                self._clock.start()
                self.animation.start()
        elif self.animation.isActive():
            self.animation.stop()

    def _tick(self) -> None:
        self.player.tick(self._clock.restart() / 1000)  # the player tells what to draw

    def _request(self, kind: str) -> None:
        snap = self.player.snapshot()
        draw = {"picture": snap.picture, "strip": snap.strip, "pick": snap.pick_grid}[kind]
        self.renderer.request(lambda: (kind, snap.ex, draw()), kind)

    def _rendered(self, result) -> None:
        kind, ex, payload = result
        if kind == "first":
            if ex is self._coming:  # still the model on its way: show what it draws
                self.image.set_array(payload)
            return
        if kind == "setup":
            self._coming = None
            self.player.load(ex)
            self._set_enabled(True)
            self.title.setText(ex.title)
            self.status.setText(self._hint())
            return
        if self.ex is None or ex.G is not self.ex.G:
            return  # a picture of a generator replaced since
        if kind == "mode":
            self.player.replace(ex)
            self.status.setText(self._hint())
        elif kind == "picture":
            self.image.set_array(payload)
        elif kind == "strip":
            self.strip.set_array(payload)
        elif kind == "pick":
            self.paths_tab.show_pick(payload)

    def _hint(self) -> str:
        if mode_hint(self.ex.mode):  # SeFa, chosen and taught (directions_tab.py)
            return mode_hint(self.ex.mode)
        if self.ex.mode == "dimensions":
            return ("Each slider is one of the numbers the generator turns into a sample: move "
                    "them and watch what changes.")
        if self.ex.mode == "principal":
            return ("Each slider moves along one of the directions that change the output most "
                    "(found by principal component analysis of the generator's output).")
        return "Each slider moves along a random direction through the noise."

    # --- the animation ------------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        return self.player.playing

    def play(self, walk: bool = False) -> None:
        self.player.play(walk=walk)

    def stop_animation(self) -> None:
        self.player.pause()

    @property
    def sliders(self):
        """The Move tab's sliders, one per direction (tools and benchmarks drag them)."""
        return self.move_tab.sliders

    def randomise(self) -> None:
        if self.ex is not None:
            self.player.randomise()

    # --- the rest -----------------------------------------------------------------------------
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
