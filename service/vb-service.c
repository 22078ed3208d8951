/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-service.h"

#include <stdarg.h>

#include "vb-error.h"

/* Error replies ---------------------------------------------------------------
 *
 * The reply functions see only an invocation, so the callers that asked for
 * specific error names hang on the bus connection they called over. */

#define ERROR_NAME_CALLERS_KEY "vb-error-name-callers"

static const char *
error_name_for (GDBusConnection *bus, const char *sender, const GError *error)
{
  GHashTable *callers = g_object_get_data (G_OBJECT (bus), ERROR_NAME_CALLERS_KEY);

  if (sender == NULL || callers == NULL || !g_hash_table_contains (callers, sender))
    return VB_DBUS_ERROR_NAME;
  return vb_error_get_dbus_name (vb_error_get_code (error));
}

void
vb_service_return_error (GDBusMethodInvocation *invocation, const GError *error)
{
  const char *name = error_name_for (g_dbus_method_invocation_get_connection (invocation),
                                     g_dbus_method_invocation_get_sender (invocation), error);

  g_dbus_method_invocation_return_dbus_error (invocation, name, error->message);
}

void
vb_service_return_error_printf (GDBusMethodInvocation *invocation, VbErrorCode code,
                                const char *fmt, ...)
{
  va_list ap;
  g_autoptr(GError) error = NULL;

  va_start (ap, fmt);
  error = g_error_new_valist (VB_ERROR, code, fmt, ap);
  va_end (ap);
  vb_service_return_error (invocation, error);
}

static gboolean
on_enable_error_names (VbDBusVirtbus *virtbus, GDBusMethodInvocation *invocation,
                       VbService *service)
{
  const char *sender = g_dbus_method_invocation_get_sender (invocation);

  /* Nothing to authorize: it changes only the names this caller gets for
   * its own failures, whose codes it could tell from the messages anyway.
   * Without a sender (a peer-to-peer connection) there is no one to note. */
  if (sender)
    g_hash_table_add (service->error_name_callers, g_strdup (sender));
  vb_dbus_virtbus_complete_enable_error_names (virtbus, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
on_name_owner_changed (GDBusConnection *bus, const char *sender_name, const char *object_path,
                       const char *interface_name, const char *signal_name, GVariant *parameters,
                       gpointer user_data)
{
  VbService *service = user_data;
  const char *name;
  const char *new_owner;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(sss)")))
    return;
  g_variant_get (parameters, "(&s&s&s)", &name, NULL, &new_owner);
  /* a unique name is never owned again once its connection is gone */
  if (*new_owner == '\0')
    g_hash_table_remove (service->error_name_callers, name);
}

/* One subscription for every caller, made before anyone can opt in: the
 * bus then reports a caller's departure after its EnableErrorNames, never
 * in between, and a busy system bus costs one match rule, not one each. */
static void
export_virtbus (VbService *service)
{
  g_autoptr(GError) error = NULL;

  service->error_name_callers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_object_set_data (G_OBJECT (service->bus), ERROR_NAME_CALLERS_KEY,
                     service->error_name_callers);
  service->name_owner_changed_id = g_dbus_connection_signal_subscribe (
    service->bus, "org.freedesktop.DBus", "org.freedesktop.DBus", "NameOwnerChanged",
    "/org/freedesktop/DBus", NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_name_owner_changed, service,
    NULL);
  service->virtbus = vb_dbus_virtbus_skeleton_new ();
  g_signal_connect (service->virtbus, "handle-enable-error-names",
                    G_CALLBACK (on_enable_error_names), service);
  /* a failure leaves every caller with org.libvirt.Error, as before */
  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (service->virtbus),
                                         service->bus, VB_VIRTBUS_PATH, &error))
    g_warning ("cannot export %s: %s", VB_VIRTBUS_IFACE, error->message);
}

static void
unexport_virtbus (VbService *service)
{
  g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (service->virtbus));
  g_clear_object (&service->virtbus);
  g_dbus_connection_signal_unsubscribe (service->bus, service->name_owner_changed_id);
  g_object_set_data (G_OBJECT (service->bus), ERROR_NAME_CALLERS_KEY, NULL);
  g_clear_pointer (&service->error_name_callers, g_hash_table_unref);
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

/* Authorization ---------------------------------------------------------- */

/* GLib 2.74's words, in GLib's own translation, as GDBus answers where no
 * object is registered; tests/polkit/test_hidden_objects.py compares the
 * two, so a GLib that words it differently shows up there. */
#define UNKNOWN_OBJECT_ERROR "org.freedesktop.DBus.Error.UnknownMethod"

static char *
unknown_object_text (const char *path)
{
  return g_strdup_printf (g_dgettext ("glib20", "Object does not exist at path “%s”"), path);
}

void
vb_service_return_unknown_object (GDBusMethodInvocation *invocation)
{
  g_autofree char *text = unknown_object_text (g_dbus_method_invocation_get_object_path (invocation));

  g_dbus_method_invocation_return_dbus_error (invocation, UNKNOWN_OBJECT_ERROR, text);
}

GDBusMessage *
vb_service_unknown_object_error (GDBusMessage *call)
{
  g_autofree char *text = unknown_object_text (g_dbus_message_get_path (call));

  return g_dbus_message_new_method_error_literal (call, UNKNOWN_OBJECT_ERROR, text);
}

typedef struct {
  VbServiceDriver *sd;
  GDBusMethodInvocation *invocation;
  VbAuthorizedFunc func;
  gpointer user_data;
  GDestroyNotify destroy;
  GError *not_found; /* the answer for a hidden object, or NULL: no object at the path */
} AuthData;

static void
on_authorized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AuthData *data = user_data;
  g_autoptr(GError) error = NULL;

  if (vb_auth_check_finish (data->sd->service->auth, result, &error))
    data->func (data->sd, data->invocation, data->user_data);
  else if (!g_error_matches (error, VB_ERROR, VB_ERROR_NOT_FOUND))
    vb_service_return_error (data->invocation, error);
  else if (data->not_found)
    vb_service_return_error (data->invocation, data->not_found);
  else
    vb_service_return_unknown_object (data->invocation);
  if (data->destroy)
    data->destroy (data->user_data);
  g_clear_error (&data->not_found);
  g_object_unref (data->invocation);
  g_free (data);
}

void
vb_service_authorize (VbServiceDriver *sd, GDBusMethodInvocation *invocation,
                      const VbAuthRequest *request, VbAuthorizedFunc func,
                      gpointer user_data, GDestroyNotify destroy)
{
  vb_service_authorize_lookup (sd, invocation, request, NULL, func, user_data, destroy);
}

void
vb_service_authorize_lookup (VbServiceDriver *sd, GDBusMethodInvocation *invocation,
                             const VbAuthRequest *request, const GError *not_found,
                             VbAuthorizedFunc func, gpointer user_data, GDestroyNotify destroy)
{
  VbAuth *auth = sd->service->auth;
  AuthData *data;

  /* the common case (session bus) costs no main-loop round */
  if (!vb_auth_is_enforcing (auth)) {
    func (sd, invocation, user_data);
    if (destroy)
      destroy (user_data);
    return;
  }
  data = g_new0 (AuthData, 1);
  data->sd = sd;
  data->invocation = g_object_ref (invocation);
  data->func = func;
  data->user_data = user_data;
  data->destroy = destroy;
  data->not_found = not_found ? g_error_copy (not_found) : NULL;
  vb_auth_check_async (auth, g_dbus_method_invocation_get_sender (invocation), request,
                       vb_auth_invocation_is_interactive (invocation), NULL, on_authorized, data);
}

typedef struct {
  VbServiceDriver *sd;
  GPtrArray *objects; /* refs */
  gboolean *allowed;
  guint pending;
  VbFilteredFunc func;
  gpointer user_data;
} FilterData;

typedef struct {
  FilterData *filter;
  guint index;
} FilterItem;

static void
filter_finish (FilterData *data)
{
  g_autoptr(GPtrArray) visible = g_ptr_array_new ();

  for (guint i = 0; i < data->objects->len; i++)
    if (data->allowed[i])
      g_ptr_array_add (visible, g_ptr_array_index (data->objects, i));
  data->func (data->sd, visible, data->user_data);
  g_ptr_array_unref (data->objects);
  g_free (data->allowed);
  g_free (data);
}

static void
on_filter_checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  FilterItem *item = user_data;
  FilterData *data = item->filter;

  /* a refusal hides the object; it is no error for the list */
  data->allowed[item->index] = vb_auth_check_finish (data->sd->service->auth, result, NULL);
  g_free (item);
  if (--data->pending == 0)
    filter_finish (data);
}

void
vb_service_filter_visible (VbServiceDriver *sd, const char *sender, GPtrArray *objects,
                           VbFilteredFunc func, gpointer user_data)
{
  VbAuth *auth = sd->service->auth;
  FilterData *data;

  if (!vb_auth_is_enforcing (auth) || objects->len == 0) {
    func (sd, objects, user_data);
    return;
  }
  data = g_new0 (FilterData, 1);
  data->sd = sd;
  data->objects = g_ptr_array_new_with_free_func (g_object_unref);
  data->allowed = g_new0 (gboolean, objects->len);
  data->pending = objects->len;
  data->func = func;
  data->user_data = user_data;
  for (guint i = 0; i < objects->len; i++)
    g_ptr_array_add (data->objects, g_object_ref (g_ptr_array_index (objects, i)));
  /* all checks in flight at once: polkit answers them in one stream */
  for (guint i = 0; i < objects->len; i++) {
    gpointer object = g_ptr_array_index (objects, i);
    FilterItem *item = g_new0 (FilterItem, 1);
    VbAuthRequest request;

    vb_auth_request_for_object (&request, object, vb_driver_get_name (sd->driver));
    item->filter = data;
    item->index = i;
    vb_auth_check_async (auth, sender, &request, FALSE, NULL, on_filter_checked, item);
  }
}

static void
reply_unsupported (VbServiceDriver *sd, GDBusMethodInvocation *invocation, gpointer user_data)
{
  vb_service_return_error_printf (invocation, VB_ERROR_NOT_SUPPORTED,
                                  "not supported by this driver: %s",
                                  g_dbus_method_invocation_get_method_name (invocation));
}

void
vb_service_return_unsupported (VbServiceDriver *sd, GDBusMethodInvocation *invocation,
                               gpointer object)
{
  VbAuthRequest request;

  /* what a driver lacks is no secret, but the object's existence may be */
  vb_auth_request_for_object (&request, object, vb_driver_get_name (sd->driver));
  vb_service_authorize (sd, invocation, &request, reply_unsupported, NULL, NULL);
}

/* Dispatch ---------------------------------------------------------------- */

static void
dispatch_op_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GUnixFDList) fd_list = NULL;

  value = vb_driver_call_finish_with_fds (VB_DRIVER (source), result, &fd_list, &error);
  if (error) {
    vb_service_return_error (invocation, error);
    return;
  }
  if (value == NULL)
    g_dbus_method_invocation_return_value (invocation, NULL);
  else
    g_dbus_method_invocation_return_value_with_unix_fd_list (invocation, g_variant_new_tuple (&value, 1),
                                                             fd_list);
}

typedef struct {
  VbOp op;
  gpointer object;
  GVariant *args;
} OpCall;

static void
op_call_free (OpCall *call)
{
  g_clear_object (&call->object);
  g_variant_unref (call->args);
  g_free (call);
}

static void
run_authorized_op (VbServiceDriver *sd, GDBusMethodInvocation *invocation, gpointer user_data)
{
  OpCall *call = user_data;

  vb_driver_call_async (sd->driver, call->op, call->object, call->args, NULL, dispatch_op_done,
                        g_object_ref (invocation));
}

/* The driver's form of a call's arguments.  D-Bus has no NULL string, so
 * where an op takes a maybe string ("ms") the wire carries "s" and "" stands
 * for nothing; drivers see NULL.  Anything else passes as it came, for the
 * driver call to check. */
static GVariant *
driver_args (VbOp op, GVariant *args)
{
  const GVariantType *want = G_VARIANT_TYPE (vb_op_get_info (op)->args_type);
  const GVariantType *item;
  GVariantBuilder builder;
  gsize i = 0;

  if (g_variant_is_of_type (args, want) || !g_variant_is_container (args) ||
      g_variant_n_children (args) != g_variant_type_n_items (want))
    return args;
  g_variant_builder_init (&builder, want);
  for (item = g_variant_type_first (want); item; item = g_variant_type_next (item), i++) {
    g_autoptr(GVariant) child = g_variant_get_child_value (args, i);

    if (g_variant_type_equal (item, G_VARIANT_TYPE ("ms")) &&
        g_variant_is_of_type (child, G_VARIANT_TYPE_STRING)) {
      gboolean empty = *g_variant_get_string (child, NULL) == '\0';

      g_variant_builder_add_value (&builder,
                                   g_variant_new_maybe (G_VARIANT_TYPE_STRING, empty ? NULL : child));
    } else {
      g_variant_builder_add_value (&builder, child);
    }
  }
  return g_variant_builder_end (&builder);
}

void
vb_service_dispatch_op (VbServiceDriver *sd, GDBusMethodInvocation *invocation, VbOp op,
                        gpointer object, GVariant *args)
{
  VbAuthRequest request;
  OpCall *call;

  args = driver_args (op, args);
  if (!vb_auth_is_enforcing (sd->service->auth)) {
    vb_driver_call_async (sd->driver, op, object, args, NULL, dispatch_op_done,
                          g_object_ref (invocation));
    return;
  }
  vb_auth_request_for_op (&request, op, object, vb_driver_get_name (sd->driver));
  /* the secure flag of GetXMLDesc (and of DomainSaveImageGetXMLDesc, the
   * same bit) reveals passwords: libvirt's read_secure */
  if (op == VB_OP_DOMAIN_GET_XML_DESC || op == VB_OP_DOMAIN_SAVE_IMAGE_GET_XML_DESC) {
    guint flags;

    g_variant_get_child (args, g_variant_n_children (args) - 1, "u", &flags);
    if (flags & VB_DOMAIN_XML_SECURE)
      request.permissions = "read,read_secure";
  }
  call = g_new0 (OpCall, 1);
  call->op = op;
  call->object = object ? g_object_ref (object) : NULL;
  call->args = g_variant_ref_sink (args);
  vb_service_authorize (sd, invocation, &request, run_authorized_op, call,
                        (GDestroyNotify) op_call_free);
}

/* Properties -------------------------------------------------------------- */

static void
set_property_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value G_GNUC_UNUSED = vb_driver_call_finish (VB_DRIVER (source), result, NULL, &error);

  if (error)
    vb_service_return_error (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

typedef struct {
  GDBusInterfaceSkeleton *skeleton;
  gpointer object;
  VbOp set_autostart_op;
} PropertyCall;

static void
property_call_free (PropertyCall *call)
{
  g_object_unref (call->skeleton);
  g_clear_object (&call->object);
  g_free (call);
}

static void
run_property_call (VbServiceDriver *sd, GDBusMethodInvocation *invocation, gpointer user_data)
{
  PropertyCall *call = user_data;
  const char *method = g_dbus_method_invocation_get_method_name (invocation);
  GVariant *params = g_dbus_method_invocation_get_parameters (invocation);
  g_autoptr(GVariant) all = g_variant_ref_sink (g_dbus_interface_skeleton_get_properties (call->skeleton));

  if (g_str_equal (method, "GetAll")) {
    g_dbus_method_invocation_return_value (invocation, g_variant_new_tuple (&all, 1));
  } else if (g_str_equal (method, "Get")) {
    const char *name = NULL;
    g_autoptr(GVariant) value = NULL;

    g_variant_get (params, "(&s&s)", NULL, &name);
    value = g_variant_lookup_value (all, name, NULL);
    /* GDBus has already checked the property exists and is readable */
    if (value == NULL) {
      vb_service_return_error_printf (invocation, VB_ERROR_FAILED, "property %s is not available",
                                      name);
      return;
    }
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(v)", value));
  } else {
    g_autoptr(GVariant) value = NULL;

    g_variant_get (params, "(&s&sv)", NULL, NULL, &value);
    vb_driver_call_async (sd->driver, call->set_autostart_op, call->object,
                          g_variant_new ("(b)", g_variant_get_boolean (value)), NULL,
                          set_property_done, g_object_ref (invocation));
  }
}

void
vb_service_handle_properties (VbServiceDriver *sd, GDBusInterfaceSkeleton *skeleton,
                              GDBusMethodInvocation *invocation, gpointer object,
                              VbOp set_autostart_op)
{
  const char *method = g_dbus_method_invocation_get_method_name (invocation);
  GVariant *params = g_dbus_method_invocation_get_parameters (invocation);
  VbAuthRequest request = { 0 };
  PropertyCall *call;

  if (g_str_equal (method, "Set")) {
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
    vb_auth_request_for_op (&request, set_autostart_op, object, vb_driver_get_name (sd->driver));
  } else if (object) {
    vb_auth_request_for_object (&request, object, vb_driver_get_name (sd->driver));
  } else if (g_str_equal (method, "Get") || g_str_equal (method, "GetAll")) {
    request.driver = vb_driver_get_name (sd->driver);
    request.permissions = "getattr";
  } else {
    g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                           "unknown method %s", method);
    return;
  }
  call = g_new0 (PropertyCall, 1);
  call->skeleton = g_object_ref (skeleton);
  call->object = object ? g_object_ref (object) : NULL;
  call->set_autostart_op = set_autostart_op;
  vb_service_authorize (sd, invocation, &request, run_property_call, call,
                        (GDestroyNotify) property_call_free);
}

/* Objects ------------------------------------------------------------------ */

static void
export_domain (VbServiceDriver *sd, VbDomain *domain)
{
  g_autofree char *path = vb_service_domain_path (sd, domain);
  g_autoptr(GDBusObjectSkeleton) object = g_dbus_object_skeleton_new (path);
  g_autoptr(GDBusInterfaceSkeleton) iface = vb_service_domain_new (sd, domain);

  g_dbus_object_skeleton_add_interface (object, iface);
  vb_service_set_exported_object (object, domain);
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
  vb_service_set_exported_object (object, network);
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
on_object_changed (VbServiceDriver *sd, GHashTable *objects, gpointer key, const char *iface_name,
                   void (*sync) (GDBusInterfaceSkeleton *, const char *), const char *changed)
{
  GDBusObjectSkeleton *object = g_hash_table_lookup (objects, key);
  g_autoptr(GDBusInterface) iface = NULL;

  if (object == NULL)
    return;
  iface = g_dbus_object_get_interface (G_DBUS_OBJECT (object), iface_name);
  if (iface)
    sync (G_DBUS_INTERFACE_SKELETON (iface), changed);
}

static void
on_domain_changed (VbDriver *driver, VbDomain *domain, GParamSpec *pspec, VbServiceDriver *sd)
{
  on_object_changed (sd, sd->domain_objects, domain, "org.libvirt.Domain", vb_service_domain_sync,
                     pspec->name);
}

static void
on_network_changed (VbDriver *driver, VbNetwork *network, GParamSpec *pspec, VbServiceDriver *sd)
{
  on_object_changed (sd, sd->network_objects, network, "org.libvirt.Network",
                     vb_service_network_sync, pspec->name);
}

/* D-Bus has no NULL string: libvirt-dbus sends "" for an absent one. */
static const char *
wire_string (const char *str)
{
  return str ? str : "";
}

/* The signals of org.libvirt.Domain, sent from the domain's skeleton. */
static void
emit_domain_signal (VbDBusDomain *skeleton, const VbEvent *event)
{
  switch (event->kind) {
  case VB_EVENT_DOMAIN_REBOOT:
    vb_dbus_domain_emit_reboot (skeleton);
    break;
  case VB_EVENT_DOMAIN_RTC_CHANGE:
    vb_dbus_domain_emit_rtcchange (skeleton, event->rtc_change.utc_offset);
    break;
  case VB_EVENT_DOMAIN_BALLOON_CHANGE:
    vb_dbus_domain_emit_balloon_change (skeleton, event->balloon_change.actual_kib);
    break;
  case VB_EVENT_DOMAIN_IO_ERROR:
    vb_dbus_domain_emit_ioerror (skeleton, wire_string (event->io_error.src_path),
                                 wire_string (event->io_error.device), event->io_error.action,
                                 wire_string (event->io_error.reason));
    break;
  case VB_EVENT_DOMAIN_PM_SUSPEND:
    vb_dbus_domain_emit_pmsuspend (skeleton, event->pm.reason);
    break;
  case VB_EVENT_DOMAIN_PM_SUSPEND_DISK:
    vb_dbus_domain_emit_pmsuspend_disk (skeleton, event->pm.reason);
    break;
  case VB_EVENT_DOMAIN_PM_WAKEUP:
    vb_dbus_domain_emit_pmwakeup (skeleton, event->pm.reason);
    break;
  case VB_EVENT_DOMAIN_DEVICE_ADDED:
    vb_dbus_domain_emit_device_added (skeleton, wire_string (event->device.alias));
    break;
  case VB_EVENT_DOMAIN_DEVICE_REMOVED:
    vb_dbus_domain_emit_device_removed (skeleton, wire_string (event->device.alias));
    break;
  case VB_EVENT_DOMAIN_TRAY_CHANGE:
    vb_dbus_domain_emit_tray_change (skeleton, wire_string (event->tray_change.alias),
                                     event->tray_change.reason);
    break;
  case VB_EVENT_DOMAIN_METADATA_CHANGE:
    vb_dbus_domain_emit_metadata_change (skeleton, event->metadata_change.type,
                                         wire_string (event->metadata_change.uri));
    break;
  case VB_EVENT_DOMAIN_LIFECYCLE:
  case VB_EVENT_NETWORK_LIFECYCLE:
  default:
    g_warn_if_reached ();
    break;
  }
}

static void
on_domain_event (VbServiceDriver *sd, VbDomain *domain, const VbEvent *event)
{
  GDBusObjectSkeleton *object = g_hash_table_lookup (sd->domain_objects, domain);
  g_autoptr(GDBusInterface) iface = NULL;

  if (event->kind == VB_EVENT_DOMAIN_LIFECYCLE) {
    g_autofree char *path = vb_service_domain_path (sd, domain);

    flush_properties (sd->domain_objects, domain);
    vb_dbus_connect_emit_domain_event (sd->connect, path, event->lifecycle.event,
                                       event->lifecycle.detail);
    return;
  }
  /* a domain's own signals go out on its object, which must be exported */
  if (object)
    iface = g_dbus_object_get_interface (G_DBUS_OBJECT (object), "org.libvirt.Domain");
  if (iface == NULL) {
    g_debug ("event %d on a domain that is not on the bus", event->kind);
    return;
  }
  emit_domain_signal (VB_DBUS_DOMAIN (iface), event);
}

static void
on_network_event (VbServiceDriver *sd, VbNetwork *network, const VbEvent *event)
{
  g_autofree char *path = vb_service_network_path (sd, network);

  g_return_if_fail (event->kind == VB_EVENT_NETWORK_LIFECYCLE);
  flush_properties (sd->network_objects, network);
  vb_dbus_connect_emit_network_event (sd->connect, path, event->network_lifecycle.event);
}

/* The one place where driver events become bus signals. */
static void
on_event (VbDriver *driver, GObject *object, const VbEvent *event, VbServiceDriver *sd)
{
  if (vb_event_kind_is_network (event->kind))
    on_network_event (sd, VB_NETWORK (object), event);
  else
    on_domain_event (sd, VB_DOMAIN (object), event);
}

/* GetManagedObjects on the system bus ---------------------------------------
 *
 * GDBusObjectManagerServer answers GetManagedObjects itself, with every
 * object and its properties.  On the system bus that would hand anyone what
 * polkit may hide, so the call is taken off the bus before GDBus sees it and
 * answered here with only the objects the caller may see. */

typedef struct {
  VbService *service;
  VbServiceDriver *sd; /* the driver root the call is for, once known */
  GDBusMessage *message;
} ManagedObjectsCall;

static void
managed_objects_call_free (ManagedObjectsCall *call)
{
  g_object_unref (call->message);
  g_free (call);
}

void
vb_service_send_message (GDBusConnection *bus, GDBusMessage *reply)
{
  g_autoptr(GError) error = NULL;

  if (!g_dbus_connection_send_message (bus, reply, G_DBUS_SEND_MESSAGE_FLAGS_NONE, NULL, &error))
    g_debug ("cannot reply: %s", error->message);
}

static void
add_managed_object (GVariantBuilder *builder, GDBusObjectSkeleton *object)
{
  g_autolist(GDBusInterface) ifaces = g_dbus_object_get_interfaces (G_DBUS_OBJECT (object));
  GVariantBuilder ifaces_builder;

  g_variant_builder_init (&ifaces_builder, G_VARIANT_TYPE ("a{sa{sv}}"));
  for (GList *l = ifaces; l; l = l->next) {
    GDBusInterfaceSkeleton *skeleton = l->data;

    g_variant_builder_add (&ifaces_builder, "{s@a{sv}}",
                           g_dbus_interface_skeleton_get_info (skeleton)->name,
                           g_dbus_interface_skeleton_get_properties (skeleton));
  }
  g_variant_builder_add (builder, "{oa{sa{sv}}}",
                         g_dbus_object_get_object_path (G_DBUS_OBJECT (object)), &ifaces_builder);
}

static void
reply_managed_objects (VbServiceDriver *sd, GPtrArray *visible, gpointer user_data)
{
  ManagedObjectsCall *call = user_data;
  g_autoptr(GDBusMessage) reply = g_dbus_message_new_method_reply (call->message);
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{oa{sa{sv}}}"));
  for (guint i = 0; i < visible->len; i++) {
    gpointer object = g_ptr_array_index (visible, i);
    GDBusObjectSkeleton *skeleton =
      g_hash_table_lookup (VB_IS_DOMAIN (object) ? sd->domain_objects : sd->network_objects, object);

    /* gone while polkit was asked */
    if (skeleton)
      add_managed_object (&builder, skeleton);
  }
  g_dbus_message_set_body (reply, g_variant_new ("(a{oa{sa{sv}}})", &builder));
  vb_service_send_message (sd->service->bus, reply);
  managed_objects_call_free (call);
}

static void
on_managed_objects_authorized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ManagedObjectsCall *call = user_data;
  VbServiceDriver *sd = call->sd;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) objects = NULL;
  g_autoptr(GPtrArray) networks = NULL;

  if (!vb_auth_check_finish (sd->service->auth, result, &error)) {
    g_autoptr(GDBusMessage) reply =
      g_dbus_message_new_method_error_literal (
        call->message,
        error_name_for (sd->service->bus, g_dbus_message_get_sender (call->message), error),
        error->message);

    vb_service_send_message (sd->service->bus, reply);
    managed_objects_call_free (call);
    return;
  }
  objects = vb_driver_list_domains (sd->driver, 0);
  networks = vb_driver_list_networks (sd->driver, 0);
  g_ptr_array_extend (objects, networks, NULL, NULL);
  vb_service_filter_visible (sd, g_dbus_message_get_sender (call->message), objects,
                             reply_managed_objects, call);
}

static gboolean
handle_managed_objects (gpointer user_data)
{
  ManagedObjectsCall *call = user_data;
  VbService *service = call->service;
  VbAuthRequest request = { 0 };
  const char *path = g_dbus_message_get_path (call->message);

  for (guint i = 0; i < service->drivers->len; i++) {
    VbServiceDriver *sd = g_ptr_array_index (service->drivers, i);
    if (g_strcmp0 (sd->root_path, path) == 0)
      call->sd = sd;
  }
  if (call->sd == NULL) {
    g_autoptr(GDBusMessage) reply =
      g_dbus_message_new_method_error (call->message, "org.freedesktop.DBus.Error.UnknownObject",
                                       "no object manager at %s", path);
    vb_service_send_message (service->bus, reply);
    managed_objects_call_free (call);
    return G_SOURCE_REMOVE;
  }
  request.permissions = "search_domains,search_networks";
  request.driver = vb_driver_get_name (call->sd->driver);
  vb_auth_check_async (service->auth, g_dbus_message_get_sender (call->message), &request,
                       (g_dbus_message_get_flags (call->message) &
                        G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION) != 0,
                       NULL, on_managed_objects_authorized, call);
  return G_SOURCE_REMOVE;
}

/* Runs in GDBus's worker thread: only hands the message over. */
static GDBusMessage *
system_bus_filter (GDBusConnection *bus, GDBusMessage *message, gboolean incoming,
                   gpointer user_data)
{
  VbService *service = user_data;
  ManagedObjectsCall *call;

  if (!incoming || g_dbus_message_get_message_type (message) != G_DBUS_MESSAGE_TYPE_METHOD_CALL)
    return message;
  /* GetManagedObjects first: off a driver root it gets one answer on
   * every path, objects or none, which hides nothing */
  if (g_strcmp0 (g_dbus_message_get_member (message), "GetManagedObjects") != 0 ||
      g_strcmp0 (g_dbus_message_get_interface (message), "org.freedesktop.DBus.ObjectManager") != 0)
    return vb_service_take_gdbus_answered (service, message) ? NULL : message;
  call = g_new0 (ManagedObjectsCall, 1);
  call->service = service;
  call->message = message; /* the filter's reference */
  g_main_context_invoke (service->context, handle_managed_objects, call);
  return NULL;
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
  g_clear_pointer (&sd->scheduler_type, g_variant_unref);
  g_free (sd->root_path);
  g_free (sd);
}

/* Runs in GDBus's worker thread: notes the time of every incoming call. */
static GDBusMessage *
activity_filter (GDBusConnection *bus, GDBusMessage *message, gboolean incoming, gpointer user_data)
{
  VbService *service = user_data;

  if (incoming && g_dbus_message_get_message_type (message) == G_DBUS_MESSAGE_TYPE_METHOD_CALL)
    __atomic_store_n (&service->last_activity, g_get_monotonic_time (), __ATOMIC_RELAXED);
  return message;
}

double
vb_service_idle_seconds (VbService *service)
{
  gint64 last = __atomic_load_n (&service->last_activity, __ATOMIC_RELAXED);

  return (g_get_monotonic_time () - last) / (double) G_USEC_PER_SEC;
}

gboolean
vb_service_is_busy (VbService *service)
{
  for (guint i = 0; i < service->drivers->len; i++) {
    VbServiceDriver *sd = g_ptr_array_index (service->drivers, i);
    if (vb_driver_is_busy (sd->driver))
      return TRUE;
  }
  return FALSE;
}

VbService *
vb_service_new (GDBusConnection *bus, gboolean system_bus)
{
  VbService *service = g_new0 (VbService, 1);

  service->bus = g_object_ref (bus);
  service->system_bus = system_bus;
  /* the session bus is the user's own: only the system bus asks polkit */
  service->auth = vb_auth_new (bus, system_bus);
  service->context = g_main_context_ref_thread_default ();
  service->last_activity = g_get_monotonic_time ();
  service->activity_filter_id = g_dbus_connection_add_filter (bus, activity_filter, service, NULL);
  if (vb_auth_is_enforcing (service->auth))
    service->filter_id = g_dbus_connection_add_filter (bus, system_bus_filter, service, NULL);
  service->drivers = g_ptr_array_new_with_free_func ((GDestroyNotify) service_driver_free);
  g_mutex_init (&service->drivers_lock);
  export_virtbus (service);
  return service;
}

void
vb_service_free (VbService *service)
{
  if (service == NULL)
    return;
  if (service->filter_id)
    g_dbus_connection_remove_filter (service->bus, service->filter_id);
  g_dbus_connection_remove_filter (service->bus, service->activity_filter_id);
  g_ptr_array_unref (service->drivers);
  g_mutex_clear (&service->drivers_lock);
  unexport_virtbus (service);
  vb_auth_free (service->auth);
  g_main_context_unref (service->context);
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
  /* the system bus filter looks drivers up from GDBus's worker thread */
  g_mutex_lock (&service->drivers_lock);
  g_ptr_array_add (service->drivers, sd);
  g_mutex_unlock (&service->drivers_lock);

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
  g_signal_connect (driver, "event", G_CALLBACK (on_event), sd);
  g_signal_connect (driver, "domain-changed", G_CALLBACK (on_domain_changed), sd);
  g_signal_connect (driver, "network-changed", G_CALLBACK (on_network_changed), sd);
  g_signal_connect (driver, "network-added", G_CALLBACK (on_network_added), sd);
  g_signal_connect (driver, "network-removed", G_CALLBACK (on_network_removed), sd);
  return TRUE;
}
