/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib/gstdio.h>
#include <string.h>

#include "vb-define.h"
#include "vb-domain-def.h"
#include "vb-error.h"
#include "vb-network-def.h"
#include "vb-test-common.h"

/* The core's define path on its own: a driver that is nothing but a
 * registry, defining domains and networks into a config store in a
 * temporary directory, with the events it reports recorded. */

#define FOO_UUID "a5c1fd6b-6a6a-4e0c-9c4e-3a7b2f0d5e11"
#define BAR_UUID "3c0e3f8a-7d52-4b8e-9d1c-6e2f4a5b7c90"
#define NET_UUID "0b1c7a52-2b7e-4bd0-8a7e-5a3c33f0c0aa"

typedef struct {
  char *dir;
  VbConfigStore *store;
  VbConfigStore *net_store; /* one store per kind, as in the drivers */
  VbDriver *driver;
  VbDefineConfig domains;
  VbDefineConfig networks;
  GPtrArray *events; /* "name event detail" */
  guint busy_asked;
  guint changed;
  guint undefined;
} Fixture;

static char *
domain_xml (const char *name, const char *uuid, guint vcpus)
{
  return g_strdup_printf ("<domain type='test'><name>%s</name><uuid>%s</uuid>"
                          "<memory>1048576</memory><vcpu>%u</vcpu><os><type>hvm</type></os></domain>",
                          name, uuid, vcpus);
}

static void
on_event (VbDriver *driver, GObject *object, const VbEvent *event, Fixture *f)
{
  if (event->kind == VB_EVENT_DOMAIN_LIFECYCLE)
    g_ptr_array_add (f->events, g_strdup_printf ("%s %d %d", vb_domain_get_name (VB_DOMAIN (object)),
                                                 event->lifecycle.event, event->lifecycle.detail));
  else if (event->kind == VB_EVENT_NETWORK_LIFECYCLE)
    g_ptr_array_add (f->events, g_strdup_printf ("%s %d", vb_network_get_name (VB_NETWORK (object)),
                                                 event->network_lifecycle.event));
}

/* A post-parse hook that refuses one name, as a driver's capability
 * check refuses what it cannot run. */
static gboolean
refuse_forbidden (gpointer def, const char *xml, gpointer data, GError **error)
{
  if (g_strcmp0 (((VbDomainDef *) def)->name, "forbidden") == 0) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "forbidden");
    return FALSE;
  }
  return TRUE;
}

static void
count_changed (VbObject *object, gpointer data)
{
  ((Fixture *) data)->changed++;
}

static void
count_undefined (VbObject *object, gpointer data)
{
  ((Fixture *) data)->undefined++;
}

static void
new_driver (Fixture *f)
{
  g_autofree char *config = g_build_filename (f->dir, "config", NULL);
  g_autofree char *run = g_build_filename (f->dir, "run", NULL);
  g_autofree char *net_config = g_build_filename (config, "networks", NULL);
  g_autofree char *net_run = g_build_filename (run, "networks", NULL);
  g_autoptr(GError) error = NULL;

  g_clear_object (&f->driver);
  g_clear_object (&f->store);
  g_clear_object (&f->net_store);
  f->store = vb_config_store_new (config, run, &error);
  g_assert_no_error (error);
  f->net_store = vb_config_store_new (net_config, net_run, &error);
  g_assert_no_error (error);
  f->driver = vb_test_bare_driver_new ();
  g_signal_connect (f->driver, "event", G_CALLBACK (on_event), f);
  f->domains = (VbDefineConfig) {
    .kind = VB_TYPE_DOMAIN,
    .post_parse = refuse_forbidden,
    .changed = count_changed,
    .undefined = count_undefined,
    .data = f,
    .store = f->store,
    .undefine_active = VB_UNDEFINE_ACTIVE_TRANSIENT,
  };
  f->networks = (VbDefineConfig) {
    .kind = VB_TYPE_NETWORK,
    .parse_flags = VB_NETWORK_PARSE_NO_GENERATE_MAC,
    .data = f,
    .store = f->net_store,
    .key_by_name = TRUE,
    .undefine_active = VB_UNDEFINE_ACTIVE_REFUSE,
  };
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("vb-test-define-XXXXXX", &error);
  g_assert_no_error (error);
  f->events = g_ptr_array_new_with_free_func (g_free);
  new_driver (f);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir))) {
    g_autofree char *child = g_build_filename (path, name, NULL);

    if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
      remove_tree (child);
    else
      g_unlink (child);
  }
  g_rmdir (path);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->driver);
  g_clear_object (&f->store);
  g_clear_object (&f->net_store);
  remove_tree (f->dir);
  g_free (f->dir);
  g_ptr_array_unref (f->events);
}

static VbDomain *
define_domain (Fixture *f, const char *name, const char *uuid, guint vcpus, GError **error)
{
  g_autofree char *xml = domain_xml (name, uuid, vcpus);
  gpointer def = vb_define_parse (&f->domains, xml, error);

  return def ? VB_DOMAIN (vb_define (f->driver, &f->domains, def, error)) : NULL;
}

static char *
stored_path (VbConfigStore *store, const char *key)
{
  g_autofree char *file = g_strconcat (key, ".xml", NULL);

  return g_build_filename (vb_config_store_get_config_dir (store), file, NULL);
}

static void
test_define_new_and_update (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VbDomain) dom = define_domain (f, "foo", FOO_UUID, 1, &error);
  g_autoptr(VbDomain) again = NULL;
  g_autofree char *path = stored_path (f->store, FOO_UUID);
  g_autofree char *stored = NULL;

  g_assert_no_error (error);
  g_assert_true (vb_driver_lookup_domain_by_name (f->driver, "foo") == dom);
  g_assert_true (vb_domain_is_persistent (dom));
  vb_config_store_wait_written ();
  g_assert_true (g_file_get_contents (path, &stored, NULL, NULL));
  g_assert_nonnull (strstr (stored, ">1</vcpu>"));
  vb_test_assert_strings (f->events, (const char *const[]) { "foo 0 0", NULL });

  /* the same name and UUID: the same object, its definition replaced */
  again = define_domain (f, "foo", FOO_UUID, 3, &error);
  g_assert_no_error (error);
  g_assert_true (again == dom);
  g_assert_cmpuint (vb_domain_get_def (dom)->vcpus, ==, 3);
  g_assert_cmpuint (vb_driver_get_n_domains (f->driver), ==, 1);
  g_clear_pointer (&stored, g_free);
  vb_config_store_wait_written ();
  g_assert_true (g_file_get_contents (path, &stored, NULL, NULL));
  g_assert_nonnull (strstr (stored, ">3</vcpu>"));
  g_assert_cmpuint (f->changed, ==, 1);
  vb_test_assert_strings (f->events, (const char *const[]) { "foo 0 1", NULL });
}

static void
test_define_refuses_duplicates (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VbDomain) dom = define_domain (f, "foo", FOO_UUID, 1, &error);
  g_autoptr(VbDomain) other = NULL;
  g_autofree char *bar_path = stored_path (f->store, BAR_UUID);

  g_assert_no_error (error);
  g_ptr_array_set_size (f->events, 0);

  /* another UUID under a name in use */
  other = define_domain (f, "foo", BAR_UUID, 1, &error);
  g_assert_error (error, VB_ERROR, VB_ERROR_EXISTS);
  g_assert_null (other);
  g_clear_error (&error);
  vb_config_store_wait_written ();
  g_assert_false (g_file_test (bar_path, G_FILE_TEST_EXISTS));

  /* another name for a UUID in use */
  other = define_domain (f, "bar", FOO_UUID, 2, &error);
  g_assert_error (error, VB_ERROR, VB_ERROR_EXISTS);
  g_assert_null (other);
  g_clear_error (&error);

  /* the post-parse hook refuses before anything is looked at */
  other = define_domain (f, "forbidden", BAR_UUID, 1, &error);
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG);
  g_assert_null (other);

  g_assert_cmpuint (vb_driver_get_n_domains (f->driver), ==, 1);
  g_assert_cmpstr (vb_domain_get_name (dom), ==, "foo");
  g_assert_cmpuint (vb_domain_get_def (dom)->vcpus, ==, 1);
  g_assert_cmpuint (f->events->len, ==, 0);
}

static void
test_undefine (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VbDomain) foo = define_domain (f, "foo", FOO_UUID, 1, &error);
  g_autoptr(VbDomain) bar = define_domain (f, "bar", BAR_UUID, 1, &error);
  g_autofree char *foo_path = stored_path (f->store, FOO_UUID);
  g_autofree char *bar_path = stored_path (f->store, BAR_UUID);

  g_assert_no_error (error);
  g_assert_true (vb_define_set_autostart (&f->domains, VB_OBJECT (foo), TRUE, &error));
  g_assert_no_error (error);
  g_ptr_array_set_size (f->events, 0);

  /* a running domain stays, transient */
  vb_domain_set_live_def (foo, vb_domain_def_copy (vb_domain_get_def (foo)));
  vb_domain_set_state (foo, VB_DOMAIN_RUNNING, VB_DOMAIN_RUNNING_BOOTED);
  g_assert_true (vb_define_undefine (f->driver, &f->domains, VB_OBJECT (foo), &error));
  g_assert_no_error (error);
  g_assert_true (vb_driver_lookup_domain_by_uuid (f->driver, vb_domain_get_uuid (foo)) == foo);
  g_assert_false (vb_domain_is_persistent (foo));
  g_assert_false (vb_domain_get_autostart (foo));
  vb_config_store_wait_written ();
  g_assert_false (g_file_test (foo_path, G_FILE_TEST_EXISTS));
  g_assert_false (vb_config_store_get_autostart (f->store, FOO_UUID));

  /* and a transient one cannot be undefined */
  g_assert_false (vb_define_undefine (f->driver, &f->domains, VB_OBJECT (foo), &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_STATE);
  g_clear_error (&error);

  /* an inactive one leaves the registry */
  g_assert_true (vb_define_undefine (f->driver, &f->domains, VB_OBJECT (bar), &error));
  g_assert_no_error (error);
  g_assert_null (vb_driver_lookup_domain_by_name (f->driver, "bar"));
  vb_config_store_wait_written ();
  g_assert_false (g_file_test (bar_path, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (f->undefined, ==, 2);
  vb_test_assert_strings (f->events, (const char *const[]) { "foo 1 0", "bar 1 0", NULL });
}

static void
test_create_target (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VbDomain) foo = define_domain (f, "foo", FOO_UUID, 1, &error);
  g_autofree char *xml = domain_xml ("foo", FOO_UUID, 2);
  g_autofree char *bar_xml = domain_xml ("bar", BAR_UUID, 2);
  g_autoptr(VbDomainDef) def = vb_define_parse (&f->domains, xml, &error);
  g_autoptr(VbDomainDef) bar_def = vb_define_parse (&f->domains, bar_xml, &error);
  g_autoptr(VbObject) target = NULL;
  gboolean is_new = TRUE;

  g_assert_no_error (error);
  /* the defined, inactive domain runs it */
  target = vb_define_create_target (f->driver, &f->domains, def, &is_new, &error);
  g_assert_no_error (error);
  g_assert_true (target == VB_OBJECT (foo));
  g_assert_false (is_new);
  g_clear_object (&target);

  /* not while it runs */
  vb_domain_set_state (foo, VB_DOMAIN_RUNNING, VB_DOMAIN_RUNNING_BOOTED);
  target = vb_define_create_target (f->driver, &f->domains, def, &is_new, &error);
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_STATE);
  g_assert_null (target);
  g_clear_error (&error);

  /* a new one is transient and not registered yet */
  target = vb_define_create_target (f->driver, &f->domains, bar_def, &is_new, &error);
  g_assert_no_error (error);
  g_assert_true (is_new);
  g_assert_false (vb_object_is_persistent (target));
  g_assert_cmpstr (vb_object_get_name (target), ==, "bar");
  g_assert_null (vb_driver_lookup_domain_by_name (f->driver, "bar"));
}

static void
test_rename (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VbDomain) foo = define_domain (f, "foo", FOO_UUID, 1, &error);
  g_autoptr(VbDomain) bar = define_domain (f, "bar", BAR_UUID, 1, &error);
  g_autofree char *path = stored_path (f->store, FOO_UUID);
  g_autofree char *stored = NULL;

  g_assert_no_error (error);
  g_ptr_array_set_size (f->events, 0);

  g_assert_false (vb_define_rename (f->driver, &f->domains, VB_OBJECT (foo), "bar", &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_false (vb_define_rename (f->driver, &f->domains, VB_OBJECT (foo), "a/b", &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARG);
  g_clear_error (&error);

  g_assert_true (vb_define_rename (f->driver, &f->domains, VB_OBJECT (foo), "baz", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (vb_domain_get_name (foo), ==, "baz");
  g_assert_true (vb_driver_lookup_domain_by_name (f->driver, "baz") == foo);
  g_assert_null (vb_driver_lookup_domain_by_name (f->driver, "foo"));
  vb_config_store_wait_written ();
  g_assert_true (g_file_get_contents (path, &stored, NULL, NULL));
  g_assert_nonnull (strstr (stored, "<name>baz</name>"));
  vb_test_assert_strings (f->events, (const char *const[]) { "baz 1 1", "baz 0 2", NULL });

  /* the old name is free again */
  g_assert_true (vb_define_rename (f->driver, &f->domains, VB_OBJECT (bar), "foo", &error));
  g_assert_no_error (error);
  g_assert_true (vb_driver_lookup_domain_by_name (f->driver, "foo") == bar);

  /* a running domain keeps its name */
  vb_domain_set_state (bar, VB_DOMAIN_RUNNING, VB_DOMAIN_RUNNING_BOOTED);
  g_assert_false (vb_define_rename (f->driver, &f->domains, VB_OBJECT (bar), "qux", &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_STATE);
}

static void
test_persist_and_reload (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VbDomain) foo = define_domain (f, "foo", FOO_UUID, 2, &error);
  g_autoptr(VbDomain) bar = define_domain (f, "bar", BAR_UUID, 1, &error);
  const char *net_xml = "<network><name>n1</name><uuid>" NET_UUID "</uuid><bridge name='virbr9'/></network>";
  g_autoptr(VbNetworkDef) net_def = vb_define_parse (&f->networks, net_xml, &error);
  g_autoptr(VbObject) net = vb_define (f->driver, &f->networks, g_steal_pointer (&net_def), &error);
  g_autofree char *net_path = stored_path (f->net_store, "n1");
  VbDomain *loaded;
  VbNetwork *loaded_net;

  g_assert_no_error (error);
  g_assert_true (vb_define_set_autostart (&f->domains, VB_OBJECT (foo), TRUE, &error));
  g_assert_true (vb_define_set_autostart (&f->networks, net, TRUE, &error));
  g_assert_no_error (error);
  /* networks keep the name as their key */
  vb_config_store_wait_written ();
  g_assert_true (g_file_test (net_path, G_FILE_TEST_EXISTS));
  g_clear_object (&foo);
  g_clear_object (&bar);
  g_clear_object (&net);

  new_driver (f);
  vb_define_load_all (f->driver, &f->domains, NULL);
  vb_define_load_all (f->driver, &f->networks, NULL);
  g_assert_cmpuint (vb_driver_get_n_domains (f->driver), ==, 2);
  loaded = vb_driver_lookup_domain_by_name (f->driver, "foo");
  g_assert_nonnull (loaded);
  g_assert_cmpstr (vb_domain_get_uuid_string (loaded), ==, FOO_UUID);
  g_assert_cmpuint (vb_domain_get_def (loaded)->vcpus, ==, 2);
  g_assert_true (vb_domain_is_persistent (loaded));
  g_assert_true (vb_domain_get_autostart (loaded));
  g_assert_false (vb_domain_get_autostart (vb_driver_lookup_domain_by_name (f->driver, "bar")));
  loaded_net = vb_driver_lookup_network_by_name (f->driver, "n1");
  g_assert_nonnull (loaded_net);
  g_assert_true (vb_network_get_autostart (loaded_net));
  g_assert_cmpuint (f->events->len, ==, 3);

  /* a network that runs cannot be undefined under the refusing rule */
  vb_network_set_active (loaded_net, TRUE);
  g_assert_false (vb_define_undefine (f->driver, &f->networks, VB_OBJECT (loaded_net), &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_STATE);
  vb_config_store_wait_written ();
  g_assert_true (g_file_test (net_path, G_FILE_TEST_EXISTS));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/define/new-and-update", test_define_new_and_update);
  ADD ("/define/refuses-duplicates", test_define_refuses_duplicates);
  ADD ("/define/undefine", test_undefine);
  ADD ("/define/create-target", test_create_target);
  ADD ("/define/rename", test_rename);
  ADD ("/define/persist-and-reload", test_persist_and_reload);
#undef ADD
  return g_test_run ();
}
