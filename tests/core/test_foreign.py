"""Generators from elsewhere: the PyTorch DCGAN example's netG.pth opens for sampling and
exploring, with the example's own pictures; what cannot be mapped is said in one line."""

import pickle

import pytest
import torch
from PIL import Image
from torch import nn

from ganstudio.cli import main
from ganstudio.explore.exploration import Exploration
from ganstudio.training.checkpoint import load_checkpoint, load_generator
from ganstudio.training.foreign import ForeignModelError


class ExampleGenerator(nn.Module):
    """The generator of the classic PyTorch DCGAN example, written out from its architecture
    (Radford et al. 2016 as the example builds it): nz -> ngf*8 (4 x 4) -> ... -> nc (64 x 64)."""

    def __init__(self, nz=100, ngf=64, nc=3):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 8),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 4),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, z):  # the example feeds noise of shape (N, nz, 1, 1)
        return self.main(z)


def trained_like(net, seed=0):
    """Weights and batch-norm statistics away from their start, as after training."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, v in net.state_dict().items():
            if name.endswith("running_var"):
                v.copy_(torch.rand(v.shape, generator=gen) + 0.5)
            elif name.endswith("num_batches_tracked"):
                v.fill_(1000)
            elif v.dim() == 1 and name.endswith("weight"):  # batch-norm scales
                v.copy_(1 + 0.2 * torch.randn(v.shape, generator=gen))
            elif v.is_floating_point():
                v.copy_(torch.randn(v.shape, generator=gen) * 0.05)
    return net.eval()


@pytest.fixture(scope="module")
def netG(tmp_path_factory):
    ref = trained_like(ExampleGenerator())
    path = tmp_path_factory.mktemp("foreign") / "netG.pth"
    torch.save(ref.state_dict(), path)
    return path, ref


def test_the_examples_generator_draws_its_own_pictures_here(netG):
    path, ref = netG
    G, ckpt = load_generator(path)
    spec = ckpt.spec
    assert (spec.family, spec.latent_dim, spec.g_width, spec.channels, spec.image_size) == \
        ("dcgan", 100, 64, 3, 64)
    assert ckpt.generator_only
    z = torch.randn(6, 100, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        want = ref(z[:, :, None, None])
        got = G(z)
    assert want.abs().max() > 0.5  # pictures, not a flat grey
    assert torch.equal(got, want)  # the same layers in the same order: the same numbers


def test_it_opens_in_the_explorer_and_in_ganstudio_sample(netG, tmp_path, capsys):
    path, _ = netG
    ex = Exploration.from_checkpoint(path)
    assert ex.picture().shape == (64, 64, 3)
    assert "netG.pth" in ex.title and "PyTorch DCGAN example" in ex.title
    out = tmp_path / "grid.png"
    assert main(["sample", str(path), "--n", "4", "--nrow", "2", "--out", str(out)]) == 0
    assert Image.open(out).size[0] >= 2 * 64
    assert main(["info", str(path)]) == 0
    assert "only the generator" in capsys.readouterr().out
    assert main(["train", "--resume", str(path), "--out", str(tmp_path / "r")]) == 2
    assert "cannot continue training" in capsys.readouterr().err


def test_other_sizes_and_a_dataparallel_prefix_map_too(tmp_path):
    ref = trained_like(ExampleGenerator(nz=16, ngf=8, nc=1))
    torch.save({"module." + k: v for k, v in ref.state_dict().items()}, tmp_path / "g.pt")
    G, ckpt = load_generator(tmp_path / "g.pt")
    assert (ckpt.spec.latent_dim, ckpt.spec.g_width, ckpt.spec.channels) == (16, 8, 1)
    z = torch.randn(3, 16)
    with torch.no_grad():
        assert torch.equal(G(z), ref(z[:, :, None, None]))


class Evil:
    def __reduce__(self):
        return (print, ("this ran",))


@pytest.mark.parametrize("content, words", [
    (lambda: {"fc.weight": torch.zeros(3, 3)}, "not a generator of the PyTorch DCGAN example"),
    (lambda: {"main.0.weight": torch.zeros(100, 512, 3, 3)}, "not a 4 x 4 transposed"),
    (lambda: {k: v for k, v in ExampleGenerator().state_dict().items() if k != "main.4.bias"},
     "do not fit the layout"),
    (lambda: {"main.0.weight": torch.zeros(100, 512, 4, 4),
              "main.3.weight": torch.zeros(512, 100, 4, 4)}, "do not halve"),
    (lambda: [torch.zeros(2)], "is not a state dict"),
    (lambda: ExampleGenerator(nz=4, ngf=2, nc=1), "a whole pickled model"),
], ids=["other-names", "other-kernel", "missing-weight", "other-channels", "a-list",
        "pickled-module"])
def test_what_cannot_be_mapped_is_one_line(tmp_path, content, words, capsys):
    path = tmp_path / "netG.pth"
    torch.save(content(), path)
    with pytest.raises(ForeignModelError, match=words):
        load_checkpoint(path)
    assert main(["sample", str(path), "--out", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("ganstudio: error: netG.pth")


def test_code_in_the_file_never_runs_and_junk_is_refused(tmp_path, capsys):
    evil = tmp_path / "netG.pth"
    evil.write_bytes(pickle.dumps({"main.0.weight": Evil()}))
    torch.save({"x": Evil()}, tmp_path / "evil2.pth")
    (tmp_path / "junk.pth").write_bytes(b"\x00" * 40)
    for name in ("netG.pth", "evil2.pth", "junk.pth"):
        with pytest.raises(ForeignModelError):
            load_checkpoint(tmp_path / name)
    assert "this ran" not in capsys.readouterr().out
    with pytest.raises(ForeignModelError, match="no such file"):
        load_checkpoint(tmp_path / "absent.pth")
