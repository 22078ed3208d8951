# SPDX-License-Identifier: LGPL-2.1-or-later
"""Our introspection/ XML must describe exactly the members of libvirt-dbus.

For each interface, compares every method (argument names, types and
directions), property (type and access) and signal (argument names and
types) of our file with the file Debian's libvirt-dbus package installs,
fetched by tools/fetch-libvirt-dbus-interfaces.sh. Documentation and
annotations may differ; the wire contract may not.
"""

import os
import subprocess
import xml.etree.ElementTree as ET

import pytest

SRCDIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OURS = os.path.join(SRCDIR, "introspection")
FETCH = os.path.join(SRCDIR, "tools", "fetch-libvirt-dbus-interfaces.sh")

INTERFACES = ["org.libvirt.Connect", "org.libvirt.Domain", "org.libvirt.Network"]


@pytest.fixture(scope="module")
def reference_dir():
    try:
        proc = subprocess.run(
            ["bash", FETCH], capture_output=True, text=True, timeout=300, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        pytest.skip(f"cannot fetch the libvirt-dbus reference interfaces: {e}")
    path = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    if proc.returncode != 0 or not os.path.isdir(path):
        pytest.skip(
            "cannot fetch the libvirt-dbus reference interfaces "
            f"(fetch script exit {proc.returncode}): {proc.stderr.strip()[-500:]}"
        )
    return path


def members(path, name):
    """The set of wire-relevant facts about interface `name` in file `path`."""
    root = ET.parse(path).getroot()
    ifaces = [i for i in root.iter("interface") if i.get("name") == name]
    assert len(ifaces) == 1, f"{path}: expected one interface {name}, found {len(ifaces)}"
    out = set()
    for el in ifaces[0]:
        if el.tag == "method":
            args = tuple(
                (a.get("name"), a.get("type"), a.get("direction", "in"))
                for a in el.findall("arg")
            )
            sig_in = "".join(a[1] for a in args if a[2] == "in")
            sig_out = "".join(a[1] for a in args if a[2] == "out")
            out.add(("method", el.get("name"), f"({sig_in})->({sig_out})", args))
        elif el.tag == "property":
            out.add(("property", el.get("name"), el.get("type"), el.get("access")))
        elif el.tag == "signal":
            args = tuple((a.get("name"), a.get("type")) for a in el.findall("arg"))
            sig = "".join(a[1] for a in args)
            out.add(("signal", el.get("name"), f"({sig})", args))
    return out


@pytest.mark.parametrize("name", INTERFACES)
def test_members_match_reference(reference_dir, name):
    ours = members(os.path.join(OURS, f"{name}.xml"), name)
    ref = members(os.path.join(reference_dir, f"{name}.xml"), name)

    missing = sorted(ref - ours, key=str)
    extra = sorted(ours - ref, key=str)
    for m in missing:
        print(f"{name}: missing or different in ours: {m}")
    for m in extra:
        print(f"{name}: only in ours (or different): {m}")

    counts = {k: sum(1 for m in ours if m[0] == k) for k in ("method", "property", "signal")}
    print(f"{name}: {counts['method']} methods, {counts['property']} properties, "
          f"{counts['signal']} signals")
    assert not missing and not extra, (
        f"{name} differs from libvirt-dbus: {len(missing)} missing, {len(extra)} extra "
        "(see captured output)"
    )


@pytest.mark.parametrize("name", INTERFACES)
def test_no_emits_changed_false(name):
    """We emit PropertiesChanged, so nothing may declare that we don't."""
    root = ET.parse(os.path.join(OURS, f"{name}.xml")).getroot()
    for ann in root.iter("annotation"):
        if ann.get("name") == "org.freedesktop.DBus.Property.EmitsChangedSignal":
            assert ann.get("value") in ("true", "const", "invalidates"), ET.tostring(ann)


@pytest.mark.parametrize("name", INTERFACES)
def test_const_properties_match_reference(reference_dir, name):
    """A property is "const" in ours exactly where libvirt-dbus says so."""
    def consts(path):
        root = ET.parse(path).getroot()
        return {
            p.get("name")
            for p in root.iter("property")
            for a in p.findall("annotation")
            if a.get("name") == "org.freedesktop.DBus.Property.EmitsChangedSignal"
            and a.get("value") == "const"
        }

    ours = consts(os.path.join(OURS, f"{name}.xml"))
    ref = consts(os.path.join(reference_dir, f"{name}.xml"))
    assert ours == ref, f"const properties: ours {sorted(ours)}, libvirt-dbus {sorted(ref)}"
