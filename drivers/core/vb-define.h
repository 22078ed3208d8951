/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "vb-config-store.h"
#include "vb-driver.h"

G_BEGIN_DECLS

/* The one define path: parse → post-parse → identity → store → add or
 * update → event, and the undefine, rename, autostart and create steps
 * around it, for every driver and every object kind.  A driver describes
 * each kind it defines in a VbDefineConfig (libvirt's virXMLOption with
 * its virDomainDefParserConfig): the parse flags, its post-parse defaults
 * and checks, whether and where definitions persist, and what it must do
 * when an object's definitions change under it.  Hooks may be NULL. */

/* What an undefine does to an object that runs. */
typedef enum {
  /* it lives on, transient, until it stops (libvirt's real drivers) */
  VB_UNDEFINE_ACTIVE_TRANSIENT,
  /* refused (libvirt's test driver for networks) */
  VB_UNDEFINE_ACTIVE_REFUSE,
} VbUndefineActive;

typedef struct {
  /* VB_TYPE_DOMAIN, VB_TYPE_NETWORK, … */
  GType kind;
  guint parse_flags;
  /* Defaults and driver checks on a freshly parsed @def.  @xml is the
   * document it came from, for what the structure cannot answer. */
  gboolean (*post_parse) (gpointer def, const char *xml, gpointer data, GError **error);
  /* Checks that need the registry, after the identity check; @existing is
   * the object @def would update, or NULL. */
  gboolean (*check) (gpointer def, VbObject *existing, gpointer data, GError **error);
  /* A definition that a start or a define would put on @object although
   * it counts as active beyond vb_object_is_active (a start under way). */
  gboolean (*is_busy) (VbObject *object, gpointer data);
  /* @object's definitions changed while it may run (a define over it, a
   * live metadata change): a driver that keeps run-time status saves it. */
  void (*changed) (VbObject *object, gpointer data);
  /* An undefine took @object out of the registry or made it transient;
   * runs before the event (files that belong to the definition go). */
  void (*undefined) (VbObject *object, gpointer data);
  /* A rename is about to store @new_def for @object: things named after
   * the object follow (may adjust @new_def); when they moved something
   * (*@out_undo) and the store then fails, @renamed_back undoes it. */
  gboolean (*renaming) (VbObject *object, gpointer new_def, gboolean *out_undo, gpointer data, GError **error);
  void (*renamed_back) (VbObject *object, gconstpointer new_def, gpointer data);
  /* A stored definition became @object, before it joins the registry. */
  void (*loaded) (VbObject *object, gpointer data);
  gpointer data;

  /* Where persistent definitions are kept; NULL keeps them in memory. */
  VbConfigStore *store;
  /* The store key is the name (networks' historical layout) instead of
   * the UUID. */
  gboolean key_by_name;
  VbUndefineActive undefine_active;
} VbDefineConfig;

/* The kind's parser with @config's flags, then its post-parse hook. */
gpointer vb_define_parse (const VbDefineConfig *config, const char *xml, GError **error);

/* The document that came parsed with a creation op's @task
 * (vb_driver_call_with_definition_async), with the post-parse hook run on
 * it; without one, @xml through vb_define_parse.  So a document is parsed
 * once per call. */
gpointer vb_define_parse_for_task (const VbDefineConfig *config, GTask *task, const char *xml, GError **error);

/* Defines @def (taken; parsed by vb_define_parse): refuses a name or UUID
 * held by another object, hands it to the store (a write refused there
 * changes nothing; one that fails later on disk fails the call when the
 * job runner flushes the store before it answers), then adds a new persistent object or makes it the persistent definition
 * of the existing one (a running object keeps its live definition), and
 * emits the "defined" event.  Returns a reference to the object. */
VbObject *vb_define (VbDriver *driver, const VbDefineConfig *config, gpointer def, GError **error);

/* The object a create (start of a document) runs @def on: the inactive
 * object with @def's identity, or a new transient one holding a copy of
 * @def, not yet in the registry (*@out_new TRUE).  Refused while the
 * existing one is active.  Returns a reference. */
VbObject *vb_define_create_target (VbDriver *driver, const VbDefineConfig *config, gpointer def,
                                   gboolean *out_new, GError **error);

/* Writes @def to the store (nothing without one). */
gboolean vb_define_store (const VbDefineConfig *config, gconstpointer def, GError **error);
/* Stores @def (taken on success) and makes it @object's persistent
 * definition; on failure *@def stays the caller's. */
gboolean vb_define_save_config (const VbDefineConfig *config, VbObject *object, gpointer *def,
                                GError **error);

/* Removes the persistent definition: the object leaves the registry, or
 * stays transient while it runs (see VbUndefineActive), then the
 * "undefined" event. */
gboolean vb_define_undefine (VbDriver *driver, const VbDefineConfig *config, VbObject *object,
                             GError **error);

/* Gives an inactive persistent object a new name, as libvirt: the
 * "undefined/renamed" then "defined/renamed" events. */
gboolean vb_define_rename (VbDriver *driver, const VbDefineConfig *config, VbObject *object,
                           const char *new_name, GError **error);

gboolean vb_define_set_autostart (const VbDefineConfig *config, VbObject *object, gboolean autostart,
                                  GError **error);

/* Reads every definition of the store into the registry (autostart marks
 * included), each parsed by @parse (NULL: the kind's parser with the
 * config's flags; stored definitions had their post-parse already); one
 * that does not parse or clashes is logged and skipped. */
typedef gpointer (*VbDefineParseFunc) (const char *xml, GError **error);
void vb_define_load_all (VbDriver *driver, const VbDefineConfig *config, VbDefineParseFunc parse);

/* Starts every persistent object of @kind marked autostart that is not
 * running, each by @start_op (its job, with @args, taken) as a client's
 * start would; a failure is logged. */
void vb_define_autostart_all (VbDriver *driver, GType kind, VbOp start_op, GVariant *args);

/* Domain.SetMetadata's (imsmsmsu) arguments applied to the live and/or
 * persistent definition, then VB_EVENT_DOMAIN_METADATA_CHANGE. */
gboolean vb_define_domain_set_metadata (VbDriver *driver, const VbDefineConfig *config, VbDomain *domain,
                                        GVariant *args, GError **error);

G_END_DECLS
