/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

#include "vb-util.h"

G_BEGIN_DECLS

/* The base of every object a driver manages (domain, network; storage
 * pool, volume, snapshot, node device, interface, secret, nwfilter next):
 * name and UUID, active/persistent/autostart, the persistent and the live
 * definition, the driver's private data, and one change hook for the
 * registry.  What differs per kind is its definition type, reached only
 * through the class's accessors below, so the registry (VbObjectList) and
 * the define path (vb-define.h) serve every kind with one piece of code.
 *
 * Readers use the getters; only the owning driver calls the setters, which
 * emit GObject::notify for the properties that changed ("name", "uuid",
 * "active", "persistent", "autostart" here, more in the subclasses) so the
 * service can mirror them on the bus. */
#define VB_TYPE_OBJECT (vb_object_get_type ())
G_DECLARE_DERIVABLE_TYPE (VbObject, vb_object, VB, OBJECT, GObject)

struct _VbObjectClass {
  GObjectClass parent_class;

  /* "domain", "network": how messages name the kind */
  const char *kind;
  /* sizeof the definition struct: vb_object_set_def swaps contents in
   * place, so pointers into the struct stay valid */
  gsize def_size;
  gpointer (*def_parse) (const char *xml, guint parse_flags, GError **error);
  void (*def_free) (gpointer def);
  gpointer (*def_copy) (gconstpointer def);
  char *(*def_format) (gconstpointer def, guint format_flags);
  /* where the struct keeps its "char *name" and its "VbUuid uuid"
   * (G_STRUCT_OFFSET): every kind's definition has both */
  gsize def_name_offset;
  gsize def_uuid_offset;
  /* format flags of the definition a config store keeps (inactive, with
   * secrets) */
  guint def_format_config;

  gpointer padding[8];
};

/* Takes @def; @type is a subclass of VB_TYPE_OBJECT. */
VbObject *vb_object_new (GType type, gpointer def, gboolean persistent);

const char *vb_object_get_kind (VbObject *self);
const char *vb_object_get_name (VbObject *self);
const VbUuid *vb_object_get_uuid (VbObject *self);
const char *vb_object_get_uuid_string (VbObject *self);
gboolean vb_object_is_active (VbObject *self);
gboolean vb_object_is_persistent (VbObject *self);
gboolean vb_object_get_autostart (VbObject *self);
/* The definition the next start uses. */
gconstpointer vb_object_get_def (VbObject *self);
/* The running definition, NULL while inactive. */
gconstpointer vb_object_get_live_def (VbObject *self);
/* live while active, else the persistent one */
gconstpointer vb_object_get_current_def (VbObject *self);

/* Driver side. */
/* Takes @def; the definition struct itself stays where it is (only its
 * contents change), so pointers into it stay valid. */
void vb_object_set_def (VbObject *self, gpointer def);
void vb_object_set_live_def (VbObject *self, gpointer live);
void vb_object_set_active (VbObject *self, gboolean active);
void vb_object_set_persistent (VbObject *self, gboolean persistent);
void vb_object_set_autostart (VbObject *self, gboolean autostart);
gpointer vb_object_get_driver_data (VbObject *self);
void vb_object_set_driver_data (VbObject *self, gpointer data, GDestroyNotify destroy);

/* The definition functions of @self's kind. */
gpointer vb_object_def_copy (VbObject *self, gconstpointer def);
void vb_object_def_free (VbObject *self, gpointer def);
char *vb_object_def_format (VbObject *self, gconstpointer def, guint format_flags);
const char *vb_object_def_get_name (VbObject *self, gconstpointer def);
const VbUuid *vb_object_def_get_uuid (VbObject *self, gconstpointer def);
/* Replaces the name in @def. */
void vb_object_def_set_name (VbObject *self, gpointer def, const char *name);

/* The class of @kind, for code that holds no object yet. */
VbObjectClass *vb_object_kind_class (GType kind);

static inline const char *
vb_object_class_def_get_name (VbObjectClass *klass, gconstpointer def)
{
  return G_STRUCT_MEMBER (const char *, def, klass->def_name_offset);
}

static inline const VbUuid *
vb_object_class_def_get_uuid (VbObjectClass *klass, gconstpointer def)
{
  return (const VbUuid *) G_STRUCT_MEMBER_P (def, klass->def_uuid_offset);
}

/* The registry's way to hear of every property change without a signal
 * handler per object (which would cost a closure for each of thousands):
 * @hook runs after each GObject::notify. */
typedef void (*VbObjectChangeHook) (VbObject *object, GParamSpec *pspec, gpointer data);
void vb_object_set_change_hook (VbObject *self, VbObjectChangeHook hook, gpointer data);

/* The per-kind names of the base's functions (vb_domain_get_name,
 * vb_network_set_def, …), so callers keep the typed spelling; one
 * expansion per kind, the logic stays in the base. */
#define VB_OBJECT_DEFINE_KIND_ACCESSORS(Kind, kind, Def)                                                   \
  static inline Kind *kind##_new (Def *def, gboolean persistent)                                         \
  {                                                                                                       \
    return (Kind *) vb_object_new (kind##_get_type (), def, persistent);                                  \
  }                                                                                                       \
  static inline const char *kind##_get_name (Kind *self) { return vb_object_get_name ((VbObject *) self); } \
  static inline const VbUuid *kind##_get_uuid (Kind *self) { return vb_object_get_uuid ((VbObject *) self); } \
  static inline const char *kind##_get_uuid_string (Kind *self)                                          \
  {                                                                                                       \
    return vb_object_get_uuid_string ((VbObject *) self);                                                 \
  }                                                                                                       \
  static inline gboolean kind##_is_active (Kind *self) { return vb_object_is_active ((VbObject *) self); } \
  static inline gboolean kind##_is_persistent (Kind *self) { return vb_object_is_persistent ((VbObject *) self); } \
  static inline gboolean kind##_get_autostart (Kind *self) { return vb_object_get_autostart ((VbObject *) self); } \
  static inline const Def *kind##_get_def (Kind *self) { return vb_object_get_def ((VbObject *) self); }  \
  static inline const Def *kind##_get_live_def (Kind *self) { return vb_object_get_live_def ((VbObject *) self); } \
  static inline const Def *kind##_get_current_def (Kind *self)                                            \
  {                                                                                                       \
    return vb_object_get_current_def ((VbObject *) self);                                                 \
  }                                                                                                       \
  static inline void kind##_set_def (Kind *self, Def *def) { vb_object_set_def ((VbObject *) self, def); } \
  static inline void kind##_set_live_def (Kind *self, Def *live) { vb_object_set_live_def ((VbObject *) self, live); } \
  static inline void kind##_set_persistent (Kind *self, gboolean value)                                  \
  {                                                                                                       \
    vb_object_set_persistent ((VbObject *) self, value);                                                  \
  }                                                                                                       \
  static inline void kind##_set_autostart (Kind *self, gboolean value)                                   \
  {                                                                                                       \
    vb_object_set_autostart ((VbObject *) self, value);                                                   \
  }                                                                                                       \
  static inline gpointer kind##_get_driver_data (Kind *self) { return vb_object_get_driver_data ((VbObject *) self); } \
  static inline void kind##_set_driver_data (Kind *self, gpointer data, GDestroyNotify destroy)          \
  {                                                                                                       \
    vb_object_set_driver_data ((VbObject *) self, data, destroy);                                         \
  }

G_END_DECLS
