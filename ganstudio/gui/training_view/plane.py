"""The plane view for 2-D data, after GAN Lab: the discriminator's opinion of every place as a
background colour, real and generated points, arrows showing where the generator is pushed, and
the generator's latent grid as a mesh."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QGraphicsItem, QGridLayout, QLabel, QVBoxLayout,
                               QWidget)

from ganstudio import catalog
from ganstudio.gui.training_view.plotpaint import light_axes

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
        # the real points stay put while training runs: painted once, then blitted (0.2 ms
        # of UI time a picture)
        self.real.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.fake = pg.ScatterPlotItem(size=5, pen=None, brush=pg.mkBrush(FAKE_BRUSH))
        self.arrows = pg.PlotDataItem(pen=pg.mkPen(ARROW_PEN, width=1), connect="pairs")
        for item in (self.heat, self.mesh, self.real, self.arrows, self.fake):
            self.addItem(item)
        self.editable = editable
        self.user_points = np.zeros((0, 2))
        self.scene().sigMouseClicked.connect(self._clicked)
        self._bounds = None
        self._shown: dict = {}  # item -> the data it shows now (see _set_points)
        self.version = 0  # counts updates, for tests and tools

    def set_bounds(self, bounds) -> None:
        if bounds != self._bounds:
            self._bounds = bounds
            x0, x1, y0, y1 = bounds
            self.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.02)

    def show_data(self, real: np.ndarray | None, bounds) -> None:
        """Only the real data (the data set preview)."""
        self.set_bounds(bounds)
        self._shown.clear()
        self.real.setData(pos=np.zeros((0, 2)) if real is None else np.asarray(real))
        for item in (self.fake, self.arrows, self.mesh):
            item.setData([], [])
        self.heat.clear()
        self.version += 1

    def show_view(self, view, *, heatmap=True, arrows=True, mesh=True, real=True) -> None:
        """Everything of a visuals.PlaneView, with the chosen layers (a layer the view was
        computed without is left out until a picture with it comes)."""
        self.set_bounds(view.bounds)
        x0, x1, y0, y1 = view.heat_bounds
        if heatmap and view.heatmap is not None:
            self.heat.setImage(view.heatmap, levels=(0, 1), autoLevels=False)
            self.heat.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
            self.heat.setVisible(True)
        else:
            self.heat.setVisible(False)
        self._set_points(self.real, view.real if real else None)
        self._set_points(self.fake, view.fake)
        if arrows and view.arrows is not None:
            seg = np.empty((2 * len(view.fake), 2))
            seg[0::2] = view.fake
            seg[1::2] = view.fake + view.arrows
            self._set_lines(self.arrows, seg[:, 0], seg[:, 1])
        else:
            self._set_lines(self.arrows, None)
        if mesh and view.mesh is not None:
            self._set_lines(self.mesh, *_mesh_lines(view.mesh))
        else:
            self._set_lines(self.mesh, None)
        self.version += 1

    def _set_points(self, item: pg.ScatterPlotItem, pos: np.ndarray | None) -> None:
        """Skips the work when the points are those already shown: training sends the same
        real points with every picture, and a scatter's setData costs ~0.5 ms of UI time."""
        if pos is not None and pos is self._shown.get(item):
            return
        self._shown[item] = pos
        item.setData(pos=np.zeros((0, 2)) if pos is None else pos)

    def _set_lines(self, item: pg.PlotDataItem, x: np.ndarray | None, y=None) -> None:
        if x is None:
            if self._shown.get(item, 0) is None:
                return  # already empty
            self._shown[item] = None
            item.setData([], [])
        else:
            self._shown[item] = x
            item.setData(x, y)

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
    picture given to ``show_view`` once it is on screen (or replaced by a newer one).
    ``layers_changed`` says which computed layers are switched on (``layers()``): training
    computes only those."""

    drawn = Signal()
    layers_changed = Signal(dict)
    # made by training; "real" is only shown or not
    COMPUTED = tuple(k for k, layer in catalog.PLANE_LAYERS.items() if layer.computed)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.view = PlaneWidget()
        self.view.setObjectName("planeView")
        self.switches = {}
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        for i, layer in enumerate(catalog.PLANE_LAYERS.values()):
            key = layer.id
            box = QCheckBox(layer.title)
            box.setToolTip(layer.help)
            box.setChecked(layer.shown)
            box.setObjectName(f"show_{key}")
            box.toggled.connect(self._redraw)
            if key in self.COMPUTED:
                box.toggled.connect(lambda _=False: self.layers_changed.emit(self.layers()))
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

    def layers(self) -> dict:
        return {k: self.switches[k].isChecked() for k in self.COMPUTED}

    def show_view(self, view) -> None:
        self.last = view
        self.throttle.request()

    def _redraw(self) -> None:
        if self.last is not None:
            self.view.show_view(self.last, **{k: b.isChecked() for k, b in self.switches.items()})
            self.drawn.emit()
