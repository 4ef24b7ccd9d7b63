"""The explorer's Paths tab: the two ends of a path (seeds, the current point or picked
samples), its kind and frames, and the animation's controls; a view of the player."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QGridLayout, QLabel, QSlider, QSpinBox, QVBoxLayout,
                               QWidget)

from ganstudio.explore.player import (MAX_FPS, MAX_FRAMES, MIN_FPS, MIN_FRAMES, PATH_KINDS,
                                      PICK_COLS, REPEATS)
from ganstudio.gui.explorer.move_tab import button, set_quietly
from ganstudio.gui.widgets import ImageView


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


class PathsTab(QWidget):
    def __init__(self, player, parent=None):
        super().__init__(parent)
        self.player = player
        lay = QVBoxLayout(self)
        ends = QGridLayout()
        self.seed_spins = []
        for i, name in enumerate(("From", "To")):
            ends.addWidget(QLabel(name), i, 0)
            spin = QSpinBox()
            spin.setObjectName(f"explorerSeed{'AB'[i]}")
            spin.setRange(0, 2**31 - 1)
            spin.setValue(player.end_seeds[i])
            spin.setPrefix("seed ")
            spin.setToolTip("A point given by a seed: the same seed is always the same point")
            spin.valueChanged.connect(lambda v, i=i: player.set_end_seed(i, v))
            ends.addWidget(spin, i, 1)
            here = button("Current point", f"explorerHere{'AB'[i]}",
                          "Use the point the sliders are at",
                          lambda _=False, i=i: player.end_here(i))
            ends.addWidget(here, i, 2)
            self.seed_spins.append(spin)
        lay.addLayout(ends)
        lay.addWidget(QLabel("Or click a sample below: left = from, right = to."))
        self.pick = PickGrid(cols=PICK_COLS)
        self.pick.setObjectName("explorerPickGrid")
        self.pick.setMinimumHeight(120)
        self.pick.picked.connect(player.pick)
        lay.addWidget(self.pick, 1)
        self.pick_button = button("Other samples", "explorerNewSamples",
                                  "Show other random samples to pick from",
                                  player.other_samples)
        lay.addWidget(self.pick_button)
        form = QGridLayout()
        self.path_kind = QComboBox()
        self.path_kind.setObjectName("explorerPath")
        for key, title in PATH_KINDS.items():
            self.path_kind.addItem(title, key)
        self.path_kind.setCurrentIndex(self.path_kind.findData(player.path_kind))
        self.path_kind.setToolTip("Spherical paths keep the noise as typical as at both ends; "
                                  "a straight line passes nearer the centre of the noise")
        self.path_kind.currentIndexChanged.connect(
            lambda i: player.set_path_kind(self.path_kind.itemData(i)))
        self.frames = QSpinBox()
        self.frames.setObjectName("explorerFrames")
        self.frames.setRange(MIN_FRAMES, MAX_FRAMES)
        self.frames.setValue(player.frame_count)
        self.frames.setSuffix(" frames")
        self.frames.valueChanged.connect(player.set_frame_count)
        form.addWidget(QLabel("Path"), 0, 0)
        form.addWidget(self.path_kind, 0, 1)
        form.addWidget(self.frames, 0, 2)
        self.play_button = button("Play", "explorerPlay", "Play the path as an animation (Space)",
                                  player.toggle_play)
        self.play_button.setCheckable(True)
        self.walk_button = button("Wander", "explorerWalk", "A smooth random walk through the "
                                  "noise, forever", player.toggle_walk)
        self.walk_button.setCheckable(True)
        self.repeat = QComboBox()
        self.repeat.setObjectName("explorerRepeat")
        for key, title in REPEATS.items():
            self.repeat.addItem(title, key)
        self.repeat.setCurrentIndex(self.repeat.findData(player.repeat))
        self.repeat.currentIndexChanged.connect(
            lambda i: player.set_repeat(self.repeat.itemData(i)))
        self.speed = QSlider(Qt.Orientation.Horizontal)
        self.speed.setObjectName("explorerSpeed")
        self.speed.setRange(MIN_FPS, MAX_FPS)
        self.speed.setValue(player.fps)
        self.speed.setToolTip("Frames per second")
        self.speed.valueChanged.connect(player.set_speed)
        form.addWidget(self.play_button, 1, 0)
        form.addWidget(self.repeat, 1, 1)
        form.addWidget(self.walk_button, 1, 2)
        form.addWidget(QLabel("Speed"), 2, 0)
        form.addWidget(self.speed, 2, 1, 1, 2)
        lay.addLayout(form)

    def show_play(self) -> None:
        p = self.player
        path, walk = p.playing and not p.walking, p.playing and p.walking
        self.play_button.setChecked(path)
        self.walk_button.setChecked(walk)
        self.play_button.setText("Pause" if path else "Play")
        self.walk_button.setText("Stop wandering" if walk else "Wander")

    def show_speed(self) -> None:
        set_quietly(self.speed, "setValue", self.player.fps)

    def show_pick(self, image) -> None:
        self.pick.count = 0 if self.player.pick_z is None else len(self.player.pick_z)
        self.pick.set_array(image)
