/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The error names of the bus contract, one list for both ends: virtbusd
 * (drivers/core/vb-error.c, VB_ERROR_*) and libvirtbus
 * (gobject/virtbus-error.c, VIRTBUS_ERROR_*) expand it, so the daemon and
 * the library cannot disagree about what a name means.  It sits with the
 * bus contract because the names are what travels on the bus; plain C with
 * no include, so either end takes it as it is.
 *
 * Every caller receives VB_DBUS_ERROR_NAME, the one name libvirt-dbus
 * sends and its clients (Cockpit, busctl and gdbus scripts) expect.  A
 * caller that asked for specific names (org.libvirt.Virtbus.EnableErrorNames,
 * as libvirtbus does) receives the name of the list instead; FAILED keeps
 * the generic one.
 *
 * X (core code, library code, D-Bus error name, libvirt's virErrorNumber):
 * the codes without the VB_ERROR_ and VIRTBUS_ERROR_ prefixes; the number
 * is what libvirt reports for such a failure, for a front end speaking
 * libvirt's own protocol, and -1 where the object kind decides (libvirt has
 * VIR_ERR_NO_DOMAIN, VIR_ERR_NO_NETWORK, … but no "not found").
 *
 * A new code goes at the end of both enums and here; the names are part of
 * the contract and never change. */

#define VB_DBUS_ERROR_NAME "org.libvirt.Error"

#define VB_ERROR_TABLE(X)                                                                       \
  X (FAILED, FAILED, VB_DBUS_ERROR_NAME, 9 /* VIR_ERR_OPERATION_FAILED */)                      \
  X (INVALID_XML, INVALID_XML, VB_DBUS_ERROR_NAME ".InvalidXML", 27 /* VIR_ERR_XML_ERROR */)   \
  X (INVALID_CONFIG, INVALID_CONFIG, VB_DBUS_ERROR_NAME ".InvalidConfig",                       \
     67 /* VIR_ERR_CONFIG_UNSUPPORTED */)                                                        \
  X (INVALID_ARG, INVALID_ARGUMENT, VB_DBUS_ERROR_NAME ".InvalidArgument",                      \
     8 /* VIR_ERR_INVALID_ARG */)                                                                \
  X (NOT_FOUND, NOT_FOUND, VB_DBUS_ERROR_NAME ".NotFound", -1)                                  \
  X (EXISTS, EXISTS, VB_DBUS_ERROR_NAME ".Exists", -1)                                          \
  X (INVALID_STATE, INVALID_STATE, VB_DBUS_ERROR_NAME ".InvalidState",                          \
     55 /* VIR_ERR_OPERATION_INVALID */)                                                         \
  X (NOT_SUPPORTED, NOT_SUPPORTED, VB_DBUS_ERROR_NAME ".NotSupported",                          \
     3 /* VIR_ERR_NO_SUPPORT */)                                                                 \
  X (PERMISSION_DENIED, PERMISSION_DENIED, VB_DBUS_ERROR_NAME ".PermissionDenied",              \
     88 /* VIR_ERR_ACCESS_DENIED */)                                                             \
  X (BUSY, BUSY, VB_DBUS_ERROR_NAME ".Busy", 87 /* VIR_ERR_RESOURCE_BUSY */)                    \
  X (IO, IO, VB_DBUS_ERROR_NAME ".IO", 38 /* VIR_ERR_SYSTEM_ERROR */)

/* The virtbus-only interface through which a caller asks for the names
 * above (introspection/org.libvirt.Virtbus.xml). */
#define VB_VIRTBUS_PATH "/org/libvirt"
#define VB_VIRTBUS_IFACE "org.libvirt.Virtbus"
#define VB_VIRTBUS_ENABLE_ERROR_NAMES "EnableErrorNames"
