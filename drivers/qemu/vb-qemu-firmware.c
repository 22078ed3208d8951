/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-qemu-firmware.h"

#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "vb-error.h"

static void
target_free (VbQemuFirmwareTarget *t)
{
  g_free (t->architecture);
  g_strfreev (t->machines);
  g_free (t);
}

void
vb_qemu_firmware_free (VbQemuFirmware *fw)
{
  if (fw == NULL)
    return;
  g_free (fw->name);
  g_free (fw->description);
  g_strfreev (fw->interface_types);
  g_free (fw->device);
  g_free (fw->mode);
  g_free (fw->executable);
  g_free (fw->executable_format);
  g_free (fw->nvram_template);
  g_free (fw->nvram_template_format);
  g_clear_pointer (&fw->targets, g_ptr_array_unref);
  g_strfreev (fw->features);
  g_free (fw);
}

static const char *
string_member (JsonObject *obj, const char *name)
{
  JsonNode *n = obj ? json_object_get_member (obj, name) : NULL;

  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
           ? json_node_get_string (n) : NULL;
}

static JsonObject *
object_member (JsonObject *obj, const char *name)
{
  JsonNode *n = obj ? json_object_get_member (obj, name) : NULL;

  return n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

static JsonArray *
array_member (JsonObject *obj, const char *name)
{
  JsonNode *n = obj ? json_object_get_member (obj, name) : NULL;

  return n && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

/* A list of strings; NULL when the member is not one. */
static GStrv
strings_member (JsonObject *obj, const char *name)
{
  JsonArray *arr = array_member (obj, name);
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();

  if (arr == NULL)
    return NULL;
  for (guint i = 0; i < json_array_get_length (arr); i++) {
    JsonNode *n = json_array_get_element (arr, i);

    if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
      return NULL;
    g_strv_builder_add (b, json_node_get_string (n));
  }
  return g_strv_builder_end (b);
}

static gboolean
invalid (GError **error, const char *path, const char *what)
{
  g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "firmware descriptor %s: %s", path, what);
  return FALSE;
}

static gboolean
parse_mapping (VbQemuFirmware *fw, JsonObject *mapping, const char *path, GError **error)
{
  JsonObject *exe, *nvram;

  fw->device = g_strdup (string_member (mapping, "device"));
  if (fw->device == NULL)
    return invalid (error, path, "mapping has no device");
  if (g_str_equal (fw->device, "flash")) {
    fw->mode = g_strdup (string_member (mapping, "mode") ? string_member (mapping, "mode") : "split");
    exe = object_member (mapping, "executable");
    nvram = object_member (mapping, "nvram-template");
    if (string_member (exe, "filename") == NULL)
      return invalid (error, path, "flash mapping has no executable");
    fw->executable = g_strdup (string_member (exe, "filename"));
    fw->executable_format = g_strdup (string_member (exe, "format") ? string_member (exe, "format") : "raw");
    if (g_str_equal (fw->mode, "split") && string_member (nvram, "filename") == NULL)
      return invalid (error, path, "split flash mapping has no nvram-template");
    fw->nvram_template = g_strdup (string_member (nvram, "filename"));
    fw->nvram_template_format = g_strdup (string_member (nvram, "format") ? string_member (nvram, "format") : "raw");
  } else if (g_str_equal (fw->device, "memory")) {
    fw->executable = g_strdup (string_member (mapping, "filename"));
    fw->executable_format = g_strdup ("raw");
    if (fw->executable == NULL)
      return invalid (error, path, "memory mapping has no filename");
  }
  return TRUE;
}

VbQemuFirmware *
vb_qemu_firmware_parse (const char *path, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(VbQemuFirmware) fw = g_new0 (VbQemuFirmware, 1);
  JsonNode *root;
  JsonObject *obj, *mapping;
  JsonArray *targets;

  if (!json_parser_load_from_file (parser, path, error)) {
    g_prefix_error (error, "firmware descriptor %s: ", path);
    return NULL;
  }
  root = json_parser_get_root (parser);
  obj = root && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  if (obj == NULL) {
    invalid (error, path, "not a JSON object");
    return NULL;
  }
  fw->name = g_path_get_basename (path);
  fw->description = g_strdup (string_member (obj, "description"));
  fw->interface_types = strings_member (obj, "interface-types");
  fw->features = strings_member (obj, "features");
  if (fw->features == NULL)
    fw->features = g_new0 (char *, 1);
  mapping = object_member (obj, "mapping");
  targets = array_member (obj, "targets");
  if (fw->interface_types == NULL || mapping == NULL || targets == NULL) {
    invalid (error, path, "interface-types, mapping and targets are required");
    return NULL;
  }
  if (!parse_mapping (fw, mapping, path, error))
    return NULL;
  fw->targets = g_ptr_array_new_with_free_func ((GDestroyNotify) target_free);
  for (guint i = 0; i < json_array_get_length (targets); i++) {
    JsonNode *n = json_array_get_element (targets, i);
    JsonObject *t = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
    VbQemuFirmwareTarget *target;

    if (string_member (t, "architecture") == NULL) {
      invalid (error, path, "a target has no architecture");
      return NULL;
    }
    target = g_new0 (VbQemuFirmwareTarget, 1);
    target->architecture = g_strdup (string_member (t, "architecture"));
    target->machines = strings_member (t, "machines");
    if (target->machines == NULL)
      target->machines = g_new0 (char *, 1);
    g_ptr_array_add (fw->targets, target);
  }
  return g_steal_pointer (&fw);
}

static void
collect_dir (GHashTable *by_name, const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *entry;

  while (d && (entry = g_dir_read_name (d)) != NULL) {
    g_autofree char *path = NULL;

    if (!g_str_has_suffix (entry, ".json"))
      continue;
    path = g_build_filename (dir, entry, NULL);
    g_hash_table_replace (by_name, g_strdup (entry), g_steal_pointer (&path));
  }
}

static int
compare_names (gconstpointer a, gconstpointer b, gpointer unused)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

GPtrArray *
vb_qemu_firmware_load (const char *const *dirs, gboolean user)
{
  g_autoptr(GHashTable) by_name = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GPtrArray) standard = g_ptr_array_new_with_free_func (g_free);
  g_autofree char **names = NULL;
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_qemu_firmware_free);
  guint n = 0;

  if (dirs == NULL) {
    g_ptr_array_add (standard, g_strdup ("/usr/share/qemu/firmware"));
    g_ptr_array_add (standard, g_strdup ("/etc/qemu/firmware"));
    if (user)
      g_ptr_array_add (standard, g_build_filename (g_get_user_config_dir (), "qemu", "firmware", NULL));
    g_ptr_array_add (standard, NULL);
    dirs = (const char *const *) standard->pdata;
  }
  for (guint i = 0; dirs[i]; i++)
    collect_dir (by_name, dirs[i]);
  names = (char **) g_hash_table_get_keys_as_array (by_name, &n);
  g_qsort_with_data (names, n, sizeof (char *), compare_names, NULL);
  for (guint i = 0; i < n; i++) {
    const char *path = g_hash_table_lookup (by_name, names[i]);
    g_autoptr(GError) error = NULL;
    VbQemuFirmware *fw;
    GStatBuf st;

    /* an empty file masks a descriptor of the same name */
    if (g_stat (path, &st) == 0 && st.st_size == 0)
      continue;
    fw = vb_qemu_firmware_parse (path, &error);
    if (fw)
      g_ptr_array_add (out, fw);
    else
      g_message ("%s", error->message);
  }
  return out;
}

gboolean
vb_qemu_firmware_has_feature (const VbQemuFirmware *fw, const char *feature)
{
  return g_strv_contains ((const char *const *) fw->features, feature);
}

gboolean
vb_qemu_firmware_matches_machine (const VbQemuFirmware *fw, const char *arch, const char *machine)
{
  for (guint i = 0; i < fw->targets->len; i++) {
    const VbQemuFirmwareTarget *t = g_ptr_array_index (fw->targets, i);

    if (g_strcmp0 (t->architecture, arch) != 0)
      continue;
    for (guint m = 0; t->machines[m]; m++)
      if (machine && g_pattern_match_simple (t->machines[m], machine))
        return TRUE;
  }
  return FALSE;
}

static gboolean
usable_mapping (const VbQemuFirmware *fw)
{
  if (g_str_equal (fw->device, "memory"))
    return TRUE;
  return g_str_equal (fw->device, "flash") && g_strcmp0 (fw->mode, "split") == 0 &&
         g_strcmp0 (fw->executable_format, "raw") == 0 && g_strcmp0 (fw->nvram_template_format, "raw") == 0;
}

const VbQemuFirmware *
vb_qemu_firmware_select (GPtrArray *firmwares, const char *interface, const char *arch, const char *machine,
                         const char *const *required, const char *const *forbidden)
{
  static const char *const only_on_request[] = { "secure-boot", "enrolled-keys", NULL };

  for (guint i = 0; firmwares && i < firmwares->len; i++) {
    const VbQemuFirmware *fw = g_ptr_array_index (firmwares, i);
    gboolean ok = g_strv_contains ((const char *const *) fw->interface_types, interface) &&
                  usable_mapping (fw) && vb_qemu_firmware_matches_machine (fw, arch, machine);

    for (guint f = 0; ok && required && required[f]; f++)
      ok = vb_qemu_firmware_has_feature (fw, required[f]);
    for (guint f = 0; ok && forbidden && forbidden[f]; f++)
      ok = !vb_qemu_firmware_has_feature (fw, forbidden[f]);
    for (guint f = 0; ok && only_on_request[f]; f++)
      ok = !vb_qemu_firmware_has_feature (fw, only_on_request[f]) ||
           (required && g_strv_contains (required, only_on_request[f]));
    if (ok)
      return fw;
  }
  return NULL;
}

/* Domain definitions -------------------------------------------------------- */

static xmlNode *
os_element (const VbDomainDef *def, const char *name)
{
  for (guint i = 0; def->os_other && i < def->os_other->len; i++) {
    xmlNode *n = g_ptr_array_index (def->os_other, i);

    if (vb_xml_is_element (n, name))
      return n;
  }
  return NULL;
}

xmlNode *
vb_qemu_firmware_loader (const VbDomainDef *def)
{
  return os_element (def, "loader");
}

xmlNode *
vb_qemu_firmware_nvram (const VbDomainDef *def)
{
  return os_element (def, "nvram");
}

/* Puts @node (a temporary, consumed) in place of <os><name>. */
static void
replace_os_element (VbDomainDef *def, xmlNode *node)
{
  xmlNode *old = os_element (def, (const char *) node->name);

  if (def->os_other == NULL)
    def->os_other = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_xml_opaque_free);
  if (old)
    g_ptr_array_remove (def->os_other, old);
  g_ptr_array_add (def->os_other, vb_xml_opaque_copy (node));
  xmlFreeNode (node);
}

static void
requested_features (const VbDomainDef *def, GStrvBuilder *required, GStrvBuilder *forbidden)
{
  xmlNode *firmware = os_element (def, "firmware");

  for (xmlNode *c = firmware ? firmware->children : NULL; c; c = c->next) {
    g_autofree char *enabled = NULL;
    g_autofree char *name = NULL;

    if (!vb_xml_is_element (c, "feature"))
      continue;
    enabled = vb_xml_prop (c, "enabled");
    name = vb_xml_prop (c, "name");
    if (name)
      g_strv_builder_add (g_strcmp0 (enabled, "yes") == 0 ? required : forbidden, name);
  }
}

static const VbQemuFirmware *
firmware_of_loader (GPtrArray *firmwares, const char *path)
{
  for (guint i = 0; firmwares && i < firmwares->len; i++) {
    const VbQemuFirmware *fw = g_ptr_array_index (firmwares, i);

    if (g_strcmp0 (fw->executable, path) == 0 && fw->nvram_template)
      return fw;
  }
  return NULL;
}

gboolean
vb_qemu_firmware_fill_domain (VbDomainDef *def, GPtrArray *firmwares, const char *machine,
                              const char *nvram_dir, GError **error)
{
  xmlNode *loader = vb_qemu_firmware_loader (def);
  xmlNode *nvram = vb_qemu_firmware_nvram (def);
  g_autofree char *loader_path = loader ? g_strstrip (vb_xml_text (loader)) : NULL;
  g_autofree char *loader_type = loader ? vb_xml_prop (loader, "type") : NULL;
  g_autofree char *loader_readonly = loader ? vb_xml_prop (loader, "readonly") : NULL;
  g_autofree char *nvram_path = nvram ? g_strstrip (vb_xml_text (nvram)) : NULL;
  g_autofree char *nvram_template = nvram ? vb_xml_prop (nvram, "template") : NULL;
  const VbQemuFirmware *fw = NULL;
  xmlNode *node;

  if (def->os_firmware && !g_str_equal (def->os_firmware, "efi") && !g_str_equal (def->os_firmware, "bios")) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "unknown firmware '%s' in <os firmware=…>",
                 def->os_firmware);
    return FALSE;
  }
  if (g_strcmp0 (def->os_firmware, "efi") == 0 && (loader_path == NULL || *loader_path == '\0')) {
    g_autoptr(GStrvBuilder) required = g_strv_builder_new ();
    g_autoptr(GStrvBuilder) forbidden = g_strv_builder_new ();
    g_auto(GStrv) req = NULL;
    g_auto(GStrv) forb = NULL;

    requested_features (def, required, forbidden);
    req = g_strv_builder_end (required);
    forb = g_strv_builder_end (forbidden);
    fw = vb_qemu_firmware_select (firmwares, "uefi", def->os_arch ? def->os_arch : "x86_64", machine,
                                  (const char *const *) req, (const char *const *) forb);
    if (fw == NULL) {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "unable to find any firmware to satisfy 'efi' for machine type %s "
                   "(install a UEFI firmware with its descriptor, e.g. Debian's ovmf)",
                   machine ? machine : "(default)");
      return FALSE;
    }
    node = xmlNewNode (NULL, BAD_CAST "loader");
    xmlNewProp (node, BAD_CAST "readonly", BAD_CAST "yes");
    if (vb_qemu_firmware_has_feature (fw, "requires-smm"))
      xmlNewProp (node, BAD_CAST "secure", BAD_CAST "yes");
    xmlNewProp (node, BAD_CAST "type", BAD_CAST (g_str_equal (fw->device, "flash") ? "pflash" : "rom"));
    xmlNodeSetContent (node, BAD_CAST fw->executable);
    replace_os_element (def, node);
    g_free (loader_path);
    loader_path = g_strdup (fw->executable);
    g_free (loader_type);
    loader_type = g_strdup (g_str_equal (fw->device, "flash") ? "pflash" : "rom");
    g_free (loader_readonly);
    loader_readonly = g_strdup ("yes");
  }
  if (g_strcmp0 (loader_type, "pflash") != 0 || g_strcmp0 (loader_readonly, "yes") != 0 ||
      (nvram_path && *nvram_path && nvram_template))
    return TRUE;

  if (fw == NULL)
    fw = firmware_of_loader (firmwares, loader_path);
  node = nvram ? xmlCopyNode (nvram, 1) : xmlNewNode (NULL, BAD_CAST "nvram");
  if (nvram_template == NULL && fw && fw->nvram_template)
    xmlSetProp (node, BAD_CAST "template", BAD_CAST fw->nvram_template);
  if (nvram_path == NULL || *nvram_path == '\0') {
    /* the parser refuses '/' in names: the file stays in @nvram_dir */
    g_autofree char *file = g_strdup_printf ("%s_VARS.fd", def->name);
    g_autofree char *path = g_build_filename (nvram_dir, file, NULL);

    xmlNodeSetContent (node, BAD_CAST path);
  }
  replace_os_element (def, node);
  return TRUE;
}
