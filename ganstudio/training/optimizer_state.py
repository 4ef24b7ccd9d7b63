"""An optimiser's state, saved and taken back: what a checkpoint keeps of Adam's moments (or
RMSprop's, SGD's momentum) so a run continues exactly, and how it is fitted to the optimiser
that continues it, which may be set up differently (another learning rate, fused or not)."""

from __future__ import annotations

import copy

import torch

from ganstudio.training.step_errors import StateMismatch


def optimizer_state(opt: torch.optim.Optimizer) -> dict:
    """CPU copies of ``opt``'s state, contiguous (channels_last buffers in the usual layout)."""
    sd = opt.state_dict()
    state = {i: {k: (v.detach().cpu().contiguous().clone() if torch.is_tensor(v) else v)
                 for k, v in entry.items()} for i, entry in sd["state"].items()}
    return {"state": state, "param_groups": copy.deepcopy(sd["param_groups"])}


def restore_optimizer(opt: torch.optim.Optimizer, state: dict, lr: float, o) -> None:
    """Load ``state`` into ``opt``; the settings of now (``lr``, the [optimizer] section ``o``)
    win over the saved ones. Raises StateMismatch when the state does not fit."""
    try:
        opt.load_state_dict(state)
    except (KeyError, ValueError, RuntimeError):
        raise StateMismatch("optimiser", "the optimiser state is damaged, or is for another "
                            "optimiser") from None
    _match_layouts(opt)
    for group in opt.param_groups:
        group["lr"] = lr
        # fused or not is this machine's choice, not the one the file was made on
        for key in ("fused", "foreach"):
            if key in group:
                group[key] = opt.defaults.get(key)
        if "betas" in group:
            group["betas"] = (o.beta1, o.beta2)
        if "momentum" in group:
            group["momentum"] = o.momentum


def _match_layouts(opt: torch.optim.Optimizer) -> None:
    """Give each loaded buffer its weight's memory layout: a checkpoint holds them contiguous,
    and a fused step walks a channels_last weight and its buffers in memory order (mismatched,
    it would pair each weight with another's moments)."""
    for group in opt.param_groups:
        for p in group["params"]:
            for key, v in opt.state.get(p, {}).items():
                if torch.is_tensor(v) and v.shape == p.shape and v.stride() != p.stride():
                    opt.state[p][key] = torch.empty_like(p, dtype=v.dtype).copy_(v)
