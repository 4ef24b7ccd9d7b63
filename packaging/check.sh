#!/usr/bin/env bash
# Check GAN Studio's packages as a user gets them: build the sdist and the wheel (the wheel from
# the sdist, so the sdist must be complete), install the wheel into a fresh virtual environment,
# and use it from a folder outside the checkout: every bundled file must come from the wheel.
# Fails loudly (exit 1, "check: FAILED: ...") at the first thing missing.
#
#   packaging/check.sh
#       fresh venv; pip installs torch ($TORCH_PINS) and the wheel's other dependencies
#   GANSTUDIO_CHECK_SITE_PACKAGES=/path/to/.venv/lib/python3.11/site-packages packaging/check.sh
#       the fresh venv borrows torch & co. from that folder (a .pth file) and installs only the
#       wheel: seconds instead of minutes where they are installed already
# KEEP=1 keeps the work folder (printed at the start) for a look afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PYTHON=${PYTHON:-python3}
TORCH_PINS=${TORCH_PINS:-"torch==2.14.1 torchvision==0.29.1"}
BORROW=${GANSTUDIO_CHECK_SITE_PACKAGES:-}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ganstudio-check.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT
echo "== work folder: $WORK"
fail() { echo "check: FAILED: $*" >&2; exit 1; }
step() { echo "== $*"; }

# --- build -------------------------------------------------------------------------------------
# build's own isolated environment gets the setuptools that pyproject.toml asks for
BUILD_PYTHON=${BUILD_PYTHON:-$ROOT/.venv/bin/python}
if [ -x "$BUILD_PYTHON" ] && "$BUILD_PYTHON" -c "import build" 2>/dev/null; then
  BUILD=("$BUILD_PYTHON" -m build)
else
  step "installing the build tool into $WORK/tools"
  "$PYTHON" -m venv "$WORK/tools"
  "$WORK/tools/bin/python" -m pip install -q --disable-pip-version-check build
  BUILD=("$WORK/tools/bin/python" -m build)
fi
# from a clean copy of the project's files: a checkout's stale *.egg-info/SOURCES.txt would
# otherwise put files in the sdist that the configuration no longer names
step "copying the project's files (tracked and new, not ignored) to $WORK/src"
mkdir -p "$WORK/src"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z --cached --others --exclude-standard \
    | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
    | tar --null -T - -cf - | tar -xf - -C "$WORK/src"
else
  tar --exclude=.venv --exclude='*.egg-info' --exclude=build --exclude=dist -cf - . \
    | tar -xf - -C "$WORK/src"
fi
step "building the sdist, then the wheel from it"
(cd "$WORK/src" && "${BUILD[@]}" --outdir "$WORK/dist" .) > "$WORK/build.log" 2>&1 \
  || { tail -30 "$WORK/build.log" >&2; fail "python -m build (log: $WORK/build.log)"; }
WHEEL=$(ls "$WORK"/dist/ganstudio-*.whl 2>/dev/null | head -1)
SDIST=$(ls "$WORK"/dist/ganstudio-*.tar.gz 2>/dev/null | head -1)
[ -n "$WHEEL" ] || fail "no wheel was built"
[ -n "$SDIST" ] || fail "no sdist was built"
echo "   $(basename "$WHEEL") $(du -h "$WHEEL" | cut -f1)," \
     "$(basename "$SDIST") $(du -h "$SDIST" | cut -f1)"

step "checking what the wheel and the sdist hold"
"$PYTHON" - "$ROOT" "$WHEEL" "$SDIST" <<'EOF' || fail "a file is missing from a package (above)"
import subprocess, sys, tarfile, zipfile
from pathlib import Path

root, wheel, sdist = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
try:  # the files the project tracks; a copy without git: every file there
    tracked = subprocess.run(["git", "ls-files", "resources", "tests"], cwd=root, check=True,
                             capture_output=True, text=True).stdout.split()
except (OSError, subprocess.CalledProcessError):
    tracked = [str(p.relative_to(root)) for d in ("resources", "tests")
               for p in (root / d).rglob("*") if p.is_file() and "__pycache__" not in p.parts]
resources = [f for f in tracked if f.startswith("resources/")]
tests = [f for f in tracked if f.startswith("tests/")]
problems = []

in_wheel = set(zipfile.ZipFile(wheel).namelist())
problems += [f"wheel lacks ganstudio/{f}" for f in resources if f"ganstudio/{f}" not in in_wheel]
for must in ("ganstudio/cli.py", "ganstudio/gui/app.py", "ganstudio/paths.py"):
    if must not in in_wheel:
        problems.append(f"wheel lacks {must}")
if any(n.startswith("tests/") for n in in_wheel):
    problems.append("the wheel installs a top-level tests/ package")
entry = next((n for n in in_wheel if n.endswith(".dist-info/entry_points.txt")), None)
commands = zipfile.ZipFile(wheel).read(entry).decode() if entry else ""
if "ganstudio = ganstudio.cli:main" not in commands:
    problems.append("the wheel declares no ganstudio command")

with tarfile.open(sdist) as t:
    names = {n.split("/", 1)[1] for n in t.getnames() if "/" in n}
wanted = resources + tests + ["README.md", "pyproject.toml", "setup.py"]
wanted += [p.name for p in root.glob("LICEN[CS]E*")]
problems += [f"sdist lacks {f}" for f in wanted if f not in names]

for p in problems:
    print("  ", p)
print(f"   wheel: {len(resources)} resource files; sdist: {len(resources)} resources, "
      f"{len(tests)} test files")
sys.exit(1 if problems else 0)
EOF

# --- install -----------------------------------------------------------------------------------
VENV=$WORK/venv
step "installing the wheel into a fresh venv"
"$PYTHON" -m venv "$VENV"
PIP=("$VENV/bin/python" -m pip -q --disable-pip-version-check)
if [ -n "$BORROW" ]; then
  [ -d "$BORROW" ] || fail "GANSTUDIO_CHECK_SITE_PACKAGES=$BORROW is not a folder"
  SITE=$("$VENV/bin/python" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
  echo "$BORROW" > "$SITE/borrowed-packages.pth"
  # --force-reinstall: the borrowed folder may list a ganstudio of the same version (an editable
  # install); the wheel must still land in this venv
  "${PIP[@]}" install --no-deps --force-reinstall "$WHEEL" || fail "pip install of the wheel"
else
  # shellcheck disable=SC2086  # the pins are several words
  "${PIP[@]}" install $TORCH_PINS "$WHEEL" || fail "pip install of torch and the wheel"
fi

# --- use it from elsewhere ---------------------------------------------------------------------
OUTSIDE=$WORK/elsewhere
mkdir -p "$OUTSIDE"
cd "$OUTSIDE"
export GANSTUDIO_SETTINGS_FILE=$WORK/settings.ini GANSTUDIO_DATA_DIR=$WORK/app-data
GS=$VENV/bin/ganstudio
[ -x "$GS" ] || fail "the wheel installed no ganstudio command"

step "the package and its resources come from the venv"
RES=$("$VENV/bin/python" - "$VENV" "$ROOT" <<'EOF'
import sys
from pathlib import Path
import ganstudio
from ganstudio.paths import resources_dir
venv, root = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
pkg, res = Path(ganstudio.__file__).resolve(), resources_dir().resolve()
for what, p in (("ganstudio", pkg), ("resources", res)):
    if venv not in p.parents or root in p.parents:
        sys.exit(f"{what} is loaded from {p}, not from the wheel in {venv}")
print(res)
EOF
) || fail "the installed package is not the wheel's"
echo "   $RES"
for f in icons/app.svg icons/train.svg presets/ring.toml demos/ring.safetensors \
         classifiers/digits.safetensors; do
  [ -f "$RES/$f" ] || fail "$f is not installed"
done

step "ganstudio --version"
version=$("$GS" --version) || fail "ganstudio --version"
want=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' "$ROOT/ganstudio/__init__.py")
[ "$version" = "GAN Studio $want" ] \
  || fail "ganstudio --version said '$version', not 'GAN Studio $want'"
echo "   $version"

step "ganstudio presets (every preset of the checkout)"
presets=$("$GS" presets) || fail "ganstudio presets"
for p in "$ROOT"/resources/presets/*.toml; do
  name=$(basename "$p" .toml)
  grep -qw -- "$name" <<<"$presets" || fail "ganstudio presets does not list $name"
done

step "ganstudio info of each bundled demo"
for demo in "$RES"/demos/*.safetensors; do
  "$GS" info "$demo" > "$WORK/info.txt" || fail "ganstudio info $(basename "$demo")"
  grep -q "^Model:" "$WORK/info.txt" || fail "ganstudio info $(basename "$demo") printed no model"
done

step "ganstudio eval of the digits demo (uses the bundled digits classifier)"
"$GS" eval "$RES/demos/digits.safetensors" --n 100 --json > "$WORK/eval.json" \
  || fail "ganstudio eval"
grep -q "digits classifier" "$WORK/eval.json" \
  || fail "ganstudio eval did not use the digits classifier"

step "ganstudio train --preset ring --steps 50"
ckpt=$("$GS" train --preset ring --steps 50 --out "$WORK/run" --quiet) || fail "ganstudio train"
[ -f "$ckpt" ] || fail "ganstudio train printed '$ckpt', which is not a file"
"$GS" info "$ckpt" | grep -q "Trained:    50 steps" || fail "the checkpoint does not hold 50 steps"
"$GS" sample "$ckpt" --n 64 --out "$WORK/samples.png" >/dev/null || fail "ganstudio sample"
[ -s "$WORK/samples.png" ] || fail "ganstudio sample wrote no picture"

if "$VENV/bin/python" -c "import PySide6.QtWidgets" 2>/dev/null; then
  step "the window opens from the wheel (offscreen) and closes"
  out=$(QT_QPA_PLATFORM=offscreen GANSTUDIO_QUIT_AFTER=1 \
        "$VENV/bin/python" "$ROOT/packaging/ganstudio_entry.py" 2>&1) \
    || { echo "$out" >&2; fail "the window"; }
  grep -q "window shown" <<<"$out" || { echo "$out" >&2; fail "the window was not shown"; }
fi

echo "check: OK ($(basename "$WHEEL"), $(basename "$SDIST"))"
