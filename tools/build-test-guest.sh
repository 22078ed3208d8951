#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Builds the tiny guest the QEMU bus tests boot: Debian's cloud kernel and
# an initramfs of busybox-static whose /init prints
# "VIRTBUS-GUEST: booted" on the serial console and powers off when the
# ACPI power button is pressed.  Only Debian packages are used, fetched
# with apt-get download and unpacked with dpkg-deb (installing the kernel
# would pull in initramfs-tools and friends).
#
# Output, cached: ${XDG_CACHE_HOME:-~/.cache}/virtbus/guest/{vmlinuz,initrd.gz}
# Prints the directory on success.  --force rebuilds.

set -eu

cache=${XDG_CACHE_HOME:-$HOME/.cache}/virtbus/guest
if [ "${1:-}" != "--force" ] && [ -s "$cache/vmlinuz" ] && [ -s "$cache/initrd.gz" ]; then
    echo "$cache"
    exit 0
fi

work=$(mktemp -d)
# apt-get downloads as _apt when it can reach the directory
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$cache"

# The ABI name changes with security updates: ask the metapackage.
kpkg=$(apt-cache depends linux-image-cloud-amd64 | sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -n1)
if [ -z "$kpkg" ]; then
    echo "build-test-guest: cannot resolve linux-image-cloud-amd64 (apt-get update?)" >&2
    exit 1
fi
(cd "$work" && apt-get download -q "$kpkg" busybox-static >/dev/null)
dpkg-deb -x "$work"/linux-image-*.deb "$work/kroot"
dpkg-deb -x "$work"/busybox-static_*.deb "$work/bb"

kver=${kpkg#linux-image-}
moddir=$work/kroot/lib/modules/$kver/kernel

root=$work/initramfs
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/lib/modules"
cp "$work/bb/bin/busybox" "$root/bin/busybox"
# The power button needs the ACPI button driver and evdev to be read.
for m in drivers/acpi/button.ko drivers/input/evdev.ko; do
    f=$(find "$(dirname "$moddir/$m")" -maxdepth 1 -name "$(basename "$m")*" | head -n1)
    if [ -n "$f" ]; then
        case $f in
            *.xz) xz -dc "$f" >"$root/lib/modules/$(basename "${f%.xz}")" ;;
            *) cp "$f" "$root/lib/modules/" ;;
        esac
    fi
done

cat >"$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in /lib/modules/*.ko; do insmod "$m" 2>/dev/null; done
ev=
for try in 1 2 3 4 5 6 7 8 9 10; do
    for d in /sys/class/input/event*; do
        [ -e "$d/device/name" ] || continue
        if [ "$(cat "$d/device/name")" = "Power Button" ]; then
            ev=/dev/input/${d##*/}
            break 2
        fi
    done
    sleep 0.1
done
# Open the button before saying "booted": a press that arrives between the
# marker and the open would otherwise be lost.
if [ -n "$ev" ]; then
    exec 3<"$ev"
fi
echo "VIRTBUS-GUEST: booted"
if [ -n "$ev" ]; then
    dd bs=24 count=1 <&3 >/dev/null 2>&1
    echo "VIRTBUS-GUEST: power button"
else
    echo "VIRTBUS-GUEST: no power button"
    while :; do sleep 3600; done
fi
poweroff -f
EOF
chmod 755 "$root/init"

# The cpio package is not installed on every machine; busybox has one.
(cd "$root" && find . | "$root/bin/busybox" cpio -o -H newc 2>/dev/null) | gzip -9 >"$work/initrd.gz"
cp "$work/kroot/boot/vmlinuz-$kver" "$work/vmlinuz"
mv "$work/vmlinuz" "$cache/vmlinuz"
mv "$work/initrd.gz" "$cache/initrd.gz"
echo "$cache"
