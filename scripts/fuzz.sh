#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS] [TARGET...] - runs each libFuzzer target (default: all) for
# SECONDS (default 600) on both cores, starting from its seed corpus in tests/fuzz/corpus/.
# Targets: form expr regex register targets bundle kit answers (declared together in
# tests/meson.build). New inputs go to build-fuzz/tests/fuzz-corpus-TARGET, beside the
# targets' executables; crashers to build-fuzz/tests/ as crash-*, to be kept as regression
# inputs in tests/data/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
ics_install_deps clang libclang-rt-14-dev
seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(form expr regex register targets bundle kit answers)
if [ -d build-fuzz ]; then
  meson setup --reconfigure build-fuzz -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
else
  CC=clang meson setup build-fuzz -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
meson compile -C build-fuzz >/dev/null
for t in "${targets[@]}"; do
  # each target's seed corpora (as in tests/meson.build)
  dir=build-fuzz/tests
  case $t in
    answers) seeds=(tests/fuzz/corpus/answers_yaml tests/fuzz/corpus/answers_csv) ;;
    *) seeds=("tests/fuzz/corpus/$t") ;;
  esac
  if [ ! -x "$dir/fuzz_$t" ]; then
    echo "fuzz.sh: no target '$t' (form expr regex register targets bundle kit answers)" >&2
    exit 2
  fi
  work=$dir/fuzz-corpus-$t
  mkdir -p "$work"
  echo "== fuzz_$t for ${seconds}s" >&2
  "$dir/fuzz_$t" -max_total_time="$seconds" -max_len=16384 -timeout=10 \
    -jobs=2 -workers=2 -artifact_prefix=build-fuzz/tests/ "$work" "${seeds[@]}"
done
