/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "virtbus-private.h"

/**
 * VirtbusObject:
 *
 * What every object of a [class@Virtbus.Connection] has: a D-Bus object path, a
 * name and a UUID, and whether it runs, is persistent and starts with the host.
 * [class@Virtbus.Domain] and [class@Virtbus.Network] derive from it, and so will
 * the object kinds still to come (storage pools, volumes, …).
 *
 * The properties follow the daemon's org.libvirt properties, with
 * [signal@GObject.Object::notify] in the main context the connection was created
 * in, once per change set after every field of the set is stored.  Calls made on
 * an object keep working for as long as it is referenced: once it is gone from
 * the daemon they fail with %VIRTBUS_ERROR_NOT_FOUND or
 * %VIRTBUS_ERROR_NOT_CONNECTED.
 *
 * The subclasses keep their own getters ([method@Virtbus.Domain.get_name], …),
 * which return the same as the ones here.
 *
 * Since: 1.0
 */
typedef struct {
  GWeakRef connection;
  GDBusConnection *bus;
  GMainContext *context; /* the connection's: where its signals are delivered */
  char *path;
  GDBusProxy *proxy;
  gulong changed_id;

  char *name;
  char *uuid;
  gboolean active;
  gboolean persistent;
  gboolean autostart;
} VirtbusObjectPrivate;

typedef struct {
  const VirtbusObjectKind *kind;
} VirtbusObjectClassPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_CODE (VirtbusObject, virtbus_object, G_TYPE_OBJECT,
                                  G_ADD_PRIVATE (VirtbusObject)
                                  g_type_add_class_private (g_define_type_id,
                                                            sizeof (VirtbusObjectClassPrivate)))

enum {
  PROP_0,
  PROP_CONNECTION,
  PROP_OBJECT_PATH,
  PROP_NAME,
  PROP_UUID,
  PROP_ACTIVE,
  PROP_PERSISTENT,
  PROP_AUTOSTART,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static const VirtbusObjectKind *
get_kind (VirtbusObject *self)
{
  VirtbusObjectClassPrivate *priv = G_TYPE_CLASS_GET_PRIVATE (VIRTBUS_OBJECT_GET_CLASS (self),
                                                              VIRTBUS_TYPE_OBJECT,
                                                              VirtbusObjectClassPrivate);

  return priv->kind;
}

void
virtbus_object_class_set_kind (VirtbusObjectClass *klass, const VirtbusObjectKind *kind)
{
  VirtbusObjectClassPrivate *priv = G_TYPE_CLASS_GET_PRIVATE (klass, VIRTBUS_TYPE_OBJECT,
                                                              VirtbusObjectClassPrivate);

  priv->kind = kind;
}

const VirtbusObjectKind *
virtbus_object_type_get_kind (GType type)
{
  g_autoptr(GTypeClass) klass = g_type_class_ref (type);
  VirtbusObjectClassPrivate *priv = G_TYPE_CLASS_GET_PRIVATE (klass, VIRTBUS_TYPE_OBJECT,
                                                              VirtbusObjectClassPrivate);

  return priv->kind;
}

void
virtbus_update_string (gpointer object, char **field, const char *value, GParamSpec *pspec)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (object), pspec);
}

void
virtbus_update_boolean (gpointer object, gboolean *field, gboolean value, GParamSpec *pspec)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (object), pspec);
}

static void
apply_property (VirtbusObject *self, const char *name, GVariant *value)
{
  VirtbusObjectPrivate *priv = virtbus_object_get_instance_private (self);
  const VirtbusObjectKind *kind = get_kind (self);

  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING)) {
    const char *s = g_variant_get_string (value, NULL);

    if (g_str_equal (name, "Name")) {
      virtbus_update_string (self, &priv->name, s, props[PROP_NAME]);
      return;
    }
    if (g_str_equal (name, "UUID")) {
      virtbus_update_string (self, &priv->uuid, s, props[PROP_UUID]);
      return;
    }
  } else if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN)) {
    gboolean b = g_variant_get_boolean (value);

    if (g_str_equal (name, "Active")) {
      virtbus_update_boolean (self, &priv->active, b, props[PROP_ACTIVE]);
      return;
    }
    if (g_str_equal (name, "Persistent")) {
      virtbus_update_boolean (self, &priv->persistent, b, props[PROP_PERSISTENT]);
      return;
    }
    if (g_str_equal (name, "Autostart")) {
      virtbus_update_boolean (self, &priv->autostart, b, props[PROP_AUTOSTART]);
      return;
    }
  }
  if (kind->apply_property)
    kind->apply_property (self, name, value);
}

void
virtbus_object_apply_properties (VirtbusObject *self, GVariant *dict)
{
  GVariantIter iter;
  const char *name;
  GVariant *value;

  /* one batch of notifications per change set, after every field is set */
  g_object_freeze_notify (G_OBJECT (self));
  g_variant_iter_init (&iter, dict);
  while (g_variant_iter_next (&iter, "{&sv}", &name, &value)) {
    apply_property (self, name, value);
    g_variant_unref (value);
  }
  g_object_thaw_notify (G_OBJECT (self));
}

static void
on_properties_changed (GDBusProxy *proxy, GVariant *changed, GStrv invalidated,
                       VirtbusObject *self)
{
  virtbus_object_apply_properties (self, changed);
}

void
virtbus_object_set_proxy (VirtbusObject *self, GDBusProxy *proxy)
{
  VirtbusObjectPrivate *priv = virtbus_object_get_instance_private (self);
  g_auto(GStrv) names = NULL;

  if (priv->proxy == proxy)
    return;
  g_clear_signal_handler (&priv->changed_id, priv->proxy);
  g_clear_object (&priv->proxy);
  if (proxy == NULL)
    return;
  priv->proxy = g_object_ref (proxy);
  priv->changed_id = g_signal_connect (proxy, "g-properties-changed",
                                       G_CALLBACK (on_properties_changed), self);
  names = g_dbus_proxy_get_cached_property_names (proxy);
  g_object_freeze_notify (G_OBJECT (self));
  for (guint i = 0; names && names[i]; i++) {
    g_autoptr(GVariant) value = g_dbus_proxy_get_cached_property (proxy, names[i]);

    if (value)
      apply_property (self, names[i], value);
  }
  g_object_thaw_notify (G_OBJECT (self));
}

void
virtbus_object_refresh (VirtbusObject *self)
{
  const VirtbusObjectKind *kind = get_kind (self);

  if (kind->refresh)
    kind->refresh (self);
}

GDBusConnection *
virtbus_object_get_bus (VirtbusObject *self)
{
  VirtbusObjectPrivate *priv = virtbus_object_get_instance_private (self);

  return priv->bus;
}

GMainContext *
virtbus_object_get_context (VirtbusObject *self)
{
  VirtbusObjectPrivate *priv = virtbus_object_get_instance_private (self);

  return priv->context;
}

void
virtbus_object_call (VirtbusObject *self, const char *method, GVariant *params,
                     const char *reply_type, GCancellable *cancellable,
                     GAsyncReadyCallback callback, gpointer user_data, gpointer tag)
{
  VirtbusObjectPrivate *priv = virtbus_object_get_instance_private (self);
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, tag);
  virtbus_call (priv->bus, priv->path, get_kind (self)->interface_name, method, params,
                reply_type, task);
}

void
virtbus_object_set_autostart (VirtbusObject *self, gboolean autostart, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data, gpointer tag)
{
  VirtbusObjectPrivate *priv = virtbus_object_get_instance_private (self);
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, tag);
  virtbus_call (priv->bus, priv->path, "org.freedesktop.DBus.Properties", "Set",
                g_variant_new ("(ssv)", get_kind (self)->interface_name, "Autostart",
                               g_variant_new_boolean (autostart)),
                NULL, task);
}

VirtbusObject *
virtbus_object_new_internal (GType type, VirtbusConnection *connection, GDBusConnection *bus,
                             GMainContext *context, const char *path)
{
  VirtbusObject *self = g_object_new (type, NULL);
  VirtbusObjectPrivate *priv = virtbus_object_get_instance_private (self);

  g_weak_ref_set (&priv->connection, connection);
  priv->bus = g_object_ref (bus);
  priv->context = g_main_context_ref (context);
  priv->path = g_strdup (path);
  return self;
}

static void
virtbus_object_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  VirtbusObjectPrivate *priv = virtbus_object_get_instance_private (VIRTBUS_OBJECT (object));

  switch (prop_id) {
  case PROP_CONNECTION:
    g_value_take_object (value, g_weak_ref_get (&priv->connection));
    break;
  case PROP_OBJECT_PATH:
    g_value_set_string (value, priv->path);
    break;
  case PROP_NAME:
    g_value_set_string (value, priv->name);
    break;
  case PROP_UUID:
    g_value_set_string (value, priv->uuid);
    break;
  case PROP_ACTIVE:
    g_value_set_boolean (value, priv->active);
    break;
  case PROP_PERSISTENT:
    g_value_set_boolean (value, priv->persistent);
    break;
  case PROP_AUTOSTART:
    g_value_set_boolean (value, priv->autostart);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
virtbus_object_finalize (GObject *object)
{
  VirtbusObject *self = VIRTBUS_OBJECT (object);
  VirtbusObjectPrivate *priv = virtbus_object_get_instance_private (self);

  virtbus_object_set_proxy (self, NULL);
  g_weak_ref_clear (&priv->connection);
  g_clear_object (&priv->bus);
  g_clear_pointer (&priv->context, g_main_context_unref);
  g_free (priv->path);
  g_free (priv->name);
  g_free (priv->uuid);
  G_OBJECT_CLASS (virtbus_object_parent_class)->finalize (object);
}

static void
virtbus_object_class_init (VirtbusObjectClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = virtbus_object_get_property;
  object_class->finalize = virtbus_object_finalize;

  /**
   * VirtbusObject:connection: (getter get_connection)
   *
   * The connection the object belongs to, or %NULL once it is gone.
   *
   * Since: 1.0
   */
  props[PROP_CONNECTION] = g_param_spec_object ("connection", NULL, NULL, VIRTBUS_TYPE_CONNECTION,
                                                 ro);
  /**
   * VirtbusObject:object-path: (getter get_object_path)
   *
   * The D-Bus object path of the object.
   *
   * Since: 1.0
   */
  props[PROP_OBJECT_PATH] = g_param_spec_string ("object-path", NULL, NULL, NULL, ro);
  /**
   * VirtbusObject:name: (getter get_name)
   *
   * The name of the object.
   *
   * Since: 1.0
   */
  props[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, ro);
  /**
   * VirtbusObject:uuid: (getter get_uuid)
   *
   * The UUID of the object, in its canonical string form.
   *
   * Since: 1.0
   */
  props[PROP_UUID] = g_param_spec_string ("uuid", NULL, NULL, NULL, ro);
  /**
   * VirtbusObject:active: (getter get_active)
   *
   * Whether the object is running (a paused domain is running too).
   *
   * Since: 1.0
   */
  props[PROP_ACTIVE] = g_param_spec_boolean ("active", NULL, NULL, FALSE, ro);
  /**
   * VirtbusObject:persistent: (getter get_persistent)
   *
   * Whether the object has a persistent definition.
   *
   * Since: 1.0
   */
  props[PROP_PERSISTENT] = g_param_spec_boolean ("persistent", NULL, NULL, FALSE, ro);
  /**
   * VirtbusObject:autostart: (getter get_autostart)
   *
   * Whether the object starts with the host; change it with
   * [method@Virtbus.Domain.set_autostart_async] or
   * [method@Virtbus.Network.set_autostart_async].
   *
   * Since: 1.0
   */
  props[PROP_AUTOSTART] = g_param_spec_boolean ("autostart", NULL, NULL, FALSE, ro);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
virtbus_object_init (VirtbusObject *self)
{
  VirtbusObjectPrivate *priv = virtbus_object_get_instance_private (self);

  g_weak_ref_init (&priv->connection, NULL);
}

/**
 * virtbus_object_get_connection:
 * @self: a [class@Virtbus.Object]
 *
 * Gets the connection, or %NULL once the connection object was finalized.
 *
 * Returns: (transfer none) (nullable): the connection, or %NULL once the
 *   connection object was finalized
 *
 * Since: 1.0
 */
VirtbusConnection *
virtbus_object_get_connection (VirtbusObject *self)
{
  VirtbusObjectPrivate *priv;
  g_autoptr(GObject) connection = NULL;

  g_return_val_if_fail (VIRTBUS_IS_OBJECT (self), NULL);
  priv = virtbus_object_get_instance_private (self);
  connection = g_weak_ref_get (&priv->connection);
  /* the connection owns its objects, so it outlives this borrowed pointer
   * whenever the caller got the object from it */
  return (VirtbusConnection *) connection;
}

/**
 * virtbus_object_get_object_path:
 * @self: a [class@Virtbus.Object]
 *
 * Gets the D-Bus object path.
 *
 * Returns: (transfer none): the D-Bus object path
 *
 * Since: 1.0
 */
const char *
virtbus_object_get_object_path (VirtbusObject *self)
{
  VirtbusObjectPrivate *priv;

  g_return_val_if_fail (VIRTBUS_IS_OBJECT (self), NULL);
  priv = virtbus_object_get_instance_private (self);
  return priv->path;
}

/**
 * virtbus_object_get_name:
 * @self: a [class@Virtbus.Object]
 *
 * Gets the name.
 *
 * Returns: (transfer none) (nullable): the name
 *
 * Since: 1.0
 */
const char *
virtbus_object_get_name (VirtbusObject *self)
{
  VirtbusObjectPrivate *priv;

  g_return_val_if_fail (VIRTBUS_IS_OBJECT (self), NULL);
  priv = virtbus_object_get_instance_private (self);
  return priv->name;
}

/**
 * virtbus_object_get_uuid:
 * @self: a [class@Virtbus.Object]
 *
 * Gets the UUID string.
 *
 * Returns: (transfer none) (nullable): the UUID string
 *
 * Since: 1.0
 */
const char *
virtbus_object_get_uuid (VirtbusObject *self)
{
  VirtbusObjectPrivate *priv;

  g_return_val_if_fail (VIRTBUS_IS_OBJECT (self), NULL);
  priv = virtbus_object_get_instance_private (self);
  return priv->uuid;
}

/**
 * virtbus_object_get_active:
 * @self: a [class@Virtbus.Object]
 *
 * Gets whether the object is running.
 *
 * Returns: whether the object is running
 *
 * Since: 1.0
 */
gboolean
virtbus_object_get_active (VirtbusObject *self)
{
  VirtbusObjectPrivate *priv;

  g_return_val_if_fail (VIRTBUS_IS_OBJECT (self), FALSE);
  priv = virtbus_object_get_instance_private (self);
  return priv->active;
}

/**
 * virtbus_object_get_persistent:
 * @self: a [class@Virtbus.Object]
 *
 * Gets whether the object has a persistent definition.
 *
 * Returns: whether the object has a persistent definition
 *
 * Since: 1.0
 */
gboolean
virtbus_object_get_persistent (VirtbusObject *self)
{
  VirtbusObjectPrivate *priv;

  g_return_val_if_fail (VIRTBUS_IS_OBJECT (self), FALSE);
  priv = virtbus_object_get_instance_private (self);
  return priv->persistent;
}

/**
 * virtbus_object_get_autostart:
 * @self: a [class@Virtbus.Object]
 *
 * Gets whether the object starts with the host.
 *
 * Returns: whether the object starts with the host
 *
 * Since: 1.0
 */
gboolean
virtbus_object_get_autostart (VirtbusObject *self)
{
  VirtbusObjectPrivate *priv;

  g_return_val_if_fail (VIRTBUS_IS_OBJECT (self), FALSE);
  priv = virtbus_object_get_instance_private (self);
  return priv->autostart;
}
