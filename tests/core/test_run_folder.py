"""Following a run folder: metrics.csv read a piece at a time as another process writes it."""

import math
import os
import time

import pytest

from ganstudio.errors import UserError
from ganstudio.train_command import torchrun_command
from ganstudio.training.metrics_log import keep_rows_up_to
from ganstudio.training.autosave import mark_run
from ganstudio.training.history import METRICS
from ganstudio.training.run_folder import RunFolder

HEADER = ",".join(METRICS) + "\n"


def row(step: int, extra: str = "") -> str:
    # d_loss = step / 10 so each row is recognisable; step_time 0.01
    cells = [str(step), f"{step / 10:g}", "0.7", "0.5", "0.5", "0.3", "0.04", "0", "0.01", "3000"]
    return ",".join(cells) + extra + "\n"


@pytest.fixture
def run(tmp_path):
    (tmp_path / "samples").mkdir()
    (tmp_path / "metrics.csv").write_text(HEADER)
    return tmp_path


def append(path, text: str) -> None:
    with open(path, "a", encoding="utf-8") as f:
        f.write(text)


def test_new_rows_arrive_once_each_as_the_file_grows(run):
    folder = RunFolder(run)
    assert folder.poll().records == []
    append(run / "metrics.csv", row(1) + row(2))
    first = folder.poll()
    assert [r["step"] for r in first.records] == [1, 2] and first.step == 2
    assert first.records[1]["d_loss"] == pytest.approx(0.2)
    assert set(METRICS) <= set(first.records[0])  # the trainer's keys, like a live record
    assert folder.poll().records == []  # nothing new: nothing twice
    append(run / "metrics.csv", row(3))
    assert [r["step"] for r in folder.poll().records] == [3]
    assert folder.elapsed == pytest.approx(0.03)


def test_a_line_cut_short_waits_for_its_end(run):
    folder = RunFolder(run)
    whole = row(2)
    append(run / "metrics.csv", row(1) + whole[:7])  # the writer is in the middle of a line
    assert [r["step"] for r in folder.poll().records] == [1]
    append(run / "metrics.csv", whole[7:])
    got = folder.poll().records
    assert [r["step"] for r in got] == [2] and got[0]["d_loss"] == pytest.approx(0.2)


def test_a_header_still_being_written_is_not_an_error(tmp_path):
    (tmp_path / "metrics.csv").write_text("step,d_lo")
    folder = RunFolder(tmp_path)
    assert folder.poll().records == []
    append(tmp_path / "metrics.csv", "ss\n1,0.5\n")
    assert [(r["step"], r["d_loss"]) for r in folder.poll().records] == [(1, 0.5)]


def test_a_resume_that_rewrites_the_file_shorter_starts_over(run):
    metrics = run / "metrics.csv"
    append(metrics, "".join(row(s) for s in range(1, 11)))
    folder = RunFolder(run)
    assert len(folder.poll().records) == 10
    keep_rows_up_to(metrics, 6)  # what ganstudio train --resume does: steps 7-10 are dropped
    append(metrics, row(7) + row(8))  # and the resumed run goes on
    update = folder.poll()
    assert update.restarted
    assert [r["step"] for r in update.records] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert folder.elapsed == pytest.approx(0.08)


def test_a_rewrite_in_place_that_grows_past_the_old_end_is_noticed(run):
    """A disk that keeps the file's identity on a rewrite: the bytes tell."""
    metrics = run / "metrics.csv"
    append(metrics, row(1) + row(2))
    folder = RunFolder(run)
    folder.poll()
    with open(metrics, "w", encoding="utf-8") as f:  # same file, other rows, longer
        f.write(HEADER + row(1) + row(5) + row(6) + row(7))
    update = folder.poll()
    assert update.restarted and [r["step"] for r in update.records] == [1, 5, 6, 7]


def test_quality_columns_are_read_apart_and_blank_cells_are_absent(tmp_path):
    header = HEADER.rstrip("\n") + ",q_modes,q_hq,q_classifier_fd,lr\n"
    (tmp_path / "metrics.csv").write_text(
        header + row(1, ",,,,0.001") + row(2, ",8,0.93,,") + row(3, ",,,12.5,0.001"))
    update = RunFolder(tmp_path).poll()
    assert [r["step"] for r in update.records] == [1, 2, 3]
    assert update.quality == [(2, {"modes": 8.0, "hq": 0.93}), (3, {"classifier_fd": 12.5})]
    assert update.records[0]["lr"] == 0.001 and "lr" not in update.records[1]
    assert not any(k.startswith("q_") for r in update.records for k in r)


def test_a_missing_metric_reads_as_not_a_number(tmp_path):
    (tmp_path / "metrics.csv").write_text("step,d_loss\n1,0.5\n2,nan\n")
    records = RunFolder(tmp_path).poll().records
    assert records[0]["d_loss"] == 0.5 and math.isnan(records[1]["d_loss"])
    assert math.isnan(records[0]["g_loss"])


def test_a_big_file_arrives_over_a_few_polls(run):
    append(run / "metrics.csv", "".join(row(s) for s in range(1, 2001)))
    folder = RunFolder(run)
    steps, polls = [], 0
    while True:
        update = folder.poll(max_bytes=20_000)
        steps += [r["step"] for r in update.records]
        polls += 1
        if not update.more:
            break
    assert steps == list(range(1, 2001)) and polls > 3


def touch(path, when: float) -> None:
    path.write_bytes(b"x")
    os.utime(path, (when, when))


def test_the_newest_picture_and_checkpoint(run):
    folder = RunFolder(run)
    assert folder.poll().sample is None and folder.poll().checkpoint is None
    now = time.time()
    touch(run / "samples" / "step-0000100.png", now - 30)
    touch(run / "samples" / "step-0000200.png", now - 20)
    touch(run / "samples" / ".step-0000300.png.abc.tmp", now)  # being written: not a picture
    touch(run / "autosave-12-step000000200.safetensors", now - 15)
    touch(run / "checkpoint.safetensors", now - 40)
    update = folder.poll()
    assert update.sample.path.name == "step-0000200.png"
    assert update.sample.mtime == pytest.approx(now - 20, abs=0.01)
    assert update.checkpoint.path.name == "autosave-12-step000000200.safetensors"
    touch(run / "samples" / "final.png", now)
    touch(run / "checkpoint.safetensors", now)
    update = folder.poll()
    assert update.sample.path.name == "final.png"
    assert update.checkpoint.path.name == "checkpoint.safetensors"


def test_the_run_state_comes_from_run_json(run):
    folder = RunFolder(run)
    assert folder.poll().run is None and folder.poll().state_text() == ""
    mark_run(run, "running", title="ring", step=0)
    assert folder.poll().state_text() == "running"
    mark_run(run, "interrupted", title="ring", step=1200)
    text = folder.poll().state_text()
    assert "interrupted at step 1,200" in text and f"--resume {run}" in text
    mark_run(run, "ended", title="ring", step=6000)
    assert folder.poll().state_text() == "ended at step 6,000"


def test_a_starting_run_has_no_metrics_yet(tmp_path):
    mark_run(tmp_path, "running", title="ring", step=0)
    folder = RunFolder(tmp_path)  # reading its data: metrics.csv comes with the first steps
    assert folder.poll().records == []
    (tmp_path / "metrics.csv").write_text(HEADER + row(1))
    assert [r["step"] for r in folder.poll().records] == [1]


def test_folders_that_cannot_be_followed_are_said_in_one_line(tmp_path):
    with pytest.raises(UserError, match="is not a folder"):
        RunFolder(tmp_path / "nowhere")
    with pytest.raises(UserError, match="not a run folder: it has no metrics.csv"):
        RunFolder(tmp_path)
    (tmp_path / "metrics.csv").write_text("date,price\n2020,3\n")
    with pytest.raises(UserError, match="not a GAN Studio metrics file"):
        RunFolder(tmp_path).poll()


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_an_unreadable_metrics_file_is_said_in_one_line(run):
    (run / "metrics.csv").chmod(0)
    try:
        with pytest.raises(UserError, match="cannot read .*metrics.csv: Permission denied"):
            RunFolder(run).poll()
    finally:
        (run / "metrics.csv").chmod(0o644)


def test_the_torchrun_command():
    assert torchrun_command(4, "config.toml", "runs/ring") == (
        "torchrun --nproc_per_node 4 -m ganstudio train --config config.toml --out runs/ring")
    assert torchrun_command(1, "my run.toml", "runs/a b").endswith(
        "--config 'my run.toml' --out 'runs/a b'")
    with pytest.raises(UserError):
        torchrun_command(0, "config.toml", "runs/ring")


def test_a_metrics_file_that_cannot_be_read_is_said_in_one_line(tmp_path):
    (tmp_path / "metrics.csv").mkdir()  # unreadable even for root
    with pytest.raises(UserError, match=r"cannot read .*metrics.csv: Is a directory"):
        RunFolder(tmp_path).poll()
