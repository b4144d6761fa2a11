#!/usr/bin/env bash
# tests/check_corpus.sh ICTSURVEY DATADIR [REPO] - the corpus of bad definition files.
#
# For every DATADIR/bad/NAME.yaml, `ICTSURVEY check --lang en` must exit with status 1 and
# print on stderr exactly DATADIR/bad/NAME.expected. The check runs from the repository root
# REPO (default: two levels above DATADIR) with the file named by its path relative to REPO
# (tests/data/bad/NAME.yaml), so the messages read the same wherever the tree lives; targets
# files are checked against the forms shipped in REPO/schema/definitions.
#
# Then, in a temporary directory, two files too big to keep in the repository: a 50 MB file
# (refused before it is read) and a flow sequence nested 1000 levels deep.
#
# A crash (status 128 or more), a hang (more than 20 s) or any other status than 1 fails.
# Prints `ok NAME` or `FAIL NAME` per case; exits 1 if any case failed.
set -u

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: $0 ICTSURVEY DATADIR [REPO]" >&2
  exit 2
fi
case $1 in
*/*) ictsurvey=$(realpath "$1") ;;
*) ictsurvey=$(command -v "$1") ;;
esac
[ -n "$ictsurvey" ] && [ -x "$ictsurvey" ] || { echo "$0: cannot run '$1'" >&2; exit 2; }
datadir=$(realpath "$2") || exit 2
repo=$(realpath "${3:-$datadir/../..}") || exit 2
[ -d "$datadir/bad" ] || { echo "$0: no directory $datadir/bad" >&2; exit 2; }
cd "$repo" || exit 2
rel=$(realpath --relative-to="$repo" "$datadir/bad")

# The shipped forms of this tree, whatever the environment says; English messages.
unset ICTSURVEY_DEFINITIONS ICTSURVEY_LANG
export LC_ALL=C

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
failed=0

# run FILE: runs the checker on FILE; sets $status and leaves stderr in $tmp/stderr.
run() {
  timeout 20 "$ictsurvey" check --lang en "$1" >"$tmp/stdout" 2>"$tmp/stderr"
  status=$?
}

# verdict NAME: checks $status (exactly 1) and $tmp/stderr against $tmp/want.
verdict() {
  local name=$1 why=""
  if [ "$status" -eq 124 ]; then
    why="timed out after 20 s (a hang)"
  elif [ "$status" -ge 128 ]; then
    why="crashed (exit status $status, signal $((status - 128)))"
  elif [ "$status" -ne 1 ]; then
    why="exit status $status, expected 1"
  fi
  if [ -z "$why" ] && cmp -s "$tmp/want" "$tmp/stderr"; then
    echo "ok $name"
    return
  fi
  echo "FAIL $name${why:+: $why}"
  if ! cmp -s "$tmp/want" "$tmp/stderr"; then
    diff -u --label expected --label actual "$tmp/want" "$tmp/stderr" | sed 's/^/    /'
  fi
  failed=1
}

count=0
for yaml in "$rel"/*.yaml; do
  [ -e "$yaml" ] || continue
  name=$(basename "$yaml" .yaml)
  count=$((count + 1))
  expected=${yaml%.yaml}.expected
  if [ ! -f "$expected" ]; then
    echo "FAIL $name: no $expected"
    failed=1
    continue
  fi
  cp "$expected" "$tmp/want"
  run "$yaml"
  verdict "$name"
done
for expected in "$rel"/*.expected; do
  [ -e "$expected" ] || continue
  [ -f "${expected%.expected}.yaml" ] ||
    { echo "FAIL $(basename "$expected" .expected): $expected has no .yaml"; failed=1; }
done
if [ "$count" -eq 0 ]; then
  echo "FAIL: no case in $rel"
  failed=1
fi

# A file larger than the 4 MiB limit is refused before it is read.
big=$tmp/too_large.yaml
head -c 52428800 /dev/zero | tr '\0' 'a' >"$big"
echo "$big:1:1: error: the file is too large (52428800 bytes; the limit is 4194304)" >"$tmp/want"
run "$big"
verdict too_large_file
rm -f "$big"

# 1000 nested flow sequences stop at the 33rd with the nesting limit, without a crash.
deep=$tmp/deep_flow.yaml
{
  printf '[%.0s' $(seq 1000)
  printf ']%.0s' $(seq 1000)
  echo
} >"$deep"
echo "$deep:1:33: error: nested deeper than 32 levels" >"$tmp/want"
run "$deep"
verdict deep_flow_sequence

exit $failed
