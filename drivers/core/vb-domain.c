/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-domain.h"

#include "vb-domain-def.h"
#include "vb-error.h"

struct _VbDomain {
  GObject parent_instance;

  VbDomainDef *def;
  VbDomainDef *live;
  VbUuid uuid; /* registry key: must outlive any one definition */
  char uuid_string[VB_UUID_STRING_LEN + 1];
  VbDomainState state;
  int reason;
  int id;
  gboolean persistent;
  gboolean autostart;
  gboolean managed_save;
  gboolean updated;
  gpointer driver_data;
  GDestroyNotify driver_data_destroy;
  VbDomainChangeHook change_hook;
  gpointer change_hook_data;
};

enum {
  PROP_0,
  PROP_NAME,
  PROP_UUID,
  PROP_ID,
  PROP_STATE,
  PROP_ACTIVE,
  PROP_PERSISTENT,
  PROP_AUTOSTART,
  PROP_MANAGED_SAVE,
  PROP_UPDATED,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

G_DEFINE_FINAL_TYPE (VbDomain, vb_domain, G_TYPE_OBJECT)

static void
vb_domain_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  VbDomain *self = VB_DOMAIN (object);

  switch (prop_id) {
  case PROP_NAME:
    g_value_set_string (value, vb_domain_get_name (self));
    break;
  case PROP_UUID:
    g_value_set_string (value, self->uuid_string);
    break;
  case PROP_ID:
    g_value_set_int (value, self->id);
    break;
  case PROP_STATE:
    g_value_set_int (value, self->state);
    break;
  case PROP_ACTIVE:
    g_value_set_boolean (value, vb_domain_is_active (self));
    break;
  case PROP_PERSISTENT:
    g_value_set_boolean (value, self->persistent);
    break;
  case PROP_AUTOSTART:
    g_value_set_boolean (value, self->autostart);
    break;
  case PROP_MANAGED_SAVE:
    g_value_set_boolean (value, self->managed_save);
    break;
  case PROP_UPDATED:
    g_value_set_boolean (value, self->updated);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
vb_domain_dispatch_properties_changed (GObject *object, guint n_pspecs, GParamSpec **pspecs)
{
  VbDomain *self = VB_DOMAIN (object);

  G_OBJECT_CLASS (vb_domain_parent_class)->dispatch_properties_changed (object, n_pspecs, pspecs);
  for (guint i = 0; self->change_hook && i < n_pspecs; i++)
    self->change_hook (self, pspecs[i], self->change_hook_data);
}

void
vb_domain_set_change_hook (VbDomain *self, VbDomainChangeHook hook, gpointer data)
{
  self->change_hook = hook;
  self->change_hook_data = data;
}

static void
vb_domain_finalize (GObject *object)
{
  VbDomain *self = VB_DOMAIN (object);

  if (self->driver_data_destroy)
    self->driver_data_destroy (self->driver_data);
  vb_domain_def_free (self->def);
  vb_domain_def_free (self->live);
  G_OBJECT_CLASS (vb_domain_parent_class)->finalize (object);
}

static void
vb_domain_class_init (VbDomainClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = vb_domain_get_property;
  object_class->dispatch_properties_changed = vb_domain_dispatch_properties_changed;
  object_class->finalize = vb_domain_finalize;

  props[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, ro);
  props[PROP_UUID] = g_param_spec_string ("uuid", NULL, NULL, NULL, ro);
  props[PROP_ID] = g_param_spec_int ("id", NULL, NULL, -1, G_MAXINT, -1, ro);
  props[PROP_STATE] = g_param_spec_int ("state", NULL, NULL, 0, G_MAXINT, VB_DOMAIN_SHUTOFF, ro);
  props[PROP_ACTIVE] = g_param_spec_boolean ("active", NULL, NULL, FALSE, ro);
  props[PROP_PERSISTENT] = g_param_spec_boolean ("persistent", NULL, NULL, FALSE, ro);
  props[PROP_AUTOSTART] = g_param_spec_boolean ("autostart", NULL, NULL, FALSE, ro);
  props[PROP_MANAGED_SAVE] = g_param_spec_boolean ("managed-save", NULL, NULL, FALSE, ro);
  props[PROP_UPDATED] = g_param_spec_boolean ("updated", NULL, NULL, FALSE, ro);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
vb_domain_init (VbDomain *self)
{
  self->state = VB_DOMAIN_SHUTOFF;
  self->id = -1;
}

VbDomain *
vb_domain_new (VbDomainDef *def, gboolean persistent)
{
  VbDomain *self = g_object_new (VB_TYPE_DOMAIN, NULL);

  self->def = def;
  self->persistent = persistent;
  self->uuid = def->uuid;
  vb_uuid_format (&self->uuid, self->uuid_string);
  return self;
}

const char *
vb_domain_get_name (VbDomain *self)
{
  return vb_domain_get_current_def (self)->name;
}

const VbUuid *
vb_domain_get_uuid (VbDomain *self)
{
  return &self->uuid;
}

const char *
vb_domain_get_uuid_string (VbDomain *self)
{
  return self->uuid_string;
}

int
vb_domain_get_id (VbDomain *self)
{
  return self->id;
}

VbDomainState
vb_domain_get_state (VbDomain *self, int *reason)
{
  if (reason)
    *reason = self->reason;
  return self->state;
}

gboolean
vb_domain_is_active (VbDomain *self)
{
  return self->state != VB_DOMAIN_SHUTOFF;
}

gboolean
vb_domain_is_persistent (VbDomain *self)
{
  return self->persistent;
}

gboolean
vb_domain_get_autostart (VbDomain *self)
{
  return self->autostart;
}

gboolean
vb_domain_has_managed_save (VbDomain *self)
{
  return self->managed_save;
}

gboolean
vb_domain_is_updated (VbDomain *self)
{
  return self->updated;
}

const VbDomainDef *
vb_domain_get_def (VbDomain *self)
{
  return self->def;
}

const VbDomainDef *
vb_domain_get_live_def (VbDomain *self)
{
  return self->live;
}

const VbDomainDef *
vb_domain_get_current_def (VbDomain *self)
{
  return self->live ? self->live : self->def;
}

gboolean
vb_domain_resolve_affect (VbDomain *self, guint *flags, GError **error)
{
  if ((*flags & (VB_DOMAIN_AFFECT_LIVE | VB_DOMAIN_AFFECT_CONFIG)) == 0)
    *flags |= vb_domain_is_active (self) ? VB_DOMAIN_AFFECT_LIVE : VB_DOMAIN_AFFECT_CONFIG;
  if ((*flags & VB_DOMAIN_AFFECT_LIVE) && !vb_domain_is_active (self)) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_STATE, "domain '%s' is not running",
                 vb_domain_get_name (self));
    return FALSE;
  }
  if ((*flags & VB_DOMAIN_AFFECT_CONFIG) && !self->persistent) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_STATE,
                 "transient domain '%s' has no persistent config", vb_domain_get_name (self));
    return FALSE;
  }
  return TRUE;
}

const VbDomainDef *
vb_domain_resolve_one_def (VbDomain *self, guint *flags, GError **error)
{
  if ((*flags & VB_DOMAIN_AFFECT_LIVE) && (*flags & VB_DOMAIN_AFFECT_CONFIG)) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_ARG,
                         "flags 'affect live' and 'affect config' are mutually exclusive");
    return NULL;
  }
  if (!vb_domain_resolve_affect (self, flags, error))
    return NULL;
  return (*flags & VB_DOMAIN_AFFECT_LIVE) ? self->live : self->def;
}

void
vb_domain_set_def (VbDomain *self, VbDomainDef *def)
{
  g_autofree char *old_name = g_strdup (vb_domain_get_name (self));
  VbDomainDef old;

  g_return_if_fail (def != NULL);
  /* The registry keys the domain on the address of the UUID inside its
   * definition: the new contents move into the struct that is there, and
   * the old contents leave in @def's. */
  old = *self->def;
  *self->def = *def;
  *def = old;
  vb_domain_def_free (def);
  if (g_strcmp0 (old_name, vb_domain_get_name (self)) != 0)
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_NAME]);
}

void
vb_domain_set_live_def (VbDomain *self, VbDomainDef *live)
{
  g_autofree char *old_name = g_strdup (vb_domain_get_name (self));

  vb_domain_def_free (self->live);
  self->live = live;
  if (g_strcmp0 (old_name, vb_domain_get_name (self)) != 0)
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_NAME]);
}

void
vb_domain_set_state (VbDomain *self, VbDomainState state, int reason)
{
  gboolean was_active = vb_domain_is_active (self);

  self->reason = reason;
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
  if (was_active != vb_domain_is_active (self))
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ACTIVE]);
}

#define DEFINE_SETTER(field, type, prop)                              \
  void vb_domain_set_##field (VbDomain *self, type value)            \
  {                                                                   \
    if (self->field == value)                                         \
      return;                                                         \
    self->field = value;                                              \
    g_object_notify_by_pspec (G_OBJECT (self), props[prop]);          \
  }

DEFINE_SETTER (id, int, PROP_ID)
DEFINE_SETTER (persistent, gboolean, PROP_PERSISTENT)
DEFINE_SETTER (autostart, gboolean, PROP_AUTOSTART)
DEFINE_SETTER (updated, gboolean, PROP_UPDATED)

void
vb_domain_set_managed_save (VbDomain *self, gboolean has_image)
{
  if (self->managed_save == has_image)
    return;
  self->managed_save = has_image;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_MANAGED_SAVE]);
}

gpointer
vb_domain_get_driver_data (VbDomain *self)
{
  return self->driver_data;
}

void
vb_domain_set_driver_data (VbDomain *self, gpointer data, GDestroyNotify destroy)
{
  if (self->driver_data_destroy)
    self->driver_data_destroy (self->driver_data);
  self->driver_data = data;
  self->driver_data_destroy = destroy;
}
