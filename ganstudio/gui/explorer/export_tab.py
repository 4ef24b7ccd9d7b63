"""The explorer's Save tab: the picture, the path as a strip, an animation (GIF or MP4), the
path's noise, a grid of samples. The player draws and writes them (in the jobs thread, from a
snapshot, with a progress bar when it takes a while)."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QMessageBox, QProgressDialog,
                               QSpinBox, QVBoxLayout, QWidget)

from ganstudio.gui.explorer.move_tab import button


class ExportTab(QWidget):
    def __init__(self, player, jobs=None, status: QLabel | None = None, parent=None):
        super().__init__(parent)
        self.player = player
        self.jobs = jobs
        self.status = status
        self.exported = None  # the last file saved
        lay = QVBoxLayout(self)
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
            lay.addWidget(button(text, name, tip, slot))
        grid_row = QHBoxLayout()
        self.grid_count = QSpinBox()
        self.grid_count.setObjectName("explorerGridCount")
        self.grid_count.setRange(1, 1024)
        self.grid_count.setValue(64)
        self.grid_count.setSuffix(" samples")
        grid_row.addWidget(self.grid_count)
        grid_row.addWidget(button("Save a grid of samples...", "explorerSaveGrid",
                                  "Many random samples in one PNG", self.save_grid_dialog), 1)
        lay.addLayout(grid_row)
        lay.addWidget(button("Save the generator as ONNX...", "explorerSaveOnnx",
                             "The generator (its averaged weights when it has them) for other "
                             "programs: an ONNX file that takes noise (and labels) in batches "
                             "of any size", self.save_onnx_dialog))
        lay.addStretch(1)

    # --- saving: the player's snapshot does the work -------------------------------------------
    def save_picture(self, path: str) -> None:
        snap, size = self.player.snapshot(), self.export_size.value()
        self._run("Saving the picture", lambda progress: snap.save_picture(path, size))

    def save_strip(self, path: str) -> None:
        snap, size = self.player.snapshot(), self.export_size.value()
        self._run("Saving the strip", lambda progress: snap.save_strip(path, size, progress))

    def save_gif(self, path: str) -> None:
        """The path (or the wander) as an animation: a GIF or an MP4, by the extension."""
        snap, size = self.player.snapshot(), self.export_size.value()
        self._run("Saving the animation",
                  lambda progress: snap.save_animation(path, size, progress))

    def save_noise(self, path: str) -> None:
        snap = self.player.snapshot()
        self._run("Saving the noise", lambda progress: snap.save_noise(path))

    def save_grid(self, path: str) -> None:
        snap, n, size = self.player.snapshot(), self.grid_count.value(), self.export_size.value()
        self._run("Saving the grid", lambda progress: snap.save_grid(path, n, size, progress))

    def save_onnx(self, path: str) -> None:
        ex = self.player.snapshot().ex

        def write(progress):
            from ganstudio.explore.onnx_export import export_generator

            return export_generator(ex.G, ex.spec, path, title=ex.title, progress=progress)[0]

        self._run("Saving the generator as ONNX", write)

    # --- dialogs ------------------------------------------------------------------------------
    def save_picture_dialog(self) -> None:
        self._dialog(self.save_picture, "Save picture", "sample.png", "PNG pictures (*.png)")

    def save_strip_dialog(self) -> None:
        self._dialog(self.save_strip, "Save strip", "path.png", "PNG pictures (*.png)")

    def save_gif_dialog(self) -> None:
        self._dialog(self.save_gif, "Save animation", "path.gif",
                     "Animated GIF (*.gif);;MP4 video (*.mp4)")

    def save_noise_dialog(self) -> None:
        self._dialog(self.save_noise, "Save noise", "path-noise.npy", "NumPy arrays (*.npy)")

    def save_grid_dialog(self) -> None:
        self._dialog(self.save_grid, "Save a grid of samples", "samples.png",
                     "PNG pictures (*.png)")

    def save_onnx_dialog(self) -> None:
        self._dialog(self.save_onnx, "Save the generator as ONNX", "generator.onnx",
                     "ONNX models (*.onnx)")

    def _dialog(self, save, title: str, name: str, pattern: str) -> None:
        start = str(Path.home() / name)
        path, chosen = QFileDialog.getSaveFileName(self, title, start, pattern)
        if path and not Path(path).suffix:
            # typed without an extension: take the one of the chosen file type
            m = re.search(r"\*(\.\w+)", chosen or pattern)
            path += m.group(1) if m else ""
        if path:
            save(path)

    def _run(self, what: str, fn) -> None:
        """Run ``fn(progress)`` as a background job, with a progress bar if it takes a while."""
        if self.jobs is None:
            self.exported = fn(lambda *a: None)
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

        def finish(k) -> bool:
            if k != kind:
                return False
            dialog.reset()
            self.jobs.progress.disconnect(progress)
            self.jobs.done.disconnect(finished)
            self.jobs.failed.disconnect(failed)
            return True

        def finished(k, result):
            if finish(k):
                if self.status is not None:
                    self.status.setText(f"Saved {result}")
                self.exported = result

        def failed(k, message):
            if finish(k):
                QMessageBox.warning(self, "Cannot save", message)

        self.jobs.progress.connect(progress)
        self.jobs.done.connect(finished)
        self.jobs.failed.connect(failed)
        self.jobs.submit(kind, fn)
