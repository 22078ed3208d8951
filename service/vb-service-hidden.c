/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-service.h"

/* Calls GDBus answers itself, answered per caller.
 *
 * On an exported object GDBus answers some calls without our code: Introspect,
 * and calls that fit none of the object's interfaces (unknown member, wrong
 * signature, unknown property).  Its answers there differ from those on a path
 * where no object is, and a folder's Introspect (…/domain) names every child.
 * On the system bus such calls are taken off the bus (a message filter, in
 * GDBus's worker thread) and answered on the main loop: for a caller who may
 * not see the object, as GDBus answers where no object is; otherwise the call
 * is sent again, from the daemon to itself, for GDBus to answer, and that
 * answer is relayed, with the folder's hidden children left out.
 *
 * A replay can never run a method: the filter takes only calls that reach no
 * handler, and vb_auth refuses whatever the daemon would ask of itself. */

#define OBJECT_KEY "vb-object"
#define PROPERTIES_IFACE "org.freedesktop.DBus.Properties"
#define INTROSPECTABLE_IFACE "org.freedesktop.DBus.Introspectable"

void
vb_service_set_exported_object (GDBusObjectSkeleton *skeleton, gpointer object)
{
  g_object_set_data_full (G_OBJECT (skeleton), OBJECT_KEY, g_object_ref (object), g_object_unref);
}

static gboolean
is_introspect (GDBusMessage *message)
{
  return g_strcmp0 (g_dbus_message_get_interface (message), INTROSPECTABLE_IFACE) == 0 &&
         g_strcmp0 (g_dbus_message_get_member (message), "Introspect") == 0;
}

static GDBusInterfaceInfo *
object_interface_info (GDBusObject *object, const char *name)
{
  g_autoptr(GDBusInterface) iface = name ? g_dbus_object_get_interface (object, name) : NULL;

  return iface ? g_dbus_interface_skeleton_get_info (G_DBUS_INTERFACE_SKELETON (iface)) : NULL;
}

static gboolean
fits_properties_call (GDBusObject *object, const char *member, GVariant *body)
{
  const char *iface_name = NULL;
  const char *prop_name = NULL;
  g_autoptr(GVariant) value = NULL;
  GDBusInterfaceInfo *info;
  GDBusPropertyInfo *prop;

  if (g_str_equal (member, "GetAll") && g_variant_is_of_type (body, G_VARIANT_TYPE ("(s)"))) {
    g_variant_get (body, "(&s)", &iface_name);
    return object_interface_info (object, iface_name) != NULL;
  }
  if (g_str_equal (member, "Get") && g_variant_is_of_type (body, G_VARIANT_TYPE ("(ss)")))
    g_variant_get (body, "(&s&s)", &iface_name, &prop_name);
  else if (g_str_equal (member, "Set") && g_variant_is_of_type (body, G_VARIANT_TYPE ("(ssv)")))
    g_variant_get (body, "(&s&sv)", &iface_name, &prop_name, &value);
  else
    return FALSE;
  info = object_interface_info (object, iface_name);
  prop = info ? g_dbus_interface_info_lookup_property (info, prop_name) : NULL;
  if (prop == NULL)
    return FALSE;
  if (value == NULL)
    return (prop->flags & G_DBUS_PROPERTY_INFO_FLAGS_READABLE) != 0;
  return (prop->flags & G_DBUS_PROPERTY_INFO_FLAGS_WRITABLE) != 0 &&
         g_str_equal (g_variant_get_type_string (value), prop->signature);
}

static gboolean
fits_method (GDBusObject *object, const char *iface_name, const char *member, GVariant *body)
{
  GDBusInterfaceInfo *info = object_interface_info (object, iface_name);
  GDBusMethodInfo *method = info ? g_dbus_interface_info_lookup_method (info, member) : NULL;
  g_autoptr(GString) in = g_string_new ("(");

  if (method == NULL)
    return FALSE;
  for (guint i = 0; method->in_args && method->in_args[i]; i++)
    g_string_append (in, method->in_args[i]->signature);
  g_string_append_c (in, ')');
  return g_str_equal (in->str, body ? g_variant_get_type_string (body) : "()");
}

/* Whether GDBus hands @message to an interface's handler, where the object's
 * authorization hides it, or answers it alike for every path (Peer). */
static gboolean
reaches_handler (GDBusObject *object, GDBusMessage *message)
{
  const char *iface_name = g_dbus_message_get_interface (message);
  const char *member = g_dbus_message_get_member (message);
  GVariant *body = g_dbus_message_get_body (message);

  if (iface_name == NULL || member == NULL)
    return FALSE;
  if (g_str_equal (iface_name, "org.freedesktop.DBus.Peer"))
    return TRUE;
  if (g_str_equal (iface_name, PROPERTIES_IFACE))
    return body != NULL && fits_properties_call (object, member, body);
  return fits_method (object, iface_name, member, body);
}

/* The driver whose tree holds @path, or NULL; any thread. */
static VbServiceDriver *
find_driver (VbService *service, const char *path)
{
  VbServiceDriver *found = NULL;

  g_mutex_lock (&service->drivers_lock);
  for (guint i = 0; i < service->drivers->len && found == NULL; i++) {
    VbServiceDriver *sd = g_ptr_array_index (service->drivers, i);
    gsize len = strlen (sd->root_path);

    if (strncmp (path, sd->root_path, len) == 0 && path[len] == '/')
      found = sd;
  }
  g_mutex_unlock (&service->drivers_lock);
  return found;
}

typedef struct {
  VbService *service;
  VbServiceDriver *sd;
  GDBusMessage *message;
  gpointer object;  /* the VbObject at the path, or NULL for a folder */
} HiddenCall;

static void
hidden_call_free (HiddenCall *call)
{
  g_object_unref (call->message);
  g_clear_object (&call->object);
  g_free (call);
}

static void
send_reply (HiddenCall *call, GDBusMessage *reply)
{
  if (g_dbus_message_get_flags (call->message) & G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED)
    return;
  vb_service_send_message (call->service->bus, reply);
}

/* The child named on a line of GDBus's introspection, or NULL. */
static char *
child_node_name (const char *line)
{
  const char *start = strstr (line, "<node name=\"");

  if (start == NULL)
    return NULL;
  start += strlen ("<node name=\"");
  return g_strndup (start, strcspn (start, "\""));
}

/* Leaves out of a folder's introspection the children in @hidden. */
static char *
without_children (const char *xml, GHashTable *hidden)
{
  g_auto(GStrv) lines = g_strsplit (xml, "\n", -1);
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; lines[i]; i++) {
    const char *line = lines[i];
    g_autofree char *name = child_node_name (line);

    if (name && g_hash_table_contains (hidden, name))
      continue;
    g_string_append (out, line);
    if (lines[i + 1])
      g_string_append_c (out, '\n');
  }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

typedef struct {
  HiddenCall *call;
  GDBusMessage *reply;
  GPtrArray *children; /* VbObject*, refs */
  GHashTable *names;   /* VbObject* → its node's name */
} FolderData;

static void
reply_folder (VbServiceDriver *sd, GPtrArray *visible, gpointer user_data)
{
  FolderData *data = user_data;
  HiddenCall *call = data->call;
  g_autoptr(GHashTable) hidden = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GDBusMessage) reply = g_dbus_message_new_method_reply (call->message);
  GHashTableIter iter;
  gpointer name;
  const char *xml = NULL;
  g_autofree char *filtered = NULL;

  g_hash_table_iter_init (&iter, data->names);
  while (g_hash_table_iter_next (&iter, NULL, &name))
    g_hash_table_add (hidden, name);
  for (guint i = 0; i < visible->len; i++)
    g_hash_table_remove (hidden, g_hash_table_lookup (data->names, g_ptr_array_index (visible, i)));
  g_variant_get (g_dbus_message_get_body (data->reply), "(&s)", &xml);
  filtered = without_children (xml, hidden);
  g_dbus_message_set_body (reply, g_variant_new ("(s)", filtered));
  send_reply (call, reply);
  g_ptr_array_unref (data->children);
  g_hash_table_unref (data->names);
  g_object_unref (data->reply);
  g_free (data);
  hidden_call_free (call);
}

static void
filter_folder (HiddenCall *call, GDBusMessage *reply)
{
  const char *path = g_dbus_message_get_path (call->message);
  FolderData *data = g_new0 (FolderData, 1);
  const char *xml = NULL;
  g_auto(GStrv) lines = NULL;

  data->call = call;
  data->reply = g_object_ref (reply);
  data->children = g_ptr_array_new_with_free_func (g_object_unref);
  data->names = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  g_variant_get (g_dbus_message_get_body (reply), "(&s)", &xml);
  lines = g_strsplit (xml, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    g_autofree char *name = child_node_name (lines[i]);
    g_autofree char *child = NULL;
    g_autoptr(GDBusObject) object = NULL;
    gpointer vb_object;

    if (name == NULL)
      continue;
    child = g_strdup_printf ("%s/%s", path, name);
    object = g_dbus_object_manager_get_object (G_DBUS_OBJECT_MANAGER (call->sd->manager), child);
    vb_object = object ? g_object_get_data (G_OBJECT (object), OBJECT_KEY) : NULL;
    if (vb_object && !g_hash_table_contains (data->names, vb_object)) {
      g_ptr_array_add (data->children, g_object_ref (vb_object));
      g_hash_table_insert (data->names, vb_object, g_steal_pointer (&name));
    }
  }
  vb_service_filter_visible (call->sd, g_dbus_message_get_sender (call->message), data->children,
                             reply_folder, data);
}

static void
on_replayed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  HiddenCall *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusMessage) answer =
    g_dbus_connection_send_message_with_reply_finish (G_DBUS_CONNECTION (source), result, &error);
  g_autoptr(GDBusMessage) reply = NULL;

  if (answer == NULL) {
    reply = g_dbus_message_new_method_error_literal (call->message, "org.freedesktop.DBus.Error.Failed",
                                                     error->message);
  } else if (g_dbus_message_get_message_type (answer) == G_DBUS_MESSAGE_TYPE_ERROR) {
    const char *text = g_dbus_message_get_arg0 (answer);

    reply = g_dbus_message_new_method_error_literal (call->message,
                                                     g_dbus_message_get_error_name (answer),
                                                     text ? text : "");
  } else if (call->object == NULL && is_introspect (call->message) &&
             g_dbus_message_get_body (answer) &&
             g_variant_is_of_type (g_dbus_message_get_body (answer), G_VARIANT_TYPE ("(s)"))) {
    filter_folder (call, answer);
    return;
  } else {
    reply = g_dbus_message_new_method_reply (call->message);
    g_dbus_message_set_body (reply, g_dbus_message_get_body (answer));
  }
  send_reply (call, reply);
  hidden_call_free (call);
}

/* GDBus answers the call, sent again by the daemon, to @path. */
static void
replay (HiddenCall *call, const char *path)
{
  GDBusConnection *bus = call->service->bus;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusMessage) copy = g_dbus_message_copy (call->message, &error);

  if (copy == NULL) {
    g_autoptr(GDBusMessage) reply =
      g_dbus_message_new_method_error_literal (call->message, "org.freedesktop.DBus.Error.Failed",
                                               error->message);

    send_reply (call, reply);
    hidden_call_free (call);
    return;
  }
  g_dbus_message_set_path (copy, path);
  g_dbus_message_set_sender (copy, NULL);
  g_dbus_message_set_destination (copy, g_dbus_connection_get_unique_name (bus));
  g_dbus_message_set_flags (copy, g_dbus_message_get_flags (copy) &
                                    ~G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED);
  g_dbus_connection_send_message_with_reply (bus, copy, G_DBUS_SEND_MESSAGE_FLAGS_NONE, -1, NULL,
                                             NULL, on_replayed, call);
}

static void
on_visibility (GObject *source, GAsyncResult *result, gpointer user_data)
{
  HiddenCall *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusMessage) reply = NULL;
  g_autofree char *absent = NULL;

  if (vb_auth_check_finish (call->service->auth, result, &error) ||
      !g_error_matches (error, VB_ERROR, VB_ERROR_NOT_FOUND)) {
    replay (call, g_dbus_message_get_path (call->message));
    return;
  }
  if (!is_introspect (call->message)) {
    reply = vb_service_unknown_object_error (call->message);
    send_reply (call, reply);
    hidden_call_free (call);
    return;
  }
  /* objects have no children: below one, GDBus describes no object */
  absent = g_strconcat (g_dbus_message_get_path (call->message), "/_", NULL);
  replay (call, absent);
}

static gboolean
handle_hidden_call (gpointer user_data)
{
  HiddenCall *call = user_data;
  const char *path = g_dbus_message_get_path (call->message);
  g_autoptr(GDBusObject) object = NULL;
  gpointer vb_object;
  VbAuthRequest request;

  object = g_dbus_object_manager_get_object (G_DBUS_OBJECT_MANAGER (call->sd->manager), path);
  vb_object = object ? g_object_get_data (G_OBJECT (object), OBJECT_KEY) : NULL;
  if (vb_object == NULL) {
    replay (call, path);
    return G_SOURCE_REMOVE;
  }
  call->object = g_object_ref (vb_object);
  vb_auth_request_for_object (&request, vb_object, vb_driver_get_name (call->sd->driver));
  vb_auth_check_async (call->service->auth, g_dbus_message_get_sender (call->message), &request,
                       (g_dbus_message_get_flags (call->message) &
                        G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION) != 0,
                       NULL, on_visibility, call);
  return G_SOURCE_REMOVE;
}

gboolean
vb_service_take_gdbus_answered (VbService *service, GDBusMessage *message)
{
  const char *path = g_dbus_message_get_path (message);
  const char *sender = g_dbus_message_get_sender (message);
  VbServiceDriver *sd;
  g_autoptr(GDBusObject) object = NULL;
  HiddenCall *call;

  /* our own replays go to GDBus */
  if (path == NULL || g_strcmp0 (sender, g_dbus_connection_get_unique_name (service->bus)) == 0)
    return FALSE;
  sd = find_driver (service, path);
  if (sd == NULL)
    return FALSE;
  object = g_dbus_object_manager_get_object (G_DBUS_OBJECT_MANAGER (sd->manager), path);
  if (object ? reaches_handler (object, message) : !is_introspect (message))
    return FALSE;
  call = g_new0 (HiddenCall, 1);
  call->service = service;
  call->sd = sd;
  call->message = message; /* the filter's reference */
  g_main_context_invoke (service->context, handle_hidden_call, call);
  return TRUE;
}
