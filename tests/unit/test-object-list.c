/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-error.h"
#include "vb-network-def.h"
#include "vb-network.h"
#include "vb-object-list.h"
#include "vb-test-common.h"

/* The registry of one kind on its own: its indexes, its order and its
 * three signals, with networks as the kind. */

typedef struct {
  GPtrArray *seen; /* "signal name[ property]" */
} Log;

static void
on_added (VbObjectList *list, VbObject *object, Log *log)
{
  g_ptr_array_add (log->seen, g_strdup_printf ("added %s", vb_object_get_name (object)));
}

static void
on_removed (VbObjectList *list, VbObject *object, Log *log)
{
  /* still alive, and already out of the indexes */
  g_assert_false (vb_object_list_contains (list, object));
  g_ptr_array_add (log->seen, g_strdup_printf ("removed %s", vb_object_get_name (object)));
}

static void
on_changed (VbObjectList *list, VbObject *object, GParamSpec *pspec, Log *log)
{
  g_ptr_array_add (log->seen, g_strdup_printf ("changed %s %s", vb_object_get_name (object), pspec->name));
}

static VbNetwork *
new_network (const char *name, const char *uuid)
{
  g_autofree char *xml = g_strdup_printf ("<network><name>%s</name><uuid>%s</uuid></network>", name, uuid);
  g_autoptr(GError) error = NULL;
  VbNetworkDef *def = vb_network_def_parse (xml, VB_NETWORK_PARSE_NO_GENERATE_MAC, &error);

  g_assert_no_error (error);
  return vb_network_new (def, TRUE);
}

static gboolean
only_autostart (VbObject *object, guint flags)
{
  return vb_object_get_autostart (object);
}

static void
test_object_list (void)
{
  g_autoptr(VbObjectList) list = vb_object_list_new (VB_TYPE_NETWORK);
  g_autoptr(VbNetwork) a = new_network ("a", "0b1c7a52-2b7e-4bd0-8a7e-5a3c33f0c0aa");
  g_autoptr(VbNetwork) b = new_network ("b", "1b1c7a52-2b7e-4bd0-8a7e-5a3c33f0c0aa");
  g_autoptr(VbNetworkDef) renamed = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) autostarted = NULL;
  Log log = { g_ptr_array_new_with_free_func (g_free) };

  g_signal_connect (list, "added", G_CALLBACK (on_added), &log);
  g_signal_connect (list, "removed", G_CALLBACK (on_removed), &log);
  g_signal_connect (list, "changed", G_CALLBACK (on_changed), &log);

  vb_object_list_add (list, VB_OBJECT (b));
  vb_object_list_add (list, VB_OBJECT (a));
  vb_test_assert_strings (log.seen, (const char *const[]) { "added b", "added a", NULL });
  g_assert_cmpuint (vb_object_list_get_length (list), ==, 2);
  g_assert_true (vb_object_list_get_nth (list, 0) == VB_OBJECT (b));
  g_assert_true (vb_object_list_lookup_by_name (list, "a") == VB_OBJECT (a));
  g_assert_true (vb_object_list_lookup_by_uuid (list, vb_network_get_uuid (b)) == VB_OBJECT (b));

  /* every property change of a member, one handler for all */
  vb_network_set_autostart (a, TRUE);
  vb_network_set_autostart (a, TRUE);
  vb_test_assert_strings (log.seen, (const char *const[]) { "changed a autostart", NULL });
  all = vb_object_list_collect (list, only_autostart, 0);
  autostarted = vb_object_list_collect (list, only_autostart, 1);
  g_assert_cmpuint (all->len, ==, 2);
  g_assert_cmpuint (autostarted->len, ==, 1);
  g_assert_true (g_ptr_array_index (autostarted, 0) == a);

  /* a new name is indexed, the old one freed */
  renamed = vb_network_def_copy (vb_network_get_def (a));
  vb_object_def_set_name (VB_OBJECT (a), renamed, "c");
  vb_network_set_def (a, g_steal_pointer (&renamed));
  vb_test_assert_strings (log.seen, (const char *const[]) { "changed c name", NULL });
  g_assert_null (vb_object_list_lookup_by_name (list, "a"));
  g_assert_true (vb_object_list_lookup_by_name (list, "c") == VB_OBJECT (a));

  vb_object_list_remove (list, VB_OBJECT (a));
  vb_object_list_remove (list, VB_OBJECT (a));
  vb_test_assert_strings (log.seen, (const char *const[]) { "removed c", NULL });
  g_assert_null (vb_object_list_lookup_by_name (list, "c"));
  g_assert_cmpuint (vb_object_list_get_length (list), ==, 1);
  /* out of the list, its changes are no longer told */
  vb_network_set_autostart (a, FALSE);
  g_assert_cmpuint (log.seen->len, ==, 0);
  g_ptr_array_unref (log.seen);
}

/* The state refusals drivers share for networks. */
static void
test_network_checks (void)
{
  g_autoptr(VbNetwork) net = new_network ("n", "0b1c7a52-2b7e-4bd0-8a7e-5a3c33f0c0aa");
  g_autoptr(GError) error = NULL;

  g_assert_true (vb_network_check_not_active (net, NULL));
  g_assert_false (vb_network_check_active (net, &error));
  vb_test_assert_error (error, VB_ERROR, VB_ERROR_INVALID_STATE, "network 'n' is not active");
  g_clear_error (&error);
  vb_network_set_active (net, TRUE);
  g_assert_true (vb_network_check_active (net, NULL));
  g_assert_false (vb_network_check_not_active (net, &error));
  vb_test_assert_error (error, VB_ERROR, VB_ERROR_INVALID_STATE, "network 'n' is already running");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/object-list/indexes-and-signals", test_object_list);
  g_test_add_func ("/object-list/network-checks", test_network_checks);
  return g_test_run ();
}
