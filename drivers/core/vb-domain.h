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

/* FALSE with libvirt's "domain 'NAME' is not running" unless @running:
 * the domain is active, or in whatever more a call needs (a live process,
 * the running state).  _check_active asks for an active domain. */
gboolean vb_domain_check_running (VbDomain *self, gboolean running, GError **error);
gboolean vb_domain_check_active (VbDomain *self, GError **error);

/* The other refusals by state a call makes, in libvirt's words: a start
 * of a domain that is @running; Suspend of a paused domain, Resume of one
 * that is not paused; ManagedSave of a transient domain; Undefine, with
 * @flags lacking VB_DOMAIN_UNDEFINE_MANAGED_SAVE, of one with a managed
 * save image. */
gboolean vb_domain_check_not_running (VbDomain *self, gboolean running, GError **error);
gboolean vb_domain_check_can_suspend (VbDomain *self, GError **error);
gboolean vb_domain_check_can_resume (VbDomain *self, GError **error);
gboolean vb_domain_check_can_managed_save (VbDomain *self, GError **error);
gboolean vb_domain_check_can_undefine (VbDomain *self, guint flags, GError **error);

/* libvirt's virDomainModificationImpact: with neither VB_DOMAIN_AFFECT_LIVE
 * nor _CONFIG in *@flags, picks live for a running domain and config for
 * an inactive one; then checks the domain can take it (live needs it
 * running, config needs it persistent). */
gboolean vb_domain_resolve_affect (VbDomain *self, guint *flags, GError **error);
/* The same for calls that read or write exactly one definition (live and
 * config together are refused); returns that definition. */
const VbDomainDef *vb_domain_resolve_one_def (VbDomain *self, guint *flags, GError **error);

/* SetMemory and SetVcpus up to the point a definition changes, in
 * libvirt's order: the size (and for vCPUs at most @max_vcpus, 0: no
 * limit), then *@flags resolved as above (@one_def: as
 * vb_domain_resolve_one_def, as libvirt's test driver does); a new maximum
 * memory for a running guest is refused.  The caller checks its flags
 * first and, for vCPUs, refuses a new maximum live in its own words. */
gboolean vb_domain_resolve_set_memory (VbDomain *self, guint64 kib, guint *flags, gboolean one_def,
                                       GError **error);
gboolean vb_domain_resolve_set_vcpus (VbDomain *self, guint count, guint max_vcpus, guint *flags,
                                      GError **error);

/* GetStats' groups (VB_DOMAIN_STATS_*) read from the registry and the
 * current definition: state, balloon and the vCPU counts, those of @stats
 * asked for, into @b (a{sv}). */
void vb_domain_add_stats (VbDomain *self, guint stats, GVariantBuilder *b);

/* Driver side.  The state decides whether the domain is active. */
void vb_domain_set_state (VbDomain *self, VbDomainState state, int reason);
void vb_domain_set_id (VbDomain *self, int id);
void vb_domain_set_managed_save (VbDomain *self, gboolean has_image);
void vb_domain_set_updated (VbDomain *self, gboolean updated);

G_END_DECLS
