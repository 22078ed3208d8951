/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-auth.h"

#include <polkit/polkit.h>

#include "vb-error.h"

#include <string.h>

/* Unique bus names are never reused during a bus's lifetime, so a caller's
 * uid can be remembered; the bound only keeps memory in check. */
#define UID_CACHE_MAX 4096

struct _VbAuth {
  GDBusConnection *bus;
  gboolean enforce;
  PolkitAuthority *authority;
  gboolean authority_pending;
  GQueue authority_waiters; /* GTask* waiting for the authority */
  GError *authority_error;
  GHashTable *uid_cache; /* sender → uid */
};

typedef struct {
  VbAuth *auth;
  char *sender;
  GPtrArray *actions; /* action ids, checked in order */
  guint next;
  PolkitDetails *details;
  PolkitSubject *subject;
  PolkitCheckAuthorizationFlags flags;
  char *object_desc;  /* "domain 'test'" for messages, or NULL */
} CheckData;

static void
check_data_free (CheckData *data)
{
  g_free (data->sender);
  g_ptr_array_unref (data->actions);
  g_clear_object (&data->details);
  g_clear_object (&data->subject);
  g_free (data->object_desc);
  g_free (data);
}

VbAuth *
vb_auth_new (GDBusConnection *bus, gboolean enforce)
{
  VbAuth *auth = g_new0 (VbAuth, 1);

  auth->bus = g_object_ref (bus);
  auth->enforce = enforce;
  auth->uid_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return auth;
}

void
vb_auth_free (VbAuth *auth)
{
  if (auth == NULL)
    return;
  g_clear_object (&auth->authority);
  g_clear_error (&auth->authority_error);
  g_hash_table_unref (auth->uid_cache);
  g_object_unref (auth->bus);
  g_free (auth);
}

gboolean
vb_auth_is_enforcing (VbAuth *auth)
{
  return auth->enforce;
}

gboolean
vb_auth_invocation_is_interactive (GDBusMethodInvocation *invocation)
{
  GDBusMessage *message = g_dbus_method_invocation_get_message (invocation);

  return (g_dbus_message_get_flags (message) &
          G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION) != 0;
}

static const char *
kind_name (VbAuthKind kind)
{
  switch (kind) {
  case VB_AUTH_KIND_DOMAIN:
    return "domain";
  case VB_AUTH_KIND_NETWORK:
    return "network";
  case VB_AUTH_KIND_CONNECT:
  default:
    return "connect";
  }
}

void
vb_auth_request_for_op (VbAuthRequest *request, VbOp op, gpointer object, const char *driver)
{
  const VbOpInfo *info = vb_op_get_info (op);

  memset (request, 0, sizeof *request);
  request->manage = info->job || (info->permission && !g_str_equal (info->permission, "read") &&
                                  !g_str_equal (info->permission, "getattr"));
  request->permissions = info->permission;
  request->driver = driver;
  switch (info->target) {
  case VB_OP_TARGET_DOMAIN:
    request->kind = VB_AUTH_KIND_DOMAIN;
    if (object) {
      request->object_name = vb_domain_get_name (object);
      request->object_uuid = vb_domain_get_uuid_string (object);
    }
    break;
  case VB_OP_TARGET_NETWORK:
    request->kind = VB_AUTH_KIND_NETWORK;
    if (object) {
      request->object_name = vb_network_get_name (object);
      request->object_uuid = vb_network_get_uuid_string (object);
    }
    break;
  case VB_OP_TARGET_HOST:
  default:
    request->kind = VB_AUTH_KIND_CONNECT;
    break;
  }
}

static void check_next_action (GTask *task);

static void
return_denied (GTask *task, const char *action, const char *why)
{
  CheckData *data = g_task_get_task_data (task);

  g_task_return_new_error (task, VB_ERROR, VB_ERROR_PERMISSION_DENIED,
                           "access denied: %s%s%s %s", action,
                           data->object_desc ? " on " : "",
                           data->object_desc ? data->object_desc : "", why);
}

static void
on_check_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  CheckData *data = g_task_get_task_data (task);
  const char *action = g_ptr_array_index (data->actions, data->next - 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(PolkitAuthorizationResult) res =
    polkit_authority_check_authorization_finish (POLKIT_AUTHORITY (source), result, &error);

  if (res == NULL) {
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_PERMISSION_DENIED,
                             "access denied: cannot check %s with polkit: %s", action,
                             error->message);
    return;
  }
  if (polkit_authorization_result_get_is_authorized (res)) {
    check_next_action (g_steal_pointer (&task));
    return;
  }
  if (polkit_authorization_result_get_dismissed (res))
    return_denied (task, action, "was dismissed by the user");
  else if (polkit_authorization_result_get_is_challenge (res))
    return_denied (task, action,
                   "needs authentication; call again allowing interactive authorization");
  else
    return_denied (task, action, "is not authorized for this caller");
}

static void
check_next_action (GTask *task)
{
  CheckData *data = g_task_get_task_data (task);
  VbAuth *auth = data->auth;

  if (data->next >= data->actions->len) {
    g_task_return_boolean (task, TRUE);
    g_object_unref (task);
    return;
  }
  polkit_authority_check_authorization (auth->authority, data->subject,
                                        g_ptr_array_index (data->actions, data->next++),
                                        data->details, data->flags,
                                        g_task_get_cancellable (task), on_check_done, task);
}

static void
start_polkit_checks (GTask *task)
{
  VbAuth *auth = ((CheckData *) g_task_get_task_data (task))->auth;

  if (auth->authority == NULL) {
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_PERMISSION_DENIED,
                             "access denied: polkit is not available: %s",
                             auth->authority_error ? auth->authority_error->message : "unknown");
    g_object_unref (task);
    return;
  }
  check_next_action (task);
}

static void
on_authority (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbAuth *auth = user_data;
  GTask *task;

  auth->authority = polkit_authority_get_finish (result, &auth->authority_error);
  auth->authority_pending = FALSE;
  while ((task = g_queue_pop_head (&auth->authority_waiters)))
    start_polkit_checks (task);
}

static void
with_authority (VbAuth *auth, GTask *task)
{
  if (auth->authority || auth->authority_error) {
    start_polkit_checks (task);
    return;
  }
  g_queue_push_tail (&auth->authority_waiters, task);
  if (!auth->authority_pending) {
    auth->authority_pending = TRUE;
    polkit_authority_get_async (NULL, on_authority, auth);
  }
}

static void
on_caller_uid (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  CheckData *data = g_task_get_task_data (task);
  VbAuth *auth = data->auth;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  guint32 uid;

  if (reply == NULL) {
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_PERMISSION_DENIED,
                             "access denied: cannot identify the caller %s: %s", data->sender,
                             error->message);
    g_object_unref (task);
    return;
  }
  g_variant_get (reply, "(u)", &uid);
  if (g_hash_table_size (auth->uid_cache) >= UID_CACHE_MAX)
    g_hash_table_remove_all (auth->uid_cache);
  g_hash_table_insert (auth->uid_cache, g_strdup (data->sender), GUINT_TO_POINTER (uid));
  if (uid == 0) {
    g_task_return_boolean (task, TRUE);
    g_object_unref (task);
    return;
  }
  with_authority (auth, task);
}

void
vb_auth_check_async (VbAuth *auth, const char *sender, const VbAuthRequest *request,
                     gboolean interactive, GCancellable *cancellable,
                     GAsyncReadyCallback callback, gpointer user_data)
{
  /* VbAuth is no GObject: the task carries it in its data */
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  CheckData *data;
  gpointer cached_uid;

  g_task_set_source_tag (task, vb_auth_check_async);

  if (!auth->enforce || sender == NULL) {
    g_task_return_boolean (task, TRUE);
    g_object_unref (task);
    return;
  }

  data = g_new0 (CheckData, 1);
  data->auth = auth;
  data->sender = g_strdup (sender);
  data->actions = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (data->actions, g_strdup (request->manage ? "org.libvirt.unix.manage"
                                                            : "org.libvirt.unix.monitor"));
  if (request->permissions) {
    g_auto(GStrv) perms = g_strsplit (request->permissions, ",", -1);

    for (guint i = 0; perms[i]; i++) {
      g_autofree char *perm = g_strdelimit (g_strdup (perms[i]), "_", '-');
      g_ptr_array_add (data->actions, g_strdup_printf ("org.libvirt.api.%s.%s",
                                                       kind_name (request->kind), perm));
    }
  }
  data->details = polkit_details_new ();
  if (request->driver)
    polkit_details_insert (data->details, "connect_driver", request->driver);
  if (request->kind != VB_AUTH_KIND_CONNECT) {
    const char *kind = kind_name (request->kind);
    g_autofree char *name_key = g_strdup_printf ("%s_name", kind);
    g_autofree char *uuid_key = g_strdup_printf ("%s_uuid", kind);

    if (request->object_name) {
      polkit_details_insert (data->details, name_key, request->object_name);
      data->object_desc = g_strdup_printf ("%s '%s'", kind, request->object_name);
    }
    if (request->object_uuid)
      polkit_details_insert (data->details, uuid_key, request->object_uuid);
  }
  data->subject = polkit_system_bus_name_new (sender);
  data->flags = interactive ? POLKIT_CHECK_AUTHORIZATION_FLAGS_ALLOW_USER_INTERACTION
                            : POLKIT_CHECK_AUTHORIZATION_FLAGS_NONE;
  g_task_set_task_data (task, data, (GDestroyNotify) check_data_free);

  if (g_hash_table_lookup_extended (auth->uid_cache, sender, NULL, &cached_uid)) {
    if (GPOINTER_TO_UINT (cached_uid) == 0) {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
    with_authority (auth, task);
    return;
  }
  g_dbus_connection_call (auth->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "GetConnectionUnixUser",
                          g_variant_new ("(s)", sender), G_VARIANT_TYPE ("(u)"),
                          G_DBUS_CALL_FLAGS_NONE, -1, cancellable, on_caller_uid, task);
}

gboolean
vb_auth_check_finish (VbAuth *auth, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
