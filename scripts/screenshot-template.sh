#!/usr/bin/env bash
# scripts/screenshot-template.sh - takes the documentation screenshot of the data-entry
# template: LibreOffice Calc (a real window under Xvfb) with the staff template open, the
# first record typed into row 3 and the validation dropdown of the district column
# ("Huyện, thị xã, thành phố nơi làm việc") open, showing its Vietnamese labels.
#
# A documentation tool run by hand, not part of CI. It makes its own temporary collector
# store and template with the given ictsurvey binary, and cleans up Xvfb and soffice on exit.
#
# Usage: scripts/screenshot-template.sh [ICTSURVEY_BINARY] [OUTPUT_PNG]
#   ICTSURVEY_BINARY  default build/ictsurvey (relative to the repository root)
#   OUTPUT_PNG        default docs/images/template-dropdown.png (relative to the repository root)
# ICTSURVEY_DEFINITIONS defaults to schema/definitions of this repository.
#
# Debian 12 packages it needs (the GUI build of Calc replaces libreoffice-calc-nogui):
#   apt-get install --no-install-recommends xvfb xdotool x11-xserver-utils imagemagick \
#       libreoffice-calc fonts-dejavu-core
#   and optionally pngquant (makes the PNG smaller).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
abs() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$PWD/$1" ;; esac; }
if [ $# -ge 1 ]; then ictsurvey=$(abs "$1"); else ictsurvey=$root/build/ictsurvey; fi
if [ $# -ge 2 ]; then out=$(abs "$2"); else out=$root/docs/images/template-dropdown.png; fi
export ICTSURVEY_DEFINITIONS=${ICTSURVEY_DEFINITIONS:-$root/schema/definitions}

export LC_ALL=C.UTF-8   # bash and printf below count characters, not bytes
for tool in Xvfb xdotool xmodmap import soffice; do
    command -v "$tool" >/dev/null || { echo "missing $tool (see the header of $0)" >&2; exit 1; }
done
[ -x "$ictsurvey" ] || { echo "no ictsurvey binary at $ictsurvey" >&2; exit 1; }
# soffice from libreoffice-calc-nogui cannot open a window.
[ -e /usr/lib/libreoffice/program/libvclplug_genlo.so ] ||
    { echo "LibreOffice has no X11 (gen) plugin: install libreoffice-calc, not -nogui" >&2; exit 1; }

width=1100 height=600
tmp=$(mktemp -d /tmp/ictsurvey-shot.XXXXXX)
xvfb_pid='' soffice_pid=''
cleanup() {
    # soffice runs in a session of its own (oosplash + soffice.bin): end that whole group
    if [ -n "$soffice_pid" ]; then
        kill -TERM -- "-$soffice_pid" 2>/dev/null || true
        wait "$soffice_pid" 2>/dev/null || true
    fi
    if [ -n "$xvfb_pid" ]; then
        kill -TERM "$xvfb_pid" 2>/dev/null || true
        wait "$xvfb_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
trap 'echo "$0: failed at line $LINENO" >&2' ERR

# 1. a store and its staff template
run_ictsurvey() {
    "$ictsurvey" "$@" >"$tmp/ictsurvey.log" 2>&1 || { cat "$tmp/ictsurvey.log" >&2; exit 1; }
}
run_ictsurvey collect init --store "$tmp/an.store" --site "Xã An Thạnh" \
    --surveyor "Lê Thị C" --round 2013
run_ictsurvey collect template --store "$tmp/an.store" staff -o "$tmp/staff.xlsx"

# 2. an X server of the screenshot's size; -displayfd picks a free display number
exec 3>"$tmp/display"
Xvfb -displayfd 3 -screen 0 "${width}x${height}x24" -nolisten tcp >"$tmp/xvfb.log" 2>&1 &
xvfb_pid=$!
exec 3>&-
for _ in $(seq 50); do [ -s "$tmp/display" ] && break; sleep 0.1; done
[ -s "$tmp/display" ] || { echo "Xvfb did not start:" >&2; cat "$tmp/xvfb.log" >&2; exit 1; }
DISPLAY=:$(head -n1 "$tmp/display")
export DISPLAY

# 3. a private LibreOffice profile with no first-start dialog, tip of the day, what's-new bar,
#    autocomplete (it would finish what is typed) or autosave
mkdir -p "$tmp/profile/user"
cat >"$tmp/profile/user/registrymodifications.xcu" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="ShowTipOfTheDay" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Setup/Office"><prop oor:name="FirstStartWizardCompleted" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Setup/Product"><prop oor:name="ooSetupLastVersion" oor:op="fuse"><value>99.0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Input"><prop oor:name="AutoInput" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Save/Document"><prop oor:name="AutoSave" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Recovery/AutoSave"><prop oor:name="Enabled" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
EOF

# 4. Calc with its plain X11 back end (no desktop or window manager needed)
SAL_USE_VCLPLUGIN=gen setsid soffice --calc --norestore --nologo --nolockcheck \
    "-env:UserInstallation=file://$tmp/profile" "$tmp/staff.xlsx" >"$tmp/soffice.log" 2>&1 &
soffice_pid=$!

win=''
for _ in $(seq 120); do
    win=$(xdotool search --onlyvisible --name 'staff.xlsx' 2>/dev/null | head -n1) || true
    [ -n "$win" ] && break
    kill -0 "$soffice_pid" 2>/dev/null || { echo "soffice exited:" >&2; cat "$tmp/soffice.log" >&2; exit 1; }
    sleep 0.5
done
[ -n "$win" ] || { echo "no Calc window after 60 s" >&2; exit 1; }
xdotool windowmove "$win" 0 0 windowsize "$win" "$width" "$height"
sleep 3
xdotool windowactivate --sync "$win" 2>/dev/null || xdotool windowfocus --sync "$win"
sleep 1

# 5. type the first record into row 3 (A3..D3), then open the district dropdown in E3
# (no --window: events sent that way are ignored by LibreOffice; the Calc window has the focus)
keys() { xdotool key --clearmodifiers --delay 120 "$@"; sleep 0.3; }
typ() { xdotool type --clearmodifiers --delay 80 "$1"; sleep 0.3; }
# xdotool types a letter missing from the keymap (ễ, ị, ữ) by binding it to a spare key for a
# moment, and Calc often drops such letters (it sees the key before the new keymap). So bind
# each non-ASCII letter of the record to a free keycode first, once, and let Calc settle.
premap() {
    local text=$* c i n=0 cp
    local -a free seen=()
    read -r -a free < <(xmodmap -pke | awk 'NF == 3 && $2 > 8 { printf "%s ", $2 } END { print "" }')
    local -a exprs=()
    for ((i = 0; i < ${#text}; i++)); do
        c=${text:i:1}
        [[ $c == [\ -~] ]] && continue       # printable ASCII is on the keyboard already
        [[ " ${seen[*]} " == *" $c "* ]] && continue
        seen+=("$c")
        [ "$n" -lt "${#free[@]}" ] || { echo "no free keycode for $c" >&2; exit 1; }
        cp=$(printf '%d' "'$c")
        if [ "$cp" -lt 256 ]; then cp=$(printf '0x%04x' "$cp"); else cp=$(printf '0x%x' $((0x1000000 + cp))); fi
        exprs+=(-e "keycode ${free[n]} = $cp $cp")
        n=$((n + 1))
    done
    [ "${#exprs[@]}" -eq 0 ] || xmodmap "${exprs[@]}"
    sleep 1
}
name='Nguyễn Thị Hoa' gender='Nữ'
premap "$name$gender"
keys ctrl+F5                        # hide the sidebar: more columns in the picture
keys ctrl+Home Down Down            # A1, then A3: the first record row
typ 'CB-0007'; keys Tab
typ "$name"; keys Tab
typ "$gender"; keys Tab
typ '1985'; keys Tab                # now on E3, the district column
sleep 1
keys alt+Down                       # opens the cell's validity list
sleep 1
keys Down Down Down Down Down Down Down Down   # highlight "Huyện Đức Hòa"
sleep 1

# 6. capture, and make the PNG small if pngquant is there
mkdir -p "$(dirname "$out")"
import -window root "$tmp/shot.png"
if command -v pngquant >/dev/null; then
    pngquant --force --quality 70-95 --output "$out" "$tmp/shot.png" || cp "$tmp/shot.png" "$out"
else
    cp "$tmp/shot.png" "$out"
fi
echo "wrote $out ($(identify -format '%wx%h' "$out"), $(stat -c %s "$out") bytes)"
