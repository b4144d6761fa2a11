#!/usr/bin/env bash
# scripts/test.sh - installs what is missing, builds, and runs every test three ways: a normal
# build, a build with AddressSanitizer and UndefinedBehaviorSanitizer, and the libFuzzer
# targets (clang) briefly over their seed corpora. Ends with one line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
ics_install_deps clang libclang-rt-14-dev python3-openpyxl libreoffice-calc-nogui

export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1
passed=0
failed=0

# run_suite BUILD_DIR [meson setup options...]
run_suite() {
  local dir=$1
  shift
  # a folder that a failed setup left without a build tree is made again from scratch
  [ -d "$dir" ] && [ ! -f "$dir/meson-private/coredata.dat" ] && rm -rf "$dir"
  if [ -d "$dir" ]; then
    meson setup --reconfigure "$dir" "$@" >/dev/null || { failed=$((failed + 1)); return; }
  else
    meson setup "$dir" "$@" >/dev/null || { failed=$((failed + 1)); return; }
  fi
  if ! meson compile -C "$dir"; then
    echo "build failed in $dir" >&2
    failed=$((failed + 1))
    return
  fi
  meson test -C "$dir" --print-errorlogs --num-processes 2
  local counts
  counts=$(/usr/bin/python3 - "$dir/meson-logs/testlog.json" <<'PY'
import json, sys
ok = bad = 0
for line in open(sys.argv[1]):
    r = json.loads(line).get("result")
    if r in ("OK", "EXPECTEDFAIL", "SKIP"):
        ok += 1
    else:
        bad += 1
print(ok, bad)
PY
)
  passed=$((passed + ${counts% *}))
  failed=$((failed + ${counts#* }))
}

run_suite build
run_suite build-sanitize -Db_sanitize=address,undefined -Db_lundef=false -Dc_args=-fno-sanitize-recover=all
CC=clang run_suite build-fuzz -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
