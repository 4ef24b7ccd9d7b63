"""Light and dark looks: Qt's Fusion style with our palettes, and plots that follow them."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

ACCENT = "#2f7fe0"

_LIGHT = dict(window="#f4f5f7", base="#ffffff", alt="#eef0f3", text="#1d2127", mid="#c9ced6",
              button="#e9ecf0", highlight=ACCENT, hint="#5d6673", problem="#c0392b",
              plot_bg="#ffffff", plot_fg="#3a3f47")
_DARK = dict(window="#1f2226", base="#16181b", alt="#262a2f", text="#e6e8eb", mid="#3b4047",
             button="#2c3036", highlight="#4a90e8", hint="#9aa3ad", problem="#ff7b6b",
             plot_bg="#16181b", plot_fg="#c8ccd2")

THEMES = {"light": _LIGHT, "dark": _DARK}


def apply_theme(app: QApplication, name: str = "light") -> None:
    c = THEMES.get(name, _LIGHT)
    app.setStyle("Fusion")
    pal = QPalette()
    role = QPalette.ColorRole
    pal.setColor(role.Window, QColor(c["window"]))
    pal.setColor(role.WindowText, QColor(c["text"]))
    pal.setColor(role.Base, QColor(c["base"]))
    pal.setColor(role.AlternateBase, QColor(c["alt"]))
    pal.setColor(role.Text, QColor(c["text"]))
    pal.setColor(role.Button, QColor(c["button"]))
    pal.setColor(role.ButtonText, QColor(c["text"]))
    pal.setColor(role.ToolTipBase, QColor(c["base"]))
    pal.setColor(role.ToolTipText, QColor(c["text"]))
    pal.setColor(role.Highlight, QColor(c["highlight"]))
    pal.setColor(role.HighlightedText, QColor("#ffffff"))
    pal.setColor(role.Mid, QColor(c["mid"]))
    pal.setColor(role.PlaceholderText, QColor(c["hint"]))
    pal.setColor(role.Link, QColor(c["highlight"]))
    for r in (role.WindowText, role.Text, role.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, r, QColor(c["hint"]))
    app.setPalette(pal)
    app.setStyleSheet(f"""
        QLabel[role="heading"] {{ font-weight: 600; font-size: 11pt; }}
        QLabel[role="hint"] {{ color: {c['hint']}; }}
        QLabel[role="problem"] {{ color: {c['problem']}; }}
        QLabel#stepLabel {{ font-weight: 600; }}
        QToolBar {{ spacing: 6px; padding: 4px; border: none; }}
        QToolBar QToolButton {{ padding: 4px 10px; }}
        QGroupBox {{ font-weight: 600; margin-top: 14px; }}
        QGroupBox::title {{ subcontrol-origin: margin; left: 6px; padding: 0 4px; }}
        QTabWidget::pane {{ border-top: 1px solid {c['mid']}; }}
    """)
    pg.setConfigOptions(background=c["plot_bg"], foreground=c["plot_fg"], antialias=False)
    app.setProperty("ganstudio_theme", name)


def restyle_plots(root, name: str) -> None:
    """Recolour existing plots after a theme switch (pyqtgraph's options apply to new ones)."""
    c = THEMES.get(name, _LIGHT)
    for w in root.findChildren(pg.PlotWidget):
        w.setBackground(c["plot_bg"])
        if w.getPlotItem().legend is not None:
            from ganstudio.gui.training_view.plots import legend_brush

            w.getPlotItem().legend.setBrush(legend_brush(c["plot_bg"]))
        for axis in ("left", "bottom"):
            ax = w.getPlotItem().getAxis(axis)
            ax.setPen(c["plot_fg"])
            ax.setTextPen(c["plot_fg"])
