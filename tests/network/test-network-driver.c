/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/if.h>
#include <linux/if_tun.h>

#include "vb-error.h"
#include "vb-net-platform.h"
#include "vb-network-driver.h"

/* The network driver against the real kernel, inside a network namespace
 * of its own (this process unshares one before anything else runs), so
 * nothing here can touch the host's links, addresses, firewall or sysctls.
 * Needs root; skipped otherwise.  The driver is embedded in a minimal
 * owner driver, as the QEMU driver will embed it, and every operation goes
 * through vb_driver_call_async as the service's would. */

/* A minimal owner ------------------------------------------------------------------ */

#define TEST_TYPE_OWNER (test_owner_get_type ())
G_DECLARE_FINAL_TYPE (TestOwner, test_owner, TEST, OWNER, VbDriver)

struct _TestOwner {
  VbDriver parent_instance;
  VbNetworkDriver *net;
};

G_DEFINE_FINAL_TYPE (TestOwner, test_owner, VB_TYPE_DRIVER)

static gboolean
test_owner_open (VbDriver *driver, GError **error)
{
  return vb_network_driver_open (TEST_OWNER (driver)->net, error);
}

static void
test_owner_run (VbDriver *driver, VbOp op, gpointer object, GVariant *args, GTask *task)
{
  if (vb_network_driver_handles (op))
    vb_network_driver_run (TEST_OWNER (driver)->net, op, object, args, task);
  else
    vb_driver_task_return_unsupported (task, op);
}

static void
test_owner_dispose (GObject *object)
{
  g_clear_object (&TEST_OWNER (object)->net);
  G_OBJECT_CLASS (test_owner_parent_class)->dispose (object);
}

static void
test_owner_class_init (TestOwnerClass *klass)
{
  VB_DRIVER_CLASS (klass)->name = "QEMU";
  VB_DRIVER_CLASS (klass)->open = test_owner_open;
  VB_DRIVER_CLASS (klass)->run = test_owner_run;
  G_OBJECT_CLASS (klass)->dispose = test_owner_dispose;
}

static void
test_owner_init (TestOwner *self)
{
}

/* Fixture ----------------------------------------------------------------------------- */

static char *state_root;

typedef struct {
  TestOwner *owner;
  VbDriver *driver;
  GPtrArray *events; /* "name event" */
  char *config_dir;
  char *run_dir;
  char *before;      /* host snapshot at setup */
} Fixture;

static void
on_event (VbDriver *driver, GObject *object, const VbEvent *event, Fixture *f)
{
  g_assert_cmpint (event->kind, ==, VB_EVENT_NETWORK_LIFECYCLE);
  g_ptr_array_add (f->events, g_strdup_printf ("%s %d", vb_network_get_name (VB_NETWORK (object)),
                                               event->network_lifecycle.event));
}

static char *
run_cmd (const char *cmd)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  if (!g_spawn_command_line_sync (cmd, &out, &err, &status, &error))
    g_error ("%s: %s", cmd, error->message);
  return g_steal_pointer (&out);
}

static void
run_ok (const char *cmd)
{
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_assert_true (g_spawn_command_line_sync (cmd, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("%s: %s", cmd, error->message);
}

/* Links, addresses, firewall and sysctls: what a stopped network must have
 * left exactly as it found them. */
static char *
snapshot (void)
{
  g_autofree char *links = run_cmd ("ip -o link show");
  g_autofree char *addrs = run_cmd ("ip -o addr show");
  g_autofree char *rules = run_cmd ("nft list ruleset");
  g_autofree char *fwd4 = NULL;
  g_autofree char *fwd6 = NULL;

  g_file_get_contents ("/proc/sys/net/ipv4/ip_forward", &fwd4, NULL, NULL);
  g_file_get_contents ("/proc/sys/net/ipv6/conf/all/forwarding", &fwd6, NULL, NULL);
  return g_strdup_printf ("== links\n%s== addresses\n%s== nft\n%s== ip_forward %s== ipv6 forwarding %s",
                          links, addrs, rules, fwd4, fwd6);
}

static void
new_owner (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  f->owner = g_object_new (TEST_TYPE_OWNER, NULL);
  f->driver = VB_DRIVER (f->owner);
  f->owner->net = vb_network_driver_new (f->driver, f->config_dir, f->run_dir);
  g_signal_connect (f->driver, "event", G_CALLBACK (on_event), f);
  g_assert_true (vb_driver_open (f->driver, &error));
  g_assert_no_error (error);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  static int n;
  g_autofree char *dir = g_strdup_printf ("%s/t%d", state_root, n++);

  f->config_dir = g_build_filename (dir, "config", NULL);
  f->run_dir = g_build_filename (dir, "run", NULL);
  f->events = g_ptr_array_new_with_free_func (g_free);
  /* a forwarding sysctl must come back as it was, so start from "off" */
  g_file_set_contents ("/proc/sys/net/ipv4/ip_forward", "0\n", -1, NULL);
  f->before = snapshot ();
  new_owner (f);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->owner);
  g_ptr_array_unref (f->events);
  g_free (f->config_dir);
  g_free (f->run_dir);
  g_free (f->before);
}

typedef struct {
  GMainLoop *loop;
  GAsyncResult *result;
} Wait;

static void
call_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Wait *wait = user_data;

  wait->result = g_object_ref (result);
  g_main_loop_quit (wait->loop);
}

static GVariant *
call (Fixture *f, VbOp op, gpointer object, GVariant *args, gpointer *out_object, GError **error)
{
  Wait wait = { g_main_loop_new (NULL, FALSE), NULL };
  GVariant *result;

  vb_driver_call_async (f->driver, op, object, args, NULL, call_done, &wait);
  if (wait.result == NULL)
    g_main_loop_run (wait.loop);
  result = vb_driver_call_finish (f->driver, wait.result, out_object, error);
  g_object_unref (wait.result);
  g_main_loop_unref (wait.loop);
  return result;
}

/* The plugs are asynchronous (the device is made in the driver's kernel
 * worker): these wait for one. */
static gboolean
plug_wait (Fixture *f, const char *network, const VbPortRequest *req, const VbNetworkPort *port,
           const char *hint, VbNetworkPort **out_port, char **out_ifname, int *out_fd, GError **error)
{
  Wait wait = { g_main_loop_new (NULL, FALSE), NULL };
  gboolean ok;

  if (network != NULL)
    vb_network_driver_port_allocate_async (f->owner->net, network, req, hint, call_done, &wait);
  else
    vb_network_driver_plug_async (f->owner->net, port, hint, call_done, &wait);
  if (wait.result == NULL)
    g_main_loop_run (wait.loop);
  ok = vb_network_driver_plug_finish (f->owner->net, wait.result, out_port, out_ifname, out_fd, error);
  g_object_unref (wait.result);
  g_main_loop_unref (wait.loop);
  return ok;
}

static gboolean
port_allocate (Fixture *f, const char *network, const VbPortRequest *req, const char *hint,
               VbNetworkPort **out_port, char **out_ifname, int *out_fd, GError **error)
{
  return plug_wait (f, network, req, NULL, hint, out_port, out_ifname, out_fd, error);
}

static gboolean
plug_outside (Fixture *f, const VbNetworkPort *port, const char *hint, char **out_ifname, int *out_fd,
              GError **error)
{
  return plug_wait (f, NULL, NULL, port, hint, NULL, out_ifname, out_fd, error);
}

static GVariant *
call_ok (Fixture *f, VbOp op, gpointer object, GVariant *args)
{
  g_autoptr(GError) error = NULL;
  GVariant *result = call (f, op, object, args, NULL, &error);

  g_assert_no_error (error);
  return result;
}

static void
call_fails (Fixture *f, VbOp op, gpointer object, GVariant *args, int code)
{
  g_autoptr(GError) error = NULL;
  g_assert_null (call (f, op, object, args, NULL, &error));
  g_assert_error (error, VB_ERROR, code);
  g_test_message ("expected error: %s", error->message);
}

static VbNetwork *
define (Fixture *f, const char *xml)
{
  g_autoptr(GError) error = NULL;
  gpointer object = NULL;

  g_assert_null (call (f, VB_OP_NETWORK_DEFINE_XML, NULL, g_variant_new ("(s)", xml), &object, &error));
  g_assert_no_error (error);
  g_assert_nonnull (object);
  g_object_unref (object); /* the registry keeps it */
  return object;
}

static void
start (Fixture *f, VbNetwork *net)
{
  g_assert_null (call_ok (f, VB_OP_NETWORK_CREATE, net, g_variant_new ("()")));
  g_assert_true (vb_network_is_active (net));
}

static void
destroy (Fixture *f, VbNetwork *net)
{
  g_assert_null (call_ok (f, VB_OP_NETWORK_DESTROY, net, g_variant_new ("()")));
}

static void
assert_clean (Fixture *f)
{
  g_autofree char *after = snapshot ();

  if (g_strcmp0 (f->before, after) != 0)
    g_test_message ("before:\n%s\nafter:\n%s", f->before, after);
  g_assert_cmpstr (f->before, ==, after);
}

static gboolean
link_exists (const char *name)
{
  g_autofree char *cmd = g_strdup_printf ("ip link show dev %s", name);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  g_spawn_command_line_sync (cmd, &out, &err, &status, NULL);
  return g_spawn_check_wait_status (status, NULL);
}

/* A device is deleted in the driver's kernel worker, soon after the
 * call that lets it go. */
static void
assert_link_goes (const char *name)
{
  for (int i = 0; i < 200 && link_exists (name); i++)
    g_usleep (10000);
  g_assert_false (link_exists (name));
}


static char *
nft_table (const char *name)
{
  g_autofree char *cmd = g_strdup_printf ("nft list table inet virtbus-%s", name);
  return run_cmd (cmd);
}

static int
read_pid (Fixture *f, const char *name)
{
  g_autofree char *path = g_strdup_printf ("%s/%s.pid", f->run_dir, name);
  g_autofree char *text = NULL;

  return g_file_get_contents (path, &text, NULL, NULL) ? atoi (text) : 0;
}

static gboolean
pid_alive (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/cmdline", pid);
  g_autofree char *cmdline = NULL;
  g_autofree char *stat = NULL;
  g_autofree char *stat_path = g_strdup_printf ("/proc/%d/stat", pid);

  if (pid <= 0 || !g_file_get_contents (path, &cmdline, NULL, NULL))
    return FALSE;
  /* a zombie awaiting its reaper is not alive */
  return g_file_get_contents (stat_path, &stat, NULL, NULL) && strstr (stat, ") Z ") == NULL;
}

static void
spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
}

/* Asks the DNS server at @server for @qname (A) and returns the first
 * answer's address, or NULL. */
static char *
dns_query_a_full (const char *server, const char *qname, guint attempt_ms, guint attempts)
{
  guint8 q[512], r[512];
  gsize len = 12;
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons (53) };
  struct timeval tv = { 0, attempt_ms * 1000 };
  g_auto(GStrv) labels = g_strsplit (qname, ".", -1);
  int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  char *answer = NULL;

  memset (q, 0, sizeof (q));
  q[0] = 0x12, q[1] = 0x34, q[2] = 0x01, q[5] = 1; /* id, RD, one question */
  for (guint i = 0; labels[i]; i++) {
    q[len++] = strlen (labels[i]);
    memcpy (q + len, labels[i], strlen (labels[i]));
    len += strlen (labels[i]);
  }
  q[len++] = 0;
  q[len++] = 0, q[len++] = 1; /* A */
  q[len++] = 0, q[len++] = 1; /* IN */
  inet_pton (AF_INET, server, &sa.sin_addr);
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof (tv));
  for (guint attempt = 0; attempt < attempts && answer == NULL; attempt++) {
    gssize n;

    sendto (fd, q, len, 0, (struct sockaddr *) &sa, sizeof (sa));
    n = recv (fd, r, sizeof (r), 0);
    /* our id, no error, at least one answer: its RDATA ends the message
     * when it is the only record */
    if (n >= (gssize) len + 16 && r[0] == 0x12 && r[1] == 0x34 && (r[3] & 0x0f) == 0 && r[7] >= 1)
      answer = g_strdup_printf ("%u.%u.%u.%u", r[n - 4], r[n - 3], r[n - 2], r[n - 1]);
  }
  close (fd);
  return answer;
}

static char *
dns_query_a (const char *server, const char *qname)
{
  return dns_query_a_full (server, qname, 200, 15);
}

/* Tests ---------------------------------------------------------------------------------- */

static const char nat_xml[] =
  "<network>"
  "  <name>natnet</name>"
  "  <forward mode='nat'><nat><port start='1024' end='65535'/></nat></forward>"
  "  <domain name='example.test'/>"
  "  <dns>"
  "    <txt name='info' value='hello'/>"
  "    <host ip='192.168.100.7'><hostname>myhost</hostname></host>"
  "    <srv service='ldap' protocol='tcp' target='myhost.example.test' port='389'/>"
  "  </dns>"
  "  <ip address='192.168.100.1' netmask='255.255.255.0'>"
  "    <dhcp>"
  "      <range start='192.168.100.10' end='192.168.100.50'><lease expiry='2' unit='hours'/></range>"
  "      <host mac='52:54:00:aa:bb:cc' name='fixed' ip='192.168.100.5'/>"
  "    </dhcp>"
  "  </ip>"
  "</network>";

static void
test_nat (Fixture *f, gconstpointer data)
{
  VbNetwork *net = define (f, nat_xml);
  g_autoptr(GVariant) bridge = NULL;
  g_autoptr(GVariant) leases = NULL;
  g_autofree char *table = NULL;
  g_autofree char *addrs = NULL;
  g_autofree char *fwd = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *conf = NULL;
  g_autofree char *conf_path = NULL;
  g_autofree char *lease_path = NULL;
  g_autofree char *lease_line = NULL;
  const char *bridge_name;
  int pid;

  /* no <bridge>: the first free virbrN */
  bridge = call_ok (f, VB_OP_NETWORK_GET_BRIDGE_NAME, net, g_variant_new ("()"));
  bridge_name = g_variant_get_string (bridge, NULL);
  g_assert_cmpstr (bridge_name, ==, "virbr0");

  /* a lease dnsmasq will find when it starts (no DHCP client here) */
  lease_path = g_strdup_printf ("%s/natnet.leases", f->run_dir);
  lease_line = g_strdup_printf ("%" G_GINT64_FORMAT " 52:54:00:12:34:56 192.168.100.20 guest1 *\n",
                                g_get_real_time () / G_USEC_PER_SEC + 3600);
  g_assert_true (g_file_set_contents (lease_path, lease_line, -1, NULL));

  start (f, net);
  g_assert_true (link_exists ("virbr0"));
  addrs = run_cmd ("ip -o addr show dev virbr0");
  g_assert_nonnull (strstr (addrs, "inet 192.168.100.1/24"));
  table = nft_table ("natnet");
  g_assert_nonnull (strstr (table, "masquerade"));
  g_assert_nonnull (strstr (table, "ip saddr 192.168.100.0/24 ip daddr != 192.168.100.0/24"));
  g_assert_true (g_file_get_contents ("/proc/sys/net/ipv4/ip_forward", &fwd, NULL, NULL));
  g_assert_cmpstr (fwd, ==, "1\n");

  conf_path = g_strdup_printf ("%s/natnet.conf", f->run_dir);
  g_assert_true (g_file_get_contents (conf_path, &conf, NULL, NULL));
  g_assert_nonnull (strstr (conf, "dhcp-range=192.168.100.10,192.168.100.50,255.255.255.0,2h\n"));
  g_assert_nonnull (strstr (conf, "txt-record=info,hello\n"));
  g_assert_nonnull (strstr (conf, "srv-host=_ldap._tcp,myhost.example.test,389\n"));
  g_assert_nonnull (strstr (conf, "domain=example.test\n"));

  pid = read_pid (f, "natnet");
  g_assert_true (pid_alive (pid));
  /* dnsmasq answers, from the network's own DNS records */
  answer = dns_query_a ("192.168.100.1", "myhost");
  g_assert_cmpstr (answer, ==, "192.168.100.7");

  leases = call_ok (f, VB_OP_NETWORK_GET_DHCP_LEASES, net, g_variant_new ("(su)", "", 0));
  g_assert_cmpuint (g_variant_n_children (leases), ==, 1);
  {
    const char *iface, *mac, *iaid, *ip, *host, *clientid;
    gint64 expiry;
    int type;
    guint prefix;

    g_variant_get_child (leases, 0, "(&sxi&s&s&su&s&s)", &iface, &expiry, &type, &mac, &iaid, &ip,
                         &prefix, &host, &clientid);
    g_assert_cmpstr (iface, ==, "virbr0");
    g_assert_cmpint (type, ==, 0);
    g_assert_cmpstr (mac, ==, "52:54:00:12:34:56");
    g_assert_cmpstr (ip, ==, "192.168.100.20");
    g_assert_cmpuint (prefix, ==, 24);
    g_assert_cmpstr (host, ==, "guest1");
    g_assert_cmpstr (clientid, ==, "");
  }

  destroy (f, net);
  g_assert_false (vb_network_is_active (net));
  g_assert_false (pid_alive (pid));
  assert_clean (f);
  g_assert_cmpuint (f->events->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (f->events, 0), ==, "natnet 0");
  g_assert_cmpstr (g_ptr_array_index (f->events, 1), ==, "natnet 2");
  g_assert_cmpstr (g_ptr_array_index (f->events, 2), ==, "natnet 3");
}

static void
test_route (Fixture *f, gconstpointer data)
{
  VbNetwork *net = define (f,
    "<network><name>routed</name><forward mode='route'/>"
    "<bridge name='vbroute0' stp='off' delay='0'/>"
    "<ip address='10.77.0.1' prefix='24'><dhcp><range start='10.77.0.100' end='10.77.0.150'/></dhcp></ip>"
    "<ip family='ipv6' address='fd00:77::1' prefix='64'/>"
    "<route address='10.99.0.0' prefix='16' gateway='10.77.0.2'/>"
    "</network>");
  g_autofree char *routes = NULL;
  g_autofree char *table = NULL;
  g_autofree char *fwd = NULL;
  g_autofree char *fwd6 = NULL;

  g_file_set_contents ("/proc/sys/net/ipv6/conf/all/forwarding", "0\n", -1, NULL);
  g_free (f->before);
  f->before = snapshot ();

  start (f, net);
  routes = run_cmd ("ip route show");
  g_assert_nonnull (strstr (routes, "10.99.0.0/16 via 10.77.0.2 dev vbroute0"));
  table = nft_table ("routed");
  g_assert_nonnull (strstr (table, "iifname \"vbroute0\" ip saddr 10.77.0.0/24 accept"));
  g_assert_nonnull (strstr (table, "oifname \"vbroute0\" ip daddr 10.77.0.0/24 accept"));
  g_assert_nonnull (strstr (table, "ip6 saddr fd00:77::/64 accept"));
  g_assert_null (strstr (table, "masquerade"));
  g_assert_true (g_file_get_contents ("/proc/sys/net/ipv4/ip_forward", &fwd, NULL, NULL));
  g_assert_cmpstr (fwd, ==, "1\n");
  g_assert_true (g_file_get_contents ("/proc/sys/net/ipv6/conf/all/forwarding", &fwd6, NULL, NULL));
  g_assert_cmpstr (fwd6, ==, "1\n");
  destroy (f, net);
  assert_clean (f);
}

static void
test_isolated (Fixture *f, gconstpointer data)
{
  VbNetwork *net = define (f,
    "<network><name>iso</name><bridge name='vbiso0'/>"
    "<ip address='10.78.0.1' prefix='24'/></network>");
  g_autofree char *table = NULL;
  g_autofree char *fwd = NULL;

  start (f, net);
  table = nft_table ("iso");
  g_assert_nonnull (strstr (table, "iifname \"vbiso0\" oifname \"vbiso0\" accept"));
  g_assert_nonnull (strstr (table, "iifname \"vbiso0\" reject"));
  g_assert_null (strstr (table, "masquerade"));
  /* nothing forwards: the sysctl stays off */
  g_assert_true (g_file_get_contents ("/proc/sys/net/ipv4/ip_forward", &fwd, NULL, NULL));
  g_assert_cmpstr (fwd, ==, "0\n");
  g_assert_true (pid_alive (read_pid (f, "iso")));
  destroy (f, net);
  assert_clean (f);
}

static void
test_open (Fixture *f, gconstpointer data)
{
  VbNetwork *net = define (f,
    "<network><name>opennet</name><forward mode='open'/><bridge name='vbopen0'/>"
    "<ip address='10.79.0.1' prefix='24'/></network>");
  g_autofree char *rules = NULL;

  start (f, net);
  g_assert_true (link_exists ("vbopen0"));
  rules = run_cmd ("nft list ruleset");
  g_assert_null (strstr (rules, "virtbus-opennet"));
  destroy (f, net);
  assert_clean (f);
}

static void
test_bridge_in_use (Fixture *f, gconstpointer data)
{
  VbNetwork *net;
  g_autofree char *before = NULL;

  run_ok ("ip link add vbbusy0 type bridge");
  before = snapshot ();
  net = define (f,
    "<network><name>busy</name><forward mode='nat'/><bridge name='vbbusy0'/>"
    "<ip address='10.80.0.1' prefix='24'><dhcp><range start='10.80.0.2' end='10.80.0.9'/></dhcp></ip>"
    "</network>");
  call_fails (f, VB_OP_NETWORK_CREATE, net, g_variant_new ("()"), VB_ERROR_EXISTS);
  g_assert_false (vb_network_is_active (net));
  /* the bridge that was there is untouched, and nothing else appeared */
  {
    g_autofree char *after = snapshot ();
    g_assert_cmpstr (before, ==, after);
  }
  g_assert_cmpint (read_pid (f, "busy"), ==, 0);

  /* another network may not claim the same bridge name */
  call_fails (f, VB_OP_NETWORK_DEFINE_XML, NULL,
              g_variant_new ("(s)", "<network><name>busy2</name><bridge name='vbbusy0'/></network>"),
              VB_ERROR_EXISTS);
  run_ok ("ip link del vbbusy0");
  assert_clean (f);
}

static void
test_bad_forward_device (Fixture *f, gconstpointer data)
{
  VbNetwork *net = define (f,
    "<network><name>nodev</name><forward mode='vepa'><interface dev='vbnothere0'/></forward></network>");

  call_fails (f, VB_OP_NETWORK_CREATE, net, g_variant_new ("()"), VB_ERROR_INVALID_CONFIG);
  g_assert_false (vb_network_is_active (net));
  call_fails (f, VB_OP_NETWORK_CREATE_XML, NULL, g_variant_new ("(s)", "<network><name>x</name"),
              VB_ERROR_INVALID_XML);
  assert_clean (f);
}

static void
test_hostdev (Fixture *f, gconstpointer data)
{
  VbNetwork *net = define (f,
    "<network><name>vfs</name><forward mode='hostdev' managed='yes'>"
    "<address type='pci' domain='0' bus='3' slot='16' function='1'/></forward></network>");

  call_fails (f, VB_OP_NETWORK_CREATE, net, g_variant_new ("()"), VB_ERROR_NOT_SUPPORTED);
  g_assert_false (vb_network_is_active (net));
  assert_clean (f);
}

static char *
link_details (const char *name)
{
  g_autofree char *cmd = g_strdup_printf ("ip -d -o link show dev %s", name);
  return run_cmd (cmd);
}

static void
veth (const char *a, const char *b)
{
  g_autofree char *cmd = g_strdup_printf ("ip link add %s type veth peer name %s", a, b);
  g_autofree char *up = g_strdup_printf ("ip link set %s up", a);

  run_ok (cmd);
  run_ok (up);
}

typedef struct {
  VbNetworkPort *port;
  char *ifname;
  int fd;
} Plugged;

static Plugged *
plug (Fixture *f, const char *network, guint8 last, GError **error)
{
  VbPortRequest req = { .network = network };
  Plugged *p = g_new0 (Plugged, 1);

  req.mac = (VbMac) { { 0x52, 0x54, 0x00, 0x00, 0x01, last } };
  if (!port_allocate (f, network, &req, NULL, &p->port, &p->ifname, &p->fd, error)) {
    g_free (p);
    return NULL;
  }
  g_assert_cmpint (p->fd, >=, 0);
  return p;
}

static void
unplug (Fixture *f, Plugged *p)
{
  vb_network_driver_port_release (f->owner->net, p->port, p->ifname);
  close (p->fd);
  assert_link_goes (p->ifname);
  vb_network_port_free (p->port);
  g_free (p->ifname);
  g_free (p);
}

static void
assert_macvtap_on (const Plugged *p, const char *parent, const char *mode)
{
  g_autofree char *details = link_details (p->ifname);
  g_autofree char *at = g_strdup_printf ("@%s:", parent);
  g_autofree char *m = g_strdup_printf ("macvtap mode %s", mode);

  g_assert_cmpstr (p->port->dev, ==, parent);
  g_assert_nonnull (strstr (details, at));
  g_assert_nonnull (strstr (details, m));
}

static void
test_pool_vepa (Fixture *f, gconstpointer data)
{
  VbNetwork *net;
  Plugged *a, *b, *c;
  g_autoptr(GError) error = NULL;
  const VbNetworkUsage *usage;

  veth ("vbpa0", "vbpb0");
  veth ("vbpa1", "vbpb1");
  g_free (f->before);
  f->before = snapshot ();
  net = define (f,
    "<network><name>vepanet</name><forward mode='vepa'>"
    "<interface dev='vbpa0'/><interface dev='vbpa1'/></forward></network>");
  start (f, net);

  /* least used first, the first on a tie */
  a = plug (f, "vepanet", 1, &error);
  g_assert_no_error (error);
  assert_macvtap_on (a, "vbpa0", "vepa");
  b = plug (f, "vepanet", 2, &error);
  g_assert_no_error (error);
  assert_macvtap_on (b, "vbpa1", "vepa");
  c = plug (f, "vepanet", 3, &error);
  g_assert_no_error (error);
  assert_macvtap_on (c, "vbpa0", "vepa");

  usage = vb_network_driver_get_usage (f->owner->net, "vepanet");
  g_assert_cmpuint (usage->connections, ==, 3);
  g_assert_cmpuint (vb_network_usage_device_count (usage, "vbpa0"), ==, 2);

  /* a pool member in use cannot be removed by a live update */
  call_fails (f, VB_OP_NETWORK_UPDATE, net,
              g_variant_new ("(uuisu)", VB_NETWORK_UPDATE_DELETE, VB_NETWORK_SECTION_FORWARD_INTERFACE,
                             -1, "<interface dev='vbpa1'/>", 1),
              VB_ERROR_BUSY);

  /* releasing returns the device: the next port goes to the freed one */
  unplug (f, b);
  g_assert_cmpuint (vb_network_usage_device_count (usage, "vbpa1"), ==, 0);
  b = plug (f, "vepanet", 4, &error);
  g_assert_no_error (error);
  assert_macvtap_on (b, "vbpa1", "vepa");

  /* the counts are in the live XML */
  {
    g_autoptr(GVariant) xml = call_ok (f, VB_OP_NETWORK_GET_XML_DESC, net, g_variant_new ("(u)", 0));
    const char *s = g_variant_get_string (xml, NULL);
    g_assert_nonnull (strstr (s, "connections='3'"));
    g_assert_nonnull (strstr (s, "<interface dev='vbpa0' connections='2'/>"));
  }

  unplug (f, a);
  unplug (f, b);
  unplug (f, c);
  g_assert_cmpuint (usage->connections, ==, 0);
  destroy (f, net);
  assert_clean (f);
  run_ok ("ip link del vbpa0");
  run_ok ("ip link del vbpa1");
}

static void
test_pool_private (Fixture *f, gconstpointer data)
{
  VbNetwork *net;
  Plugged *a;
  g_autoptr(GError) error = NULL;

  veth ("vbpc0", "vbpd0");
  g_free (f->before);
  f->before = snapshot ();
  net = define (f,
    "<network><name>privnet</name><forward mode='private'><interface dev='vbpc0'/></forward></network>");
  start (f, net);
  a = plug (f, "privnet", 1, &error);
  g_assert_no_error (error);
  assert_macvtap_on (a, "vbpc0", "private");
  unplug (f, a);
  destroy (f, net);
  assert_clean (f);
  run_ok ("ip link del vbpc0");
}

static void
test_pool_passthrough (Fixture *f, gconstpointer data)
{
  VbNetwork *net;
  Plugged *a, *b;
  g_autoptr(GError) error = NULL;
  g_autofree char *links_before = NULL;
  g_autofree char *links_after = NULL;

  veth ("vbpe0", "vbpf0");
  g_free (f->before);
  f->before = snapshot ();
  net = define (f,
    "<network><name>ptnet</name><forward mode='passthrough'><interface dev='vbpe0'/></forward></network>");
  start (f, net);
  a = plug (f, "ptnet", 1, &error);
  g_assert_no_error (error);
  assert_macvtap_on (a, "vbpe0", "passthru");

  /* the only device is held: refused, and nothing created or charged */
  links_before = run_cmd ("ip -o link show");
  b = plug (f, "ptnet", 2, &error);
  g_assert_null (b);
  g_assert_error (error, VB_ERROR, VB_ERROR_BUSY);
  g_test_message ("expected error: %s", error->message);
  g_clear_error (&error);
  links_after = run_cmd ("ip -o link show");
  g_assert_cmpstr (links_before, ==, links_after);
  g_assert_cmpuint (vb_network_driver_get_usage (f->owner->net, "ptnet")->connections, ==, 1);

  /* given back, it can be taken again */
  unplug (f, a);
  b = plug (f, "ptnet", 2, &error);
  g_assert_no_error (error);
  assert_macvtap_on (b, "vbpe0", "passthru");
  unplug (f, b);
  destroy (f, net);
  assert_clean (f);
  run_ok ("ip link del vbpe0");
}

static void
test_tap_port (Fixture *f, gconstpointer data)
{
  VbNetwork *net = define (f,
    "<network><name>tapnet</name><bridge name='vbtap0'/><mtu size='9000'/>"
    "<portgroup name='pg1' default='yes'/>"
    "<ip address='10.81.0.1' prefix='24'/></network>");
  g_autoptr(GError) error = NULL;
  g_autofree char *details = NULL;
  Plugged *p;

  start (f, net);
  p = plug (f, "tapnet", 9, &error);
  g_assert_no_error (error);
  g_assert_cmpint (p->port->type, ==, VB_PORT_TYPE_NETWORK);
  g_assert_cmpstr (p->port->bridge_name, ==, "vbtap0");
  g_assert_cmpstr (p->port->portgroup, ==, "pg1");
  g_assert_true (g_str_has_prefix (p->ifname, "vnet"));
  details = link_details (p->ifname);
  g_assert_nonnull (strstr (details, "master vbtap0"));
  g_assert_nonnull (strstr (details, "fe:54:00:00:01:09"));
  g_assert_nonnull (strstr (details, "mtu 9000"));
  unplug (f, p);

  /* a network that is not running has no ports */
  destroy (f, net);
  g_assert_null (plug (f, "tapnet", 10, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_STATE);
  assert_clean (f);
}

static void
test_update (Fixture *f, gconstpointer data)
{
  VbNetwork *net = define (f, nat_xml);
  g_autofree char *hosts_path = g_strdup_printf ("%s/natnet.hostsfile", f->run_dir);
  g_autofree char *conf_path = g_strdup_printf ("%s/natnet.conf", f->run_dir);
  g_autofree char *cfg_path = g_strdup_printf ("%s/natnet.xml", f->config_dir);
  g_autofree char *hosts = NULL;
  g_autofree char *conf = NULL;
  g_autofree char *cfg = NULL;
  int pid, pid2;

  start (f, net);
  pid = read_pid (f, "natnet");

  /* a static host, live and config: hosts file reloaded, same dnsmasq */
  g_assert_null (call_ok (f, VB_OP_NETWORK_UPDATE, net,
    g_variant_new ("(uuisu)", VB_NETWORK_UPDATE_ADD_LAST, VB_NETWORK_SECTION_IP_DHCP_HOST, -1,
                   "<host mac='52:54:00:00:00:77' name='newhost' ip='192.168.100.77'/>", 3)));
  g_assert_true (g_file_get_contents (hosts_path, &hosts, NULL, NULL));
  g_assert_nonnull (strstr (hosts, "52:54:00:00:00:77,192.168.100.77,newhost\n"));
  g_assert_true (g_file_get_contents (cfg_path, &cfg, NULL, NULL));
  g_assert_nonnull (strstr (cfg, "newhost"));
  spin (100);
  g_assert_cmpint (read_pid (f, "natnet"), ==, pid);
  g_assert_true (pid_alive (pid));

  /* a new range: dnsmasq restarts with it */
  g_assert_null (call_ok (f, VB_OP_NETWORK_UPDATE, net,
    g_variant_new ("(uuisu)", VB_NETWORK_UPDATE_ADD_LAST, VB_NETWORK_SECTION_IP_DHCP_RANGE, -1,
                   "<range start='192.168.100.60' end='192.168.100.70'/>", 1)));
  g_assert_true (g_file_get_contents (conf_path, &conf, NULL, NULL));
  g_assert_nonnull (strstr (conf, "dhcp-range=192.168.100.60,192.168.100.70,255.255.255.0\n"));
  for (int i = 0; i < 300 && ((pid2 = read_pid (f, "natnet")) == pid || pid2 == 0 || !pid_alive (pid2)); i++)
    spin (10);
  g_assert_cmpint (pid2, !=, pid);
  g_assert_true (pid_alive (pid2));
  g_assert_false (pid_alive (pid));
  {
    g_autofree char *answer = dns_query_a ("192.168.100.1", "myhost");
    g_assert_cmpstr (answer, ==, "192.168.100.7");
  }
  destroy (f, net);
  g_assert_false (pid_alive (pid2));
  assert_clean (f);
}

static void
test_dnsmasq_respawn (Fixture *f, gconstpointer data)
{
  VbNetwork *net = define (f, nat_xml);
  int pid, pid2 = 0;

  start (f, net);
  pid = read_pid (f, "natnet");
  g_test_expect_message ("virtbus-network", G_LOG_LEVEL_WARNING, "*dnsmasq*exited; restarting it");
  kill (pid, SIGKILL);
  for (int i = 0; i < 300 && ((pid2 = read_pid (f, "natnet")) == pid || pid2 == 0 || !pid_alive (pid2)); i++)
    spin (10);
  g_test_assert_expected_messages ();
  g_assert_cmpint (pid2, !=, pid);
  g_assert_true (pid_alive (pid2));
  destroy (f, net);
  assert_clean (f);
}

static void
test_persistence_and_reattach (Fixture *f, gconstpointer data)
{
  VbNetwork *net = define (f, nat_xml);
  g_autoptr(GVariant) r = NULL;
  g_autofree char *answer = NULL;
  int pid;

  r = call_ok (f, VB_OP_NETWORK_SET_AUTOSTART, net, g_variant_new ("(b)", TRUE));
  start (f, net);
  pid = read_pid (f, "natnet");

  /* the daemon goes away (as if killed) and a new one starts on the same
   * directories: the running network is found, not restarted */
  g_clear_object (&f->owner);
  g_assert_true (pid_alive (pid));
  g_assert_true (link_exists ("virbr0"));
  new_owner (f);
  net = vb_driver_lookup_network_by_name (f->driver, "natnet");
  g_assert_nonnull (net);
  g_assert_true (vb_network_is_active (net));
  g_assert_true (vb_network_is_persistent (net));
  g_assert_true (vb_network_get_autostart (net));
  g_assert_cmpint (read_pid (f, "natnet"), ==, pid);
  answer = dns_query_a ("192.168.100.1", "myhost");
  g_assert_cmpstr (answer, ==, "192.168.100.7");

  destroy (f, net);
  g_assert_false (pid_alive (pid));
  assert_clean (f);

  /* autostart on the next daemon start */
  g_clear_object (&f->owner);
  new_owner (f);
  net = vb_driver_lookup_network_by_name (f->driver, "natnet");
  for (int i = 0; i < 500 && !vb_network_is_active (net); i++)
    spin (10);
  g_assert_true (vb_network_is_active (net));
  destroy (f, net);

  /* undefine: gone from disk and registry */
  {
    g_autofree char *cfg = g_strdup_printf ("%s/natnet.xml", f->config_dir);

    g_assert_null (call_ok (f, VB_OP_NETWORK_UNDEFINE, net, g_variant_new ("()")));
    g_assert_false (g_file_test (cfg, G_FILE_TEST_EXISTS));
    g_assert_null (vb_driver_lookup_network_by_name (f->driver, "natnet"));
  }
  assert_clean (f);
}

static void
test_transient (Fixture *f, gconstpointer data)
{
  gpointer object = NULL;
  g_autoptr(GError) error = NULL;
  VbNetwork *net;

  g_assert_null (call (f, VB_OP_NETWORK_CREATE_XML, NULL,
                       g_variant_new ("(s)", "<network><name>tr</name><bridge name='vbtr0'/>"
                                             "<ip address='10.82.0.1' prefix='24'/></network>"),
                       &object, &error));
  g_assert_no_error (error);
  net = object;
  g_assert_true (vb_network_is_active (net));
  g_assert_false (vb_network_is_persistent (net));
  g_assert_true (vb_driver_lookup_network_by_name (f->driver, "tr") == net);
  destroy (f, net);
  g_assert_null (vb_driver_lookup_network_by_name (f->driver, "tr"));
  g_object_unref (net);
  assert_clean (f);
}

/* A real DHCP exchange: a client in a namespace of its own, on a veth
 * whose other end is in the network's bridge, gets a lease from dnsmasq,
 * and GetDHCPLeases reports it. */
static void
test_dhcp_lease (Fixture *f, gconstpointer data)
{
  g_autofree char *busybox = g_find_program_in_path ("busybox");
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) leases = NULL;
  g_autofree char *script = NULL;
  g_autofree char *move = NULL;
  GOutputStream *in;
  VbNetwork *net;

  if (busybox == NULL) {
    g_test_skip ("busybox (udhcpc) is not installed");
    return;
  }
  /* with STP on (libvirt's default) the kernel holds a new port for 2 x 2 s
   * (it raises the forward delay to STP's minimum); off, the lease comes
   * in a fraction of a second */
  {
    g_autoptr(GString) xml = g_string_new (nat_xml);
    g_string_replace (xml, "<domain ", "<bridge stp='off'/><domain ", 1);
    net = define (f, xml->str);
  }
  start (f, net);
  run_ok ("ip link add vbdh0 type veth peer name vbdh1");
  run_ok ("ip link set vbdh1 address 52:54:00:77:77:77");
  run_ok ("ip link set vbdh0 master virbr0 up");

  /* the client waits on stdin until its interface has been moved in */
  script = g_strdup_printf ("read x; ip link set lo up; ip link set vbdh1 up; "
                            "exec %s udhcpc -i vbdh1 -f -q -n -t 20 -T 1 -s /bin/true -x hostname:dhcpguest",
                            busybox);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  client = g_subprocess_launcher_spawn (launcher, &error, "unshare", "-n", "sh", "-c", script, NULL);
  g_assert_no_error (error);
  move = g_strdup_printf ("ip link set vbdh1 netns %s", g_subprocess_get_identifier (client));
  run_ok (move);
  in = g_subprocess_get_stdin_pipe (client);
  g_assert_true (g_output_stream_write_all (in, "go\n", 3, NULL, NULL, &error));
  g_assert_true (g_output_stream_close (in, NULL, &error));
  g_assert_true (g_subprocess_wait_check (client, NULL, &error));
  g_assert_no_error (error);

  for (int i = 0; i < 200; i++) {
    g_clear_pointer (&leases, g_variant_unref);
    leases = call_ok (f, VB_OP_NETWORK_GET_DHCP_LEASES, net, g_variant_new ("(su)", "52:54:00:77:77:77", 0));
    if (g_variant_n_children (leases) > 0)
      break;
    spin (10);
  }
  g_assert_cmpuint (g_variant_n_children (leases), ==, 1);
  {
    const char *iface, *mac, *iaid, *ip, *host, *clientid;
    gint64 expiry;
    int type;
    guint prefix;
    struct in_addr a;

    g_variant_get_child (leases, 0, "(&sxi&s&s&su&s&s)", &iface, &expiry, &type, &mac, &iaid, &ip,
                         &prefix, &host, &clientid);
    g_test_message ("lease: %s %s %s until %" G_GINT64_FORMAT, mac, ip, host, expiry);
    g_assert_cmpstr (iface, ==, "virbr0");
    g_assert_cmpstr (mac, ==, "52:54:00:77:77:77");
    g_assert_cmpstr (host, ==, "dhcpguest");
    g_assert_cmpuint (prefix, ==, 24);
    g_assert_cmpint (inet_pton (AF_INET, ip, &a), ==, 1);
    /* from the range, with its 2 h lease */
    g_assert_cmpuint (ntohl (a.s_addr) & 0xff, >=, 10);
    g_assert_cmpuint (ntohl (a.s_addr) & 0xff, <=, 50);
    g_assert_cmpint (expiry, >, g_get_real_time () / G_USEC_PER_SEC + 7000);
  }
  /* the client's namespace goes with it, and the veth pair with that; the
   * kernel tears namespaces down asynchronously */
  for (int i = 0; i < 200 && link_exists ("vbdh0"); i++)
    spin (10);
  g_assert_false (link_exists ("vbdh0"));
  destroy (f, net);
  assert_clean (f);
}

static void
test_host_bridge (Fixture *f, gconstpointer data)
{
  VbNetwork *net, *missing;
  g_autoptr(GError) error = NULL;
  g_autofree char *details = NULL;
  Plugged *p;

  /* a fixed MAC: otherwise the kernel re-derives it from the ports */
  run_ok ("ip link add vbhost0 address 02:00:00:00:00:01 type bridge");
  g_free (f->before);
  f->before = snapshot ();
  net = define (f, "<network><name>hostbr</name><forward mode='bridge'/><bridge name='vbhost0'/></network>");
  /* the host's bridge is used as it is: nothing of ours appears */
  start (f, net);
  {
    g_autofree char *now = snapshot ();
    g_assert_cmpstr (now, ==, f->before);
  }
  p = plug (f, "hostbr", 5, &error);
  g_assert_no_error (error);
  g_assert_cmpint (p->port->type, ==, VB_PORT_TYPE_BRIDGE);
  details = link_details (p->ifname);
  g_assert_nonnull (strstr (details, "master vbhost0"));
  unplug (f, p);
  destroy (f, net);
  g_assert_true (link_exists ("vbhost0"));
  assert_clean (f);
  run_ok ("ip link del vbhost0");

  missing = define (f, "<network><name>nohost</name><forward mode='bridge'/><bridge name='vbnohost0'/></network>");
  call_fails (f, VB_OP_NETWORK_CREATE, missing, g_variant_new ("()"), VB_ERROR_INVALID_CONFIG);
}

/* What an admin does with `ip tuntap add`: a tap that outlives its fd. */
static void
persistent_tap (const char *name)
{
  struct ifreq ifr = { 0 };
  int fd = open ("/dev/net/tun", O_RDWR | O_CLOEXEC);

  g_assert_cmpint (fd, >=, 0);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  g_strlcpy (ifr.ifr_name, name, sizeof (ifr.ifr_name));
  g_assert_cmpint (ioctl (fd, TUNSETIFF, &ifr), ==, 0);
  g_assert_cmpint (ioctl (fd, TUNSETPERSIST, 1), ==, 0);
  close (fd);
}

static void
plug_fails (Fixture *f, const VbNetworkPort *port, const char *name, int code)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ifname = NULL;
  int fd = -1;

  g_assert_false (plug_outside (f, port, name, &ifname, &fd, &error));
  g_assert_error (error, VB_ERROR, code);
  g_assert_null (ifname);
  g_assert_cmpint (fd, ==, -1);
}

/* <interface type='ethernet'>: a tap of ours, configured and on no bridge,
 * and an admin's persistent tap, opened as it is and never deleted. */
static void
test_ethernet_port (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) ips = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_netdev_ip_free);
  g_autoptr(GPtrArray) routes = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_netdev_route_free);
  VbNetdevIp *ip = g_new0 (VbNetdevIp, 1);
  VbNetdevRoute *route = g_new0 (VbNetdevRoute, 1);
  VbNetworkPort port = { .type = VB_PORT_TYPE_ETHERNET, .mtu = 1450 };
  VbNetworkPort admin = { .type = VB_PORT_TYPE_ETHERNET, .tap_existing = TRUE };
  g_autoptr(GError) error = NULL;
  g_autofree char *ifname = NULL;
  g_autofree char *admin_name = NULL;
  g_autofree char *details = NULL;
  g_autofree char *addrs = NULL;
  g_autofree char *table = NULL;
  int fd = -1, admin_fd = -1;

  ip->address = g_strdup ("10.8.0.1");
  ip->prefix = 32;
  ip->peer = g_strdup ("10.8.0.2");
  g_ptr_array_add (ips, ip);
  route->address = g_strdup ("10.9.0.0");
  route->prefix = 16;
  route->prefix_set = TRUE;
  route->gateway = g_strdup ("10.8.0.2");
  g_ptr_array_add (routes, route);
  port.host_ips = ips;
  port.host_routes = routes;
  g_assert_true (vb_mac_parse ("52:54:00:01:02:03", &port.mac, NULL));

  g_assert_true (plug_outside (f, &port, "vbeth0", &ifname, &fd, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ifname, ==, "vbeth0");
  details = link_details ("vbeth0");
  g_assert_nonnull (strstr (details, "tun type tap"));
  g_assert_nonnull (strstr (details, "mtu 1450"));
  g_assert_nonnull (strstr (details, "fe:54:00:01:02:03"));
  g_assert_nonnull (strstr (details, ",UP"));
  g_assert_null (strstr (details, "master"));
  addrs = run_cmd ("ip -o addr show dev vbeth0");
  g_assert_nonnull (strstr (addrs, "10.8.0.1 peer 10.8.0.2/32"));
  table = run_cmd ("ip route show dev vbeth0");
  g_assert_nonnull (strstr (table, "10.9.0.0/16 via 10.8.0.2"));
  /* a name that is taken is never taken over */
  plug_fails (f, &port, "vbeth0", VB_ERROR_EXISTS);
  close (fd);
  vb_network_driver_unplug (f->owner->net, ifname);
  assert_link_goes ("vbeth0");
  assert_clean (f);

  persistent_tap ("vbadm0");
  g_free (f->before);
  f->before = snapshot ();
  g_assert_true (plug_outside (f, &admin, "vbadm0", &admin_name, &admin_fd, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (admin_name, ==, "vbadm0");
  plug_fails (f, &admin, "vbadm0", VB_ERROR_BUSY);
  close (admin_fd);
  /* nothing about it changed, and it stays */
  assert_clean (f);
  plug_fails (f, &admin, "vbnosuch0", VB_ERROR_NOT_FOUND);
  plug_fails (f, &admin, "lo", VB_ERROR_INVALID_CONFIG);
  plug_fails (f, &admin, NULL, VB_ERROR_INVALID_CONFIG);
  assert_clean (f);
  run_ok ("ip link del vbadm0");
}

static const char vepa_xml[] =
  "<network><name>vepanet</name><forward mode='vepa'>"
  "<interface dev='vbpa0'/><interface dev='vbpa1'/></forward></network>";

static char *self_exe;

/* The "daemon" of test_sigkill_reattach: starts a NAT network and a pool
 * network with three guest ports, says "ready", and waits to be killed. */
static int
serve (const char *config_dir, const char *run_dir)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  VbNetwork *nat, *pool;

  f.config_dir = g_strdup (config_dir);
  f.run_dir = g_strdup (run_dir);
  f.events = g_ptr_array_new_with_free_func (g_free);
  new_owner (&f);
  nat = define (&f, nat_xml);
  start (&f, nat);
  pool = define (&f, vepa_xml);
  start (&f, pool);
  for (guint8 i = 1; i <= 3; i++) {
    g_assert_nonnull (plug (&f, "vepanet", i, &error));
    g_assert_no_error (error);
  }
  printf ("ready\n");
  fflush (stdout);
  for (;;)
    pause ();
  return 0;
}

static void
delete_macvtaps (void)
{
  g_autofree char *out = run_cmd ("ip -o link show type macvtap");
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);

  for (guint i = 0; lines[i]; i++) {
    g_auto(GStrv) fields = g_strsplit_set (lines[i], ":@", 3);
    g_autofree char *cmd = NULL;

    if (g_strv_length (fields) < 2)
      continue;
    cmd = g_strdup_printf ("ip link del %s", g_strstrip (fields[1]));
    run_ok (cmd);
  }
}

/* A daemon killed with SIGKILL: its networks keep running, and the next
 * daemon finds them, their dnsmasq and their port counts. */
static void
test_sigkill_reattach (Fixture *f, gconstpointer data)
{
  g_autoptr(GSubprocess) daemon = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *macvtaps = NULL;
  const VbNetworkUsage *usage;
  VbNetworkPort port = { 0 };
  VbNetwork *nat, *pool;
  int pid;

  veth ("vbpa0", "vbpb0");
  veth ("vbpa1", "vbpb1");
  g_free (f->before);
  f->before = snapshot ();
  g_clear_object (&f->owner);

  daemon = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, self_exe, "--serve",
                             f->config_dir, f->run_dir, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (daemon));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, "ready");
  pid = read_pid (f, "natnet");
  g_subprocess_force_exit (daemon);
  g_assert_false (g_subprocess_wait_check (daemon, NULL, NULL));

  g_assert_true (pid_alive (pid));
  macvtaps = run_cmd ("ip -o link show type macvtap");
  g_assert_nonnull (strstr (macvtaps, "@vbpa1"));

  new_owner (f);
  nat = vb_driver_lookup_network_by_name (f->driver, "natnet");
  pool = vb_driver_lookup_network_by_name (f->driver, "vepanet");
  g_assert_true (nat && vb_network_is_active (nat));
  g_assert_true (pool && vb_network_is_active (pool));
  g_assert_cmpint (read_pid (f, "natnet"), ==, pid);
  answer = dns_query_a ("192.168.100.1", "myhost");
  g_assert_cmpstr (answer, ==, "192.168.100.7");

  /* the counts the killed daemon left */
  usage = vb_network_driver_get_usage (f->owner->net, "vepanet");
  g_assert_cmpuint (usage->connections, ==, 3);
  g_assert_cmpuint (vb_network_usage_device_count (usage, "vbpa0"), ==, 2);
  g_assert_cmpuint (vb_network_usage_device_count (usage, "vbpa1"), ==, 1);

  /* and the hypervisor driver's recount from its guests */
  vb_network_driver_usage_reset (f->owner->net);
  g_assert_cmpuint (usage->connections, ==, 0);
  port.type = VB_PORT_TYPE_DIRECT;
  port.network = (char *) "vepanet";
  port.network_uuid = *vb_network_get_uuid (pool);
  port.dev = (char *) "vbpa1";
  port.device_key = (char *) "vbpa1";
  port.macvtap_mode = VB_MACVTAP_VEPA;
  g_assert_true (vb_network_driver_port_reclaim (f->owner->net, &port, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (usage->connections, ==, 1);
  g_assert_cmpuint (vb_network_usage_device_count (usage, "vbpa1"), ==, 1);

  delete_macvtaps ();
  destroy (f, nat);
  destroy (f, pool);
  g_assert_false (pid_alive (pid));
  assert_clean (f);
  run_ok ("ip link del vbpa0");
  run_ok ("ip link del vbpa1");
}

static char *
write_script (Fixture *f, const char *name, const char *body)
{
  char *path = g_build_filename (f->run_dir, "..", name, NULL);
  g_autofree char *text = g_strdup_printf ("#!/bin/sh\n%s\n", body);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_chmod (path, 0755);
  return path;
}

/* dnsmasq dies during start: the start fails with its complaint, and
 * what was built (bridge, address, rules, sysctl) is gone. */
static void
test_dnsmasq_fails (Fixture *f, gconstpointer data)
{
  g_autofree char *fake = write_script (f, "fake-dnsmasq", "echo 'fake dnsmasq: bad config' >&2; exit 3");
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) r = NULL;
  VbNetwork *net;

  vb_network_driver_set_dnsmasq_path (f->owner->net, fake);
  net = define (f, nat_xml);
  r = call (f, VB_OP_NETWORK_CREATE, net, g_variant_new ("()"), NULL, &error);
  g_assert_error (error, VB_ERROR, VB_ERROR_FAILED);
  g_test_message ("expected error: %s", error->message);
  g_assert_nonnull (strstr (error->message, "fake dnsmasq: bad config"));
  g_assert_false (vb_network_is_active (net));
  assert_clean (f);
  /* and the events say nothing started */
  g_assert_cmpuint (f->events->len, ==, 1);
}

/* The "daemon" of test_killed_while_starting: asks for a start that cannot
 * complete (its dnsmasq never gets ready) and says "ready" meanwhile. */
static int
serve_starting (const char *config_dir, const char *run_dir, const char *fake)
{
  Fixture f = { 0 };
  VbNetwork *net;

  f.config_dir = g_strdup (config_dir);
  f.run_dir = g_strdup (run_dir);
  f.events = g_ptr_array_new_with_free_func (g_free);
  new_owner (&f);
  vb_network_driver_set_dnsmasq_path (f.owner->net, fake);
  net = define (&f, nat_xml);
  vb_driver_call_async (f.driver, VB_OP_NETWORK_CREATE, net, g_variant_new ("()"), NULL, NULL, NULL);
  spin (200);
  g_assert_false (vb_network_is_active (net));
  printf ("ready\n");
  fflush (stdout);
  for (;;)
    pause ();
  return 0;
}

static gboolean
slow_dnsmasq_running (void)
{
  g_autofree char *ps = run_cmd ("ps -eo stat=,args=");
  g_auto(GStrv) lines = g_strsplit (ps, "\n", -1);

  for (guint i = 0; lines[i]; i++) {
    const char *l = g_strstrip (lines[i]);
    if (strstr (l, "slow-dnsmasq") && l[0] != 'Z')
      return TRUE;
  }
  return FALSE;
}

static void
test_killed_while_starting (Fixture *f, gconstpointer data)
{
  g_autofree char *fake = write_script (f, "slow-dnsmasq", "while :; do sleep 0.05; done");
  g_autoptr(GSubprocess) daemon = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  VbNetwork *net;

  g_clear_object (&f->owner);
  daemon = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, self_exe, "--serve-starting",
                             f->config_dir, f->run_dir, fake, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (daemon));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_cmpstr (line, ==, "ready");
  /* half-built: the bridge is there */
  g_assert_true (link_exists ("virbr0"));
  g_subprocess_force_exit (daemon);
  g_subprocess_wait (daemon, NULL, NULL);

  new_owner (f);
  net = vb_driver_lookup_network_by_name (f->driver, "natnet");
  g_assert_nonnull (net);
  g_assert_false (vb_network_is_active (net));
  /* its stand-in dnsmasq was found and stopped too (a zombie awaiting
   * PID 1, which reaps slowly here, is stopped) */
  for (int i = 0; i < 100 && slow_dnsmasq_running (); i++)
    spin (10);
  g_assert_false (slow_dnsmasq_running ());
  assert_clean (f);
}

static void
test_bandwidth (Fixture *f, gconstpointer data)
{
  VbNetwork *net = define (f,
    "<network><name>bwnet</name><bridge name='vbbw0'/>"
    "<portgroup name='slow' default='yes'><bandwidth><inbound average='1000' peak='2000' burst='256'/></bandwidth></portgroup>"
    "<portgroup name='up'><bandwidth><outbound average='1000'/></bandwidth></portgroup>"
    "<ip address='10.83.0.1' prefix='24'/></network>");
  VbPortRequest req = { .network = "bwnet" };
  g_autoptr(GError) error = NULL;
  g_autofree char *classes = NULL;
  g_autofree char *cmd = NULL;
  g_autofree char *links_before = NULL;
  g_autofree char *links_after = NULL;
  Plugged *p;

  start (f, net);
  /* the default portgroup's inbound limit shapes what the tap sends */
  p = plug (f, "bwnet", 1, &error);
  g_assert_no_error (error);
  cmd = g_strdup_printf ("tc class show dev %s", p->ifname);
  classes = run_cmd (cmd);
  g_test_message ("%s", classes);
  g_assert_nonnull (strstr (classes, "htb 1:1"));
  g_assert_nonnull (strstr (classes, "rate 8Mbit ceil 16Mbit"));
  unplug (f, p);

  /* an outbound limit cannot be applied: refused, nothing left */
  links_before = run_cmd ("ip -o link show");
  req.portgroup = "up";
  {
    g_autoptr(VbNetworkPort) port = NULL;
    g_autofree char *ifname = NULL;
    int fd;

    g_assert_false (port_allocate (f, "bwnet", &req, NULL, &port, &ifname, &fd, &error));
    g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
    g_test_message ("expected error: %s", error->message);
    g_assert_cmpint (fd, ==, -1);
  }
  links_after = run_cmd ("ip -o link show");
  g_assert_cmpstr (links_before, ==, links_after);
  g_assert_cmpuint (vb_network_driver_get_usage (f->owner->net, "bwnet")->connections, ==, 0);
  destroy (f, net);
  assert_clean (f);
}

static const char bench_xml[] =
  "<network><name>benchnet</name><forward mode='nat'/><bridge name='vbbench0' stp='off'/>"
  "<dns><host ip='192.168.111.9'><hostname>probe</hostname></host></dns>"
  "<ip address='192.168.111.1' prefix='24'><dhcp><range start='192.168.111.10' end='192.168.111.50'/></dhcp></ip>"
  "</network>";

static int
cmp_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* The same steps by hand: bridge and address with ip, one nft ruleset
 * with nft -f, dnsmasq until it answers, then undo. */
static double
by_hand_cycle (Fixture *f)
{
  g_autofree char *dir = g_build_filename (f->run_dir, "..", NULL);
  g_autofree char *rules = g_build_filename (dir, "hand.nft", NULL);
  g_autofree char *conf = g_build_filename (dir, "hand.conf", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GSubprocess) dnsmasq = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *conf_arg = NULL;
  g_autofree char *nft_cmd = g_strdup_printf ("nft -f %s", rules);
  gint64 t0;

  g_assert_true (g_file_set_contents (rules,
    "table ip hand {\n  chain postrouting {\n    type nat hook postrouting priority srcnat;\n"
    "    ip saddr 192.168.112.0/24 ip daddr != 192.168.112.0/24 masquerade\n  }\n}\n", -1, NULL));
  text = g_strdup_printf ("interface=vbhand0\nexcept-interface=lo\nbind-dynamic\nno-resolv\nno-hosts\n"
                          "no-ping\ndhcp-range=192.168.112.10,192.168.112.50,255.255.255.0,1h\n"
                          "dhcp-leasefile=%s/hand.leases\naddress=/probe/192.168.112.9\n", dir);
  g_assert_true (g_file_set_contents (conf, text, -1, NULL));
  conf_arg = g_strdup_printf ("--conf-file=%s", conf);

  t0 = g_get_monotonic_time ();
  run_ok ("ip link add vbhand0 type bridge stp_state 0 forward_delay 0");
  run_ok ("ip addr add 192.168.112.1/24 dev vbhand0");
  run_ok ("ip link set vbhand0 up");
  run_ok (nft_cmd);
  dnsmasq = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, NULL, "dnsmasq", "--keep-in-foreground", conf_arg, NULL);
  answer = dns_query_a_full ("192.168.112.1", "probe", 5, 1000);
  g_assert_cmpstr (answer, ==, "192.168.112.9");
  g_subprocess_send_signal (dnsmasq, SIGTERM);
  g_subprocess_wait (dnsmasq, NULL, NULL);
  run_ok ("nft delete table ip hand");
  run_ok ("ip link del vbhand0");
  return (g_get_monotonic_time () - t0) / 1000.0;
}

static double
virtbus_cycle (Fixture *f, VbNetwork *net)
{
  g_autofree char *answer = NULL;
  gint64 t0 = g_get_monotonic_time ();

  gint64 t1, t2;

  start (f, net);
  t1 = g_get_monotonic_time ();
  answer = dns_query_a_full ("192.168.111.1", "probe", 5, 1000);
  g_assert_cmpstr (answer, ==, "192.168.111.9");
  t2 = g_get_monotonic_time ();
  destroy (f, net);
  g_test_message ("virtbus: start %.1f ms, first answer +%.1f ms, stop %.1f ms", (t1 - t0) / 1000.0,
                  (t2 - t1) / 1000.0, (g_get_monotonic_time () - t2) / 1000.0);
  return (g_get_monotonic_time () - t0) / 1000.0;
}

static void
test_perf_start_stop (Fixture *f, gconstpointer data)
{
  double hand[7], ours[7];
  VbNetwork *net;

  if (!g_test_perf ()) {
    g_test_skip ("a benchmark: run with -m perf");
    return;
  }
  net = define (f, bench_xml);
  for (guint i = 0; i < G_N_ELEMENTS (hand); i++) {
    hand[i] = by_hand_cycle (f);
    ours[i] = virtbus_cycle (f, net);
  }
  qsort (hand, G_N_ELEMENTS (hand), sizeof (double), cmp_double);
  qsort (ours, G_N_ELEMENTS (ours), sizeof (double), cmp_double);
  g_test_message ("NAT network with DHCP, start until DNS answers + stop, median of %u: "
                  "by hand %.1f ms, virtbus %.1f ms, ratio %.2f",
                  (guint) G_N_ELEMENTS (hand), hand[3], ours[3], ours[3] / hand[3]);
  g_test_minimized_result (ours[3] / hand[3], "virtbus / by hand: %.2f", ours[3] / hand[3]);
  assert_clean (f);
}

/* Every generator path at once, loaded for real: nft must accept the
 * rules (SNAT range, <forward dev>, IPv6 masquerade) and dnsmasq the
 * config (it would exit during start otherwise). */
static void
test_rich_config (Fixture *f, gconstpointer data)
{
  g_autofree char *tftp = g_build_filename (f->run_dir, "..", "tftp", NULL);
  g_autofree char *xml = NULL;
  g_autofree char *table = NULL;
  g_autofree char *conf = NULL;
  g_autofree char *conf_path = g_strdup_printf ("%s/rich.conf", f->run_dir);
  g_autofree char *hosts = NULL;
  g_autofree char *hosts_path = g_strdup_printf ("%s/rich.hostsfile", f->run_dir);
  VbNetwork *net;

  g_assert_cmpint (g_mkdir_with_parents (tftp, 0755), ==, 0);
  xml = g_strdup_printf (
    "<network><name>rich</name>"
    "<forward mode='nat' dev='vbout0'><nat ipv6='yes'>"
    "  <address start='203.0.113.10' end='203.0.113.20'/><port start='2000' end='3000'/>"
    "</nat></forward>"
    "<bridge name='vbrich0' stp='off'/><mtu size='1400'/>"
    "<domain name='rich.test' localOnly='yes'/>"
    "<dns forwardPlainNames='no'>"
    "  <forwarder addr='192.0.2.53'/><forwarder domain='corp.test' addr='192.0.2.54'/>"
    "  <txt name='t1' value='v1'/>"
    "  <srv service='sip' protocol='udp' domain='rich.test' target='pbx.rich.test' port='5060' priority='10' weight='5'/>"
    "  <host ip='10.84.0.5'><hostname>a</hostname><hostname>b</hostname></host>"
    "</dns>"
    "<ip address='10.84.0.1' netmask='255.255.255.0'>"
    "  <tftp root='%s'/>"
    "  <dhcp>"
    "    <range start='10.84.0.100' end='10.84.0.200'><lease expiry='30' unit='minutes'/></range>"
    "    <host mac='52:54:00:00:84:01' name='h1' ip='10.84.0.11'><lease expiry='0'/></host>"
    "    <bootp file='pxelinux.0' server='10.84.0.1'/>"
    "  </dhcp>"
    "</ip>"
    "<ip family='ipv6' address='fd00:84::1' prefix='64'>"
    "  <dhcp><range start='fd00:84::100' end='fd00:84::1ff'/>"
    "  <host id='0:3:0:1:0:16:3e:11:22:33' name='h6' ip='fd00:84::11'/></dhcp>"
    "</ip>"
    "</network>", tftp);
  net = define (f, xml);
  start (f, net);

  table = nft_table ("rich");
  g_test_message ("%s", table);
  g_assert_nonnull (strstr (table, "oifname \"vbout0\""));
  g_assert_nonnull (strstr (table, "snat ip to 203.0.113.10-203.0.113.20:2000-3000"));
  g_assert_nonnull (strstr (table, "ip6 saddr fd00:84::/64"));
  g_assert_nonnull (strstr (table, "masquerade"));

  g_assert_true (g_file_get_contents (conf_path, &conf, NULL, NULL));
  g_test_message ("%s", conf);
  g_assert_nonnull (strstr (conf, "local=/rich.test/\n"));
  g_assert_nonnull (strstr (conf, "server=192.0.2.53\n"));
  g_assert_nonnull (strstr (conf, "server=/corp.test/192.0.2.54\n"));
  g_assert_nonnull (strstr (conf, "no-resolv\n"));
  g_assert_nonnull (strstr (conf, "srv-host=_sip._udp.rich.test,pbx.rich.test,5060,10,5\n"));
  g_assert_nonnull (strstr (conf, "dhcp-range=10.84.0.100,10.84.0.200,255.255.255.0,30m\n"));
  g_assert_nonnull (strstr (conf, "dhcp-range=fd00:84::100,fd00:84::1ff,64\n"));
  g_assert_nonnull (strstr (conf, "dhcp-boot=pxelinux.0,,10.84.0.1\n"));
  g_assert_nonnull (strstr (conf, "enable-tftp\n"));
  g_assert_nonnull (strstr (conf, "enable-ra\n"));
  g_assert_true (g_file_get_contents (hosts_path, &hosts, NULL, NULL));
  g_assert_nonnull (strstr (hosts, "52:54:00:00:84:01,10.84.0.11,h1,infinite\n"));
  g_assert_nonnull (strstr (hosts, "id:0:3:0:1:0:16:3e:11:22:33,[fd00:84::11],h6\n"));

  /* dnsmasq took all of it, and answers */
  g_assert_true (pid_alive (read_pid (f, "rich")));
  {
    g_autofree char *answer = dns_query_a ("10.84.0.1", "b");
    g_assert_cmpstr (answer, ==, "10.84.0.5");
  }
  destroy (f, net);
  assert_clean (f);
}

/* Definitions and autostart symlinks as the network driver wrote them
 * before it kept them through the core's config store: found at open,
 * the symlink taken over by the store's mark, nothing lost. */
static void
test_legacy_layout (Fixture *f, gconstpointer data)
{
  g_autofree char *cfg = g_build_filename (f->config_dir, "legacy.xml", NULL);
  g_autofree char *link = g_build_filename (f->config_dir, "autostart", "legacy.xml", NULL);
  g_autofree char *mark = g_build_filename (f->config_dir, "autostart", "legacy", NULL);
  VbNetwork *net;

  g_clear_object (&f->owner);
  g_assert_true (g_file_set_contents (cfg,
    "<network>\n  <name>legacy</name>\n  <uuid>7c1a0f64-1c52-4b0e-9a43-2f1e3a9d8b10</uuid>\n"
    "  <bridge name='vblegacy0'/>\n</network>\n", -1, NULL));
  g_assert_cmpint (symlink (cfg, link), ==, 0);
  new_owner (f);

  net = vb_driver_lookup_network_by_name (f->driver, "legacy");
  g_assert_nonnull (net);
  g_assert_true (vb_network_is_persistent (net));
  g_assert_true (vb_network_get_autostart (net));
  for (int i = 0; i < 500 && !vb_network_is_active (net); i++)
    spin (10);
  g_assert_true (vb_network_is_active (net));
  g_assert_true (g_file_test (mark, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (link, G_FILE_TEST_IS_SYMLINK));

  /* and again after a restart, now from the store's own mark */
  destroy (f, net);
  g_clear_object (&f->owner);
  new_owner (f);
  net = vb_driver_lookup_network_by_name (f->driver, "legacy");
  g_assert_nonnull (net);
  g_assert_true (vb_network_get_autostart (net));
  for (int i = 0; i < 500 && !vb_network_is_active (net); i++)
    spin (10);
  destroy (f, net);
  g_assert_null (call_ok (f, VB_OP_NETWORK_UNDEFINE, net, g_variant_new ("()")));
  g_assert_false (g_file_test (cfg, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (mark, G_FILE_TEST_EXISTS));
  assert_clean (f);
}

/* A platform that notes which thread changes links ------------------------------ */

/* The netlink platform behind a lock (one instance serves both of the
 * driver's threads here), counting the calls that make, change or
 * delete a link on the main thread and elsewhere: guest devices must
 * never be made on the main loop. */
typedef struct {
  VbNetPlatform parent;
  VbNetPlatform *real;
  GMutex lock;
  GThread *main_thread;
  guint on_main;
  guint off_main;
} Watched;

static void
watched_note (VbNetPlatform *platform, gboolean changes)
{
  Watched *w = (Watched *) platform;

  g_mutex_lock (&w->lock);
  if (changes && g_thread_self () == w->main_thread)
    w->on_main++;
  else if (changes)
    w->off_main++;
}

#define WATCHED_CALL(platform, changes, call) \
  ({ \
    Watched *w_ = (Watched *) (platform); \
    __typeof__ (call) r_; \
    watched_note (platform, changes); \
    r_ = (call); \
    g_mutex_unlock (&w_->lock); \
    r_; \
  })
#define REAL(platform) (((Watched *) (platform))->real)

static gboolean
w_bridge_add (VbNetPlatform *p, const char *name, const VbBridgeConfig *config, GError **error)
{
  return WATCHED_CALL (p, FALSE, vb_net_platform_bridge_add (REAL (p), name, config, error));
}

static gboolean
w_link_delete (VbNetPlatform *p, const char *name, GError **error)
{
  return WATCHED_CALL (p, TRUE, vb_net_platform_link_delete (REAL (p), name, error));
}

static gboolean
w_link_set_up (VbNetPlatform *p, const char *name, gboolean up, GError **error)
{
  return WATCHED_CALL (p, TRUE, vb_net_platform_link_set_up (REAL (p), name, up, error));
}

static gboolean
w_link_set_mtu (VbNetPlatform *p, const char *name, guint mtu, GError **error)
{
  return WATCHED_CALL (p, TRUE, vb_net_platform_link_set_mtu (REAL (p), name, mtu, error));
}

static gboolean
w_link_set_master (VbNetPlatform *p, const char *name, const char *master, GError **error)
{
  return WATCHED_CALL (p, TRUE, vb_net_platform_link_set_master (REAL (p), name, master, error));
}

static gboolean
w_link_query (VbNetPlatform *p, const char *name, VbLinkInfo *info, GError **error)
{
  return WATCHED_CALL (p, FALSE, vb_net_platform_link_query (REAL (p), name, info, error));
}

static char *
w_link_name_by_index (VbNetPlatform *p, int ifindex)
{
  return WATCHED_CALL (p, FALSE, vb_net_platform_link_name_by_index (REAL (p), ifindex));
}

static gboolean
w_addr_add (VbNetPlatform *p, const char *name, const char *address, guint prefix, const char *peer,
            GError **error)
{
  return WATCHED_CALL (p, TRUE, vb_net_platform_addr_add (REAL (p), name, address, prefix, peer, error));
}

static gboolean
w_addr_del (VbNetPlatform *p, const char *name, const char *address, guint prefix, GError **error)
{
  return WATCHED_CALL (p, TRUE, vb_net_platform_addr_del (REAL (p), name, address, prefix, error));
}

static gboolean
w_route_add (VbNetPlatform *p, const char *name, const char *dest, guint prefix, const char *gateway,
             guint metric, GError **error)
{
  return WATCHED_CALL (p, TRUE, vb_net_platform_route_add (REAL (p), name, dest, prefix, gateway, metric, error));
}

static gboolean
w_shape_egress (VbNetPlatform *p, const char *name, guint64 average, guint64 peak, guint64 burst,
                GError **error)
{
  return WATCHED_CALL (p, TRUE, vb_net_platform_shape_egress (REAL (p), name, average, peak, burst, error));
}

static gboolean
w_tap_create (VbNetPlatform *p, const char *name_template, const VbMac *mac, char **out_name, int *out_fd,
              GError **error)
{
  return WATCHED_CALL (p, TRUE, vb_net_platform_tap_create (REAL (p), name_template, mac, out_name, out_fd, error));
}

static gboolean
w_tap_open (VbNetPlatform *p, const char *name, int *out_fd, GError **error)
{
  return WATCHED_CALL (p, TRUE, vb_net_platform_tap_open (REAL (p), name, out_fd, error));
}

static gboolean
w_macvtap_create (VbNetPlatform *p, const char *name_template, const char *parent, VbMacvtapMode mode,
                  const VbMac *mac, char **out_name, int *out_fd, GError **error)
{
  return WATCHED_CALL (p, TRUE, vb_net_platform_macvtap_create (REAL (p), name_template, parent, mode, mac,
                                                                out_name, out_fd, error));
}

static gboolean
w_sysctl_get (VbNetPlatform *p, VbSysctl key, int *value, GError **error)
{
  return WATCHED_CALL (p, FALSE, vb_net_platform_sysctl_get (REAL (p), key, value, error));
}

static gboolean
w_sysctl_set (VbNetPlatform *p, VbSysctl key, int value, GError **error)
{
  return WATCHED_CALL (p, FALSE, vb_net_platform_sysctl_set (REAL (p), key, value, error));
}

static GArray *
w_neighbours_ipv4 (VbNetPlatform *p, GError **error)
{
  return WATCHED_CALL (p, FALSE, vb_net_platform_neighbours_ipv4 (REAL (p), error));
}

static void
w_free (VbNetPlatform *p)
{
  Watched *w = (Watched *) p;

  vb_net_platform_free (w->real);
  g_mutex_clear (&w->lock);
  g_free (w);
}

static const VbNetPlatformOps watched_ops = {
  .bridge_add = w_bridge_add,
  .link_delete = w_link_delete,
  .link_set_up = w_link_set_up,
  .link_set_mtu = w_link_set_mtu,
  .link_set_master = w_link_set_master,
  .link_query = w_link_query,
  .link_name_by_index = w_link_name_by_index,
  .addr_add = w_addr_add,
  .addr_del = w_addr_del,
  .route_add = w_route_add,
  .shape_egress = w_shape_egress,
  .tap_create = w_tap_create,
  .tap_open = w_tap_open,
  .macvtap_create = w_macvtap_create,
  .sysctl_get = w_sysctl_get,
  .sysctl_set = w_sysctl_set,
  .neighbours_ipv4 = w_neighbours_ipv4,
  .free = w_free,
};

static Watched *
watched_new (void)
{
  Watched *w = g_new0 (Watched, 1);
  g_autoptr(GError) error = NULL;

  w->parent.ops = &watched_ops;
  w->real = vb_net_platform_new_netlink (&error);
  g_assert_no_error (error);
  g_mutex_init (&w->lock);
  w->main_thread = g_thread_self ();
  return w;
}

/* Guest devices of every kind, made and deleted: never on the main
 * thread, where a netlink round trip would hold up every other call. */
static void
test_ports_off_main_thread (Fixture *f, gconstpointer data)
{
  Watched *w = watched_new ();
  char bridge_name[] = "vbthbr0";
  char direct_dev[] = "vbthv0";
  VbNetworkPort bridge = { .type = VB_PORT_TYPE_BRIDGE, .bridge_name = bridge_name,
                           .mac = { { 0x52, 0x54, 0x00, 0x00, 0x02, 0x01 } } };
  VbNetworkPort direct = { .type = VB_PORT_TYPE_DIRECT, .dev = direct_dev, .macvtap_mode = VB_MACVTAP_BRIDGE,
                           .mac = { { 0x52, 0x54, 0x00, 0x00, 0x02, 0x02 } } };
  VbNetworkPort ethernet = { .type = VB_PORT_TYPE_ETHERNET, .mtu = 1400,
                             .mac = { { 0x52, 0x54, 0x00, 0x00, 0x02, 0x03 } } };
  const VbNetworkPort *ports[] = { &bridge, &direct, &ethernet };
  g_autoptr(GError) error = NULL;
  VbNetwork *net;
  Plugged *p;

  run_ok ("ip link add vbthbr0 address 02:00:00:00:00:02 type bridge");
  veth ("vbthv0", "vbthv1");
  g_free (f->before);
  f->before = snapshot ();
  g_clear_object (&f->owner);
  f->owner = g_object_new (TEST_TYPE_OWNER, NULL);
  f->driver = VB_DRIVER (f->owner);
  f->owner->net = vb_network_driver_new (f->driver, f->config_dir, f->run_dir);
  vb_network_driver_set_platform (f->owner->net, &w->parent);
  g_signal_connect (f->driver, "event", G_CALLBACK (on_event), f);
  g_assert_true (vb_driver_open (f->driver, &error));
  g_assert_no_error (error);

  /* a port of a network */
  net = define (f, "<network><name>thbr</name><forward mode='bridge'/><bridge name='vbthbr0'/></network>");
  start (f, net);
  p = plug (f, "thbr", 7, &error);
  g_assert_no_error (error);
  unplug (f, p);
  destroy (f, net);
  /* and outside any */
  for (guint i = 0; i < G_N_ELEMENTS (ports); i++) {
    g_autofree char *ifname = NULL;
    int fd = -1;

    g_assert_true (plug_outside (f, ports[i], NULL, &ifname, &fd, &error));
    g_assert_no_error (error);
    g_assert_true (link_exists (ifname));
    close (fd);
    vb_network_driver_unplug (f->owner->net, ifname);
    assert_link_goes (ifname);
  }
  g_mutex_lock (&w->lock);
  g_test_message ("link changes: %u on the main thread, %u off it", w->on_main, w->off_main);
  g_assert_cmpuint (w->on_main, ==, 0);
  /* a tap, its master and up; a macvtap and up; a tap, its MTU and up
   * (and the deletions of those a closed fd has not taken already) */
  g_assert_cmpuint (w->off_main, >=, 8);
  g_mutex_unlock (&w->lock);
  assert_clean (f);
  run_ok ("ip link del vbthbr0");
  run_ok ("ip link del vbthv0");
}

static int
run_tests (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/network/nat", test_nat);
  ADD ("/network/legacy-layout", test_legacy_layout);
  ADD ("/network/nat/dhcp-lease", test_dhcp_lease);
  ADD ("/network/route", test_route);
  ADD ("/network/rich-config", test_rich_config);
  ADD ("/network/isolated", test_isolated);
  ADD ("/network/open", test_open);
  ADD ("/network/bridge-in-use", test_bridge_in_use);
  ADD ("/network/bad-forward-device", test_bad_forward_device);
  ADD ("/network/hostdev", test_hostdev);
  ADD ("/network/pool/vepa", test_pool_vepa);
  ADD ("/network/pool/private", test_pool_private);
  ADD ("/network/pool/passthrough", test_pool_passthrough);
  ADD ("/network/port/tap", test_tap_port);
  ADD ("/network/host-bridge", test_host_bridge);
  ADD ("/network/port/ethernet", test_ethernet_port);
  ADD ("/network/port/bandwidth", test_bandwidth);
  ADD ("/network/port/off-main-thread", test_ports_off_main_thread);
  ADD ("/network/perf/nat-start-stop", test_perf_start_stop);
  ADD ("/network/update", test_update);
  ADD ("/network/dnsmasq-respawn", test_dnsmasq_respawn);
  ADD ("/network/persistence-reattach", test_persistence_and_reattach);
  ADD ("/network/sigkill-reattach", test_sigkill_reattach);
  ADD ("/network/dnsmasq-fails", test_dnsmasq_fails);
  ADD ("/network/killed-while-starting", test_killed_while_starting);
  ADD ("/network/transient", test_transient);
#undef ADD
  return g_test_run ();
}

/* Kills every process whose command line names a file under @root. */
static void
kill_leftovers (const char *root)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc", 0, NULL);
  g_autofree char *needle = g_strdup_printf ("--conf-file=%s/", root);
  const char *entry;

  while (dir && (entry = g_dir_read_name (dir))) {
    g_autofree char *path = g_strdup_printf ("/proc/%s/cmdline", entry);
    g_autofree char *cmdline = NULL;
    gsize len;

    if (!g_ascii_isdigit (entry[0]) || !g_file_get_contents (path, &cmdline, &len, NULL))
      continue;
    for (gsize off = 0; off < len; off += strlen (cmdline + off) + 1) {
      if (g_str_has_prefix (cmdline + off, needle)) {
        g_printerr ("# killing leftover process %s\n", entry);
        kill (atoi (entry), SIGKILL);
        break;
      }
    }
  }
}


int
main (int argc, char **argv)
{
  g_autofree char *root = NULL;
  g_autofree char *dnsmasq = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(VbNetPlatform) platform = NULL;
  int ret, status = 0;
  pid_t child;

  /* test_sigkill_reattach's daemon: already in the test's namespace */
  if (argc == 4 && g_str_equal (argv[1], "--serve"))
    return serve (argv[2], argv[3]);
  if (argc == 5 && g_str_equal (argv[1], "--serve-starting"))
    return serve_starting (argv[2], argv[3], argv[4]);

  if (geteuid () != 0) {
    printf ("1..0 # SKIP needs root: creates a network namespace with bridges, macvtaps and nftables\n");
    return 0;
  }
  /* before any thread exists: unshare applies to the calling thread only */
  if (unshare (CLONE_NEWNET) < 0) {
    printf ("1..0 # SKIP cannot create a network namespace: %s\n", g_strerror (errno));
    return 0;
  }
  dnsmasq = g_find_program_in_path ("dnsmasq");
  if (dnsmasq == NULL && !g_file_test ("/usr/sbin/dnsmasq", G_FILE_TEST_IS_EXECUTABLE)) {
    printf ("1..0 # SKIP dnsmasq is not installed\n");
    return 0;
  }
  platform = vb_net_platform_new_netlink (&error);
  g_assert_no_error (error);
  /* replies to our own addresses travel over lo */
  g_assert_true (vb_net_platform_link_set_up (platform, "lo", TRUE, &error));

  self_exe = g_file_read_link ("/proc/self/exe", &error);
  g_assert_no_error (error);
  root = g_dir_make_tmp ("virtbus-net-XXXXXX", &error);
  g_assert_no_error (error);
  /* dnsmasq drops to an unprivileged user and re-reads its hosts files */
  g_chmod (root, 0755);
  state_root = root;

  /* The tests run in a child, so that whatever a failed test left running
   * (dnsmasq outlives its daemon by design) is found and killed here. */
  child = fork ();
  if (child == 0)
    _exit (run_tests (argc, argv));
  g_assert_cmpint (child, >, 0);
  while (waitpid (child, &status, 0) < 0 && errno == EINTR)
    ;
  ret = WIFEXITED (status) ? WEXITSTATUS (status) : 1;
  kill_leftovers (root);
  if (ret == 0) {
    g_autofree char *cmd = g_strdup_printf ("rm -rf %s", root);
    run_ok (cmd);
  }
  return ret;
}
