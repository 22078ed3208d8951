/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "vb-object.h"

G_BEGIN_DECLS

/* The objects of one kind a driver holds, libvirt's virDomainObjList:
 * one reference per object, in the order they were added, looked up by
 * UUID and by name (kept current across renames).
 *
 * Signals: ::added (VbObject) after an object went in, ::removed
 * (VbObject) after it left (still alive during the emission), ::changed
 * (VbObject, GParamSpec) for every property change of an object it holds,
 * one handler for all of them. */
#define VB_TYPE_OBJECT_LIST (vb_object_list_get_type ())
G_DECLARE_FINAL_TYPE (VbObjectList, vb_object_list, VB, OBJECT_LIST, GObject)

/* @kind: the subclass of VB_TYPE_OBJECT this list holds. */
VbObjectList *vb_object_list_new (GType kind);
GType vb_object_list_get_kind (VbObjectList *self);

/* An object whose UUID is already in the list is refused. */
void vb_object_list_add (VbObjectList *self, VbObject *object);
/* Nothing happens for an object the list does not hold. */
void vb_object_list_remove (VbObjectList *self, VbObject *object);
VbObject *vb_object_list_lookup_by_uuid (VbObjectList *self, const VbUuid *uuid);
VbObject *vb_object_list_lookup_by_name (VbObjectList *self, const char *name);
/* Whether @object itself (not another with its UUID) is in the list. */
gboolean vb_object_list_contains (VbObjectList *self, VbObject *object);
guint vb_object_list_get_length (VbObjectList *self);
/* The @index-th object in the order added (borrowed). */
VbObject *vb_object_list_get_nth (VbObjectList *self, guint index);

/* Whether @object belongs in a listing filtered by @flags. */
typedef gboolean (*VbObjectFilter) (VbObject *object, guint flags);
/* In the order added; with @filter, only what it accepts for @flags
 * (flags 0 takes all).  A new array of borrowed pointers. */
GPtrArray *vb_object_list_collect (VbObjectList *self, VbObjectFilter filter, guint flags);

/* libvirt's rules for defining @name/@uuid: the same UUID with another
 * name, or the same name with another UUID, is refused; the same pair is
 * an update of *@out_existing (NULL when neither is known). */
gboolean vb_object_list_check_identity (VbObjectList *self, const char *name, const VbUuid *uuid,
                                        VbObject **out_existing, GError **error);

G_END_DECLS
