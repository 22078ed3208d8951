/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib-unix.h>
#if VB_HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif
#include <locale.h>
#include <stdlib.h>
#include <unistd.h>

#include "vb-driver-registry.h"
#include "vb-service.h"

typedef struct {
  GMainLoop *loop;
  VbService *service;
  int idle_timeout; /* seconds, 0: never */
  int exit_status;
} Daemon;

/* An activated daemon goes away when nobody has called it for a while and
 * it runs nothing it started; the bus starts it again on the next call. */
static gboolean
on_idle_check (gpointer user_data)
{
  Daemon *daemon = user_data;

  if (vb_service_idle_seconds (daemon->service) >= daemon->idle_timeout &&
      !vb_service_is_busy (daemon->service)) {
    g_debug ("idle for %d s with nothing running: exiting", daemon->idle_timeout);
    g_main_loop_quit (daemon->loop);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_quit_signal (gpointer user_data)
{
  Daemon *daemon = user_data;

  g_main_loop_quit (daemon->loop);
  return G_SOURCE_CONTINUE;
}

static void
on_name_acquired (GDBusConnection *bus, const char *name, gpointer user_data)
{
  g_debug ("owning %s", name);
  /* under systemd: ready now that every object is exported and the name
   * owned (a no-op elsewhere) */
#if VB_HAVE_LIBSYSTEMD
  sd_notify (0, "READY=1\nSTATUS=Serving org.libvirt");
#endif
}

static void
on_name_lost (GDBusConnection *bus, const char *name, gpointer user_data)
{
  Daemon *daemon = user_data;

  g_printerr ("virtbusd: cannot own %s on the %s: another instance is running or the bus "
              "policy forbids it\n", name, bus ? "bus" : "(disconnected) bus");
  daemon->exit_status = EXIT_FAILURE;
  g_main_loop_quit (daemon->loop);
}

int
main (int argc, char **argv)
{
  gboolean opt_system = FALSE;
  gboolean opt_session = FALSE;
  gboolean opt_version = FALSE;
  int opt_timeout = 0;
  g_autofree char *opt_state_dir = NULL;
  const GOptionEntry entries[] = {
    { "system", 0, 0, G_OPTION_ARG_NONE, &opt_system, "Serve on the system bus (default for root)", NULL },
    { "session", 0, 0, G_OPTION_ARG_NONE, &opt_session, "Serve on the session bus (default for other users)", NULL },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &opt_timeout, "Exit after SECONDS without callers when nothing runs (0: never)", "SECONDS" },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt_state_dir, "Keep all configuration and run-time state under DIR (tests; also $VIRTBUS_STATE_DIR)", "DIR" },
    { "version", 0, 0, G_OPTION_ARG_NONE, &opt_version, "Print the version and exit", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- virtualization manager on D-Bus");
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GPtrArray) drivers = g_ptr_array_new_with_free_func (g_object_unref);
  VbDriverConfig config = { 0 };
  g_autoptr(GMainLoop) loop = NULL;
  VbService *service;
  Daemon daemon = { 0 };
  gboolean system_bus;
  guint owner_id;

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("virtbusd: %s\n", error->message);
    return EXIT_FAILURE;
  }
  if (opt_version) {
    g_print ("virtbusd %s\n", VB_VERSION);
    return EXIT_SUCCESS;
  }
  if (opt_timeout < 0) {
    g_printerr ("virtbusd: --timeout takes a number of seconds, 0 or more\n");
    return EXIT_FAILURE;
  }
  if (opt_system && opt_session) {
    g_printerr ("virtbusd: --system and --session exclude each other\n");
    return EXIT_FAILURE;
  }
  /* As libvirt-dbus: root serves the system bus unless told otherwise. */
  system_bus = opt_system || (!opt_session && geteuid () == 0);

  bus = g_bus_get_sync (system_bus ? G_BUS_TYPE_SYSTEM : G_BUS_TYPE_SESSION, NULL, &error);
  if (bus == NULL) {
    g_printerr ("virtbusd: cannot connect to the %s bus: %s\n",
                system_bus ? "system" : "session", error->message);
    return EXIT_FAILURE;
  }

  if (opt_state_dir == NULL && g_getenv ("VIRTBUS_STATE_DIR"))
    opt_state_dir = g_strdup (g_getenv ("VIRTBUS_STATE_DIR"));
  config.system = system_bus;
  config.state_dir = opt_state_dir;

  service = vb_service_new (bus, system_bus);
  for (const VbDriverEntry *entry = vb_driver_registry_get_builtin (); entry->name; entry++) {
    VbDriver *driver = entry->new (&config);

    g_ptr_array_add (drivers, driver);
    if (!vb_driver_open (driver, &error) || !vb_service_add_driver (service, driver, &error)) {
      g_printerr ("virtbusd: cannot start the %s driver: %s\n", vb_driver_get_name (driver),
                  error->message);
      vb_service_free (service);
      return EXIT_FAILURE;
    }
  }

  loop = g_main_loop_new (NULL, FALSE);
  daemon.loop = loop;
  daemon.service = service;
  daemon.idle_timeout = opt_timeout;
  if (opt_timeout > 0)
    g_timeout_add_seconds (MAX (1, opt_timeout / 4), on_idle_check, &daemon);
  g_unix_signal_add (SIGTERM, on_quit_signal, &daemon);
  g_unix_signal_add (SIGINT, on_quit_signal, &daemon);

  /* The name is requested only once every object is exported, so an
   * activated client never sees a half-populated tree. */
  owner_id = g_bus_own_name_on_connection (bus, VB_BUS_NAME, G_BUS_NAME_OWNER_FLAGS_NONE,
                                           on_name_acquired, on_name_lost, &daemon, NULL);
  g_main_loop_run (loop);

  /* releasing the name needs a live bus; a closed one released it for us */
  if (!g_dbus_connection_is_closed (bus))
    g_bus_unown_name (owner_id);
  vb_service_free (service);
  return daemon.exit_status;
}
