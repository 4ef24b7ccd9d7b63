"""The Trainer: one plain class that trains a GAN, step by step, knowing nothing of any GUI.

- ``step()`` does ``n_critic`` discriminator updates and one generator update and returns a record
  of numbers (see ``history.METRICS``), also handed to every callback.
- It holds the state of a step only (networks, optimisers, random streams, history); running,
  pausing and stopping belong to the session that drives it (training/session.py: ``train()``
  for a headless run) and a run's files to training/run.py.
- Seeded: the same config and seed give the same losses on the CPU, and a checkpoint resumes the
  same trajectory (every random number comes from generators whose states the checkpoint keeps).
- A non-finite loss or gradient is caught before the weights are updated: the step is refused,
  the run stops as "diverged at step N", and the weights stay those of the last good step.
- Under torchrun (training/distributed.py) G and D train in DistributedDataParallel wrappers,
  each process on its own share of the data; ``self.G``, ``self.D`` stay the plain networks.
"""

from __future__ import annotations

import copy
import threading
import time
from typing import Callable

import torch

from ganstudio import catalog, folder_recipe, objectives
from ganstudio.training import augment, distributed, precision, schedule
from ganstudio.training.ada import AdaptiveAugment
from ganstudio.changes import Change
from ganstudio.config import ExperimentConfig
from ganstudio.data import DataSource, Progress, build_source
from ganstudio.models import ModelSpec, build_models, count_parameters, make_spec, standing_stats
from ganstudio.training.device import resolve_device
from ganstudio.training.health import Alarm
from ganstudio.training.history import History
from ganstudio.training.optimizer_state import optimizer_state, restore_optimizer
from ganstudio.training.quality import quality_arrays, quality_points
# the ways a step is refused, kept importable from here (where callers have always found them)
from ganstudio.training.step_errors import (OutOfMemory, StateMismatch, StepRefused,  # noqa: F401
                                            TrainingDiverged, _is_out_of_memory)

FIXED_SAMPLES = 64  # the fixed noise behind sample grids, so progress is seen on the same faces

Callback = Callable[[dict], None]


def _requires_grad(params: list[torch.Tensor], on: bool) -> None:
    for p in params:
        p.requires_grad_(on)


class Trainer:
    def __init__(self, config: ExperimentConfig, *, source: DataSource | None = None,
                 progress: Progress | None = None, device: str | None = None):
        config.raise_problems()
        self.config = config.copy()
        t = self.config.training
        self.world = distributed.current()  # None: one process, no wrappers
        self.device = distributed.place(resolve_device(device or t.device), self.world)
        self.source = source if source is not None else build_source(self.config,
                                                                     progress=progress)
        if self.world is not None:
            self.source = self.source.for_rank(self.world.rank, self.world.size,
                                               distributed.rank_seed(t.seed, self.world))
        # the 'My pictures' preset: settings fitted to the pictures' number and size
        self.fitted = []
        if t.adapt_to_data and self.source.kind == "image":
            self.fitted = folder_recipe.fit(self.config, self.source.count or self.config.data.size,
                                            self.source.image_size, self.source.num_classes > 0)
            self.config.raise_problems()
        self.spec: ModelSpec = make_spec(self.config, self.source)
        # what the maths computes in (training/precision.py): bf16 where the chip does it
        # natively, channels_last for convolutions, TF32 on graphics cards; "fp32" = exact
        self.precision = precision.choose(t.precision, self.device.type, self.spec.family)
        self.precision.apply()
        self.G, self.D = self._build(self.spec, t.seed)
        # what the forward passes that train each network go through: under torchrun a
        # DistributedDataParallel wrapper each (one around both would wait, in every backward
        # pass, for gradients of the network that pass does not train), which copies rank 0's
        # weights to every process now, before the EMA copy below is taken
        self._g_train, self._d_train = self.G, self.D
        if self.world is not None:
            self._g_train = distributed.wrap(self.G, self.device)
            self._d_train = distributed.wrap(self.D, self.device)
        self.stop_agreed = False  # under torchrun: every process agreed in step() to stop
        # float16 needs its losses scaled so small gradients do not vanish (one per network)
        self.scaler_d = self.precision.make_scaler()
        self.scaler_g = self.precision.make_scaler()
        self.ema = None
        self.opt_g = self._optimizer(self.G, self.config.optimizer.lr_g)
        self.opt_d = self._optimizer(self.D, self.config.optimizer.lr_d)
        # walking the module tree costs more than the small ops of a 2-D step: list once
        self._g_params = list(self.G.parameters())
        self._d_params = list(self.D.parameters())
        self._ema_pairs = None
        if t.ema > 0:
            self.start_ema()
        # every random number of training comes from here (noise, labels, augmentation...)
        self.rng = torch.Generator(device=self.device).manual_seed(
            distributed.rank_seed(t.seed, self.world) + 1)
        fixed = torch.Generator().manual_seed(t.seed + 2)
        self.fixed_z = torch.randn(FIXED_SAMPLES, self.spec.latent_dim, generator=fixed)
        k = max(self.spec.num_classes, 1)
        self.fixed_y = (torch.arange(FIXED_SAMPLES) % k) if self.spec.conditional else None
        self.steps_done = 0
        self.elapsed = 0.0  # seconds spent in steps, over all sessions of this run
        self.history = History()
        self.callbacks: list[Callback] = []
        # live quality (training/quality.py) and health alarms (training/health.py): kept
        # here so checkpoints hold them; the session measures and raises them
        self.quality_history: list = []  # QualityPoints, oldest first
        self.alarms: list = []  # every health Alarm raised in this run
        # every setting changed while the run trained (training/steering.py), oldest first
        self.changes: list = []
        # adaptive augmentation (training/ada.py): its probability follows D's overfitting
        self.ada = AdaptiveAugment.for_config(self.config)
        self._live_quality = None
        # held during a step, so another thread can copy the weights between steps
        self.lock = threading.RLock()
        self._last_penalty = None  # the last slope penalty computed (lazy ones skip updates)
        # the last numbers of each network's update: a step that trains only the other
        # network (training.update) records these for the one that rested
        self._last_d: tuple | None = None
        self._last_g: tuple | None = None

    def start_ema(self) -> None:
        """Start the averaged generator (EMA) from the generator as it is now."""
        self.ema = copy.deepcopy(self.G).requires_grad_(False).eval()
        self._ema_pairs = (list(self.ema.parameters()), self._g_params,
                           standing_stats.followed_buffers(self.ema, self.G))
        self._ema_has_norm = standing_stats.has_batch_norm(self.ema)
        self._ema_settled: tuple[int, int] | None = None  # (step, pictures) of its statistics

    def _build(self, spec: ModelSpec, seed: int):
        with torch.random.fork_rng(devices=[]):  # seed the init without touching global state
            torch.manual_seed(seed)
            G, D = build_models(spec)
        G, D = G.to(self.device), D.to(self.device)
        if self.precision.channels_last:
            G, D = (m.to(memory_format=torch.channels_last) for m in (G, D))
        return G, D

    def _optimizer(self, module: torch.nn.Module, lr: float) -> torch.optim.Optimizer:
        o = self.config.optimizer
        return catalog.build_optimizer(o.name, module.parameters(), lr, o,
                                       fused=self.precision.fused_optimizer)

    # --- facts ---------------------------------------------------------------------------------
    @property
    def parameter_counts(self) -> tuple[int, int]:
        return count_parameters(self.G), count_parameters(self.D)

    @property
    def target_steps(self) -> int:
        return self.config.training.steps

    # --- one step ------------------------------------------------------------------------------
    def _autocast(self):
        return self.precision.autocast()

    def _noise(self, n: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        z = torch.randn(n, self.spec.latent_dim, generator=self.rng, device=self.device)
        y = None
        if self.spec.conditional:
            y = torch.randint(self.spec.num_classes, (n,), generator=self.rng, device=self.device)
        return z, y

    def _seen_by_d(self, x: torch.Tensor) -> torch.Tensor:
        """Instance noise, then DiffAugment: applied alike to real and generated samples."""
        lc = self.config.loss
        sigma = augment.instance_noise_std(lc.instance_noise, self.steps_done,
                                           self.config.training.steps)
        if sigma > 0:
            x = x + sigma * torch.randn(x.shape, generator=self.rng, device=x.device,
                                        dtype=x.dtype)
        if self.ada is not None:
            return self.ada.apply(x, self.rng)
        if lc.diffaugment and x.ndim == 4:
            x = augment.diff_augment(x, lc.diffaugment, self.rng)
        return x

    def _backward(self, loss: torch.Tensor, scaler) -> None:
        (loss if scaler is None else scaler.scale(loss)).backward()

    def _update(self, what: str, loss: torch.Tensor, opt, scaler, params) -> torch.Tensor:
        """Check, then take one optimiser step; returns the (unscaled) gradient norm. Under a
        float16 loss scaler, gradients that overflowed skip this update and shrink the scale
        (usual early in a run); only a non-finite loss stops the run then."""
        if scaler is not None:
            scaler.unscale_(opt)
        grad_norm = torch.nn.utils.get_total_norm([p.grad for p in params if p.grad is not None])
        self._check(what, loss, grad_norm if scaler is None else loss)
        if scaler is None:
            opt.step()
        else:
            scaler.step(opt)
            scaler.update()
        return grad_norm

    def _check(self, what: str, loss: torch.Tensor, grad_norm: torch.Tensor) -> None:
        if not bool(torch.isfinite(loss) & torch.isfinite(grad_norm)):
            self.opt_d.zero_grad(set_to_none=True)
            self.opt_g.zero_grad(set_to_none=True)
            bad = "loss" if not torch.isfinite(loss) else "gradients"
            err = TrainingDiverged(self.steps_done + 1, f"the {what}'s {bad} became "
                                   f"{'NaN' if torch.isnan(loss) else 'infinite'}")
            raise err

    def _real_batch(self, n: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        real, y_real = self.source.next_batch(n)
        real = real.to(self.device, non_blocking=True)
        if self.precision.channels_last and real.ndim == 4:
            real = real.contiguous(memory_format=torch.channels_last)
        cond = self.spec.conditional
        y_real = y_real.to(self.device) if (cond and y_real is not None) else None
        return real, y_real

    def _d_step(self, d_update: int) -> tuple[torch.Tensor, ...]:
        """Discriminator update number ``d_update`` of the run: its loss, then each stabiliser
        that is on (the entries of ganstudio.objectives.STABILISERS, in their order): penalties
        added to the loss (a lazy one only on the updates it is due), weight clipping after
        the update."""
        lc = self.config.loss
        on = objectives.stabilisers_on(lc)
        penalties = objectives.penalties_due(lc, d_update)
        # a penalty on D's slope at its inputs reuses the forward pass: those inputs need grad
        grad_of = {g for s, _ in penalties for g in s.grad_of}
        real, y_real = self._real_batch(self.config.training.batch_size)
        z, y_fake = self._noise(len(real))
        with self._autocast():
            with torch.no_grad():
                fake = self.G(z, y_fake)
            real_in = self._seen_by_d(real)
            if "real" in grad_of:
                real_in = real_in.detach().requires_grad_(True)
            fake_in = self._seen_by_d(fake)
            if "fake" in grad_of:
                fake_in = fake_in.detach().requires_grad_(True)
            s_real = self._d_train(real_in, y_real).float()
            s_fake = self._d_train(fake_in, y_fake).float()
            if self.ada is not None:
                self.ada.observe(s_real.detach(), s_fake.detach())
            loss = objectives.d_loss(lc.name, s_real, s_fake, lc.label_smoothing)
            penalty = None  # the sum of the unweighted penalties, for the record
            if penalties:
                batch = objectives.DStep(self._d_train, real, fake, y_real, y_fake, real_in,
                                         fake_in, s_real, s_fake, self.rng)
                for s, weight in penalties:
                    value = s.penalty(batch)
                    penalty = value if penalty is None else penalty + value
                    loss = loss + weight * value
            if penalty is None:  # none due this update: the record shows the last one made
                penalty = self._last_penalty
                if penalty is None:
                    penalty = torch.zeros((), device=self.device)
            else:
                self._last_penalty = penalty.detach()
        self.opt_d.zero_grad(set_to_none=True)
        self._backward(loss, self.scaler_d)
        grad_norm = self._update("discriminator", loss, self.opt_d, self.scaler_d,
                                 self._d_params)
        for s in on:
            if s.after_update is not None:
                s.after_update(self._d_params, lc)
        shown = objectives.displayed_score
        return (loss.detach(), shown(lc.name, s_real.detach()).mean(),
                shown(lc.name, s_fake.detach()).mean(), grad_norm, penalty.detach())

    @torch.no_grad()
    def _d_numbers(self) -> tuple[torch.Tensor, ...]:
        """D's record numbers on a batch without updating it (a run that trains G alone from
        its first step)."""
        lc = self.config.loss
        real, y_real = self._real_batch(self.config.training.batch_size)
        z, y_fake = self._noise(len(real))
        with self._autocast():
            s_real = self.D(real, y_real).float()
            s_fake = self.D(self.G(z, y_fake), y_fake).float()
            loss = objectives.d_loss(lc.name, s_real, s_fake, lc.label_smoothing)
        zero = torch.zeros((), device=self.device)
        shown = objectives.displayed_score
        return (loss, shown(lc.name, s_real).mean(), shown(lc.name, s_fake).mean(), zero, zero)

    def _g_step(self) -> tuple[torch.Tensor, torch.Tensor]:
        name = self.config.loss.name
        n = self.config.training.batch_size
        s_real = None
        if objectives.loss(name).g_needs_real:  # a loss that pairs fakes with real samples
            real, y_real = self._real_batch(n)
            n = len(real)
            with torch.no_grad(), self._autocast():  # constants to G: no graph needed
                s_real = self.D(self._seen_by_d(real), y_real).float()
        z, y = self._noise(n)
        _requires_grad(self._d_params, False)  # no use computing D's gradients here
        try:
            with self._autocast():
                # D plain: its weights get no gradients here, so nothing to average
                score = self.D(self._seen_by_d(self._g_train(z, y)), y).float()
                loss = objectives.g_loss(name, score, s_real)
            self.opt_g.zero_grad(set_to_none=True)
            self._backward(loss, self.scaler_g)
        finally:
            _requires_grad(self._d_params, True)
        grad_norm = self._update("generator", loss, self.opt_g, self.scaler_g, self._g_params)
        self._update_ema()
        return loss.detach(), grad_norm

    def _follow_lr_schedule(self) -> None:
        o = self.config.optimizer
        if o.lr_decay == "none":
            return
        f = schedule.lr_factor(o.lr_decay, self.steps_done, self.config.training.steps,
                               o.decay_start)
        for opt, lr in ((self.opt_g, o.lr_g), (self.opt_d, o.lr_d)):
            for group in opt.param_groups:
                group["lr"] = lr * f

    @torch.no_grad()
    def _update_ema(self) -> None:
        if self.ema is None:
            return
        # a short warm-up (as in Adam's bias correction) so the average does not drag the
        # random initial weights along for thousands of steps
        n = self.steps_done
        decay = min(self.config.training.ema, (1 + n) / (10 + n))
        ema_params, g_params, buffers = self._ema_pairs
        torch._foreach_lerp_(ema_params, g_params, 1 - decay)
        for be, b in buffers:
            be.copy_(b)

    def step(self, stop: bool = False) -> dict:
        """One training step (n_critic D updates, one G update); returns its record. Under
        torchrun, ``stop`` says this process was asked to stop: ``stop_agreed`` then tells every
        process, after the same step, that one was."""
        with self.lock:
            t0 = time.perf_counter()
            if not self.G.training:  # sampling may have left them in eval mode
                self.G.train()
            if not self.D.training:
                self.D.train()
            n_critic = self.config.training.n_critic
            update = self.config.training.update  # "both", or one network alone ("d", "g")
            self._follow_lr_schedule()
            try:
                if update != "g":
                    for i in range(n_critic):
                        self._last_d = self._d_step(self.steps_done * n_critic + i)
                elif self._last_d is None:  # G alone from the start: D's numbers as they are
                    self._last_d = self._d_numbers()
                if update != "d":
                    self._last_g = self._g_step()
                elif self._last_g is None:
                    self._last_g = (torch.zeros((), device=self.device),) * 2
                (d_loss, d_real, d_fake, d_gn, penalty), (g_loss, g_gn) = \
                    self._last_d, self._last_g
            except RuntimeError as e:
                if isinstance(e, StepRefused) or not _is_out_of_memory(e):
                    raise
                self.opt_d.zero_grad(set_to_none=True)  # free what the failed step held
                self.opt_g.zero_grad(set_to_none=True)
                raise OutOfMemory(self.steps_done + 1, self.device) from None
            # one device-to-host copy per step, not one per number
            values = torch.stack([d_loss, g_loss, d_real, d_fake, d_gn, g_gn, penalty])
            if self.world is not None:  # the means over processes, and a stop any was asked
                values, stop = distributed.reduce_step(values, stop, self.world)
            values = values.float().cpu().tolist()
            self.steps_done += 1
            dt = time.perf_counter() - t0
            self.elapsed += dt
            record = dict(zip(("d_loss", "g_loss", "d_real", "d_fake", "d_grad_norm",
                               "g_grad_norm", "penalty"), values))
            processes = 1 if self.world is None else self.world.size
            record.update(step=self.steps_done, step_time=dt, samples_per_s=processes
                          * self.config.training.batch_size * n_critic / dt)
            self.history.append(record)
            self.stop_agreed = stop  # every process learns it in the same step
        for cb in list(self.callbacks):
            cb(record)
        return record

    # --- sampling ------------------------------------------------------------------------------
    def sampling_generator(self, use_ema: bool = True, *, stale_ok: bool = False
                           ) -> torch.nn.Module:
        """The EMA generator when there is one (its samples are smoother), else G. The EMA's
        batch-norm statistics are measured again when its weights moved since; ``stale_ok``
        (live pictures) takes them from fewer pictures and up to 5% of the run's steps old, so
        a picture every fraction of a second costs a few milliseconds more, not 0.3 s."""
        if not (use_ema and self.ema is not None):
            return self.G
        if self._ema_has_norm:
            want = standing_stats.LIVE_PICTURES if stale_ok else standing_stats.PICTURES
            done = self._ema_settled
            if done is None or not ((done[0] == self.steps_done and done[1] >= want) or (
                    stale_ok and self.steps_done - done[0] <= self.steps_done // 20)):
                with self.lock:
                    standing_stats.settle(self.ema, self.spec.latent_dim,
                                          self.spec.num_classes, pictures=want)
                    self._ema_settled = (self.steps_done, want)
        return self.ema

    @torch.no_grad()
    def sample(self, z: torch.Tensor | None = None, y: torch.Tensor | None = None, *,
               n: int = 64, use_ema: bool = True, stale_ok: bool = False) -> torch.Tensor:
        """Generated samples on the CPU (pictures in [-1, 1])."""
        with self.lock:
            G = self.sampling_generator(use_ema, stale_ok=stale_ok)
            was_training = G.training
            G.eval()
            try:
                if z is None:
                    z = torch.randn(n, self.spec.latent_dim, generator=self.rng,
                                    device=self.device)
                if y is None and self.spec.conditional:
                    y = torch.arange(len(z)) % self.spec.num_classes
                z = z.to(self.device)
                y = y.to(self.device) if y is not None else None
                return G(z, y).float().cpu().contiguous()
            finally:
                G.train(was_training)

    def fixed_samples(self, use_ema: bool = True, *, stale_ok: bool = False) -> torch.Tensor:
        return self.sample(self.fixed_z, self.fixed_y, use_ema=use_ema, stale_ok=stale_ok)

    def snapshot_generator(self, use_ema: bool = True) -> torch.nn.Module:
        """A CPU copy of the sampling generator in eval mode: safe to use from another thread
        while training goes on."""
        with self.lock:
            G = copy.deepcopy(self.sampling_generator(use_ema)).cpu().eval()
        return G.requires_grad_(False)

    def live_quality(self):
        """What measures this run's quality while it trains (training/quality.py), made once;
        None when training.quality_every is 0."""
        every = self.config.training.quality_every
        if not every or not distributed.is_main():  # under torchrun: rank 0 measures
            return None
        if self._live_quality is None or self._live_quality.every != every:
            from ganstudio.training.quality import LiveQuality

            self._live_quality = LiveQuality(self, every)
        return self._live_quality

    # --- state -----------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """Everything needed to continue this run exactly: CPU copies of the networks, the
        optimisers' states, the random generators, the data order, the fixed noise, the step
        count, time spent and the metric history. ``load_state_dict`` takes it back; a
        checkpoint (training/checkpoint.py) is this, written as one safetensors file."""
        def module(m):  # contiguous: channels_last weights are saved in the usual layout
            return {k: v.detach().cpu().contiguous().clone() for k, v in m.state_dict().items()}

        with self.lock:
            if self.ema is not None:
                self.sampling_generator()  # its batch-norm statistics measured for these weights
            return {
                "G": module(self.G), "D": module(self.D),
                "EMA": module(self.ema) if self.ema is not None else None,
                "opt_g": optimizer_state(self.opt_g), "opt_d": optimizer_state(self.opt_d),
                "rng": self.rng.get_state().cpu(), "data": dict(self.source.state_dict()),
                "fixed_z": self.fixed_z.clone(),
                "fixed_y": None if self.fixed_y is None else self.fixed_y.clone(),
                "steps_done": self.steps_done, "elapsed": self.elapsed,
                "history": self.history.to_arrays(),
                "quality": quality_arrays(self.quality_history),
                "alarms": [a.to_json() for a in self.alarms],
                "changes": [c.to_json() for c in self.changes],
                "augment": self.ada.state() if self.ada is not None else None,
            }

    def load_state_dict(self, state: dict) -> None:
        """Continue the run ``state`` came from (see ``state_dict``). Settings that do not change
        the networks (learning rates, betas, momentum, the step budget) stay this trainer's.
        Raises ``StateMismatch`` naming the part that does not fit; nothing is changed then
        except, possibly, the weights already loaded (load again or rebuild)."""
        def module(m, sd, what):
            try:
                m.load_state_dict(sd, strict=True)
            except RuntimeError:
                raise StateMismatch(what, f"the {what} weights do not fit the network") from None

        with self.lock:
            module(self.G, state["G"], "generator")
            module(self.D, state["D"], "discriminator")
            if self.ema is not None:
                module(self.ema, state.get("EMA") or state["G"], "averaged generator")
                self._ema_settled = None
            # settings changed since (a new learning rate, say) win over the saved ones
            o = self.config.optimizer
            restore_optimizer(self.opt_g, state["opt_g"], o.lr_g, o)
            restore_optimizer(self.opt_d, state["opt_d"], o.lr_d, o)
            self.rng.set_state(state["rng"])
            try:
                self.source.load_state_dict(state["data"])
            except (KeyError, TypeError, RuntimeError, ValueError):
                pass  # another data set of the same shape: start its order afresh
            self.fixed_z = state["fixed_z"].clone()
            if state.get("fixed_y") is not None:
                self.fixed_y = state["fixed_y"].clone()
            self.steps_done = int(state["steps_done"])
            self.elapsed = float(state.get("elapsed", 0.0))
            arrays = state.get("history") or {}
            self.history = History.from_arrays(arrays) if arrays else History()
            self.history.truncate(self.steps_done)
            self.quality_history = [p for p in quality_points(state.get("quality") or {})
                                    if p.step <= self.steps_done]
            self.alarms = [Alarm.from_json(a) for a in state.get("alarms") or []
                           if a.get("step", 0) <= self.steps_done]
            self.changes = [Change.from_json(c) for c in state.get("changes") or []
                            if c.get("step", 0) <= self.steps_done]
            if self.ada is not None:
                self.ada.load(state.get("augment"))
            if self.world is not None and not self.world.main:
                self._own_streams()

    def _own_streams(self) -> None:
        """After loading a checkpoint (rank 0's random streams), a process other than rank 0
        draws its own again: noise, and drawn data (stored data keeps the shared order)."""
        seed = distributed.rank_seed(self.config.training.seed, self.world, self.steps_done)
        self.rng.manual_seed(seed + 1)
        if self.source.count is None:
            self.source = self.source.fresh(seed)

    # --- checkpoints ---------------------------------------------------------------------------
    def save_checkpoint(self, path, **options):
        """Write a checkpoint (see training.checkpoint.save_checkpoint for ``options``)."""
        from ganstudio.training.checkpoint import save_checkpoint

        return save_checkpoint(self, path, **options)

    @classmethod
    def from_checkpoint(cls, path, *, source: DataSource | None = None,
                        progress: Progress | None = None, device: str | None = None,
                        config: ExperimentConfig | None = None) -> "Trainer":
        """Rebuild a run from a checkpoint and its embedded config, ready to continue.

        ``config`` may change what does not change the networks (steps, learning rates...).
        """
        from ganstudio.training.checkpoint import load_checkpoint

        ckpt = load_checkpoint(path)
        trainer = cls(config or ckpt.config, source=source, progress=progress, device=device)
        trainer.load_state(ckpt)
        return trainer

    def load_state(self, ckpt) -> None:
        """Continue from a loaded checkpoint (training.checkpoint.load_checkpoint)."""
        from ganstudio.training.checkpoint import restore_trainer

        restore_trainer(self, ckpt)
