/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-network.h"

#include "vb-network-def.h"

struct _VbNetwork {
  GObject parent_instance;

  VbNetworkDef *def;
  VbNetworkDef *live;
  VbUuid uuid; /* registry key: must outlive any one definition */
  char uuid_string[VB_UUID_STRING_LEN + 1];
  gboolean active;
  gboolean persistent;
  gboolean autostart;
  gpointer driver_data;
  GDestroyNotify driver_data_destroy;
  VbNetworkChangeHook change_hook;
  gpointer change_hook_data;
};

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

G_DEFINE_FINAL_TYPE (VbNetwork, vb_network, G_TYPE_OBJECT)

static void
vb_network_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  VbNetwork *self = VB_NETWORK (object);

  switch (prop_id) {
  case PROP_NAME:
    g_value_set_string (value, vb_network_get_name (self));
    break;
  case PROP_UUID:
    g_value_set_string (value, self->uuid_string);
    break;
  case PROP_ACTIVE:
    g_value_set_boolean (value, self->active);
    break;
  case PROP_PERSISTENT:
    g_value_set_boolean (value, self->persistent);
    break;
  case PROP_AUTOSTART:
    g_value_set_boolean (value, self->autostart);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
vb_network_dispatch_properties_changed (GObject *object, guint n_pspecs, GParamSpec **pspecs)
{
  VbNetwork *self = VB_NETWORK (object);

  G_OBJECT_CLASS (vb_network_parent_class)->dispatch_properties_changed (object, n_pspecs, pspecs);
  for (guint i = 0; self->change_hook && i < n_pspecs; i++)
    self->change_hook (self, pspecs[i], self->change_hook_data);
}

void
vb_network_set_change_hook (VbNetwork *self, VbNetworkChangeHook hook, gpointer data)
{
  self->change_hook = hook;
  self->change_hook_data = data;
}

static void
vb_network_finalize (GObject *object)
{
  VbNetwork *self = VB_NETWORK (object);

  if (self->driver_data_destroy)
    self->driver_data_destroy (self->driver_data);
  vb_network_def_free (self->def);
  vb_network_def_free (self->live);
  G_OBJECT_CLASS (vb_network_parent_class)->finalize (object);
}

static void
vb_network_class_init (VbNetworkClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = vb_network_get_property;
  object_class->dispatch_properties_changed = vb_network_dispatch_properties_changed;
  object_class->finalize = vb_network_finalize;

  props[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, ro);
  props[PROP_UUID] = g_param_spec_string ("uuid", NULL, NULL, NULL, ro);
  props[PROP_ACTIVE] = g_param_spec_boolean ("active", NULL, NULL, FALSE, ro);
  props[PROP_PERSISTENT] = g_param_spec_boolean ("persistent", NULL, NULL, FALSE, ro);
  props[PROP_AUTOSTART] = g_param_spec_boolean ("autostart", NULL, NULL, FALSE, ro);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
vb_network_init (VbNetwork *self)
{
}

VbNetwork *
vb_network_new (VbNetworkDef *def, gboolean persistent)
{
  VbNetwork *self = g_object_new (VB_TYPE_NETWORK, NULL);

  self->def = def;
  self->persistent = persistent;
  self->uuid = def->uuid;
  vb_uuid_format (&self->uuid, self->uuid_string);
  return self;
}

const char *
vb_network_get_name (VbNetwork *self)
{
  return vb_network_get_current_def (self)->name;
}

const VbUuid *
vb_network_get_uuid (VbNetwork *self)
{
  return &self->uuid;
}

const char *
vb_network_get_uuid_string (VbNetwork *self)
{
  return self->uuid_string;
}

gboolean
vb_network_is_active (VbNetwork *self)
{
  return self->active;
}

gboolean
vb_network_is_persistent (VbNetwork *self)
{
  return self->persistent;
}

gboolean
vb_network_get_autostart (VbNetwork *self)
{
  return self->autostart;
}

const VbNetworkDef *
vb_network_get_def (VbNetwork *self)
{
  return self->def;
}

const VbNetworkDef *
vb_network_get_live_def (VbNetwork *self)
{
  return self->live;
}

const VbNetworkDef *
vb_network_get_current_def (VbNetwork *self)
{
  return self->live ? self->live : self->def;
}

void
vb_network_set_def (VbNetwork *self, VbNetworkDef *def)
{
  VbNetworkDef old;

  g_return_if_fail (def != NULL);
  /* as for domains: the registry keys on the UUID inside the definition,
   * so the struct stays and its contents change */
  old = *self->def;
  *self->def = *def;
  *def = old;
  vb_network_def_free (def);
}

void
vb_network_set_live_def (VbNetwork *self, VbNetworkDef *live)
{
  vb_network_def_free (self->live);
  self->live = live;
}

#define DEFINE_SETTER(field, prop)                                    \
  void vb_network_set_##field (VbNetwork *self, gboolean value)      \
  {                                                                   \
    if (self->field == value)                                         \
      return;                                                         \
    self->field = value;                                              \
    g_object_notify_by_pspec (G_OBJECT (self), props[prop]);          \
  }

DEFINE_SETTER (active, PROP_ACTIVE)
DEFINE_SETTER (persistent, PROP_PERSISTENT)
DEFINE_SETTER (autostart, PROP_AUTOSTART)

gpointer
vb_network_get_driver_data (VbNetwork *self)
{
  return self->driver_data;
}

void
vb_network_set_driver_data (VbNetwork *self, gpointer data, GDestroyNotify destroy)
{
  if (self->driver_data_destroy)
    self->driver_data_destroy (self->driver_data);
  self->driver_data = data;
  self->driver_data_destroy = destroy;
}
