"""Breeding samples: children whose noise is a blend of their parents' noise plus a mutation,
and the family tree they make. No GUI: the explorer's Breed tab, demo mode and
``ganstudio breed`` all use this.

- A ``Family`` holds individuals: each a noise vector (and a label, for models with labels), its
  parents, its generation (roots are 0; a child is one more than its youngest parent) and where
  it came from (a sample's seed, a noise file, or the seed of the litter it was born in).
- ``Family.children(parents, n, mutation, seed)``: each child's noise is a *spherical* blend of
  its parents' noise with random convex weights (or, with ``crossover``, each number taken from
  one parent, chosen with those weights), then turned toward fresh Gaussian noise by an angle of
  ``mutation`` x 90 degrees: 0 is the pure blend, 1 a new random sample. Spherical blending and
  the turn keep the noise's length typical (see ``latent.slerp``), where a straight average of
  two noises is shorter than either and draws duller pictures. The same seed gives the same
  children.
- ``Family.line(id)``: a line of descent from a root to an individual, one per generation
  (through the youngest parent each time); ``ancestors(id)`` every ancestor.
- ``lineage_strip``: the line's pictures side by side, each captioned with its generation.
- ``save`` / ``load``: the family as JSON (the noise in full, and the checkpoint's path).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ganstudio.errors import UserError

FORMAT = "ganstudio-family"
FORMAT_VERSION = 1


@dataclass
class Individual:
    id: int
    z: np.ndarray  # (latent_dim,) float32: the noise as drawn (before any truncation)
    label: int | None = None  # models with labels
    parents: tuple[int, ...] = ()
    generation: int = 0
    seed: int | None = None  # a root: the sample's seed; a child: its litter's seed
    origin: str = ""  # how it came to be, in words ("sample 3 of seed 100", "a.npy", "child")
    weights: tuple[float, ...] = ()  # each parent's share of the blend
    mutation: float = 0.0

    @property
    def is_root(self) -> bool:
        return not self.parents

    def to_json(self) -> dict:
        return {"id": self.id, "z": [float(v) for v in self.z], "label": self.label,
                "parents": list(self.parents), "generation": self.generation,
                "seed": self.seed, "origin": self.origin,
                "weights": [float(w) for w in self.weights], "mutation": self.mutation}

    @classmethod
    def from_json(cls, d: dict) -> "Individual":
        return cls(int(d["id"]), np.asarray(d["z"], dtype=np.float32),
                   None if d.get("label") is None else int(d["label"]),
                   tuple(int(p) for p in d.get("parents", ())), int(d.get("generation", 0)),
                   None if d.get("seed") is None else int(d["seed"]), str(d.get("origin", "")),
                   tuple(float(w) for w in d.get("weights", ())),
                   float(d.get("mutation", 0.0)))


def spherical_blend(points: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """A convex blend of noise vectors along great circles: slerp the running blend toward
    each next point by its share of the weight so far. With two points it is
    ``slerp(a, b, w_b)``; the length is a blend of the points' lengths."""
    points = np.asarray(points, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    out, total = points[0], weights[0]
    for p, w in zip(points[1:], weights[1:]):
        total += w
        out = _slerp(out, p, 0.0 if total <= 0 else w / total)
    return out


def _slerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    ua, ub = a / max(na, 1e-12), b / max(nb, 1e-12)
    omega = math.acos(float(np.clip(ua @ ub, -1.0, 1.0)))
    so = math.sin(omega)
    if abs(so) < 1e-6:  # (anti)parallel: no single arc, blend straight and renormalise
        d = ua + (ub - ua) * t
        d = d / max(np.linalg.norm(d), 1e-12)
    else:
        d = (math.sin((1 - t) * omega) * ua + math.sin(t * omega) * ub) / so
    return d * (na + (nb - na) * t)


def breed_noise(parents: np.ndarray, n: int, mutation: float, seed: int,
                crossover: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``n`` children's noise from the parents' (rows of ``parents``): (noise (n, dim) float32,
    the parents' weights (n, k)). Deterministic for a seed."""
    parents = np.asarray(parents, dtype=np.float64)
    if parents.ndim != 2 or len(parents) < 1:
        raise ValueError("parents: one noise vector per row")
    if not 0.0 <= mutation <= 1.0:
        raise UserError(f"the mutation strength must be between 0 and 1 (not {mutation:g})")
    if n < 1:
        raise UserError("make at least one child")
    k, dim = parents.shape
    rng = np.random.default_rng(seed)
    angle = mutation * math.pi / 2
    out, shares = np.empty((n, dim)), np.empty((n, k))
    for i in range(n):
        w = rng.dirichlet(np.ones(k))  # random convex weights, every mix equally likely
        if crossover and k > 1:
            pick = rng.choice(k, size=dim, p=w)  # each number from one parent
            blend = parents[pick, np.arange(dim)]
        else:
            blend = spherical_blend(parents, w)
        fresh = rng.standard_normal(dim)
        # turned toward fresh noise: the length stays typical at every strength
        out[i] = math.cos(angle) * blend + math.sin(angle) * fresh
        shares[i] = w
    return out.astype(np.float32), shares


@dataclass
class Family:
    latent_dim: int
    num_classes: int = 0  # > 0: a model with labels, every individual has one
    checkpoint: str | None = None  # the checkpoint whose noise this is
    members: dict[int, Individual] = field(default_factory=dict)

    # --- who is in it -----------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.members)

    def __getitem__(self, id: int) -> Individual:
        return self.members[id]

    def _next_id(self) -> int:
        return max(self.members, default=-1) + 1

    def _check(self, z) -> np.ndarray:
        z = np.asarray(z, dtype=np.float32).reshape(-1)
        if z.shape != (self.latent_dim,):
            raise UserError(f"this noise has {z.size} numbers; the model takes "
                            f"{self.latent_dim}")
        if not np.isfinite(z).all():
            raise UserError("this noise holds numbers that are not finite (NaN or infinity)")
        return z

    def _label(self, label) -> int | None:
        if not self.num_classes:
            return None
        label = 0 if label is None else int(label)
        if not 0 <= label < self.num_classes:
            raise UserError(f"the label must be between 0 and {self.num_classes - 1}")
        return label

    def add_root(self, z, label: int | None = None, seed: int | None = None,
                 origin: str = "") -> Individual:
        """An individual with no parents (a sample, a noise file)."""
        ind = Individual(self._next_id(), self._check(z), self._label(label), seed=seed,
                         origin=origin)
        self.members[ind.id] = ind
        return ind

    def roots(self) -> list[Individual]:
        return [m for m in self.members.values() if m.is_root]

    def generations(self) -> list[list[Individual]]:
        """Everyone, by generation (roots first), in order of birth within each."""
        rows: list[list[Individual]] = [[] for _ in range(self.depth)]
        for m in self.members.values():
            rows[m.generation].append(m)
        return rows

    @property
    def depth(self) -> int:
        return 1 + max((m.generation for m in self.members.values()), default=-1)

    # --- breeding -----------------------------------------------------------------------------
    def children(self, parents, n: int, mutation: float, seed: int,
                 crossover: bool = False) -> list[Individual]:
        """``n`` children of ``parents`` (individuals or their ids) added to the family."""
        ps = [self.members[p if isinstance(p, int) else p.id] for p in parents]
        if not ps:
            raise UserError("pick at least one parent")
        zs, shares = breed_noise(np.stack([p.z for p in ps]), n, mutation, seed, crossover)
        rng = np.random.default_rng([seed, 1])  # the labels, apart from the noise's stream
        generation = 1 + max(p.generation for p in ps)
        born = []
        for z, w in zip(zs, shares):
            label = None
            if self.num_classes:  # from one parent, chosen by its share of the blend
                label = ps[int(rng.choice(len(ps), p=w))].label
            ind = Individual(self._next_id(), z, label, tuple(p.id for p in ps), generation,
                             seed, "child", tuple(float(x) for x in w), float(mutation))
            self.members[ind.id] = ind
            born.append(ind)
        return born

    # --- walking back -------------------------------------------------------------------------
    def ancestors(self, id: int) -> list[Individual]:
        """Every ancestor of ``id`` (not itself), oldest generation first."""
        seen: dict[int, Individual] = {}
        todo = list(self.members[id].parents)
        while todo:
            p = todo.pop()
            if p not in seen:
                seen[p] = self.members[p]
                todo.extend(seen[p].parents)
        return sorted(seen.values(), key=lambda m: (m.generation, m.id))

    def line(self, id: int) -> list[Individual]:
        """A line of descent from a root to ``id``, one individual per generation: back
        through the youngest parent each time (the heaviest of them on a tie)."""
        out = [self.members[id]]
        while out[-1].parents:
            m = out[-1]
            order = range(len(m.parents))
            best = max(order, key=lambda i: (self.members[m.parents[i]].generation,
                                             m.weights[i] if i < len(m.weights) else 0.0))
            out.append(self.members[m.parents[best]])
        return out[::-1]

    # --- files --------------------------------------------------------------------------------
    def to_json(self) -> dict:
        return {"format": FORMAT, "format_version": FORMAT_VERSION,
                "checkpoint": self.checkpoint, "latent_dim": self.latent_dim,
                "num_classes": self.num_classes,
                "individuals": [m.to_json() for m in self.members.values()]}

    @classmethod
    def from_json(cls, d: dict) -> "Family":
        if not isinstance(d, dict) or d.get("format") != FORMAT:
            raise UserError("this file is not a GAN Studio family tree")
        if int(d.get("format_version", 0)) > FORMAT_VERSION:
            raise UserError("this family tree was saved by a newer GAN Studio; please update")
        fam = cls(int(d["latent_dim"]), int(d.get("num_classes", 0)), d.get("checkpoint"))
        for m in d["individuals"]:
            ind = Individual.from_json(m)
            fam._check(ind.z)
            fam.members[ind.id] = ind
        for m in fam.members.values():
            if any(p not in fam.members for p in m.parents):
                raise UserError("this family tree is damaged: a parent is missing")
        return fam

    def save(self, path) -> Path:
        from ganstudio.atomic import atomic_write_bytes

        text = json.dumps(self.to_json(), indent=1)
        return atomic_write_bytes(Path(path), text.encode("utf-8"))

    @classmethod
    def load(cls, path) -> "Family":
        path = Path(path).expanduser()
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UserError(f"no such file: {path}") from None
        except (OSError, UnicodeDecodeError, ValueError):
            raise UserError(f"{path.name} is not a GAN Studio family tree (not JSON)") from None
        try:
            return cls.from_json(d)
        except UserError as e:
            raise UserError(f"{path.name}: {e}") from None
        except (KeyError, TypeError, ValueError):
            raise UserError(f"{path.name}: this family tree is damaged") from None


# --- pictures ------------------------------------------------------------------------------------
def pictures_of(ex, members: list[Individual]) -> list[np.ndarray]:
    """The pictures of individuals through an exploration's generator, each with its own label
    and the exploration's truncation."""
    import torch

    from ganstudio.explore import latent

    if not members:
        return []
    zs = latent.truncate(torch.from_numpy(np.stack([m.z for m in members])), ex.psi)
    labels = None
    if ex.spec.conditional:
        labels = torch.tensor([ex.label if m.label is None else m.label for m in members])
    return ex.pictures(zs, labels=labels)


def captioned_row(pictures: list[np.ndarray], captions: list[str], size: int = 96,
                  gap: int = 6) -> np.ndarray:
    """Pictures side by side, each scaled to ``size`` with a caption under it (Pillow); a
    caption too wide for its picture is broken after a comma."""
    from PIL import Image, ImageDraw, ImageFont

    from ganstudio.export import fit_picture

    font = ImageFont.load_default()
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))

    def lines(words: str) -> list[str]:
        if measure.textlength(words, font=font) <= size or ", " not in words:
            return [words]
        head, _, tail = words.partition(", ")
        return [head, tail]

    broken = [lines(c) for c in captions]
    line_h = 14
    text_h = 2 + line_h * max((len(b) for b in broken), default=1)
    n = len(pictures)
    strip = Image.new("RGB", (n * size + (n + 1) * gap, size + text_h + 2 * gap), (255, 255, 255))
    draw = ImageDraw.Draw(strip)
    for i, (pic, words) in enumerate(zip(pictures, broken)):
        im = Image.fromarray(fit_picture(pic, size))
        x = gap + i * (size + gap)
        strip.paste(im, (x + (size - im.width) // 2, gap + (size - im.height) // 2))
        for k, line in enumerate(words):
            w = draw.textlength(line, font=font)
            draw.text((x + (size - w) / 2, gap + size + 2 + k * line_h), line,
                      fill=(40, 40, 40), font=font)
    return np.asarray(strip)


def lineage_strip(family: Family, id: int, ex, size: int = 96) -> np.ndarray:
    """The line of descent to ``id`` (root to it), one captioned picture per generation."""
    return line_picture(family.line(id), ex, size)


def line_picture(line: list[Individual], ex, size: int = 96) -> np.ndarray:
    captions = [f"generation {m.generation}" for m in line]
    return captioned_row(pictures_of(ex, line), captions, size)


def save_lineage(line: list[Individual], ex, path, size: int = 96) -> Path:
    """A line of descent (``Family.line``) as a picture strip."""
    from PIL import Image

    from ganstudio.export import save_pil

    return save_pil(Image.fromarray(line_picture(line, ex, size)), Path(path))


# --- picking and breeding, as the Breed tab and demo mode do it ----------------------------------
SAMPLES = 12  # samples to pick parents from
SAMPLE_SEED = 500  # the first of them (other seeds than the Paths tab's samples)


class Breeder:
    """What a breeding view shows, without any GUI: samples to pick parents from (by seed, like
    the explorer's), the parents chosen (samples or members of the family), the last litter,
    and the individual shown. A picked sample joins the family as a root only when it has
    children."""

    def __init__(self, samples: int = SAMPLES):
        self.samples = samples
        self.family: Family | None = None
        self.sample_seed = SAMPLE_SEED
        self.sample_z: np.ndarray | None = None  # (samples, dim)
        self.chosen: list[tuple[str, int]] = []  # ("sample", index) or ("member", id)
        self.litter: list[int] = []  # the ids of the last children made
        self.shown: int | None = None  # the member shown, if any
        self.mutation = 0.25
        self.crossover = False
        self.litters = 0  # children made so far: each litter's seed

    def set_model(self, ex) -> bool:
        """Breed ``ex``'s noise. A model taking the same noise keeps the family; another one
        starts afresh (True)."""
        spec = ex.spec
        classes = spec.num_classes if spec.conditional else 0
        fam = self.family
        self.sample_z = ex.noise(self.samples, self.sample_seed).numpy()
        path = None if ex.checkpoint_path is None else str(ex.checkpoint_path)
        if fam is not None and fam.latent_dim == spec.latent_dim and fam.num_classes == classes:
            fam.checkpoint = path or fam.checkpoint
            return False
        self.family = Family(spec.latent_dim, classes, path)
        self.chosen, self.litter, self.shown, self.litters = [], [], None, 0
        return True

    def set_family(self, family: Family) -> None:
        """A family opened from a file (for a model taking the same noise)."""
        if self.family is not None and (family.latent_dim, family.num_classes) != \
                (self.family.latent_dim, self.family.num_classes):
            raise UserError(f"this family tree is of noise of {family.latent_dim} numbers"
                            f"{' with labels' if family.num_classes else ''}; the model shown "
                            f"takes {self.family.latent_dim}"
                            f"{' with labels' if self.family.num_classes else ''}")
        self.family = family
        last = max(family.members.values(), key=lambda m: (m.generation, m.id), default=None)
        self.litter = [] if last is None or last.is_root else \
            [m.id for m in family.members.values() if m.parents == last.parents
             and m.seed == last.seed]
        self.chosen, self.shown = [], None
        self.litters = 1 + max((m.seed or 0 for m in family.members.values()
                                if not m.is_root), default=0)

    def other_samples(self, ex) -> None:
        self.sample_seed += 1
        self.sample_z = ex.noise(self.samples, self.sample_seed).numpy()
        self.chosen = [c for c in self.chosen if c[0] != "sample"]

    def choose(self, what: str, index: int, most: int | None = None) -> None:
        """Choose a sample or a member as a parent, or unchoose it. With ``most``, choosing
        one more than that lets the first chosen go."""
        key = (what, int(index))
        if key in self.chosen:
            self.chosen.remove(key)
            return
        self.chosen.append(key)
        if most is not None and len(self.chosen) > most:
            self.chosen.pop(0)

    def add_point(self, z, label: int | None = None,
                  origin: str = "the explorer's point") -> Individual:
        """A point from elsewhere (the explorer's sliders, a picture found) chosen as a
        parent: a new root, or the member it already is."""
        z = self.family._check(z)
        label = self.family._label(label)
        same = next((m for m in self.family.members.values()
                     if m.label == label and np.allclose(m.z, z, atol=1e-4)), None)
        ind = same or self.family.add_root(z, label, origin=origin)
        if ("member", ind.id) not in self.chosen:
            self.chosen.append(("member", ind.id))
        return ind

    def chosen_in(self, what: str) -> list[int]:
        return [i for w, i in self.chosen if w == what]

    def noise_of(self, what: str, index: int) -> np.ndarray:
        return self.sample_z[index] if what == "sample" else self.family[index].z

    def make_children(self, n: int, label: int | None = None) -> list[Individual]:
        """Children of the chosen parents (samples chosen become roots, with ``label``), then
        nothing is chosen: the next parents are picked among the children."""
        if not self.chosen:
            raise UserError("choose at least one parent first")
        parents = []
        for what, i in self.chosen:
            if what == "sample":
                parents.append(self.family.add_root(
                    self.sample_z[i], label, self.sample_seed,
                    f"sample {i + 1} of seed {self.sample_seed}"))
            else:
                parents.append(self.family[i])
        self.litters += 1
        kids = self.family.children(parents, n, self.mutation, self.litters, self.crossover)
        self.litter = [k.id for k in kids]
        self.chosen = []
        return kids
