/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-object-list.h"

#include "vb-error.h"

struct _VbObjectList {
  GObject parent_instance;

  GType kind;
  GPtrArray *objects;    /* VbObject*, owned, in the order added */
  GHashTable *by_uuid;   /* VbUuid* (the object's own) → VbObject* */
  GHashTable *by_name;   /* name (owned) → VbObject*: the current name, but
                          * for the moment a rename is being told */
};

enum {
  SIGNAL_ADDED,
  SIGNAL_REMOVED,
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (VbObjectList, vb_object_list, G_TYPE_OBJECT)

static void
vb_object_list_finalize (GObject *object)
{
  VbObjectList *self = VB_OBJECT_LIST (object);

  for (guint i = 0; i < self->objects->len; i++)
    vb_object_set_change_hook (g_ptr_array_index (self->objects, i), NULL, NULL);
  g_hash_table_unref (self->by_name);
  g_hash_table_unref (self->by_uuid);
  g_ptr_array_unref (self->objects);
  G_OBJECT_CLASS (vb_object_list_parent_class)->finalize (object);
}

static void
vb_object_list_class_init (VbObjectListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = vb_object_list_finalize;
  signals[SIGNAL_ADDED] = g_signal_new ("added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                        NULL, NULL, G_TYPE_NONE, 1, VB_TYPE_OBJECT);
  signals[SIGNAL_REMOVED] = g_signal_new ("removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                          NULL, NULL, NULL, G_TYPE_NONE, 1, VB_TYPE_OBJECT);
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                          NULL, NULL, NULL, G_TYPE_NONE, 2, VB_TYPE_OBJECT, G_TYPE_PARAM);
}

static void
vb_object_list_init (VbObjectList *self)
{
  self->objects = g_ptr_array_new_with_free_func (g_object_unref);
  self->by_uuid = g_hash_table_new (vb_uuid_hash, vb_uuid_equal_func);
  self->by_name = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

VbObjectList *
vb_object_list_new (GType kind)
{
  VbObjectList *self;

  g_return_val_if_fail (g_type_is_a (kind, VB_TYPE_OBJECT), NULL);
  self = g_object_new (VB_TYPE_OBJECT_LIST, NULL);
  self->kind = kind;
  return self;
}

GType
vb_object_list_get_kind (VbObjectList *self)
{
  return self->kind;
}

static void
index_name (VbObjectList *self, VbObject *object)
{
  g_hash_table_replace (self->by_name, g_strdup (vb_object_get_name (object)), object);
}

/* Renames are rare: the old key is searched for rather than kept per
 * object, which would cost a string for each of thousands. */
static void
unindex_old_name (VbObjectList *self, VbObject *object)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->by_name);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    if (value == object) {
      g_hash_table_iter_remove (&iter);
      return;
    }
  }
}

static void
on_object_changed (VbObject *object, GParamSpec *pspec, gpointer data)
{
  VbObjectList *self = data;

  if (g_str_equal (pspec->name, "name")) {
    unindex_old_name (self, object);
    index_name (self, object);
  }
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0, object, pspec);
}

void
vb_object_list_add (VbObjectList *self, VbObject *object)
{
  g_return_if_fail (G_TYPE_CHECK_INSTANCE_TYPE (object, self->kind));
  g_return_if_fail (g_hash_table_lookup (self->by_uuid, vb_object_get_uuid (object)) == NULL);

  g_ptr_array_add (self->objects, g_object_ref (object));
  g_hash_table_insert (self->by_uuid, (gpointer) vb_object_get_uuid (object), object);
  index_name (self, object);
  vb_object_set_change_hook (object, on_object_changed, self);
  g_signal_emit (self, signals[SIGNAL_ADDED], 0, object);
}

void
vb_object_list_remove (VbObjectList *self, VbObject *object)
{
  if (!vb_object_list_contains (self, object))
    return;
  /* the array held the list's reference; keep one for the signal */
  g_object_ref (object);
  g_hash_table_remove (self->by_uuid, vb_object_get_uuid (object));
  if (vb_object_list_lookup_by_name (self, vb_object_get_name (object)) == object)
    g_hash_table_remove (self->by_name, vb_object_get_name (object));
  else
    unindex_old_name (self, object);
  vb_object_set_change_hook (object, NULL, NULL);
  g_ptr_array_remove (self->objects, object);
  g_signal_emit (self, signals[SIGNAL_REMOVED], 0, object);
  g_object_unref (object);
}

VbObject *
vb_object_list_lookup_by_uuid (VbObjectList *self, const VbUuid *uuid)
{
  return g_hash_table_lookup (self->by_uuid, uuid);
}

VbObject *
vb_object_list_lookup_by_name (VbObjectList *self, const char *name)
{
  return g_hash_table_lookup (self->by_name, name);
}

gboolean
vb_object_list_contains (VbObjectList *self, VbObject *object)
{
  return g_hash_table_lookup (self->by_uuid, vb_object_get_uuid (object)) == object;
}

guint
vb_object_list_get_length (VbObjectList *self)
{
  return self->objects->len;
}

VbObject *
vb_object_list_get_nth (VbObjectList *self, guint index)
{
  g_return_val_if_fail (index < self->objects->len, NULL);
  return g_ptr_array_index (self->objects, index);
}

GPtrArray *
vb_object_list_collect (VbObjectList *self, VbObjectFilter filter, guint flags)
{
  GPtrArray *out = g_ptr_array_sized_new (self->objects->len);

  for (guint i = 0; i < self->objects->len; i++) {
    VbObject *object = g_ptr_array_index (self->objects, i);

    if (flags == 0 || filter == NULL || filter (object, flags))
      g_ptr_array_add (out, object);
  }
  return out;
}

gboolean
vb_object_list_check_identity (VbObjectList *self, const char *name, const VbUuid *uuid,
                               VbObject **out_existing, GError **error)
{
  VbObject *by_uuid = vb_object_list_lookup_by_uuid (self, uuid);
  VbObject *by_name = vb_object_list_lookup_by_name (self, name);
  const char *kind = vb_object_kind_class (self->kind)->kind;

  *out_existing = NULL;
  if (by_uuid && g_strcmp0 (vb_object_get_name (by_uuid), name) != 0) {
    g_set_error (error, VB_ERROR, VB_ERROR_EXISTS, "%s '%s' is already defined with UUID %s", kind,
                 vb_object_get_name (by_uuid), vb_object_get_uuid_string (by_uuid));
    return FALSE;
  }
  if (by_name && by_name != by_uuid) {
    g_set_error (error, VB_ERROR, VB_ERROR_EXISTS, "%s '%s' already exists with UUID %s", kind, name,
                 vb_object_get_uuid_string (by_name));
    return FALSE;
  }
  *out_existing = by_uuid;
  return TRUE;
}
