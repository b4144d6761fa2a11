#!/usr/bin/env bash
# tests/check_docs.sh ICTSURVEY REPO - every ```yaml example in the docs is a complete,
# valid definition: `ictsurvey check` accepts it, so the docs cannot drift from the code.
set -u
ictsurvey=$(realpath "$1")
cd "$2" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
for doc in docs/forms.md docs/register.md docs/targets.md; do
  awk -v out="$tmp/$(basename "$doc" .md)" '
    /^```yaml/ { n++; file = out "-" n ".yaml"; inside = 1; next }
    /^```/ { inside = 0; next }
    inside { print > file }' "$doc"
done
count=0
for f in "$tmp"/*.yaml; do
  count=$((count + 1))
  if out=$("$ictsurvey" check --lang en "$f" 2>&1); then
    echo "ok $(basename "$f")"
  else
    echo "FAIL $(basename "$f")"
    echo "$out"
    failed=1
  fi
done
[ "$count" -ge 3 ] || { echo "FAIL: expected at least 3 examples, found $count"; failed=1; }
exit $failed
