#!/usr/bin/env bash
# scripts/demo.sh - the whole job on one machine, from a fresh Debian 12: installs what is
# missing, builds, then rehearses a survey round the way the province runs it:
#   0. the central office makes its key pairs (`ictsurvey keys init`), publishes the forms,
#      register and targets into its database and writes the signed survey kit (`ictsurvey kit`),
#   1. `ictsurvey simulate` makes up the province: surveyors create collector stores from that
#      kit and fill them (through the answers-file import the central office uses to pre-fill),
#   2. they export bundles, signed and sealed so that only the office can read them; one
#      surveyor edits and voids records and sends a second bundle, one bundle is sent twice,
#      one arrives damaged,
#   3. the central office merges everything with its secret key, accepting sealed bundles only
#      (the damaged bundle is rejected and quarantined, the duplicate person is kept and
#      resolved by the report),
#   4. the gap-analysis workbook is written to out/gap-analysis.xlsx and summarised here,
#   5. the office sends each store a signed receipt of what it holds (`merge --receipts`); one
#      surveyor takes hers, and gets round 2014 pre-filled with her 2013 records, sealed to her
#      store: she confirms who is unchanged, voids one who left and sends only what is new.
set -euo pipefail
# (under pipefail a reader that stops early kills the writer with SIGPIPE: abridge with sed, which reads to the end)
cd "$(dirname "$0")/.."
source scripts/deps.sh
ics_install_deps python3-openpyxl
[ -d build ] || meson setup build >/dev/null
meson compile -C build >/dev/null
ictsurvey=build/ictsurvey
export ICTSURVEY_DEFINITIONS=schema/definitions
say() { printf '\n== %s\n' "$*" >&2; }

rm -rf out
mkdir -p out
say "ictsurvey check: the shipped forms, unit register and targets"
$ictsurvey check

say "ictsurvey keys init: the central office's key pairs (sealing bundles, signing kits)"
$ictsurvey keys init --dir out/keys

say "ictsurvey kit: the office publishes its definitions and writes the survey kit surveyors get"
$ictsurvey kit --db out/central.db --key out/keys/central.key --round 2013 -o out/province-2013.kit

say "ictsurvey simulate: 17 surveyors make their stores from the kit, fill them (through the"
say "answers-file import) and export sealed bundles; one corrects and withdraws records and"
say "re-sends; one bundle is doubled, one damaged"
$ictsurvey simulate --out out/province --staff 1500 --seed 2013 --kit out/province-2013.kit > out/bundles.txt
say "what anyone on the way can read of a sealed bundle (zcat | cut -c1-100)"
zcat "$(head -1 out/bundles.txt)" | cut -c1-100 | sed -n 1,14p >&2

say "the central office merges every bundle with its key, sealed ones only (exit status 1: one was rejected)"
set +e
$ictsurvey merge --db out/central.db --require-sealed --key out/keys/central.key --receipts out/receipts $(cat out/bundles.txt)
merged=$?
set -e
[ "$merged" -le 1 ] || exit "$merged"

say "completeness at a glance (ictsurvey status, abridged)"
$ictsurvey status --db out/central.db --lang en > out/status.txt
sed -n '/agencies with no staff/,/^$/p;/Duplicated/,/^$/p;/Rejected/,/^$/p' out/status.txt >&2

say "the gap-analysis workbook"
$ictsurvey report --db out/central.db -o out/gap-analysis.xlsx
$ictsurvey report --db out/central.db --lang en -o out/gap-analysis-en.xlsx 2>/dev/null

say "the province's gaps (from out/gap-analysis-en.xlsx)"
/usr/bin/python3 - <<'PY'
import openpyxl
ws = openpyxl.load_workbook("out/gap-analysis-en.xlsx", read_only=True).worksheets[0]
rows = list(ws.iter_rows(values_only=True))
h = next(i for i, r in enumerate(rows) if r and r[0] == "ID")
head = rows[h]
col = {name: i for i, name in enumerate(head) if name}
print(rows[1][0])
print("%-30s %8s %9s %-9s %7s" % ("indicator", "actual", "target", "2015", "needed"))
for r in rows[h + 1:]:
    if not r or not r[0]:
        continue
    actual = r[col["Actual"]]
    target = r[col.get("Target 2015")] if "Target 2015" in col else None
    status = r[col.get("Status 2015")] if "Status 2015" in col else None
    needed = r[col.get("Needed 2015")] if "Needed 2015" in col else None
    fmt = (lambda v: "%.0f%%" % (100 * v)) if r[0] not in ("students_per_lecturer", "students_per_computer") else (lambda v: "%.1f" % v)
    print("%-30s %8s %9s %-9s %7s" % (r[0][:30], fmt(actual) if actual is not None else "-",
                                       fmt(target) if target is not None else "-", status or "-",
                                       needed if needed is not None else "-"))
PY

store=out/province/stores/huyen-794.store
sid=$(/usr/bin/python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT value FROM meta WHERE key = 'store_id'\").fetchone()[0])" "$store")
say "the surveyor of huyen-794 takes the receipt the merge wrote for her store (out/receipts/$sid.receipt)"
$ictsurvey collect receipt --store "$store" "out/receipts/$sid.receipt" --lang en

say "round 2014, pre-filled: the office makes huyen-794 a kit carrying its 2013 records, sealed to its key"
$ictsurvey kit --db out/central.db --key out/keys/central.key --round 2014 --prefill 2013 --store-id "$sid" \
  -o out/huyen-794-2014.kit --lang en 2>&1 | grep -v '^  ' >&2
$ictsurvey collect update --store "$store" --kit out/huyen-794-2014.kit --lang en 2>&1 | sed -n 1,2p >&2
say "she voids one who left, confirms everyone else unchanged and sends only what the office lacks"
left=$($ictsurvey collect list --store "$store" | awk -F'\t' '$2 == "staff" && !found++ { print $3 }')
$ictsurvey collect void --store "$store" "$left" --yes --lang en 2>&1 | cut -d';' -f1 >&2
$ictsurvey collect confirm --store "$store" --all --lang en 2>&1 | tail -1 >&2
$ictsurvey collect export --store "$store" --pending -o out/huyen-794-2014.bundle --lang en 2>&1 | grep Exported >&2
$ictsurvey merge --db out/central.db --key out/keys/central.key --receipts out/receipts out/huyen-794-2014.bundle \
  --lang en 2>&1 | grep -v receipt >&2
$ictsurvey collect receipt --store "$store" "out/receipts/$sid.receipt" --lang en 2>&1 | tail -2 >&2

printf '\nWorkbook: out/gap-analysis.xlsx (Vietnamese), out/gap-analysis-en.xlsx (English)\n' >&2
