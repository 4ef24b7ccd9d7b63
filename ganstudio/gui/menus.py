"""The window's menus: File, Presets, View and Help, each item wired to the part that does it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QActionGroup

from ganstudio.gui.train_elsewhere import show_train_elsewhere
from ganstudio.presets import list_presets

if TYPE_CHECKING:
    from ganstudio.gui.main_window import MainWindow


def _add_action(window, menu, text, shortcut, slot) -> QAction:
    a = QAction(text, window)
    if shortcut:
        a.setShortcut(shortcut)
    a.triggered.connect(slot)
    menu.addAction(a)
    return a


def build_menus(window: "MainWindow") -> None:
    mb, fa = window.menuBar(), window.files
    f = mb.addMenu("&File")
    _add_action(window, f, "&New experiment", "Ctrl+N", fa.new_experiment)
    _add_action(window, f, "&Open experiment...", "Ctrl+O", fa.open_experiment_dialog)
    _add_action(window, f, "&Save experiment", "Ctrl+S", fa.save_experiment)
    _add_action(window, f, "Save experiment &as...", "Ctrl+Shift+S", fa.save_experiment_as)
    f.addSeparator()
    _add_action(window, f, "Open &checkpoint...", "Ctrl+Shift+O", fa.open_checkpoint_dialog)
    window.save_ckpt_action = _add_action(window, f, "Save chec&kpoint...", "Ctrl+K",
                                          fa.save_checkpoint_dialog)
    f.addSeparator()
    _add_action(window, f, "&Follow a run folder...", None, window.follower.choose_folder)
    window.stop_following_action = _add_action(window, f, "Stop follo&wing", None,
                                               window.follower.stop)
    _add_action(window, f, "&Train on another machine...", None,
                lambda: show_train_elsewhere(window))
    f.addSeparator()
    fa.fill_recent(f.addMenu("&Recent files"))
    f.addSeparator()
    _add_action(window, f, "&Quit", "Ctrl+Q", window.close)

    p = window.presets_menu = mb.addMenu("&Presets")
    for preset in list_presets():
        a = p.addAction(preset.title)
        a.setStatusTip(preset.description)
        a.setToolTip(preset.description)
        a.setData(preset.name)
        a.triggered.connect(lambda _=False, n=preset.name: fa.load_preset(n))
    p.setToolTipsVisible(True)

    v = mb.addMenu("&View")
    group = QActionGroup(window)
    window.theme_actions = {}
    for name, text in (("light", "&Light"), ("dark", "&Dark")):
        a = QAction(text, window, checkable=True)
        a.triggered.connect(lambda _=False, n=name: window.set_theme(n))
        group.addAction(a)
        v.addAction(a)
        window.theme_actions[name] = a
    current = window.settings.value("theme", "light")
    window.theme_actions.get(current, window.theme_actions["light"]).setChecked(True)
    v.addSeparator()
    _add_action(window, v, "Demo &mode (full screen)", "F11", window.enter_demo_mode)

    h = mb.addMenu("&Help")
    _add_action(window, h, "&What am I looking at?", "F1", window.show_help)
    _add_action(window, h, "&About GAN Studio", None, window.show_about)
