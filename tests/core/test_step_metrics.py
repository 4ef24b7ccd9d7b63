"""The step's numbers are declared once (training/step_metrics.py): the trainer's record, the
history and metrics.csv's columns, and TensorBoard's scalars all follow that table."""

import re

from ganstudio.config import ExperimentConfig
from ganstudio.training import Trainer
from ganstudio.training.history import METRICS, History
from ganstudio.training.step_metrics import STEP_METRICS
from ganstudio.training.tensorboard_log import SCALAR_TAGS, SPEED_TAG


def test_the_trainer_reports_exactly_the_declared_numbers():
    cfg = ExperimentConfig()
    cfg.training.batch_size, cfg.training.threads, cfg.training.precision = 32, 1, "fp32"
    record = Trainer(cfg).step()
    # a number added to the record without its entry (or an entry the trainer never fills)
    # would be missing from metrics.csv, the plots or TensorBoard: both fail here
    assert set(record) == set(STEP_METRICS)


def test_history_and_metrics_csv_columns_are_the_table_in_its_order():
    assert METRICS == tuple(STEP_METRICS)
    assert History().names == tuple(STEP_METRICS)


def test_tensorboard_logs_every_entry_with_a_tag_under_that_tag():
    tagged = {m.name: m.tensorboard for m in STEP_METRICS.values() if m.tensorboard}
    assert SCALAR_TAGS == tagged
    tags = list(tagged.values()) + [SPEED_TAG]
    assert len(set(tags)) == len(tags)  # no two numbers under one name
    assert all(re.fullmatch(r"[\w()]+/[\w()]+", t) for t in tags)  # a section, then a name


def test_every_entry_reads_as_words():
    for m in STEP_METRICS.values():
        assert m.title and m.title[0].isupper(), m.name
        assert not m.smoothed or m.plot, m.name  # a moving average needs a plot to be drawn in
        assert not m.plot or m.colour.startswith("#"), m.name
