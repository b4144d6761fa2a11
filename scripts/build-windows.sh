#!/bin/bash
# scripts/build-windows.sh - ictsurvey.exe for the surveyors' Windows PCs, cross-compiled on
# Debian with mingw-w64, and the zip they are given: dist/ictsurvey-windows-x64.zip holding
# the folder ictsurvey-windows-x64\ with
#   ictsurvey.exe            statically linked: no DLL but Windows' own
#   definitions\             the shipped forms, unit register and targets
#   HUONG-DAN.txt            the quick start (docs/windows-quickstart.md), Vietnamese then English
#   Mo-phieu-khao-sat.cmd    the double-click launcher (scripts/windows/)
#
#   scripts/build-windows.sh            dependencies (cached: scripts/windows-deps.sh), build, zip
#   ICS_WIN_BUILD=DIR ...               the meson build folder (default build-windows)
#
# Prints the zip's path and size on its last line.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${ICS_WIN_BUILD:-build-windows}
NAME=ictsurvey-windows-x64
log() { printf '[build-windows %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

start=$(date +%s)
scripts/windows-deps.sh >/dev/null
CACHE=${ICS_WIN_CACHE:-/var/cache/ictsurvey-win}
CROSS=$CACHE/x86_64-w64-mingw32.ini
log "dependencies ready ($(($(date +%s) - start)) s)"

# the same cross file may name another cache key since the last setup: reconfigure every time
if [ -f "$BUILD/meson-private/coredata.dat" ]; then
  meson setup --reconfigure "$BUILD" --cross-file "$CROSS" >/dev/null
else
  rm -rf "$BUILD"
  meson setup "$BUILD" --cross-file "$CROSS" -Dbuildtype=release -Dwerror=true >/dev/null
fi
meson compile -C "$BUILD" ictsurvey >&2
log "ictsurvey.exe built ($(($(date +%s) - start)) s)"

# the folder the surveyor unpacks; text files in CRLF, the quick start with a BOM so that
# Notepad shows its diacritics whatever its version
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
DIR=$STAGE/$NAME
mkdir -p "$DIR/definitions"
x86_64-w64-mingw32-strip -o "$DIR/ictsurvey.exe" "$BUILD/ictsurvey.exe"
crlf() { sed 's/\r*$/\r/' "$1"; }
for f in schema/definitions/*.yaml; do crlf "$f" > "$DIR/definitions/$(basename "$f")"; done
{ printf '\xef\xbb\xbf'; crlf docs/windows-quickstart.md; } > "$DIR/HUONG-DAN.txt"
crlf scripts/windows/Mo-phieu-khao-sat.cmd > "$DIR/Mo-phieu-khao-sat.cmd"

# nothing but Windows' own DLLs
imports=$(x86_64-w64-mingw32-objdump -p "$DIR/ictsurvey.exe" | sed -n 's/^[[:space:]]*DLL Name: //p' | sort -u)
for dll in $imports; do
  case ${dll^^} in
    KERNEL32.DLL | MSVCRT.DLL | ADVAPI32.DLL | SHELL32.DLL | WS2_32.DLL | USER32.DLL) ;;
    *) echo "ictsurvey.exe needs $dll, which Windows does not have" >&2; exit 1 ;;
  esac
done

# the same bytes for the same sources: fixed times, sorted entries, no extra attributes
find "$DIR" -exec touch -d "@${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 1370000000)}" {} +
mkdir -p dist
rm -f "dist/$NAME.zip"
(cd "$STAGE" && find "$NAME" -print | LC_ALL=C sort | zip -q -X -9 -@ "$ROOT/dist/$NAME.zip")
size=$(stat -c %s "dist/$NAME.zip")
log "zip written ($(($(date +%s) - start)) s)"
echo "dist/$NAME.zip $size bytes"
