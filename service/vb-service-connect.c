/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-service.h"

#include "vb-domain-def.h"
#include "vb-error.h"
#include "vb-network-def.h"

/* org.libvirt.Connect on a driver root. */
#define VB_TYPE_SERVICE_CONNECT (vb_service_connect_get_type ())
G_DECLARE_FINAL_TYPE (VbServiceConnect, vb_service_connect, VB, SERVICE_CONNECT, VbDBusConnectSkeleton)

struct _VbServiceConnect {
  VbDBusConnectSkeleton parent_instance;
  VbServiceDriver *sd;
};

G_DEFINE_FINAL_TYPE (VbServiceConnect, vb_service_connect, VB_DBUS_TYPE_CONNECT_SKELETON)

/* libvirt API level we implement, in libvirt's encoding (9.0.0): clients
 * such as Cockpit gate features on it. */
#define VB_LIBVIRT_COMPAT_VERSION 9000000

/* Members whose arguments and result are exactly those of a driver op. */
static const VbMemberOp connect_ops[] = {
  { "DomainRestore", VB_OP_DOMAIN_RESTORE },
  { "DomainSaveImageDefineXML", VB_OP_DOMAIN_SAVE_IMAGE_DEFINE_XML },
  { "DomainSaveImageGetXMLDesc", VB_OP_DOMAIN_SAVE_IMAGE_GET_XML_DESC },
  { "GetCapabilities", VB_OP_GET_CAPABILITIES },
  { "GetCPUModelNames", VB_OP_GET_CPU_MODEL_NAMES },
  { "GetDomainCapabilities", VB_OP_GET_DOMAIN_CAPABILITIES },
  { "GetSysinfo", VB_OP_GET_SYSINFO },
  { "NodeGetCPUMap", VB_OP_NODE_GET_CPU_MAP },
  { "NodeGetCPUStats", VB_OP_NODE_GET_CPU_STATS },
  { "NodeGetFreeMemory", VB_OP_NODE_GET_FREE_MEMORY },
  { "NodeGetMemoryStats", VB_OP_NODE_GET_MEMORY_STATS },
  { "NodeGetSecurityModel", VB_OP_NODE_GET_SECURITY_MODEL },
  { NULL }
};

static const guint valid_list_domains_flags = (1u << 16) - 1;
static const guint valid_list_networks_flags = (1u << 6) - 1;

static gboolean
check_flags (GDBusMethodInvocation *invocation, guint flags, guint valid)
{
  if ((flags & ~valid) == 0)
    return TRUE;
  vb_service_return_error_printf (invocation, VB_ERROR_INVALID_ARG,
                                  "unsupported flags (0x%x) in %s", flags & ~valid,
                                  g_dbus_method_invocation_get_method_name (invocation));
  return FALSE;
}

static void
reply_paths (VbServiceDriver *sd, GPtrArray *visible, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("ao"));
  for (guint i = 0; i < visible->len; i++) {
    gpointer object = g_ptr_array_index (visible, i);
    g_autofree char *path = VB_IS_DOMAIN (object) ? vb_service_domain_path (sd, object)
                                                  : vb_service_network_path (sd, object);
    g_variant_builder_add (&builder, "o", path);
  }
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(ao)", &builder));
}

/* libvirt's list semantics: search_<kind>s on the connection, then only the
 * objects the caller may getattr. */
static void
run_list (VbServiceDriver *sd, GDBusMethodInvocation *invocation, gpointer user_data)
{
  const char *method = g_dbus_method_invocation_get_method_name (invocation);
  guint flags = GPOINTER_TO_UINT (user_data);
  g_autoptr(GPtrArray) objects = g_str_equal (method, "ListDomains")
                                     ? vb_driver_list_domains (sd->driver, flags)
                                     : vb_driver_list_networks (sd->driver, flags);

  vb_service_filter_visible (sd, g_dbus_method_invocation_get_sender (invocation), objects,
                             reply_paths, g_object_ref (invocation));
}

static void
list_objects (VbServiceConnect *self, GDBusMethodInvocation *invocation, GVariant *params)
{
  gboolean domains = g_str_equal (g_dbus_method_invocation_get_method_name (invocation),
                                  "ListDomains");
  VbAuthRequest request = { 0 };
  guint flags;

  g_variant_get (params, "(u)", &flags);
  if (!check_flags (invocation, flags, domains ? valid_list_domains_flags : valid_list_networks_flags))
    return;
  request.permissions = domains ? "search_domains" : "search_networks";
  request.driver = vb_driver_get_name (self->sd->driver);
  vb_service_authorize (self->sd, invocation, &request, run_list, GUINT_TO_POINTER (flags), NULL);
}

static void
return_path (GDBusMethodInvocation *invocation, char *path)
{
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", path));
  g_free (path);
}

static void
reply_lookup (VbServiceDriver *sd, GDBusMethodInvocation *invocation, gpointer object)
{
  return_path (invocation, VB_IS_DOMAIN (object) ? vb_service_domain_path (sd, object)
                                                 : vb_service_network_path (sd, object));
}

/* An object the caller may not see is not found, in the lookup's words. */
static void
authorize_lookup (VbServiceDriver *sd, GDBusMethodInvocation *invocation, gpointer object,
                  const GError *not_found)
{
  VbAuthRequest request;

  vb_auth_request_for_object (&request, object, vb_driver_get_name (sd->driver));
  vb_service_authorize_lookup (sd, invocation, &request, not_found, reply_lookup,
                               g_object_ref (object), g_object_unref);
}

static void
lookup_domain (VbServiceConnect *self, GDBusMethodInvocation *invocation, const char *method,
               GVariant *params)
{
  VbDriver *driver = self->sd->driver;
  VbDomain *domain = NULL;
  g_autofree char *what = NULL;
  g_autoptr(GError) not_found = NULL;

  if (g_str_equal (method, "DomainLookupByID")) {
    int id;

    g_variant_get (params, "(i)", &id);
    domain = vb_driver_lookup_domain_by_id (driver, id);
    what = g_strdup_printf ("no domain with matching id %d", id);
  } else if (g_str_equal (method, "DomainLookupByName")) {
    const char *name;

    g_variant_get (params, "(&s)", &name);
    domain = vb_driver_lookup_domain_by_name (driver, name);
    what = g_strdup_printf ("no domain with matching name '%s'", name);
  } else {
    const char *uuid_str;
    VbUuid uuid;
    g_autoptr(GError) error = NULL;

    g_variant_get (params, "(&s)", &uuid_str);
    if (!vb_uuid_parse (uuid_str, &uuid, &error)) {
      vb_service_return_error (invocation, error);
      return;
    }
    domain = vb_driver_lookup_domain_by_uuid (driver, &uuid);
    what = g_strdup_printf ("no domain with matching uuid '%s'", uuid_str);
  }
  not_found = g_error_new (VB_ERROR, VB_ERROR_NOT_FOUND, "Domain not found: %s", what);
  if (domain == NULL)
    vb_service_return_error (invocation, not_found);
  else
    authorize_lookup (self->sd, invocation, domain, not_found);
}

static void
lookup_network (VbServiceConnect *self, GDBusMethodInvocation *invocation, const char *method,
                GVariant *params)
{
  VbNetwork *network = NULL;
  const char *key;
  g_autofree char *what = NULL;
  g_autoptr(GError) not_found = NULL;

  g_variant_get (params, "(&s)", &key);
  if (g_str_equal (method, "NetworkLookupByName")) {
    network = vb_driver_lookup_network_by_name (self->sd->driver, key);
    what = g_strdup_printf ("no network with matching name '%s'", key);
  } else {
    VbUuid uuid;
    g_autoptr(GError) error = NULL;

    if (!vb_uuid_parse (key, &uuid, &error)) {
      vb_service_return_error (invocation, error);
      return;
    }
    network = vb_driver_lookup_network_by_uuid (self->sd->driver, &uuid);
    what = g_strdup_printf ("no network with matching uuid '%s'", key);
  }
  not_found = g_error_new (VB_ERROR, VB_ERROR_NOT_FOUND, "Network not found: %s", what);
  if (network == NULL)
    vb_service_return_error (invocation, not_found);
  else
    authorize_lookup (self->sd, invocation, network, not_found);
}

typedef struct {
  VbServiceDriver *sd;
  GDBusMethodInvocation *invocation;
} CreateData;

static void
create_object_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CreateData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GObject) object = NULL;

  vb_driver_call_finish (VB_DRIVER (source), result, (gpointer *) &object, &error);
  if (error)
    vb_service_return_error (data->invocation, error);
  else if (VB_IS_DOMAIN (object))
    return_path (data->invocation, vb_service_domain_path (data->sd, VB_DOMAIN (object)));
  else
    return_path (data->invocation, vb_service_network_path (data->sd, VB_NETWORK (object)));
  g_object_unref (data->invocation);
  g_free (data);
}

typedef struct {
  VbOp op;
  GVariant *args;
  VbDefinition *definition; /* the document parsed, NULL if it does not parse */
} CreateCall;

static void
create_call_free (CreateCall *call)
{
  g_variant_unref (call->args);
  g_clear_pointer (&call->definition, vb_definition_free);
  g_free (call);
}

static void
run_create (VbServiceDriver *sd, GDBusMethodInvocation *invocation, gpointer user_data)
{
  CreateCall *call = user_data;
  CreateData *data = g_new0 (CreateData, 1);

  data->sd = sd;
  data->invocation = g_object_ref (invocation);
  vb_driver_call_with_definition_async (sd->driver, call->op, call->args, g_steal_pointer (&call->definition),
                                        NULL, create_object_done, data);
}

static void
create_object (VbServiceConnect *self, GDBusMethodInvocation *invocation, VbOp op, GVariant *params)
{
  VbAuthRequest request;
  CreateCall *call;
  char uuid[VB_UUID_STRING_LEN + 1] = "";
  const char *xml = NULL;

  call = g_new0 (CreateCall, 1);
  call->op = op;
  call->args = g_variant_ref_sink (params);
  /* The document is parsed here once, as the driver parses it, and the
   * driver receives that definition.  Rules may grant defining one named
   * object: polkit gets the name and UUID it claims.  XML that does not
   * parse gets no details and fails in the driver, after the
   * authorization. */
  g_variant_get_child (call->args, 0, "&s", &xml);
  call->definition = vb_driver_parse_definition (self->sd->driver, op, xml, NULL);
  vb_auth_request_for_op (&request, op, NULL, vb_driver_get_name (self->sd->driver));
  if (call->definition) {
    vb_uuid_format (vb_definition_get_uuid (call->definition), uuid);
    request.object_name = vb_definition_get_name (call->definition);
    request.object_uuid = uuid;
  }
  vb_service_authorize (self->sd, invocation, &request, run_create, call,
                        (GDestroyNotify) create_call_free);
}

/* The files passed along are for the guest (libvirt hands them to QEMU as
 * extra fds); drivers that cannot pass files on take the call as
 * DomainCreateXML, as libvirt's drivers without fd passing do. */
static void
create_with_files (VbServiceConnect *self, GDBusMethodInvocation *invocation, GVariant *params)
{
  const char *xml;
  guint flags;
  g_autoptr(GVariant) args = NULL;

  g_variant_get (params, "(&s@ahu)", &xml, NULL, &flags);
  args = g_variant_ref_sink (g_variant_new ("(su)", xml, flags));
  create_object (self, invocation, VB_OP_DOMAIN_CREATE_XML, args);
}

/* GetAllDomainStats: the GetStats op of each listed domain, one after the
 * other, in list order. */
typedef struct {
  VbServiceDriver *sd;
  GDBusMethodInvocation *invocation;
  GPtrArray *domains; /* owned refs */
  guint next;
  guint stats;
  GVariantBuilder builder;
} AllStatsData;

static void all_stats_next (AllStatsData *data);

static void
all_stats_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AllStatsData *data = user_data;
  VbDomain *domain = g_ptr_array_index (data->domains, data->next - 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = vb_driver_call_finish (VB_DRIVER (source), result, NULL, &error);

  /* A domain undefined meanwhile simply drops out of the answer. */
  if (value != NULL)
    g_variant_builder_add (&data->builder, "(s@a{sv})", vb_domain_get_name (domain), value);
  else if (!g_error_matches (error, VB_ERROR, VB_ERROR_NOT_FOUND)) {
    vb_service_return_error (data->invocation, error);
    g_variant_builder_clear (&data->builder);
    g_ptr_array_unref (data->domains);
    g_object_unref (data->invocation);
    g_free (data);
    return;
  }
  all_stats_next (data);
}

static void
all_stats_next (AllStatsData *data)
{
  if (data->next < data->domains->len) {
    VbDomain *domain = g_ptr_array_index (data->domains, data->next++);

    vb_driver_call_async (data->sd->driver, VB_OP_DOMAIN_GET_STATS, domain,
                          g_variant_new ("(uu)", data->stats, 0), NULL, all_stats_done, data);
    return;
  }
  g_dbus_method_invocation_return_value (data->invocation,
                                         g_variant_new ("(a(sa{sv}))", &data->builder));
  g_ptr_array_unref (data->domains);
  g_object_unref (data->invocation);
  g_free (data);
}

static void
start_all_stats (VbServiceDriver *sd, GPtrArray *visible, gpointer user_data)
{
  AllStatsData *data = user_data;

  for (guint i = 0; i < visible->len; i++)
    g_ptr_array_add (data->domains, g_object_ref (g_ptr_array_index (visible, i)));
  all_stats_next (data);
}

static void
run_all_domain_stats (VbServiceDriver *sd, GDBusMethodInvocation *invocation, gpointer user_data)
{
  AllStatsData *data;
  g_autoptr(GPtrArray) domains = NULL;
  guint stats, flags;

  g_variant_get (g_dbus_method_invocation_get_parameters (invocation), "(uu)", &stats, &flags);
  /* the low bits are the ListDomains filters; the rest libvirt's extra flags */
  domains = vb_driver_list_domains (sd->driver, flags & valid_list_domains_flags);
  data = g_new0 (AllStatsData, 1);
  data->sd = sd;
  data->invocation = g_object_ref (invocation);
  data->stats = stats;
  data->domains = g_ptr_array_new_with_free_func (g_object_unref);
  g_variant_builder_init (&data->builder, G_VARIANT_TYPE ("a(sa{sv})"));
  vb_service_filter_visible (sd, g_dbus_method_invocation_get_sender (invocation), domains,
                             start_all_stats, data);
}

static void
get_all_domain_stats (VbServiceConnect *self, GDBusMethodInvocation *invocation)
{
  VbAuthRequest request = { 0 };

  request.permissions = "search_domains";
  request.driver = vb_driver_get_name (self->sd->driver);
  vb_service_authorize (self->sd, invocation, &request, run_all_domain_stats, NULL, NULL);
}

static void
connect_method_call (GDBusConnection *connection, const char *sender, const char *object_path,
                     const char *interface_name, const char *method_name, GVariant *parameters,
                     GDBusMethodInvocation *invocation, gpointer user_data)
{
  VbServiceConnect *self = VB_SERVICE_CONNECT (user_data);
  VbOp op;

  if (g_str_equal (interface_name, "org.freedesktop.DBus.Properties")) {
    /* Connect has no writable property; the op is never reached. */
    vb_service_handle_properties (self->sd, G_DBUS_INTERFACE_SKELETON (self), invocation, NULL,
                                  VB_OP_LAST);
  } else if (g_str_equal (method_name, "ListDomains") || g_str_equal (method_name, "ListNetworks")) {
    list_objects (self, invocation, parameters);
  } else if (g_str_has_prefix (method_name, "DomainLookupBy")) {
    lookup_domain (self, invocation, method_name, parameters);
  } else if (g_str_has_prefix (method_name, "NetworkLookupBy")) {
    lookup_network (self, invocation, method_name, parameters);
  } else if (g_str_equal (method_name, "DomainDefineXML")) {
    create_object (self, invocation, VB_OP_DOMAIN_DEFINE_XML, parameters);
  } else if (g_str_equal (method_name, "DomainCreateXML")) {
    create_object (self, invocation, VB_OP_DOMAIN_CREATE_XML, parameters);
  } else if (g_str_equal (method_name, "DomainCreateXMLWithFiles")) {
    create_with_files (self, invocation, parameters);
  } else if (g_str_equal (method_name, "NetworkDefineXML")) {
    create_object (self, invocation, VB_OP_NETWORK_DEFINE_XML, parameters);
  } else if (g_str_equal (method_name, "NetworkCreateXML")) {
    create_object (self, invocation, VB_OP_NETWORK_CREATE_XML, parameters);
  } else if (g_str_equal (method_name, "GetAllDomainStats")) {
    get_all_domain_stats (self, invocation);
  } else if (vb_member_op_lookup (connect_ops, method_name, &op)) {
    vb_service_dispatch_op (self->sd, invocation, op, NULL, parameters);
  } else {
    vb_service_return_error_printf (invocation, VB_ERROR_NOT_SUPPORTED,
                                    "not supported by this driver: %s", method_name);
  }
}

static GDBusInterfaceVTable connect_vtable = { connect_method_call, NULL, NULL, { 0 } };

static GDBusInterfaceVTable *
vb_service_connect_get_vtable (GDBusInterfaceSkeleton *skeleton)
{
  return &connect_vtable;
}

static void
vb_service_connect_class_init (VbServiceConnectClass *klass)
{
  G_DBUS_INTERFACE_SKELETON_CLASS (klass)->get_vtable = vb_service_connect_get_vtable;
}

static void
vb_service_connect_init (VbServiceConnect *self)
{
}

static void
host_property_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(VbServiceConnect) self = user_data;
  g_autoptr(GVariant) value = vb_driver_call_finish (VB_DRIVER (source), result, NULL, NULL);

  if (value == NULL)
    return;
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    vb_dbus_connect_set_hostname (VB_DBUS_CONNECT (self), g_variant_get_string (value, NULL));
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT64))
    vb_dbus_connect_set_version (VB_DBUS_CONNECT (self), g_variant_get_uint64 (value));
}

VbDBusConnect *
vb_service_connect_new (VbServiceDriver *sd)
{
  VbServiceConnect *self = g_object_new (VB_TYPE_SERVICE_CONNECT, NULL);
  VbDBusConnect *iface = VB_DBUS_CONNECT (self);

  self->sd = sd;
  /* Local connections over the bus: never encrypted, always secure. */
  vb_dbus_connect_set_encrypted (iface, FALSE);
  vb_dbus_connect_set_secure (iface, TRUE);
  vb_dbus_connect_set_lib_version (iface, VB_LIBVIRT_COMPAT_VERSION);
  vb_dbus_connect_set_hostname (iface, g_get_host_name ());
  vb_driver_call_async (sd->driver, VB_OP_GET_HOSTNAME, NULL, NULL, NULL, host_property_done,
                        g_object_ref (self));
  vb_driver_call_async (sd->driver, VB_OP_GET_VERSION, NULL, NULL, NULL, host_property_done,
                        g_object_ref (self));
  return iface;
}
