"""The core never imports Qt: it must train, evaluate and export on a machine with no display."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
QT = ("PySide6", "shiboken6", "pyqtgraph", "superqt")
CORE = ["ganstudio.cli", "ganstudio.config", "ganstudio.catalog", "ganstudio.errors",
        "ganstudio.data", "ganstudio.data.toy2d", "ganstudio.data.folder",
        "ganstudio.data.datasets", "ganstudio.data.procedural", "ganstudio.models",
        "ganstudio.objectives", "ganstudio.training", "ganstudio.training.augment",
        "ganstudio.training.checkpoint", "ganstudio.training.session",
        "ganstudio.training.visuals", "ganstudio.explore.exploration", "ganstudio.explore.latent",
        "ganstudio.explore.demos", "ganstudio.metrics", "ganstudio.export", "ganstudio.presets",
        "ganstudio.train_command", "ganstudio.atomic", "ganstudio.document"]


def test_importing_and_training_with_the_core_loads_no_qt():
    code = (
        "import sys, importlib\n"
        f"for m in {CORE!r}: importlib.import_module(m)\n"
        "from ganstudio.training import Trainer\n"
        "from ganstudio.presets import load_preset\n"
        "c = load_preset('ring'); c.training.batch_size = 16\n"
        "from ganstudio.training import train; train(Trainer(c), 2)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {QT!r})\n"
        "print(bad); sys.exit(1 if bad else 0)\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("DISPLAY", None)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_import_contracts_hold():
    """import-linter: no Qt outside ganstudio.gui (see [tool.importlinter] in pyproject.toml)."""
    exe = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    if not Path(exe).exists():
        pytest.skip("import-linter is not installed (pip install -e '.[dev]')")
    proc = subprocess.run([exe], capture_output=True, text=True, cwd=ROOT, timeout=300,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 0, proc.stdout + proc.stderr
