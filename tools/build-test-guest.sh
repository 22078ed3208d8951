#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Builds the tiny guest the QEMU bus tests boot: Debian's cloud kernel and
# an initramfs of busybox-static whose /init prints
# "VIRTBUS-GUEST: booted" on the serial console and powers off when the
# ACPI power button is pressed.  With "virtbus.dhcp" on the kernel command
# line it also brings eth0 (virtio-net) up and asks for a DHCP lease with
# busybox's udhcpc, printing "VIRTBUS-GUEST: dhcp <address>"; with
# "virtbus.suspend" it suspends itself to RAM once booted and prints
# "VIRTBUS-GUEST: resumed" when woken.  Only Debian
# packages are used, fetched with apt-get download and unpacked with
# dpkg-deb (installing the kernel would pull in initramfs-tools and
# friends).
#
# Output, cached: ${XDG_CACHE_HOME:-~/.cache}/virtbus/guest/{vmlinuz,initrd.gz}
# Prints the directory on success.  --force rebuilds; so does a cache
# built by an older version of this script (see $version).

set -eu

# bump when the guest changes, so cached guests are rebuilt
version=5

cache=${XDG_CACHE_HOME:-$HOME/.cache}/virtbus/guest
if [ "${1:-}" != "--force" ] && [ -s "$cache/vmlinuz" ] && [ -s "$cache/initrd.gz" ] &&
    [ "$(cat "$cache/version" 2>/dev/null)" = "$version" ]; then
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
# The power button needs the ACPI button driver and evdev to be read;
# eth0 needs virtio-pci and virtio-net with what they depend on.  /init
# loads them in this order (dependencies first), listed in
# /lib/modules/order.
for m in drivers/acpi/button.ko drivers/input/evdev.ko \
    drivers/virtio/virtio_ring.ko drivers/virtio/virtio.ko \
    drivers/virtio/virtio_pci_legacy_dev.ko drivers/virtio/virtio_pci_modern_dev.ko \
    drivers/virtio/virtio_pci.ko net/core/failover.ko drivers/net/net_failover.ko \
    drivers/net/virtio_net.ko; do
    f=$(find "$(dirname "$moddir/$m")" -maxdepth 1 -name "$(basename "$m")*" | head -n1)
    if [ -n "$f" ]; then
        case $f in
            *.xz) xz -dc "$f" >"$root/lib/modules/$(basename "${f%.xz}")" ;;
            *) cp "$f" "$root/lib/modules/" ;;
        esac
        basename "$m" >>"$root/lib/modules/order"
    fi
done

# udhcpc only talks DHCP; this script applies what it got.
mkdir -p "$root/etc"
cat >"$root/etc/udhcpc.script" <<'EOF'
#!/bin/busybox sh
case $1 in
    bound|renew)
        ip addr flush dev "$interface"
        ip addr add "$ip/${mask:-24}" dev "$interface"
        echo "VIRTBUS-GUEST: dhcp $ip" >/dev/console
        ;;
esac
EOF
chmod 755 "$root/etc/udhcpc.script"

cat >"$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
while read -r m; do
    insmod "/lib/modules/$m" 2>/dev/null || echo "VIRTBUS-GUEST: cannot load $m"
done </lib/modules/order
if grep -q virtbus.dhcp /proc/cmdline; then
    # in the background: the power button must work meanwhile
    (
        for try in $(seq 50); do
            [ -e /sys/class/net/eth0 ] && break
            sleep 0.2
        done
        ip link set lo up
        ip link set eth0 up
        udhcpc -i eth0 -s /etc/udhcpc.script -t 30 -T 1 -q -n >/dev/null 2>&1 ||
            echo "VIRTBUS-GUEST: dhcp failed"
    ) &
fi
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
if grep -q virtbus.suspend /proc/cmdline; then
    # in the background too: sleep to RAM once, then say it woke up
    (
        echo "VIRTBUS-GUEST: suspending"
        echo mem >/sys/power/state && echo "VIRTBUS-GUEST: resumed" ||
            echo "VIRTBUS-GUEST: suspend failed"
    ) &
fi
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
echo "$version" >"$cache/version"
echo "$cache"
