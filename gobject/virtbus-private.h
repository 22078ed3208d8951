/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Internal to the library: never installed, never in the GIR.  The
 * functions carry the public prefix for readability, so each is marked
 * G_GNUC_INTERNAL (hidden): the symbol map exports virtbus_* and would
 * otherwise let them out. */

#include "virtbus.h"

G_BEGIN_DECLS

#define VIRTBUS_BUS_NAME "org.libvirt"
#define VIRTBUS_DOMAIN_IFACE "org.libvirt.Domain"
#define VIRTBUS_NETWORK_IFACE "org.libvirt.Network"
#define VIRTBUS_CONNECT_IFACE "org.libvirt.Connect"

/* Errors: from a D-Bus call (by the error's name), from the core. */
G_GNUC_INTERNAL GError *virtbus_error_from_dbus (const GError *error);
G_GNUC_INTERNAL GError *virtbus_error_from_core (const GError *error);
G_GNUC_INTERNAL void virtbus_propagate_core_error (GError **dest, GError *src);
/* Asks virtbusd on @bus for specific error names (the codes above travel
 * by name only then); send it before any call whose code matters. */
G_GNUC_INTERNAL void virtbus_error_enable_names (GDBusConnection *bus);

/* Lifecycle calls can take long on a real hypervisor (a VM booting from a
 * slow disk); the caller's GCancellable is the way to give up earlier. */
#define VIRTBUS_CALL_TIMEOUT_MS (5 * 60 * 1000)

/* One method call on an object of the daemon; @task (stolen) returns the
 * reply tuple as a GVariant, or the converted error. */
G_GNUC_INTERNAL void virtbus_call (GDBusConnection *bus, const char *path, const char *iface,
                                   const char *method, 
                   GVariant *params, const char *reply_type, GTask *task);
/* The reply of a task completed by virtbus_call(), after checking that
 * @result belongs to @source and @tag. */
G_GNUC_INTERNAL GVariant *virtbus_call_finish (gpointer source, GAsyncResult *result, gpointer tag,
                                               GError **error);
G_GNUC_INTERNAL gboolean virtbus_call_finish_void (gpointer source, GAsyncResult *result,
                                                   gpointer tag, 
                                   GError **error);

/* Sync wrappers run the async call in a private main context, so nothing
 * else of the caller's main loop is dispatched meanwhile. */
typedef struct _VirtbusSync VirtbusSync;
G_GNUC_INTERNAL VirtbusSync *virtbus_sync_new (void);
G_GNUC_INTERNAL void virtbus_sync_free (VirtbusSync *sync);
G_GNUC_INTERNAL void virtbus_sync_done (GObject *source, GAsyncResult *result, gpointer user_data);
G_GNUC_INTERNAL GAsyncResult *virtbus_sync_wait (VirtbusSync *sync);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VirtbusSync, virtbus_sync_free)

/* Connection */
G_GNUC_INTERNAL GDBusConnection *virtbus_connection_get_bus (VirtbusConnection *self);
/* Domain */
G_GNUC_INTERNAL VirtbusDomain *virtbus_domain_new_internal (VirtbusConnection *connection,
                                                            GDBusConnection *bus,
                                                            GMainContext *context,
                                                            const char *path);
/* The object manager's proxy, or NULL while the daemon is away. */
G_GNUC_INTERNAL void virtbus_domain_set_proxy (VirtbusDomain *self, GDBusProxy *proxy);
G_GNUC_INTERNAL void virtbus_domain_apply_properties (VirtbusDomain *self, GVariant *dict);
G_GNUC_INTERNAL void virtbus_domain_emit_event (VirtbusDomain *self, int event, int detail);
/* Asks the daemon for the state (on creation, and when the daemon is back). */
G_GNUC_INTERNAL void virtbus_domain_refresh_state (VirtbusDomain *self);

/* Network */
G_GNUC_INTERNAL VirtbusNetwork *virtbus_network_new_internal (VirtbusConnection *connection,
                                              GDBusConnection *bus, const char *path);
G_GNUC_INTERNAL void virtbus_network_set_proxy (VirtbusNetwork *self, GDBusProxy *proxy);
G_GNUC_INTERNAL void virtbus_network_apply_properties (VirtbusNetwork *self, GVariant *dict);
G_GNUC_INTERNAL void virtbus_network_emit_event (VirtbusNetwork *self, int event);

/* One element of Network.GetDHCPLeases' a(sxisssuss). */
G_GNUC_INTERNAL VirtbusDhcpLease *virtbus_dhcp_lease_new_from_variant (GVariant *value);
/* One element of Domain.InterfaceAddresses' a(ssa(isu)), and one of its
 * addresses. */
G_GNUC_INTERNAL VirtbusDomainInterface *virtbus_domain_interface_new_from_variant (GVariant *value);
G_GNUC_INTERNAL VirtbusDomainInterfaceAddress *
virtbus_domain_interface_address_new_from_variant (GVariant *value);

/* Typed config internals shared between the config types */
typedef struct _VbVirtualPort VbVirtualPort;
G_GNUC_INTERNAL VirtbusVirtualPort *virtbus_virtual_port_new_from_core (const VbVirtualPort *vp);
G_GNUC_INTERNAL const VbVirtualPort *virtbus_virtual_port_get_core (VirtbusVirtualPort *self);

G_END_DECLS
