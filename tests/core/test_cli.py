"""The ganstudio command line: what a user types, what they get back, and the exit codes."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ganstudio.cli import main

ROOT = Path(__file__).resolve().parents[2]
TINY = ["--set", "model.g_width=32", "--set", "model.d_width=32", "--set",
        "training.batch_size=32", "--set", "training.sample_every=5"]
TINY_IMAGES = ["--set", "model.g_width=8", "--set", "model.d_width=8", "--set", "data.size=64",
               "--set", "training.batch_size=16", "--set", "training.sample_every=0"]


def run_cli(*args, timeout=120, **kw):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "ganstudio", *args], capture_output=True,
                          text=True, timeout=timeout, env=env, **kw)


@pytest.fixture(scope="module")
def ring_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("ring")
    proc = run_cli("train", "--preset", "ring", "--steps", "12", "--out", str(out), "--threads",
                   "1", *TINY)
    return proc, out


@pytest.fixture(scope="module")
def digits_ckpt(tmp_path_factory):
    out = tmp_path_factory.mktemp("digits")
    code = main(["train", "--preset", "digits", "--steps", "2", "--out", str(out), "--quiet",
                 *TINY_IMAGES])
    assert code == 0
    return out / "checkpoint.safetensors"


def test_train_prints_the_checkpoint_path_last_and_writes_the_run(ring_run):
    proc, out = ring_run
    assert proc.returncode == 0, proc.stderr
    last = proc.stdout.strip().splitlines()[-1]
    assert Path(last) == out / "checkpoint.safetensors" and Path(last).is_file()
    assert (out / "config.toml").is_file()
    assert (out / "samples" / "final.png").is_file()
    assert (out / "samples" / "step-0000010.png").is_file()  # sample_every=5
    lines = (out / "metrics.csv").read_text().splitlines()
    assert lines[0].startswith("step,d_loss,g_loss") and len(lines) == 13
    # progress and the quality line go to stderr, not stdout
    assert re.search(r"Quality: at step 12: clusters found \d of 8, on target", proc.stderr)
    # the header says where and in what the maths runs, as asked (--threads 1)
    assert "on the processor (1 thread), 32-bit numbers" in proc.stderr


def test_sample_writes_points_for_2d_checkpoints(ring_run, tmp_path):
    _, out = ring_run
    ckpt = out / "checkpoint.safetensors"
    for name in ("p.npy", "p.csv", "p.png"):
        assert main(["sample", str(ckpt), "--n", "50", "--out", str(tmp_path / name)]) == 0
    assert np.load(tmp_path / "p.npy").shape == (50, 2)
    assert len((tmp_path / "p.csv").read_text().splitlines()) == 51
    assert Image.open(tmp_path / "p.png").size == (512, 512)


def test_sample_writes_a_picture_grid_and_honours_labels(digits_ckpt, tmp_path):
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    assert main(["sample", str(digits_ckpt), "--n", "16", "--out", str(a), "--label", "3"]) == 0
    assert main(["sample", str(digits_ckpt), "--n", "16", "--out", str(b), "--label", "4"]) == 0
    ia, ib = np.asarray(Image.open(a)), np.asarray(Image.open(b))
    assert ia.shape == ib.shape and ia.shape[0] >= 512
    assert not np.array_equal(ia, ib)


def test_info_describes_a_checkpoint(digits_ckpt, capsys):
    assert main(["info", str(digits_ckpt)]) == 0
    text = capsys.readouterr().out
    assert "DCGAN for 32 x 32 grey pictures, 10 labels" in text
    assert "Trained:    2 steps" in text
    assert 'source = "digits"' in text


def test_the_run_keeps_its_live_quality_in_metrics_csv_and_the_checkpoint(ring_run, capsys):
    proc, out = ring_run
    import csv

    rows = list(csv.DictReader((out / "metrics.csv").open()))
    assert {"q_modes", "q_hq", "q_density_js", "q_diversity"} <= set(rows[0])
    assert rows[0]["q_hq"] == ""  # blank where nothing was measured
    last = rows[-1]
    assert last["step"] == "12" and 0 <= float(last["q_hq"]) <= 100
    assert 0 <= int(float(last["q_modes"])) <= 8
    assert main(["info", str(out / "checkpoint.safetensors")]) == 0
    text = capsys.readouterr().out
    assert re.search(r"Quality:    at step 12: clusters found \d of 8, on target \d+%", text) \
        is None  # info has no totals: it says the values
    assert re.search(r"Quality:    at step 12: clusters found \d, on target \d+%", text)
    assert "Alarms:     none raised" in text


def test_presets_lists_the_ready_made_experiments(capsys):
    assert main(["presets"]) == 0
    names = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    for required in ("ring", "grid", "shapes", "digits", "fashion-mnist", "mnist-5k"):
        assert required in names
    assert names[0] == "ring"


@pytest.mark.parametrize("args,expected", [
    (["train", "--set", "optimizer.lr_g=-0.001"], "optimizer.lr_g must be > 0, got -0.001"),
    (["train", "--set", "data.sorce=grid"], "did you mean 'data.source'"),
    (["train", "--set", "nonsense"], "FIELD=VALUE"),
    (["train", "--preset", "nope"], "unknown preset 'nope'"),
    (["train", "--config", "/no/such/file.toml"], "no such file"),
    (["train", "--set", "model.family=dcgan"], "DCGAN makes pictures"),
    (["train", "--set", "data.source=folder", "--set", "data.root=/no/such/dir",
      "--set", "model.family=dcgan"], "does not exist"),
    (["sample", "/no/such.safetensors", "--out", "x.png"], "no such checkpoint"),
    (["info", __file__], "not a GAN Studio checkpoint"),
    (["train", "--bogus"], "unrecognized arguments"),
])
def test_bad_input_exits_2_with_one_plain_line(args, expected, capsys):
    with pytest.raises(SystemExit) if "--bogus" in args else _no_raise() as exc:
        code = main(args)
    if exc is not None and hasattr(exc, "value"):
        code = exc.value.code
    err = capsys.readouterr().err
    assert code == 2
    assert expected in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


class _no_raise:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def test_sample_refuses_a_wrong_file_kind(ring_run, capsys):
    _, out = ring_run
    assert main(["sample", str(out / "checkpoint.safetensors"), "--out", "x.gif"]) == 2
    assert "--out must end in .npy or .csv or .png" in capsys.readouterr().err


@pytest.mark.parametrize("command", [[], ["train"], ["sample"], ["info"], ["export"],
                                     ["presets"], ["explore"]])
def test_every_command_has_help(command):
    proc = run_cli(*command, "--help", timeout=60)
    assert proc.returncode == 0 and "usage: ganstudio" in proc.stdout


def test_ctrl_c_stops_cleanly_and_saves_a_resumable_checkpoint(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "ganstudio", "train", "--preset", "ring",
                             "--steps", "0", "--out", str(tmp_path), *TINY],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 60
    metrics = tmp_path / "metrics.csv"
    while time.monotonic() < deadline:  # wait until it is really training
        if metrics.exists() and len(metrics.read_text().splitlines()) > 5:
            break
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    ckpt = Path(out.strip().splitlines()[-1])
    assert ckpt.is_file() and "Stopped at step" in err and "Traceback" not in err
    from ganstudio.training.checkpoint import load_checkpoint

    stopped_at = load_checkpoint(ckpt).steps_done
    assert stopped_at > 5
    resumed = run_cli("train", "--resume", str(ckpt), "--steps", str(stopped_at + 5), "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    assert load_checkpoint(ckpt).steps_done == stopped_at + 5


def test_explore_and_gui_commands_open_the_window_with_the_checkpoint():
    from ganstudio.cli import build_parser, cmd_gui

    args = build_parser().parse_args(["explore", "run.safetensors"])
    assert args.func is cmd_gui and args.explore and args.checkpoint == "run.safetensors"
    args = build_parser().parse_args(["gui", "run.safetensors"])
    assert args.func is cmd_gui and not getattr(args, "explore", False)


@pytest.mark.parametrize("command", [["sample", "--out", "x.png"], ["export", "--onnx", "x.onnx"]])
def test_no_ema_on_a_demo_says_it_holds_only_the_averaged_generator(command, capsys, tmp_path,
                                                                     monkeypatch):
    """It said "the generator weights do not fit ... (damaged file?)"."""
    from ganstudio.paths import resources_dir

    monkeypatch.chdir(tmp_path)
    demo = resources_dir() / "demos" / "ring.safetensors"
    assert main([command[0], str(demo), *command[1:], "--no-ema"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "damaged" not in err[0]
    assert "ring.safetensors holds only the averaged generator (EMA)" in err[0]
    assert "leave out --no-ema" in err[0]
    assert not list(tmp_path.iterdir())  # nothing written
