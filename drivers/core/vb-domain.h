/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

#include "vb-object.h"
#include "vb-types.h"

G_BEGIN_DECLS

typedef struct _VbDomainDef VbDomainDef;

/* One domain known to a driver: a VbObject (name, UUID, definitions,
 * persistent/autostart, driver data) plus its run state, id, managed save
 * image and "updated" mark. */
#define VB_TYPE_DOMAIN (vb_domain_get_type ())
G_DECLARE_FINAL_TYPE (VbDomain, vb_domain, VB, DOMAIN, VbObject)

VB_OBJECT_DEFINE_KIND_ACCESSORS (VbDomain, vb_domain, VbDomainDef)

int vb_domain_get_id (VbDomain *self);
VbDomainState vb_domain_get_state (VbDomain *self, int *reason);
gboolean vb_domain_has_managed_save (VbDomain *self);
gboolean vb_domain_is_updated (VbDomain *self);

/* libvirt's virDomainModificationImpact: with neither VB_DOMAIN_AFFECT_LIVE
 * nor _CONFIG in *@flags, picks live for a running domain and config for
 * an inactive one; then checks the domain can take it (live needs it
 * running, config needs it persistent). */
gboolean vb_domain_resolve_affect (VbDomain *self, guint *flags, GError **error);
/* The same for calls that read or write exactly one definition (live and
 * config together are refused); returns that definition. */
const VbDomainDef *vb_domain_resolve_one_def (VbDomain *self, guint *flags, GError **error);

/* Driver side.  The state decides whether the domain is active. */
void vb_domain_set_state (VbDomain *self, VbDomainState state, int reason);
void vb_domain_set_id (VbDomain *self, int id);
void vb_domain_set_managed_save (VbDomain *self, gboolean has_image);
void vb_domain_set_updated (VbDomain *self, gboolean updated);

G_END_DECLS
