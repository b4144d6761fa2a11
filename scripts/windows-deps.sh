#!/bin/bash
# scripts/windows-deps.sh - the first step of the Windows build (issue 17): cross-builds, from
# Debian's own source packages, the static C libraries ictsurvey needs for Windows
# (x86_64-w64-mingw32) — sqlite3, libyaml, libsodium, utf8proc, libmicrohttpd, expat, minizip,
# libxlsxwriter, and zlib (Debian's libz-mingw-w64-dev, or its zlib source) — into a cache
# outside any checkout, keyed by the source packages' versions, the compiler's and this
# recipe's: a second run with the same versions does nothing. Writes the meson cross file
# beside the prefix.
#
#   scripts/windows-deps.sh          install tools, fetch sources, build (nothing to do when cached)
#   ICS_WIN_APT_UPDATE=1 ...         refresh the private deb-src lists first (else only when missing)
#   ICS_WIN_ZLIB_FROM_SOURCE=1       build zlib from Debian's zlib source instead of libz-mingw-w64-dev
#   ICS_WIN_CACHE=/some/dir          the cache (default /var/cache/ictsurvey-win)
#
# Prints the prefix on its last line; the cross file is $ICS_WIN_CACHE/x86_64-w64-mingw32.ini.
# Never writes into /etc/apt: the deb-src entries are derived from the machine's own deb
# sources into a private apt folder in the cache, and apt reads them through -o options.
set -eEuo pipefail   # -E: the ERR trap of the build loop also fires inside the build functions

HOST=x86_64-w64-mingw32
CACHE=${ICS_WIN_CACHE:-/var/cache/ictsurvey-win}
APTDIR=$CACHE/apt
SRCDIR=$CACHE/src
OUT=${ICS_WIN_OUT:-$CACHE}
JOBS=2
RECIPE=4   # bump when a build recipe below changes in a way that changes the result
NICE=(nice -n 10)
SOURCES=(sqlite3 libyaml libsodium utf8proc libmicrohttpd libxlsxwriter expat minizip)

log() { printf '[windows-deps %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------- 1. tools from apt
have_pkg() { dpkg-query -W -f='${db:Status-Status}\n' "$1" 2>/dev/null | grep -qx installed; }
apt_candidate() { apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}'; }

TOOLS=(gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 mingw-w64-tools dpkg-dev autoconf automake
       libtool pkg-config tcl zip meson ninja-build cmake make file)
ZLIB_FROM_SOURCE=${ICS_WIN_ZLIB_FROM_SOURCE:-0}
if [ "$ZLIB_FROM_SOURCE" != 1 ]; then
  if have_pkg libz-mingw-w64-dev || { c=$(apt_candidate libz-mingw-w64-dev); [ -n "$c" ] && [ "$c" != "(none)" ]; }; then
    TOOLS+=(libz-mingw-w64-dev)
  else
    log "libz-mingw-w64-dev is not available: zlib is built from Debian's zlib source"
    ZLIB_FROM_SOURCE=1
  fi
fi
[ "$ZLIB_FROM_SOURCE" = 1 ] && SOURCES+=(zlib)
missing=()
for p in "${TOOLS[@]}"; do have_pkg "$p" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # the candidate may be unknown before the first update of this machine
  apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 ||
    { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; }
fi
for t in $HOST-gcc $HOST-g++ $HOST-ar $HOST-ranlib $HOST-strip $HOST-windres tclsh; do
  command -v "$t" >/dev/null || die "$t not found after the install"
done

# ---------------------------------------------------------------- 2. private deb-src
mkdir -p "$APTDIR/sources.list.d" "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial" "$SRCDIR"
derive_sources() { # the machine's deb entries as deb-src, deb822 and one-line formats alike
  local f out=$APTDIR/sources.list.d.new
  rm -rf "$out"; mkdir -p "$out"
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -e "$f" ] || continue
    # each stanza with 'Types:' naming deb becomes a deb-src-only stanza; others are dropped
    awk 'BEGIN { RS=""; ORS="\n\n" }
         { keep=0; out="";
           n=split($0, L, "\n");
           for (i=1; i<=n; i++) {
             if (L[i] ~ /^Types:/) { if (L[i] ~ /[ \t]deb([ \t]|$)/) keep=1; L[i]="Types: deb-src" }
             if (L[i] ~ /^Enabled:[ \t]*no/) keep=0;
             out = out L[i] "\n" }
           if (keep) printf "%s\n", out }' "$f" > "$out/$(basename "$f")"
    [ -s "$out/$(basename "$f")" ] || rm -f "$out/$(basename "$f")"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -e "$f" ] || continue
    sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" > "$out/$(basename "$f")"
    [ -s "$out/$(basename "$f")" ] || rm -f "$out/$(basename "$f")"
  done
  ls "$out"/* >/dev/null 2>&1 || die "no deb entries found in /etc/apt to derive deb-src from"
  if diff -r -q "$out" "$APTDIR/sources.list.d" >/dev/null 2>&1; then rm -rf "$out"; return 1; fi
  rm -rf "$APTDIR/sources.list.d"; mv "$out" "$APTDIR/sources.list.d"; return 0
}
APT_OPTS=(-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$APTDIR/sources.list.d"
          -o Dir::State::Lists="$APTDIR/lists" -o Dir::Cache="$APTDIR/cache"
          -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o APT::Sandbox::User=root)
changed=0; derive_sources && changed=1
if [ "$changed" = 1 ] || [ "${ICS_WIN_APT_UPDATE:-0}" = 1 ] || ! ls "$APTDIR/lists/"*Sources* >/dev/null 2>&1; then
  log "apt-get update (private deb-src lists in $APTDIR)"
  apt-get "${APT_OPTS[@]}" update -q >&2
fi

# newest version of a source package in the private lists
src_version() {
  apt-get "${APT_OPTS[@]}" source --print-uris "$1" 2>/dev/null |
    sed -n "s/^'[^']*' $1_\(.*\)\.dsc .*/\1/p" | head -1
}
# fetch PKG's source package (the newest; else the release's own) into $SRCDIR/archives; echo VERSION
fetch_source() {
  local pkg=$1 want ver tmp suite
  want=$(src_version "$pkg"); [ -n "$want" ] || die "no source package $pkg in the deb-src lists"
  # remembered: the newest was not served and the release's version was used instead
  if [ -f "$SRCDIR/$pkg.fallback.$want" ]; then ver=$(cat "$SRCDIR/$pkg.fallback.$want"); else ver=$want; fi
  if [ -f "$SRCDIR/archives/${pkg}_$ver.dsc" ]; then echo "$ver"; return; fi
  mkdir -p "$SRCDIR/archives"
  tmp=$(mktemp -d "$SRCDIR/.fetch.XXXXXX")
  if ( cd "$tmp" && apt-get "${APT_OPTS[@]}" source --download-only -q "$pkg=$ver" >&2 ); then :
  else
    suite=$(. /etc/os-release; echo "${VERSION_CODENAME:-bookworm}")
    log "$pkg $want is not served: falling back to $pkg/$suite"
    rm -rf "$tmp"; tmp=$(mktemp -d "$SRCDIR/.fetch.XXXXXX")
    ( cd "$tmp" && apt-get "${APT_OPTS[@]}" source --download-only -q "$pkg/$suite" >&2 ) ||
      die "cannot fetch the source of $pkg"
    ver=$(ls "$tmp"/*.dsc | sed -n "s|.*/${pkg}_\(.*\)\.dsc$|\1|p")
    echo "$ver" > "$SRCDIR/$pkg.fallback.$want"
  fi
  # the .dsc last: its presence says the rest is there
  find "$tmp" -maxdepth 1 -type f ! -name '*.dsc' -exec mv -f {} "$SRCDIR/archives/" \;
  mv -f "$tmp"/*.dsc "$SRCDIR/archives/"; rm -rf "$tmp"
  echo "$ver"
}

declare -A VER
for p in "${SOURCES[@]}"; do VER[$p]=$(fetch_source "$p"); done
if [ "$ZLIB_FROM_SOURCE" != 1 ]; then VER[zlib]="libz-mingw-w64-dev_$(dpkg-query -W -f='${Version}' libz-mingw-w64-dev)"; fi
GCCV=$($HOST-gcc -dumpversion)-$(dpkg-query -W -f='${Version}' gcc-mingw-w64-x86-64)
KEYTEXT="recipe=$RECIPE host=$HOST gcc=$GCCV"
for p in $(printf '%s\n' "${!VER[@]}" | sort); do KEYTEXT+=" $p=${VER[$p]}"; done
KEY=$(printf '%s' "$KEYTEXT" | sha256sum | cut -c1-16)
PREFIX=$CACHE/deps-$KEY

write_cross_files() {
  mkdir -p "$OUT"
  local WRAPPER=''
  if command -v wine >/dev/null; then WRAPPER="exe_wrapper = 'wine'"; fi
  cat > "$OUT/$HOST.ini" <<EOF
# meson cross file for $HOST, with the static dependencies in $PREFIX ($KEYTEXT)
[binaries]
c = '$HOST-gcc'
cpp = '$HOST-g++'
ar = '$HOST-ar'
strip = '$HOST-strip'
windres = '$HOST-windres'
# meson 1.0 (bookworm) knows this entry as 'pkgconfig'; 'pkg-config' only from meson 1.3
pkgconfig = 'pkg-config'
$WRAPPER
[properties]
pkg_config_libdir = '$PREFIX/lib/pkgconfig'

[host_machine]
system = 'windows'
cpu_family = 'x86_64'
cpu = 'x86_64'
endian = 'little'
EOF
  # meson 1.0 has no [env]; pkg-config gets PKG_CONFIG_LIBDIR from pkg_config_libdir above
  printf '%s\n' "$PREFIX" > "$OUT/prefix.txt"
}

if [ -f "$PREFIX/.complete" ]; then
  log "cached: $PREFIX ($KEYTEXT)"
  write_cross_files
  echo "$PREFIX"; exit 0
fi

# ---------------------------------------------------------------- 3. the builds
log "building $KEYTEXT into $PREFIX"
STAGE=$PREFIX.partial          # renamed to $PREFIX when every library is in
BUILD=$CACHE/build-$KEY
mkdir -p "$STAGE/lib/pkgconfig" "$STAGE/include" "$BUILD"
export PKG_CONFIG_LIBDIR=$STAGE/lib/pkgconfig PKG_CONFIG_PATH=
export CFLAGS="-O2 -g0" CPPFLAGS="-I$STAGE/include" LDFLAGS="-L$STAGE/lib"
CONF=(--host=$HOST --build="$(dpkg-architecture -qDEB_BUILD_GNU_TYPE)" --prefix="$STAGE"
      --enable-static --disable-shared --disable-dependency-tracking)
cat > "$BUILD/toolchain.cmake" <<EOF
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER $HOST-gcc)
set(CMAKE_CXX_COMPILER $HOST-g++)
set(CMAKE_RC_COMPILER $HOST-windres)
set(CMAKE_FIND_ROOT_PATH /usr/$HOST $STAGE)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
EOF
CMAKE=(cmake -G Ninja -DCMAKE_TOOLCHAIN_FILE="$BUILD/toolchain.cmake" -DCMAKE_BUILD_TYPE=Release
       -DCMAKE_INSTALL_PREFIX="$STAGE" -DCMAKE_INSTALL_LIBDIR=lib -DBUILD_SHARED_LIBS=OFF
       -DCMAKE_PREFIX_PATH="$STAGE")
run() { "${NICE[@]}" "$@"; }
# a fresh tree to build in, unpacked from the source package (quilt sources: Debian's patches applied)
work() {
  rm -rf "${BUILD:?}/$1"
  dpkg-source --no-check -x "$SRCDIR/archives/${1}_${VER[$1]}.dsc" "$BUILD/$1" >"$BUILD/$1.unpack.log" 2>&1 ||
    { cat "$BUILD/$1.unpack.log" >&2; return 1; }
  cd "$BUILD/$1"
}
stamp() { touch "$BUILD/.done-$1"; log "$1 ${VER[$1]}: done"; }
done_() { [ -f "$BUILD/.done-$1" ]; }
pc_version() { PKG_CONFIG_LIBDIR=$STAGE/lib/pkgconfig pkg-config --modversion "$1"; }

build_zlib() {
  done_ zlib && return
  if [ "$ZLIB_FROM_SOURCE" = 1 ]; then
    # Debian's dfsg tarball has no win32/ (Makefile.gcc): zlib's own configure, CHOST for the cross compiler
    log "zlib ${VER[zlib]}: configure --static"
    ( work zlib
      run env CFLAGS=-O2 CHOST=$HOST ./configure --static --prefix="$STAGE" >"$BUILD/zlib.log" 2>&1
      run make -j$JOBS libz.a >>"$BUILD/zlib.log" 2>&1
      install -m644 libz.a "$STAGE/lib/"; install -m644 zlib.h zconf.h "$STAGE/include/" )
    zv=$(sed -n 's/^#define ZLIB_VERSION "\(.*\)"/\1/p' "$STAGE/include/zlib.h")
  else
    log "zlib: Debian's libz-mingw-w64-dev (${VER[zlib]})"
    # copied in, so that -lz finds the static libz.a before /usr/$HOST/lib/libz.dll.a
    install -m644 /usr/$HOST/lib/libz.a "$STAGE/lib/"
    install -m644 /usr/$HOST/include/zlib.h /usr/$HOST/include/zconf.h "$STAGE/include/"
    zv=$(sed -n 's/^#define ZLIB_VERSION "\(.*\)"/\1/p' "$STAGE/include/zlib.h")
  fi
  cat > "$STAGE/lib/pkgconfig/zlib.pc" <<EOF
prefix=$STAGE
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: zlib
Description: zlib compression library
Version: $zv
Libs: -L\${libdir} -lz
Cflags: -I\${includedir}
EOF
  stamp zlib
}

build_sqlite3() {
  done_ sqlite3 && return
  log "sqlite3 ${VER[sqlite3]}: amalgamation made natively (tclsh), compiled with $HOST-gcc"
  ( work sqlite3
    mkdir -p native && cd native
    # the generators (lemon, mkkeywordhash, tclsh scripts) run on the build machine
    run env -u CPPFLAGS -u LDFLAGS ../configure --disable-tcl --disable-readline --disable-amalgamation >"$BUILD/sqlite3.log" 2>&1
    run make -j$JOBS sqlite3.c >>"$BUILD/sqlite3.log" 2>&1
    # Debian's feature set (debian/rules CFLAGS and configure switches) for the same
    # behaviour on Windows as on Debian; LOAD_EXTENSION is left out (no DLLs loaded by us)
    SQLITE_DEFS=(-DSQLITE_THREADSAFE=1 -DSQLITE_SECURE_DELETE -DSQLITE_ENABLE_COLUMN_METADATA
      -DSQLITE_ENABLE_FTS3 -DSQLITE_ENABLE_FTS3_PARENTHESIS -DSQLITE_ENABLE_FTS4 -DSQLITE_ENABLE_FTS5
      -DSQLITE_ENABLE_RTREE=1 -DSQLITE_SOUNDEX=1 -DSQLITE_ENABLE_UNLOCK_NOTIFY
      -DSQLITE_OMIT_LOOKASIDE=1 -DSQLITE_ENABLE_DBSTAT_VTAB -DSQLITE_ALLOW_ROWID_IN_VIEW
      -DSQLITE_ENABLE_UPDATE_DELETE_LIMIT=1 -DSQLITE_LIKE_DOESNT_MATCH_BLOBS
      -DSQLITE_ENABLE_FTS3_TOKENIZER=1 -DSQLITE_USE_URI=1 -DSQLITE_MAX_SCHEMA_RETRY=25
      -DSQLITE_ENABLE_PREUPDATE_HOOK -DSQLITE_ENABLE_SESSION -DSQLITE_ENABLE_STMTVTAB
      -DSQLITE_MAX_VARIABLE_NUMBER=250000 -DSQLITE_ENABLE_MATH_FUNCTIONS
      -DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_WIN32_MALLOC)
    run $HOST-gcc -O2 "${SQLITE_DEFS[@]}" -c sqlite3.c -o sqlite3.o >>"$BUILD/sqlite3.log" 2>&1
    rm -f libsqlite3.a; $HOST-ar rcs libsqlite3.a sqlite3.o
    install -m644 libsqlite3.a "$STAGE/lib/"
    install -m644 sqlite3.h sqlite3ext.h "$STAGE/include/" )
  sv=$(sed -n 's/^#define SQLITE_VERSION  *"\(.*\)"/\1/p' "$STAGE/include/sqlite3.h")
  cat > "$STAGE/lib/pkgconfig/sqlite3.pc" <<EOF
prefix=$STAGE
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: SQLite
Description: SQL database engine
Version: $sv
Libs: -L\${libdir} -lsqlite3
Cflags: -I\${includedir}
EOF
  stamp sqlite3
}

build_libyaml() {
  done_ libyaml && return
  log "libyaml ${VER[libyaml]}: autotools"
  ( work libyaml
    run autoreconf -fi >"$BUILD/libyaml.log" 2>&1
    # YAML_DECLARE_STATIC: else yaml.h declares everything __declspec(dllimport) on Windows
    run ./configure "${CONF[@]}" CPPFLAGS="$CPPFLAGS -DYAML_DECLARE_STATIC" >>"$BUILD/libyaml.log" 2>&1
    run make -j$JOBS -C src >>"$BUILD/libyaml.log" 2>&1
    run make -C src install >>"$BUILD/libyaml.log" 2>&1
    run make -C include install >>"$BUILD/libyaml.log" 2>&1
    run make install-pkgconfigDATA >>"$BUILD/libyaml.log" 2>&1 )
  sed -i 's/^Cflags: .*/& -DYAML_DECLARE_STATIC/' "$STAGE/lib/pkgconfig/yaml-0.1.pc"
  stamp libyaml
}

build_libsodium() {
  done_ libsodium && return
  log "libsodium ${VER[libsodium]}: autotools"
  ( work libsodium
    run autoreconf -fi >"$BUILD/libsodium.log" 2>&1
    # --disable-ssp: -fstack-protector would need libssp-0.dll on Windows
    run ./configure "${CONF[@]}" --disable-ssp --disable-pie >>"$BUILD/libsodium.log" 2>&1
    run make -j$JOBS -C src >>"$BUILD/libsodium.log" 2>&1
    run make -C src install >>"$BUILD/libsodium.log" 2>&1
    run make install-pkgconfigDATA >>"$BUILD/libsodium.log" 2>&1 )
  # RtlGenRandom (SystemFunction036) is in advapi32; SODIUM_STATIC: no import attributes
  sed -i -e 's/^Libs.private:.*/& -ladvapi32/' -e 's/^Cflags: .*/& -DSODIUM_STATIC/' "$STAGE/lib/pkgconfig/libsodium.pc"
  stamp libsodium
}

build_utf8proc() {
  done_ utf8proc && return
  log "utf8proc ${VER[utf8proc]}: cmake"
  ( work utf8proc
    run "${CMAKE[@]}" -S . -B b >"$BUILD/utf8proc.log" 2>&1
    run cmake --build b -j $JOBS >>"$BUILD/utf8proc.log" 2>&1
    run cmake --install b >>"$BUILD/utf8proc.log" 2>&1 )
  # its .pc asks for UTF8PROC_EXPORTS (dllexport on Windows): a static library wants UTF8PROC_STATIC
  sed -i 's/-DUTF8PROC_EXPORTS/-DUTF8PROC_STATIC/' "$STAGE/lib/pkgconfig/libutf8proc.pc"
  grep -q UTF8PROC_STATIC "$STAGE/lib/pkgconfig/libutf8proc.pc" ||
    sed -i 's/^Cflags: .*/& -DUTF8PROC_STATIC/' "$STAGE/lib/pkgconfig/libutf8proc.pc"
  stamp utf8proc
}

build_libmicrohttpd() {
  done_ libmicrohttpd && return
  log "libmicrohttpd ${VER[libmicrohttpd]}: autotools, no https"
  ( work libmicrohttpd
    run ./configure "${CONF[@]}" --disable-https --without-gnutls --disable-doc --disable-examples \
      --disable-curl --disable-nls --enable-asserts=no >"$BUILD/libmicrohttpd.log" 2>&1
    run make -j$JOBS -C src/microhttpd >>"$BUILD/libmicrohttpd.log" 2>&1
    run make -C src/microhttpd install >>"$BUILD/libmicrohttpd.log" 2>&1
    run make -C src/include install >>"$BUILD/libmicrohttpd.log" 2>&1
    run make install-pkgconfigDATA >>"$BUILD/libmicrohttpd.log" 2>&1 )
  # its .la knows -lws2_32 (MHD_LIBDEPS), its .pc does not (MHD_LIBDEPS_PKGCFG): a static link needs it
  sed -i 's/^Libs.private:.*/& -lws2_32/' "$STAGE/lib/pkgconfig/libmicrohttpd.pc"
  stamp libmicrohttpd
}

build_expat() {
  done_ expat && return
  # autotools as Debian builds it: its patches test XML_DTD == 1, which only configure defines so
  log "expat ${VER[expat]}: autotools, the library alone"
  ( work expat
    cd expat   # the release's sources are in expat/ of Debian's tree
    run ./buildconf.sh >"$BUILD/expat.log" 2>&1
    run ./configure "${CONF[@]}" --without-xmlwf --without-examples --without-tests \
      --without-docbook >>"$BUILD/expat.log" 2>&1
    run make -j$JOBS -C lib >>"$BUILD/expat.log" 2>&1
    run make -C lib install >>"$BUILD/expat.log" 2>&1
    run make install-pkgconfigDATA >>"$BUILD/expat.log" 2>&1 )
  # XML_STATIC: else expat_external.h declares everything __declspec(dllimport) on Windows
  sed -i 's/^Cflags: .*/& -DXML_STATIC/' "$STAGE/lib/pkgconfig/expat.pc"
  stamp expat
}

# Debian's minizip source package (zlib's contrib/minizip with Debian's security patches: the
# same library as libminizip-dev on Linux, with its own minizip.pc and headers) rather than a
# libminizip.a made from the copy in libxlsxwriter's source: that copy is older and unpatched,
# and has neither; libxlsxwriter is then built on this one too, as Debian builds it.
build_minizip() {
  done_ minizip && return
  log "minizip ${VER[minizip]}: autotools, zlib from $STAGE"
  ( work minizip
    run autoreconf -fi >"$BUILD/minizip.log" 2>&1
    run ./configure "${CONF[@]}" >>"$BUILD/minizip.log" 2>&1
    run make -j$JOBS libminizip.la >>"$BUILD/minizip.log" 2>&1
    run make install-libLTLIBRARIES install-minizip_includeHEADERS install-pkgconfigDATA >>"$BUILD/minizip.log" 2>&1 )
  # its .pc names zlib only in Libs.private (-lz), which a static link needs: kept
  stamp minizip
}

build_libxlsxwriter() {
  done_ libxlsxwriter && return
  # Debian's minizip (built before), as Debian's own libxlsxwriter is built (USE_SYSTEM_MINIZIP):
  # one minizip in ictsurvey.exe, the writer's and the reader's (xlsx/), not two copies of
  # ioapi.c whose objects would clash in the static link
  log "libxlsxwriter ${VER[libxlsxwriter]}: cmake, minizip and zlib from $STAGE"
  ( work libxlsxwriter
    run "${CMAKE[@]}" -S . -B b -DZLIB_ROOT="$STAGE" -DZLIB_LIBRARY="$STAGE/lib/libz.a" \
      -DZLIB_INCLUDE_DIR="$STAGE/include" -DUSE_SYSTEM_MINIZIP=ON -DMINIZIP_ROOT="$STAGE" \
      -DBUILD_TESTS=OFF -DBUILD_EXAMPLES=OFF >"$BUILD/libxlsxwriter.log" 2>&1
    run cmake --build b -j $JOBS >>"$BUILD/libxlsxwriter.log" 2>&1
    run cmake --install b >>"$BUILD/libxlsxwriter.log" 2>&1 )
  # its CMake regex takes the wrong number for Version (LXW_SOVERSION's): the header's LXW_VERSION
  xv=$(sed -n 's/^#define LXW_VERSION "\(.*\)"/\1/p' "$STAGE/include/xlsxwriter.h")
  sed -i "s/^Version: .*/Version: $xv/" "$STAGE/lib/pkgconfig/xlsxwriter.pc"
  # its .pc does not name minizip, which the static libxlsxwriter.a now needs after it
  sed -i 's/^Libs: .*-lxlsxwriter/& -lminizip/' "$STAGE/lib/pkgconfig/xlsxwriter.pc"
  grep -q -- '-lxlsxwriter -lminizip' "$STAGE/lib/pkgconfig/xlsxwriter.pc"
  stamp libxlsxwriter
}

# called plainly, not as 'build_x || die': in a '||' list bash ignores set -e in the whole
# function, subshells included, and a failed step would go unnoticed
for step in zlib sqlite3 libyaml libsodium utf8proc libmicrohttpd expat minizip libxlsxwriter; do
  trap 'log "error: $step failed: see $BUILD/$step.log"; tail -20 "$BUILD/$step.log" >&2 || true' ERR
  "build_$step"
  trap - ERR
  # each step's own check: its .pc answers and its library is there
  case $step in
    zlib) pc=zlib lib=z ;; sqlite3) pc=sqlite3 lib=sqlite3 ;; libyaml) pc=yaml-0.1 lib=yaml ;;
    libsodium) pc=libsodium lib=sodium ;; utf8proc) pc=libutf8proc lib=utf8proc ;;
    libmicrohttpd) pc=libmicrohttpd lib=microhttpd ;; libxlsxwriter) pc=xlsxwriter lib=xlsxwriter ;;
    expat) pc=expat lib=expat ;; minizip) pc=minizip lib=minizip ;;
  esac
  [ -f "$STAGE/lib/lib$lib.a" ] && pc_version "$pc" >/dev/null ||
    { rm -f "$BUILD/.done-$step"; die "$step: no lib$lib.a or $pc.pc in $STAGE"; }
done

# the prefix as it will stay: the .pc files name it, not the staging folder
mv "$STAGE" "$PREFIX.tmp.$$" 2>/dev/null || true
rm -rf "$PREFIX"; mv "$PREFIX.tmp.$$" "$PREFIX"
sed -i "s|$STAGE|$PREFIX|g" "$PREFIX"/lib/pkgconfig/*.pc
grep -rl "$STAGE" "$PREFIX" 2>/dev/null | grep -v '\.a$' | xargs -r sed -i "s|$STAGE|$PREFIX|g"
rm -f "$PREFIX"/lib/*.la
rm -rf "$PREFIX/share/doc" "$PREFIX/share/man" "$PREFIX/share/info"
for p in "${!VER[@]}"; do echo "$p ${VER[$p]}"; done | sort > "$PREFIX/VERSIONS"
echo "$KEYTEXT" > "$PREFIX/KEY"
touch "$PREFIX/.complete"
rm -rf "$BUILD"
# the prefixes of other keys stay (a rebuild after a version change can be compared with them)
log "built: $PREFIX"
write_cross_files
echo "$PREFIX"
