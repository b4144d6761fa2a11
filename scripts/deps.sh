#!/usr/bin/env bash
# scripts/deps.sh - installs, with apt-get, every Debian package that building, testing and
# the demo need, skipping what is already there. Sourced by test.sh and demo.sh.
ics_install_deps() {
  local packages=(
    meson ninja-build pkg-config gcc
    libyaml-dev libsqlite3-dev zlib1g-dev libxlsxwriter-dev libsodium-dev libutf8proc-dev
    libminizip-dev libexpat1-dev
    libmicrohttpd-dev
    "$@"
  )
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing: ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -q >&2 || true
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
  fi
}
