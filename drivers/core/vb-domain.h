/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

#include "vb-types.h"
#include "vb-util.h"

G_BEGIN_DECLS

typedef struct _VbDomainDef VbDomainDef;

/* One domain known to a driver: its persistent definition, the live one
 * while it runs, and its run state.  Readers use the getters; only the
 * owning driver calls the setters, which emit GObject::notify for the
 * properties that changed so the service can mirror them on the bus. */
#define VB_TYPE_DOMAIN (vb_domain_get_type ())
G_DECLARE_FINAL_TYPE (VbDomain, vb_domain, VB, DOMAIN, GObject)

VbDomain *vb_domain_new (VbDomainDef *def, gboolean persistent);

const char *vb_domain_get_name (VbDomain *self);
const VbUuid *vb_domain_get_uuid (VbDomain *self);
const char *vb_domain_get_uuid_string (VbDomain *self);
int vb_domain_get_id (VbDomain *self);
VbDomainState vb_domain_get_state (VbDomain *self, int *reason);
gboolean vb_domain_is_active (VbDomain *self);
gboolean vb_domain_is_persistent (VbDomain *self);
gboolean vb_domain_get_autostart (VbDomain *self);
gboolean vb_domain_has_managed_save (VbDomain *self);
gboolean vb_domain_is_updated (VbDomain *self);
/* The definition the next start uses. */
const VbDomainDef *vb_domain_get_def (VbDomain *self);
/* The running definition, NULL while inactive. */
const VbDomainDef *vb_domain_get_live_def (VbDomain *self);
/* live while active, else the persistent one */
const VbDomainDef *vb_domain_get_current_def (VbDomain *self);

/* libvirt's virDomainModificationImpact: with neither VB_DOMAIN_AFFECT_LIVE
 * nor _CONFIG in *@flags, picks live for a running domain and config for
 * an inactive one; then checks the domain can take it (live needs it
 * running, config needs it persistent). */
gboolean vb_domain_resolve_affect (VbDomain *self, guint *flags, GError **error);
/* The same for calls that read or write exactly one definition (live and
 * config together are refused); returns that definition. */
const VbDomainDef *vb_domain_resolve_one_def (VbDomain *self, guint *flags, GError **error);

/* Driver side. */
/* Takes @def; the definition struct itself stays where it is (only its
 * contents change), so pointers into it, the registry's keys, stay valid. */
void vb_domain_set_def (VbDomain *self, VbDomainDef *def);
void vb_domain_set_live_def (VbDomain *self, VbDomainDef *live);
void vb_domain_set_state (VbDomain *self, VbDomainState state, int reason);
void vb_domain_set_id (VbDomain *self, int id);
void vb_domain_set_persistent (VbDomain *self, gboolean persistent);
void vb_domain_set_autostart (VbDomain *self, gboolean autostart);
void vb_domain_set_managed_save (VbDomain *self, gboolean has_image);
void vb_domain_set_updated (VbDomain *self, gboolean updated);
gpointer vb_domain_get_driver_data (VbDomain *self);

/* The registry's way to hear of every property change without a signal
 * handler per object (which would cost a closure for each of thousands):
 * @hook runs after each GObject::notify. */
typedef void (*VbDomainChangeHook) (VbDomain *domain, GParamSpec *pspec, gpointer data);
void vb_domain_set_change_hook (VbDomain *self, VbDomainChangeHook hook, gpointer data);
void vb_domain_set_driver_data (VbDomain *self, gpointer data, GDestroyNotify destroy);

G_END_DECLS
