"""Breeding samples (explore/breeding.py, ganstudio breed) and one noise through two models
(explore/two_models.py, ganstudio sample --compare), without any GUI."""

import json

import numpy as np
import pytest
from PIL import Image

from ganstudio.cli import main
from ganstudio.errors import UserError
from ganstudio.explore.breed_command import explorer_for
from ganstudio.explore.breeding import Family, breed_noise, lineage_strip
from ganstudio.paths import resources_dir

DIM = 64
FASHION = resources_dir() / "demos" / "fashion-mnist.safetensors"


def noise(seed, n=1):
    return np.random.default_rng(seed).standard_normal((n, DIM)).astype(np.float32)


def two_parents():
    fam = Family(DIM)
    a, b = fam.add_root(noise(1)[0], seed=1), fam.add_root(noise(2)[0], seed=2)
    return fam, a, b


def residual_off_parents(z, parents):
    """How much of z lies outside the plane (span) of the parents' noise."""
    basis, _ = np.linalg.qr(np.stack(parents).T.astype(np.float64))
    return np.linalg.norm(z - basis @ (basis.T @ z)) / np.linalg.norm(z)


# --- children ------------------------------------------------------------------------------------
def test_children_lie_between_their_parents():
    fam, a, b = two_parents()
    kids = fam.children([a, b], 32, mutation=0.15, seed=0)
    strangers = noise(99, 32)
    for kid, stranger in zip(kids, strangers):
        near = min(np.linalg.norm(kid.z - a.z), np.linalg.norm(kid.z - b.z))
        far = min(np.linalg.norm(stranger - a.z), np.linalg.norm(stranger - b.z))
        assert near < 0.8 * far  # nearer a parent than random noise is
        # between them: about as near each parent as the other parent is, at most
        assert np.linalg.norm(kid.z - a.z) < 1.15 * np.linalg.norm(b.z - a.z)
        assert np.linalg.norm(kid.z - b.z) < 1.15 * np.linalg.norm(b.z - a.z)
    assert {k.generation for k in kids} == {1} and kids[0].parents == (a.id, b.id)


def test_mutation_zero_gives_pure_spherical_blends():
    fam, a, b = two_parents()
    lo, hi = sorted([np.linalg.norm(a.z), np.linalg.norm(b.z)])
    for kid in fam.children([a, b], 16, mutation=0.0, seed=3):
        assert residual_off_parents(kid.z, [a.z, b.z]) < 1e-5  # nothing but the parents
        apart = np.linalg.norm(b.z - a.z)  # on the arc from one to the other
        assert max(np.linalg.norm(kid.z - a.z), np.linalg.norm(kid.z - b.z)) <= apart + 1e-4
        assert lo - 1e-4 <= np.linalg.norm(kid.z) <= hi + 1e-4  # a typical length
        assert abs(sum(kid.weights) - 1) < 1e-6 and min(kid.weights) >= 0
    mutated = fam.children([a, b], 16, mutation=0.5, seed=3)
    assert min(residual_off_parents(k.z, [a.z, b.z]) for k in mutated) > 0.3


def test_three_parents_and_crossover_take_only_from_the_parents():
    fam = Family(DIM)
    ps = [fam.add_root(z) for z in noise(5, 3)]
    for kid in fam.children(ps, 8, mutation=0.0, seed=1):
        assert residual_off_parents(kid.z, [p.z for p in ps]) < 1e-5
    for kid in fam.children(ps, 8, mutation=0.0, seed=1, crossover=True):
        from_parent = np.stack([p.z for p in ps]) == kid.z  # each number from one parent
        assert from_parent.any(axis=0).all()


def test_the_noise_keeps_a_typical_length_at_any_mutation():
    parents = noise(7, 2)
    for m in (0.0, 0.3, 0.7, 1.0):
        zs, _ = breed_noise(parents, 200, m, seed=2)
        assert 0.85 * np.sqrt(DIM) < np.linalg.norm(zs, axis=1).mean() < 1.15 * np.sqrt(DIM)
    straight = parents.mean(0)  # what a plain average would give: much shorter
    assert np.linalg.norm(straight) < 0.8 * np.sqrt(DIM)


def test_the_same_seed_makes_the_same_children():
    fam1, a1, b1 = two_parents()
    fam2, a2, b2 = two_parents()
    first = [k.z for k in fam1.children([a1, b1], 6, 0.3, seed=11)]
    again = [k.z for k in fam2.children([a2, b2], 6, 0.3, seed=11)]
    other = [k.z for k in fam2.children([a2, b2], 6, 0.3, seed=12)]
    assert all(np.array_equal(x, y) for x, y in zip(first, again))
    assert not any(np.allclose(x, y) for x, y in zip(first, other))


def test_children_of_a_model_with_labels_take_a_parents_label():
    fam = Family(DIM, num_classes=10)
    a, b = fam.add_root(noise(1)[0], label=3), fam.add_root(noise(2)[0], label=8)
    labels = {k.label for k in fam.children([a, b], 40, 0.2, seed=0)}
    assert labels == {3, 8}
    with pytest.raises(UserError, match="between 0 and 9"):
        fam.add_root(noise(3)[0], label=12)


def test_wrong_noise_and_strength_are_refused_in_words():
    fam = Family(DIM)
    with pytest.raises(UserError, match="has 10 numbers; the model takes 64"):
        fam.add_root(np.zeros(10))
    with pytest.raises(UserError, match="not finite"):
        fam.add_root(np.full(DIM, np.nan))
    with pytest.raises(UserError, match="between 0 and 1"):
        breed_noise(noise(1, 2), 3, 1.5, seed=0)


# --- the family tree -----------------------------------------------------------------------------
def three_generations():
    fam, a, b = two_parents()
    c = fam.add_root(noise(3)[0], seed=3)
    g1 = fam.children([a, b], 4, 0.2, seed=1)
    g2 = fam.children([g1[2], c], 3, 0.2, seed=2)  # a child of gen 1 and a root
    g3 = fam.children([g2[0], g1[0]], 2, 0.2, seed=3)
    return fam, (a, b, c), g1, g2, g3


def test_the_tree_walks_back_to_its_roots():
    fam, (a, b, c), g1, g2, g3 = three_generations()
    kid = g3[1]
    assert kid.generation == 3
    ancestors = {m.id for m in fam.ancestors(kid.id)}
    assert ancestors == {a.id, b.id, c.id, g1[2].id, g1[0].id, g2[0].id}
    line = fam.line(kid.id)
    assert [m.generation for m in line] == [0, 1, 2, 3] and line[-1] is kid
    assert line[0].is_root and line[0].id in (a.id, b.id)
    for child, parent in zip(line[1:], line[:-1]):
        assert parent.id in child.parents
    assert [len(row) for row in fam.generations()] == [3, 4, 3, 2]


def test_the_family_round_trips_through_json(tmp_path):
    fam, *_ = three_generations()
    fam.checkpoint = str(FASHION)
    path = fam.save(tmp_path / "family.json")
    back = Family.load(path)
    assert back.to_json() == fam.to_json()
    assert json.loads(path.read_text())["checkpoint"] == str(FASHION)
    for id, m in fam.members.items():
        assert np.array_equal(back[id].z, m.z) and back[id].parents == m.parents
    (tmp_path / "not.json").write_text("{\"format\": \"something else\"}")
    with pytest.raises(UserError, match="not a GAN Studio family tree"):
        Family.load(tmp_path / "not.json")
    with pytest.raises(UserError, match="no such file"):
        Family.load(tmp_path / "missing.json")


@pytest.fixture(scope="module")
def fashion():
    return explorer_for(FASHION)[0]


def test_the_lineage_strip_has_one_picture_per_generation(fashion):
    fam = Family(DIM, num_classes=10)
    a, b = fam.add_root(noise(1)[0], label=0), fam.add_root(noise(2)[0], label=0)
    g1 = fam.children([a, b], 2, 0.3, seed=0)
    g2 = fam.children(g1, 2, 0.3, seed=1)
    strip = lineage_strip(fam, g2[0].id, fashion, size=64)
    gap = 6
    assert strip.shape[1] == 3 * 64 + 4 * gap  # roots, gen 1, gen 2
    cells = [strip[gap:gap + 64, gap + i * (64 + gap):gap + i * (64 + gap) + 64]
             for i in range(3)]
    assert all(c.std() > 5 for c in cells)  # a picture in each
    assert not np.array_equal(cells[0], cells[2])


# --- the command line ----------------------------------------------------------------------------
def test_breed_writes_parents_and_children_and_their_noise(tmp_path, capsys, fashion):
    out = tmp_path / "kids.png"
    np.save(tmp_path / "found.npy", fashion.z_for_seed(5).numpy()[None])  # (1, 64), as project
    code = main(["breed", str(FASHION), "--parents", "3", str(tmp_path / "found.npy"),
                 "--children", "6", "--mutation", "0.25", "--out", str(out),
                 "--save-noise", str(tmp_path / "kids"), "--family", str(tmp_path / "f.json")])
    assert code == 0
    printed = capsys.readouterr().out.split()
    assert printed[0] == str(out) and len(printed) == 1 + 6 + 1
    im = np.asarray(Image.open(out))
    assert im.shape[0] > 2 * 96 and im.std() > 10  # two rows: parents, children
    kid = np.load(tmp_path / "kids" / "child-1.npy")
    fam = Family.load(tmp_path / "f.json")
    assert kid.shape == (DIM,) and np.array_equal(fam[2].z, kid)
    assert fam[2].parents == (0, 1) and fam[0].seed == 3 and fam[1].origin == "found.npy"
    # the children's noise breeds again, and the same seed gives the same picture
    again = tmp_path / "again.png"
    assert main(["breed", str(FASHION), "--parents", "3", str(tmp_path / "found.npy"),
                 "--children", "6", "--mutation", "0.25", "--out", str(again)]) == 0
    assert np.array_equal(np.asarray(Image.open(again)), im)
    assert main(["breed", str(FASHION), "--parents", str(tmp_path / "kids" / "child-1.npy"),
                 "4", "7", "--children", "2", "--out", str(again)]) == 0


def test_breed_takes_each_parents_label_after_a_colon(tmp_path, fashion):
    np.save(tmp_path / "found.npy", fashion.z_for_seed(5).numpy())
    code = main(["breed", str(FASHION), "--parents", "3:Trouser", f"{tmp_path}/found.npy:6",
                 "9", "--label", "2", "--children", "30", "--out", str(tmp_path / "k.png"),
                 "--family", str(tmp_path / "f.json")])
    assert code == 0
    fam = Family.load(tmp_path / "f.json")
    assert [fam[i].label for i in range(3)] == [1, 6, 2]
    assert {m.label for m in fam.members.values() if not m.is_root} == {1, 6, 2}


@pytest.mark.parametrize("args, expected", [
    (["--parents", "3", "{tmp}/missing.npy"], "no such noise file"),
    (["--parents", "3", "{tmp}/wrong.npy"], "wrong.npy holds 3 samples of noise; one is needed"),
    (["--parents", "3", "{tmp}/words.txt"], "words.txt is not a NumPy .npy file"),
    (["--parents", "3", "three"], "'three' is neither a seed"),
    (["--parents", "3"], "two or more parents"),
    (["--parents", "3", "4", "--mutation", "2"], "--mutation must be between 0"),
    (["--parents", "3", "4", "--children", "0"], "--children must be between 1"),
    (["--parents", "3:12", "4"], "'3:12': the label must be between 0 and 9"),
])
def test_breed_refuses_bad_input_with_one_line_and_exit_2(args, expected, tmp_path, capsys):
    np.save(tmp_path / "wrong.npy", np.zeros((3, DIM), np.float32))
    (tmp_path / "words.txt").write_text("hello")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    code = main(["breed", str(FASHION), *args, "--out", str(tmp_path / "x.png")])
    err = capsys.readouterr().err
    assert code == 2 and expected in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err and not (tmp_path / "x.png").exists()


def test_sample_compare_draws_one_noise_through_two_models(tmp_path, capsys):
    out = tmp_path / "ab.png"
    digits = resources_dir() / "demos" / "digits.safetensors"
    code = main(["sample", str(FASHION), "--compare", str(digits), "--n", "9", "--out", str(out)])
    assert code == 0 and capsys.readouterr().out.strip() == str(out)
    im = np.asarray(Image.open(out).convert("L")).astype(float)
    half = (im.shape[1] - 16) // 2
    left, right = im[20:, :half], im[20:, half + 16:]
    assert left.std() > 10 and right.std() > 10 and np.abs(left - right).mean() > 10
    ring = resources_dir() / "demos" / "ring.safetensors"
    code = main(["sample", str(FASHION), "--compare", str(ring), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "cannot draw the same noise" in err and "Traceback" not in err


def test_snapshots_are_named_by_step_and_found_from_any_file_of_the_run(tmp_path):
    from ganstudio.explore.two_models import describe, run_snapshots
    from ganstudio.training.checkpoint import load_checkpoint

    snaps = tmp_path / "run-1" / "snapshots"
    snaps.mkdir(parents=True)
    for step in (10, 200, 50):
        (snaps / f"step-{step:07d}.safetensors").write_bytes(FASHION.read_bytes())
    listed = run_snapshots(tmp_path / "run-1" / "checkpoint.safetensors")
    assert [s for s, _ in listed] == [10, 50, 200]
    assert [s for s, _ in run_snapshots(listed[0][1])] == [10, 50, 200]
    assert describe(load_checkpoint(listed[1][1])) == "snapshot at step 50 of the run run-1"
    assert describe(load_checkpoint(FASHION)) == "fashion-mnist.safetensors, step 7,000"
