"""Breeding in demo mode: big buttons for people who have never seen a GAN. "Pick two parents"
shows eight pictures; the visitor clicks two, then "Make a child" shows the parents and their
child side by side, and "Another child" makes a brother or sister.

A part of the demo window (gui/explorer/demo.py): it places its page and buttons in the
window's column itself. Pictures come from the explorer's ``render`` thread, like the demo's
own (kinds "demo-breed-samples" and "demo-breed-child").
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QPushButton, QStackedWidget, QVBoxLayout,
                               QWidget)

from ganstudio.explore.breeding import Breeder
from ganstudio.gui.explorer.picture_grid import PictureGrid
from ganstudio.gui.widgets import ImageView

SAMPLES = 8
STYLE = """
QPushButton { font-size: 20pt; padding: 12px 30px; border-radius: 12px; border: none;
              background: #2f7fe0; color: white; }
QPushButton:hover { background: #4a90e8; }
QPushButton:disabled { background: #2c3036; color: #6b727c; }
QPushButton[role="quiet"] { background: #2c3036; color: #e8eaed; }
QPushButton[role="quiet"]:hover { background: #3b4047; }
"""
TITLES = {0: "Click two pictures to be the parents",
          1: "Now click one more picture",
          2: "Now press Make a child"}


def big_button(text: str, name: str, slot, quiet: bool = False) -> QPushButton:
    b = QPushButton(text)
    b.setObjectName(name)
    b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys stay with the demo window
    b.setCursor(Qt.CursorShape.PointingHandCursor)
    if quiet:
        b.setProperty("role", "quiet")
    b.clicked.connect(slot)
    return b


class DemoBreeding(QWidget):
    """The demo window's breeding: its page (the pictures to pick from, or parents and child)
    shown instead of the wandering picture, and a row of big buttons."""

    def __init__(self, demo):
        super().__init__(demo)
        self.demo = demo
        self.player = demo.player
        self.renderer = demo.explorer.renderer
        self.breeder = Breeder(SAMPLES)
        self.mode = "wander"  # or "pick", "child"
        self.sample_pictures: list = []
        self.child = None  # the child shown (an Individual)
        self.setStyleSheet(STYLE)

        self.page = QStackedWidget()
        self.page.setObjectName("demoBreedPage")
        self.grid = PictureGrid(4, smooth=True, spacing=18)
        self.grid.setObjectName("demoBreedGrid")
        self.grid.clicked.connect(self.pick)
        self.page.addWidget(self.grid)
        family = QWidget()
        row = QHBoxLayout(family)
        self.parent_views = [ImageView(smooth=True), ImageView(smooth=True)]
        self.child_view = ImageView(smooth=True, placeholder="")
        self.child_view.setObjectName("demoChild")
        signs = [QLabel("+"), QLabel("=")]
        for s in signs:
            s.setFont(QFont(demo.font().family(), 48, QFont.Weight.Bold))
            s.setAlignment(Qt.AlignmentFlag.AlignCenter)
        for w, stretch in ((self.parent_views[0], 2), (signs[0], 0), (self.parent_views[1], 2),
                           (signs[1], 0), (self.child_view, 3)):
            row.addWidget(w, stretch)
        self.page.addWidget(family)
        self.page.setVisible(False)

        buttons = QHBoxLayout(self)
        buttons.setContentsMargins(0, 8, 0, 8)
        self.pick_button = big_button("Pick two parents", "demoPickParents", self.start_picking)
        self.make_button = big_button("Make a child", "demoMakeChild", self.make_child)
        self.again_button = big_button("Another child", "demoAnotherChild", self.another_child)
        self.other_button = big_button("Other pictures", "demoOtherPictures",
                                       self.other_pictures, quiet=True)
        self.back_button = big_button("Back to wandering", "demoBackToWander", self.leave,
                                      quiet=True)
        buttons.addStretch(1)
        for b in (self.pick_button, self.make_button, self.again_button, self.other_button,
                  self.back_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self._place()
        self.renderer.rendered.connect(self._rendered)
        self._show_mode()

    def _place(self) -> None:
        """The page where the demo's picture is, the buttons under the caption."""
        column = self.demo.layout()
        column.insertWidget(column.indexOf(self.demo.image) + 1, self.page, 1)
        column.insertWidget(column.indexOf(self.demo.caption) + 1, self)

    @property
    def active(self) -> bool:
        return self.mode != "wander"

    # --- what the visitor does ----------------------------------------------------------------
    def start_picking(self) -> None:
        ex = self.player.ex
        if ex is None:
            return
        self.player.pause()
        self.breeder.set_model(ex)
        self.breeder.chosen = []
        self.mode = "pick"
        self._draw_samples()
        self._show_mode()

    def other_pictures(self) -> None:
        self.breeder.other_samples(self.player.ex)
        self._draw_samples()
        self._show_mode()

    def pick(self, index: int) -> None:
        """A click on a picture: it is a parent now (or no longer); a third click lets the
        first one go."""
        self.breeder.choose("sample", index, most=2)
        self._show_mode()

    def make_child(self) -> None:
        b, ex = self.breeder, self.player.ex
        if len(b.chosen) != 2 or ex is None:
            return
        parents = [self.sample_pictures[i] if i < len(self.sample_pictures) else None
                   for i in b.chosen_in("sample")]
        label = ex.label if ex.spec.conditional else None
        self.child = b.make_children(1, label)[0]
        for view, picture in zip(self.parent_views, parents):
            view.set_array(picture)
        self.mode = "child"
        self._draw_child()
        self._show_mode()

    def another_child(self) -> None:
        """A brother or sister: the same parents, another child."""
        b = self.breeder
        if self.child is None:
            return
        b.chosen = [("member", p) for p in self.child.parents]
        self.child = b.make_children(1)[0]
        self._draw_child()

    def leave(self, play: bool = True) -> None:
        """Back to the wandering picture (playing again, unless ``play`` is False)."""
        was = self.mode
        self.mode = "wander"
        self._show_mode()
        if was != "wander" and self.player.ex is not None:
            self.demo.show_words()
            if play and self.demo.isVisible():
                self.player.play(walk=True)

    # --- pictures -----------------------------------------------------------------------------
    def _draw_samples(self) -> None:
        snap, seed = self.player.ex.copy(), self.breeder.sample_seed
        z = self.breeder.sample_z.copy()
        self.sample_pictures = []
        self.grid.set_pictures([])

        def draw():
            import torch

            from ganstudio.explore import latent

            return ("demo-breed-samples", snap,
                    (seed, snap.pictures(latent.truncate(torch.from_numpy(z), snap.psi))))

        self.renderer.request(draw, "demo-breed-samples")

    def _draw_child(self) -> None:
        snap, child = self.player.ex.copy(), self.child
        self.child_view.set_array(None)

        def draw():
            from ganstudio.explore.breeding import pictures_of

            return ("demo-breed-child", snap, (child.id, pictures_of(snap, [child])[0]))

        self.renderer.request(draw, "demo-breed-child")

    def _rendered(self, result) -> None:
        kind, ex, payload = result
        if not kind.startswith("demo-breed") or self.player.ex is None or \
                ex.G is not self.player.ex.G:
            return
        if kind == "demo-breed-samples" and payload[0] == self.breeder.sample_seed:
            self.sample_pictures = payload[1]
            self.grid.set_pictures(self.sample_pictures)
        elif kind == "demo-breed-child" and self.child is not None and \
                payload[0] == self.child.id:
            self.child_view.set_array(payload[1])

    # --- showing the mode ---------------------------------------------------------------------
    def _show_mode(self) -> None:
        mode, chosen = self.mode, len(self.breeder.chosen)
        breeding = mode != "wander"
        self.demo.image.setVisible(not breeding)
        self.page.setVisible(breeding)
        self.page.setCurrentIndex(1 if mode == "child" else 0)
        self.grid.set_marks([i for w, i in self.breeder.chosen if w == "sample"])
        self.pick_button.setVisible(mode != "pick")
        self.pick_button.setText("Pick two new parents" if mode == "child"
                                 else "Pick two parents")
        self.make_button.setVisible(mode == "pick")
        self.make_button.setEnabled(chosen == 2)
        self.other_button.setVisible(mode == "pick")
        self.again_button.setVisible(mode == "child")
        self.back_button.setVisible(breeding)
        if mode == "pick":
            self.demo.title.setText(TITLES[min(chosen, 2)])
            self.demo.caption.setText("Each picture is made from a handful of random numbers. "
                                      "A child gets a mix of its parents' numbers, and a few "
                                      "changed by chance.")
        elif mode == "child":
            self.demo.title.setText("The parents and their child")
            self.demo.caption.setText("Nobody drew the child: its numbers are a mix of both "
                                      "parents' numbers, with a little chance thrown in.")
        if breeding:
            self.demo.hints.setText("Esc: back to wandering")
