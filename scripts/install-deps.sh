#!/bin/sh
# Install everything ember's build and test machine need, from Debian's
# packages only.  Idempotent: a second run installs nothing and is quick.
#
# The guest kernel is the Debian cloud flavour.  Its ABI number (the NN of
# 6.1.0-NN-cloud-amd64) is read from the metapackage now, so that the image
# and the headers are always exactly the same version.  The image is not
# installed on the host (that would add it to the host's boot loader): its
# .deb is downloaded and unpacked under $EMBER_CACHE for the test machine.
set -eu

CACHE=${EMBER_CACHE:-/var/cache/ember}
STAMP=$CACHE/deps.stamp

# qemu-system-x86 with qemu-system-data (microvm's qboot, option ROMs) and
# seabios (the PC's BIOS): Debian's QEMU runs inside the test machine for
# the qemu_* tests, and strace shows what it asked that failed.
pkgs="build-essential bc kmod bochs bochs-term bochsbios vgabios busybox-static cpio
xorriso isolinux syslinux-common qemu-system-x86 qemu-system-data seabios strace
zstd gzip"

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: must run as root (it uses apt-get)" >&2
	exit 1
fi

# Fast path: everything already there for the kernel recorded last time.
if [ -f "$STAMP" ]; then
	kver=$(cat "$STAMP")
	if [ -d "/lib/modules/$kver/build" ] && [ -f "$CACHE/kernel/$kver/vmlinuz" ] &&
	   command -v bochs >/dev/null && command -v xorriso >/dev/null &&
	   command -v qemu-system-x86_64 >/dev/null && command -v strace >/dev/null &&
	   [ -f /usr/share/qemu/bios-microvm.bin ] && [ -f /usr/share/seabios/bios-256k.bin ]; then
		echo "$kver"
		exit 0
	fi
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $pkgs >&2

meta_dep() {
	apt-cache depends "$1" | sed -n 's/^ *Depends: \(linux-[a-z]*-6[^ ]*\)$/\1/p' | head -n1
}
img=$(meta_dep linux-image-cloud-amd64)
hdr=$(meta_dep linux-headers-cloud-amd64)
kver=${img#linux-image-}
if [ -z "$img" ] || [ "linux-headers-$kver" != "$hdr" ]; then
	echo "install-deps: cannot resolve a matching cloud kernel image/headers pair ($img, $hdr)" >&2
	exit 1
fi

apt-get install -y -q --no-install-recommends "$hdr" >&2

if [ ! -f "$CACHE/kernel/$kver/vmlinuz" ]; then
	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get download "$img" >&2)
	rm -rf "$CACHE/kernel/$kver"
	mkdir -p "$CACHE/kernel/$kver"
	dpkg-deb -x "$tmp"/*.deb "$CACHE/kernel/$kver/root"
	cp "$CACHE/kernel/$kver/root/boot/vmlinuz-$kver" "$CACHE/kernel/$kver/vmlinuz.tmp"
	mv "$CACHE/kernel/$kver/vmlinuz.tmp" "$CACHE/kernel/$kver/vmlinuz"
	rm -rf "$tmp"
fi

mkdir -p "$CACHE"
echo "$kver" > "$STAMP"
echo "$kver"
