/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "vb-domain.h"
#include "vb-driver.h"

G_BEGIN_DECLS

/* Ops whose answer every driver computes the same way from the registry
 * and the definitions, but which stay the driver's to run because a part
 * of them is its own (a value it measures, a check before).  Each takes
 * the op's arguments and sets *@out as the op table types them. */

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
