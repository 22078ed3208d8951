/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

#include "vb-types.h"
#include "vb-util.h"

G_BEGIN_DECLS

typedef struct _VbNetworkDef VbNetworkDef;

/* One virtual network known to a driver; same conventions as VbDomain. */
#define VB_TYPE_NETWORK (vb_network_get_type ())
G_DECLARE_FINAL_TYPE (VbNetwork, vb_network, VB, NETWORK, GObject)

VbNetwork *vb_network_new (VbNetworkDef *def, gboolean persistent);

const char *vb_network_get_name (VbNetwork *self);
const VbUuid *vb_network_get_uuid (VbNetwork *self);
const char *vb_network_get_uuid_string (VbNetwork *self);
gboolean vb_network_is_active (VbNetwork *self);
gboolean vb_network_is_persistent (VbNetwork *self);
gboolean vb_network_get_autostart (VbNetwork *self);
const VbNetworkDef *vb_network_get_def (VbNetwork *self);
const VbNetworkDef *vb_network_get_live_def (VbNetwork *self);
const VbNetworkDef *vb_network_get_current_def (VbNetwork *self);

/* Takes @def; the struct stays where it is, as vb_domain_set_def. */
void vb_network_set_def (VbNetwork *self, VbNetworkDef *def);
void vb_network_set_live_def (VbNetwork *self, VbNetworkDef *live);
void vb_network_set_active (VbNetwork *self, gboolean active);
void vb_network_set_persistent (VbNetwork *self, gboolean persistent);
void vb_network_set_autostart (VbNetwork *self, gboolean autostart);
gpointer vb_network_get_driver_data (VbNetwork *self);

/* The registry's way to hear of every property change without a signal
 * handler per object (which would cost a closure for each of thousands):
 * @hook runs after each GObject::notify. */
typedef void (*VbNetworkChangeHook) (VbNetwork *network, GParamSpec *pspec, gpointer data);
void vb_network_set_change_hook (VbNetwork *self, VbNetworkChangeHook hook, gpointer data);
void vb_network_set_driver_data (VbNetwork *self, gpointer data, GDestroyNotify destroy);

G_END_DECLS
