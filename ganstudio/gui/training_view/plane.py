"""The plane view for 2-D data, after GAN Lab: the discriminator's opinion of every place as a
background colour, real and generated points, arrows showing where the generator is pushed, and
the generator's latent grid as a mesh."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QImage, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QCheckBox, QGraphicsItem, QGridLayout, QVBoxLayout, QWidget

from ganstudio import catalog
from ganstudio.gui.training_view.plotpaint import light_axes

REAL_BRUSH = (90, 90, 100, 150)
FAKE_BRUSH = (238, 110, 30, 220)
ARROW_PEN = (200, 70, 20, 200)
MESH_PEN = (70, 70, 160, 90)


class PixelsItem(pg.GraphicsObject):
    """A picture made outside the UI thread (``visuals.PlaneView.heat_rgb32``: Qt's RGB32
    pixels), drawn into a rectangle of the plane. The UI thread wraps the pixels (no copy, no
    colour lookup, no conversion) and draws them: ~0.3 ms a picture, where an ImageItem
    coloured and converted a float heat map at every new picture (~5 ms, measured)."""

    def __init__(self):
        super().__init__()
        self._pixels: np.ndarray | None = None  # the QImage borrows these: kept alive here
        self._image: QImage | None = None
        self._rect = QRectF()

    def set_pixels(self, pixels: np.ndarray, rect: QRectF) -> None:
        pixels = np.ascontiguousarray(pixels, dtype=np.uint32)
        h, w = pixels.shape
        self.prepareGeometryChange()
        self._pixels = pixels
        self._image = QImage(pixels.data, w, h, 4 * w, QImage.Format.Format_RGB32)
        self._rect = QRectF(rect)
        self.update()

    def clear(self) -> None:
        self.prepareGeometryChange()
        self._pixels = self._image = None
        self._rect = QRectF()
        self.update()

    def image(self) -> QImage | None:
        return self._image

    def boundingRect(self) -> QRectF:
        return QRectF(self._rect)

    def paint(self, painter, option, widget=None) -> None:
        if self._image is not None:
            painter.drawImage(self._rect, self._image)


class PointsItem(pg.GraphicsObject):
    """Round dots of a fixed size in pixels, drawn as one polygon of points with a round pen:
    a ScatterPlotItem rebuilt its per-point records in Python at every picture (~3 ms a
    picture for 512 points, measured)."""

    def __init__(self, size: float, brush):
        super().__init__()
        self.pen = QPen(pg.mkColor(brush), size)
        self.pen.setCosmetic(True)  # size in pixels, whatever the zoom
        self.pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        self._pos = np.zeros((0, 2))
        self._polygon = None
        self._rect = QRectF()

    def set_points(self, pos: np.ndarray | None) -> None:
        pos = np.zeros((0, 2)) if pos is None else np.asarray(pos, dtype=np.float64)
        self.prepareGeometryChange()
        self._pos = pos
        if len(pos):
            self._polygon = pg.functions.arrayToQPolygonF(pos[:, 0], pos[:, 1])
            (x0, y0), (x1, y1) = pos.min(0), pos.max(0)
            # a margin for the dots' size, which is in pixels: 3% of the span
            mx, my = 0.03 * max(x1 - x0, 1e-9), 0.03 * max(y1 - y0, 1e-9)
            self._rect = QRectF(x0 - mx, y0 - my, x1 - x0 + 2 * mx, y1 - y0 + 2 * my)
        else:
            self._polygon, self._rect = None, QRectF()
        self.update()

    def points(self) -> np.ndarray:
        return self._pos

    def boundingRect(self) -> QRectF:
        return QRectF(self._rect)

    def paint(self, painter, option, widget=None) -> None:
        if self._polygon is not None:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setPen(self.pen)
            painter.drawPoints(self._polygon)


class LinesItem(pg.GraphicsObject):
    """Line segments ("pairs") or polylines broken by NaN ("finite"), as one path drawn with a
    thin pen: what PlotDataItem did here at several times the cost (its data handling and
    path rebuilding ran in the UI thread at every picture: ~6 ms for the noise grid)."""

    def __init__(self, pen, connect: str):
        super().__init__()
        self.pen = pg.mkPen(pen)
        self.connect = connect
        self._x = self._y = None
        self._path = QPainterPath()

    def set_lines(self, x: np.ndarray | None, y: np.ndarray | None = None) -> None:
        self.prepareGeometryChange()
        if x is None or not len(x):
            self._x = self._y = None
            self._path = QPainterPath()
        else:
            self._x, self._y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
            self._path = pg.arrayToQPath(self._x, self._y, connect=self.connect,
                                         finiteCheck=self.connect == "finite")
        self.update()

    def getData(self):
        """(x, y) as given (None, None when empty), as PlotDataItem says it."""
        return self._x, self._y

    def boundingRect(self) -> QRectF:
        return self._path.boundingRect()

    def paint(self, painter, option, widget=None) -> None:
        if self._x is not None:
            painter.setPen(self.pen)
            painter.drawPath(self._path)


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
        self.heat = PixelsItem()
        self.heat.setZValue(-10)
        self.mesh = LinesItem(pg.mkPen(MESH_PEN, width=1), connect="finite")
        self.real = pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(REAL_BRUSH))
        # the real points stay put while training runs: painted once, then blitted (0.2 ms
        # of UI time a picture)
        self.real.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.fake = PointsItem(5, FAKE_BRUSH)
        self.arrows = LinesItem(pg.mkPen(ARROW_PEN, width=1), connect="pairs")
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
        self.fake.set_points(None)
        for item in (self.arrows, self.mesh):
            item.set_lines(None)
        self.heat.clear()
        self.version += 1

    def show_view(self, view, *, heatmap=True, arrows=True, mesh=True, real=True) -> None:
        """Everything of a visuals.PlaneView, with the chosen layers (a layer the view was
        computed without is left out until a picture with it comes)."""
        self.set_bounds(view.bounds)
        x0, x1, y0, y1 = view.heat_bounds
        if heatmap and view.heatmap is not None:
            pixels = view.heat_rgb32
            if pixels is None:  # a view made elsewhere: coloured here
                from ganstudio.training import visuals  # (torch: loaded behind the window)

                pixels = visuals.heat_rgb32(view.heatmap)
            self.heat.set_pixels(pixels, QRectF(x0, y0, x1 - x0, y1 - y0))
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

    def _set_points(self, item, pos: np.ndarray | None) -> None:
        """Skips the work when the points are those already shown: training sends the same
        real points with every picture (a scatter's setData costs ~0.5 ms of UI time, and the
        real points' cached rendering would be redrawn)."""
        if pos is not None and pos is self._shown.get(item):
            return
        self._shown[item] = pos
        if isinstance(item, PointsItem):
            item.set_points(pos)
        else:
            item.setData(pos=np.zeros((0, 2)) if pos is None else pos)

    def _set_lines(self, item: LinesItem, x: np.ndarray | None, y=None) -> None:
        if x is None:
            if self._shown.get(item, 0) is None:
                return  # already empty
            self._shown[item] = None
            item.set_lines(None)
        else:
            self._shown[item] = x
            item.set_lines(x, y)

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
