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
                                   const char *method, GVariant *params, const char *reply_type,
                                   GTask *task);
/* The reply of a task completed by virtbus_call(), after checking that
 * @result belongs to @source and @tag. */
G_GNUC_INTERNAL GVariant *virtbus_call_finish (gpointer source, GAsyncResult *result, gpointer tag,
                                               GError **error);
G_GNUC_INTERNAL gboolean virtbus_call_finish_void (gpointer source, GAsyncResult *result,
                                                   gpointer tag, GError **error);
/* The one string of a "(s)" reply. */
G_GNUC_INTERNAL char *virtbus_call_finish_string (gpointer source, GAsyncResult *result,
                                                  gpointer tag, GError **error);

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

/* Object base (virtbus-object.c): one of each per object kind. */
typedef struct {
  const char *interface_name; /* org.libvirt.Domain, … */
  /* A property of that interface the base does not keep; NULL for none. */
  void (*apply_property) (VirtbusObject *self, const char *name, GVariant *value);
  /* The object appeared or came back with the daemon: fetch what no
   * property carries.  NULL for nothing. */
  void (*refresh) (VirtbusObject *self);
} VirtbusObjectKind;

G_GNUC_INTERNAL void virtbus_object_class_set_kind (VirtbusObjectClass *klass,
                                                    const VirtbusObjectKind *kind);
G_GNUC_INTERNAL const VirtbusObjectKind *virtbus_object_type_get_kind (GType type);
G_GNUC_INTERNAL VirtbusObject *virtbus_object_new_internal (GType type,
                                                            VirtbusConnection *connection,
                                                            GDBusConnection *bus,
                                                            GMainContext *context,
                                                            const char *path);
/* The object manager's proxy, or NULL while the daemon is away. */
G_GNUC_INTERNAL void virtbus_object_set_proxy (VirtbusObject *self, GDBusProxy *proxy);
G_GNUC_INTERNAL void virtbus_object_apply_properties (VirtbusObject *self, GVariant *dict);
G_GNUC_INTERNAL void virtbus_object_refresh (VirtbusObject *self);
G_GNUC_INTERNAL GDBusConnection *virtbus_object_get_bus (VirtbusObject *self);
G_GNUC_INTERNAL GMainContext *virtbus_object_get_context (VirtbusObject *self);
/* One method of the kind's interface on this object, for a task tagged
 * @tag: finish it with virtbus_call_finish(). */
G_GNUC_INTERNAL void virtbus_object_call (VirtbusObject *self, const char *method,
                                          GVariant *params, const char *reply_type,
                                          GCancellable *cancellable, GAsyncReadyCallback callback,
                                          gpointer user_data, gpointer tag);
G_GNUC_INTERNAL void virtbus_object_set_autostart (VirtbusObject *self, gboolean autostart,
                                                   GCancellable *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer user_data, gpointer tag);
/* Store a property value and notify @pspec if it changed. */
G_GNUC_INTERNAL void virtbus_update_string (gpointer object, char **field, const char *value,
                                            GParamSpec *pspec);
G_GNUC_INTERNAL void virtbus_update_boolean (gpointer object, gboolean *field, gboolean value,
                                             GParamSpec *pspec);

/* The getters each kind has had under its own name since 1.0, for the
 * properties the base keeps: one definition serves every kind. */
#define VIRTBUS_OBJECT_GETTER(TypeName, type_name, IS_TYPE, RType, field, fallback)             \
  RType type_name##_get_##field (TypeName *self)                                              \
  {                                                                                           \
    g_return_val_if_fail (IS_TYPE (self), fallback);                                          \
    return virtbus_object_get_##field (VIRTBUS_OBJECT (self));                                \
  }
#define VIRTBUS_OBJECT_DEFINE_GETTERS(TypeName, type_name, IS_TYPE)                           \
  VIRTBUS_OBJECT_GETTER (TypeName, type_name, IS_TYPE, VirtbusConnection *, connection, NULL) \
  VIRTBUS_OBJECT_GETTER (TypeName, type_name, IS_TYPE, const char *, object_path, NULL)       \
  VIRTBUS_OBJECT_GETTER (TypeName, type_name, IS_TYPE, const char *, name, NULL)              \
  VIRTBUS_OBJECT_GETTER (TypeName, type_name, IS_TYPE, const char *, uuid, NULL)              \
  VIRTBUS_OBJECT_GETTER (TypeName, type_name, IS_TYPE, gboolean, active, FALSE)               \
  VIRTBUS_OBJECT_GETTER (TypeName, type_name, IS_TYPE, gboolean, persistent, FALSE)           \
  VIRTBUS_OBJECT_GETTER (TypeName, type_name, IS_TYPE, gboolean, autostart, FALSE)

/* Domain */
G_GNUC_INTERNAL void virtbus_domain_emit_event (VirtbusDomain *self, int event, int detail);

/* Network */
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
