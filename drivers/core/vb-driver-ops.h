/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "vb-domain.h"
#include "vb-driver.h"

G_BEGIN_DECLS

/* Ops whose answer every driver computes the same way from the registry
 * and the definitions, but which stay the driver's to run because a part
 * of them is its own (a value it measures, a check before).  Each takes
 * the op's arguments and sets *@out as the op table types them. */

/* A domain's run beginning and ending as the registry sees them, the
 * same whatever runs it.  Started: @live (taken) and the domain get the
 * next domain id, the state becomes running (@running_reason) or paused
 * by the user, a managed save image is forgotten when @drop_managed_save.
 * Stopped: no live definition nor id, shut off (@reason), and a transient
 * domain leaves the registry (the caller holds a reference). */
void vb_driver_domain_started (VbDriver *self, VbDomain *dom, VbDomainDef *live, gboolean paused,
                               int running_reason, gboolean drop_managed_save);
void vb_driver_domain_stopped (VbDriver *self, VbDomain *dom, int reason);
/* The events of a start: started (@detail), then suspended if @paused. */
void vb_driver_emit_domain_started (VbDriver *self, VbDomain *dom, int detail, gboolean paused);

/* GetInfo (ututu) from the current definition; @cpu_seconds is what the
 * driver measured. */
GVariant *vb_op_domain_get_info (VbDomain *dom, guint32 cpu_seconds);
/* GetVcpus (u): the current or, with VB_DOMAIN_VCPU_MAXIMUM, the maximum
 * vCPU count of the one definition the flags pick. */
gboolean vb_op_domain_get_vcpus (VbDomain *dom, GVariant *args, GVariant **out, GError **error);
/* GetCPUModelNames (su) of an x86 host offering @models. */
gboolean vb_op_get_cpu_model_names (GVariant *args, const char *const *models, GVariant **out,
                                    GError **error);

/* The NUMA cell arguments of NodeGetMemoryStats (one cell, -1: all) and
 * NodeGetCellsFreeMemory (@start, at most @max) on a host of @n_cells. */
gboolean vb_op_check_cell (int cell, int n_cells, GError **error);
gboolean vb_op_check_cell_range (int start, int max, int n_cells, GError **error);

G_END_DECLS
