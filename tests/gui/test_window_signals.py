"""The window ends cleanly however it is ended: SIGTERM (a logout, `kill`) and SIGHUP save the
run between two steps, stop it and close within seconds, leaving no thread running; the next
start offers to resume it."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ganstudio.training.autosave import interrupted_runs, read_run
from ganstudio.training.checkpoint import load_checkpoint

HERE = Path(__file__).resolve().parent


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_signalled_window_saves_its_run_and_closes(tmp_path, sig):
    env = dict(os.environ, GANSTUDIO_DATA_DIR=str(tmp_path / "appdata"),
               GANSTUDIO_SETTINGS_FILE=str(tmp_path / "settings.ini"),
               QT_QPA_PLATFORM="offscreen")
    proc = subprocess.Popen([sys.executable, str(HERE / "window_process.py")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = ""
        deadline = time.monotonic() + 90
        while "training" not in line and time.monotonic() < deadline:
            line = proc.stdout.readline()
            assert line or proc.poll() is None, proc.stderr.read()
        t0 = time.monotonic()
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=30)
        took = time.monotonic() - t0
    finally:
        proc.kill()
    assert proc.returncode == 0 and "closed" in out, err
    print(f"{sig.name}: saved and closed {took:.2f} s after the signal")
    assert took < 5.0, f"took {took:.2f} s"
    assert "QThread: Destroyed while thread is still running" not in err
    runs = interrupted_runs(tmp_path / "appdata" / "runs")
    assert len(runs) == 1 and read_run(runs[0].folder).state == "interrupted"
    saved = load_checkpoint(runs[0].folder / "checkpoint.safetensors")
    assert saved.steps_done > 20 and saved.steps_done == runs[0].step
