/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib/gstdio.h>
#include <libxml/parser.h>

#include "vb-test-driver.h"

#include "vb-domain-def.h"
#include "vb-error.h"

/* The test driver as the service sees it: every call goes through
 * vb_driver_call_async in a main loop, and every event is recorded with
 * the state the domain had when it was emitted. */

#define TEST_UUID "6695eb01-f6a4-8304-79aa-97f2502e193f"
#define FOO_UUID  "a5c1fd6b-6a6a-4e0c-9c4e-3a7b2f0d5e11"

static const char foo_xml[] =
  "<domain type='test'>"
  "  <name>foo</name>"
  "  <uuid>" FOO_UUID "</uuid>"
  "  <memory>1048576</memory>"
  "  <currentMemory>524288</currentMemory>"
  "  <vcpu>2</vcpu>"
  "  <os><type>hvm</type></os>"
  "  <devices>"
  "    <interface type='network'>"
  "      <mac address='52:54:00:11:22:33'/>"
  "      <source network='default'/>"
  "    </interface>"
  "  </devices>"
  "</domain>";

static const char net_xml[] =
  "<network>"
  "  <name>n2</name>"
  "  <uuid>0b1c7a52-2b7e-4bd0-8a7e-5a3c33f0c0aa</uuid>"
  "  <bridge name='virbr7'/>"
  "  <ip address='192.168.150.1' netmask='255.255.255.0'>"
  "    <dhcp><range start='192.168.150.2' end='192.168.150.254'/></dhcp>"
  "  </ip>"
  "</network>";

typedef struct {
  VbDriver *driver;
  GPtrArray *events;   /* "name event detail state" */
  GPtrArray *signals;  /* the other domain events: "name kind payload" */
  GPtrArray *net_events; /* "name event active" */
} Fixture;

static void
on_event (VbDriver *driver, GObject *object, const VbEvent *event, Fixture *f)
{
  switch (event->kind) {
  case VB_EVENT_DOMAIN_LIFECYCLE:
    g_ptr_array_add (f->events, g_strdup_printf ("%s %d %d %d", vb_domain_get_name (VB_DOMAIN (object)),
                                                 event->lifecycle.event, event->lifecycle.detail,
                                                 vb_domain_get_state (VB_DOMAIN (object), NULL)));
    break;
  case VB_EVENT_NETWORK_LIFECYCLE:
    g_ptr_array_add (f->net_events, g_strdup_printf ("%s %d %d", vb_network_get_name (VB_NETWORK (object)),
                                                     event->network_lifecycle.event,
                                                     vb_network_is_active (VB_NETWORK (object))));
    break;
  case VB_EVENT_DOMAIN_REBOOT:
    g_ptr_array_add (f->signals, g_strdup_printf ("%s reboot", vb_domain_get_name (VB_DOMAIN (object))));
    break;
  case VB_EVENT_DOMAIN_METADATA_CHANGE:
    g_ptr_array_add (f->signals, g_strdup_printf ("%s metadata-change %d %s",
                                                  vb_domain_get_name (VB_DOMAIN (object)),
                                                  event->metadata_change.type,
                                                  event->metadata_change.uri ? event->metadata_change.uri : "(none)"));
    break;
  default:
    g_ptr_array_add (f->signals, g_strdup_printf ("%s event %d", vb_domain_get_name (VB_DOMAIN (object)),
                                                  event->kind));
    break;
  }
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->driver = vb_test_driver_new (NULL);
  f->events = g_ptr_array_new_with_free_func (g_free);
  f->signals = g_ptr_array_new_with_free_func (g_free);
  f->net_events = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (f->driver, "event", G_CALLBACK (on_event), f);
  g_assert_true (vb_driver_open (f->driver, &error));
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->driver);
  g_ptr_array_unref (f->events);
  g_ptr_array_unref (f->signals);
  g_ptr_array_unref (f->net_events);
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

/* Calls @op and asserts success; returns the result (may be NULL). */
static GVariant *
call_ok (Fixture *f, VbOp op, gpointer object, GVariant *args)
{
  g_autoptr(GError) error = NULL;
  GVariant *result = call (f, op, object, args, NULL, &error);

  g_assert_no_error (error);
  return result;
}

/* Calls @op, asserts it fails with @code, returns the message. */
static char *
call_fails (Fixture *f, VbOp op, gpointer object, GVariant *args, int code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = call (f, op, object, args, NULL, &error);

  g_assert_null (result);
  g_assert_error (error, VB_ERROR, code);
  return g_strdup (error->message);
}

static gpointer
create (Fixture *f, VbOp op, GVariant *args)
{
  g_autoptr(GError) error = NULL;
  gpointer object = NULL;

  g_assert_null (call (f, op, NULL, args, &object, &error));
  g_assert_no_error (error);
  g_assert_nonnull (object);
  return object;
}

static VbDomain *
domain (Fixture *f, const char *name)
{
  VbDomain *dom = vb_driver_lookup_domain_by_name (f->driver, name);

  g_assert_nonnull (dom);
  return dom;
}

/* Asserts the recorded events, then forgets them. */
static void
assert_events (GPtrArray *events, const char *const *expected)
{
  guint n = g_strv_length ((char **) expected);

  for (guint i = 0; i < MIN (n, events->len); i++)
    g_assert_cmpstr (g_ptr_array_index (events, i), ==, expected[i]);
  g_assert_cmpuint (events->len, ==, n);
  g_ptr_array_set_size (events, 0);
}

#define ASSERT_EVENTS(arr, ...) assert_events ((arr), (const char *const[]) { __VA_ARGS__, NULL })
#define ASSERT_NO_EVENTS(arr) g_assert_cmpuint ((arr)->len, ==, 0)

static void
assert_state (VbDomain *dom, VbDomainState state, int reason)
{
  int r;

  g_assert_cmpint (vb_domain_get_state (dom, &r), ==, state);
  g_assert_cmpint (r, ==, reason);
}

static char *
domain_xml (Fixture *f, VbDomain *dom, guint flags)
{
  g_autoptr(GVariant) xml = call_ok (f, VB_OP_DOMAIN_GET_XML_DESC, dom, g_variant_new ("(u)", flags));

  return g_variant_dup_string (xml, NULL);
}

/* Preload -------------------------------------------------------------------- */

static void
test_preload (Fixture *f, gconstpointer data)
{
  VbDomain *dom = domain (f, "test");
  VbNetwork *net = vb_driver_lookup_network_by_name (f->driver, "default");
  g_autoptr(GVariant) state = NULL;
  g_autoptr(GVariant) bridge = NULL;
  g_autofree char *live = NULL;
  g_autofree char *inactive = NULL;
  g_autofree char *net_live = NULL;

  g_assert_cmpuint (vb_driver_get_n_domains (f->driver), ==, 1);
  g_assert_cmpstr (vb_domain_get_uuid_string (dom), ==, TEST_UUID);
  /* libvirt overwrites the boot reason with 0 after starting the fixture */
  assert_state (dom, VB_DOMAIN_RUNNING, VB_DOMAIN_RUNNING_UNKNOWN);
  g_assert_cmpint (vb_domain_get_id (dom), ==, 1);
  g_assert_true (vb_domain_is_persistent (dom));
  g_assert_false (vb_domain_get_autostart (dom));
  g_assert_false (vb_domain_has_managed_save (dom));
  g_assert_true (vb_driver_lookup_domain_by_id (f->driver, 1) == dom);

  state = call_ok (f, VB_OP_DOMAIN_GET_STATE, dom, g_variant_new ("(u)", 0));
  g_assert_cmpstr (g_variant_get_type_string (state), ==, "(ii)");

  live = domain_xml (f, dom, 0);
  g_assert_nonnull (strstr (live, "id='1'"));
  g_assert_nonnull (strstr (live, "testnet0"));
  g_assert_nonnull (strstr (live, "aa:bb:cc:dd:ee:ff"));
  inactive = domain_xml (f, dom, VB_DOMAIN_XML_INACTIVE);
  g_assert_null (strstr (inactive, "id='1'"));
  g_assert_nonnull (strstr (inactive, "<name>test</name>"));

  g_assert_nonnull (net);
  g_assert_cmpstr (vb_network_get_uuid_string (net), ==, "dd8fe884-6c02-601e-7551-cca97df1c5df");
  g_assert_true (vb_network_is_active (net));
  g_assert_true (vb_network_is_persistent (net));
  g_assert_false (vb_network_get_autostart (net));
  bridge = call_ok (f, VB_OP_NETWORK_GET_BRIDGE_NAME, net, NULL);
  g_assert_cmpstr (g_variant_get_string (bridge, NULL), ==, "virbr0");
  {
    g_autoptr(GVariant) xml = call_ok (f, VB_OP_NETWORK_GET_XML_DESC, net, g_variant_new ("(u)", 0));
    net_live = g_variant_dup_string (xml, NULL);
  }
  g_assert_nonnull (strstr (net_live, "192.168.122.1"));

  /* opening again keeps the one state */
  g_assert_true (vb_driver_open (f->driver, NULL));
  g_assert_cmpuint (vb_driver_get_n_domains (f->driver), ==, 1);

  ASSERT_NO_EVENTS (f->events);
  ASSERT_NO_EVENTS (f->net_events);
}

/* Lifecycle ------------------------------------------------------------------- */

static void
test_lifecycle (Fixture *f, gconstpointer data)
{
  VbDomain *dom = domain (f, "test");
  g_autofree char *msg = NULL;
  g_autoptr(GVariant) saved = NULL;
  g_autoptr(GPtrArray) list = NULL;

  call_ok (f, VB_OP_DOMAIN_SUSPEND, dom, NULL);
  assert_state (dom, VB_DOMAIN_PAUSED, VB_DOMAIN_PAUSED_USER);
  ASSERT_EVENTS (f->events, "test 3 0 3");
  g_free (call_fails (f, VB_OP_DOMAIN_SUSPEND, dom, NULL, VB_ERROR_INVALID_STATE));

  call_ok (f, VB_OP_DOMAIN_RESUME, dom, NULL);
  assert_state (dom, VB_DOMAIN_RUNNING, VB_DOMAIN_RUNNING_UNPAUSED);
  ASSERT_EVENTS (f->events, "test 4 0 1");
  msg = call_fails (f, VB_OP_DOMAIN_RESUME, dom, NULL, VB_ERROR_INVALID_STATE);
  g_assert_nonnull (strstr (msg, "'test'"));
  g_clear_pointer (&msg, g_free);

  /* reboot: no lifecycle event, only the reboot event */
  call_ok (f, VB_OP_DOMAIN_REBOOT, dom, g_variant_new ("(u)", 0));
  assert_state (dom, VB_DOMAIN_RUNNING, VB_DOMAIN_RUNNING_BOOTED);
  ASSERT_NO_EVENTS (f->events);
  ASSERT_EVENTS (f->signals, "test reboot");
  call_ok (f, VB_OP_DOMAIN_RESET, dom, g_variant_new ("(u)", 0));
  ASSERT_NO_EVENTS (f->events);

  call_ok (f, VB_OP_DOMAIN_SHUTDOWN, dom, g_variant_new ("(u)", 0));
  assert_state (dom, VB_DOMAIN_SHUTOFF, VB_DOMAIN_SHUTOFF_SHUTDOWN);
  g_assert_cmpint (vb_domain_get_id (dom), ==, -1);
  g_assert_null (vb_domain_get_live_def (dom));
  ASSERT_EVENTS (f->events, "test 5 0 5");

  /* nothing to stop */
  g_free (call_fails (f, VB_OP_DOMAIN_SHUTDOWN, dom, g_variant_new ("(u)", 0), VB_ERROR_INVALID_STATE));
  g_free (call_fails (f, VB_OP_DOMAIN_DESTROY, dom, g_variant_new ("(u)", 0), VB_ERROR_INVALID_STATE));
  g_free (call_fails (f, VB_OP_DOMAIN_REBOOT, dom, g_variant_new ("(u)", 0), VB_ERROR_INVALID_STATE));
  g_free (call_fails (f, VB_OP_DOMAIN_SUSPEND, dom, NULL, VB_ERROR_INVALID_STATE));
  g_free (call_fails (f, VB_OP_DOMAIN_MANAGED_SAVE, dom, g_variant_new ("(u)", 0), VB_ERROR_INVALID_STATE));
  ASSERT_NO_EVENTS (f->events);

  call_ok (f, VB_OP_DOMAIN_CREATE, dom, g_variant_new ("(u)", 0));
  assert_state (dom, VB_DOMAIN_RUNNING, VB_DOMAIN_RUNNING_BOOTED);
  g_assert_cmpint (vb_domain_get_id (dom), ==, 2);
  ASSERT_EVENTS (f->events, "test 2 0 1");
  msg = call_fails (f, VB_OP_DOMAIN_CREATE, dom, g_variant_new ("(u)", 0), VB_ERROR_INVALID_STATE);
  g_assert_cmpstr (msg, ==, "domain 'test' is already running");
  g_clear_pointer (&msg, g_free);
  /* unknown flags */
  g_free (call_fails (f, VB_OP_DOMAIN_DESTROY, dom, g_variant_new ("(u)", 0x100), VB_ERROR_INVALID_ARG));
  assert_state (dom, VB_DOMAIN_RUNNING, VB_DOMAIN_RUNNING_BOOTED);

  call_ok (f, VB_OP_DOMAIN_DESTROY, dom, g_variant_new ("(u)", 0));
  assert_state (dom, VB_DOMAIN_SHUTOFF, VB_DOMAIN_SHUTOFF_DESTROYED);
  ASSERT_EVENTS (f->events, "test 5 1 5");

  call_ok (f, VB_OP_DOMAIN_CREATE, dom, g_variant_new ("(u)", VB_DOMAIN_START_PAUSED));
  assert_state (dom, VB_DOMAIN_PAUSED, VB_DOMAIN_PAUSED_USER);
  g_assert_cmpint (vb_domain_get_id (dom), ==, 3);
  ASSERT_EVENTS (f->events, "test 2 0 3", "test 3 0 3");

  /* managed save, then a start from it: "booted", image gone */
  call_ok (f, VB_OP_DOMAIN_MANAGED_SAVE, dom, g_variant_new ("(u)", 0));
  assert_state (dom, VB_DOMAIN_SHUTOFF, VB_DOMAIN_SHUTOFF_SAVED);
  g_assert_true (vb_domain_has_managed_save (dom));
  saved = call_ok (f, VB_OP_DOMAIN_HAS_MANAGED_SAVE, dom, g_variant_new ("(u)", 0));
  g_assert_true (g_variant_get_boolean (saved));
  ASSERT_EVENTS (f->events, "test 5 4 5");
  list = vb_driver_list_domains (f->driver, VB_LIST_DOMAINS_MANAGEDSAVE);
  g_assert_cmpuint (list->len, ==, 1);

  /* undefine refuses while the image exists */
  g_free (call_fails (f, VB_OP_DOMAIN_UNDEFINE, dom, g_variant_new ("(u)", 0), VB_ERROR_INVALID_STATE));
  g_assert_true (vb_domain_is_persistent (dom));

  call_ok (f, VB_OP_DOMAIN_CREATE, dom, g_variant_new ("(u)", 0));
  assert_state (dom, VB_DOMAIN_RUNNING, VB_DOMAIN_RUNNING_BOOTED);
  g_assert_false (vb_domain_has_managed_save (dom));
  ASSERT_EVENTS (f->events, "test 2 0 1");

  call_ok (f, VB_OP_DOMAIN_MANAGED_SAVE, dom, g_variant_new ("(u)", 0));
  call_ok (f, VB_OP_DOMAIN_MANAGED_SAVE_REMOVE, dom, g_variant_new ("(u)", 0));
  g_assert_false (vb_domain_has_managed_save (dom));
  ASSERT_EVENTS (f->events, "test 5 4 5");
}

/* Define / undefine -------------------------------------------------------------- */

static void
test_define (Fixture *f, gconstpointer data)
{
  g_autoptr(VbDomain) foo = create (f, VB_OP_DOMAIN_DEFINE_XML, g_variant_new ("(s)", foo_xml));
  g_autoptr(VbDomain) again = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *other = NULL;

  g_assert_true (vb_driver_lookup_domain_by_name (f->driver, "foo") == foo);
  g_assert_true (vb_domain_is_persistent (foo));
  assert_state (foo, VB_DOMAIN_SHUTOFF, VB_DOMAIN_SHUTOFF_UNKNOWN);
  ASSERT_EVENTS (f->events, "foo 0 0 5");
  xml = domain_xml (f, foo, 0);
  /* the test driver names NICs and defaults the arch */
  g_assert_nonnull (strstr (xml, "testnet0"));
  g_assert_nonnull (strstr (xml, "i686"));

  again = create (f, VB_OP_DOMAIN_DEFINE_XML, g_variant_new ("(s)", foo_xml));
  g_assert_true (again == foo);
  ASSERT_EVENTS (f->events, "foo 0 1 5");

  /* same name, other UUID; same UUID, other name */
  other = g_strdup (foo_xml);
  memcpy (strstr (other, FOO_UUID), "b", 1);
  g_free (call_fails (f, VB_OP_DOMAIN_DEFINE_XML, NULL, g_variant_new ("(s)", other), VB_ERROR_EXISTS));
  g_free (other);
  other = g_strdup (foo_xml);
  memcpy (strstr (other, "<name>foo"), "<name>fo2", 9);
  g_free (call_fails (f, VB_OP_DOMAIN_DEFINE_XML, NULL, g_variant_new ("(s)", other), VB_ERROR_EXISTS));
  g_free (call_fails (f, VB_OP_DOMAIN_CREATE_XML, NULL, g_variant_new ("(su)", other, 0), VB_ERROR_EXISTS));

  /* bad input changes nothing */
  {
    g_autoptr(GError) error = NULL;
    g_assert_null (call (f, VB_OP_DOMAIN_DEFINE_XML, NULL, g_variant_new ("(s)", "<domain"), NULL, &error));
    g_assert_nonnull (error);
  }
  g_free (other);
  other = g_strdup (foo_xml);
  memcpy (strstr (other, "type='test'"), "type='kvm' ", 11);
  g_free (call_fails (f, VB_OP_DOMAIN_DEFINE_XML, NULL, g_variant_new ("(s)", other), VB_ERROR_INVALID_CONFIG));
  /* the only arch is i686: another one written out is refused */
  {
    g_autoptr(GString) x86 = g_string_new (foo_xml);
    g_autofree char *message = NULL;

    g_string_replace (x86, "<type>hvm", "<type arch='x86_64'>hvm", 1);
    message = call_fails (f, VB_OP_DOMAIN_DEFINE_XML, NULL, g_variant_new ("(s)", x86->str),
                          VB_ERROR_INVALID_CONFIG);
    g_assert_nonnull (strstr (message, "arch 'x86_64'"));
  }
  g_assert_cmpuint (vb_driver_get_n_domains (f->driver), ==, 2);
  ASSERT_NO_EVENTS (f->events);

  /* defining the running domain updates what its next start uses */
  {
    g_autofree char *test_xml = domain_xml (f, domain (f, "test"), VB_DOMAIN_XML_INACTIVE);
    g_autofree char *bigger = NULL;
    g_autoptr(VbDomain) test = NULL;
    g_autofree char *next = NULL;
    g_autofree char *now = NULL;
    char *pos = strstr (test_xml, "</uuid>");

    g_assert_nonnull (pos);
    pos += strlen ("</uuid>");
    bigger = g_strdup_printf ("%.*s<description>next boot</description>%s", (int) (pos - test_xml),
                              test_xml, pos);
    test = create (f, VB_OP_DOMAIN_DEFINE_XML, g_variant_new ("(s)", bigger));
    ASSERT_EVENTS (f->events, "test 0 1 1");
    next = domain_xml (f, test, VB_DOMAIN_XML_INACTIVE);
    now = domain_xml (f, test, 0);
    g_assert_nonnull (strstr (next, "next boot"));
    g_assert_null (strstr (now, "next boot"));
  }

  call_ok (f, VB_OP_DOMAIN_UNDEFINE, foo, g_variant_new ("(u)", 0));
  ASSERT_EVENTS (f->events, "foo 1 0 5");
  g_assert_null (vb_driver_lookup_domain_by_name (f->driver, "foo"));
  /* the object is gone: later calls find nothing */
  g_free (call_fails (f, VB_OP_DOMAIN_CREATE, foo, g_variant_new ("(u)", 0), VB_ERROR_NOT_FOUND));
}

static void
test_transient (Fixture *f, gconstpointer data)
{
  g_autoptr(VbDomain) foo = create (f, VB_OP_DOMAIN_CREATE_XML, g_variant_new ("(su)", foo_xml, 0));
  VbDomain *test = domain (f, "test");

  g_assert_false (vb_domain_is_persistent (foo));
  assert_state (foo, VB_DOMAIN_RUNNING, VB_DOMAIN_RUNNING_BOOTED);
  g_assert_cmpint (vb_domain_get_id (foo), ==, 2);
  ASSERT_EVENTS (f->events, "foo 2 0 1");

  g_free (call_fails (f, VB_OP_DOMAIN_CREATE_XML, NULL, g_variant_new ("(su)", foo_xml, 0),
                      VB_ERROR_INVALID_STATE));
  g_free (call_fails (f, VB_OP_DOMAIN_UNDEFINE, foo, g_variant_new ("(u)", 0), VB_ERROR_INVALID_STATE));
  g_free (call_fails (f, VB_OP_DOMAIN_MANAGED_SAVE, foo, g_variant_new ("(u)", 0), VB_ERROR_INVALID_STATE));
  g_free (call_fails (f, VB_OP_DOMAIN_SET_AUTOSTART, foo, g_variant_new ("(b)", TRUE), VB_ERROR_INVALID_STATE));
  g_free (call_fails (f, VB_OP_DOMAIN_SET_MEMORY, foo, g_variant_new ("(tu)", (guint64) 1024, VB_DOMAIN_AFFECT_CONFIG),
                      VB_ERROR_INVALID_STATE));
  ASSERT_NO_EVENTS (f->events);

  call_ok (f, VB_OP_DOMAIN_DESTROY, foo, g_variant_new ("(u)", 0));
  ASSERT_EVENTS (f->events, "foo 5 1 5");
  g_assert_null (vb_driver_lookup_domain_by_name (f->driver, "foo"));
  g_assert_cmpuint (vb_driver_get_n_domains (f->driver), ==, 1);

  /* paused start */
  g_clear_object (&foo);
  foo = create (f, VB_OP_DOMAIN_CREATE_XML, g_variant_new ("(su)", foo_xml, VB_DOMAIN_START_PAUSED));
  assert_state (foo, VB_DOMAIN_PAUSED, VB_DOMAIN_PAUSED_USER);
  ASSERT_EVENTS (f->events, "foo 2 0 3", "foo 3 0 3");
  call_ok (f, VB_OP_DOMAIN_SHUTDOWN, foo, g_variant_new ("(u)", 0));
  ASSERT_EVENTS (f->events, "foo 5 0 5");
  g_assert_null (vb_driver_lookup_domain_by_name (f->driver, "foo"));

  /* undefining a running persistent domain leaves it running, transient */
  call_ok (f, VB_OP_DOMAIN_UNDEFINE, test, g_variant_new ("(u)", 0));
  ASSERT_EVENTS (f->events, "test 1 0 1");
  g_assert_true (vb_driver_lookup_domain_by_name (f->driver, "test") == test);
  g_assert_false (vb_domain_is_persistent (test));
  g_assert_true (vb_domain_is_active (test));
  {
    g_autoptr(GPtrArray) list = vb_driver_list_domains (f->driver, VB_LIST_DOMAINS_TRANSIENT);
    g_assert_cmpuint (list->len, ==, 1);
  }
  g_object_ref (test);
  call_ok (f, VB_OP_DOMAIN_DESTROY, test, g_variant_new ("(u)", 0));
  ASSERT_EVENTS (f->events, "test 5 1 5");
  g_assert_cmpuint (vb_driver_get_n_domains (f->driver), ==, 0);
  g_object_unref (test);
}

/* vCPUs, memory, metadata -------------------------------------------------------- */

static guint
get_vcpus (Fixture *f, VbDomain *dom, guint flags)
{
  g_autoptr(GVariant) v = call_ok (f, VB_OP_DOMAIN_GET_VCPUS, dom, g_variant_new ("(u)", flags));

  return g_variant_get_uint32 (v);
}

static void
test_vcpus_memory (Fixture *f, gconstpointer data)
{
  VbDomain *dom = domain (f, "test");
  g_autoptr(GVariant) stats = NULL;
  guint64 balloon = 0;

  g_assert_cmpuint (get_vcpus (f, dom, 0), ==, 2);
  g_assert_cmpuint (get_vcpus (f, dom, VB_DOMAIN_VCPU_MAXIMUM), ==, 2);
  call_ok (f, VB_OP_DOMAIN_SET_VCPUS, dom, g_variant_new ("(uu)", 1, 0));
  g_assert_cmpuint (get_vcpus (f, dom, 0), ==, 1);
  g_assert_cmpuint (get_vcpus (f, dom, VB_DOMAIN_AFFECT_CONFIG), ==, 2);
  g_free (call_fails (f, VB_OP_DOMAIN_SET_VCPUS, dom, g_variant_new ("(uu)", 3, VB_DOMAIN_AFFECT_LIVE),
                      VB_ERROR_INVALID_ARG));
  g_free (call_fails (f, VB_OP_DOMAIN_SET_VCPUS, dom, g_variant_new ("(uu)", 0, 0), VB_ERROR_INVALID_ARG));
  g_free (call_fails (f, VB_OP_DOMAIN_SET_VCPUS, dom, g_variant_new ("(uu)", 33, VB_DOMAIN_AFFECT_CONFIG | VB_DOMAIN_VCPU_MAXIMUM),
                      VB_ERROR_INVALID_ARG));
  g_free (call_fails (f, VB_OP_DOMAIN_SET_VCPUS, dom, g_variant_new ("(uu)", 1, VB_DOMAIN_VCPU_GUEST),
                      VB_ERROR_INVALID_ARG));
  g_free (call_fails (f, VB_OP_DOMAIN_SET_VCPUS, dom, g_variant_new ("(uu)", 4, VB_DOMAIN_AFFECT_LIVE | VB_DOMAIN_VCPU_MAXIMUM),
                      VB_ERROR_INVALID_ARG));
  call_ok (f, VB_OP_DOMAIN_SET_VCPUS, dom, g_variant_new ("(uu)", 4, VB_DOMAIN_AFFECT_CONFIG | VB_DOMAIN_VCPU_MAXIMUM));
  g_assert_cmpuint (get_vcpus (f, dom, VB_DOMAIN_AFFECT_CONFIG | VB_DOMAIN_VCPU_MAXIMUM), ==, 4);
  g_assert_cmpuint (get_vcpus (f, dom, VB_DOMAIN_VCPU_MAXIMUM), ==, 2);
  g_free (call_fails (f, VB_OP_DOMAIN_GET_VCPUS, dom, g_variant_new ("(u)", VB_DOMAIN_AFFECT_LIVE | VB_DOMAIN_AFFECT_CONFIG),
                      VB_ERROR_INVALID_ARG));

  g_free (call_fails (f, VB_OP_DOMAIN_SET_MEMORY, dom, g_variant_new ("(tu)", (guint64) 8388609, 0),
                      VB_ERROR_INVALID_ARG));
  g_free (call_fails (f, VB_OP_DOMAIN_SET_MEMORY, dom, g_variant_new ("(tu)", (guint64) 1024,
                      VB_DOMAIN_AFFECT_LIVE | VB_DOMAIN_AFFECT_CONFIG), VB_ERROR_INVALID_ARG));
  g_free (call_fails (f, VB_OP_DOMAIN_SET_MEMORY, dom, g_variant_new ("(tu)", (guint64) 1024, VB_DOMAIN_MEM_MAXIMUM),
                      VB_ERROR_INVALID_STATE));
  call_ok (f, VB_OP_DOMAIN_SET_MEMORY, dom, g_variant_new ("(tu)", (guint64) 1048576, 0));
  stats = call_ok (f, VB_OP_DOMAIN_GET_STATS, dom, g_variant_new ("(uu)", 0, 0));
  g_assert_true (g_variant_lookup (stats, "balloon.current", "t", &balloon));
  g_assert_cmpuint (balloon, ==, 1048576);
  g_assert_true (g_variant_lookup (stats, "balloon.maximum", "t", &balloon));
  g_assert_cmpuint (balloon, ==, 8388608);

  /* maximum memory on the config only */
  call_ok (f, VB_OP_DOMAIN_SET_MEMORY, dom, g_variant_new ("(tu)", (guint64) 4194304,
                                                           VB_DOMAIN_AFFECT_CONFIG | VB_DOMAIN_MEM_MAXIMUM));
  {
    g_autofree char *next = domain_xml (f, dom, VB_DOMAIN_XML_INACTIVE);
    g_assert_nonnull (strstr (next, "4194304"));
  }
  ASSERT_NO_EVENTS (f->events);
}

static void
test_metadata (Fixture *f, gconstpointer data)
{
  VbDomain *dom = domain (f, "test");
  g_autoptr(GVariant) title = NULL;
  g_autoptr(GVariant) elem = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) none = NULL;

  call_ok (f, VB_OP_DOMAIN_SET_METADATA, dom,
           g_variant_new ("(imsmsmsu)", VB_DOMAIN_METADATA_TITLE, "hello", NULL, NULL, VB_DOMAIN_AFFECT_LIVE | VB_DOMAIN_AFFECT_CONFIG));
  ASSERT_EVENTS (f->signals, "test metadata-change 1 (none)");
  title = call_ok (f, VB_OP_DOMAIN_GET_METADATA, dom, g_variant_new ("(imsu)", VB_DOMAIN_METADATA_TITLE, NULL, 0));
  g_assert_cmpstr (g_variant_get_string (title, NULL), ==, "hello");

  call_ok (f, VB_OP_DOMAIN_SET_METADATA, dom,
           g_variant_new ("(imsmsmsu)", VB_DOMAIN_METADATA_ELEMENT, "<app foo='bar'/>", "ex",
                          "http://example.org/app", 0));
  ASSERT_EVENTS (f->signals, "test metadata-change 2 http://example.org/app");
  elem = call_ok (f, VB_OP_DOMAIN_GET_METADATA, dom,
                  g_variant_new ("(imsu)", VB_DOMAIN_METADATA_ELEMENT, "http://example.org/app", 0));
  g_assert_nonnull (strstr (g_variant_get_string (elem, NULL), "foo="));
  /* live only: the config does not have it */
  none = call (f, VB_OP_DOMAIN_GET_METADATA, dom,
               g_variant_new ("(imsu)", VB_DOMAIN_METADATA_ELEMENT, "http://example.org/app", VB_DOMAIN_AFFECT_CONFIG),
               NULL, &error);
  g_assert_null (none);
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_FOUND);

  g_free (call_fails (f, VB_OP_DOMAIN_SET_METADATA, dom, g_variant_new ("(imsmsmsu)", 7, "x", NULL, NULL, 0),
                      VB_ERROR_INVALID_ARG));
  ASSERT_NO_EVENTS (f->signals);
  ASSERT_NO_EVENTS (f->events);
}

static void
test_autostart_rename (Fixture *f, gconstpointer data)
{
  VbDomain *dom = domain (f, "test");
  g_autoptr(VbDomain) foo = create (f, VB_OP_DOMAIN_DEFINE_XML, g_variant_new ("(s)", foo_xml));

  g_ptr_array_set_size (f->events, 0);
  call_ok (f, VB_OP_DOMAIN_SET_AUTOSTART, dom, g_variant_new ("(b)", TRUE));
  g_assert_true (vb_domain_get_autostart (dom));
  {
    g_autoptr(GPtrArray) list = vb_driver_list_domains (f->driver, VB_LIST_DOMAINS_AUTOSTART);
    g_assert_cmpuint (list->len, ==, 1);
  }

  g_free (call_fails (f, VB_OP_DOMAIN_RENAME, dom, g_variant_new ("(su)", "test2", 0), VB_ERROR_INVALID_STATE));
  g_free (call_fails (f, VB_OP_DOMAIN_RENAME, foo, g_variant_new ("(su)", "test", 0), VB_ERROR_EXISTS));
  g_free (call_fails (f, VB_OP_DOMAIN_RENAME, foo, g_variant_new ("(su)", "a/b", 0), VB_ERROR_INVALID_ARG));
  call_ok (f, VB_OP_DOMAIN_RENAME, foo, g_variant_new ("(su)", "bar", 0));
  ASSERT_EVENTS (f->events, "bar 1 1 5", "bar 0 2 5");
  g_assert_null (vb_driver_lookup_domain_by_name (f->driver, "foo"));
  g_assert_true (vb_driver_lookup_domain_by_name (f->driver, "bar") == foo);
  g_assert_cmpstr (vb_domain_get_name (foo), ==, "bar");
}

/* Queries -------------------------------------------------------------------- */

static void
test_queries (Fixture *f, gconstpointer data)
{
  VbDomain *dom = domain (f, "test");
  g_autoptr(GVariant) addrs = NULL;
  g_autoptr(GVariant) time = NULL;
  g_autoptr(GVariant) host = NULL;
  g_autoptr(GVariant) mem = NULL;
  g_autoptr(GVariant) stats = NULL;
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GVariant) sched = NULL;
  guint64 seconds, balloon = 0;
  guint nseconds, vcpus = 0;
  int st = 0;

  addrs = call_ok (f, VB_OP_DOMAIN_INTERFACE_ADDRESSES, dom, g_variant_new ("(uu)", 0, 0));
  {
    g_autofree char *printed = g_variant_print (addrs, FALSE);
    /* first DHCP address + 20 * (id - 1) + index + 1 */
    g_assert_cmpstr (printed, ==, "[('testnet0', 'aa:bb:cc:dd:ee:ff', [(0, '192.168.122.3', 24)])]");
  }
  g_free (call_fails (f, VB_OP_DOMAIN_INTERFACE_ADDRESSES, dom, g_variant_new ("(uu)", 3, 0), VB_ERROR_INVALID_ARG));

  time = call_ok (f, VB_OP_DOMAIN_GET_TIME, dom, g_variant_new ("(u)", 0));
  g_variant_get (time, "(tu)", &seconds, &nseconds);
  g_assert_cmpuint (seconds, ==, 627319920);
  g_assert_cmpuint (nseconds, ==, 0);
  call_ok (f, VB_OP_DOMAIN_SET_TIME, dom, g_variant_new ("(tuu)", (guint64) 1000, 5, 0));
  g_clear_pointer (&time, g_variant_unref);
  time = call_ok (f, VB_OP_DOMAIN_GET_TIME, dom, g_variant_new ("(u)", 0));
  g_variant_get (time, "(tu)", &seconds, &nseconds);
  g_assert_cmpuint (seconds, ==, 1000);
  g_assert_cmpuint (nseconds, ==, 5);

  host = call_ok (f, VB_OP_DOMAIN_GET_HOSTNAME, dom, g_variant_new ("(u)", 0));
  g_assert_cmpstr (g_variant_get_string (host, NULL), ==, "testhost");

  mem = call_ok (f, VB_OP_DOMAIN_MEMORY_STATS, dom, g_variant_new ("(u)", 0));
  g_assert_cmpstr (g_variant_get_type_string (mem), ==, "a{it}");
  g_assert_cmpuint (g_variant_n_children (mem), ==, 13);
  {
    guint64 v = 0;
    GVariantIter iter;
    int tag;

    g_variant_iter_init (&iter, mem);
    while (g_variant_iter_next (&iter, "{it}", &tag, &v))
      if (tag == 6)
        balloon = v;
    g_assert_cmpuint (balloon, ==, 2097152);
  }

  stats = call_ok (f, VB_OP_DOMAIN_GET_STATS, dom, g_variant_new ("(uu)", 0, 0));
  g_assert_true (g_variant_lookup (stats, "state.state", "i", &st));
  g_assert_cmpint (st, ==, VB_DOMAIN_RUNNING);
  g_assert_true (g_variant_lookup (stats, "vcpu.current", "u", &vcpus));
  g_assert_cmpuint (vcpus, ==, 2);
  g_assert_true (g_variant_lookup (stats, "vcpu.maximum", "u", &vcpus));
  g_assert_true (g_variant_lookup (stats, "state.reason", "i", &st));
  g_free (call_fails (f, VB_OP_DOMAIN_GET_STATS, dom, g_variant_new ("(uu)", 1u << 12, 1u << 31),
                      VB_ERROR_NOT_SUPPORTED));

  info = call_ok (f, VB_OP_DOMAIN_GET_INFO, dom, NULL);
  g_assert_cmpstr (g_variant_get_type_string (info), ==, "(ututu)");
  sched = call_ok (f, VB_OP_DOMAIN_GET_SCHEDULER_TYPE, dom, NULL);
  g_assert_cmpstr (g_variant_get_type_string (sched), ==, "(si)");

  /* libvirt's test driver has no device hot-plug, no DHCP leases */
  g_free (call_fails (f, VB_OP_DOMAIN_ATTACH_DEVICE, dom, g_variant_new ("(su)", "<disk/>", 0),
                      VB_ERROR_NOT_SUPPORTED));
  g_free (call_fails (f, VB_OP_DOMAIN_DETACH_DEVICE, dom, g_variant_new ("(su)", "<disk/>", 0),
                      VB_ERROR_NOT_SUPPORTED));
  g_free (call_fails (f, VB_OP_NETWORK_GET_DHCP_LEASES, vb_driver_lookup_network_by_name (f->driver, "default"),
                      g_variant_new ("(su)", "", 0), VB_ERROR_NOT_SUPPORTED));

  /* inactive: no addresses, no clock, no stats of a live guest */
  call_ok (f, VB_OP_DOMAIN_SUSPEND, dom, NULL);
  g_free (call_fails (f, VB_OP_DOMAIN_GET_TIME, dom, g_variant_new ("(u)", 0), VB_ERROR_INVALID_STATE));
  call_ok (f, VB_OP_DOMAIN_DESTROY, dom, g_variant_new ("(u)", 0));
  g_free (call_fails (f, VB_OP_DOMAIN_INTERFACE_ADDRESSES, dom, g_variant_new ("(uu)", 0, 0), VB_ERROR_INVALID_STATE));
  g_free (call_fails (f, VB_OP_DOMAIN_MEMORY_STATS, dom, g_variant_new ("(u)", 0), VB_ERROR_INVALID_STATE));
  g_free (call_fails (f, VB_OP_DOMAIN_GET_HOSTNAME, dom, g_variant_new ("(u)", 0), VB_ERROR_INVALID_STATE));

  /* a second start gets id 2: the addresses move by 20 */
  call_ok (f, VB_OP_DOMAIN_CREATE, dom, g_variant_new ("(u)", 0));
  g_clear_pointer (&addrs, g_variant_unref);
  addrs = call_ok (f, VB_OP_DOMAIN_INTERFACE_ADDRESSES, dom, g_variant_new ("(uu)", 0, 0));
  {
    g_autofree char *printed = g_variant_print (addrs, FALSE);
    g_assert_nonnull (strstr (printed, "'192.168.122.23'"));
  }
}

static void
test_save (Fixture *f, gconstpointer data)
{
  VbDomain *dom = domain (f, "test");
  g_autofree char *dir = g_dir_make_tmp ("vb-test-driver-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "test.save", NULL);
  g_autofree char *bad = g_build_filename (dir, "missing", "test.save", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *dump = g_build_filename (dir, "test.core", NULL);

  g_assert_nonnull (dir);
  g_free (call_fails (f, VB_OP_DOMAIN_SAVE, dom, g_variant_new ("(ssu)", "relative", "", 0), VB_ERROR_INVALID_ARG));
  g_free (call_fails (f, VB_OP_DOMAIN_SAVE, dom, g_variant_new ("(ssu)", bad, "", 0), VB_ERROR_IO));
  g_free (call_fails (f, VB_OP_DOMAIN_SAVE, dom, g_variant_new ("(ssu)", path, "<domain/>", 0), VB_ERROR_NOT_SUPPORTED));
  assert_state (dom, VB_DOMAIN_RUNNING, VB_DOMAIN_RUNNING_UNKNOWN);
  ASSERT_NO_EVENTS (f->events);

  call_ok (f, VB_OP_DOMAIN_SAVE, dom, g_variant_new ("(ssu)", path, "", 0));
  assert_state (dom, VB_DOMAIN_SHUTOFF, VB_DOMAIN_SHUTOFF_SAVED);
  ASSERT_EVENTS (f->events, "test 5 4 5");
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_true (g_str_has_prefix (contents, "VirtbusTestSave 1 1 0\n<domain"));
  g_assert_false (vb_domain_has_managed_save (dom));
  g_free (call_fails (f, VB_OP_DOMAIN_SAVE, dom, g_variant_new ("(ssu)", path, "", 0), VB_ERROR_INVALID_STATE));

  /* core dump with crash: the guest stops as crashed */
  call_ok (f, VB_OP_DOMAIN_CREATE, dom, g_variant_new ("(u)", 0));
  g_ptr_array_set_size (f->events, 0);
  g_free (call_fails (f, VB_OP_DOMAIN_CORE_DUMP, dom, g_variant_new ("(suu)", dump, 1, 0), VB_ERROR_NOT_SUPPORTED));
  call_ok (f, VB_OP_DOMAIN_CORE_DUMP, dom, g_variant_new ("(suu)", dump, 0, 0));
  assert_state (dom, VB_DOMAIN_RUNNING, VB_DOMAIN_RUNNING_BOOTED);
  call_ok (f, VB_OP_DOMAIN_CORE_DUMP, dom, g_variant_new ("(suu)", dump, 0, 1));
  assert_state (dom, VB_DOMAIN_SHUTOFF, VB_DOMAIN_SHUTOFF_CRASHED);
  ASSERT_EVENTS (f->events, "test 5 2 5");

  g_unlink (path);
  g_unlink (dump);
  g_rmdir (dir);
}

/* Networks -------------------------------------------------------------------- */

static char *
network_xml (Fixture *f, VbNetwork *net, guint flags)
{
  g_autoptr(GVariant) xml = call_ok (f, VB_OP_NETWORK_GET_XML_DESC, net, g_variant_new ("(u)", flags));

  return g_variant_dup_string (xml, NULL);
}

static void
test_network (Fixture *f, gconstpointer data)
{
  VbNetwork *def_net = vb_driver_lookup_network_by_name (f->driver, "default");
  g_autoptr(VbNetwork) n2 = NULL;
  g_autoptr(VbNetwork) n3 = NULL;
  g_autofree char *n3_xml = NULL;
  const char *host = "<host mac='52:54:00:00:00:01' ip='192.168.150.5'/>";

  call_ok (f, VB_OP_NETWORK_DESTROY, def_net, NULL);
  g_assert_false (vb_network_is_active (def_net));
  ASSERT_EVENTS (f->net_events, "default 3 0");
  g_free (call_fails (f, VB_OP_NETWORK_DESTROY, def_net, NULL, VB_ERROR_INVALID_STATE));
  call_ok (f, VB_OP_NETWORK_CREATE, def_net, NULL);
  ASSERT_EVENTS (f->net_events, "default 2 1");
  g_free (call_fails (f, VB_OP_NETWORK_CREATE, def_net, NULL, VB_ERROR_INVALID_STATE));
  g_free (call_fails (f, VB_OP_NETWORK_UNDEFINE, def_net, NULL, VB_ERROR_INVALID_STATE));

  n2 = create (f, VB_OP_NETWORK_DEFINE_XML, g_variant_new ("(s)", net_xml));
  g_assert_true (vb_network_is_persistent (n2));
  g_assert_false (vb_network_is_active (n2));
  ASSERT_EVENTS (f->net_events, "n2 0 0");

  /* an inactive network: AFFECT_CURRENT is its config; live is refused */
  g_free (call_fails (f, VB_OP_NETWORK_UPDATE, n2,
                      g_variant_new ("(uuisu)", 3, 4, -1, host, 1), VB_ERROR_INVALID_STATE));
  call_ok (f, VB_OP_NETWORK_UPDATE, n2, g_variant_new ("(uuisu)", 3, 4, -1, host, 0));
  {
    g_autofree char *xml = network_xml (f, n2, 0);
    g_assert_nonnull (strstr (xml, "192.168.150.5"));
  }
  call_ok (f, VB_OP_NETWORK_CREATE, n2, NULL);
  ASSERT_EVENTS (f->net_events, "n2 2 1");
  /* live only: the next start does not keep it */
  call_ok (f, VB_OP_NETWORK_UPDATE, n2,
           g_variant_new ("(uuisu)", 3, 4, -1, "<host mac='52:54:00:00:00:02' ip='192.168.150.6'/>", 1));
  {
    g_autofree char *live = network_xml (f, n2, 0);
    g_autofree char *config = network_xml (f, n2, VB_NETWORK_XML_INACTIVE);
    g_assert_nonnull (strstr (live, "192.168.150.6"));
    g_assert_null (strstr (config, "192.168.150.6"));
  }
  /* a bad update changes nothing */
  {
    g_autofree char *before = network_xml (f, n2, 0);
    g_autofree char *after = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_null (call (f, VB_OP_NETWORK_UPDATE, n2, g_variant_new ("(uuisu)", 3, 4, -1, "<host", 3), NULL, &error));
    g_assert_nonnull (error);
    after = network_xml (f, n2, 0);
    g_assert_cmpstr (before, ==, after);
  }
  g_free (call_fails (f, VB_OP_NETWORK_UPDATE, n2, g_variant_new ("(uuisu)", 3, 4, -1, host, 4), VB_ERROR_INVALID_ARG));

  call_ok (f, VB_OP_NETWORK_SET_AUTOSTART, n2, g_variant_new ("(b)", TRUE));
  g_assert_true (vb_network_get_autostart (n2));
  call_ok (f, VB_OP_NETWORK_DESTROY, n2, NULL);
  call_ok (f, VB_OP_NETWORK_UNDEFINE, n2, NULL);
  ASSERT_EVENTS (f->net_events, "n2 3 0", "n2 1 0");
  g_assert_null (vb_driver_lookup_network_by_name (f->driver, "n2"));

  /* transient: started at once, gone when destroyed */
  n3_xml = g_strdup (net_xml);
  memcpy (strstr (n3_xml, "<name>n2"), "<name>n3", 8);
  n3 = create (f, VB_OP_NETWORK_CREATE_XML, g_variant_new ("(s)", n3_xml));
  g_assert_false (vb_network_is_persistent (n3));
  g_assert_true (vb_network_is_active (n3));
  ASSERT_EVENTS (f->net_events, "n3 2 1");
  g_free (call_fails (f, VB_OP_NETWORK_CREATE_XML, NULL, g_variant_new ("(s)", n3_xml), VB_ERROR_INVALID_STATE));
  g_free (call_fails (f, VB_OP_NETWORK_SET_AUTOSTART, n3, g_variant_new ("(b)", TRUE), VB_ERROR_INVALID_STATE));
  g_free (call_fails (f, VB_OP_NETWORK_UPDATE, n3, g_variant_new ("(uuisu)", 3, 4, -1, host, 2), VB_ERROR_INVALID_STATE));
  /* same UUID under another name */
  g_free (call_fails (f, VB_OP_NETWORK_DEFINE_XML, NULL, g_variant_new ("(s)", net_xml), VB_ERROR_EXISTS));
  call_ok (f, VB_OP_NETWORK_DESTROY, n3, NULL);
  ASSERT_EVENTS (f->net_events, "n3 3 0");
  g_assert_null (vb_driver_lookup_network_by_name (f->driver, "n3"));
}

/* Host -------------------------------------------------------------------------- */

static void
test_host (Fixture *f, gconstpointer data)
{
  g_autoptr(GVariant) info = call_ok (f, VB_OP_NODE_GET_INFO, NULL, NULL);
  g_autoptr(GVariant) caps = call_ok (f, VB_OP_GET_CAPABILITIES, NULL, NULL);
  g_autoptr(GVariant) sysinfo = call_ok (f, VB_OP_GET_SYSINFO, NULL, g_variant_new ("(u)", 0));
  g_autoptr(GVariant) models = call_ok (f, VB_OP_GET_CPU_MODEL_NAMES, NULL, g_variant_new ("(su)", "x86_64", 0));
  g_autoptr(GVariant) version = call_ok (f, VB_OP_GET_VERSION, NULL, NULL);
  g_autoptr(GVariant) hostname = call_ok (f, VB_OP_GET_HOSTNAME, NULL, NULL);
  g_autoptr(GVariant) cpumap = call_ok (f, VB_OP_NODE_GET_CPU_MAP, NULL, g_variant_new ("(u)", 0));
  g_autoptr(GVariant) cpustats = call_ok (f, VB_OP_NODE_GET_CPU_STATS, NULL, g_variant_new ("(iu)", -1, 0));
  g_autoptr(GVariant) memstats = call_ok (f, VB_OP_NODE_GET_MEMORY_STATS, NULL, g_variant_new ("(iu)", -1, 0));
  g_autoptr(GVariant) cells = call_ok (f, VB_OP_NODE_GET_CELLS_FREE_MEMORY, NULL, g_variant_new ("(iiu)", 0, 8, 0));
  g_autoptr(GVariant) free_mem = call_ok (f, VB_OP_NODE_GET_FREE_MEMORY, NULL, NULL);
  g_autoptr(GVariant) secmodel = call_ok (f, VB_OP_NODE_GET_SECURITY_MODEL, NULL, NULL);
  g_autofree char *printed = g_variant_print (info, FALSE);
  const char *caps_xml = g_variant_get_string (caps, NULL);
  xmlDoc *doc;

  g_assert_cmpstr (printed, ==, "('i686', 3145728, 16, 1400, 2, 2, 2, 2)");
  g_assert_nonnull (strstr (caps_xml, "<model>testSecurity</model>"));
  g_assert_nonnull (strstr (caps_xml, "<emulator>/usr/bin/test-hv</emulator>"));
  g_assert_nonnull (strstr (caps_xml, "<os_type>xen</os_type>"));
  g_assert_nonnull (strstr (caps_xml, "<cells num='2'>"));
  doc = xmlReadMemory (caps_xml, (int) strlen (caps_xml), "caps.xml", NULL, XML_PARSE_NONET);
  g_assert_nonnull (doc);
  xmlFreeDoc (doc);
  g_assert_true (g_str_has_prefix (g_variant_get_string (sysinfo, NULL), "<sysinfo type='smbios'>"));
  g_assert_cmpuint (g_variant_n_children (models), >, 10);
  g_assert_cmpuint (g_variant_get_uint64 (version), ==, 2);
  g_assert_cmpstr (g_variant_get_string (hostname, NULL), ==, g_get_host_name ());
  g_clear_pointer (&printed, g_free);
  printed = g_variant_print (cpumap, FALSE);
  g_assert_cmpstr (printed, ==, "[true, false, true, false, true, false, false, false]");
  g_assert_cmpuint (g_variant_n_children (cpustats), ==, 4);
  g_assert_cmpuint (g_variant_n_children (memstats), ==, 4);
  g_assert_cmpuint (g_variant_n_children (cells), ==, 2);
  g_assert_cmpuint (g_variant_get_uint64 (free_mem), ==, 3145728);
  g_clear_pointer (&printed, g_free);
  printed = g_variant_print (secmodel, FALSE);
  g_assert_cmpstr (printed, ==, "('testSecurity', '')");

  g_free (call_fails (f, VB_OP_GET_CPU_MODEL_NAMES, NULL, g_variant_new ("(su)", "nonsense", 0), VB_ERROR_INVALID_ARG));
  g_free (call_fails (f, VB_OP_GET_SYSINFO, NULL, g_variant_new ("(u)", 1), VB_ERROR_INVALID_ARG));
  g_free (call_fails (f, VB_OP_NODE_GET_CELLS_FREE_MEMORY, NULL, g_variant_new ("(iiu)", 2, 1, 0), VB_ERROR_INVALID_ARG));
  g_free (call_fails (f, VB_OP_NODE_GET_MEMORY_STATS, NULL, g_variant_new ("(iu)", 5, 0), VB_ERROR_INVALID_ARG));
  g_free (call_fails (f, VB_OP_GET_DOMAIN_CAPABILITIES, NULL, g_variant_new ("(msmsmsmsu)", NULL, NULL, NULL, NULL, 0),
                      VB_ERROR_NOT_SUPPORTED));
}

/* Filters on the driver's list, after a mix of transitions. */
static void
test_list_filters (Fixture *f, gconstpointer data)
{
  g_autoptr(VbDomain) foo = create (f, VB_OP_DOMAIN_DEFINE_XML, g_variant_new ("(s)", foo_xml));
  VbDomain *test = domain (f, "test");
  const struct { guint flags; guint n; } cases[] = {
    { 0, 2 },
    { VB_LIST_DOMAINS_ACTIVE, 1 },
    { VB_LIST_DOMAINS_INACTIVE, 1 },
    { VB_LIST_DOMAINS_PERSISTENT, 2 },
    { VB_LIST_DOMAINS_TRANSIENT, 0 },
    { VB_LIST_DOMAINS_PAUSED, 1 },
    { VB_LIST_DOMAINS_RUNNING, 0 },
    { VB_LIST_DOMAINS_SHUTOFF, 1 },
    { VB_LIST_DOMAINS_AUTOSTART, 1 },
    { VB_LIST_DOMAINS_NO_AUTOSTART, 1 },
    { VB_LIST_DOMAINS_ACTIVE | VB_LIST_DOMAINS_AUTOSTART, 0 },
  };

  call_ok (f, VB_OP_DOMAIN_SUSPEND, test, NULL);
  call_ok (f, VB_OP_DOMAIN_SET_AUTOSTART, foo, g_variant_new ("(b)", TRUE));
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GPtrArray) list = vb_driver_list_domains (f->driver, cases[i].flags);
    g_assert_cmpuint (list->len, ==, cases[i].n);
  }
  {
    g_autoptr(GPtrArray) nets = vb_driver_list_networks (f->driver, VB_LIST_NETWORKS_ACTIVE);
    g_assert_cmpuint (nets->len, ==, 1);
  }
}

/* A document the caller parsed reaches the driver as that definition:
 * its UUID, generated by the one parse, is the domain's. */
static void
test_parsed_once (Fixture *f, gconstpointer data)
{
  const char *xml = "<domain type='test'><name>nouuid</name><memory>1024</memory>"
                    "<os><type>hvm</type></os></domain>";
  g_autoptr(GError) error = NULL;
  g_autoptr(VbDefinition) definition = vb_driver_parse_definition (f->driver, VB_OP_DOMAIN_DEFINE_XML, xml, &error);
  char uuid[VB_UUID_STRING_LEN + 1];
  Wait wait = { g_main_loop_new (NULL, FALSE), NULL };
  g_autoptr(VbDomain) dom = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (vb_definition_get_name (definition), ==, "nouuid");
  vb_uuid_format (vb_definition_get_uuid (definition), uuid);
  vb_driver_call_with_definition_async (f->driver, VB_OP_DOMAIN_DEFINE_XML, g_variant_new ("(s)", xml),
                                        g_steal_pointer (&definition), NULL, call_done, &wait);
  if (wait.result == NULL)
    g_main_loop_run (wait.loop);
  g_assert_null (vb_driver_call_finish (f->driver, wait.result, (gpointer *) &dom, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (vb_domain_get_uuid_string (dom), ==, uuid);
  /* the driver's own checks still ran on it */
  g_assert_cmpstr (vb_domain_get_def (dom)->os_arch, ==, "i686");
  g_object_unref (wait.result);
  g_main_loop_unref (wait.loop);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/test-driver/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("preload", test_preload);
  ADD ("lifecycle", test_lifecycle);
  ADD ("define", test_define);
  ADD ("parsed-once", test_parsed_once);
  ADD ("transient", test_transient);
  ADD ("vcpus-memory", test_vcpus_memory);
  ADD ("metadata", test_metadata);
  ADD ("autostart-rename", test_autostart_rename);
  ADD ("queries", test_queries);
  ADD ("save", test_save);
  ADD ("network", test_network);
  ADD ("host", test_host);
  ADD ("list-filters", test_list_filters);
#undef ADD

  return g_test_run ();
}
