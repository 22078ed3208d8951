#!/usr/bin/env bash
# Installs the Debian 12 packages that building and testing virtbus need.
# Idempotent: asks apt only for what is missing.
set -euo pipefail

packages=(
  # build
  meson ninja-build pkg-config gcc clang
  libglib2.0-dev libglib2.0-dev-bin libxml2-dev libxml2-utils
  libpolkit-gobject-1-dev libnl-3-dev libnl-route-3-dev libnftables-dev
  libjson-glib-dev libsystemd-dev
  gobject-introspection libgirepository1.0-dev
  # reference documentation (meson option docs): the library's, and the
  # bus contract rendered from introspection/
  gi-docgen python3-docutils
  # sanitizers and fuzzing (libFuzzer runtime)
  libclang-rt-14-dev
  # tests
  dbus-daemon dbus-bin polkitd pkexec python3 python3-dbus python3-gi python3-pytest
  systemd iproute2 procps dnsmasq-base nftables qemu-system-x86 qemu-utils busybox-static ovmf
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
