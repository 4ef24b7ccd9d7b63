"""TensorBoard logs (``ganstudio train --tensorboard``): the event files are read back record by
record (checksums checked) and compared with metrics.csv, step by step."""

import csv
import io
import shutil
import struct
import sys
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image

from ganstudio.cli import main
from ganstudio.training import tensorboard_log
from ganstudio.training.tensorboard_log import SCALAR_TAGS, SPEED_TAG, TensorBoardLog

# the CLI runs below are quick: one fixed thread, no autosave, a picture every 25 steps
QUICK = ["train", "--tensorboard", "--quiet", "--threads", "1", "--autosave", "0",
         "--set", "training.sample_every=25"]
RING = QUICK + ["--preset", "ring"]


# --- reading event files, as TensorBoard does -----------------------------------------------------
def read_event_file(path: Path) -> list:
    """The events of one file: TFRecord framing (length, masked CRC-32C of the length, data,
    masked CRC-32C of the data), each record an Event protocol buffer."""
    from tensorboardX.proto.event_pb2 import Event
    from tensorboardX.record_writer import masked_crc32c

    data, pos, events = path.read_bytes(), 0, []
    while pos + 12 <= len(data):
        header = data[pos:pos + 8]
        (length,) = struct.unpack("<Q", header)
        if pos + 16 + length > len(data):
            break  # a record still being written (TensorBoard waits for the rest too)
        (header_crc,) = struct.unpack("<I", data[pos + 8:pos + 12])
        body = data[pos + 12:pos + 12 + length]
        (body_crc,) = struct.unpack("<I", data[pos + 12 + length:pos + 16 + length])
        assert header_crc == masked_crc32c(header) and body_crc == masked_crc32c(body)
        events.append(Event.FromString(body))
        pos += 16 + length
    return events


def event_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("events.out.tfevents.*"))  # TensorBoard reads them in name order


def shown(folder: Path) -> list[tuple[str, int, object]]:
    """(tag, step, value) of what TensorBoard shows: every file in order, where a "session
    start" at step p (tensorboardX's purge_step) hides what earlier files wrote from step p on.
    A value is a float for scalars, the Summary.Image for pictures."""
    kept: list[tuple[str, int, object]] = []
    for path in event_files(folder):
        for ev in read_event_file(path):
            if ev.HasField("session_log") and ev.session_log.status == ev.session_log.START:
                kept = [k for k in kept if k[1] < ev.step]
            for v in ev.summary.value:
                kept.append((v.tag, ev.step, v.image if v.HasField("image") else v.simple_value))
    return kept


def by_tag(entries) -> dict[str, dict[int, object]]:
    out: dict[str, dict[int, object]] = {}
    for tag, step, value in entries:
        assert step not in out.setdefault(tag, {}), f"{tag} at step {step} shown twice"
        out[tag][step] = value
    return out


def metrics_rows(folder: Path) -> list[dict[str, float]]:
    with open(folder / "metrics.csv", newline="") as f:
        # quality columns (q_...) are blank between measurements
        return [{k: float(v) for k, v in row.items() if v != ""} for row in csv.DictReader(f)]


def assert_scalars_match_metrics(folder: Path, tags: dict) -> None:
    rows = metrics_rows(folder)
    steps = [int(r["step"]) for r in rows]
    for key, tag in SCALAR_TAGS.items():
        assert sorted(tags[tag]) == steps, tag  # every step, once
        for r in rows:  # float32 in the file, 6 significant digits in metrics.csv
            assert tags[tag][int(r["step"])] == pytest.approx(r[key], rel=1e-5, abs=1e-9), \
                (tag, r["step"])
    assert sorted(tags[SPEED_TAG]) == steps
    for r in rows:
        assert tags[SPEED_TAG][int(r["step"])] == pytest.approx(1 / r["step_time"], rel=1e-4)


def assert_png(image, size: tuple[int, int]) -> None:
    assert (image.width, image.height) == size
    picture = Image.open(io.BytesIO(image.encoded_image_string))
    assert picture.format == "PNG" and picture.size == size
    picture.load()  # the whole picture decodes
    colours = picture.convert("RGB").getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 2  # points drawn, not a blank square


# --- the command line ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ring_run(tmp_path_factory):
    pytest.importorskip("tensorboardX")
    out = tmp_path_factory.mktemp("tb") / "ring"
    assert main(RING + ["--steps", "60", "--out", str(out)]) == 0
    return out


def test_every_step_is_logged_with_the_values_of_metrics_csv(ring_run):
    files = event_files(ring_run)
    assert len(files) == 1
    tags = by_tag(shown(ring_run))
    assert len(metrics_rows(ring_run)) == 60
    assert_scalars_match_metrics(ring_run, tags)


def test_sample_pictures_every_sample_every_steps_and_at_the_end(ring_run):
    pictures = by_tag(shown(ring_run))["samples"]
    assert sorted(pictures) == [25, 50, 60]  # training.sample_every = 25, and the last step
    for image in pictures.values():
        assert_png(image, (512, 512))  # the scatter picture of samples/, as PNG
    # the last one is the picture ganstudio train saves as samples/final.png
    final = Image.open(ring_run / "samples" / "final.png").convert("RGB")
    logged = Image.open(io.BytesIO(pictures[60].encoded_image_string)).convert("RGB")
    assert logged.tobytes() == final.tobytes()


def test_a_resumed_run_shows_every_step_once(tmp_path):
    pytest.importorskip("tensorboardX")
    out, older = tmp_path / "run", tmp_path / "at-30.safetensors"
    assert main(RING + ["--steps", "30", "--out", str(out)]) == 0
    shutil.copy(out / "checkpoint.safetensors", older)
    assert main(QUICK + ["--steps", "60", "--resume", str(out / "checkpoint.safetensors")]) == 0
    # back to step 30 (an older checkpoint of the same run), then on to 45: steps 31-60 of
    # the run above were written, and must not show beside the new 31-45
    assert main(QUICK + ["--steps", "45", "--resume", str(older), "--out", str(out)]) == 0
    files = event_files(out)
    assert len(files) == 3
    written = [(v.tag, ev.step) for f in files for ev in read_event_file(f)
               for v in ev.summary.value]
    assert written.count(("loss/D", 40)) == 2  # written twice...
    tags = by_tag(shown(out))  # ...shown once (by_tag fails on a step shown twice)
    assert sorted(tags["loss/D"]) == list(range(1, 46))
    assert_scalars_match_metrics(out, tags)  # the resumed run's values, as in metrics.csv
    assert sorted(tags["samples"]) == [25, 30, 45]


def test_without_tensorboardx_it_says_how_to_install_it_in_one_line(tmp_path, monkeypatch,
                                                                     capsys):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)  # import tensorboardX fails
    assert not tensorboard_log.available()
    out = tmp_path / "run"
    assert main(RING + ["--steps", "5", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "tensorboardX" in err and "pip install" in err
    assert not out.exists()  # said before any data was read or any file written


# --- the log on its own -------------------------------------------------------------------------
def fake_trainer(steps_done=0, sample_every=0):
    return SimpleNamespace(steps_done=steps_done,
                           config=SimpleNamespace(training=SimpleNamespace(
                               sample_every=sample_every)))


def record(step: int) -> dict:
    return dict(step=step, d_loss=1.0 + step, g_loss=2.0, d_real=0.5, d_fake=-0.5,
                d_grad_norm=3.0, g_grad_norm=4.0, penalty=0.0, step_time=0.01,
                samples_per_s=25600.0)


def test_quality_numbers_from_another_thread_become_quality_scalars(tmp_path):
    pytest.importorskip("tensorboardX")
    log = TensorBoardLog(tmp_path, fake_trainer(), picture=lambda: None)
    for s in range(1, 11):
        log(record(s))
    t = threading.Thread(target=log.add_quality,
                         args=(10, {"modes": 7.0, "high_quality": 0.81, "fid": float("nan")}))
    t.start()
    t.join()
    log.close(final_picture=False)
    log.add_quality(20, {"modes": 8.0})  # after close: ignored, no new file
    tags = by_tag(shown(tmp_path))
    assert tags["quality/modes"] == {10: 7.0}
    assert tags["quality/high_quality"] == {10: pytest.approx(0.81)}
    assert "quality/fid" not in tags  # TensorBoard cannot draw a NaN
    assert tags["loss/D"] == {s: 1.0 + s for s in range(1, 11)}
    assert len(event_files(tmp_path)) == 1


def test_steps_reach_the_file_within_seconds_without_close(tmp_path):
    """Steps are written in batches, and a killed run keeps all but the last seconds."""
    pytest.importorskip("tensorboardX")
    now = [0.0]
    log = TensorBoardLog(tmp_path, fake_trainer(), picture=lambda: None, clock=lambda: now[0])
    for s in range(1, 6):
        log(record(s))
    assert "loss/D" not in by_tag(shown(tmp_path))  # not one write per step
    now[0] = tensorboard_log.FLUSH_SECONDS  # the next step, seconds later, writes them out
    log(record(6))
    assert sorted(by_tag(shown(tmp_path))["loss/D"]) == list(range(1, 7))
    log.close(final_picture=False)


def test_a_broken_tensorboardx_is_said_in_one_line(monkeypatch):
    class Broken:  # an install that fails while loading, e.g. against another protobuf
        def find_spec(self, name, path=None, target=None):
            if name == "tensorboardX":
                raise TypeError("Descriptors cannot be created directly.\nMore lines")

    monkeypatch.delitem(sys.modules, "tensorboardX", raising=False)
    monkeypatch.setattr(sys, "meta_path", [Broken(), *sys.meta_path])
    with pytest.raises(tensorboard_log.TensorBoardMissing) as info:
        tensorboard_log.require()
    message = str(info.value)
    assert "\n" not in message and "does not load" in message and "pip install" in message
