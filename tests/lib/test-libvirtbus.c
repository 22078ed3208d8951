/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libvirtbus from C against a real virtbusd: the same core path as
 * tests/lib/test_library.py (connect, list, define from a typed config,
 * start/stop with detailed signals and notify, typed errors).  A private
 * dbus-daemon and a virtbusd ($VIRTBUSD) are spawned per test. */
#include <signal.h>
#include <sys/prctl.h>

#include <virtbus.h>

#define TIMEOUT_S 10

typedef struct {
  GSubprocess *bus;
  GSubprocess *daemon;
  char *bus_dir;
  char *state_dir;
  char *address;
  VirtbusConnection *conn;
} Fixture;

static gboolean
timeout_cb (gpointer user_data)
{
  g_error ("timed out waiting for %s", (const char *) user_data);
  return G_SOURCE_REMOVE;
}

/* Runs the default main context until *@flag is set. */
static void
wait_for (const gboolean *flag, const char *what)
{
  guint id = g_timeout_add_seconds (TIMEOUT_S, timeout_cb, (gpointer) what);

  while (!*flag)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (id);
}

static void
store_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* The result of an _async call, after running the main loop until it came. */
static GAsyncResult *
wait_result (GAsyncResult **slot, const char *what)
{
  guint id = g_timeout_add_seconds (TIMEOUT_S, timeout_cb, (gpointer) what);

  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (id);
  return *slot;
}

static gboolean
name_has_owner (const char *address)
{
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GVariant) reply = NULL;
  gboolean owned = FALSE;

  bus = g_dbus_connection_new_for_address_sync (address,
                                                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                  G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                NULL, NULL, NULL);
  if (bus == NULL)
    return FALSE;
  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", "org.libvirt"),
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                       NULL);
  if (reply)
    g_variant_get (reply, "(b)", &owned);
  return owned;
}

/* A failed assertion aborts without teardown: the children must not
 * outlive the test. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  const char *virtbusd = g_getenv ("VIRTBUSD");
  g_autoptr(GError) error = NULL;
  g_autofree char *config = NULL;
  g_autofree char *config_path = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  gint64 deadline;

  if (virtbusd == NULL || !g_file_test (virtbusd, G_FILE_TEST_IS_EXECUTABLE)) {
    g_test_skip ("VIRTBUSD does not name the virtbusd binary");
    return;
  }
  f->bus_dir = g_dir_make_tmp ("virtbus-libtest-XXXXXX", &error);
  g_assert_no_error (error);
  f->state_dir = g_build_filename (f->bus_dir, "state", NULL);
  config = g_strdup_printf (
    "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
    " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
    "<busconfig><type>session</type><listen>unix:dir=%s</listen><auth>EXTERNAL</auth>"
    "<policy context=\"default\"><allow send_destination=\"*\" eavesdrop=\"true\"/>"
    "<allow eavesdrop=\"true\"/><allow own=\"*\"/></policy>"
    "</busconfig>\n",
    f->bus_dir);
  config_path = g_build_filename (f->bus_dir, "bus.conf", NULL);
  g_file_set_contents (config_path, config, -1, &error);
  g_assert_no_error (error);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  f->bus = g_subprocess_launcher_spawn (launcher, &error, "dbus-daemon", "--config-file",
                                        config_path, "--nofork", "--print-address=1", NULL);
  g_clear_object (&launcher);
  if (f->bus == NULL) {
    g_test_skip ("dbus-daemon cannot run");
    return;
  }
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (f->bus));
  f->address = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->address);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS", f->address, TRUE);
  g_subprocess_launcher_setenv (launcher, "VIRTBUS_STATE_DIR", f->state_dir, TRUE);
  f->daemon = g_subprocess_launcher_spawn (launcher, &error, virtbusd, "--session", NULL);
  g_assert_no_error (error);
  deadline = g_get_monotonic_time () + TIMEOUT_S * G_USEC_PER_SEC;
  while (!name_has_owner (f->address)) {
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    g_usleep (10000);
  }

  virtbus_connection_new_for_address_async (f->address, "Test", NULL, store_result, &result);
  f->conn = virtbus_connection_new_for_address_finish (wait_result (&result, "connection"),
                                                       &error);
  g_assert_no_error (error);
  g_assert_true (VIRTBUS_IS_CONNECTION (f->conn));
}

/* The bus socket, its config and the daemon's state directory. */
static void
remove_tree (GFile *file)
{
  g_autoptr(GFileEnumerator) children = NULL;

  children = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  while (children) {
    GFile *child = NULL;

    if (!g_file_enumerator_iterate (children, NULL, &child, NULL, NULL) || child == NULL)
      break;
    remove_tree (child);
  }
  g_file_delete (file, NULL, NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->conn);
  if (f->daemon) {
    g_subprocess_send_signal (f->daemon, SIGTERM);
    g_subprocess_wait (f->daemon, NULL, NULL);
    g_clear_object (&f->daemon);
  }
  if (f->bus) {
    g_subprocess_send_signal (f->bus, SIGTERM);
    g_subprocess_wait (f->bus, NULL, NULL);
    g_clear_object (&f->bus);
  }
  if (f->bus_dir) {
    g_autoptr(GFile) dir = g_file_new_for_path (f->bus_dir);

    remove_tree (dir);
  }
  g_free (f->bus_dir);
  g_free (f->state_dir);
  g_free (f->address);
}

static void
test_list (Fixture *f, gconstpointer data)
{
  GList *domains;
  GList *networks;
  VirtbusDomain *test;

  if (g_test_failed () || f->conn == NULL)
    return;
  g_assert_true (virtbus_connection_get_daemon_running (f->conn));
  domains = virtbus_connection_get_domains (f->conn);
  g_assert_cmpuint (g_list_length (domains), ==, 1);
  test = domains->data;
  g_assert_cmpstr (virtbus_domain_get_name (test), ==, "test");
  g_assert_cmpstr (virtbus_domain_get_uuid (test), ==, "6695eb01-f6a4-8304-79aa-97f2502e193f");
  g_assert_true (virtbus_domain_get_active (test));
  g_assert_true (virtbus_connection_find_domain_by_name (f->conn, "test") == test);
  g_list_free (domains);
  networks = virtbus_connection_get_networks (f->conn);
  g_assert_cmpuint (g_list_length (networks), ==, 1);
  g_assert_cmpstr (virtbus_network_get_name (networks->data), ==, "default");
  g_list_free (networks);
}

typedef struct {
  gboolean added;
  gboolean removed;
  gboolean started;
  gboolean destroyed;
  gboolean stopped_shutdown;
  int started_detail;
  guint active_changes;
} Events;

static void
on_domain_added (VirtbusConnection *conn, VirtbusDomain *domain, Events *ev)
{
  ev->added = TRUE;
}

static void
on_domain_removed (VirtbusConnection *conn, VirtbusDomain *domain, Events *ev)
{
  ev->removed = TRUE;
}

static void
on_started (VirtbusDomain *domain, VirtbusDomainStartedDetail detail, Events *ev)
{
  ev->started = TRUE;
  ev->started_detail = detail;
}

static void
on_destroyed (VirtbusDomain *domain, VirtbusDomainStoppedDetail detail, Events *ev)
{
  g_assert_cmpint (detail, ==, VIRTBUS_DOMAIN_STOPPED_DESTROYED);
  ev->destroyed = TRUE;
}

static void
on_stopped_shutdown (VirtbusDomain *domain, VirtbusDomainStoppedDetail detail, Events *ev)
{
  ev->stopped_shutdown = TRUE;
}

static void
on_notify_active (GObject *object, GParamSpec *pspec, Events *ev)
{
  ev->active_changes++;
}

static void
test_lifecycle (Fixture *f, gconstpointer data)
{
  g_autoptr(VirtbusDomainConfig) config = NULL;
  g_autoptr(VirtbusDomain) domain = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  Events ev = { 0 };

  if (g_test_failed () || f->conn == NULL)
    return;
  g_signal_connect (f->conn, "domain-added", G_CALLBACK (on_domain_added), &ev);
  g_signal_connect (f->conn, "domain-removed", G_CALLBACK (on_domain_removed), &ev);

  config = virtbus_domain_config_new ("c-vm");
  virtbus_domain_config_set_virt_type (config, "test");
  virtbus_domain_config_set_memory (config, 64 * 1024);
  virtbus_connection_define_domain_config_async (f->conn, config, NULL, store_result, &result);
  domain = virtbus_connection_define_domain_config_finish (f->conn,
                                                           wait_result (&result, "define"),
                                                           &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  wait_for (&ev.added, "domain-added");
  g_assert_cmpstr (virtbus_domain_get_name (domain), ==, "c-vm");
  g_assert_false (virtbus_domain_get_active (domain));

  g_signal_connect (domain, "started", G_CALLBACK (on_started), &ev);
  g_signal_connect (domain, "stopped::destroyed", G_CALLBACK (on_destroyed), &ev);
  g_signal_connect (domain, "stopped::shutdown", G_CALLBACK (on_stopped_shutdown), &ev);
  g_signal_connect (domain, "notify::active", G_CALLBACK (on_notify_active), &ev);

  virtbus_domain_start_async (domain, VIRTBUS_DOMAIN_START_NONE, NULL, store_result, &result);
  g_assert_true (virtbus_domain_start_finish (domain, wait_result (&result, "start"), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  wait_for (&ev.started, "started");
  g_assert_cmpint (ev.started_detail, ==, VIRTBUS_DOMAIN_STARTED_BOOTED);
  g_assert_true (virtbus_domain_get_active (domain));
  g_assert_cmpuint (ev.active_changes, ==, 1);

  /* a typed error: starting a running domain */
  virtbus_domain_start_async (domain, VIRTBUS_DOMAIN_START_NONE, NULL, store_result, &result);
  g_assert_false (virtbus_domain_start_finish (domain, wait_result (&result, "start again"),
                                               &error));
  g_assert_error (error, VIRTBUS_ERROR, VIRTBUS_ERROR_INVALID_STATE);
  g_clear_error (&error);
  g_clear_object (&result);

  virtbus_domain_destroy_async (domain, VIRTBUS_DOMAIN_DESTROY_DEFAULT, NULL, store_result,
                                &result);
  g_assert_true (virtbus_domain_destroy_finish (domain, wait_result (&result, "destroy"), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  wait_for (&ev.destroyed, "stopped::destroyed");
  g_assert_false (ev.stopped_shutdown);
  g_assert_false (virtbus_domain_get_active (domain));
  g_assert_cmpint (virtbus_domain_get_state_sync (domain, NULL, NULL, &error), ==,
                   VIRTBUS_DOMAIN_STATE_SHUTOFF);
  g_assert_no_error (error);

  g_assert_true (virtbus_domain_undefine_sync (domain, VIRTBUS_DOMAIN_UNDEFINE_NONE, NULL,
                                               &error));
  g_assert_no_error (error);
  wait_for (&ev.removed, "domain-removed");
  g_assert_null (virtbus_connection_find_domain_by_name (f->conn, "c-vm"));
  g_signal_handlers_disconnect_by_data (f->conn, &ev);
  g_signal_handlers_disconnect_by_data (domain, &ev);
}

static void
test_errors (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VirtbusDomain) missing = NULL;
  g_autoptr(VirtbusDomainConfig) bad = NULL;

  if (g_test_failed () || f->conn == NULL)
    return;
  missing = virtbus_connection_lookup_domain_by_name_sync (f->conn, "nope", NULL, &error);
  g_assert_null (missing);
  g_assert_error (error, VIRTBUS_ERROR, VIRTBUS_ERROR_NOT_FOUND);
  g_assert_false (g_str_has_prefix (error->message, "GDBus.Error"));
  g_clear_error (&error);
  g_assert_null (virtbus_connection_define_domain_sync (f->conn, "<domain", NULL, &error));
  g_assert_error (error, VIRTBUS_ERROR, VIRTBUS_ERROR_INVALID_XML);
  g_clear_error (&error);
  bad = virtbus_domain_config_new_from_xml ("<network/>", &error);
  g_assert_null (bad);
  g_assert_error (error, VIRTBUS_ERROR, VIRTBUS_ERROR_INVALID_XML);
}

/* The library's codes come from the error's D-Bus name, which virtbusd
 * sends only to callers that asked; a plain GDBus connection gets
 * org.libvirt.Error with the same message. */
static void
test_error_names (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) plain_error = NULL;
  g_autoptr(GDBusConnection) plain = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *remote = NULL;
  VirtbusDomain *test;

  if (g_test_failed () || f->conn == NULL)
    return;
  test = virtbus_connection_find_domain_by_name (f->conn, "test");
  g_assert_nonnull (test);
  g_assert_false (virtbus_domain_start_sync (test, 0, NULL, &error));
  g_assert_error (error, VIRTBUS_ERROR, VIRTBUS_ERROR_INVALID_STATE);
  g_clear_error (&error);
  g_assert_null (virtbus_connection_lookup_domain_by_name_sync (f->conn, "nope", NULL, &error));
  g_assert_error (error, VIRTBUS_ERROR, VIRTBUS_ERROR_NOT_FOUND);

  plain = g_dbus_connection_new_for_address_sync (
    f->address,
    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
    NULL, NULL, &plain_error);
  g_assert_no_error (plain_error);
  reply = g_dbus_connection_call_sync (plain, "org.libvirt", "/org/libvirt/Test",
                                       "org.libvirt.Connect", "DomainLookupByName",
                                       g_variant_new ("(s)", "nope"), NULL,
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &plain_error);
  g_assert_null (reply);
  remote = g_dbus_error_get_remote_error (plain_error);
  g_assert_cmpstr (remote, ==, "org.libvirt.Error");
  g_dbus_error_strip_remote_error (plain_error);
  g_assert_cmpstr (plain_error->message, ==, error->message);
}

/* A C array through the (array length=…) parameter, and the typed
 * interface list with its addresses. */
static void
test_domain_calls (Fixture *f, gconstpointer data)
{
  static const guint ctrl_alt_del[] = { 29, 56, 111 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) interfaces = NULL;
  VirtbusDomainInterface *iface;
  VirtbusDomainInterfaceAddress *address;
  GPtrArray *addresses;
  VirtbusDomain *test;

  if (g_test_failed () || f->conn == NULL)
    return;
  test = virtbus_connection_find_domain_by_name (f->conn, "test");
  g_assert_nonnull (test);
  g_assert_true (virtbus_domain_send_key_sync (test, VIRTBUS_KEYCODE_SET_LINUX, 0, ctrl_alt_del,
                                               G_N_ELEMENTS (ctrl_alt_del), NULL, &error));
  g_assert_no_error (error);
  g_assert_false (virtbus_domain_send_key_sync (test, VIRTBUS_KEYCODE_SET_LINUX, 0, NULL, 0, NULL,
                                                &error));
  g_assert_error (error, VIRTBUS_ERROR, VIRTBUS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  interfaces = virtbus_domain_get_interface_addresses_sync (
      test, VIRTBUS_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (interfaces->len, ==, 1);
  iface = g_ptr_array_index (interfaces, 0);
  g_assert_cmpstr (virtbus_domain_interface_get_hwaddr (iface), ==, "aa:bb:cc:dd:ee:ff");
  addresses = virtbus_domain_interface_get_addresses (iface);
  g_assert_cmpuint (addresses->len, ==, 1);
  address = g_ptr_array_index (addresses, 0);
  g_assert_cmpint (virtbus_domain_interface_address_get_address_type (address), ==,
                   VIRTBUS_IP_ADDR_TYPE_IPV4);
  g_assert_cmpstr (virtbus_domain_interface_address_get_address (address), ==, "192.168.122.3");
  g_assert_cmpuint (virtbus_domain_interface_address_get_prefix (address), ==, 24);

  g_assert_false (virtbus_domain_wakeup_sync (test, NULL, &error));
  g_assert_error (error, VIRTBUS_ERROR, VIRTBUS_ERROR_NOT_SUPPORTED);
}

static void
test_network (Fixture *f, gconstpointer data)
{
  g_autoptr(VirtbusNetworkConfig) config = virtbus_network_config_new ("c-net");
  g_autoptr(VirtbusNetworkPortgroup) pg = virtbus_network_portgroup_new ("gold");
  g_autoptr(VirtbusVirtualPort) vp = virtbus_virtual_port_new (VIRTBUS_VIRTUAL_PORT_OPENVSWITCH);
  g_autoptr(VirtbusNetwork) network = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = NULL;
  g_auto(GStrv) devices = NULL;

  if (g_test_failed () || f->conn == NULL)
    return;
  virtbus_network_config_set_forward_mode (config, VIRTBUS_NETWORK_FORWARD_BRIDGE);
  g_assert_true (virtbus_network_config_add_forward_device (config, "eth1", &error));
  g_assert_no_error (error);
  g_assert_true (virtbus_virtual_port_set_parameter (vp, "profileid", "p1", &error));
  g_assert_no_error (error);
  virtbus_network_portgroup_set_virtual_port (pg, vp);
  virtbus_network_portgroup_set_default (pg, TRUE);
  g_assert_true (virtbus_network_config_add_portgroup (config, pg, &error));
  g_assert_no_error (error);
  g_assert_true (virtbus_network_config_validate (config, &error));
  g_assert_no_error (error);

  network = virtbus_connection_define_network_config_sync (f->conn, config, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (virtbus_network_get_name (network), ==, "c-net");
  xml = virtbus_network_get_xml_desc_sync (network, VIRTBUS_NETWORK_XML_INACTIVE, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (xml, "<portgroup name='gold' default='yes'>"));
  g_assert_nonnull (strstr (xml, "profileid='p1'"));
  g_clear_object (&config);
  config = virtbus_network_config_new_from_xml (xml, &error);
  g_assert_no_error (error);
  devices = virtbus_network_config_get_forward_devices (config);
  g_assert_cmpstrv (devices, ((const char *const[]) { "eth1", NULL }));
  g_assert_true (virtbus_network_undefine_sync (network, NULL, &error));
  g_assert_no_error (error);
}

/* Domains and networks share VirtbusObject; the kinds' own getters read
 * the base's fields and still check the kind they were called for. */
static void
test_object_base (Fixture *f, gconstpointer data)
{
  VirtbusDomain *test;
  VirtbusNetwork *net;
  VirtbusObject *objects[2];

  if (g_test_failed () || f->conn == NULL)
    return;
  g_assert_true (G_TYPE_IS_ABSTRACT (VIRTBUS_TYPE_OBJECT));
  test = virtbus_connection_find_domain_by_name (f->conn, "test");
  net = virtbus_connection_find_network_by_name (f->conn, "default");
  g_assert_nonnull (test);
  g_assert_nonnull (net);
  objects[0] = VIRTBUS_OBJECT (test);
  objects[1] = VIRTBUS_OBJECT (net);
  g_assert_cmpstr (virtbus_object_get_name (objects[0]), ==, virtbus_domain_get_name (test));
  g_assert_cmpstr (virtbus_object_get_uuid (objects[0]), ==, virtbus_domain_get_uuid (test));
  g_assert_cmpstr (virtbus_object_get_object_path (objects[0]), ==,
                   virtbus_domain_get_object_path (test));
  g_assert_cmpstr (virtbus_object_get_name (objects[1]), ==, virtbus_network_get_name (net));
  g_assert_cmpstr (virtbus_object_get_uuid (objects[1]), ==, virtbus_network_get_uuid (net));
  g_assert_true (virtbus_object_get_active (objects[1]) == virtbus_network_get_active (net));
  g_assert_true (virtbus_object_get_persistent (objects[1]) ==
                 virtbus_network_get_persistent (net));
  g_assert_true (virtbus_object_get_autostart (objects[0]) ==
                 virtbus_domain_get_autostart (test));
  for (guint i = 0; i < G_N_ELEMENTS (objects); i++)
    g_assert_true (virtbus_object_get_connection (objects[i]) == f->conn);

  /* a network is not a domain, even though both are objects */
  g_test_expect_message ("virtbus", G_LOG_LEVEL_CRITICAL, "*VIRTBUS_IS_DOMAIN*");
  g_assert_null (virtbus_domain_get_name ((VirtbusDomain *) net));
  g_test_assert_expected_messages ();
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/libvirtbus/list", Fixture, NULL, fixture_setup, test_list, fixture_teardown);
  g_test_add ("/libvirtbus/lifecycle", Fixture, NULL, fixture_setup, test_lifecycle,
              fixture_teardown);
  g_test_add ("/libvirtbus/errors", Fixture, NULL, fixture_setup, test_errors, fixture_teardown);
  g_test_add ("/libvirtbus/error-names", Fixture, NULL, fixture_setup, test_error_names,
              fixture_teardown);
  g_test_add ("/libvirtbus/domain-calls", Fixture, NULL, fixture_setup, test_domain_calls,
              fixture_teardown);
  g_test_add ("/libvirtbus/network", Fixture, NULL, fixture_setup, test_network,
              fixture_teardown);
  g_test_add ("/libvirtbus/object-base", Fixture, NULL, fixture_setup, test_object_base,
              fixture_teardown);
  return g_test_run ();
}
