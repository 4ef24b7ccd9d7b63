"""training/precision.py: which number format a run uses, chosen on any machine."""

import pytest
import torch

from ganstudio.training import precision, train
from ganstudio.training.precision import choose


def test_fp32_is_plain_32_bit_everywhere():
    for dev in ("cpu", "cuda", "mps"):
        p = choose("fp32", dev, "dcgan", cpu_bf16=True, cuda_bf16=True)
        assert p.dtype is None and not p.channels_last and not p.scaler and not p.tf32
        assert not p.fused_optimizer


def test_auto_on_a_processor_uses_bf16_only_for_convolutions_and_only_when_native():
    assert choose("auto", "cpu", "dcgan", cpu_bf16=True).dtype is torch.bfloat16
    assert choose("auto", "cpu", "dcgan", cpu_bf16=True).channels_last
    assert choose("auto", "cpu", "dcgan", cpu_bf16=False).dtype is None
    assert choose("auto", "cpu", "mlp", cpu_bf16=True).dtype is None


def test_graphics_cards_use_bf16_else_fp16_with_a_scaler_and_tf32():
    p = choose("auto", "cuda", "dcgan", cuda_bf16=True)
    assert (p.dtype, p.scaler, p.tf32, p.cudnn_benchmark) == (torch.bfloat16, False, True, True)
    p = choose("auto", "cuda", "mlp", cuda_bf16=False)
    assert (p.dtype, p.scaler, p.channels_last) == (torch.float16, True, False)
    assert choose("auto", "mps", "dcgan").dtype is None  # not measured there yet
    assert choose("fp16", "mps", "dcgan").scaler


def test_every_setting_but_fp32_takes_the_fused_optimiser_step(make_config):
    from ganstudio.training import Trainer

    assert choose("auto", "cpu", "mlp", cpu_bf16=False).fused_optimizer
    assert choose("auto", "cuda", "dcgan", cuda_bf16=True).fused_optimizer
    fused = Trainer(make_config("ring", training__precision="auto"))
    plain = Trainer(make_config("ring", training__precision="fp32"))
    assert fused.opt_g.defaults["fused"] and fused.opt_d.defaults["fused"]
    assert not plain.opt_g.defaults["fused"]
    # the same formula: a step of each from the same weights lands within rounding
    a, b = fused.step(), plain.step()
    assert a["d_loss"] == pytest.approx(b["d_loss"], rel=1e-5)
    for p, q in zip(fused.G.parameters(), plain.G.parameters()):
        assert torch.allclose(p, q, rtol=1e-4, atol=1e-6)


def test_a_run_saved_unfused_continues_fused_where_this_setting_fuses(make_config):
    from ganstudio.training import Trainer

    saved = Trainer(make_config("ring", training__precision="fp32"))
    saved.step()
    resumed = Trainer(make_config("ring", training__precision="auto"))
    resumed.load_state_dict(saved.state_dict())
    assert all(g["fused"] for g in resumed.opt_g.param_groups + resumed.opt_d.param_groups)
    back = Trainer(make_config("ring", training__precision="fp32"))
    back.load_state_dict(resumed.state_dict())
    assert not any(g["fused"] for g in back.opt_g.param_groups)


def test_an_optimiser_torch_cannot_fuse_falls_back_to_its_loop():
    from types import SimpleNamespace

    from ganstudio import catalog

    o = SimpleNamespace(beta1=0.5, beta2=0.999, momentum=0.0)
    w = [torch.zeros(3, dtype=torch.float64, requires_grad=True)]  # fine for either
    assert catalog.build_optimizer("adam", w, 1e-3, o, fused=True).defaults["fused"]

    def build(fused=False):  # as torch refuses where it has no fused kernel for the device
        if fused:
            raise RuntimeError("fused=True requires all the params to be on a supported device")
        return torch.optim.Adam(w)

    assert not catalog._fusable(build).defaults["fused"]
    assert catalog.build_optimizer("rmsprop", w, 1e-3, o, fused=True) is not None


def test_unknown_setting_is_refused():
    with pytest.raises(ValueError):
        choose("fp8", "cpu", "dcgan")


def test_cpuinfo_flags_are_read():
    assert precision._flags_have_bf16("flags\t: fpu avx512f avx512_bf16 amx_tile\n")
    assert not precision._flags_have_bf16("flags\t: fpu avx2 avx512f\n")


def test_a_bf16_run_trains_saves_and_resumes(make_config, tmp_path):
    from ganstudio.training import Trainer

    cfg = make_config("digits", training__precision="bf16", training__steps=3)
    t = Trainer(cfg)
    assert t.precision.dtype is torch.bfloat16 and t.precision.channels_last
    train(t, 2)
    path = t.save_checkpoint(tmp_path / "c.safetensors")
    again = Trainer.from_checkpoint(path)
    a, b = t.step(), again.step()
    assert a["d_loss"] == b["d_loss"] and a["g_loss"] == b["g_loss"]
    assert t.sample(n=4).is_contiguous()


def test_the_number_format_is_said_in_words():
    assert choose("fp32", "cpu", "dcgan").label == "32-bit numbers"
    assert choose("auto", "cpu", "dcgan", cpu_bf16=True).label == "16-bit numbers (bf16)"
    assert choose("auto", "cuda", "mlp", cuda_bf16=False).label == \
        "16-bit numbers (fp16, loss scaling)"
