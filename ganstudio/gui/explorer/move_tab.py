"""The explorer's Move tab: sliders over the noise, a label, the truncation; a view of the
player's point (ganstudio.explore.player.Player)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QGridLayout, QHBoxLayout, QLabel, QPushButton,
                               QScrollArea, QSlider, QVBoxLayout, QWidget)

from ganstudio.explore.modes import MODES, SLIDER_RANGE
from ganstudio.explore.player import SLIDER_STEPS


def button(text: str, name: str, tip: str, slot) -> QPushButton:
    b = QPushButton(text)
    b.setObjectName(name)
    b.setToolTip(tip)
    b.clicked.connect(slot)
    return b


def set_quietly(widget, setter: str, value) -> None:
    """Show a value the player already has without telling the player again."""
    widget.blockSignals(True)
    getattr(widget, setter)(value)
    widget.blockSignals(False)


class MoveTab(QWidget):
    mode_chosen = Signal(str)  # the directions take a moment: the explorer finds them

    def __init__(self, player, parent=None):
        super().__init__(parent)
        self.player = player
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(QLabel("Sliders move along:"))
        self.mode_choice = QComboBox()
        self.mode_choice.setObjectName("explorerMode")
        for key, title in MODES.items():
            self.mode_choice.addItem(title, key)
        self.mode_choice.setToolTip("Noise numbers: one slider per number the generator gets.\n"
                                    "Main directions: the directions that change the output "
                                    "most (principal components).\nRandom directions: random "
                                    "mixtures of noise numbers.\nDirections in the weights: "
                                    "those the generator's first layer responds to most "
                                    "(SeFa).\nDirections you chose or taught: see the "
                                    "Directions tab.")
        self.mode_choice.currentIndexChanged.connect(
            lambda i: self.mode_chosen.emit(self.mode_choice.itemData(i)))
        row.addWidget(self.mode_choice, 1)
        lay.addLayout(row)
        self.sliders_box = QWidget()
        self.sliders_grid = QGridLayout(self.sliders_box)
        self.sliders_grid.setColumnStretch(1, 1)
        self.sliders: list[QSlider] = []
        self.value_labels: list[QLabel] = []
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.sliders_box)
        lay.addWidget(scroll, 1)
        buttons = QHBoxLayout()
        self.random_button = button("New random point", "explorerRandom",
                                    "Jump to a new random place in the noise (R)",
                                    player.randomise)
        self.reset_button = button("Centre", "explorerReset", "Move every slider to the middle",
                                   player.centre)
        buttons.addWidget(self.random_button)
        buttons.addWidget(self.reset_button)
        lay.addLayout(buttons)
        grid = QGridLayout()
        self.label_caption = QLabel("Label")
        self.label_choice = QComboBox()
        self.label_choice.setObjectName("explorerClass")
        self.label_choice.setToolTip("Which kind of sample to make (models that use labels)")
        self.label_choice.currentIndexChanged.connect(
            lambda i: player.set_label(i) if i >= 0 else None)
        grid.addWidget(self.label_caption, 0, 0)
        grid.addWidget(self.label_choice, 0, 1, 1, 2)
        grid.addWidget(QLabel("Truncation"), 1, 0)
        self.psi = QSlider(Qt.Orientation.Horizontal)
        self.psi.setObjectName("explorerTruncation")
        self.psi.setRange(0, 100)
        self.psi.setValue(100)
        self.psi.setToolTip("The truncation trick: pull the noise toward its centre. Lower gives "
                            "more typical, less varied samples; 1 = off.")
        self.psi.valueChanged.connect(lambda v: player.set_psi(v / 100))
        self.psi_label = QLabel("1.00")
        grid.addWidget(self.psi, 1, 1)
        grid.addWidget(self.psi_label, 1, 2)
        grid.setColumnStretch(1, 1)
        lay.addLayout(grid)

    # --- showing the player -------------------------------------------------------------------
    def show_model(self) -> None:
        """Another model: its labels and sliders."""
        ex = self.player.ex
        self.label_choice.blockSignals(True)
        self.label_choice.clear()
        for name in ex.spec.label_names:
            self.label_choice.addItem(name)
        self.label_choice.blockSignals(False)
        for w in (self.label_choice, self.label_caption):
            w.setVisible(ex.spec.conditional)
        self.show_label()
        self.show_psi()
        self.show_sliders()

    def show_sliders(self) -> None:
        """What the sliders move along: one slider per direction."""
        set_quietly(self.mode_choice, "setCurrentIndex",
                    self.mode_choice.findData(self.player.ex.mode))
        while self.sliders_grid.count():
            item = self.sliders_grid.takeAt(0)
            if item.widget():  # hidden now: deleted only when the event loop next turns
                item.widget().hide()
                item.widget().deleteLater()
        self.sliders, self.value_labels = [], []
        for i, (name, tip) in enumerate(self.player.ex.slider_names()):
            label = QLabel(name)
            label.setToolTip(tip)
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setObjectName(f"explorerSlider{i}")
            slider.setRange(int(-SLIDER_RANGE * SLIDER_STEPS), int(SLIDER_RANGE * SLIDER_STEPS))
            slider.setToolTip(tip)
            slider.valueChanged.connect(lambda v, i=i: self.player.move_slider(i, v))
            value = QLabel()
            value.setMinimumWidth(44)
            self.sliders_grid.addWidget(label, i, 0)
            self.sliders_grid.addWidget(slider, i, 1)
            self.sliders_grid.addWidget(value, i, 2)
            self.sliders.append(slider)
            self.value_labels.append(value)
        self.show_values()

    def show_values(self) -> None:
        values = self.player.ex.values
        for s, lab, tick, v in zip(self.sliders, self.value_labels, self.player.slider_ticks(),
                                   values):
            if s.value() != tick:
                set_quietly(s, "setValue", tick)
            lab.setText(f"{v:+.2f}")

    def show_label(self) -> None:
        ex = self.player.ex
        if ex.spec.conditional:
            set_quietly(self.label_choice, "setCurrentIndex", ex.label)

    def show_psi(self) -> None:
        psi = self.player.ex.psi
        set_quietly(self.psi, "setValue", round(psi * 100))
        self.psi_label.setText(f"{psi:.2f}")
