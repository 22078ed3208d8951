/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-driver-ops.h"

#include "vb-domain-def.h"
#include "vb-error.h"

void
vb_driver_domain_started (VbDriver *self, VbDomain *dom, VbDomainDef *live, gboolean paused, int running_reason,
                          gboolean drop_managed_save)
{
  int id = vb_driver_next_domain_id (self);

  live->id = id;
  vb_domain_set_live_def (dom, live);
  vb_domain_set_id (dom, id);
  if (drop_managed_save)
    vb_domain_set_managed_save (dom, FALSE);
  if (paused)
    vb_domain_set_state (dom, VB_DOMAIN_PAUSED, VB_DOMAIN_PAUSED_USER);
  else
    vb_domain_set_state (dom, VB_DOMAIN_RUNNING, running_reason);
}

void
vb_driver_domain_stopped (VbDriver *self, VbDomain *dom, int reason)
{
  vb_domain_set_live_def (dom, NULL);
  vb_domain_set_id (dom, -1);
  vb_domain_set_state (dom, VB_DOMAIN_SHUTOFF, reason);
  if (!vb_domain_is_persistent (dom))
    vb_driver_remove_domain (self, dom);
}

void
vb_driver_emit_domain_started (VbDriver *self, VbDomain *dom, int detail, gboolean paused)
{
  vb_driver_emit_domain_event (self, dom, VB_DOMAIN_EVENT_STARTED, detail);
  if (paused)
    vb_driver_emit_domain_event (self, dom, VB_DOMAIN_EVENT_SUSPENDED, VB_DOMAIN_EVENT_SUSPENDED_PAUSED);
}

GVariant *
vb_op_domain_get_info (VbDomain *dom, guint32 cpu_seconds)
{
  const VbDomainDef *def = vb_domain_get_current_def (dom);

  /* the slot for the current memory is 32 bits wide */
  return g_variant_new ("(ututu)", (guint32) vb_domain_get_state (dom, NULL), (guint64) def->memory_kib,
                        (guint32) MIN (vb_domain_def_get_current_memory (def), G_MAXUINT32),
                        (guint64) vb_domain_def_get_current_vcpus (def), cpu_seconds);
}

gboolean
vb_op_domain_get_vcpus (VbDomain *dom, GVariant *args, GVariant **out, GError **error)
{
  const VbDomainDef *def;
  guint flags;

  g_variant_get (args, "(u)", &flags);
  if (!vb_check_flags (flags, VB_DOMAIN_AFFECT_LIVE | VB_DOMAIN_AFFECT_CONFIG | VB_DOMAIN_VCPU_MAXIMUM, error))
    return FALSE;
  def = vb_domain_resolve_one_def (dom, &flags, error);
  if (def == NULL)
    return FALSE;
  *out = g_variant_new_uint32 ((flags & VB_DOMAIN_VCPU_MAXIMUM) ? def->vcpus
                                                                : vb_domain_def_get_current_vcpus (def));
  return TRUE;
}

gboolean
vb_op_get_cpu_model_names (GVariant *args, const char *const *models, GVariant **out, GError **error)
{
  const char *arch;
  guint flags;

  g_variant_get (args, "(&su)", &arch, &flags);
  if (!vb_check_flags (flags, 0, error))
    return FALSE;
  if (!g_str_equal (arch, "i686") && !g_str_equal (arch, "x86_64")) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "cannot find architecture %s", arch);
    return FALSE;
  }
  *out = g_variant_new_strv (models, -1);
  return TRUE;
}

gboolean
vb_op_check_cell (int cell, int n_cells, GError **error)
{
  if (cell < -1 || cell >= n_cells) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "cell number %d out of range", cell);
    return FALSE;
  }
  return TRUE;
}

gboolean
vb_op_check_cell_range (int start, int max, int n_cells, GError **error)
{
  if (start < 0 || start >= n_cells || max < 0) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_ARG, "Range exceeds available cells");
    return FALSE;
  }
  return TRUE;
}
