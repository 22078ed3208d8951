/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "virtbus-private.h"

#include "vb-dbus-generated.h"

/**
 * VirtbusConnection:
 *
 * One hypervisor driver of virtbusd ("Test", "QEMU", "LXC"), reached over
 * the system bus, the session bus or a given bus address.
 *
 * The connection keeps the lists of domains and networks current from the
 * daemon's ObjectManager (InterfacesAdded/InterfacesRemoved), so a UI can show
 * them without a round trip, and announces changes with
 * [signal@Virtbus.Connection::domain-added] and friends.  Everything is
 * delivered in the main context the connection was created in.
 *
 * When virtbusd restarts, the objects that come back keep their
 * [class@Virtbus.Domain] and [class@Virtbus.Network] instances (same object
 * path), those that do not are removed, and signals flow again;
 * [property@Virtbus.Connection:daemon-running] tells when the daemon is away.
 *
 * The asynchronous constructors build on GDBus' object manager, whose
 * asynchronous initialization binds to the global default main context:
 * call them from the thread that runs it (as any GTK or PyGObject
 * application does), or use a `_sync` constructor inside a thread-default
 * context.
 *
 * Since: 1.0
 */
/* The object kinds a connection follows. */
typedef enum {
  KIND_DOMAIN,
  KIND_NETWORK,
  N_KINDS
} Kind;

struct _VirtbusConnection {
  GObject parent_instance;

  GBusType bus_type;
  char *address;
  char *driver;
  char *root_path;

  GDBusConnection *bus;
  GMainContext *context; /* where the manager and proxies deliver */
  GDBusObjectManager *manager;
  VbDBusConnect *connect;
  gboolean daemon_running;

  /* path → VirtbusObject, per kind */
  GHashTable *objects[N_KINDS];
  /* Objects the daemon removed just before telling why (a domain's
   * InterfacesRemoved precedes its "undefined" event), so the late event
   * still reaches the object the application holds. */
  GHashTable *removed[N_KINDS];
  /* Paths whose object vanished with the daemon; kept until the daemon is
   * back and has listed its objects. */
  GHashTable *stale;
};

static void virtbus_connection_initable_iface_init (GInitableIface *iface);
static void virtbus_connection_async_initable_iface_init (GAsyncInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (VirtbusConnection, virtbus_connection, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                      virtbus_connection_initable_iface_init)
                               G_IMPLEMENT_INTERFACE (G_TYPE_ASYNC_INITABLE,
                                                      virtbus_connection_async_initable_iface_init))

enum {
  PROP_0,
  PROP_BUS_TYPE,
  PROP_ADDRESS,
  PROP_DRIVER,
  PROP_DAEMON_RUNNING,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

enum {
  SIGNAL_DOMAIN_ADDED,
  SIGNAL_DOMAIN_REMOVED,
  SIGNAL_NETWORK_ADDED,
  SIGNAL_NETWORK_REMOVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const struct {
  GType (*get_type) (void);
  guint added_signal;
  guint removed_signal;
} kinds[N_KINDS] = {
  [KIND_DOMAIN] = { virtbus_domain_get_type, SIGNAL_DOMAIN_ADDED, SIGNAL_DOMAIN_REMOVED },
  [KIND_NETWORK] = { virtbus_network_get_type, SIGNAL_NETWORK_ADDED, SIGNAL_NETWORK_REMOVED },
};

static const char *
kind_interface (Kind kind)
{
  return virtbus_object_type_get_kind (kinds[kind].get_type ())->interface_name;
}

GDBusConnection *
virtbus_connection_get_bus (VirtbusConnection *self)
{
  return self->bus;
}

/* Object tracking ----------------------------------------------------------- */

static VirtbusObject *
add_object (VirtbusConnection *self, Kind kind, const char *path, GDBusProxy *proxy,
            GVariant *props_dict)
{
  VirtbusObject *object = g_hash_table_lookup (self->objects[kind], path);

  /* back after a daemon restart: what ran may have stopped meanwhile */
  if (g_hash_table_remove (self->stale, path) && object)
    virtbus_object_refresh (object);
  if (object) {
    if (proxy)
      virtbus_object_set_proxy (object, proxy);
    return object;
  }
  g_hash_table_remove (self->removed[kind], path);
  object = virtbus_object_new_internal (kinds[kind].get_type (), self, self->bus, self->context,
                                        path);
  if (props_dict)
    virtbus_object_apply_properties (object, props_dict);
  virtbus_object_set_proxy (object, proxy);
  virtbus_object_refresh (object);
  g_hash_table_insert (self->objects[kind], g_strdup (path), object);
  g_signal_emit (self, signals[kinds[kind].added_signal], 0, object);
  return object;
}

static void
remove_object (VirtbusConnection *self, const char *path)
{
  for (Kind kind = 0; kind < N_KINDS; kind++) {
    g_autofree char *key = NULL;
    g_autoptr(VirtbusObject) object = NULL;

    if (!g_hash_table_steal_extended (self->objects[kind], path, (gpointer *) &key,
                                      (gpointer *) &object))
      continue;
    virtbus_object_set_proxy (object, NULL);
    g_hash_table_insert (self->removed[kind], g_strdup (path), g_object_ref (object));
    g_signal_emit (self, signals[kinds[kind].removed_signal], 0, object);
    return;
  }
}

static void
on_object_added (GDBusObjectManager *manager, GDBusObject *object, VirtbusConnection *self)
{
  const char *path = g_dbus_object_get_object_path (object);

  for (Kind kind = 0; kind < N_KINDS; kind++) {
    g_autoptr(GDBusInterface) iface = g_dbus_object_get_interface (object, kind_interface (kind));

    if (iface) {
      add_object (self, kind, path, G_DBUS_PROXY (iface), NULL);
      return;
    }
  }
}

static void
on_object_removed (GDBusObjectManager *manager, GDBusObject *object, VirtbusConnection *self)
{
  const char *path = g_dbus_object_get_object_path (object);
  g_autofree char *owner = g_dbus_object_manager_client_get_name_owner (
    G_DBUS_OBJECT_MANAGER_CLIENT (manager));

  if (owner != NULL) {
    remove_object (self, path);
    return;
  }
  /* The daemon went away (GDBus clears the owner before synthesizing the
   * removals): keep the object for when it comes back. */
  for (Kind kind = 0; kind < N_KINDS; kind++) {
    VirtbusObject *known = g_hash_table_lookup (self->objects[kind], path);

    if (known) {
      virtbus_object_set_proxy (known, NULL);
      g_hash_table_add (self->stale, g_strdup (path));
    }
  }
}

static void
set_daemon_running (VirtbusConnection *self, gboolean running)
{
  if (self->daemon_running == running)
    return;
  self->daemon_running = running;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_DAEMON_RUNNING]);
}

static void
on_name_owner (GObject *manager, GParamSpec *pspec, VirtbusConnection *self)
{
  g_autofree char *owner = g_dbus_object_manager_client_get_name_owner (
    G_DBUS_OBJECT_MANAGER_CLIENT (manager));
  g_autoptr(GPtrArray) gone = NULL;
  GHashTableIter iter;
  const char *path;

  if (owner == NULL) {
    set_daemon_running (self, FALSE);
    return;
  }
  /* GDBus announces the new owner after re-adding every object it listed:
   * what is still stale did not come back. */
  gone = g_ptr_array_new_with_free_func (g_free);
  g_hash_table_iter_init (&iter, self->stale);
  while (g_hash_table_iter_next (&iter, (gpointer *) &path, NULL))
    g_ptr_array_add (gone, g_strdup (path));
  g_hash_table_remove_all (self->stale);
  for (guint i = 0; i < gone->len; i++)
    remove_object (self, g_ptr_array_index (gone, i));
  /* late events of the previous instance will not come any more */
  for (Kind kind = 0; kind < N_KINDS; kind++)
    g_hash_table_remove_all (self->removed[kind]);
  /* a new daemon knows nothing of what the last one was asked */
  virtbus_error_enable_names (self->bus);
  set_daemon_running (self, TRUE);
}

/* The object an event is about, or NULL (a new reference). */
static VirtbusObject *
event_target (VirtbusConnection *self, Kind kind, const char *path, int event)
{
  VirtbusObject *object = g_hash_table_lookup (self->objects[kind], path);

  if (object == NULL)
    object = g_hash_table_lookup (self->removed[kind], path);
  if (object == NULL) {
    g_debug ("event %d for unknown object %s", event, path);
    return NULL;
  }
  g_object_ref (object);
  /* the last event of a removed object: it cannot come back under a new
   * event without InterfacesAdded first */
  g_hash_table_remove (self->removed[kind], path);
  return object;
}

static void
on_domain_event (VbDBusConnect *connect, const char *path, int event, int detail,
                 VirtbusConnection *self)
{
  g_autoptr(VirtbusObject) domain = event_target (self, KIND_DOMAIN, path, event);

  if (domain)
    virtbus_domain_emit_event (VIRTBUS_DOMAIN (domain), event, detail);
}

static void
on_network_event (VbDBusConnect *connect, const char *path, int event, VirtbusConnection *self)
{
  g_autoptr(VirtbusObject) network = event_target (self, KIND_NETWORK, path, event);

  if (network)
    virtbus_network_emit_event (VIRTBUS_NETWORK (network), event);
}

/* The bus, the manager and the Connect proxy are ready: check the driver
 * exists, fill the caches, follow changes. */
static gboolean
setup (VirtbusConnection *self, GError **error)
{
  g_autofree char *owner = g_dbus_object_manager_client_get_name_owner (
    G_DBUS_OBJECT_MANAGER_CLIENT (self->manager));
  g_auto(GStrv) cached = g_dbus_proxy_get_cached_property_names (G_DBUS_PROXY (self->connect));
  g_autolist(GDBusObject) objects = NULL;

  if (owner != NULL && (cached == NULL || cached[0] == NULL)) {
    g_set_error (error, VIRTBUS_ERROR, VIRTBUS_ERROR_NOT_FOUND,
                 "virtbusd has no driver '%s' (no %s at %s)", self->driver,
                 VIRTBUS_CONNECT_IFACE, self->root_path);
    return FALSE;
  }
  self->daemon_running = owner != NULL;
  if (owner != NULL)
    virtbus_error_enable_names (self->bus);
  objects = g_dbus_object_manager_get_objects (self->manager);
  for (GList *l = objects; l; l = l->next)
    on_object_added (self->manager, l->data, self);
  g_signal_connect_object (self->manager, "object-added", G_CALLBACK (on_object_added), self, 0);
  g_signal_connect_object (self->manager, "object-removed", G_CALLBACK (on_object_removed), self,
                           0);
  g_signal_connect_object (self->manager, "notify::name-owner", G_CALLBACK (on_name_owner), self,
                           0);
  g_signal_connect_object (self->connect, "domain-event", G_CALLBACK (on_domain_event), self, 0);
  g_signal_connect_object (self->connect, "network-event", G_CALLBACK (on_network_event), self,
                           0);
  return TRUE;
}

/* Construction ------------------------------------------------------------- */

/* A running daemon without this driver's root answers the first call on
 * it with "unknown object": say which driver is missing. */
static GError *
init_error (VirtbusConnection *self, const GError *dbus_error)
{
  GError *error = virtbus_error_from_dbus (dbus_error);

  if (g_error_matches (error, VIRTBUS_ERROR, VIRTBUS_ERROR_NOT_FOUND))
    g_prefix_error (&error, "virtbusd has no driver '%s': ", self->driver);
  return error;
}

static gboolean
virtbus_connection_initable_init (GInitable *initable, GCancellable *cancellable, GError **error)
{
  VirtbusConnection *self = VIRTBUS_CONNECTION (initable);
  g_autoptr(GError) local = NULL;

  if (self->address)
    self->bus = g_dbus_connection_new_for_address_sync (
      self->address,
      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
        G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
      NULL, cancellable, &local);
  else
    self->bus = g_bus_get_sync (self->bus_type, cancellable, &local);
  if (self->bus)
    self->manager = vb_dbus_object_manager_client_new_sync (
      self->bus, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE, VIRTBUS_BUS_NAME, self->root_path,
      cancellable, &local);
  if (self->manager)
    self->connect = vb_dbus_connect_proxy_new_sync (self->bus, G_DBUS_PROXY_FLAGS_NONE,
                                                    VIRTBUS_BUS_NAME, self->root_path,
                                                    cancellable, &local);
  if (self->connect == NULL) {
    g_propagate_error (error, init_error (self, local));
    return FALSE;
  }
  return setup (self, error);
}

static void
virtbus_connection_initable_iface_init (GInitableIface *iface)
{
  iface->init = virtbus_connection_initable_init;
}

static void
init_connect_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  VirtbusConnection *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  self->connect = vb_dbus_connect_proxy_new_finish (result, &error);
  if (self->connect == NULL) {
    g_task_return_error (task, init_error (self, error));
    return;
  }
  if (!setup (self, &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  g_task_return_boolean (task, TRUE);
}

static void
init_manager_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  VirtbusConnection *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  self->manager = vb_dbus_object_manager_client_new_finish (result, &error);
  if (self->manager == NULL) {
    g_task_return_error (task, init_error (self, error));
    return;
  }
  vb_dbus_connect_proxy_new (self->bus, G_DBUS_PROXY_FLAGS_NONE, VIRTBUS_BUS_NAME,
                             self->root_path, g_task_get_cancellable (task), init_connect_done,
                             g_object_ref (task));
}

static void
init_bus_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  VirtbusConnection *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  if (self->address)
    self->bus = g_dbus_connection_new_for_address_finish (result, &error);
  else
    self->bus = g_bus_get_finish (result, &error);
  if (self->bus == NULL) {
    g_task_return_error (task, virtbus_error_from_dbus (error));
    return;
  }
  vb_dbus_object_manager_client_new (self->bus, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE,
                                     VIRTBUS_BUS_NAME, self->root_path,
                                     g_task_get_cancellable (task), init_manager_done,
                                     g_object_ref (task));
}

static void
virtbus_connection_init_async (GAsyncInitable *initable, int io_priority,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
  VirtbusConnection *self = VIRTBUS_CONNECTION (initable);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, virtbus_connection_init_async);
  if (self->address)
    g_dbus_connection_new_for_address (self->address,
                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                         G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                       NULL, cancellable, init_bus_done, g_object_ref (task));
  else
    g_bus_get (self->bus_type, cancellable, init_bus_done, g_object_ref (task));
}

static gboolean
virtbus_connection_init_finish (GAsyncInitable *initable, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
virtbus_connection_async_initable_iface_init (GAsyncInitableIface *iface)
{
  iface->init_async = virtbus_connection_init_async;
  iface->init_finish = virtbus_connection_init_finish;
}

/**
 * virtbus_connection_new_for_bus_async:
 * @bus_type: %G_BUS_TYPE_SYSTEM or %G_BUS_TYPE_SESSION
 * @driver: the driver root: "QEMU", "LXC" or "Test"
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called when the connection is ready
 * @user_data: (closure): data for @callback
 *
 * Connects to virtbusd's @driver on a message bus.  Finish with
 * [ctor@Virtbus.Connection.new_for_bus_finish].  A daemon that is not running
 * yet is not an error: the connection fills in when it appears.
 *
 * Since: 1.0
 */
void
virtbus_connection_new_for_bus_async (GBusType bus_type, const char *driver,
                                      GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data)
{
  g_return_if_fail (driver != NULL);
  g_async_initable_new_async (VIRTBUS_TYPE_CONNECTION, G_PRIORITY_DEFAULT, cancellable, callback,
                              user_data, "bus-type", bus_type, "driver", driver, NULL);
}

static VirtbusConnection *
new_finish (GAsyncResult *result, GError **error)
{
  g_autoptr(GObject) source = g_async_result_get_source_object (result);
  GObject *object = g_async_initable_new_finish (G_ASYNC_INITABLE (source), result, error);

  return object ? VIRTBUS_CONNECTION (object) : NULL;
}

/**
 * virtbus_connection_new_for_bus_finish:
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [func@Virtbus.Connection.new_for_bus_async].
 *
 * Returns: (transfer full): the connection, or %NULL on error
 *
 * Since: 1.0
 */
VirtbusConnection *
virtbus_connection_new_for_bus_finish (GAsyncResult *result, GError **error)
{
  return new_finish (result, error);
}

/**
 * virtbus_connection_new_for_bus_sync:
 * @bus_type: %G_BUS_TYPE_SYSTEM or %G_BUS_TYPE_SESSION
 * @driver: the driver root: "QEMU", "LXC" or "Test"
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * Connects to virtbusd's @driver on a message bus, blocking.
 *
 * Returns: (transfer full): the connection, or %NULL on error
 *
 * Since: 1.0
 */
VirtbusConnection *
virtbus_connection_new_for_bus_sync (GBusType bus_type, const char *driver,
                                     GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (driver != NULL, NULL);
  return g_initable_new (VIRTBUS_TYPE_CONNECTION, cancellable, error, "bus-type", bus_type,
                         "driver", driver, NULL);
}

/**
 * virtbus_connection_new_for_address_async:
 * @address: a D-Bus address of a message bus
 * @driver: the driver root: "QEMU", "LXC" or "Test"
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called when the connection is ready
 * @user_data: (closure): data for @callback
 *
 * Connects to virtbusd's @driver on the message bus at @address (a
 * private bus, for tests).  Finish with
 * [ctor@Virtbus.Connection.new_for_address_finish].
 *
 * Since: 1.0
 */
void
virtbus_connection_new_for_address_async (const char *address, const char *driver,
                                          GCancellable *cancellable, GAsyncReadyCallback callback,
                                          gpointer user_data)
{
  g_return_if_fail (address != NULL);
  g_return_if_fail (driver != NULL);
  g_async_initable_new_async (VIRTBUS_TYPE_CONNECTION, G_PRIORITY_DEFAULT, cancellable, callback,
                              user_data, "address", address, "driver", driver, NULL);
}

/**
 * virtbus_connection_new_for_address_finish:
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [func@Virtbus.Connection.new_for_address_async].
 *
 * Returns: (transfer full): the connection, or %NULL on error
 *
 * Since: 1.0
 */
VirtbusConnection *
virtbus_connection_new_for_address_finish (GAsyncResult *result, GError **error)
{
  return new_finish (result, error);
}

/**
 * virtbus_connection_new_for_address_sync:
 * @address: a D-Bus address of a message bus
 * @driver: the driver root: "QEMU", "LXC" or "Test"
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * Connects to virtbusd's @driver on the bus at @address, blocking.
 *
 * Returns: (transfer full): the connection, or %NULL on error
 *
 * Since: 1.0
 */
VirtbusConnection *
virtbus_connection_new_for_address_sync (const char *address, const char *driver,
                                         GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (address != NULL, NULL);
  g_return_val_if_fail (driver != NULL, NULL);
  return g_initable_new (VIRTBUS_TYPE_CONNECTION, cancellable, error, "address", address,
                         "driver", driver, NULL);
}

/* GObject ------------------------------------------------------------------- */

static void
virtbus_connection_get_property (GObject *object, guint prop_id, GValue *value,
                                 GParamSpec *pspec)
{
  VirtbusConnection *self = VIRTBUS_CONNECTION (object);

  switch (prop_id) {
  case PROP_BUS_TYPE:
    g_value_set_enum (value, self->bus_type);
    break;
  case PROP_ADDRESS:
    g_value_set_string (value, self->address);
    break;
  case PROP_DRIVER:
    g_value_set_string (value, self->driver);
    break;
  case PROP_DAEMON_RUNNING:
    g_value_set_boolean (value, self->daemon_running);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
virtbus_connection_set_property (GObject *object, guint prop_id, const GValue *value,
                                 GParamSpec *pspec)
{
  VirtbusConnection *self = VIRTBUS_CONNECTION (object);

  switch (prop_id) {
  case PROP_BUS_TYPE:
    self->bus_type = g_value_get_enum (value);
    break;
  case PROP_ADDRESS:
    g_free (self->address);
    self->address = g_value_dup_string (value);
    break;
  case PROP_DRIVER:
    g_free (self->driver);
    self->driver = g_value_dup_string (value);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
virtbus_connection_constructed (GObject *object)
{
  VirtbusConnection *self = VIRTBUS_CONNECTION (object);

  G_OBJECT_CLASS (virtbus_connection_parent_class)->constructed (object);
  self->root_path = g_strdup_printf ("/org/libvirt/%s", self->driver ? self->driver : "QEMU");
  self->context = g_main_context_ref_thread_default ();
}

static void
virtbus_connection_dispose (GObject *object)
{
  VirtbusConnection *self = VIRTBUS_CONNECTION (object);

  if (self->manager)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  if (self->connect)
    g_signal_handlers_disconnect_by_data (self->connect, self);
  for (Kind kind = 0; kind < N_KINDS; kind++) {
    g_hash_table_remove_all (self->objects[kind]);
    g_hash_table_remove_all (self->removed[kind]);
  }
  g_clear_object (&self->connect);
  g_clear_object (&self->manager);
  G_OBJECT_CLASS (virtbus_connection_parent_class)->dispose (object);
}

static void
virtbus_connection_finalize (GObject *object)
{
  VirtbusConnection *self = VIRTBUS_CONNECTION (object);

  for (Kind kind = 0; kind < N_KINDS; kind++) {
    g_hash_table_unref (self->objects[kind]);
    g_hash_table_unref (self->removed[kind]);
  }
  g_hash_table_unref (self->stale);
  g_clear_object (&self->bus);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->address);
  g_free (self->driver);
  g_free (self->root_path);
  G_OBJECT_CLASS (virtbus_connection_parent_class)->finalize (object);
}

static void
virtbus_connection_class_init (VirtbusConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                                G_PARAM_STATIC_STRINGS;

  object_class->get_property = virtbus_connection_get_property;
  object_class->set_property = virtbus_connection_set_property;
  object_class->constructed = virtbus_connection_constructed;
  object_class->dispose = virtbus_connection_dispose;
  object_class->finalize = virtbus_connection_finalize;
  /* registers org.libvirt.Error* with GDBus before the first call can fail */
  (void) virtbus_error_quark ();

  /**
   * VirtbusConnection:bus-type:
   *
   * The message bus, when [property@Virtbus.Connection:address] is not set.
   *
   * Since: 1.0
   */
  props[PROP_BUS_TYPE] = g_param_spec_enum ("bus-type", NULL, NULL, G_TYPE_BUS_TYPE,
                                            G_BUS_TYPE_SYSTEM, construct);
  /**
   * VirtbusConnection:address:
   *
   * The address of the message bus to use instead of
   * [property@Virtbus.Connection:bus-type].
   *
   * Since: 1.0
   */
  props[PROP_ADDRESS] = g_param_spec_string ("address", NULL, NULL, NULL, construct);
  /**
   * VirtbusConnection:driver: (getter get_driver)
   *
   * The driver root: "QEMU", "LXC" or "Test".
   *
   * Since: 1.0
   */
  props[PROP_DRIVER] = g_param_spec_string ("driver", NULL, NULL, "QEMU", construct);
  /**
   * VirtbusConnection:daemon-running: (getter get_daemon_running)
   *
   * Whether virtbusd currently owns its bus name.
   *
   * Since: 1.0
   */
  props[PROP_DAEMON_RUNNING] = g_param_spec_boolean ("daemon-running", NULL, NULL, FALSE,
                                                     G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                                                       G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /**
   * VirtbusConnection::domain-added:
   * @self: the connection
   * @domain: the new domain
   *
   * A domain appeared (defined, created, or found on connecting after a
   * daemon restart).
   *
   * Since: 1.0
   */
  signals[SIGNAL_DOMAIN_ADDED] = g_signal_new ("domain-added", G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                               G_TYPE_NONE, 1, VIRTBUS_TYPE_DOMAIN);
  /**
   * VirtbusConnection::domain-removed:
   * @self: the connection
   * @domain: the domain that went away
   *
   * A domain disappeared (undefined, or a transient domain stopped).
   *
   * Since: 1.0
   */
  signals[SIGNAL_DOMAIN_REMOVED] = g_signal_new ("domain-removed", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                 G_TYPE_NONE, 1, VIRTBUS_TYPE_DOMAIN);
  /**
   * VirtbusConnection::network-added:
   * @self: the connection
   * @network: the new network
   *
   * A network appeared.
   *
   * Since: 1.0
   */
  signals[SIGNAL_NETWORK_ADDED] = g_signal_new ("network-added", G_TYPE_FROM_CLASS (klass),
                                                G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                G_TYPE_NONE, 1, VIRTBUS_TYPE_NETWORK);
  /**
   * VirtbusConnection::network-removed:
   * @self: the connection
   * @network: the network that went away
   *
   * A network disappeared.
   *
   * Since: 1.0
   */
  signals[SIGNAL_NETWORK_REMOVED] = g_signal_new ("network-removed", G_TYPE_FROM_CLASS (klass),
                                                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                  G_TYPE_NONE, 1, VIRTBUS_TYPE_NETWORK);
}

static void
virtbus_connection_init (VirtbusConnection *self)
{
  self->bus_type = G_BUS_TYPE_SYSTEM;
  for (Kind kind = 0; kind < N_KINDS; kind++) {
    self->objects[kind] = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
    self->removed[kind] = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  }
  self->stale = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/* Cache ---------------------------------------------------------------------- */

/**
 * virtbus_connection_get_driver:
 * @self: a [class@Virtbus.Connection]
 *
 * Gets the driver root name.
 *
 * Returns: (transfer none): the driver root name
 *
 * Since: 1.0
 */
const char *
virtbus_connection_get_driver (VirtbusConnection *self)
{
  g_return_val_if_fail (VIRTBUS_IS_CONNECTION (self), NULL);
  return self->driver;
}

/**
 * virtbus_connection_get_daemon_running:
 * @self: a [class@Virtbus.Connection]
 *
 * Gets whether virtbusd currently runs.
 *
 * Returns: whether virtbusd currently runs
 *
 * Since: 1.0
 */
gboolean
virtbus_connection_get_daemon_running (VirtbusConnection *self)
{
  g_return_val_if_fail (VIRTBUS_IS_CONNECTION (self), FALSE);
  return self->daemon_running;
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (virtbus_object_get_name ((VirtbusObject *) a),
                    virtbus_object_get_name ((VirtbusObject *) b));
}

static GList *
list_objects (VirtbusConnection *self, Kind kind)
{
  return g_list_sort (g_hash_table_get_values (self->objects[kind]), compare_names);
}

/* The cached object of @kind whose name is @key, or whose UUID is @key
 * in any case. */
static gpointer
find_object (VirtbusConnection *self, Kind kind, gboolean by_uuid, const char *key)
{
  GHashTableIter iter;
  VirtbusObject *object;

  g_hash_table_iter_init (&iter, self->objects[kind]);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &object)) {
    const char *uuid = virtbus_object_get_uuid (object);

    if (by_uuid ? g_ascii_strcasecmp (uuid ? uuid : "", key) == 0
                : g_strcmp0 (virtbus_object_get_name (object), key) == 0)
      return object;
  }
  return NULL;
}

/**
 * virtbus_connection_get_domains:
 * @self: a [class@Virtbus.Connection]
 *
 * The cached domains, without a round trip.
 *
 * Returns: (transfer container) (element-type VirtbusDomain): the domains,
 *   sorted by name
 *
 * Since: 1.0
 */
GList *
virtbus_connection_get_domains (VirtbusConnection *self)
{
  g_return_val_if_fail (VIRTBUS_IS_CONNECTION (self), NULL);
  return list_objects (self, KIND_DOMAIN);
}

/**
 * virtbus_connection_get_networks:
 * @self: a [class@Virtbus.Connection]
 *
 * The cached networks, without a round trip.
 *
 * Returns: (transfer container) (element-type VirtbusNetwork): the networks,
 *   sorted by name
 *
 * Since: 1.0
 */
GList *
virtbus_connection_get_networks (VirtbusConnection *self)
{
  g_return_val_if_fail (VIRTBUS_IS_CONNECTION (self), NULL);
  return list_objects (self, KIND_NETWORK);
}

/**
 * virtbus_connection_find_domain_by_name:
 * @self: a [class@Virtbus.Connection]
 * @name: a domain name
 *
 * Looks @name up in the cache.
 *
 * Returns: (transfer none) (nullable): the domain, or %NULL
 *
 * Since: 1.0
 */
VirtbusDomain *
virtbus_connection_find_domain_by_name (VirtbusConnection *self, const char *name)
{
  g_return_val_if_fail (VIRTBUS_IS_CONNECTION (self), NULL);
  return find_object (self, KIND_DOMAIN, FALSE, name);
}

/**
 * virtbus_connection_find_domain_by_uuid:
 * @self: a [class@Virtbus.Connection]
 * @uuid: a domain UUID
 *
 * Looks @uuid up in the cache.
 *
 * Returns: (transfer none) (nullable): the domain, or %NULL
 *
 * Since: 1.0
 */
VirtbusDomain *
virtbus_connection_find_domain_by_uuid (VirtbusConnection *self, const char *uuid)
{
  g_return_val_if_fail (VIRTBUS_IS_CONNECTION (self), NULL);
  return find_object (self, KIND_DOMAIN, TRUE, uuid);
}

/**
 * virtbus_connection_find_network_by_name:
 * @self: a [class@Virtbus.Connection]
 * @name: a network name
 *
 * Looks @name up in the cache.
 *
 * Returns: (transfer none) (nullable): the network, or %NULL
 *
 * Since: 1.0
 */
VirtbusNetwork *
virtbus_connection_find_network_by_name (VirtbusConnection *self, const char *name)
{
  g_return_val_if_fail (VIRTBUS_IS_CONNECTION (self), NULL);
  return find_object (self, KIND_NETWORK, FALSE, name);
}

/**
 * virtbus_connection_find_network_by_uuid:
 * @self: a [class@Virtbus.Connection]
 * @uuid: a network UUID
 *
 * Looks @uuid up in the cache.
 *
 * Returns: (transfer none) (nullable): the network, or %NULL
 *
 * Since: 1.0
 */
VirtbusNetwork *
virtbus_connection_find_network_by_uuid (VirtbusConnection *self, const char *uuid)
{
  g_return_val_if_fail (VIRTBUS_IS_CONNECTION (self), NULL);
  return find_object (self, KIND_NETWORK, TRUE, uuid);
}

/* Calls that return an object ------------------------------------------------ */

/* The object at a path the daemon returned.  Normally InterfacesAdded came
 * first and it is cached; when the caller's context has not processed that
 * signal yet (a sync wrapper iterates a private context) its properties
 * are fetched directly, and the manager's proxy is attached when the
 * signal arrives. */
typedef struct {
  Kind kind;
  char *path;
} ObjectCall;

static void
object_call_free (ObjectCall *call)
{
  g_free (call->path);
  g_free (call);
}

static void
resolve_props_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  VirtbusConnection *self = g_task_get_source_object (task);
  ObjectCall *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result,
                                                             &error);
  g_autoptr(GVariant) dict = NULL;

  if (reply == NULL) {
    g_task_return_error (task, virtbus_error_from_dbus (error));
    return;
  }
  dict = g_variant_get_child_value (reply, 0);
  g_task_return_pointer (task, g_object_ref (add_object (self, call->kind, call->path, NULL, dict)),
                         g_object_unref);
}

static void
resolve (VirtbusConnection *self, const char *path, GTask *task)
{
  ObjectCall *call = g_task_get_task_data (task);
  GObject *cached = g_hash_table_lookup (self->objects[call->kind], path);

  if (cached) {
    g_task_return_pointer (task, g_object_ref (cached), g_object_unref);
    g_object_unref (task);
    return;
  }
  call->path = g_strdup (path);
  g_dbus_connection_call (self->bus, VIRTBUS_BUS_NAME, path, "org.freedesktop.DBus.Properties",
                          "GetAll",
                          g_variant_new ("(s)", kind_interface (call->kind)),
                          G_VARIANT_TYPE ("(a{sv})"), G_DBUS_CALL_FLAGS_NONE, -1,
                          g_task_get_cancellable (task), resolve_props_done, task);
}

static void
object_call_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  VirtbusConnection *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result,
                                                             &error);
  const char *path = NULL;

  if (reply == NULL) {
    g_task_return_error (task, virtbus_error_from_dbus (error));
    return;
  }
  g_variant_get (reply, "(&o)", &path);
  resolve (self, path, g_steal_pointer (&task));
}

/* A Connect method returning one object path ("(o)"). */
static void
object_call (VirtbusConnection *self, const char *method, GVariant *params, Kind kind,
             GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data,
             gpointer tag) { GTask *task = g_task_new (self, cancellable, callback, user_data);
  ObjectCall *call = g_new0 (ObjectCall, 1);

  call->kind = kind;
  g_task_set_source_tag (task, tag);
  g_task_set_task_data (task, call, (GDestroyNotify) object_call_free);
  g_dbus_connection_call (self->bus, VIRTBUS_BUS_NAME, self->root_path, VIRTBUS_CONNECT_IFACE,
                          method, params, G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NONE,
                          VIRTBUS_CALL_TIMEOUT_MS, cancellable, object_call_done, task);
}

static gpointer
object_finish (VirtbusConnection *self, GAsyncResult *result, gpointer tag, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tag, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * virtbus_connection_lookup_domain_by_name_async:
 * @self: a [class@Virtbus.Connection]
 * @name: a domain name
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called with the domain
 * @user_data: (closure): data for @callback
 *
 * Asks the daemon for the domain called @name.
 *
 * Since: 1.0
 */
void
virtbus_connection_lookup_domain_by_name_async (VirtbusConnection *self, const char *name,
                                                GCancellable *cancellable,
                                                GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_CONNECTION (self));
  g_return_if_fail (name != NULL);
  object_call (self, "DomainLookupByName", g_variant_new ("(s)", name), KIND_DOMAIN, cancellable,
               callback, user_data, virtbus_connection_lookup_domain_by_name_async);
}

/**
 * virtbus_connection_lookup_domain_by_name_finish:
 * @self: a [class@Virtbus.Connection]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Connection.lookup_domain_by_name_async].
 *
 * Returns: (transfer full): the domain, or %NULL on error
 *   (%VIRTBUS_ERROR_NOT_FOUND when there is none)
 *
 * Since: 1.0
 */
VirtbusDomain *
virtbus_connection_lookup_domain_by_name_finish (VirtbusConnection *self, GAsyncResult *result,
                                                 GError **error)
{
  return object_finish (self, result, virtbus_connection_lookup_domain_by_name_async, error);
}

/**
 * virtbus_connection_lookup_domain_by_uuid_async:
 * @self: a [class@Virtbus.Connection]
 * @uuid: a domain UUID
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called with the domain
 * @user_data: (closure): data for @callback
 *
 * Asks the daemon for the domain with @uuid.
 *
 * Since: 1.0
 */
void
virtbus_connection_lookup_domain_by_uuid_async (VirtbusConnection *self, const char *uuid,
                                                GCancellable *cancellable,
                                                GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_CONNECTION (self));
  g_return_if_fail (uuid != NULL);
  object_call (self, "DomainLookupByUUID", g_variant_new ("(s)", uuid), KIND_DOMAIN, cancellable,
               callback, user_data, virtbus_connection_lookup_domain_by_uuid_async);
}

/**
 * virtbus_connection_lookup_domain_by_uuid_finish:
 * @self: a [class@Virtbus.Connection]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Connection.lookup_domain_by_uuid_async].
 *
 * Returns: (transfer full): the domain, or %NULL on error
 *
 * Since: 1.0
 */
VirtbusDomain *
virtbus_connection_lookup_domain_by_uuid_finish (VirtbusConnection *self, GAsyncResult *result,
                                                 GError **error)
{
  return object_finish (self, result, virtbus_connection_lookup_domain_by_uuid_async, error);
}

/**
 * virtbus_connection_define_domain_async:
 * @self: a [class@Virtbus.Connection]
 * @xml: a &lt;domain&gt; document
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called with the domain
 * @user_data: (closure): data for @callback
 *
 * Defines a persistent domain, or updates the definition of an existing one.
 *
 * Since: 1.0
 */
void
virtbus_connection_define_domain_async (VirtbusConnection *self, const char *xml,
                                        GCancellable *cancellable, GAsyncReadyCallback callback,
                                        gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_CONNECTION (self));
  g_return_if_fail (xml != NULL);
  object_call (self, "DomainDefineXML", g_variant_new ("(s)", xml), KIND_DOMAIN, cancellable,
               callback, user_data, virtbus_connection_define_domain_async);
}

/**
 * virtbus_connection_define_domain_finish:
 * @self: a [class@Virtbus.Connection]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Connection.define_domain_async].
 *
 * Returns: (transfer full): the domain, or %NULL on error
 *
 * Since: 1.0
 */
VirtbusDomain *
virtbus_connection_define_domain_finish (VirtbusConnection *self, GAsyncResult *result,
                                         GError **error)
{
  return object_finish (self, result, virtbus_connection_define_domain_async, error);
}

/**
 * virtbus_connection_define_domain_config_async:
 * @self: a [class@Virtbus.Connection]
 * @config: the definition
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called with the domain
 * @user_data: (closure): data for @callback
 *
 * Defines a persistent domain from a typed configuration.
 *
 * Since: 1.0
 */
void
virtbus_connection_define_domain_config_async (VirtbusConnection *self,
                                               VirtbusDomainConfig *config,
                                               GCancellable *cancellable,
                                               GAsyncReadyCallback callback, gpointer user_data)
{
  g_autofree char *xml = NULL;

  g_return_if_fail (VIRTBUS_IS_CONNECTION (self));
  g_return_if_fail (VIRTBUS_IS_DOMAIN_CONFIG (config));
  xml = virtbus_domain_config_to_xml (config);
  object_call (self, "DomainDefineXML", g_variant_new ("(s)", xml), KIND_DOMAIN, cancellable,
               callback, user_data, virtbus_connection_define_domain_config_async);
}

/**
 * virtbus_connection_define_domain_config_finish:
 * @self: a [class@Virtbus.Connection]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Connection.define_domain_config_async].
 *
 * Returns: (transfer full): the domain, or %NULL on error
 *
 * Since: 1.0
 */
VirtbusDomain *
virtbus_connection_define_domain_config_finish (VirtbusConnection *self, GAsyncResult *result,
                                                GError **error)
{
  return object_finish (self, result, virtbus_connection_define_domain_config_async, error);
}

/**
 * virtbus_connection_create_domain_async:
 * @self: a [class@Virtbus.Connection]
 * @xml: a &lt;domain&gt; document
 * @flags: how to start
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called with the running domain
 * @user_data: (closure): data for @callback
 *
 * Starts a transient domain, which disappears when it stops.
 *
 * Since: 1.0
 */
void
virtbus_connection_create_domain_async (VirtbusConnection *self, const char *xml,
                                        VirtbusDomainStartFlags flags, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_CONNECTION (self));
  g_return_if_fail (xml != NULL);
  object_call (self, "DomainCreateXML", g_variant_new ("(su)", xml, flags), KIND_DOMAIN,
               cancellable, callback, user_data, virtbus_connection_create_domain_async);
}

/**
 * virtbus_connection_create_domain_finish:
 * @self: a [class@Virtbus.Connection]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Connection.create_domain_async].
 *
 * Returns: (transfer full): the domain, or %NULL on error
 *
 * Since: 1.0
 */
VirtbusDomain *
virtbus_connection_create_domain_finish (VirtbusConnection *self, GAsyncResult *result,
                                         GError **error)
{
  return object_finish (self, result, virtbus_connection_create_domain_async, error);
}

/**
 * virtbus_connection_lookup_network_by_name_async:
 * @self: a [class@Virtbus.Connection]
 * @name: a network name
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called with the network
 * @user_data: (closure): data for @callback
 *
 * Asks the daemon for the network called @name.
 *
 * Since: 1.0
 */
void
virtbus_connection_lookup_network_by_name_async (VirtbusConnection *self, const char *name,
                                                 GCancellable *cancellable,
                                                 GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_CONNECTION (self));
  g_return_if_fail (name != NULL);
  object_call (self, "NetworkLookupByName", g_variant_new ("(s)", name), KIND_NETWORK, cancellable,
               callback, user_data, virtbus_connection_lookup_network_by_name_async);
}

/**
 * virtbus_connection_lookup_network_by_name_finish:
 * @self: a [class@Virtbus.Connection]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Connection.lookup_network_by_name_async].
 *
 * Returns: (transfer full): the network, or %NULL on error
 *
 * Since: 1.0
 */
VirtbusNetwork *
virtbus_connection_lookup_network_by_name_finish (VirtbusConnection *self, GAsyncResult *result,
                                                  GError **error)
{
  return object_finish (self, result, virtbus_connection_lookup_network_by_name_async, error);
}

/**
 * virtbus_connection_lookup_network_by_uuid_async:
 * @self: a [class@Virtbus.Connection]
 * @uuid: a network UUID
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called with the network
 * @user_data: (closure): data for @callback
 *
 * Asks the daemon for the network with @uuid.
 *
 * Since: 1.0
 */
void
virtbus_connection_lookup_network_by_uuid_async (VirtbusConnection *self, const char *uuid,
                                                 GCancellable *cancellable,
                                                 GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_CONNECTION (self));
  g_return_if_fail (uuid != NULL);
  object_call (self, "NetworkLookupByUUID", g_variant_new ("(s)", uuid), KIND_NETWORK, cancellable,
               callback, user_data, virtbus_connection_lookup_network_by_uuid_async);
}

/**
 * virtbus_connection_lookup_network_by_uuid_finish:
 * @self: a [class@Virtbus.Connection]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Connection.lookup_network_by_uuid_async].
 *
 * Returns: (transfer full): the network, or %NULL on error
 *
 * Since: 1.0
 */
VirtbusNetwork *
virtbus_connection_lookup_network_by_uuid_finish (VirtbusConnection *self, GAsyncResult *result,
                                                  GError **error)
{
  return object_finish (self, result, virtbus_connection_lookup_network_by_uuid_async, error);
}

/**
 * virtbus_connection_define_network_async:
 * @self: a [class@Virtbus.Connection]
 * @xml: a &lt;network&gt; document
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called with the network
 * @user_data: (closure): data for @callback
 *
 * Defines a persistent network, or updates an existing definition.
 *
 * Since: 1.0
 */
void
virtbus_connection_define_network_async (VirtbusConnection *self, const char *xml,
                                         GCancellable *cancellable, GAsyncReadyCallback callback,
                                         gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_CONNECTION (self));
  g_return_if_fail (xml != NULL);
  object_call (self, "NetworkDefineXML", g_variant_new ("(s)", xml), KIND_NETWORK, cancellable,
               callback, user_data, virtbus_connection_define_network_async);
}

/**
 * virtbus_connection_define_network_finish:
 * @self: a [class@Virtbus.Connection]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Connection.define_network_async].
 *
 * Returns: (transfer full): the network, or %NULL on error
 *
 * Since: 1.0
 */
VirtbusNetwork *
virtbus_connection_define_network_finish (VirtbusConnection *self, GAsyncResult *result,
                                          GError **error)
{
  return object_finish (self, result, virtbus_connection_define_network_async, error);
}

/**
 * virtbus_connection_define_network_config_async:
 * @self: a [class@Virtbus.Connection]
 * @config: the definition
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called with the network
 * @user_data: (closure): data for @callback
 *
 * Defines a persistent network from a typed configuration.
 *
 * Since: 1.0
 */
void
virtbus_connection_define_network_config_async (VirtbusConnection *self,
                                                VirtbusNetworkConfig *config,
                                                GCancellable *cancellable,
                                                GAsyncReadyCallback callback, gpointer user_data)
{
  g_autofree char *xml = NULL;

  g_return_if_fail (VIRTBUS_IS_CONNECTION (self));
  g_return_if_fail (VIRTBUS_IS_NETWORK_CONFIG (config));
  xml = virtbus_network_config_to_xml (config);
  object_call (self, "NetworkDefineXML", g_variant_new ("(s)", xml), KIND_NETWORK, cancellable,
               callback, user_data, virtbus_connection_define_network_config_async);
}

/**
 * virtbus_connection_define_network_config_finish:
 * @self: a [class@Virtbus.Connection]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Connection.define_network_config_async].
 *
 * Returns: (transfer full): the network, or %NULL on error
 *
 * Since: 1.0
 */
VirtbusNetwork *
virtbus_connection_define_network_config_finish (VirtbusConnection *self, GAsyncResult *result,
                                                 GError **error)
{
  return object_finish (self, result, virtbus_connection_define_network_config_async, error);
}

/**
 * virtbus_connection_create_network_async:
 * @self: a [class@Virtbus.Connection]
 * @xml: a &lt;network&gt; document
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called with the running network
 * @user_data: (closure): data for @callback
 *
 * Starts a transient network.
 *
 * Since: 1.0
 */
void
virtbus_connection_create_network_async (VirtbusConnection *self, const char *xml,
                                         GCancellable *cancellable, GAsyncReadyCallback callback,
                                         gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_CONNECTION (self));
  g_return_if_fail (xml != NULL);
  object_call (self, "NetworkCreateXML", g_variant_new ("(s)", xml), KIND_NETWORK, cancellable,
               callback, user_data, virtbus_connection_create_network_async);
}

/**
 * virtbus_connection_create_network_finish:
 * @self: a [class@Virtbus.Connection]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Connection.create_network_async].
 *
 * Returns: (transfer full): the network, or %NULL on error
 *
 * Since: 1.0
 */
VirtbusNetwork *
virtbus_connection_create_network_finish (VirtbusConnection *self, GAsyncResult *result,
                                          GError **error)
{
  return object_finish (self, result, virtbus_connection_create_network_async, error);
}

/**
 * virtbus_connection_get_capabilities_async:
 * @self: a [class@Virtbus.Connection]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called with the capabilities XML
 * @user_data: (closure): data for @callback
 *
 * Fetches the host and guest capabilities (virConnectGetCapabilities).
 *
 * Since: 1.0
 */
void
virtbus_connection_get_capabilities_async (VirtbusConnection *self, GCancellable *cancellable,
                                           GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (VIRTBUS_IS_CONNECTION (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, virtbus_connection_get_capabilities_async);
  virtbus_call (self->bus, self->root_path, VIRTBUS_CONNECT_IFACE, "GetCapabilities", NULL, "(s)",
                task);
}

/**
 * virtbus_connection_get_capabilities_finish:
 * @self: a [class@Virtbus.Connection]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Connection.get_capabilities_async].
 *
 * Returns: (transfer full): the capabilities XML, or %NULL on error
 *
 * Since: 1.0
 */
char *
virtbus_connection_get_capabilities_finish (VirtbusConnection *self, GAsyncResult *result,
                                            GError **error)
{
  return virtbus_call_finish_string (self, result, virtbus_connection_get_capabilities_async,
                                     error);
}

/**
 * virtbus_connection_restore_domain_async:
 * @self: a [class@Virtbus.Connection]
 * @from: the path of a state file written by [method@Virtbus.Domain.save_async],
 *   on the daemon's host
 * @xml: (nullable): a replacement domain XML for the restored guest;
 *   %NULL for the one stored in the file
 * @flags: how to restore (running or paused overrides what the file says)
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called when the domain runs again
 * @user_data: (closure): data for @callback
 *
 * Starts a saved domain again from its state file (virDomainRestoreFlags), which
 * is left in place.  The domain keeps its UUID, so a [class@Virtbus.Domain] of
 * it from before the save stays the one that reports the restore.
 *
 * Since: 1.0
 */
void
virtbus_connection_restore_domain_async (VirtbusConnection *self, const char *from,
                                         const char *xml, VirtbusDomainSaveFlags flags,
                                         GCancellable *cancellable, GAsyncReadyCallback callback,
                                         gpointer user_data)
{
  GTask *task;

  g_return_if_fail (VIRTBUS_IS_CONNECTION (self));
  g_return_if_fail (from != NULL);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, virtbus_connection_restore_domain_async);
  virtbus_call (self->bus, self->root_path, VIRTBUS_CONNECT_IFACE, "DomainRestore",
                g_variant_new ("(ssu)", from, xml ? xml : "", flags), NULL, task);
}

/**
 * virtbus_connection_restore_domain_finish:
 * @self: a [class@Virtbus.Connection]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Connection.restore_domain_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_connection_restore_domain_finish (VirtbusConnection *self, GAsyncResult *result,
                                          GError **error)
{
  return virtbus_call_finish_void (self, result, virtbus_connection_restore_domain_async, error);
}
