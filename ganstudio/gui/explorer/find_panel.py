"""Find this picture, in the explorer: open or drop a picture; the closest one the model makes is
found in the background (ganstudio.explore.projection) with a progress bar and Cancel, shown
beside it with their distance, and the explorer moves there so the sliders start at it. For a
model of points in the plane, a click on the plane finds the noise whose point lands nearest.

The panel hooks itself into the explorer: it listens to the player, takes picture files dropped
anywhere on the explorer (other files go on to the window, which opens checkpoints), and
watches clicks on the explorer's picture."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QMessageBox, QProgressBar,
                               QVBoxLayout, QWidget)

from ganstudio.gui.explorer.move_tab import button
from ganstudio.gui.widgets import ImageView

KIND = "find"
PICTURES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm", ".pgm")
PAIR_SIZE = 112  # pixels of each picture in the side-by-side view


def picture_paths(mime) -> list[str]:
    """The picture files among what is being dragged."""
    if not mime.hasUrls():
        return []
    return [u.toLocalFile() for u in mime.urls()
            if u.isLocalFile() and u.toLocalFile().lower().endswith(PICTURES)]


class FindPanel(QWidget):
    def __init__(self, player, jobs=None, parent=None):
        super().__init__(parent)
        self.setObjectName("findPanel")
        self.player, self.jobs = player, jobs
        self.result = None  # the last Projection (pictures) or NearestPoint (the plane)
        self._model = None  # the generator it was found in
        self.settings = None  # a ProjectionSettings, or None for the defaults
        self._stop: threading.Event | None = None
        self._image = None  # the explorer's picture, watched for clicks on the plane
        self.find_button = button(
            "Find a picture...", "findPicture",
            "Open a picture (or drop one on the explorer): GAN Studio searches for the closest "
            "picture this model can make, then the sliders start there", self.choose)
        self.progress = QProgressBar()
        self.progress.setObjectName("findProgress")
        self.progress.setMaximumWidth(180)
        self.progress.setTextVisible(False)
        self.cancel_button = button("Cancel", "findCancel", "Stop the search", self.cancel)
        self.text = QLabel("")
        self.text.setObjectName("findText")
        self.text.setWordWrap(True)
        self.text.setProperty("role", "hint")
        self.pair = ImageView(placeholder="")  # the picture asked for | the one found
        self.pair.setObjectName("findPair")
        self.pair.setFixedSize(2 * PAIR_SIZE + 8, PAIR_SIZE)
        self.caption = QLabel("")  # how close, beside the pair
        self.caption.setObjectName("findCaption")
        self.caption.setWordWrap(True)
        self.answer = QWidget()
        below = QHBoxLayout(self.answer)
        below.setContentsMargins(0, 0, 0, 0)
        below.addWidget(self.pair)
        below.addWidget(self.caption, 1)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        for w in (self.find_button, self.progress, self.cancel_button):
            row.addWidget(w)
        row.addWidget(self.text, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.answer)
        self._busy(False)
        self.answer.setVisible(False)
        self.setVisible(False)
        player.listen(self._player_changed)

    # --- hooking in ---------------------------------------------------------------------------
    def attach(self, explorer: QWidget, image: ImageView) -> None:
        """Take picture files dropped on ``explorer``; watch clicks on ``image`` (the plane)."""
        explorer.setAcceptDrops(True)
        explorer.installEventFilter(self)
        self._image = image
        image.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        t = event.type()
        if t in (QEvent.Type.DragEnter, QEvent.Type.DragMove) and obj is not self._image:
            if picture_paths(event.mimeData()):
                event.acceptProposedAction()
                return True
            return False  # checkpoints and experiments: the window opens them
        if t == QEvent.Type.Drop and obj is not self._image:
            paths = picture_paths(event.mimeData())
            if paths:
                event.acceptProposedAction()
                self.find(paths[0])
                return True
            return False
        if (t == QEvent.Type.MouseButtonPress and obj is self._image and self._plane()
                and event.button() == Qt.MouseButton.LeftButton):
            spot = self.spot_at(event.position())
            if spot is not None:
                self.find_point(spot)
                return True
        return False

    # --- the model ----------------------------------------------------------------------------
    def _plane(self) -> bool:
        ex = self.player.ex
        return ex is not None and ex.spec.kind == "2d" and ex.bounds is not None \
            and not (self.player.every_label and ex.spec.conditional)

    def _player_changed(self, changes: set[str]) -> None:
        if "exploration" not in changes:
            return
        ex = self.player.ex
        if self.result is not None and ex is not None and self._model is not ex.G:
            self.forget()  # another model: the last answer was about the one before
        self.setVisible(ex is not None)
        plane = ex is not None and ex.spec.kind == "2d"
        self.find_button.setVisible(not plane)
        if plane and self.result is None and not self._stop:
            self.text.setText("Click a spot on the plane: the explorer moves to the noise "
                              "whose point lands nearest it.")
        elif self.result is None and not self._stop:
            self.text.setText("")

    def forget(self) -> None:
        self.result = None
        self.answer.setVisible(False)
        self.text.setText("")

    # --- asking -------------------------------------------------------------------------------
    def choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Find a picture", str(Path.home()),
            "Pictures (" + " ".join("*" + s for s in PICTURES) + ");;All files (*)")
        if path:
            self.find(path)

    def find(self, path: str) -> None:
        """Search the model shown for the picture closest to the one in ``path``."""
        from ganstudio.explore.projection import ProjectionSettings, project

        ex = self.player.ex
        if ex is None:
            self._error("Open a checkpoint or pick a demo model first: the picture is searched "
                        "for in a model.")
            return
        if ex.spec.kind == "2d":
            self._error("This model makes points in the plane, not pictures: click a spot on "
                        "the plane instead.")
            return
        ex, settings = ex.copy(), self.settings
        self._start(f"Searching for {Path(path).name}...", ex,
                    lambda progress, stop: project(ex, path, settings or ProjectionSettings(),
                                                   progress=progress, cancel=stop))

    def spot_at(self, position) -> tuple[float, float] | None:
        """The point of the plane under ``position`` (widget pixels) on the explorer's picture."""
        rect = self._image.target_rect()
        if rect.isEmpty() or not rect.contains(position):
            return None
        fx = (position.x() - rect.left()) / rect.width()
        fy = (position.y() - rect.top()) / rect.height()
        x0, x1, y0, y1 = self.player.ex.bounds
        return x0 + fx * (x1 - x0), y0 + (1 - fy) * (y1 - y0)

    def find_point(self, spot) -> None:
        """Move to the noise whose point lands nearest ``spot`` (x, y)."""
        from ganstudio.explore.projection import nearest_noise

        ex = self.player.ex.copy()
        self._start(f"Finding the noise nearest ({spot[0]:.2f}, {spot[1]:.2f})...", ex,
                    lambda progress, stop: nearest_noise(ex, spot, progress=progress,
                                                         cancel=stop))

    def _start(self, what: str, ex, search) -> None:
        self.cancel()
        stop = self._stop = threading.Event()
        model = ex.G
        self._busy(True)
        self.text.setText(what)
        self.progress.setRange(0, 0)

        def job(progress):
            return search(progress, stop)

        def done(result):
            if stop is self._stop:
                self._found(result, model)

        def failed(message):
            if stop is self._stop:
                self._stop = None
                self._busy(False)
                self._error(message)

        if self.jobs is None:  # no background thread (a bare explorer): answer here
            try:
                done(job(lambda *a: None))
            except Exception as e:  # noqa: BLE001 (shown in words, as the jobs thread does)
                from ganstudio.errors import user_message

                failed(user_message(e))
            return
        self.jobs.submit(KIND, job, done=done, failed=failed, progress=self._progress)

    def cancel(self) -> None:
        """Stop a search under way (it ends within a step; its answer is not shown)."""
        if self._stop is not None:
            self._stop.set()
            self._stop = None
            if self.jobs is not None:
                self.jobs.cancel(KIND)
            self._busy(False)
            self.text.setText("Search cancelled.")

    @property
    def searching(self) -> bool:
        return self._stop is not None

    def _busy(self, on: bool) -> None:
        self.progress.setVisible(on)
        self.cancel_button.setVisible(on)
        self.find_button.setEnabled(not on)

    def _progress(self, done: int, total: int, what: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.text.setText(what + "...")

    # --- answers ------------------------------------------------------------------------------
    def _found(self, result, model) -> None:
        import torch

        self._stop = None
        self._busy(False)
        p = self.player
        if p.ex is None or p.ex.G is not model:
            self.text.setText("The model changed during the search: search again.")
            return
        self.result, self._model = result, model
        p.pause()
        if p.ex.psi != 1.0:  # the picture found is the noise itself, untruncated
            p.set_psi(1.0)
        p.ex.move_to(torch.from_numpy(result.z))
        p.set_values(p.ex.values)
        if result.label is not None:
            p.set_label(result.label)
        if hasattr(result, "psnr"):
            self.pair.set_array(result.side_by_side(PAIR_SIZE, gap=8))
            self.answer.setVisible(True)
            self.text.setText(f"Found in {result.seconds:.1f} s. The sliders now start "
                              "there: move them to explore around it.")
            self.caption.setText(self._closeness(result))
        else:
            self.text.setText(
                f"The explorer moved to the noise whose point lands nearest the spot, "
                f"{result.distance:.3f} away from it. The sliders now start there.")

    @staticmethod
    def _closeness(r) -> str:
        if r.psnr == float("inf"):
            verdict = "the same picture"
        else:
            verdict = ("very close" if r.psnr >= 30 else "close" if r.psnr >= 22
                       else "roughly alike" if r.psnr >= 16 else "far apart")
        lines = [f"Left: your picture. Right: the closest this model makes ({verdict})."]
        if r.psnr != float("inf"):
            lines.append(f"Distance: PSNR {r.psnr:.1f} dB (higher is closer), the pixels "
                         f"{r.mean_distance:.1f} of 255 apart on average.")
        if r.label_name is not None:
            lines.append(f"Label: {r.label_name}.")
        return "\n".join(lines)

    def _error(self, message: str) -> None:
        self.text.setText(message)
        box = QMessageBox(QMessageBox.Icon.Warning, "Cannot find the picture", message,
                          QMessageBox.StandardButton.Ok, self)
        box.setObjectName("findError")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
