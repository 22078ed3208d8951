#!/usr/bin/env bash
# The main job for a newcomer: installs what is missing, builds, then starts
# virtbusd with the test driver on a private session bus and manages domains
# and networks through real gdbus calls, printing the signals they emit.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

if [ -z "${VB_DEMO_INNER:-}" ]; then
  bash tools/install-deps.sh
  [ -f build/build.ninja ] || meson setup build >/dev/null
  meson compile -C build >/dev/null
  # a bus of our own that ends with this script
  VB_DEMO_INNER=1 exec dbus-run-session -- bash "$0" "$@"
fi

log=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$log"' EXIT

build/service/virtbusd --session >"$log/virtbusd.log" 2>&1 &
for _ in $(seq 200); do
  gdbus call --session -d org.freedesktop.DBus -o /org/freedesktop/DBus \
    -m org.freedesktop.DBus.NameHasOwner org.libvirt 2>/dev/null | grep -q true && break
  sleep 0.05
done

gdbus monitor --session --dest org.libvirt >"$log/signals" 2>&1 &
sleep 0.3

run() {
  printf '\n$ %s\n' "$*"
  "$@"
}
call() { # object path, interface.method, args…
  local path=$1 method=$2; shift 2
  run gdbus call --session -d org.libvirt -o "$path" -m "$method" "$@"
}

T=/org/libvirt/Test
echo "== virtbusd $(build/service/virtbusd --version | cut -d' ' -f2) owns org.libvirt on a private session bus"

call $T org.libvirt.Connect.ListDomains 0
call $T org.libvirt.Connect.ListNetworks 0
dom=$(gdbus call --session -d org.libvirt -o $T -m org.libvirt.Connect.DomainLookupByName test | sed -E "s/^\(objectpath '([^']+)',\)$/\1/")
call "$dom" org.freedesktop.DBus.Properties.GetAll org.libvirt.Domain

xml="<domain type='test'><name>demo</name><memory unit='MiB'>256</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>"
new=$(gdbus call --session -d org.libvirt -o $T -m org.libvirt.Connect.DomainDefineXML "$xml" | sed -E "s/^\(objectpath '([^']+)',\)$/\1/")
echo "defined: $new"
call "$new" org.libvirt.Domain.Create 0
call "$new" org.libvirt.Domain.GetState 0
call "$new" org.libvirt.Domain.Suspend
call "$new" org.libvirt.Domain.Resume
call "$new" org.libvirt.Domain.Shutdown 0
call "$new" org.libvirt.Domain.Undefine 0

net=$(gdbus call --session -d org.libvirt -o $T -m org.libvirt.Connect.NetworkLookupByName default | sed -E "s/^\(objectpath '([^']+)',\)$/\1/")
call "$net" org.libvirt.Network.Destroy
call "$net" org.libvirt.Network.Create
call "$net" org.libvirt.Network.GetXMLDesc 0

printf '\n$ gdbus call … Domain.Create on a running domain (an error, nothing changes)\n'
gdbus call --session -d org.libvirt -o "$dom" -m org.libvirt.Domain.Create 0 || true

sleep 0.3
echo
echo "== signals seen by 'gdbus monitor --session --dest org.libvirt':"
grep -E 'DomainEvent|NetworkEvent|PropertiesChanged|InterfacesAdded|InterfacesRemoved' "$log/signals" || true
