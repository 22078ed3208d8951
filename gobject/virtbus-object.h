/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__VIRTBUS_H_INSIDE__) && !defined(VIRTBUS_COMPILATION)
#error "Only <virtbus.h> can be included directly."
#endif

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _VirtbusConnection VirtbusConnection;

#define VIRTBUS_TYPE_OBJECT (virtbus_object_get_type ())
G_DECLARE_DERIVABLE_TYPE (VirtbusObject, virtbus_object, VIRTBUS, OBJECT, GObject)

/**
 * VirtbusObjectClass:
 * @parent_class: the parent class
 *
 * The class of [class@Virtbus.Object].  Only the library derives from it.
 *
 * Since: 1.0
 */
struct _VirtbusObjectClass {
  GObjectClass parent_class;

  /*< private >*/
  gpointer padding[8];
};

VirtbusConnection *virtbus_object_get_connection (VirtbusObject *self);
const char *virtbus_object_get_object_path (VirtbusObject *self);
const char *virtbus_object_get_name (VirtbusObject *self);
const char *virtbus_object_get_uuid (VirtbusObject *self);
gboolean virtbus_object_get_active (VirtbusObject *self);
gboolean virtbus_object_get_persistent (VirtbusObject *self);
gboolean virtbus_object_get_autostart (VirtbusObject *self);

G_END_DECLS
