/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-service.h"

#include <stdarg.h>

#include "vb-error.h"

void
vb_service_return_error (GDBusMethodInvocation *invocation, const GError *error)
{
  g_dbus_method_invocation_return_dbus_error (invocation, VB_DBUS_ERROR_NAME, error->message);
}

void
vb_service_return_error_printf (GDBusMethodInvocation *invocation, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *message = NULL;

  va_start (ap, fmt);
  message = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_dbus_method_invocation_return_dbus_error (invocation, VB_DBUS_ERROR_NAME, message);
}

static char *
uuid_path (const char *root, const char *kind, const char *uuid)
{
  g_autofree char *escaped = g_strdup (uuid);

  g_strdelimit (escaped, "-", '_');
  return g_strdup_printf ("%s/%s/_%s", root, kind, escaped);
}

char *
vb_service_domain_path (VbServiceDriver *sd, VbDomain *domain)
{
  return uuid_path (sd->root_path, "domain", vb_domain_get_uuid_string (domain));
}

char *
vb_service_network_path (VbServiceDriver *sd, VbNetwork *network)
{
  return uuid_path (sd->root_path, "network", vb_network_get_uuid_string (network));
}

gboolean
vb_member_op_lookup (const VbMemberOp *table, const char *member, VbOp *out_op)
{
  for (const VbMemberOp *m = table; m->member; m++) {
    if (g_str_equal (m->member, member)) {
      *out_op = m->op;
      return TRUE;
    }
  }
  return FALSE;
}

/* Dispatch ---------------------------------------------------------------- */

static void
dispatch_op_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = NULL;

  value = vb_driver_call_finish (VB_DRIVER (source), result, NULL, &error);
  if (error) {
    vb_service_return_error (invocation, error);
    return;
  }
  if (value == NULL)
    g_dbus_method_invocation_return_value (invocation, NULL);
  else
    g_dbus_method_invocation_return_value (invocation, g_variant_new_tuple (&value, 1));
}

void
vb_service_dispatch_op (VbServiceDriver *sd, GDBusMethodInvocation *invocation, VbOp op,
                        gpointer object, GVariant *args)
{
  vb_driver_call_async (sd->driver, op, object, args, NULL, dispatch_op_done,
                        g_object_ref (invocation));
}

/* Properties -------------------------------------------------------------- */

static void
set_property_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = vb_driver_call_finish (VB_DRIVER (source), result, NULL, &error);

  if (error)
    vb_service_return_error (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

void
vb_service_handle_properties (VbServiceDriver *sd, GDBusInterfaceSkeleton *skeleton,
                              GDBusMethodInvocation *invocation, gpointer object,
                              VbOp set_autostart_op)
{
  const char *method = g_dbus_method_invocation_get_method_name (invocation);
  GVariant *params = g_dbus_method_invocation_get_parameters (invocation);
  g_autoptr(GVariant) all = g_dbus_interface_skeleton_get_properties (skeleton);

  g_variant_ref_sink (all);
  if (g_str_equal (method, "GetAll")) {
    g_dbus_method_invocation_return_value (invocation, g_variant_new_tuple (&all, 1));
  } else if (g_str_equal (method, "Get")) {
    const char *name = NULL;
    g_autoptr(GVariant) value = NULL;

    g_variant_get (params, "(&s&s)", NULL, &name);
    value = g_variant_lookup_value (all, name, NULL);
    /* GDBus has already checked the property exists and is readable */
    if (value == NULL) {
      vb_service_return_error_printf (invocation, "property %s is not available", name);
      return;
    }
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(v)", value));
  } else if (g_str_equal (method, "Set")) {
    const char *name = NULL;
    g_autoptr(GVariant) value = NULL;

    g_variant_get (params, "(&s&sv)", NULL, &name, &value);
    /* Autostart is the only writable property; GDBus refused the others. */
    if (!g_str_equal (name, "Autostart") || !g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN)) {
      g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR,
                                             G_DBUS_ERROR_INVALID_ARGS,
                                             "property %s cannot be set to a %s", name,
                                             g_variant_get_type_string (value));
      return;
    }
    vb_driver_call_async (sd->driver, set_autostart_op, object,
                          g_variant_new ("(b)", g_variant_get_boolean (value)), NULL,
                          set_property_done, g_object_ref (invocation));
  } else {
    g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                           "unknown method %s", method);
  }
}

/* Objects ------------------------------------------------------------------ */

static void
export_domain (VbServiceDriver *sd, VbDomain *domain)
{
  g_autofree char *path = vb_service_domain_path (sd, domain);
  g_autoptr(GDBusObjectSkeleton) object = g_dbus_object_skeleton_new (path);
  g_autoptr(GDBusInterfaceSkeleton) iface = vb_service_domain_new (sd, domain);

  g_dbus_object_skeleton_add_interface (object, iface);
  g_dbus_object_manager_server_export (sd->manager, object);
  g_hash_table_insert (sd->domain_objects, domain, g_steal_pointer (&object));
}

static void
export_network (VbServiceDriver *sd, VbNetwork *network)
{
  g_autofree char *path = vb_service_network_path (sd, network);
  g_autoptr(GDBusObjectSkeleton) object = g_dbus_object_skeleton_new (path);
  g_autoptr(GDBusInterfaceSkeleton) iface = vb_service_network_new (sd, network);

  g_dbus_object_skeleton_add_interface (object, iface);
  g_dbus_object_manager_server_export (sd->manager, object);
  g_hash_table_insert (sd->network_objects, network, g_steal_pointer (&object));
}

static void
unexport (VbServiceDriver *sd, GHashTable *objects, gpointer key)
{
  GDBusObjectSkeleton *object = g_hash_table_lookup (objects, key);

  if (object == NULL)
    return;
  g_dbus_object_manager_server_unexport (sd->manager,
                                         g_dbus_object_get_object_path (G_DBUS_OBJECT (object)));
  g_hash_table_remove (objects, key);
}

static void
on_domain_added (VbDriver *driver, VbDomain *domain, VbServiceDriver *sd)
{
  export_domain (sd, domain);
}

static void
on_domain_removed (VbDriver *driver, VbDomain *domain, VbServiceDriver *sd)
{
  unexport (sd, sd->domain_objects, domain);
}

static void
on_network_added (VbDriver *driver, VbNetwork *network, VbServiceDriver *sd)
{
  export_network (sd, network);
}

static void
on_network_removed (VbDriver *driver, VbNetwork *network, VbServiceDriver *sd)
{
  unexport (sd, sd->network_objects, network);
}

/* Sends the object's pending PropertiesChanged now, so that a client sees
 * the new property values before the lifecycle event that explains them
 * (GDBus would otherwise send them from an idle callback, after it). */
static void
flush_properties (GHashTable *objects, gpointer key)
{
  GDBusObjectSkeleton *object = g_hash_table_lookup (objects, key);
  g_autolist(GDBusInterface) ifaces = NULL;

  if (object == NULL)
    return;
  ifaces = g_dbus_object_get_interfaces (G_DBUS_OBJECT (object));
  for (GList *l = ifaces; l; l = l->next)
    g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (l->data));
}

static void
on_domain_event (VbDriver *driver, VbDomain *domain, int event, int detail, VbServiceDriver *sd)
{
  g_autofree char *path = vb_service_domain_path (sd, domain);

  flush_properties (sd->domain_objects, domain);
  vb_dbus_connect_emit_domain_event (sd->connect, path, event, detail);
}

static void
on_domain_signal (VbDriver *driver, VbDomain *domain, const char *name, GVariant *args,
                  VbServiceDriver *sd)
{
  g_autofree char *path = vb_service_domain_path (sd, domain);
  g_autoptr(GError) error = NULL;

  if (!g_dbus_connection_emit_signal (sd->service->bus, NULL, path, "org.libvirt.Domain", name,
                                      args, &error))
    g_warning ("cannot emit %s on %s: %s", name, path, error->message);
}

static void
on_network_event (VbDriver *driver, VbNetwork *network, int event, VbServiceDriver *sd)
{
  g_autofree char *path = vb_service_network_path (sd, network);

  flush_properties (sd->network_objects, network);
  vb_dbus_connect_emit_network_event (sd->connect, path, event);
}

static void
service_driver_free (VbServiceDriver *sd)
{
  g_signal_handlers_disconnect_by_data (sd->driver, sd);
  g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (sd->connect));
  g_clear_object (&sd->connect);
  g_hash_table_unref (sd->domain_objects);
  g_hash_table_unref (sd->network_objects);
  g_clear_object (&sd->manager);
  g_clear_object (&sd->driver);
  g_free (sd->root_path);
  g_free (sd);
}

VbService *
vb_service_new (GDBusConnection *bus, gboolean system_bus)
{
  VbService *service = g_new0 (VbService, 1);

  service->bus = g_object_ref (bus);
  service->system_bus = system_bus;
  service->drivers = g_ptr_array_new_with_free_func ((GDestroyNotify) service_driver_free);
  return service;
}

void
vb_service_free (VbService *service)
{
  if (service == NULL)
    return;
  g_ptr_array_unref (service->drivers);
  g_object_unref (service->bus);
  g_free (service);
}

gboolean
vb_service_add_driver (VbService *service, VbDriver *driver, GError **error)
{
  VbServiceDriver *sd = g_new0 (VbServiceDriver, 1);
  g_autoptr(GPtrArray) domains = NULL;
  g_autoptr(GPtrArray) networks = NULL;

  sd->service = service;
  sd->driver = g_object_ref (driver);
  sd->root_path = g_strdup_printf (VB_ROOT_PATH "/%s", vb_driver_get_name (driver));
  sd->domain_objects = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_object_unref);
  sd->network_objects = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_object_unref);
  sd->manager = g_dbus_object_manager_server_new (sd->root_path);
  sd->connect = vb_service_connect_new (sd);
  g_ptr_array_add (service->drivers, sd);

  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (sd->connect), service->bus,
                                         sd->root_path, error))
    return FALSE;

  domains = vb_driver_list_domains (driver, 0);
  for (guint i = 0; i < domains->len; i++)
    export_domain (sd, g_ptr_array_index (domains, i));
  networks = vb_driver_list_networks (driver, 0);
  for (guint i = 0; i < networks->len; i++)
    export_network (sd, g_ptr_array_index (networks, i));
  g_dbus_object_manager_server_set_connection (sd->manager, service->bus);

  g_signal_connect (driver, "domain-added", G_CALLBACK (on_domain_added), sd);
  g_signal_connect (driver, "domain-removed", G_CALLBACK (on_domain_removed), sd);
  g_signal_connect (driver, "domain-event", G_CALLBACK (on_domain_event), sd);
  g_signal_connect (driver, "domain-signal", G_CALLBACK (on_domain_signal), sd);
  g_signal_connect (driver, "network-added", G_CALLBACK (on_network_added), sd);
  g_signal_connect (driver, "network-removed", G_CALLBACK (on_network_removed), sd);
  g_signal_connect (driver, "network-event", G_CALLBACK (on_network_event), sd);
  return TRUE;
}
