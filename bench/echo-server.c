/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The reference server: as little as GDBus needs to answer a call, so that
 * the benchmark's ratios show what virtbusd adds on top of the bus itself. */
#include "echo-server.h"

#include <gio/gio.h>
#include <stdio.h>
#include <stdlib.h>

static const char echo_introspection[] =
  "<node>"
  "  <interface name='" VB_BENCH_ECHO_IFACE "'>"
  "    <method name='Echo'>"
  "      <arg name='text' type='s' direction='in'/>"
  "      <arg name='text' type='s' direction='out'/>"
  "    </method>"
  "    <method name='Paths'>"
  "      <arg name='n' type='u' direction='in'/>"
  "      <arg name='paths' type='ao' direction='out'/>"
  "    </method>"
  "    <method name='Nothing'/>"
  "  </interface>"
  "</node>";

void
vb_bench_fake_domain_path (char *buf, gsize size, guint index)
{
  g_snprintf (buf, size, "/org/libvirt/Test/domain/_%08x_6c02_601e_7551_%012x",
              index * 2654435761u, index);
}

static void
echo_method_call (GDBusConnection *connection, const char *sender, const char *object_path,
                  const char *interface_name, const char *method_name, GVariant *parameters,
                  GDBusMethodInvocation *invocation, gpointer user_data)
{
  if (g_str_equal (method_name, "Echo")) {
    const char *text;

    g_variant_get (parameters, "(&s)", &text);
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(s)", text));
  } else if (g_str_equal (method_name, "Paths")) {
    GVariantBuilder builder;
    guint32 n;

    g_variant_get (parameters, "(u)", &n);
    /* Built per call, as a daemon builds its answer from live objects. */
    g_variant_builder_init (&builder, G_VARIANT_TYPE ("ao"));
    for (guint i = 0; i < n; i++) {
      char path[96];

      vb_bench_fake_domain_path (path, sizeof path, i);
      g_variant_builder_add (&builder, "o", path);
    }
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(ao)", &builder));
  } else {
    g_dbus_method_invocation_return_value (invocation, NULL);
  }
}

static const GDBusInterfaceVTable echo_vtable = { echo_method_call, NULL, NULL, { 0 } };

static void
on_name_lost (GDBusConnection *connection, const char *name, gpointer user_data)
{
  g_printerr ("vb-bench echo server: lost or could not own %s\n", name);
  exit (EXIT_FAILURE);
}

int
vb_bench_echo_server_run (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GDBusNodeInfo) info = NULL;
  g_autoptr(GMainLoop) loop = NULL;

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (bus == NULL) {
    g_printerr ("vb-bench echo server: %s\n", error->message);
    return EXIT_FAILURE;
  }
  info = g_dbus_node_info_new_for_xml (echo_introspection, &error);
  g_assert_no_error (error);
  if (g_dbus_connection_register_object (bus, VB_BENCH_ECHO_PATH, info->interfaces[0], &echo_vtable,
                                         NULL, NULL, &error) == 0) {
    g_printerr ("vb-bench echo server: %s\n", error->message);
    return EXIT_FAILURE;
  }
  /* Like virtbusd: objects first, then the name. The process ends with the
   * bus (exit-on-close) or with SIGTERM's default action. */
  g_bus_own_name_on_connection (bus, VB_BENCH_ECHO_NAME, G_BUS_NAME_OWNER_FLAGS_NONE, NULL,
                                on_name_lost, NULL, NULL);
  loop = g_main_loop_new (NULL, FALSE);
  g_main_loop_run (loop);
  return EXIT_SUCCESS;
}
