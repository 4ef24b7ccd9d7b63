#!/usr/bin/env bash
# Try a built desktop bundle (packaging/ganstudio.spec) as a user would, and measure it:
#   packaging/check_bundle.sh [BUNDLE_FOLDER]        (default: /tmp/gs-dist/ganstudio)
# From a folder outside the checkout: --version, presets, info of each bundled demo, a few steps
# of every preset whose data is on this machine, 50 steps of ring, sample, eval with a bundled
# classifier, the optional ONNX export refused in words, and the window offscreen (shown, then
# closed). Then the bundle's size and its start-up times (median of 3). Fails loudly.
set -euo pipefail
BUNDLE=$(cd "${1:-/tmp/gs-dist/ganstudio}" && pwd)
GS=$BUNDLE/ganstudio
[ -x "$GS" ] || { echo "check_bundle: FAILED: no program $GS" >&2; exit 1; }
RES=$BUNDLE/_internal/ganstudio/resources
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ganstudio-bundle.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
export GANSTUDIO_SETTINGS_FILE=$WORK/settings.ini GANSTUDIO_DATA_DIR=$WORK/app-data
fail() { echo "check_bundle: FAILED: $*" >&2; exit 1; }
step() { echo "== $*"; }

step "ganstudio --version, presets, info of each demo"
"$GS" --version | grep -q "^GAN Studio " || fail "--version"
"$GS" presets > presets.txt || fail "ganstudio presets"
for demo in "$RES"/demos/*.safetensors; do
  "$GS" info "$demo" | grep -q "^Model:" || fail "ganstudio info $(basename "$demo")"
done

step "a few steps of every preset (data sets not on this machine are said so, exit 2)"
for name in $(awk '{print $1}' presets.txt); do
  set +e
  "$GS" train --preset "$name" --steps 3 --out "$WORK/t-$name" --quiet > out.txt 2> err.txt
  rc=$?
  set -e
  if [ $rc = 0 ]; then echo "   $name: trained"
  elif [ $rc = 2 ]; then echo "   $name: skipped: $(tail -1 err.txt)"
  else cat err.txt >&2; fail "ganstudio train --preset $name (exit $rc)"; fi
done

step "50 steps of ring, samples, eval with the digits classifier, ONNX refused in words"
ckpt=$("$GS" train --preset ring --steps 50 --out "$WORK/ring" --quiet) || fail "train ring"
"$GS" sample "$ckpt" --out "$WORK/points.png" >/dev/null && [ -s "$WORK/points.png" ] \
  || fail "ganstudio sample"
"$GS" eval "$RES/demos/digits.safetensors" --n 100 --json | grep -q "digits classifier" \
  || fail "ganstudio eval with the bundled classifier"
set +e
"$GS" export "$ckpt" --onnx "$WORK/g.onnx" 2> err.txt
rc=$?
set -e
[ $rc = 2 ] && grep -q "onnx" err.txt || { cat err.txt >&2; fail "export --onnx without onnx"; }

# one start: "window shown at T" / "engine loaded at T" (packaging/ganstudio_entry.py)
start_window() {
  local t0 log=$WORK/window.txt
  t0=$(date +%s.%N)
  QT_QPA_PLATFORM=offscreen GANSTUDIO_QUIT_AFTER=${1:-8} "$GS" 2> "$log" \
    || { cat "$log" >&2; fail "the window"; }
  python3 - "$t0" "$log" <<'EOF'
import re, sys
t0, text = float(sys.argv[1]), open(sys.argv[2]).read()
times = {k: float(v) - t0 for k, v in re.findall(r"(window shown|engine loaded) at ([\d.]+)", text)}
if "window shown" not in times:
    sys.exit(text + "\nthe window was not shown")
print(f"{times['window shown']:.2f} {times.get('engine loaded', float('nan')):.2f}")
EOF
}
step "the window, offscreen: shown, engine loaded, closed"
start_window >/dev/null

step "figures"
median() { sort -g | sed -n 2p; }
version_times=$(for _ in 1 2 3; do
  t0=$(date +%s.%N); "$GS" --version >/dev/null; t1=$(date +%s.%N)
  python3 -c "print(f'{$t1 - $t0:.2f}')"; done)
windows=$(for _ in 1 2 3; do start_window; done)
echo "   bundle size:            $(du -sh "$BUNDLE" | cut -f1) ($BUNDLE)"
heavy=$(du -shc "$BUNDLE"/_internal/torch "$BUNDLE"/_internal/nvidia 2>/dev/null | tail -1)
echo "   of which torch + nvidia: $(cut -f1 <<<"$heavy")"
echo "   --version:              $(median <<<"$version_times") s (median of 3)"
echo "   window shown:           $(awk '{print $1}' <<<"$windows" | median) s (median of 3)"
echo "   engine (torch) loaded:  $(awk '{print $2}' <<<"$windows" | median) s (median of 3)"
echo "   load average now:       $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
echo "check_bundle: OK"
