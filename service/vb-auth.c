/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-auth.h"

#if VB_HAVE_POLKIT
#include <polkit/polkit.h>
#endif

#include "vb-error.h"

#include <string.h>

/* Unique bus names are never reused during a bus's lifetime, so a caller's
 * credentials can be remembered; the bound only keeps memory in check. */
#define CALLER_CACHE_MAX 4096

struct _VbAuth {
  GDBusConnection *bus;
  gboolean enforce;
#if VB_HAVE_POLKIT
  PolkitAuthority *authority;
  gboolean authority_pending;
  GQueue authority_waiters; /* GTask* waiting for the authority */
  GError *authority_error;
#endif
  GHashTable *callers; /* sender → VbCaller */
};

typedef struct {
  guint32 uid;
  guint32 pid;
} VbCaller;

typedef struct {
  VbAuth *auth;
  char *sender;
  GPtrArray *actions; /* action ids */
  guint pending;
  char **denials;     /* per action: why it was refused, NULL if allowed */
  int getattr_index;  /* the action whose refusal hides the object, or -1 */
#if VB_HAVE_POLKIT
  PolkitDetails *details;
  PolkitSubject *subject;
  PolkitCheckAuthorizationFlags flags;
#endif
  char *object_desc;  /* "domain 'test'" for messages, or NULL */
} CheckData;

/* The object does not exist as far as the caller is concerned: no word on
 * why, so that the answer is the one for an object that is really gone. */
static gboolean
return_if_hidden (GTask *task)
{
  CheckData *data = g_task_get_task_data (task);

  if (data->getattr_index < 0)
    return FALSE;
  g_task_return_new_error (task, VB_ERROR, VB_ERROR_NOT_FOUND, "%s not found",
                           data->object_desc ? data->object_desc : "object");
  return TRUE;
}

static void
check_data_free (CheckData *data)
{
  g_free (data->sender);
  for (guint i = 0; data->denials && i < data->actions->len; i++)
    g_free (data->denials[i]);
  g_free (data->denials);
  g_ptr_array_unref (data->actions);
#if VB_HAVE_POLKIT
  g_clear_object (&data->details);
  g_clear_object (&data->subject);
#endif
  g_free (data->object_desc);
  g_free (data);
}

VbAuth *
vb_auth_new (GDBusConnection *bus, gboolean enforce)
{
  VbAuth *auth = g_new0 (VbAuth, 1);

  auth->bus = g_object_ref (bus);
  auth->enforce = enforce;
  auth->callers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return auth;
}

void
vb_auth_free (VbAuth *auth)
{
  if (auth == NULL)
    return;
#if VB_HAVE_POLKIT
  g_clear_object (&auth->authority);
  g_clear_error (&auth->authority_error);
#endif
  g_hash_table_unref (auth->callers);
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

/* Where an op has no object yet (definitions), its target says the kind. */
static const char *
target_kind (VbOpTarget target)
{
  switch (target) {
  case VB_OP_TARGET_DOMAIN:
    return "domain";
  case VB_OP_TARGET_NETWORK:
    return "network";
  case VB_OP_TARGET_HOST:
  default:
    return NULL;
  }
}

void
vb_auth_request_for_op (VbAuthRequest *request, VbOp op, gpointer object, const char *driver)
{
  const VbOpInfo *info = vb_op_get_info (op);

  if (object) {
    vb_auth_request_for_object (request, object, driver);
  } else {
    memset (request, 0, sizeof *request);
    request->kind = target_kind (info->target);
    request->driver = driver;
  }
  request->manage = info->job || (info->permission && !g_str_equal (info->permission, "read") &&
                                  !g_str_equal (info->permission, "getattr"));
  request->permissions = info->permission;
}

void
vb_auth_request_for_object (VbAuthRequest *request, gpointer object, const char *driver)
{
  memset (request, 0, sizeof *request);
  request->kind = vb_object_get_kind (object);
  request->permissions = "getattr";
  request->driver = driver;
  request->object_name = vb_object_get_name (object);
  request->object_uuid = vb_object_get_uuid_string (object);
  request->hidden_unless_getattr = TRUE;
}

#if VB_HAVE_POLKIT
typedef struct {
  GTask *task;
  guint index;
} ActionCheck;

static void
finish_checks (GTask *task)
{
  CheckData *data = g_task_get_task_data (task);

  if (data->getattr_index >= 0 && data->denials[data->getattr_index] && return_if_hidden (task))
    return;
  /* report the first refused action in the order they were asked for */
  for (guint i = 0; i < data->actions->len; i++) {
    if (data->denials[i]) {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_PERMISSION_DENIED,
                               "access denied: %s%s%s %s",
                               (const char *) g_ptr_array_index (data->actions, i),
                               data->object_desc ? " on " : "",
                               data->object_desc ? data->object_desc : "", data->denials[i]);
      return;
    }
  }
  g_task_return_boolean (task, TRUE);
}

static void
on_check_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ActionCheck *check = user_data;
  g_autoptr(GTask) task = check->task;
  CheckData *data = g_task_get_task_data (task);
  guint i = check->index;
  g_autoptr(GError) error = NULL;
  g_autoptr(PolkitAuthorizationResult) res =
    polkit_authority_check_authorization_finish (POLKIT_AUTHORITY (source), result, &error);

  g_free (check);
  if (res == NULL)
    data->denials[i] = g_strdup_printf ("could not be checked with polkit: %s", error->message);
  else if (polkit_authorization_result_get_is_authorized (res))
    data->denials[i] = NULL;
  else if (polkit_authorization_result_get_dismissed (res))
    data->denials[i] = g_strdup ("was dismissed by the user");
  else if (polkit_authorization_result_get_is_challenge (res))
    data->denials[i] = g_strdup ("needs authentication; call again allowing interactive authorization");
  else
    data->denials[i] = g_strdup ("is not authorized for this caller");
  if (--data->pending == 0)
    finish_checks (task);
}

static void
start_polkit_checks (GTask *task)
{
  CheckData *data = g_task_get_task_data (task);
  VbAuth *auth = data->auth;

  if (auth->authority == NULL) {
    if (!return_if_hidden (task))
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_PERMISSION_DENIED,
                               "access denied: polkit is not available: %s",
                               auth->authority_error ? auth->authority_error->message : "unknown");
    g_object_unref (task);
    return;
  }
  /* All actions at once: the answers come back in one round trip's time
   * instead of one after the other. */
  data->pending = data->actions->len;
  data->denials = g_new0 (char *, data->actions->len);
  for (guint i = 0; i < data->actions->len; i++) {
    ActionCheck *check = g_new0 (ActionCheck, 1);

    check->task = g_object_ref (task);
    check->index = i;
    polkit_authority_check_authorization (auth->authority, data->subject,
                                          g_ptr_array_index (data->actions, i), data->details,
                                          data->flags, g_task_get_cancellable (task),
                                          on_check_done, check);
  }
  g_object_unref (task);
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

#endif

static void
check_caller (GTask *task, const VbCaller *caller)
{
  CheckData *data = g_task_get_task_data (task);

  if (caller->uid == 0) {
    g_task_return_boolean (task, TRUE);
    g_object_unref (task);
    return;
  }
#if VB_HAVE_POLKIT
  /* The caller's process (with its start time and uid, so a reused pid
   * cannot pass for it) rather than its bus name: polkitd then needs no
   * round trips of its own to the bus to find out who asks. */
  data->subject = polkit_unix_process_new_for_owner ((gint) caller->pid, 0, (gint) caller->uid);
  with_authority (data->auth, task);
#else
  /* as libvirt built without polkit: the system bus serves root alone */
  if (!return_if_hidden (task))
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_PERMISSION_DENIED,
                             "access denied: %s needs root: virtbusd was built without polkit",
                             (const char *) g_ptr_array_index (data->actions, 0));
  g_object_unref (task);
#endif
}

static void
on_caller_credentials (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  CheckData *data = g_task_get_task_data (task);
  VbAuth *auth = data->auth;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  g_autoptr(GVariant) creds = NULL;
  VbCaller *caller;

  if (reply == NULL) {
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_PERMISSION_DENIED,
                             "access denied: cannot identify the caller %s: %s", data->sender,
                             error->message);
    g_object_unref (task);
    return;
  }
  creds = g_variant_get_child_value (reply, 0);
  caller = g_new0 (VbCaller, 1);
  if (!g_variant_lookup (creds, "UnixUserID", "u", &caller->uid) ||
      !g_variant_lookup (creds, "ProcessID", "u", &caller->pid)) {
    g_free (caller);
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_PERMISSION_DENIED,
                             "access denied: the bus does not say who %s is", data->sender);
    g_object_unref (task);
    return;
  }
  if (g_hash_table_size (auth->callers) >= CALLER_CACHE_MAX)
    g_hash_table_remove_all (auth->callers);
  g_hash_table_insert (auth->callers, g_strdup (data->sender), caller);
  check_caller (task, caller);
}

/* org.libvirt.api.<kind>.<permission> for each permission of @request,
 * and getattr where a refusal hides the object. */
static void
add_actions (CheckData *data, const VbAuthRequest *request)
{
  g_autofree char *kind = g_strdelimit (g_strdup (request->kind ? request->kind : "connect"), "_", '-');
  g_auto(GStrv) perms = g_strsplit (request->permissions ? request->permissions : "", ",", -1);
  gboolean hides = request->hidden_unless_getattr && request->kind != NULL;

  for (guint i = 0; perms[i]; i++) {
    g_autofree char *perm = g_strdelimit (g_strdup (perms[i]), "_", '-');

    if (*perm == '\0')
      continue;
    if (hides && g_str_equal (perm, "getattr"))
      data->getattr_index = (int) data->actions->len;
    g_ptr_array_add (data->actions, g_strdup_printf ("org.libvirt.api.%s.%s", kind, perm));
  }
  if (hides && data->getattr_index < 0) {
    data->getattr_index = (int) data->actions->len;
    g_ptr_array_add (data->actions, g_strdup_printf ("org.libvirt.api.%s.getattr", kind));
  }
}

void
vb_auth_check_async (VbAuth *auth, const char *sender, const VbAuthRequest *request,
                     gboolean interactive, GCancellable *cancellable,
                     GAsyncReadyCallback callback, gpointer user_data)
{
  /* VbAuth is no GObject: the task carries it in its data */
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  CheckData *data;
  const VbCaller *caller;

  g_task_set_source_tag (task, vb_auth_check_async);

  if (!auth->enforce || sender == NULL) {
    g_task_return_boolean (task, TRUE);
    g_object_unref (task);
    return;
  }
  /* The daemon calls itself only for GDBus to answer what reaches no
   * handler (vb-service-hidden.c): should one reach a handler after all,
   * it must not pass for root. */
  if (g_strcmp0 (sender, g_dbus_connection_get_unique_name (auth->bus)) == 0) {
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_PERMISSION_DENIED,
                             "access denied: virtbusd does not call itself");
    g_object_unref (task);
    return;
  }

  data = g_new0 (CheckData, 1);
  data->auth = auth;
  data->sender = g_strdup (sender);
  data->actions = g_ptr_array_new_with_free_func (g_free);
  data->getattr_index = -1;
  g_ptr_array_add (data->actions, g_strdup (request->manage ? "org.libvirt.unix.manage"
                                                            : "org.libvirt.unix.monitor"));
  add_actions (data, request);
#if VB_HAVE_POLKIT
  data->details = polkit_details_new ();
  if (request->driver)
    polkit_details_insert (data->details, "connect_driver", request->driver);
  if (request->kind) {
    const char *kind = request->kind;
    g_autofree char *name_key = g_strdup_printf ("%s_name", kind);
    g_autofree char *uuid_key = g_strdup_printf ("%s_uuid", kind);

    if (request->object_name) {
      polkit_details_insert (data->details, name_key, request->object_name);
      data->object_desc = g_strdup_printf ("%s '%s'", kind, request->object_name);
    }
    if (request->object_uuid)
      polkit_details_insert (data->details, uuid_key, request->object_uuid);
  }
  data->flags = interactive ? POLKIT_CHECK_AUTHORIZATION_FLAGS_ALLOW_USER_INTERACTION
                            : POLKIT_CHECK_AUTHORIZATION_FLAGS_NONE;
#endif
  g_task_set_task_data (task, data, (GDestroyNotify) check_data_free);

  caller = g_hash_table_lookup (auth->callers, sender);
  if (caller) {
    check_caller (task, caller);
    return;
  }
  g_dbus_connection_call (auth->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "GetConnectionCredentials",
                          g_variant_new ("(s)", sender), G_VARIANT_TYPE ("(a{sv})"),
                          G_DBUS_CALL_FLAGS_NONE, -1, cancellable, on_caller_credentials, task);
}

gboolean
vb_auth_check_finish (VbAuth *auth, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
