#!/usr/bin/env bash
# check_install.sh MESON BUILD_DIR BINDIR MANDIR DATADIR - installs the build into a
# temporary destdir (meson install --destdir, nothing rebuilt) and checks the installed copy:
# the program finds its own definitions with ICTSURVEY_DEFINITIONS unset and from a folder
# with no schema/definitions (so neither the repository nor a copy installed on this machine
# at the compiled-in prefix can stand in for them), and both manual pages are installed and
# render with man -l. BINDIR, MANDIR and DATADIR are the configured install paths (absolute,
# under the prefix); DATADIR is the program's own, PREFIX/share/ictsurvey.
set -u
meson=$1
build=$2
bindir=$3
mandir=$4
datadir=$5

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
failed=0
fail() {
  echo "FAIL $*"
  failed=1
}

if ! "$meson" install -C "$build" --destdir "$root" --no-rebuild >"$tmp/install.log" 2>&1; then
  cat "$tmp/install.log"
  echo "FAIL meson install --destdir did not succeed"
  exit 1
fi
ictsurvey=$root$bindir/ictsurvey
defs=$root$datadir/definitions
[ -x "$ictsurvey" ] || { echo "FAIL no installed program at $ictsurvey"; exit 1; }
for f in staff.yaml school.yaml training_centre.yaml units.yaml targets.yaml; do
  [ -f "$defs/$f" ] || fail "definition $f not installed in $defs"
done

# run ARGS...: the installed program, from an empty folder, without ICTSURVEY_DEFINITIONS
mkdir "$tmp/work"
run() {
  (cd "$tmp/work" && env -u ICTSURVEY_DEFINITIONS -u ICTSURVEY_LANG "$ictsurvey" --lang en "$@") \
    >"$tmp/stdout" 2>"$tmp/stderr"
}

# check with no file: the shipped definitions, read from the destdir, not from elsewhere (the
# program names the folder with links resolved)
real_defs=$(realpath "$defs")
if run check; then
  if grep -qF "$real_defs/staff.yaml: form 'staff'" "$tmp/stderr"; then
    echo "ok check finds the installed definitions"
  else
    cat "$tmp/stderr"
    fail "check did not read the installed definitions in $real_defs"
  fi
else
  status=$?
  cat "$tmp/stderr"
  fail "check with no file failed (exit $status)"
fi

# a store made from the shipped forms
if run collect init --store "$tmp/work/s.store" --site "Xã An Thạnh" --surveyor "Trần Văn B" &&
   run collect list --store "$tmp/work/s.store"; then
  echo "ok collect init with the installed forms"
else
  cat "$tmp/stderr"
  fail "collect init without --forms failed"
fi

run --version && version=$(cat "$tmp/stdout") || version=""
[ -n "$version" ] || fail "ictsurvey --version printed nothing"
# page LABEL FILE LOCALE: installed, rendered by man without a warning, naming every command
page() {
  local label=$1 file=$2 locale=$3
  if [ ! -f "$file" ]; then
    fail "$label manual page not installed at $file"
    return
  fi
  if ! LC_ALL=$locale MANWIDTH=80 MANPAGER=cat PAGER=cat man --warnings -l "$file" \
      >"$tmp/page" 2>"$tmp/page.err"; then
    cat "$tmp/page.err"
    fail "man -l $file failed"
    return
  fi
  if [ -s "$tmp/page.err" ]; then
    cat "$tmp/page.err"
    fail "man -l $file warned"
  fi
  # justified lines have runs of spaces: "ictsurvey   report   --db"
  tr -s ' ' <"$tmp/page" >"$tmp/page.flat"
  local missing=""
  for c in check "collect init" "collect update" "collect set-key" "collect fill" "collect edit" \
      "collect void" "collect unvoid" "collect list" "collect export" "collect template" "keys init" kit template \
      merge status export report simulate; do
    grep -qF -- "ictsurvey $c " "$tmp/page.flat" || missing+=" 'ictsurvey $c'"
  done
  for w in ICTSURVEY_LANG ICTSURVEY_DEFINITIONS "${version:-?}"; do
    grep -qF -- "$w" "$tmp/page.flat" || missing+=" '$w'"
  done
  if [ -n "$missing" ]; then
    fail "the $label page does not name:$missing"
  else
    echo "ok the $label page renders ($(wc -l <"$tmp/page") lines)"
  fi
}
page English "$root$mandir/man1/ictsurvey.1" C.UTF-8
page Vietnamese "$root$mandir/vi/man1/ictsurvey.1" C.UTF-8
# the Vietnamese page speaks Vietnamese, diacritics and all
grep -qF "MÃ THOÁT" "$tmp/page" && grep -qF "BIẾN MÔI TRƯỜNG" "$tmp/page" ||
  fail "the Vietnamese page has no 'MÃ THOÁT' or 'BIẾN MÔI TRƯỜNG' section"

exit $failed
