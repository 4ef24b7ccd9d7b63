"""The wheel carries every bundled file, and an installed copy finds them without the checkout.
(packaging/check.sh does the whole round trip: sdist, wheel, a fresh venv, training.)"""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "ganstudio", "resources"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built from a copy of the sources (no build files left in the checkout), offline:
    with the setuptools at hand instead of an isolated environment."""
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, src / name)
    out = tmp_path_factory.mktemp("dist")
    build = subprocess.run(
        [sys.executable, "-c", "import sys; from setuptools.build_meta import build_wheel; "
         "print(build_wheel(sys.argv[1]))", str(out)],
        cwd=src, capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr[-3000:]
    return out / build.stdout.strip().splitlines()[-1]


def test_the_wheel_holds_every_resource_and_the_command(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    resources = [p.relative_to(ROOT).as_posix() for p in (ROOT / "resources").rglob("*")
                 if p.is_file()]
    assert len(resources) > 20  # presets, demos, classifiers, icons
    missing = [f for f in resources if f"ganstudio/{f}" not in names]
    assert not missing
    assert not [n for n in names if n.startswith("tests/")]
    entry = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "ganstudio = ganstudio.cli:main" in zipfile.ZipFile(wheel).read(entry).decode()


def test_an_installed_wheel_finds_its_presets_away_from_the_checkout(wheel, tmp_path):
    site = tmp_path / "site-packages"
    zipfile.ZipFile(wheel).extractall(site)  # what pip does with a pure-Python wheel
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # -I: neither the checkout nor the current folder is on the path, only the unpacked wheel
    probe = ("import sys; sys.path.insert(0, sys.argv[1]); import ganstudio; "
             "from ganstudio.paths import resources_dir; "
             "from ganstudio.presets import list_presets; "
             "print(ganstudio.__file__); print(resources_dir()); "
             "print(' '.join(sorted(p.name for p in list_presets())))")
    run = subprocess.run([sys.executable, "-I", "-c", probe, str(site)], cwd=elsewhere,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    package, resources, presets = run.stdout.strip().splitlines()
    assert Path(package).is_relative_to(site)
    assert Path(resources).is_relative_to(site)
    assert (Path(resources) / "icons" / "app.svg").is_file()
    shipped = sorted(p.stem for p in (ROOT / "resources" / "presets").glob("*.toml"))
    assert presets.split() == shipped
