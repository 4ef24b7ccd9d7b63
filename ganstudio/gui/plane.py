"""The plane view for 2-D data, after GAN Lab: the discriminator's opinion of every place as a
background colour, real and generated points, arrows showing where the generator is pushed, and
the generator's latent grid as a mesh."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtWidgets import QCheckBox, QGridLayout, QLabel, QVBoxLayout, QWidget

from ganstudio.gui.plotpaint import light_axes

REAL_BRUSH = (90, 90, 100, 150)
FAKE_BRUSH = (238, 110, 30, 220)
ARROW_PEN = (200, 70, 20, 200)
MESH_PEN = (70, 70, 160, 90)


def heat_colormap() -> pg.ColorMap:
    """Purple where D says 'generated', green where it says 'real', pale in between."""
    return pg.ColorMap([0.0, 0.5, 1.0], [(150, 110, 210), (246, 246, 242), (90, 180, 120)])


class PlaneWidget(pg.PlotWidget):
    """Draws a visuals.PlaneView. With ``editable``, a click adds a point, a right-click
    removes the nearest one (for the 'My points' data set)."""

    point_added = Signal(float, float)
    point_removed = Signal(int)

    def __init__(self, parent=None, editable: bool = False):
        super().__init__(parent)
        self.setAspectLocked(True)
        self.showGrid(x=True, y=True, alpha=0.12)
        light_axes(self)
        self.setMenuEnabled(False)
        self.heat = pg.ImageItem(axisOrder="row-major")
        self.heat.setLookupTable(heat_colormap().getLookupTable(0.0, 1.0, 256))
        self.heat.setLevels([0, 1])
        self.heat.setZValue(-10)
        self.mesh = pg.PlotDataItem(pen=pg.mkPen(MESH_PEN, width=1), connect="finite")
        self.real = pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(REAL_BRUSH))
        self.fake = pg.ScatterPlotItem(size=5, pen=None, brush=pg.mkBrush(FAKE_BRUSH))
        self.arrows = pg.PlotDataItem(pen=pg.mkPen(ARROW_PEN, width=1), connect="pairs")
        for item in (self.heat, self.mesh, self.real, self.arrows, self.fake):
            self.addItem(item)
        self.editable = editable
        self.user_points = np.zeros((0, 2))
        self.scene().sigMouseClicked.connect(self._clicked)
        self._bounds = None
        self.version = 0  # counts updates, for tests and tools

    def set_bounds(self, bounds) -> None:
        if bounds != self._bounds:
            self._bounds = bounds
            x0, x1, y0, y1 = bounds
            self.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.02)

    def show_data(self, real: np.ndarray | None, bounds) -> None:
        """Only the real data (the data set preview)."""
        self.set_bounds(bounds)
        self.real.setData(pos=np.zeros((0, 2)) if real is None else np.asarray(real))
        for item in (self.fake, self.arrows, self.mesh):
            item.setData([], [])
        self.heat.clear()
        self.version += 1

    def show_view(self, view, *, heatmap=True, arrows=True, mesh=True, real=True) -> None:
        """Everything of a visuals.PlaneView, with the chosen layers."""
        self.set_bounds(view.bounds)
        x0, x1, y0, y1 = view.heat_bounds
        if heatmap:
            self.heat.setImage(view.heatmap, levels=(0, 1), autoLevels=False)
            self.heat.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
            self.heat.setVisible(True)
        else:
            self.heat.setVisible(False)
        self.real.setData(pos=view.real if real else np.zeros((0, 2)))
        self.fake.setData(pos=view.fake)
        if arrows:
            seg = np.empty((2 * len(view.fake), 2))
            seg[0::2] = view.fake
            seg[1::2] = view.fake + view.arrows
            self.arrows.setData(seg[:, 0], seg[:, 1])
        else:
            self.arrows.setData([], [])
        if mesh and view.mesh is not None:
            self.mesh.setData(*_mesh_lines(view.mesh))
        else:
            self.mesh.setData([], [])
        self.version += 1

    def _clicked(self, event) -> None:
        if not self.editable:
            return
        pos = self.getPlotItem().getViewBox().mapSceneToView(event.scenePos())
        if event.button() == Qt.MouseButton.LeftButton:
            self.point_added.emit(pos.x(), pos.y())
        elif event.button() == Qt.MouseButton.RightButton and len(self.user_points):
            d = np.hypot(self.user_points[:, 0] - pos.x(), self.user_points[:, 1] - pos.y())
            self.point_removed.emit(int(d.argmin()))


def _mesh_lines(mesh: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A (L, L, 2) grid as polylines along both directions, separated by NaNs."""
    rows = [mesh[i] for i in range(mesh.shape[0])] + [mesh[:, j] for j in range(mesh.shape[1])]
    gap = np.full((1, 2), np.nan)
    pts = np.concatenate([np.concatenate([r, gap]) for r in rows])
    return pts[:, 0], pts[:, 1]


class PlanePanel(QWidget):
    """The plane view with its legend and switches for each layer. ``drawn`` follows each
    picture given to ``show_view`` once it is on screen (or replaced by a newer one)."""

    drawn = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.view = PlaneWidget()
        self.view.setObjectName("planeView")
        self.switches = {}
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        for i, (key, text, tip) in enumerate([
            ("heatmap", "Discriminator's view",
             "Background: green where the discriminator thinks samples are real, purple where "
             "it thinks they are generated"),
            ("arrows", "Generator's push",
             "Arrows: the direction each generated point is pushed to fool the discriminator"),
            ("mesh", "Noise grid", "Lines: a square grid of the generator's noise, as it is "
             "bent into the plane (first two noise numbers)"),
            ("real", "Real data", "Grey dots: samples of the real data"),
        ]):
            box = QCheckBox(text)
            box.setToolTip(tip)
            box.setChecked(key != "mesh")
            box.setObjectName(f"show_{key}")
            box.toggled.connect(self._redraw)
            self.switches[key] = box
            grid.addWidget(box, i // 2, i % 2)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.view, 1)
        lay.addLayout(grid)
        self.last = None
        from ganstudio.gui.widgets import ThrottledRedraw

        self.throttle = ThrottledRedraw(self, [(self._redraw, self.view)],
                                        min_interval=0.25)

    def show_view(self, view) -> None:
        self.last = view
        self.throttle.request()

    def _redraw(self) -> None:
        if self.last is not None:
            self.view.show_view(self.last, **{k: b.isChecked() for k, b in self.switches.items()})
            self.drawn.emit()
