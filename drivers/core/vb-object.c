/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-object.h"

#include <string.h>

typedef struct {
  gpointer def;
  gpointer live;
  VbUuid uuid; /* registry key: must outlive any one definition */
  char uuid_string[VB_UUID_STRING_LEN + 1];
  gboolean active;
  gboolean persistent;
  gboolean autostart;
  gpointer driver_data;
  GDestroyNotify driver_data_destroy;
  VbObjectChangeHook change_hook;
  gpointer change_hook_data;
} VbObjectPrivate;

enum {
  PROP_0,
  PROP_NAME,
  PROP_UUID,
  PROP_ACTIVE,
  PROP_PERSISTENT,
  PROP_AUTOSTART,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (VbObject, vb_object, G_TYPE_OBJECT)

#define PRIV(self) ((VbObjectPrivate *) vb_object_get_instance_private (self))

static void
vb_object_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  VbObject *self = VB_OBJECT (object);
  VbObjectPrivate *priv = PRIV (self);

  switch (prop_id) {
  case PROP_NAME:
    g_value_set_string (value, vb_object_get_name (self));
    break;
  case PROP_UUID:
    g_value_set_string (value, priv->uuid_string);
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
vb_object_dispatch_properties_changed (GObject *object, guint n_pspecs, GParamSpec **pspecs)
{
  VbObject *self = VB_OBJECT (object);
  VbObjectPrivate *priv = PRIV (self);

  G_OBJECT_CLASS (vb_object_parent_class)->dispatch_properties_changed (object, n_pspecs, pspecs);
  for (guint i = 0; priv->change_hook && i < n_pspecs; i++)
    priv->change_hook (self, pspecs[i], priv->change_hook_data);
}

static void
vb_object_finalize (GObject *object)
{
  VbObject *self = VB_OBJECT (object);
  VbObjectPrivate *priv = PRIV (self);

  if (priv->driver_data_destroy)
    priv->driver_data_destroy (priv->driver_data);
  vb_object_def_free (self, priv->def);
  vb_object_def_free (self, priv->live);
  G_OBJECT_CLASS (vb_object_parent_class)->finalize (object);
}

static void
vb_object_class_init (VbObjectClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = vb_object_get_property;
  object_class->dispatch_properties_changed = vb_object_dispatch_properties_changed;
  object_class->finalize = vb_object_finalize;

  props[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, ro);
  props[PROP_UUID] = g_param_spec_string ("uuid", NULL, NULL, NULL, ro);
  props[PROP_ACTIVE] = g_param_spec_boolean ("active", NULL, NULL, FALSE, ro);
  props[PROP_PERSISTENT] = g_param_spec_boolean ("persistent", NULL, NULL, FALSE, ro);
  props[PROP_AUTOSTART] = g_param_spec_boolean ("autostart", NULL, NULL, FALSE, ro);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
vb_object_init (VbObject *self)
{
}

VbObject *
vb_object_new (GType type, gpointer def, gboolean persistent)
{
  VbObject *self;
  VbObjectPrivate *priv;

  g_return_val_if_fail (g_type_is_a (type, VB_TYPE_OBJECT), NULL);
  g_return_val_if_fail (def != NULL, NULL);
  self = g_object_new (type, NULL);
  priv = PRIV (self);
  priv->def = def;
  priv->persistent = persistent;
  priv->uuid = *vb_object_def_get_uuid (self, def);
  vb_uuid_format (&priv->uuid, priv->uuid_string);
  return self;
}

const char *
vb_object_get_kind (VbObject *self)
{
  return VB_OBJECT_GET_CLASS (self)->kind;
}

const char *
vb_object_get_name (VbObject *self)
{
  return vb_object_def_get_name (self, vb_object_get_current_def (self));
}

const VbUuid *
vb_object_get_uuid (VbObject *self)
{
  return &PRIV (self)->uuid;
}

const char *
vb_object_get_uuid_string (VbObject *self)
{
  return PRIV (self)->uuid_string;
}

gboolean
vb_object_is_active (VbObject *self)
{
  return PRIV (self)->active;
}

gboolean
vb_object_is_persistent (VbObject *self)
{
  return PRIV (self)->persistent;
}

gboolean
vb_object_get_autostart (VbObject *self)
{
  return PRIV (self)->autostart;
}

gconstpointer
vb_object_get_def (VbObject *self)
{
  return PRIV (self)->def;
}

gconstpointer
vb_object_get_live_def (VbObject *self)
{
  return PRIV (self)->live;
}

gconstpointer
vb_object_get_current_def (VbObject *self)
{
  VbObjectPrivate *priv = PRIV (self);

  return priv->live ? priv->live : priv->def;
}

/* Runs @change with the name before and after compared: a name is what
 * the registry indexes, so every change of it is told. */
static void
notify_if_renamed (VbObject *self, const char *old_name)
{
  if (g_strcmp0 (old_name, vb_object_get_name (self)) != 0)
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_NAME]);
}

void
vb_object_set_def (VbObject *self, gpointer def)
{
  VbObjectPrivate *priv = PRIV (self);
  gsize size = VB_OBJECT_GET_CLASS (self)->def_size;
  g_autofree char *old_name = g_strdup (vb_object_get_name (self));
  g_autofree gpointer old = NULL;

  g_return_if_fail (def != NULL);
  /* The new contents move into the struct that is there, and the old
   * contents leave in @def's. */
  old = g_memdup2 (priv->def, size);
  memcpy (priv->def, def, size);
  memcpy (def, old, size);
  vb_object_def_free (self, def);
  notify_if_renamed (self, old_name);
}

void
vb_object_set_live_def (VbObject *self, gpointer live)
{
  VbObjectPrivate *priv = PRIV (self);
  g_autofree char *old_name = g_strdup (vb_object_get_name (self));

  vb_object_def_free (self, priv->live);
  priv->live = live;
  notify_if_renamed (self, old_name);
}

static void
set_flag (VbObject *self, gboolean *field, gboolean value, guint prop)
{
  value = value != FALSE;
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), props[prop]);
}

void
vb_object_set_active (VbObject *self, gboolean active)
{
  set_flag (self, &PRIV (self)->active, active, PROP_ACTIVE);
}

void
vb_object_set_persistent (VbObject *self, gboolean persistent)
{
  set_flag (self, &PRIV (self)->persistent, persistent, PROP_PERSISTENT);
}

void
vb_object_set_autostart (VbObject *self, gboolean autostart)
{
  set_flag (self, &PRIV (self)->autostart, autostart, PROP_AUTOSTART);
}

gpointer
vb_object_get_driver_data (VbObject *self)
{
  return PRIV (self)->driver_data;
}

void
vb_object_set_driver_data (VbObject *self, gpointer data, GDestroyNotify destroy)
{
  VbObjectPrivate *priv = PRIV (self);

  if (priv->driver_data_destroy)
    priv->driver_data_destroy (priv->driver_data);
  priv->driver_data = data;
  priv->driver_data_destroy = destroy;
}

void
vb_object_set_change_hook (VbObject *self, VbObjectChangeHook hook, gpointer data)
{
  VbObjectPrivate *priv = PRIV (self);

  priv->change_hook = hook;
  priv->change_hook_data = data;
}

gpointer
vb_object_def_copy (VbObject *self, gconstpointer def)
{
  return def ? VB_OBJECT_GET_CLASS (self)->def_copy (def) : NULL;
}

void
vb_object_def_free (VbObject *self, gpointer def)
{
  if (def)
    VB_OBJECT_GET_CLASS (self)->def_free (def);
}

char *
vb_object_def_format (VbObject *self, gconstpointer def, guint format_flags)
{
  return VB_OBJECT_GET_CLASS (self)->def_format (def, format_flags);
}

const char *
vb_object_def_get_name (VbObject *self, gconstpointer def)
{
  return vb_object_class_def_get_name (VB_OBJECT_GET_CLASS (self), def);
}

const VbUuid *
vb_object_def_get_uuid (VbObject *self, gconstpointer def)
{
  return vb_object_class_def_get_uuid (VB_OBJECT_GET_CLASS (self), def);
}

void
vb_object_def_set_name (VbObject *self, gpointer def, const char *name)
{
  char **field = G_STRUCT_MEMBER_P (def, VB_OBJECT_GET_CLASS (self)->def_name_offset);

  g_free (*field);
  *field = g_strdup (name);
}

VbObjectClass *
vb_object_kind_class (GType kind)
{
  gpointer klass = g_type_class_peek (kind);

  /* the classes of static types live as long as the process: the
   * reference taken the first time is never given back */
  return VB_OBJECT_CLASS (klass ? klass : g_type_class_ref (kind));
}
