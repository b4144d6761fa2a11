#!/usr/bin/env bash
# scripts/test.sh - installs what is missing, builds (warnings are errors), and runs every
# test three ways: a normal build, a build with AddressSanitizer and UndefinedBehaviorSanitizer,
# and the libFuzzer targets (clang) briefly over their seed corpora; the C unit tests of the
# normal build run once more under valgrind. The Windows program is cross-built first
# (scripts/build-windows.sh) and tested under wine once, in the normal build. Ends with one line
# "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
ics_install_deps clang libclang-rt-14-dev python3-openpyxl python3-yaml libreoffice-calc-nogui valgrind \
  man-db groff-base chromium chromium-driver python3-selenium wine wine64

export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1
passed=0
failed=0
skipped=0

# count TESTLOG: adds the results of one meson test run (meson-logs/testlog*.json) to the
# counts; a test that meson skipped (exit 77) is counted as skipped, not passed.
count() {
  local counts ok bad skip
  counts=$(/usr/bin/python3 - "$1" <<'PY'
import json, sys
ok = bad = skip = 0
for line in open(sys.argv[1]):
    r = json.loads(line).get("result")
    if r in ("OK", "EXPECTEDFAIL"):
        ok += 1
    elif r == "SKIP":
        skip += 1
    else:
        bad += 1
print(ok, bad, skip)
PY
) || { failed=$((failed + 1)); return; }
  read -r ok bad skip <<<"$counts"
  passed=$((passed + ok))
  failed=$((failed + bad))
  skipped=$((skipped + skip))
}

# run_suite BUILD_DIR [meson setup options...]: every build is made with -Dwerror=true;
# returns 1 when it could not be built
run_suite() {
  local dir=$1
  shift
  # a folder that a failed setup left without a build tree is made again from scratch
  [ -d "$dir" ] && [ ! -f "$dir/meson-private/coredata.dat" ] && rm -rf "$dir"
  if [ -d "$dir" ]; then
    meson setup --reconfigure "$dir" -Dwerror=true "$@" >/dev/null || { failed=$((failed + 1)); return 1; }
  else
    meson setup "$dir" -Dwerror=true "$@" >/dev/null || { failed=$((failed + 1)); return 1; }
  fi
  if ! meson compile -C "$dir"; then
    echo "build failed in $dir" >&2
    failed=$((failed + 1))
    return 1
  fi
  rm -f "$dir/meson-logs/testlog.json"
  meson test -C "$dir" --print-errorlogs --num-processes 2
  count "$dir/meson-logs/testlog.json"
}

# ictsurvey.exe and its zip (the dependencies cached outside the checkout); a failed build
# leaves no zip, and the test "windows" of the normal build then fails and says so
rm -f dist/ictsurvey-windows-x64.zip
scripts/build-windows.sh || echo "the Windows build failed (see above)" >&2

# the normal build with the Windows tests, then its C unit tests again under valgrind
# (meson.build defines the setup when valgrind is installed)
if run_suite build -Dwindows_zip="$PWD/dist/ictsurvey-windows-x64.zip" && command -v valgrind >/dev/null; then
  rm -f build/meson-logs/testlog-valgrind.json
  meson test -C build --setup valgrind --suite unit --print-errorlogs --num-processes 2
  count build/meson-logs/testlog-valgrind.json
fi
run_suite build-sanitize -Db_sanitize=address,undefined -Db_lundef=false -Dc_args=-fno-sanitize-recover=all
CC=clang run_suite build-fuzz -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
