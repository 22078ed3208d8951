/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "virtbus-private.h"

static void
call_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  GVariant *reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  if (reply == NULL) {
    g_task_return_error (task, virtbus_error_from_dbus (error));
    return;
  }
  g_task_return_pointer (task, reply, (GDestroyNotify) g_variant_unref);
}

void
virtbus_call (GDBusConnection *bus, const char *path, const char *iface, const char *method,
              GVariant *params, const char *reply_type, GTask *task)
{
  g_dbus_connection_call (bus, VIRTBUS_BUS_NAME, path, iface, method, params,
                          reply_type ? G_VARIANT_TYPE (reply_type) : NULL,
                          G_DBUS_CALL_FLAGS_NONE, VIRTBUS_CALL_TIMEOUT_MS,
                          g_task_get_cancellable (task), call_done, task);
}

GVariant *
virtbus_call_finish (gpointer source, GAsyncResult *result, gpointer tag, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, source), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tag, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
virtbus_call_finish_void (gpointer source, GAsyncResult *result, gpointer tag, GError **error)
{
  g_autoptr(GVariant) reply = virtbus_call_finish (source, result, tag, error);

  return reply != NULL;
}

char *
virtbus_call_finish_string (gpointer source, GAsyncResult *result, gpointer tag, GError **error)
{
  g_autoptr(GVariant) reply = virtbus_call_finish (source, result, tag, error);
  char *value = NULL;

  if (reply)
    g_variant_get (reply, "(s)", &value);
  return value;
}

struct _VirtbusSync {
  GMainContext *context;
  GAsyncResult *result;
};

VirtbusSync *
virtbus_sync_new (void)
{
  VirtbusSync *sync = g_new0 (VirtbusSync, 1);

  sync->context = g_main_context_new ();
  g_main_context_push_thread_default (sync->context);
  return sync;
}

void
virtbus_sync_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VirtbusSync *sync = user_data;

  sync->result = g_object_ref (result);
}

GAsyncResult *
virtbus_sync_wait (VirtbusSync *sync)
{
  while (sync->result == NULL)
    g_main_context_iteration (sync->context, TRUE);
  return sync->result;
}

void
virtbus_sync_free (VirtbusSync *sync)
{
  g_main_context_pop_thread_default (sync->context);
  g_clear_object (&sync->result);
  /* sources the call left behind (a late GTask completion) die here */
  while (g_main_context_pending (sync->context))
    g_main_context_iteration (sync->context, FALSE);
  g_main_context_unref (sync->context);
  g_free (sync);
}
