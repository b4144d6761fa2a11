#!/usr/bin/env bash
# tests/check_cli.sh ICTSURVEY REPO - exit statuses and fixed outputs of the command line
# (cli.md): 0 success, 1 a problem in the data, 2 a usage error; help in both languages.
set -u
ictsurvey=$(realpath "$1")
cd "$2" || exit 1
failed=0
# expect STATUS DESCRIPTION COMMAND...
expect() {
  local want=$1 what=$2
  shift 2
  "$@" >/tmp/ics-cli-out.$$ 2>/tmp/ics-cli-err.$$
  local got=$?
  if [ "$got" -eq "$want" ]; then
    echo "ok $what"
  else
    echo "FAIL $what: exit $got, expected $want"
    cat /tmp/ics-cli-err.$$
    failed=1
  fi
}
expect 0 "check on the shipped definitions" "$ictsurvey" check
expect 0 "check names shipped files" "$ictsurvey" check schema/definitions/staff.yaml schema/definitions/units.yaml schema/definitions/targets.yaml
expect 2 "no command" "$ictsurvey"
expect 2 "unknown command" "$ictsurvey" frobnicate
expect 2 "unknown option" "$ictsurvey" check --frobnicate
expect 2 "bad language" "$ictsurvey" --lang fr check
expect 0 "help" "$ictsurvey" --help
grep -q "^Cách dùng: ictsurvey" /tmp/ics-cli-out.$$ || { echo "FAIL help is not Vietnamese by default"; failed=1; }
expect 0 "help in English" "$ictsurvey" --lang en check --help
grep -q "^Usage: ictsurvey check" /tmp/ics-cli-out.$$ || { echo "FAIL check --help in English"; failed=1; }
expect 1 "a missing file" "$ictsurvey" check --lang en no-such-file.yaml
grep -qx "no-such-file.yaml: error: cannot read the file: no such file" /tmp/ics-cli-err.$$ ||
  { echo "FAIL message for a missing file:"; cat /tmp/ics-cli-err.$$; failed=1; }
expect 0 "hash" "$ictsurvey" check --hash schema/definitions/staff.yaml
grep -Eq '^[0-9a-f]{64}  schema/definitions/staff.yaml$' /tmp/ics-cli-out.$$ ||
  { echo "FAIL hash output"; failed=1; }
# a form saved by Windows Notepad starts with a UTF-8 byte-order mark
bom=$(mktemp --suffix=.yaml)
printf '\xef\xbb\xbf' > "$bom"
cat schema/definitions/school.yaml >> "$bom"
expect 0 "a form with a byte-order mark" "$ictsurvey" check "$bom"
rm -f "$bom" /tmp/ics-cli-out.$$ /tmp/ics-cli-err.$$
exit $failed
