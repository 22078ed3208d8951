#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Fetches the interface XML that Debian's libvirt-dbus package ships, for
# comparing our own introspection/ files against it. The package is only
# downloaded and unpacked into a cache directory, never installed (installing
# it would pull in the libvirt daemons).
#
# Usage: fetch-libvirt-dbus-interfaces.sh [CACHE_DIR]
#   CACHE_DIR defaults to ${XDG_CACHE_HOME:-$HOME/.cache}/virtbus/libvirt-dbus
#
# Prints the path of the unpacked usr/share/dbus-1/interfaces directory on
# stdout; everything else goes to stderr. Running it again reuses the
# previous download.
set -euo pipefail

cache_dir=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/virtbus/libvirt-dbus}
mkdir -p "$cache_dir"
cache_dir=$(cd "$cache_dir" && pwd)
unpack_dir=$cache_dir/root
iface_dir=$unpack_dir/usr/share/dbus-1/interfaces

if [ -f "$iface_dir/org.libvirt.Connect.xml" ]; then
  echo "$iface_dir"
  exit 0
fi

cd "$cache_dir"

# As root, apt drops privileges to _apt for downloads, which cannot write
# into a cache under root's home; download as root instead of warning.
apt_opts=()
[ "$(id -u)" -ne 0 ] || apt_opts=(-o APT::Sandbox::User=root)

find_deb() {
  local f
  for f in libvirt-dbus_*.deb; do
    if [ -f "$f" ]; then
      echo "$f"
      return 0
    fi
  done
  return 1
}

if ! deb=$(find_deb); then
  # apt-get download writes into the current directory; it needs no root,
  # but the package lists must know the package.
  if ! apt-get "${apt_opts[@]}" download libvirt-dbus >&2; then
    echo "fetch-libvirt-dbus-interfaces: download failed, updating package lists" >&2
    sudo=
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq >&2
    apt-get "${apt_opts[@]}" download libvirt-dbus >&2
  fi
  deb=$(find_deb) || {
    echo "fetch-libvirt-dbus-interfaces: no libvirt-dbus .deb in $cache_dir" >&2
    exit 1
  }
fi

# Unpack into a temporary directory and rename, so an interrupted run never
# leaves a half-unpacked tree that a later run would take for complete.
rm -rf "$unpack_dir.tmp"
mkdir -p "$unpack_dir.tmp"
dpkg-deb -x "$deb" "$unpack_dir.tmp"
rm -rf "$unpack_dir"
mv "$unpack_dir.tmp" "$unpack_dir"

if [ ! -f "$iface_dir/org.libvirt.Connect.xml" ]; then
  echo "fetch-libvirt-dbus-interfaces: $deb has no $iface_dir/org.libvirt.Connect.xml" >&2
  exit 1
fi
echo "$iface_dir"
