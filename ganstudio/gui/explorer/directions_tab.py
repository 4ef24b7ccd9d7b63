"""The explorer's Directions tab: directions found in the generator (SeFa, or principal
components) and taught ones, each with a strip of what it does, ticked and ordered to drive the
sliders; and the panel to teach a new one (teach_panel.py).

Finding directions and drawing strips run as background jobs (the explorer's ``jobs``); the
strips follow the current point, redrawn a moment after it stops moving while the tab is shown.
The core is ganstudio.explore.directions; this only shows it and hands choices to the player.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QHBoxLayout, QLabel, QMessageBox,
                               QProgressBar, QScrollArea, QTabWidget, QToolButton,
                               QVBoxLayout, QWidget)

from ganstudio.gui.explorer.move_tab import button
from ganstudio.gui.explorer.teach_panel import TeachPanel
from ganstudio.gui.widgets import ImageView

KIND = "directions"  # the jobs' kind for finding directions and drawing their strips
FOUND = {"sefa": "Found in the weights (SeFa)", "principal": "Main directions (PCA)"}
REDRAW_MS = 400  # strips follow the point this long after it stops moving
HINTS = {
    "sefa": "Each slider moves along a direction found in the generator's first layer (SeFa): "
            "the directions its weights change most. See them all in the Directions tab.",
    "chosen": "Each slider moves along a direction you chose or taught in the Directions tab.",
}


def mode_hint(mode: str) -> str | None:
    """The explorer's status line for the slider modes of this tab (None for others)."""
    return HINTS.get(mode)


class DirectionRow(QWidget):
    """One direction: a tick (drives a slider), its name, its strip, and arrows to order it;
    a taught one also a button to forget it (``on_forget``)."""

    def __init__(self, direction, on_move, on_forget=None, parent=None):
        super().__init__(parent)
        self.direction = direction
        self.tick = QCheckBox(direction.name)
        self.tick.setObjectName("directionTick")
        self.tick.setToolTip(f"{direction.name}: {direction.describe()}")
        share = "" if direction.share is None else f"{direction.share * 100:.0f}% of change"
        self.caption = QLabel(share if direction.kind != "taught" else "taught by you")
        self.caption.setProperty("role", "hint")
        self.strip = ImageView(placeholder="drawing...")
        self.strip.setObjectName("directionStrip")
        self.strip.setMinimumSize(160, 44)
        self.strip.setMaximumHeight(64)
        self.strip.setToolTip("The current sample with this direction's slider at -3 (left) "
                              "to +3 (right)")
        up, down = QToolButton(), QToolButton()
        up.setText("▲")
        down.setText("▼")
        up.setToolTip("Earlier among the sliders")
        down.setToolTip("Later among the sliders")
        up.clicked.connect(lambda: on_move(self, -1))
        down.clicked.connect(lambda: on_move(self, 1))
        left = QVBoxLayout()
        left.setSpacing(0)
        left.addWidget(self.tick)
        under = QHBoxLayout()  # the caption, and for a taught one the button to forget it
        under.setContentsMargins(0, 0, 0, 0)
        under.addWidget(self.caption, 1)
        self.forget = None
        if direction.kind == "taught" and on_forget is not None:
            self.forget = QToolButton()
            self.forget.setObjectName("directionForget")
            self.forget.setText("✕")
            self.forget.setAutoRaise(True)
            self.forget.setToolTip("Forget this taught direction")
            self.forget.clicked.connect(lambda: on_forget(self))
            under.addWidget(self.forget)
        left.addLayout(under)
        arrows = QVBoxLayout()
        arrows.setSpacing(0)
        arrows.addWidget(up)
        arrows.addWidget(down)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        w = QWidget()
        w.setLayout(left)
        w.setFixedWidth(140)
        lay.addWidget(w)
        lay.addWidget(self.strip, 1)
        lay.addLayout(arrows)


class DirectionsTab(QWidget):
    """``player``: the explorer's Player; ``jobs``: its background jobs (gui/jobs.py)."""

    sliders_set = Signal()  # the ticked directions now drive the sliders

    def __init__(self, player, jobs, parent=None):
        super().__init__(parent)
        self.setObjectName("directionsTab")
        self.player = player
        self.jobs = jobs
        self.rows: list[DirectionRow] = []
        self.found: dict[str, list] = {}  # kind -> directions found for the model shown
        self.dialog: QMessageBox | None = None  # the question before forgetting, while open
        self._model = None  # the generator the found directions belong to
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(REDRAW_MS)
        self.timer.timeout.connect(self.refresh)

        self.kind = QComboBox()
        self.kind.setObjectName("directionsKind")
        for key, title in FOUND.items():
            self.kind.addItem(title, key)
        self.kind.setToolTip("SeFa: the directions the generator's first layer responds to most, "
                             "read from its weights at once.\nMain directions: those that change "
                             "its output most over many samples (takes a moment).")
        self.kind.currentIndexChanged.connect(lambda _: self.refresh())
        head = QHBoxLayout()
        head.addWidget(QLabel("Show:"))
        head.addWidget(self.kind, 1)
        self.progress = QProgressBar()
        self.progress.setObjectName("directionsProgress")
        self.progress.setRange(0, 0)
        self.progress.setMaximumWidth(90)
        self.progress.setVisible(False)
        head.addWidget(self.progress)
        hint = QLabel("Each strip is the current sample with that direction's slider from -3 "
                      "(left) to +3 (right). Tick the ones the sliders should move along; the "
                      "arrows set their order; ✕ forgets one you taught.")
        hint.setWordWrap(True)
        hint.setProperty("role", "hint")
        self.list_box = QWidget()
        self.list_layout = QVBoxLayout(self.list_box)
        self.list_layout.setContentsMargins(0, 0, 0, 0)
        self.list_layout.setSpacing(2)
        self.list_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.list_box)
        self.use_button = button("Use the ticked directions", "directionsUse",
                                 "Make the sliders of the Move tab move along the ticked "
                                 "directions, in this order", self.use_ticked)
        self.message = QLabel(" ")
        self.message.setObjectName("directionsMessage")
        self.message.setWordWrap(True)
        self.message.setProperty("role", "hint")
        choose = QWidget()
        cl = QVBoxLayout(choose)
        cl.addLayout(head)
        cl.addWidget(hint)
        cl.addWidget(scroll, 1)
        cl.addWidget(self.use_button)
        cl.addWidget(self.message)

        self.teach = TeachPanel(player, jobs)
        self.teach.taught.connect(self._taught)
        self.pages = QTabWidget()
        self.pages.setObjectName("directionsPages")
        self.pages.addTab(choose, "Choose sliders")
        self.pages.addTab(self.teach, "Teach a direction")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.pages)
        player.listen(self._changed)

    # --- following the player -----------------------------------------------------------------
    def _changed(self, changes: set[str]) -> None:
        if self.player.ex is None:
            return
        if "exploration" in changes and self.player.ex.G is not self._model:
            self._model = self.player.ex.G
            self.found = {}
        if "sliders" in changes:  # the ticks show what the sliders move along
            names = self._slider_names()
            for r in self.rows:
                r.tick.setChecked(r.direction.name in names)
        if changes & {"exploration", "point", "label", "psi", "sliders"} and self.isVisible():
            self.timer.start()  # after the point stops moving
        self.teach.changed(changes)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.player.ex is not None:
            self.timer.start(0)

    # --- the list -----------------------------------------------------------------------------
    def refresh(self) -> None:
        """Find the directions of the chosen kind (once per model) and draw every strip from
        the current point, in the background."""
        ex = self.player.ex
        if ex is None or self.jobs is None:
            return
        ex = ex.copy()
        kind = self.kind.currentData()
        known = self.found.get(kind)

        def job(progress):
            from ganstudio.explore import directions

            found = known if known is not None else directions.found(ex, kind)
            shown = list(ex.taught) + found
            return kind, found, shown, len(ex.taught), directions.strips(ex, shown)

        self.progress.setVisible(True)
        self.jobs.submit(KIND, job, done=self._drawn, failed=self._failed)

    def _drawn(self, result) -> None:
        kind, found, shown, taught, pictures = result
        self.progress.setVisible(False)
        self.found[kind] = found
        now = {d.name.lower() for d in self.player.ex.taught} if self.player.ex else set()
        kept = [i for i, d in enumerate(shown) if i >= taught or d.name.lower() in now]
        shown, pictures = [shown[i] for i in kept], [pictures[i] for i in kept]  # none forgotten
        names = [r.direction.name for r in self.rows]
        if names != [d.name for d in shown] or any(
                r.direction.vector is not d.vector for r, d in zip(self.rows, shown)):
            self._rebuild(shown)
        for row, picture in zip(self.rows, pictures):
            row.strip.set_array(picture)

    def _failed(self, message: str) -> None:
        self.progress.setVisible(False)
        self.message.setText(f"Cannot show the directions: {message}")

    def _slider_names(self) -> set[str]:
        return {n for n, _ in self.player.ex.slider_names()}

    def _rebuild(self, shown: list) -> None:
        # rows already there keep their ticks; new ones are ticked if a slider moves along them
        kept = {r.direction.name: r.tick.isChecked() for r in self.rows}
        sliders = self._slider_names()
        ticked = {d.name for d in shown if kept.get(d.name, d.name in sliders)}
        for r in self.rows:
            self.list_layout.removeWidget(r)
            r.deleteLater()
        self.rows = []
        for d in shown:
            row = DirectionRow(d, self._move, self.ask_forget)
            row.tick.setChecked(d.name in ticked)
            self.list_layout.insertWidget(self.list_layout.count() - 1, row)
            self.rows.append(row)

    def _move(self, row: DirectionRow, step: int) -> None:
        i = self.rows.index(row)
        j = max(0, min(len(self.rows) - 1, i + step))
        if i == j:
            return
        self.rows.insert(j, self.rows.pop(i))
        self.list_layout.removeWidget(row)
        self.list_layout.insertWidget(j, row)

    def ticked(self) -> list:
        return [r.direction for r in self.rows if r.tick.isChecked()]

    def use_ticked(self) -> None:
        chosen = self.ticked()
        if not chosen:
            self.message.setText("Tick at least one direction first.")
            return
        self.set_sliders(chosen)
        self.message.setText(f"The sliders now move along: {', '.join(d.name for d in chosen)}.")

    def set_sliders(self, chosen: list) -> None:
        """The sliders move along ``chosen`` (Directions), in order, from the current point.
        Instant: no generator is run."""
        ex = self.player.ex.copy()
        ex.picked = list(chosen)
        ex.set_mode("chosen")
        self.player.replace(ex)
        self.sliders_set.emit()

    # --- a direction was taught ---------------------------------------------------------------
    def _taught(self, direction) -> None:
        """A new slider for it, first; the sliders there were stay after it."""
        from ganstudio.explore.directions import Direction

        ex = self.player.ex
        key = direction.name.lower()
        ex_taught = [d for d in ex.taught if d.name.lower() != key] + [direction]
        current = [Direction(name, ex.mode, v, None) for (name, _), v in
                   zip(ex.slider_names(), ex.directions)]
        if ex.mode == "chosen" and ex.picked:
            current = list(ex.picked)
        current = [d for d in current if d.name.lower() != key]
        ex = ex.copy()
        ex.taught = ex_taught
        ex.picked = [direction] + current
        ex.set_mode("chosen")
        self.player.replace(ex)
        self.sliders_set.emit()
        if self.isVisible():
            self.timer.start(0)

    # --- forgetting a taught direction --------------------------------------------------------
    def ask_forget(self, row: DirectionRow) -> QMessageBox:
        """Ask (without blocking) whether to forget a taught direction; forget it on yes."""
        name, checkpoint = row.direction.name, self.player.ex.checkpoint_path
        saved = " and from the directions saved with this model" if checkpoint else ""
        box = QMessageBox(QMessageBox.Icon.Question, "Forget a taught direction?",
                          f"Forget the taught direction '{name}'? It goes from this list, from "
                          f"the sliders{saved}. Teaching it again brings it back.",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setObjectName("forgetDialog")
        box.button(QMessageBox.StandardButton.Yes).setText("Forget it")
        box.button(QMessageBox.StandardButton.No).setText("Keep it")
        box.setDefaultButton(QMessageBox.StandardButton.No)

        def answered(_=0):
            yes = box.clickedButton() is box.button(QMessageBox.StandardButton.Yes)
            self.dialog = None
            box.deleteLater()
            ex = self.player.ex
            if yes and ex is not None and ex.checkpoint_path == checkpoint:  # the same model
                self.forget(name)

        box.finished.connect(answered)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.open()
        self.dialog = box
        return box

    def forget(self, name: str) -> None:
        """Forget the taught direction ``name``: from the file saved with the model, the list
        and the sliders (they move along the others, or the defaults when none are left)."""
        from ganstudio.errors import UserError
        from ganstudio.explore import direction_files

        ex, key = self.player.ex, name.lower()
        if ex is None or not any(d.name.lower() == key for d in ex.taught):
            return
        if ex.checkpoint_path is not None:
            try:  # a tiny file: written here, at once
                saved = direction_files.load_for(ex.checkpoint_path, ex.spec.latent_dim)
                if any(d.name.lower() == key for d in saved):
                    direction_files.remove(ex.checkpoint_path, name, ex.spec.latent_dim)
            except (UserError, OSError) as e:
                why = str(e) if isinstance(e, UserError) else (e.strerror or str(e))
                self.message.setText(f"Cannot forget '{name}': {why.rstrip('.')}.")
                return
        driven = [n.lower() for n, _ in ex.slider_names()] if ex.mode == "chosen" else []
        ex = ex.copy()
        ex.taught = [d for d in ex.taught if d.name.lower() != key]
        if ex.picked is not None:
            ex.picked = [d for d in ex.picked if d.name.lower() != key]
        if key in driven:  # the sliders move along the rest (set_mode falls back if none)
            ex.set_mode("chosen")
        self.player.replace(ex)
        for r in [r for r in self.rows if r.direction.name.lower() == key]:
            self.rows.remove(r)
            self.list_layout.removeWidget(r)
            r.deleteLater()
        text = f"Forgot '{name}'."
        if key in driven:
            text += f" The sliders now move along: {', '.join(n for n, _ in ex.slider_names())}."
            self.sliders_set.emit()
        self.message.setText(text)
