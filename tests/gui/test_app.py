"""Starting GAN Studio: the window appears fast, and without a display it says what to do."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_without_a_display_it_says_so_in_one_line():
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.run([sys.executable, "-m", "ganstudio"], capture_output=True, text=True,
                          env=env, timeout=60)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "no display" in lines[0] and "ganstudio train" in lines[0]


def test_the_window_module_does_not_load_torch():
    """The window must appear before torch has loaded (it loads in the background)."""
    code = ("import sys; import ganstudio.gui.main_window, ganstudio.gui.app; "
            "sys.exit(1 if 'torch' in sys.modules else 0)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_the_app_keeps_its_files_in_one_gan_studio_folder(qapp, monkeypatch):
    """It was "GAN Studio/GAN Studio" (the organisation's name, then the application's)."""
    from PySide6.QtCore import QStandardPaths

    from ganstudio.gui.app import name_application
    from ganstudio.gui.main_window import data_dir

    names = (qapp.applicationName(), qapp.organizationName(), qapp.applicationDisplayName())
    monkeypatch.delenv("GANSTUDIO_DATA_DIR")
    QStandardPaths.setTestModeEnabled(True)  # a test location, not the user's
    try:
        name_application(qapp)
        folder = data_dir()
    finally:
        QStandardPaths.setTestModeEnabled(False)
        qapp.setApplicationName(names[0])
        qapp.setOrganizationName(names[1])
        qapp.setApplicationDisplayName(names[2])
    assert folder.name == "GAN Studio" and folder.parent.name != "GAN Studio"
