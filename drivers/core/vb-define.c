/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-define.h"

#include "vb-domain-def.h"
#include "vb-error.h"

typedef enum {
  LIFECYCLE_DEFINED_ADDED,
  LIFECYCLE_DEFINED_UPDATED,
  LIFECYCLE_UNDEFINED,
  LIFECYCLE_RENAMED,
} Lifecycle;

/* The one place that says which event of each kind a step of the define
 * path is. */
static void
emit_lifecycle (VbDriver *driver, VbObject *object, Lifecycle what)
{
  if (VB_IS_DOMAIN (object)) {
    VbDomain *dom = VB_DOMAIN (object);

    switch (what) {
    case LIFECYCLE_DEFINED_ADDED:
      vb_driver_emit_domain_event (driver, dom, VB_DOMAIN_EVENT_DEFINED, VB_DOMAIN_EVENT_DEFINED_ADDED);
      break;
    case LIFECYCLE_DEFINED_UPDATED:
      vb_driver_emit_domain_event (driver, dom, VB_DOMAIN_EVENT_DEFINED, VB_DOMAIN_EVENT_DEFINED_UPDATED);
      break;
    case LIFECYCLE_UNDEFINED:
      vb_driver_emit_domain_event (driver, dom, VB_DOMAIN_EVENT_UNDEFINED, VB_DOMAIN_EVENT_UNDEFINED_REMOVED);
      break;
    case LIFECYCLE_RENAMED:
      /* libvirt reports a rename as the old name going and the new one coming */
      vb_driver_emit_domain_event (driver, dom, VB_DOMAIN_EVENT_UNDEFINED, VB_DOMAIN_EVENT_UNDEFINED_RENAMED);
      vb_driver_emit_domain_event (driver, dom, VB_DOMAIN_EVENT_DEFINED, VB_DOMAIN_EVENT_DEFINED_RENAMED);
      break;
    default:
      g_assert_not_reached ();
    }
  } else if (VB_IS_NETWORK (object)) {
    VbNetwork *net = VB_NETWORK (object);

    switch (what) {
    case LIFECYCLE_DEFINED_ADDED:
    case LIFECYCLE_DEFINED_UPDATED:
    case LIFECYCLE_RENAMED:
      vb_driver_emit_network_event (driver, net, VB_NETWORK_EVENT_DEFINED);
      break;
    case LIFECYCLE_UNDEFINED:
      vb_driver_emit_network_event (driver, net, VB_NETWORK_EVENT_UNDEFINED);
      break;
    default:
      g_assert_not_reached ();
    }
  }
}

static char *
store_key (const VbDefineConfig *config, gconstpointer def)
{
  VbObjectClass *klass = vb_object_kind_class (config->kind);

  if (config->key_by_name)
    return g_strdup (vb_object_class_def_get_name (klass, def));
  return vb_uuid_to_string (vb_object_class_def_get_uuid (klass, def));
}

gpointer
vb_define_parse (const VbDefineConfig *config, const char *xml, GError **error)
{
  VbObjectClass *klass = vb_object_kind_class (config->kind);
  gpointer def = klass->def_parse (xml, config->parse_flags, error);

  if (def != NULL && config->post_parse && !config->post_parse (def, xml, config->data, error))
    g_clear_pointer (&def, klass->def_free);
  return def;
}

gpointer
vb_define_parse_for_task (const VbDefineConfig *config, GTask *task, const char *xml, GError **error)
{
  gpointer def = vb_driver_task_steal_definition (task);

  if (def == NULL)
    return vb_define_parse (config, xml, error);
  if (config->post_parse && !config->post_parse (def, xml, config->data, error)) {
    vb_object_kind_class (config->kind)->def_free (def);
    return NULL;
  }
  return def;
}

/* Identity, then the driver's checks that need the registry. */
static gboolean
check_identity (VbDriver *driver, const VbDefineConfig *config, gpointer def, VbObject **out_existing,
                GError **error)
{
  VbObjectClass *klass = vb_object_kind_class (config->kind);
  VbObjectList *list = vb_driver_get_object_list (driver, config->kind);

  return vb_object_list_check_identity (list, vb_object_class_def_get_name (klass, def),
                                        vb_object_class_def_get_uuid (klass, def), out_existing, error) &&
         (config->check == NULL || config->check (def, *out_existing, config->data, error));
}

VbObject *
vb_define (VbDriver *driver, const VbDefineConfig *config, gpointer def, GError **error)
{
  VbObjectClass *klass = vb_object_kind_class (config->kind);
  VbObject *existing = NULL;
  gboolean was_persistent;

  /* stored first: a failed write changes nothing */
  if (!check_identity (driver, config, def, &existing, error) || !vb_define_store (config, def, error)) {
    klass->def_free (def);
    return NULL;
  }
  if (existing == NULL) {
    VbObject *object = vb_object_new (config->kind, def, TRUE);

    vb_driver_add_object (driver, object);
    emit_lifecycle (driver, object, LIFECYCLE_DEFINED_ADDED);
    return object;
  }
  /* A running object keeps its live definition; the new one is what the
   * next start uses.  A transient object gains its first persistent
   * definition, which libvirt reports as "added". */
  was_persistent = vb_object_is_persistent (existing);
  vb_object_set_def (existing, def);
  vb_object_set_persistent (existing, TRUE);
  if (config->changed)
    config->changed (existing, config->data);
  emit_lifecycle (driver, existing, was_persistent ? LIFECYCLE_DEFINED_UPDATED : LIFECYCLE_DEFINED_ADDED);
  return g_object_ref (existing);
}

VbObject *
vb_define_create_target (VbDriver *driver, const VbDefineConfig *config, gpointer def, gboolean *out_new,
                         GError **error)
{
  VbObjectClass *klass = vb_object_kind_class (config->kind);
  VbObject *existing = NULL;

  *out_new = FALSE;
  if (!check_identity (driver, config, def, &existing, error))
    return NULL;
  if (existing == NULL) {
    *out_new = TRUE;
    return vb_object_new (config->kind, klass->def_copy (def), FALSE);
  }
  if (vb_object_is_active (existing) || (config->is_busy && config->is_busy (existing, config->data))) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_STATE, "%s '%s' is already active", klass->kind,
                 vb_object_get_name (existing));
    return NULL;
  }
  /* a defined, inactive object runs the given definition this once and
   * keeps its persistent one */
  return g_object_ref (existing);
}

gboolean
vb_define_store (const VbDefineConfig *config, gconstpointer def, GError **error)
{
  VbObjectClass *klass = vb_object_kind_class (config->kind);
  g_autofree char *key = NULL;
  g_autofree char *xml = NULL;

  if (config->store == NULL)
    return TRUE;
  key = store_key (config, def);
  xml = klass->def_format (def, klass->def_format_config);
  if (!vb_config_store_save (config->store, key, xml, error)) {
    g_prefix_error (error, "cannot save %s '%s': ", klass->kind, vb_object_class_def_get_name (klass, def));
    return FALSE;
  }
  return TRUE;
}

gboolean
vb_define_save_config (const VbDefineConfig *config, VbObject *object, gpointer *def, GError **error)
{
  if (*def == NULL)
    return TRUE;
  if (!vb_define_store (config, *def, error))
    return FALSE;
  vb_object_set_def (object, g_steal_pointer (def));
  return TRUE;
}

gboolean
vb_define_undefine (VbDriver *driver, const VbDefineConfig *config, VbObject *object, GError **error)
{
  const char *kind = vb_object_get_kind (object);
  const char *name = vb_object_get_name (object);
  gboolean active = vb_object_is_active (object);

  if (active && config->undefine_active == VB_UNDEFINE_ACTIVE_REFUSE) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_STATE, "%s '%s' is still running", kind, name);
    return FALSE;
  }
  if (!vb_object_is_persistent (object)) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_STATE, "cannot undefine transient %s '%s'", kind, name);
    return FALSE;
  }
  if (config->store) {
    g_autofree char *key = store_key (config, vb_object_get_def (object));

    /* the autostart mark goes with it */
    if (!vb_config_store_delete (config->store, key, error))
      return FALSE;
  }
  if (active) {
    vb_object_set_persistent (object, FALSE);
    vb_object_set_autostart (object, FALSE);
  } else {
    vb_driver_remove_object (driver, object);
  }
  if (config->undefined)
    config->undefined (object, config->data);
  emit_lifecycle (driver, object, LIFECYCLE_UNDEFINED);
  return TRUE;
}

gboolean
vb_define_rename (VbDriver *driver, const VbDefineConfig *config, VbObject *object, const char *new_name,
                  GError **error)
{
  const char *kind = vb_object_get_kind (object);
  g_autofree char *what = g_strdup_printf ("%s name", kind);
  g_autofree char *old_key = NULL;
  g_autoptr(GError) invalid = NULL;
  gboolean undo = FALSE;
  gpointer def;

  if (vb_object_is_active (object) || !vb_object_is_persistent (object)) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_STATE, "cannot rename %s %s '%s'",
                 vb_object_is_active (object) ? "active" : "transient", kind, vb_object_get_name (object));
    return FALSE;
  }
  if (!vb_name_validate (new_name, what, &invalid)) {
    /* here the name is an argument, not part of a document */
    g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_ARG, invalid->message);
    return FALSE;
  }
  if (vb_object_list_lookup_by_name (vb_driver_get_object_list (driver, config->kind), new_name) != NULL) {
    g_set_error (error, VB_ERROR, VB_ERROR_EXISTS, "%s with name '%s' already exists", kind, new_name);
    return FALSE;
  }
  def = vb_object_def_copy (object, vb_object_get_def (object));
  vb_object_def_set_name (object, def, new_name);
  if (config->renaming && !config->renaming (object, def, &undo, config->data, error)) {
    vb_object_def_free (object, def);
    return FALSE;
  }
  if (!vb_define_store (config, def, error)) {
    if (undo && config->renamed_back)
      config->renamed_back (object, def, config->data);
    vb_object_def_free (object, def);
    return FALSE;
  }
  old_key = store_key (config, vb_object_get_def (object));
  vb_object_set_def (object, def);
  if (config->store && config->key_by_name) {
    g_autoptr(GError) local_error = NULL;

    if (!vb_config_store_delete (config->store, old_key, &local_error))
      g_warning ("%s", local_error->message);
  }
  emit_lifecycle (driver, object, LIFECYCLE_RENAMED);
  return TRUE;
}

gboolean
vb_define_set_autostart (const VbDefineConfig *config, VbObject *object, gboolean autostart, GError **error)
{
  if (!vb_object_is_persistent (object)) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_STATE, "cannot set autostart for transient %s '%s'",
                 vb_object_get_kind (object), vb_object_get_name (object));
    return FALSE;
  }
  if (config->store) {
    g_autofree char *key = store_key (config, vb_object_get_def (object));

    if (!vb_config_store_set_autostart (config->store, key, autostart, error))
      return FALSE;
  }
  vb_object_set_autostart (object, autostart);
  return TRUE;
}

void
vb_define_load_all (VbDriver *driver, const VbDefineConfig *config, VbDefineParseFunc parse)
{
  VbObjectClass *klass = vb_object_kind_class (config->kind);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) keys = vb_config_store_list (config->store, &error);

  if (keys == NULL) {
    g_warning ("%s driver: %s", vb_driver_get_name (driver), error->message);
    return;
  }
  for (guint i = 0; keys[i]; i++) {
    g_autoptr(GError) local_error = NULL;
    g_autofree char *xml = vb_config_store_load (config->store, keys[i], &local_error);
    gpointer def = NULL;
    g_autoptr(VbObject) object = NULL;
    VbObject *existing = NULL;

    if (xml)
      def = parse ? parse (xml, &local_error) : klass->def_parse (xml, config->parse_flags, &local_error);
    if (def == NULL ||
        !vb_object_list_check_identity (vb_driver_get_object_list (driver, config->kind),
                                        vb_object_class_def_get_name (klass, def),
                                        vb_object_class_def_get_uuid (klass, def), &existing, &local_error) ||
        existing != NULL) {
      g_warning ("%s driver: skipping stored %s definition %s: %s", vb_driver_get_name (driver), klass->kind,
                 keys[i], local_error ? local_error->message : "duplicate UUID");
      if (def)
        klass->def_free (def);
      continue;
    }
    object = vb_object_new (config->kind, def, TRUE);
    vb_object_set_autostart (object, vb_config_store_get_autostart (config->store, keys[i]));
    if (config->loaded)
      config->loaded (object, config->data);
    vb_driver_add_object (driver, object);
  }
}

static void
autostart_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autofree char *name = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) ret G_GNUC_UNUSED = vb_driver_call_finish (VB_DRIVER (source), result, NULL, &error);

  if (error)
    g_warning ("%s driver: autostart of '%s' failed: %s", vb_driver_get_name (VB_DRIVER (source)), name,
               error->message);
}

void
vb_define_autostart_all (VbDriver *driver, GType kind, VbOp start_op, GVariant *args)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (args);
  VbObjectList *list = vb_driver_get_object_list (driver, kind);
  g_autoptr(GPtrArray) objects = vb_object_list_collect (list, NULL, 0);

  for (guint i = 0; i < objects->len; i++) {
    VbObject *object = g_ptr_array_index (objects, i);

    if (!vb_object_get_autostart (object) || !vb_object_is_persistent (object) || vb_object_is_active (object))
      continue;
    vb_driver_call_async (driver, start_op, object, owned, NULL, autostart_done,
                          g_strdup (vb_object_get_name (object)));
  }
}

gboolean
vb_define_domain_set_metadata (VbDriver *driver, const VbDefineConfig *config, VbDomain *dom, GVariant *args,
                               GError **error)
{
  int type;
  const char *metadata, *key, *uri;
  guint flags;
  g_autoptr(VbDomainDef) live = NULL;
  g_autoptr(VbDomainDef) persistent = NULL;

  g_variant_get (args, "(im&sm&sm&su)", &type, &metadata, &key, &uri, &flags);
  if (!vb_check_flags (flags, VB_DOMAIN_AFFECT_LIVE | VB_DOMAIN_AFFECT_CONFIG, error))
    return FALSE;
  if (type < VB_DOMAIN_METADATA_DESCRIPTION || type > VB_DOMAIN_METADATA_ELEMENT) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "unknown metadata type '%d'", type);
    return FALSE;
  }
  if (!vb_domain_resolve_affect (dom, &flags, error))
    return FALSE;

  /* both changed copies are made before either is applied */
  if (flags & VB_DOMAIN_AFFECT_LIVE) {
    live = vb_domain_def_copy (vb_domain_get_live_def (dom));
    if (!vb_domain_def_set_metadata (live, type, metadata, key, uri, error))
      return FALSE;
  }
  if (flags & VB_DOMAIN_AFFECT_CONFIG) {
    persistent = vb_domain_def_copy (vb_domain_get_def (dom));
    if (!vb_domain_def_set_metadata (persistent, type, metadata, key, uri, error))
      return FALSE;
  }
  if (!vb_define_save_config (config, VB_OBJECT (dom), (gpointer *) &persistent, error))
    return FALSE;
  if (live) {
    vb_domain_set_live_def (dom, g_steal_pointer (&live));
    if (config->changed)
      config->changed (VB_OBJECT (dom), config->data);
  }
  vb_driver_emit_event (driver, dom, &(VbEvent) {
    .kind = VB_EVENT_DOMAIN_METADATA_CHANGE, .metadata_change = { type, uri } });
  return TRUE;
}
