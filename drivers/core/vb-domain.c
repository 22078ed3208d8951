/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-domain.h"

#include "vb-domain-def.h"
#include "vb-error.h"

struct _VbDomain {
  VbObject parent_instance;

  VbDomainState state;
  int reason;
  int id;
  gboolean managed_save;
  gboolean updated;
};

enum {
  PROP_0,
  PROP_ID,
  PROP_STATE,
  PROP_MANAGED_SAVE,
  PROP_UPDATED,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

G_DEFINE_FINAL_TYPE (VbDomain, vb_domain, VB_TYPE_OBJECT)

static void
vb_domain_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  VbDomain *self = VB_DOMAIN (object);

  switch (prop_id) {
  case PROP_ID:
    g_value_set_int (value, self->id);
    break;
  case PROP_STATE:
    g_value_set_int (value, self->state);
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
vb_domain_class_init (VbDomainClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  VbObjectClass *object_class = VB_OBJECT_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  gobject_class->get_property = vb_domain_get_property;
  object_class->kind = "domain";
  object_class->def_size = sizeof (VbDomainDef);
  object_class->def_parse = (gpointer (*) (const char *, guint, GError **)) vb_domain_def_parse;
  object_class->def_free = (void (*) (gpointer)) vb_domain_def_free;
  object_class->def_copy = (gpointer (*) (gconstpointer)) vb_domain_def_copy;
  object_class->def_format = (char *(*) (gconstpointer, guint)) vb_domain_def_format;
  object_class->def_name_offset = G_STRUCT_OFFSET (VbDomainDef, name);
  object_class->def_uuid_offset = G_STRUCT_OFFSET (VbDomainDef, uuid);
  object_class->def_format_config = VB_DOMAIN_FORMAT_INACTIVE | VB_DOMAIN_FORMAT_SECURE;

  props[PROP_ID] = g_param_spec_int ("id", NULL, NULL, -1, G_MAXINT, -1, ro);
  props[PROP_STATE] = g_param_spec_int ("state", NULL, NULL, 0, G_MAXINT, VB_DOMAIN_SHUTOFF, ro);
  props[PROP_MANAGED_SAVE] = g_param_spec_boolean ("managed-save", NULL, NULL, FALSE, ro);
  props[PROP_UPDATED] = g_param_spec_boolean ("updated", NULL, NULL, FALSE, ro);
  g_object_class_install_properties (gobject_class, N_PROPS, props);
}

static void
vb_domain_init (VbDomain *self)
{
  self->state = VB_DOMAIN_SHUTOFF;
  self->id = -1;
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
vb_domain_has_managed_save (VbDomain *self)
{
  return self->managed_save;
}

gboolean
vb_domain_is_updated (VbDomain *self)
{
  return self->updated;
}


gboolean
vb_domain_check_active (VbDomain *self, GError **error)
{
  return vb_domain_check_running (self, vb_domain_is_active (self), error);
}

/* FALSE with @message (one %s: the name) as VB_ERROR_INVALID_STATE when @refused */
static gboolean
check_state (VbDomain *self, gboolean refused, const char *message, GError **error)
{
  if (refused) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_STATE, message, vb_domain_get_name (self));
    return FALSE;
  }
  return TRUE;
}

gboolean
vb_domain_check_running (VbDomain *self, gboolean running, GError **error)
{
  return check_state (self, !running, "domain '%s' is not running", error);
}

gboolean
vb_domain_check_not_running (VbDomain *self, gboolean running, GError **error)
{
  return check_state (self, running, "domain '%s' is already running", error);
}

gboolean
vb_domain_check_can_suspend (VbDomain *self, GError **error)
{
  return check_state (self, self->state == VB_DOMAIN_PAUSED, "domain '%s' is already paused", error);
}

gboolean
vb_domain_check_can_resume (VbDomain *self, GError **error)
{
  return check_state (self, self->state != VB_DOMAIN_PAUSED, "domain '%s' is not paused", error);
}

gboolean
vb_domain_check_can_managed_save (VbDomain *self, GError **error)
{
  return check_state (self, !vb_domain_is_persistent (self), "cannot do managed save for transient domain '%s'",
                      error);
}

gboolean
vb_domain_check_can_undefine (VbDomain *self, guint flags, GError **error)
{
  return check_state (self, self->managed_save && !(flags & VB_DOMAIN_UNDEFINE_MANAGED_SAVE),
                      "refusing to undefine domain '%s' while a managed save image exists", error);
}

gboolean
vb_domain_resolve_affect (VbDomain *self, guint *flags, GError **error)
{
  if ((*flags & (VB_DOMAIN_AFFECT_LIVE | VB_DOMAIN_AFFECT_CONFIG)) == 0)
    *flags |= vb_domain_is_active (self) ? VB_DOMAIN_AFFECT_LIVE : VB_DOMAIN_AFFECT_CONFIG;
  if ((*flags & VB_DOMAIN_AFFECT_LIVE) && !vb_domain_check_active (self, error))
    return FALSE;
  if ((*flags & VB_DOMAIN_AFFECT_CONFIG) && !vb_domain_is_persistent (self)) {
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
  return (*flags & VB_DOMAIN_AFFECT_LIVE) ? vb_domain_get_live_def (self) : vb_domain_get_def (self);
}

gboolean
vb_domain_resolve_set_memory (VbDomain *self, guint64 kib, guint *flags, gboolean one_def, GError **error)
{
  if (kib == 0) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_ARG, "memory size must be greater than zero");
    return FALSE;
  }
  if (one_def ? vb_domain_resolve_one_def (self, flags, error) == NULL
              : !vb_domain_resolve_affect (self, flags, error))
    return FALSE;
  if ((*flags & VB_DOMAIN_MEM_MAXIMUM) && (*flags & VB_DOMAIN_AFFECT_LIVE)) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_STATE,
                         "cannot resize the maximum memory on an active domain");
    return FALSE;
  }
  return TRUE;
}

gboolean
vb_domain_resolve_set_vcpus (VbDomain *self, guint count, guint max_vcpus, guint *flags, GError **error)
{
  if (count == 0) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_ARG, "vCPU count must be at least 1");
    return FALSE;
  }
  if (max_vcpus && count > max_vcpus) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG,
                 "requested cpu amount exceeds maximum supported amount (%u > %u)", count, max_vcpus);
    return FALSE;
  }
  return vb_domain_resolve_affect (self, flags, error);
}

void
vb_domain_add_stats (VbDomain *self, guint stats, GVariantBuilder *b)
{
  const VbDomainDef *def = vb_domain_get_current_def (self);

  if (stats & VB_DOMAIN_STATS_STATE) {
    g_variant_builder_add (b, "{sv}", "state.state", g_variant_new_int32 (self->state));
    g_variant_builder_add (b, "{sv}", "state.reason", g_variant_new_int32 (self->reason));
  }
  if (stats & VB_DOMAIN_STATS_BALLOON) {
    g_variant_builder_add (b, "{sv}", "balloon.current",
                           g_variant_new_uint64 (vb_domain_def_get_current_memory (def)));
    g_variant_builder_add (b, "{sv}", "balloon.maximum", g_variant_new_uint64 (def->memory_kib));
  }
  if (stats & VB_DOMAIN_STATS_VCPU) {
    g_variant_builder_add (b, "{sv}", "vcpu.current",
                           g_variant_new_uint32 (vb_domain_def_get_current_vcpus (def)));
    g_variant_builder_add (b, "{sv}", "vcpu.maximum", g_variant_new_uint32 (def->vcpus));
  }
}

void
vb_domain_set_state (VbDomain *self, VbDomainState state, int reason)
{
  self->reason = reason;
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
  vb_object_set_active (VB_OBJECT (self), state != VB_DOMAIN_SHUTOFF);
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
DEFINE_SETTER (updated, gboolean, PROP_UPDATED)

void
vb_domain_set_managed_save (VbDomain *self, gboolean has_image)
{
  if (self->managed_save == has_image)
    return;
  self->managed_save = has_image;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_MANAGED_SAVE]);
}
