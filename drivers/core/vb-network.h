/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

#include "vb-object.h"
#include "vb-types.h"

G_BEGIN_DECLS

typedef struct _VbNetworkDef VbNetworkDef;

/* One virtual network known to a driver: a VbObject whose driver says
 * when it is active. */
#define VB_TYPE_NETWORK (vb_network_get_type ())
G_DECLARE_FINAL_TYPE (VbNetwork, vb_network, VB, NETWORK, VbObject)

VB_OBJECT_DEFINE_KIND_ACCESSORS (VbNetwork, vb_network, VbNetworkDef)

static inline void
vb_network_set_active (VbNetwork *self, gboolean active)
{
  vb_object_set_active ((VbObject *) self, active);
}

/* Create of a network that is already running and Destroy (or a port)
 * of one that is not are refused in libvirt's words. */
gboolean vb_network_check_active (VbNetwork *self, GError **error);
gboolean vb_network_check_not_active (VbNetwork *self, GError **error);

G_END_DECLS
