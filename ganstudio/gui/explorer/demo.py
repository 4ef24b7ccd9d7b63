"""Demo mode: for showing a GAN to people who have never seen one.

Full screen, large type, one plain sentence about what is on screen, and the generator wandering
through its noise by itself. No dialogs: Space pauses, the arrows change speed and label, Esc
leaves; big buttons let a visitor pick two parents and make a child (demo_breed.py).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ganstudio.gui.explorer.demo_breed import DemoBreeding
from ganstudio.gui.widgets import ImageView

HINTS = "Space: pause or play  ·  \u2190 \u2192: slower or faster  ·  \u2191 \u2193: {labels}  ·  Esc: leave"


def explanation(spec) -> str:
    if spec.kind == "2d":
        return ("The orange dot is made by the generator from a handful of random numbers. As "
                "the numbers drift, it travels over what it learned: the grey clusters.")
    asked = ", asked for the kind named above" if spec.conditional else ""
    return (f"Nobody drew this picture: a generator invents it from a handful of random "
            f"numbers{asked}. As the numbers drift, the picture changes smoothly.")


class DemoWindow(QWidget):
    """Another view of the explorer's player, full screen: it shows the pictures the explorer
    renders, and its keys drive the player (the explorer's widgets follow the player too)."""

    left = Signal()

    def __init__(self, explorer, parent=None):
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("demoWindow")
        self.player = explorer.player
        self.explorer = explorer  # for its screen only
        self.setWindowTitle("GAN Studio - demo")
        pal = self.palette()
        pal.setColor(QPalette.ColorRole.Window, QColor("#0d0f12"))
        pal.setColor(QPalette.ColorRole.WindowText, QColor("#e8eaed"))
        self.setPalette(pal)
        self.setAutoFillBackground(True)
        # the app's style sheet would colour the labels for a light window: say it here
        self.setStyleSheet("QLabel { color: #e8eaed; } QLabel#demoHints { color: #8a9099; }")
        self.image = ImageView(smooth=True)
        self.image.setObjectName("demoImage")
        self.title = QLabel()
        self.title.setObjectName("demoTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setWordWrap(True)
        self.title.setFont(QFont(self.font().family(), 30, QFont.Weight.DemiBold))
        self.caption = QLabel()
        self.caption.setObjectName("demoCaption")
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption.setWordWrap(True)
        self.caption.setFont(QFont(self.font().family(), 20))
        self.hints = QLabel()
        self.hints.setObjectName("demoHints")
        self.hints.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hints.setFont(QFont(self.font().family(), 13))
        lay = QVBoxLayout(self)
        lay.setContentsMargins(40, 30, 40, 24)
        lay.addWidget(self.title)
        lay.addWidget(self.image, 1)
        lay.addWidget(self.caption)
        lay.addWidget(self.hints)
        # one renderer for both views: the demo shows the pictures the explorer asks for
        self._latest = None
        explorer.renderer.rendered.connect(self._mirror)
        self.player.listen(self._changed)
        self.breeding = DemoBreeding(self)  # big buttons: pick two parents, make a child

    def start(self) -> None:
        self.breeding.leave(play=False)
        self.show_words()
        self.image.set_array(self._latest)  # until the wander's first frame comes
        # the screen the explorer is on; setting its geometry also covers desktops with no
        # window manager to honour showFullScreen
        self.setGeometry(self.explorer.screen().geometry())
        self.showFullScreen()
        self.activateWindow()
        self.setFocus()
        self.player.play(walk=True)

    def show_words(self) -> None:
        """The title, caption and keys of the wandering picture."""
        spec = self.player.ex.spec
        self.caption.setText(explanation(spec))
        labels = "another label" if spec.conditional else "a new wander"
        self.hints.setText(HINTS.format(labels=labels))
        self._show_title()

    def _show_title(self) -> None:
        ex = self.player.ex
        if ex.spec.kind == "2d":
            text = ex.spec.describe().split(",")[0]
        elif ex.spec.conditional:
            text = f"Asked for: {ex.spec.label_names[ex.label]}"
        else:
            text = "A generator, wandering through its noise"
        self.title.setText(text)

    def _changed(self, changes: set[str]) -> None:
        if self.isVisible() and changes & {"label", "exploration"} and not self.breeding.active:
            self._show_title()

    def _mirror(self, result) -> None:
        kind, _, picture = result
        if kind == "picture":
            self._latest = picture
            if self.isVisible():
                self.image.set_array(picture)

    def keyPressEvent(self, event) -> None:
        key = event.key()
        player = self.player
        if self.breeding.active and key != Qt.Key.Key_F11:
            if key == Qt.Key.Key_Escape:
                self.breeding.leave()  # back to the wandering picture
            return
        if key in (Qt.Key.Key_Escape, Qt.Key.Key_F11):
            self.leave()
        elif key == Qt.Key.Key_Space:
            if player.playing:
                player.pause()
            else:
                player.play(walk=True)
        elif key in (Qt.Key.Key_Right, Qt.Key.Key_Left):
            player.set_speed(player.fps + (3 if key == Qt.Key.Key_Right else -3))
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            player.next_label(1 if key == Qt.Key.Key_Up else -1)
            player.play(walk=True)
        else:
            super().keyPressEvent(event)

    def leave(self) -> None:
        self.player.pause()
        self.showNormal()
        self.hide()
        self.left.emit()

    def closeEvent(self, event) -> None:
        self.player.pause()
        self.left.emit()
        super().closeEvent(event)
