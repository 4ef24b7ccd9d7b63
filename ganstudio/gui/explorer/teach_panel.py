"""Teach a direction by example: click samples that have a quality (green) or lack it (red),
name it, and Teach: a linear boundary on their noise (ganstudio.explore.directions.teach) fitted
in a background job becomes a named slider, saved beside the checkpoint.

Tags are kept as noise, so other samples can be shown and tagged too without losing them.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (QComboBox, QGridLayout, QHBoxLayout, QLabel, QLineEdit,
                               QProgressBar, QVBoxLayout, QWidget)

from ganstudio.gui.explorer.move_tab import button
from ganstudio.gui.widgets import ImageView

SAMPLES, COLS, PADDING = 24, 6, 2
HAS, LACKS = 1, -1
COLOURS = {HAS: QColor(40, 200, 70), LACKS: QColor(225, 50, 50)}
NEXT = {0: HAS, HAS: LACKS, LACKS: 0}  # a click moves a sample on: untagged, has, lacks
GRID_KIND, TEACH_KIND, WARM_KIND = "teach-grid", "teach", "teach-warm-up"
NOTHING = "nothing"


class TagGrid(ImageView):
    """The samples to tag, tiled with ``PADDING`` pixels between; tagged ones framed in green
    (has it) or red (lacks it). A left click moves a sample on (untagged, has, lacks), a right
    click takes its tag off: ``clicked(index, right)``."""

    clicked = Signal(int, bool)

    def __init__(self, parent=None):
        super().__init__(parent, placeholder="")
        self.count = 0
        self.tags: dict[int, int] = {}  # index -> HAS / LACKS
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setMinimumHeight(160)

    def cell_rect(self, i: int) -> QRectF:
        """Where sample ``i`` is drawn, in widget pixels."""
        rect, img = self.target_rect(), self._image
        scale = rect.width() / img.width()
        side = (img.width() - PADDING) / COLS - PADDING  # one picture, in the image's pixels
        x = PADDING + (i % COLS) * (side + PADDING)
        y = PADDING + (i // COLS) * (side + PADDING)
        return QRectF(rect.x() + x * scale, rect.y() + y * scale, side * scale, side * scale)

    def index_at(self, pos) -> int | None:
        if self._image is None:
            return None
        for i in range(self.count):
            if self.cell_rect(i).adjusted(-PADDING, -PADDING, PADDING, PADDING).contains(pos):
                return i
        return None

    def mousePressEvent(self, event) -> None:
        i = self.index_at(event.position())
        if i is not None:
            self.clicked.emit(i, event.button() == Qt.MouseButton.RightButton)

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self._image is None or not self.tags:
            return
        p = QPainter(self)
        for i, tag in self.tags.items():
            if 0 <= i < self.count:
                r = self.cell_rect(i)
                width = max(3.0, r.width() / 14)
                p.setPen(QPen(COLOURS[tag], width))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(r.adjusted(width / 2, width / 2, -width / 2, -width / 2))


class TeachPanel(QWidget):
    taught = Signal(object)  # the Direction taught (already saved where it could be)

    def __init__(self, player, jobs, parent=None):
        super().__init__(parent)
        self.setObjectName("teachPanel")
        self.player = player
        self.jobs = jobs
        self.seed = 500  # the samples shown: Exploration.sample_noise(SAMPLES, seed)
        self.grid_z = None  # their noise
        self.tags: list[tuple] = []  # (noise, HAS / LACKS), over every set of samples shown
        self._warm = False  # scikit-learn asked to load
        hint = QLabel("Click the samples that have what you want a slider for: once = has it "
                      "(green), twice = lacks it (red), again = untagged. Tag at least 3 of "
                      "each, 10 or more in all is better; other samples keep the tags made.")
        hint.setWordWrap(True)
        hint.setProperty("role", "hint")
        self.grid = TagGrid()
        self.grid.setObjectName("teachGrid")
        self.grid.clicked.connect(self.click)
        self.count_label = QLabel("")
        self.count_label.setObjectName("teachCount")
        other = button("Other samples", "teachOther", "Show other samples to tag (the tags made "
                       "stay)", self.other_samples)
        clear = button("Clear tags", "teachClear", "Take every tag off", self.clear)
        row = QHBoxLayout()
        row.addWidget(self.count_label, 1)
        row.addWidget(other)
        row.addWidget(clear)
        self.name = QLineEdit()
        self.name.setObjectName("teachName")
        self.name.setPlaceholderText("its name, e.g. long sleeves")
        self.name.returnPressed.connect(self.teach)
        self.hold = QComboBox()
        self.hold.setObjectName("teachHold")
        self.hold.setToolTip("Hold another direction fixed: the new slider will not move along "
                             "it (say it also made samples brighter: hold the brightness "
                             "direction fixed)")
        self.teach_button = button("Teach", "teachButton", "Find the direction that separates "
                                   "the green samples from the red ones, and make it a slider",
                                   self.teach)
        self.progress = QProgressBar()
        self.progress.setObjectName("teachProgress")
        self.progress.setRange(0, 0)
        self.progress.setMaximumWidth(90)
        self.progress.setVisible(False)
        form = QGridLayout()
        form.addWidget(QLabel("Name"), 0, 0)
        form.addWidget(self.name, 0, 1)
        form.addWidget(self.teach_button, 0, 2)
        form.addWidget(QLabel("Hold fixed"), 1, 0)
        form.addWidget(self.hold, 1, 1)
        form.addWidget(self.progress, 1, 2)
        form.setColumnStretch(1, 1)
        self.result = QLabel(" ")
        self.result.setObjectName("teachResult")
        self.result.setWordWrap(True)
        self.result.setProperty("role", "hint")
        self.result_strip = ImageView(placeholder="")
        self.result_strip.setObjectName("teachStrip")
        self.result_strip.setMinimumHeight(44)
        self.result_strip.setMaximumHeight(72)
        self.result_strip.setVisible(False)
        lay = QVBoxLayout(self)
        lay.addWidget(hint)
        lay.addWidget(self.grid, 1)
        lay.addLayout(row)
        lay.addLayout(form)
        lay.addWidget(self.result)
        lay.addWidget(self.result_strip)
        self._show_count()

    # --- the samples --------------------------------------------------------------------------
    def changed(self, changes: set[str]) -> None:
        """The player changed (told by the Directions tab)."""
        if "exploration" in changes:
            if self.grid_z is not None and self.grid_z.shape[1] != \
                    self.player.ex.spec.latent_dim:
                self.tags = []  # another noise size: the tags mean nothing here
            self._fill_hold()
        if changes & {"exploration", "label", "psi"}:
            self.draw()
        elif "sliders" in changes:
            self._fill_hold()

    def draw(self) -> None:
        ex = self.player.ex
        if ex is None or self.jobs is None:
            return
        ex, seed = ex.copy(), self.seed

        def job(progress):
            return seed, *ex.sample_grid(SAMPLES, seed, cols=COLS, padding=PADDING)

        self.jobs.submit(GRID_KIND, job, done=self._drawn, failed=self._failed)

    def _drawn(self, result) -> None:
        seed, picture, z = result
        if seed != self.seed:
            return
        self.grid_z = z
        self.grid.count = len(z)
        self.grid.set_array(picture)
        self._show_tags()

    def other_samples(self) -> None:
        self.seed += 1
        self.draw()

    def _tag_of(self, z) -> int:
        for i, (tz, tag) in enumerate(self.tags):
            if tz.shape == z.shape and bool((tz == z).all()):
                return i
        return -1

    def click(self, index: int, right: bool = False) -> None:
        if self.grid_z is None or not 0 <= index < len(self.grid_z):
            return
        z = self.grid_z[index]
        i = self._tag_of(z)
        old = self.tags[i][1] if i >= 0 else 0
        new = 0 if right else NEXT[old]
        if i >= 0:
            self.tags.pop(i)
        if new:
            self.tags.append((z.clone(), new))
        self._show_tags()
        self._warm_up()

    def _warm_up(self) -> None:
        """Load scikit-learn while samples are being tagged: importing it takes seconds
        (3.3 s on a busy 2-core machine), fitting then takes milliseconds."""
        if self._warm or self.jobs is None:
            return
        self._warm = True

        def load(progress):
            import sklearn.linear_model  # noqa: F401
            import sklearn.model_selection  # noqa: F401

        self.jobs.submit(WARM_KIND, load, done=lambda _: None, failed=lambda _: None)

    def clear(self) -> None:
        self.tags = []
        self._show_tags()

    def _show_tags(self) -> None:
        marks = {}
        if self.grid_z is not None:
            for i, z in enumerate(self.grid_z):
                j = self._tag_of(z)
                if j >= 0:
                    marks[i] = self.tags[j][1]
        self.grid.tags = marks
        self.grid.update()
        self._show_count()

    def _show_count(self) -> None:
        has = sum(1 for _, t in self.tags if t == HAS)
        lacks = len(self.tags) - has
        self.count_label.setText(f"{has} have it, {lacks} lack it")

    def _fill_hold(self) -> None:
        ex = self.player.ex
        current = self.hold.currentText()
        self.hold.blockSignals(True)
        self.hold.clear()
        self.hold.addItem(NOTHING)
        names = [d.name for d in ex.taught] + [f"SeFa {i + 1}" for i in
                                               range(min(10, ex.spec.latent_dim))]
        for n in names:
            self.hold.addItem(n)
        i = self.hold.findText(current)
        self.hold.setCurrentIndex(max(0, i))
        self.hold.blockSignals(False)

    # --- teaching -----------------------------------------------------------------------------
    def teach(self) -> None:
        ex = self.player.ex
        if ex is None or self.jobs is None:
            return
        import torch

        name = self.name.text()
        hold_name = self.hold.currentText()
        has = [z for z, t in self.tags if t == HAS]
        lacks = [z for z, t in self.tags if t == LACKS]
        n = ex.spec.latent_dim
        has = torch.stack(has) if has else torch.zeros(0, n)
        lacks = torch.stack(lacks) if lacks else torch.zeros(0, n)
        ex = ex.copy()

        def job(progress):
            from ganstudio.explore import direction_files, directions

            hold = None if hold_name in ("", NOTHING) else directions.resolve(ex, hold_name)
            result = directions.teach(name, has, lacks, hold=hold,
                                      label=ex.label if ex.spec.conditional else None)
            where = replaced = bundled = None
            if ex.checkpoint_path is not None:
                where, replaced = direction_files.add(ex.checkpoint_path, result.direction, n)
                bundled = direction_files.bundled(ex.checkpoint_path)
            [strip] = directions.strips(ex, [result.direction])
            return result, where, replaced, bundled, strip

        self.teach_button.setEnabled(False)
        self.progress.setVisible(True)
        self.result.setText("Teaching...")
        self.jobs.submit(TEACH_KIND, job, done=self._taught, failed=self._failed)

    def _taught(self, answer) -> None:
        result, where, replaced, bundled, strip = answer
        self.teach_button.setEnabled(True)
        self.progress.setVisible(False)
        d = result.direction
        if where is None:
            saved = "Not saved: this generator has no checkpoint file (save one to keep it)."
        elif bundled:
            saved = (f"This demo model comes with GAN Studio, so it is saved in the app's data "
                     f"folder: {where}.")
        elif where.parent != self.player.ex.checkpoint_path.parent:
            saved = (f"The checkpoint's folder cannot be written to, so it is saved in the app's "
                     f"data folder: {where}.")
        else:
            saved = f"Saved beside the checkpoint as {where.name}."
        verb = "Taught again" if replaced else "Taught"
        self.result.setText(f"{verb} '{d.name}': {d.describe()}. It is the first slider of the "
                            f"Move tab now. {saved} Below: the current sample along it, from "
                            "-3 to +3.")
        self.result_strip.set_array(strip)
        self.result_strip.setVisible(True)
        self.taught.emit(d)

    def _failed(self, message: str) -> None:
        self.teach_button.setEnabled(True)
        self.progress.setVisible(False)
        self.result.setText(message[:1].upper() + message[1:] + ("" if message.endswith(".")
                                                                 else "."))
