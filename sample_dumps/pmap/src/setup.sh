#!/bin/bash
# setup.sh - install what capture.sh needs on a Debian 12 (bookworm) amd64 box, as root.
#
#   * locales de_DE.UTF-8, fr_FR.UTF-8, zh_CN.UTF-8 (procps-ng.mo files ship in the procps package)
#   * busybox-static:i386  (a 32-bit process to pmap)
#   * a BusyBox with the pmap applet (Debian's busybox packages leave it out): built from
#     `apt-get source busybox` with CONFIG_PMAP=y CONFIG_STATIC=y   -> $WORK/busybox-pmap
#   * procps:i386 unpacked (not installed) under $WORK/p32 so that a real 32-bit pmap binary can run
#     through the i386 dynamic loader                                 -> $WORK/pmap32 (wrapper)
#
# Usage: setup.sh [WORK]     (default WORK=/tmp/memmaps-pmap-tools)
set -euo pipefail
WORK=${1:-/tmp/memmaps-pmap-tools}
mkdir -p "$WORK"
export DEBIAN_FRONTEND=noninteractive

# deb-src for `apt-get source busybox`
if ! grep -rqs 'deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    cat > /etc/apt/sources.list.d/debian-src.sources <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
fi
dpkg --print-foreign-architectures | grep -qx i386 || dpkg --add-architecture i386
apt-get update || true     # a half-synced mirror index must not stop us
apt-get install -y locales busybox-static:i386 dpkg-dev gcc make bzip2 xz-utils

for l in de_DE.UTF-8 fr_FR.UTF-8 zh_CN.UTF-8; do
    sed -i "s/^# *$l UTF-8/$l UTF-8/" /etc/locale.gen
done
locale-gen

# --- BusyBox with pmap -------------------------------------------------------------------
if [ ! -x "$WORK/busybox-pmap" ]; then
    rm -rf "$WORK/bb" && mkdir -p "$WORK/bb" && cd "$WORK/bb"
    apt-get source busybox
    cd busybox-*/
    make defconfig >/dev/null
    # defconfig already has CONFIG_PMAP=y; make it static, drop tc (does not build with
    # bookworm's kernel headers)
    sed -i 's/^# CONFIG_STATIC is not set/CONFIG_STATIC=y/; s/^CONFIG_TC=y/# CONFIG_TC is not set/' .config
    { yes '' || true; } | make oldconfig >/dev/null
    grep -qx 'CONFIG_PMAP=y' .config
    make -j"$(nproc)" >/dev/null
    cp busybox "$WORK/busybox-pmap"
fi

# --- 32-bit procps-ng pmap, unpacked ------------------------------------------------------
if [ ! -x "$WORK/pmap32" ]; then
    mkdir -p "$WORK/p32/debs" && cd "$WORK/p32/debs"
    apt-get download procps:i386 libproc2-0:i386 libc6:i386 libsystemd0:i386 libcap2:i386 \
        libgcrypt20:i386 liblz4-1:i386 liblzma5:i386 libzstd1:i386 libgpg-error0:i386 \
        libncursesw6:i386 libtinfo6:i386
    for f in *.deb; do dpkg-deb -x "$f" "$WORK/p32/root"; done
    R="$WORK/p32/root"
    cat > "$WORK/pmap32" <<EOF
#!/bin/sh
# runs the i386 build of procps-ng pmap without installing it
exec "$R/lib/i386-linux-gnu/ld-linux.so.2" --library-path "$R/lib/i386-linux-gnu:$R/usr/lib/i386-linux-gnu" "$R/usr/bin/pmap" "\$@"
EOF
    chmod +x "$WORK/pmap32"
fi
echo "tools ready in $WORK"
