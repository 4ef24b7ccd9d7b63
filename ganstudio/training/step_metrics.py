"""The numbers every training step reports, declared once: the step record's keys
(``Trainer.step()``), metrics.csv's columns and the checkpoint's history (training/history.py
``METRICS``), TensorBoard's scalars (training/tensorboard_log.py ``SCALAR_TAGS``) and the window's
live plots (gui/training_view/plots.py ``SERIES``) all read this table. A new number is one
entry here (and the trainer putting it in its record), plus its test.

Plain data: no torch, no numpy; the window reads it before torch loads.
"""

from __future__ import annotations

from dataclasses import dataclass

D_COLOUR = "#2f7fe0"  # the discriminator's curves
G_COLOUR = "#ee7a22"  # the generator's


@dataclass(frozen=True)
class StepMetric:
    name: str  # key in the step record; column of metrics.csv and of the history
    title: str  # in words, as the window names its curve and the hover readout
    unit: str = ""  # what its values count ("" for a plain number)
    tensorboard: str = ""  # TensorBoard tag, "section/name" ("": not logged as it is)
    plot: str = ""  # which of the window's plots draws it: "loss", "score", "grad" ("": none)
    colour: str = ""  # its curve's colour
    smoothed: bool = False  # the plot also draws its moving average, bold, under its name


STEP_METRICS: dict[str, StepMetric] = {
    m.name: m
    for m in [
        StepMetric("step", "Step", "steps"),
        StepMetric("d_loss", "D loss", tensorboard="loss/D", plot="loss", colour=D_COLOUR,
                   smoothed=True),
        StepMetric("g_loss", "G loss", tensorboard="loss/G", plot="loss", colour=G_COLOUR,
                   smoothed=True),
        StepMetric("d_real", "D(x)", tensorboard="D/real", plot="score", colour="#2aa876"),
        StepMetric("d_fake", "D(G(z))", tensorboard="D/fake", plot="score", colour="#c2415d"),
        StepMetric("d_grad_norm", "D gradient", tensorboard="grad_norm/D", plot="grad",
                   colour=D_COLOUR),
        StepMetric("g_grad_norm", "G gradient", tensorboard="grad_norm/G", plot="grad",
                   colour=G_COLOUR),
        StepMetric("penalty", "Penalty", tensorboard="loss/penalty"),
        # TensorBoard shows its inverse instead (tensorboard_log.SPEED_TAG: steps per second)
        StepMetric("step_time", "Step time", "s"),
        StepMetric("samples_per_s", "Samples per second", "samples/s"),
    ]
}
