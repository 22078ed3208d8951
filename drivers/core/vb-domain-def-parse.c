/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parsing a <domain> document: the top-level elements, <cputune>'s
 * normal form, and the defaults libvirt fills in after parsing. */
#include "vb-domain-def-private.h"

#include <string.h>

/* libvirt never takes more vCPUs than this; also bounds the bitmaps. */
#define MAX_VCPUS 16384

/* Bitmaps (cpusets, vcpu lists) ------------------------------------------ */

typedef struct {
  guint8 bits[MAX_VCPUS / 8];
} Bitmap;

static gboolean
bitmap_get (const Bitmap *b, guint i)
{
  return i < MAX_VCPUS && (b->bits[i / 8] & (1u << (i % 8))) != 0;
}

static void
bitmap_set (Bitmap *b, guint i, gboolean on)
{
  if (i >= MAX_VCPUS)
    return;
  if (on)
    b->bits[i / 8] |= (guint8) (1u << (i % 8));
  else
    b->bits[i / 8] &= (guint8) ~(1u << (i % 8));
}

static gboolean
bitmap_is_empty (const Bitmap *b)
{
  for (guint i = 0; i < sizeof b->bits; i++)
    if (b->bits[i])
      return FALSE;
  return TRUE;
}

static gboolean
bitmap_equal (const Bitmap *a, const Bitmap *b)
{
  return memcmp (a->bits, b->bits, sizeof a->bits) == 0;
}

static gboolean
bitmap_overlaps (const Bitmap *a, const Bitmap *b)
{
  for (guint i = 0; i < sizeof a->bits; i++)
    if (a->bits[i] & b->bits[i])
      return TRUE;
  return FALSE;
}

static gboolean
bitmap_subset (const Bitmap *sub, const Bitmap *super)
{
  for (guint i = 0; i < sizeof sub->bits; i++)
    if (sub->bits[i] & ~super->bits[i])
      return FALSE;
  return TRUE;
}

/* libvirt's cpuset syntax: "0-3,^2,8" */
static gboolean
bitmap_parse (const char *str, Bitmap *b, GError **error)
{
  g_auto(GStrv) parts = NULL;

  memset (b, 0, sizeof *b);
  if (str == NULL || *str == '\0')
    return INVALID (error, "empty CPU list");
  parts = g_strsplit (str, ",", -1);
  for (guint i = 0; parts[i]; i++) {
    g_autofree char *p = g_strstrip (g_strdup (parts[i]));
    gboolean negate = p[0] == '^';
    const char *s = negate ? p + 1 : p;
    const char *dash = strchr (s, '-');
    guint64 lo, hi;

    if (dash) {
      g_autofree char *first = g_strndup (s, (gsize) (dash - s));
      if (negate ||
          !g_ascii_string_to_unsigned (first, 10, 0, MAX_VCPUS - 1, &lo, NULL) ||
          !g_ascii_string_to_unsigned (dash + 1, 10, 0, MAX_VCPUS - 1, &hi, NULL) || hi < lo)
        return INVALID (error, "invalid CPU list '%s'", str);
    } else {
      if (!g_ascii_string_to_unsigned (s, 10, 0, MAX_VCPUS - 1, &lo, NULL))
        return INVALID (error, "invalid CPU list '%s'", str);
      hi = lo;
    }
    for (guint64 n = lo; n <= hi; n++)
      bitmap_set (b, (guint) n, !negate);
  }
  return TRUE;
}

static char *
bitmap_format (const Bitmap *b)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < MAX_VCPUS; i++) {
    guint j = i;

    if (!bitmap_get (b, i))
      continue;
    while (j + 1 < MAX_VCPUS && bitmap_get (b, j + 1))
      j++;
    if (out->len)
      g_string_append_c (out, ',');
    if (j > i)
      g_string_append_printf (out, "%u-%u", i, j);
    else
      g_string_append_printf (out, "%u", i);
    i = j;
  }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* <cputune> ------------------------------------------------------------------ */

typedef struct {
  Bitmap vcpus;
  gboolean whole;
} Tune;

static xmlNode *
new_child (xmlNode *parent, const char *name)
{
  return xmlNewChild (parent, NULL, (const xmlChar *) name, NULL);
}

static void
set_prop (xmlNode *node, const char *name, const char *value)
{
  if (value)
    xmlNewProp (node, (const xmlChar *) name, (const xmlChar *) value);
}

/* Reads the vcpus= of a resctrl group or monitor, dropping vCPUs the domain
 * does not have.  *@whole is set when the attribute is absent. */
static gboolean
tune_vcpus (xmlNode *node, guint nvcpus, Bitmap *out, gboolean *whole, GError **error)
{
  g_autofree char *v = prop (node, "vcpus");

  *whole = v == NULL;
  memset (out, 0, sizeof *out);
  if (v == NULL) {
    for (guint i = 0; i < nvcpus; i++)
      bitmap_set (out, i, TRUE);
    return TRUE;
  }
  if (!bitmap_parse (v, out, error)) {
    g_prefix_error (error, "<%s vcpus>: ", (const char *) node->name);
    return FALSE;
  }
  for (guint i = nvcpus; i < MAX_VCPUS; i++)
    bitmap_set (out, i, FALSE);
  return TRUE;
}

/* cachetune, memorytune, energytune: checks the rules libvirt enforces and
 * appends the canonical group to @out (or nothing when none of its vCPUs
 * exist). */
static gboolean
resctrl_group (xmlNode *group, guint nvcpus, GArray *seen, xmlNode *out, GError **error)
{
  const char *kind = (const char *) group->name;
  const char *item = strcmp (kind, "memorytune") == 0 ? "node" : "cache";
  Tune tune;
  xmlNode *copy;
  g_autoptr(GArray) monitors = g_array_new (FALSE, TRUE, sizeof (Tune));
  g_autoptr(GPtrArray) items = g_ptr_array_new ();

  if (!tune_vcpus (group, nvcpus, &tune.vcpus, &tune.whole, error))
    return FALSE;
  if (!tune.whole && bitmap_is_empty (&tune.vcpus))
    return TRUE;
  for (guint i = 0; i < seen->len; i++) {
    Tune *o = &g_array_index (seen, Tune, i);

    if (o->whole && tune.whole)
      return INVALID (error, "only one <%s> may cover the whole process", kind);
    if (!o->whole && !tune.whole && bitmap_overlaps (&o->vcpus, &tune.vcpus))
      return INVALID (error, "<%s> vcpus overlap with another <%s>", kind, kind);
  }
  g_array_append_val (seen, tune);

  for (xmlNode *c = vb_xml_child (group, item); c; c = vb_xml_next (c, item)) {
    g_autofree char *id = prop (c, "id");
    g_autofree char *level = prop (c, "level");
    g_autofree char *type = prop (c, "type");

    if (id == NULL)
      return INVALID (error, "<%s><%s> is missing its id", kind, item);
    for (guint i = 0; i < items->len; i++) {
      xmlNode *o = g_ptr_array_index (items, i);
      g_autofree char *oid = prop (o, "id");
      g_autofree char *olevel = prop (o, "level");
      g_autofree char *otype = prop (o, "type");

      if (g_strcmp0 (id, oid) != 0 || g_strcmp0 (level, olevel) != 0)
        continue;
      if (strcmp (item, "node") == 0 || g_strcmp0 (type, otype) == 0)
        return INVALID (error, "<%s> allocates %s id %s twice", kind, item, id);
      if (g_strcmp0 (type, "both") == 0 || g_strcmp0 (otype, "both") == 0)
        return INVALID (error, "<%s> cache id %s mixes type 'both' with '%s'", kind, id,
                        g_strcmp0 (type, "both") == 0 ? otype : type);
    }
    g_ptr_array_add (items, c);
  }

  copy = new_child (out, kind);
  if (!tune.whole) {
    g_autofree char *v = bitmap_format (&tune.vcpus);
    set_prop (copy, "vcpus", v);
  }
  for (guint i = 0; i < items->len; i++)
    xmlAddChild (copy, xmlDocCopyNode (g_ptr_array_index (items, i), out->doc, 1));
  for (xmlNode *m = vb_xml_child (group, "monitor"); m; m = vb_xml_next (m, "monitor")) {
    Tune mon;
    g_autofree char *level = prop (m, "level");
    xmlNode *nm;

    if (!tune_vcpus (m, nvcpus, &mon.vcpus, &mon.whole, error))
      return FALSE;
    if (!mon.whole && bitmap_is_empty (&mon.vcpus))
      return INVALID (error, "<%s><monitor> has no vCPU the domain has", kind);
    if (!mon.whole && !bitmap_subset (&mon.vcpus, &tune.vcpus))
      return INVALID (error, "<%s><monitor> vcpus must be a subset of the group's vcpus", kind);
    /* a monitor without vcpus watches its whole group */
    if (mon.whole && !tune.whole) {
      mon.whole = FALSE;
      mon.vcpus = tune.vcpus;
    }
    for (guint i = 0; i < monitors->len; i++) {
      Tune *o = &g_array_index (monitors, Tune, i);

      if (o->whole || mon.whole || bitmap_equal (&o->vcpus, &mon.vcpus))
        return INVALID (error, "<%s> has two monitors for the same vcpus", kind);
    }
    g_array_append_val (monitors, mon);
    nm = new_child (copy, "monitor");
    set_prop (nm, "level", level);
    if (!mon.whole) {
      g_autofree char *v = bitmap_format (&mon.vcpus);
      set_prop (nm, "vcpus", v);
    }
  }
  return TRUE;
}

/* One <vcpusched>/<iothreadsched> per id, in id order, as libvirt keeps
 * them. */
static gboolean
expand_sched (xmlNode *cputune, const char *name, const char *attr, xmlNode *out, GError **error)
{
  g_autoptr(GPtrArray) by_id = g_ptr_array_new ();

  for (xmlNode *s = vb_xml_child (cputune, name); s; s = vb_xml_next (s, name)) {
    g_autofree char *ids = prop (s, attr);
    g_autofree char *sched = prop (s, "scheduler");
    Bitmap b;

    if (!bitmap_parse (ids, &b, error)) {
      g_prefix_error (error, "<%s %s>: ", name, attr);
      return FALSE;
    }
    if (!str_in (sched, (const char *const[]) { "batch", "idle", "fifo", "rr", NULL }))
      return INVALID (error, "<%s> has an unknown scheduler '%s'", name, sched ? sched : "");
    for (guint i = 0; i < MAX_VCPUS; i++) {
      if (!bitmap_get (&b, i))
        continue;
      if (by_id->len <= i)
        g_ptr_array_set_size (by_id, (gint) i + 1);
      g_ptr_array_index (by_id, i) = s;
    }
  }
  for (guint i = 0; i < by_id->len; i++) {
    xmlNode *s = g_ptr_array_index (by_id, i);
    g_autofree char *sched = NULL;
    g_autofree char *prio = NULL;
    g_autofree char *id = NULL;
    xmlNode *n;

    if (s == NULL)
      continue;
    sched = prop (s, "scheduler");
    prio = prop (s, "priority");
    id = g_strdup_printf ("%u", i);
    n = new_child (out, name);
    set_prop (n, attr, id);
    set_prop (n, "scheduler", sched);
    set_prop (n, "priority", prio);
  }
  return TRUE;
}

static gboolean
cputune_normalize (VbDomainDef *def, xmlNode *cputune, GError **error)
{
  static const char *const simple[] = {
    "shares", "period", "quota", "global_period", "global_quota", "emulator_period",
    "emulator_quota", "iothread_period", "iothread_quota", "vcpupin", "emulatorpin",
    "iothreadpin", "emulatorsched", NULL,
  };
  g_autoptr(xmlDoc) doc = xmlNewDoc ((const xmlChar *) "1.0");
  xmlNode *out = xmlNewDocNode (doc, NULL, (const xmlChar *) "cputune", NULL);
  g_autoptr(GArray) cache = g_array_new (FALSE, TRUE, sizeof (Tune));
  g_autoptr(GArray) memory = g_array_new (FALSE, TRUE, sizeof (Tune));
  g_autoptr(GArray) energy = g_array_new (FALSE, TRUE, sizeof (Tune));

  xmlDocSetRootElement (doc, out);
  for (guint i = 0; simple[i]; i++)
    for (xmlNode *c = vb_xml_child (cputune, simple[i]); c; c = vb_xml_next (c, simple[i]))
      xmlAddChild (out, xmlDocCopyNode (c, doc, 1));
  if (!expand_sched (cputune, "vcpusched", "vcpus", out, error) ||
      !expand_sched (cputune, "iothreadsched", "iothreads", out, error))
    return FALSE;
  for (xmlNode *c = vb_xml_child (cputune, "cachetune"); c; c = vb_xml_next (c, "cachetune"))
    if (!resctrl_group (c, def->vcpus, cache, out, error))
      return FALSE;
  for (xmlNode *c = vb_xml_child (cputune, "memorytune"); c; c = vb_xml_next (c, "memorytune"))
    if (!resctrl_group (c, def->vcpus, memory, out, error))
      return FALSE;
  for (xmlNode *c = vb_xml_child (cputune, "energytune"); c; c = vb_xml_next (c, "energytune"))
    if (!resctrl_group (c, def->vcpus, energy, out, error))
      return FALSE;
  /* memory bandwidth is allocated within a cache group: a memorytune may
   * share a cachetune's exact vCPUs but must not straddle two of them */
  for (guint i = 0; i < memory->len; i++) {
    Tune *m = &g_array_index (memory, Tune, i);

    for (guint j = 0; j < cache->len; j++) {
      Tune *c = &g_array_index (cache, Tune, j);

      if (!m->whole && !c->whole && bitmap_overlaps (&m->vcpus, &c->vcpus) &&
          !bitmap_equal (&m->vcpus, &c->vcpus))
        return INVALID (error, "<memorytune> vcpus overlap a <cachetune> without matching it");
    }
  }
  if (out->children)
    vb_domain_def_add_opaque (def, "cputune", out);
  return TRUE;
}

/* Top-level parse -------------------------------------------------------------- */

static const char *const virt_types[] = {
  "none", "qemu", "kqemu", "kvm", "xen", "lxc", "uml", "openvz", "test", "vmware",
  "hyperv", "vbox", "phyp", "parallels", "bhyve", "vz", "ch", NULL,
};
static const char *const lifecycle_actions[] = {
  "destroy", "restart", "preserve", "rename-restart", "coredump-destroy",
  "coredump-restart", NULL,
};

static gboolean
parse_text_enum (xmlNode *node, const char *const *values, char **out, GError **error)
{
  g_autofree char *text = g_strstrip (vb_xml_text (node));

  if (!str_in (text, values))
    return INVALID (error, "invalid value '%s' for <%s>", text, (const char *) node->name);
  g_free (*out);
  *out = g_steal_pointer (&text);
  return TRUE;
}

static gboolean
parse_vcpu (VbDomainDef *def, xmlNode *node, GError **error)
{
  g_autofree char *text = g_strstrip (vb_xml_text (node));
  guint64 n, current = 0;
  gboolean has_current;

  if (!g_ascii_string_to_unsigned (text, 10, 1, MAX_VCPUS, &n, NULL))
    return INVALID (error, "invalid vCPU count '%s' in <vcpu>", text);
  def->vcpus = (guint) n;
  if (!vb_xml_prop_uint (node, "current", 10, MAX_VCPUS, &current, &has_current, error))
    return FALSE;
  if (has_current && (current == 0 || current > n))
    return INVALID (error, "<vcpu current='%" G_GUINT64_FORMAT "'> must be between 1 and the maximum of %u",
                    current, def->vcpus);
  def->current_vcpus = has_current ? (guint) current : def->vcpus;
  def->vcpu_placement = prop (node, "placement");
  def->vcpu_cpuset = prop (node, "cpuset");
  if (def->vcpu_placement && !str_in (def->vcpu_placement, (const char *const[]) { "static", "auto", NULL }))
    return INVALID (error, "invalid vcpu placement '%s'", def->vcpu_placement);
  if (def->vcpu_cpuset) {
    Bitmap b;
    if (!bitmap_parse (def->vcpu_cpuset, &b, error)) {
      g_prefix_error (error, "<vcpu cpuset>: ");
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
parse_cpu (VbDomainDef *def, xmlNode *node, GError **error)
{
  VbDomainCpuDef *cpu = def->cpu = g_new0 (VbDomainCpuDef, 1);

  cpu->mode = prop (node, "mode");
  cpu->match = prop (node, "match");
  cpu->check = prop (node, "check");
  cpu->migratable = prop (node, "migratable");
  if (cpu->mode && !str_in (cpu->mode, (const char *const[]) { "custom", "host-model", "host-passthrough", "maximum", NULL }))
    return INVALID (error, "invalid <cpu mode='%s'>", cpu->mode);
  if (cpu->match && !str_in (cpu->match, (const char *const[]) { "minimum", "exact", "strict", NULL }))
    return INVALID (error, "invalid <cpu match='%s'>", cpu->match);
  if (cpu->check && !str_in (cpu->check, (const char *const[]) { "none", "partial", "full", NULL }))
    return INVALID (error, "invalid <cpu check='%s'>", cpu->check);
  for (xmlNode *c = node->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE || c->ns != NULL ||
        vb_domain_def_later_repeat (c, (const char *const[]) { "topology", NULL }))
      continue;
    if (vb_xml_is_element (c, "model") && cpu->model == NULL) {
      cpu->model = g_strstrip (vb_xml_text (c));
      if (!vb_domain_def_node_is_simple (c, (const char *const[]) { NULL }))
        cpu->model_node = vb_xml_opaque_copy (c);
    } else if (vb_xml_is_element (c, "vendor") && cpu->vendor == NULL) {
      cpu->vendor = g_strstrip (vb_xml_text (c));
    } else if (vb_xml_is_element (c, "topology")) {
      guint64 v[5] = { 1, 1, 1, 1, 1 };
      const char *names[] = { "sockets", "dies", "clusters", "cores", "threads" };
      gboolean present[5];

      for (guint i = 0; i < 5; i++)
        if (!vb_xml_prop_uint (c, names[i], 10, MAX_VCPUS, &v[i], &present[i], error))
          return FALSE;
      if (!present[0] || !present[3] || !present[4])
        return INVALID (error, "<cpu><topology> needs sockets, cores and threads");
      for (guint i = 0; i < 5; i++)
        if (v[i] == 0)
          return INVALID (error, "<cpu><topology> %s must not be zero", names[i]);
      cpu->topology_set = TRUE;
      cpu->sockets = (guint) v[0];
      cpu->dies = present[1] ? (guint) v[1] : 0;
      cpu->clusters = present[2] ? (guint) v[2] : 0;
      cpu->cores = (guint) v[3];
      cpu->threads = (guint) v[4];
    } else {
      array_add_lazy (&cpu->children, opaque_free, vb_xml_opaque_copy (c));
    }
  }
  return TRUE;
}

static gboolean
parse_os (VbDomainDef *def, xmlNode *node, GError **error)
{
  def->os_firmware = prop (node, "firmware");
  for (xmlNode *c = node->children; c; c = c->next) {
    const char *name = (const char *) c->name;
    char **text_slot = NULL;

    if (c->type != XML_ELEMENT_NODE || c->ns != NULL ||
        vb_domain_def_later_repeat (c, (const char *const[]) { "type", "bootmenu", "kernel", "initrd", "cmdline",
                                                 "dtb", "init", NULL }))
      continue;
    if (strcmp (name, "type") == 0) {
      g_free (def->os_type);
      def->os_type = g_strstrip (vb_xml_text (c));
      def->os_arch = prop (c, "arch");
      def->os_machine = prop (c, "machine");
      continue;
    }
    if (strcmp (name, "boot") == 0) {
      g_autofree char *dev = prop (c, "dev");

      if (!str_in (dev, (const char *const[]) { "hd", "fd", "cdrom", "network", NULL }))
        return INVALID (error, "unknown boot device '%s'", dev ? dev : "");
      array_add_lazy (&def->os_boot_devs, g_free, g_steal_pointer (&dev));
      continue;
    }
    if (strcmp (name, "bootmenu") == 0) {
      def->os_bootmenu_enable = prop (c, "enable");
      def->os_bootmenu_timeout = prop (c, "timeout");
      continue;
    }
    if (strcmp (name, "kernel") == 0)
      text_slot = &def->os_kernel;
    else if (strcmp (name, "initrd") == 0)
      text_slot = &def->os_initrd;
    else if (strcmp (name, "cmdline") == 0)
      text_slot = &def->os_cmdline;
    else if (strcmp (name, "dtb") == 0)
      text_slot = &def->os_dtb;
    else if (strcmp (name, "init") == 0)
      text_slot = &def->os_init;
    if (text_slot) {
      g_free (*text_slot);
      *text_slot = vb_xml_text (c);
    } else {
      array_add_lazy (&def->os_other, opaque_free, vb_xml_opaque_copy (c));
    }
  }
  if (def->os_type == NULL || *def->os_type == '\0')
    return INVALID (error, "<os> is missing <type>");
  if (!str_in (def->os_type, (const char *const[]) { "hvm", "xen", "linux", "exe", "uml", "xenpvh", NULL }))
    return INVALID (error, "unknown <os><type> '%s'", def->os_type);
  return TRUE;
}

static gboolean
parse_devices (VbDomainDef *def, xmlNode *node, GError **error)
{
  for (xmlNode *c = node->children; c; c = c->next) {
    g_autoptr(VbDomainDevice) dev = NULL;

    if (c->type != XML_ELEMENT_NODE || c->ns != NULL)
      continue;
    if (vb_xml_is_element (c, "emulator")) {
      g_free (def->emulator);
      def->emulator = g_strstrip (vb_xml_text (c));
      continue;
    }
    if (vb_domain_device_kind_from_name ((const char *) c->name) < 0)
      continue; /* libvirt ignores what it does not know */
    if (vb_xml_is_element (c, "memballoon") && def->memballoon)
      continue;
    dev = vb_domain_device_parse_node (c, error);
    if (dev == NULL || !vb_domain_def_append_device (def, dev, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
parse_top (VbDomainDef *def, xmlNode *c, xmlNode **cputune, GError **error)
{
  const char *name = (const char *) c->name;

  if (strcmp (name, "name") == 0) {
    if (def->name)
      return TRUE;
    def->name = g_strstrip (vb_xml_text (c));
    return vb_name_validate (def->name, "domain name", error);
  }
  if (strcmp (name, "uuid") == 0) {
    g_autofree char *text = vb_xml_text (c);
    g_autoptr(GError) local = NULL;

    if (!vb_uuid_parse (text, &def->uuid, &local))
      return INVALID (error, "<uuid>: %s", local->message);
    return TRUE;
  }
  if (strcmp (name, "genid") == 0) {
    g_autofree char *text = g_strstrip (vb_xml_text (c));
    VbUuid u;
    g_autoptr(GError) local = NULL;

    if (*text == '\0')
      vb_uuid_generate (&u);
    else if (!vb_uuid_parse (text, &u, &local))
      return INVALID (error, "<genid>: %s", local->message);
    g_free (def->genid);
    def->genid = vb_uuid_to_string (&u);
    return TRUE;
  }
  if (strcmp (name, "title") == 0) {
    g_free (def->title);
    def->title = vb_xml_text (c);
    if (strchr (def->title, '\n'))
      return INVALID (error, "<title> must not contain a newline");
    return TRUE;
  }
  if (strcmp (name, "description") == 0) {
    g_free (def->description);
    def->description = vb_xml_text (c);
    return TRUE;
  }
  if (strcmp (name, "metadata") == 0) {
    for (xmlNode *m = c->children; m && def->metadata == NULL; m = m->next)
      if (m->type == XML_ELEMENT_NODE)
        def->metadata = vb_xml_opaque_copy (c);
    return TRUE;
  }
  if (strcmp (name, "maxMemory") == 0) {
    guint64 slots = 0;

    if (!vb_xml_memory_kib (c, &def->max_memory_kib, error) ||
        !vb_xml_prop_uint (c, "slots", 10, G_MAXUINT, &slots, NULL, error))
      return FALSE;
    def->max_memory_slots = (guint) slots;
    return TRUE;
  }
  if (strcmp (name, "memory") == 0) {
    def->memory_dump_core = prop (c, "dumpCore");
    return vb_xml_memory_kib (c, &def->memory_kib, error);
  }
  if (strcmp (name, "currentMemory") == 0)
    return vb_xml_memory_kib (c, &def->current_memory_kib, error);
  if (strcmp (name, "vcpu") == 0)
    return parse_vcpu (def, c, error);
  if (strcmp (name, "iothreads") == 0) {
    g_autofree char *text = g_strstrip (vb_xml_text (c));
    guint64 n;

    if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT, &n, NULL))
      return INVALID (error, "invalid <iothreads> count '%s'", text);
    def->iothreads = (guint) n;
    return TRUE;
  }
  if (strcmp (name, "cputune") == 0) {
    if (*cputune == NULL)
      *cputune = c;
    return TRUE;
  }
  if (strcmp (name, "cpu") == 0)
    return def->cpu ? TRUE : parse_cpu (def, c, error);
  if (strcmp (name, "os") == 0)
    return def->os_type ? TRUE : parse_os (def, c, error);
  if (strcmp (name, "features") == 0) {
    if (def->features)
      return TRUE;
    def->features = vb_xml_opaque_copy (c);
    def->feature_acpi = vb_xml_child (c, "acpi") != NULL;
    def->feature_apic = vb_xml_child (c, "apic") != NULL;
    def->feature_pae = vb_xml_child (c, "pae") != NULL;
    return TRUE;
  }
  if (strcmp (name, "clock") == 0) {
    if (def->clock_offset)
      return TRUE;
    def->clock_offset = prop (c, "offset");
    if (def->clock_offset == NULL)
      def->clock_offset = g_strdup ("utc");
    if (!str_in (def->clock_offset, (const char *const[]) { "utc", "localtime", "variable", "timezone", "absolute", NULL }))
      return INVALID (error, "unknown clock offset '%s'", def->clock_offset);
    if (!vb_domain_def_node_is_simple (c, (const char *const[]) { "offset", NULL }))
      def->clock = vb_xml_opaque_copy (c);
    return TRUE;
  }
  if (strcmp (name, "on_poweroff") == 0)
    return parse_text_enum (c, lifecycle_actions, &def->on_poweroff, error);
  if (strcmp (name, "on_reboot") == 0)
    return parse_text_enum (c, lifecycle_actions, &def->on_reboot, error);
  if (strcmp (name, "on_crash") == 0)
    return parse_text_enum (c, lifecycle_actions, &def->on_crash, error);
  if (strcmp (name, "on_lockfailure") == 0)
    return parse_text_enum (c, (const char *const[]) { "poweroff", "restart", "pause", "ignore", NULL },
                            &def->on_lockfailure, error);
  if (strcmp (name, "devices") == 0)
    return parse_devices (def, c, error);
  return TRUE;
}

/* Defaults libvirt fills in after parsing ----------------------------------- */

/* "sda" → 0, "sdz" → 25, "sdaa" → 26; -1 when @dev has no such suffix */
static int
disk_name_index (const char *dev, const char *prefix)
{
  const char *p = dev + strlen (prefix);
  int idx = 0;

  if (!g_str_has_prefix (dev, prefix) || *p == '\0')
    return -1;
  for (; *p; p++) {
    if (*p < 'a' || *p > 'z' || idx > 100000)
      return -1;
    idx = (idx + (p == dev + strlen (prefix) ? 0 : 1)) * 26 + (*p - 'a');
  }
  return idx;
}

static xmlNode *
make_drive_address (guint controller, guint bus, guint target, guint unit)
{
  xmlDoc *doc = xmlNewDoc ((const xmlChar *) "1.0");
  xmlNode *a = xmlNewDocNode (doc, NULL, (const xmlChar *) "address", NULL);
  char buf[4][16];

  xmlDocSetRootElement (doc, a);
  g_snprintf (buf[0], sizeof buf[0], "%u", controller);
  g_snprintf (buf[1], sizeof buf[1], "%u", bus);
  g_snprintf (buf[2], sizeof buf[2], "%u", target);
  g_snprintf (buf[3], sizeof buf[3], "%u", unit);
  set_prop (a, "type", "drive");
  set_prop (a, "controller", buf[0]);
  set_prop (a, "bus", buf[1]);
  set_prop (a, "target", buf[2]);
  set_prop (a, "unit", buf[3]);
  return a;
}

void
vb_domain_disk_assign_address (VbDomainDiskDef *d)
{
  const char *bus = d->target_bus;
  int idx = -1;

  if (d->info.address)
    return;
  if (g_strcmp0 (bus, "nvme") == 0) {
    unsigned ctrl, ns;
    char tail;

    if (sscanf (d->target_dev, "nvme%un%u%c", &ctrl, &ns, &tail) == 2 && ns >= 1 && ctrl < 1024)
      d->info.address = make_drive_address (ctrl, 0, 0, ns - 1);
    return;
  }
  if (g_strcmp0 (bus, "ide") == 0 && (idx = disk_name_index (d->target_dev, "hd")) >= 0)
    d->info.address = make_drive_address ((guint) idx / 4, ((guint) idx % 4) / 2, 0, (guint) idx % 2);
  else if (g_strcmp0 (bus, "fdc") == 0 && (idx = disk_name_index (d->target_dev, "fd")) >= 0)
    d->info.address = make_drive_address ((guint) idx / 2, 0, 0, (guint) idx % 2);
  else if (g_strcmp0 (bus, "scsi") == 0 && (idx = disk_name_index (d->target_dev, "sd")) >= 0)
    d->info.address = make_drive_address ((guint) idx / 7, 0, 0, (guint) idx % 7);
  else if (g_strcmp0 (bus, "sata") == 0 && (idx = disk_name_index (d->target_dev, "sd")) >= 0)
    d->info.address = make_drive_address ((guint) idx / 6, 0, 0, (guint) idx % 6);
}

static VbDomainControllerDef *
find_controller (VbDomainDef *def, const char *type, int index)
{
  for (guint i = 0; i < array_len (def->controllers); i++) {
    VbDomainControllerDef *c = g_ptr_array_index (def->controllers, i);

    if (g_strcmp0 (c->type, type) == 0 && c->index == index)
      return c;
  }
  return NULL;
}

/* libvirt keeps controllers of one type together, ordered by index */
static VbDomainControllerDef *
add_controller (VbDomainDef *def, const char *type, int index)
{
  VbDomainControllerDef *c = g_new0 (VbDomainControllerDef, 1);
  guint pos;

  c->type = g_strdup (type);
  c->index = index;
  /* inserted in the middle, so not through array_add_lazy () */
  if (def->controllers == NULL)
    def->controllers = g_ptr_array_new_with_free_func (vb_domain_device_free_func (VB_DOMAIN_DEVICE_CONTROLLER));
  pos = def->controllers->len;
  for (guint i = 0; i < def->controllers->len; i++) {
    VbDomainControllerDef *o = g_ptr_array_index (def->controllers, i);

    if (g_strcmp0 (o->type, type) == 0 && o->index < index)
      pos = i + 1;
  }
  g_ptr_array_insert (def->controllers, (gint) pos, c);
  return c;
}

static guint
prop_guint (xmlNode *node, const char *name)
{
  g_autofree char *v = prop (node, name);
  guint64 n = 0;

  if (v == NULL || !g_ascii_string_to_unsigned (v, 10, 0, 1024, &n, NULL))
    return 0;
  return (guint) n;
}

static gboolean
add_disk_controllers (VbDomainDef *def, GError **error)
{
  static const char *const buses[] = { "ide", "fdc", "scsi", "sata", "nvme", NULL };

  for (guint b = 0; buses[b]; b++) {
    int max = -1;

    for (guint i = 0; i < array_len (def->disks); i++) {
      VbDomainDiskDef *d = g_ptr_array_index (def->disks, i);

      if (g_strcmp0 (d->target_bus, buses[b]) == 0 && vb_domain_device_address_is (&d->info, "drive"))
        max = MAX (max, (int) prop_guint (d->info.address, "controller"));
    }
    for (int idx = 0; idx <= max; idx++) {
      VbDomainControllerDef *c = find_controller (def, buses[b], idx);
      gboolean added = c == NULL;

      if (added)
        c = add_controller (def, buses[b], idx);
      if (strcmp (buses[b], "nvme") != 0)
        continue;
      /* an NVMe controller's serial number is per controller: the disks on
       * it must agree with it and with each other */
      for (guint i = 0; i < array_len (def->disks); i++) {
        VbDomainDiskDef *d = g_ptr_array_index (def->disks, i);

        if (g_strcmp0 (d->target_bus, "nvme") != 0 || !vb_domain_device_address_is (&d->info, "drive") ||
            (int) prop_guint (d->info.address, "controller") != idx || d->serial == NULL)
          continue;
        if (c->serial == NULL && added)
          c->serial = g_strdup (d->serial);
        else if (g_strcmp0 (c->serial, d->serial) != 0)
          return INVALID (error, "NVMe disk '%s' has serial '%s' but its controller %d has '%s'",
                          d->target_dev, d->serial, idx, c->serial ? c->serial : "none");
      }
    }
  }
  return TRUE;
}

static void
assign_controller_indexes (VbDomainDef *def)
{
  for (guint i = 0; i < array_len (def->controllers); i++) {
    VbDomainControllerDef *c = g_ptr_array_index (def->controllers, i);
    int idx = 0;

    if (c->index >= 0)
      continue;
    while (find_controller (def, c->type, idx))
      idx++;
    c->index = idx;
  }
}

static void
assign_smartcard_addresses (VbDomainDef *def)
{
  GPtrArray *cards = vb_domain_def_get_devices (def, VB_DOMAIN_DEVICE_SMARTCARD);
  guint slot = 0;

  for (guint i = 0; i < array_len (cards); i++) {
    xmlNode *card = g_ptr_array_index (cards, i);
    xmlNode *addr;
    char buf[16];

    if (vb_xml_child (card, "address"))
      continue;
    addr = new_child (card, "address");
    set_prop (addr, "type", "ccid");
    set_prop (addr, "controller", "0");
    g_snprintf (buf, sizeof buf, "%u", slot++);
    set_prop (addr, "slot", buf);
  }
  if (array_len (cards) && !find_controller (def, "ccid", 0))
    add_controller (def, "ccid", 0);
}

static void
assign_chardev_ports (GPtrArray *chrs)
{
  for (guint i = 0; i < array_len (chrs); i++) {
    VbDomainChardevDef *c = g_ptr_array_index (chrs, i);
    int port = 0;
    gboolean taken = TRUE;

    if (c->target_port >= 0)
      continue;
    while (taken) {
      taken = FALSE;
      for (guint j = 0; j < chrs->len; j++)
        if (((VbDomainChardevDef *) g_ptr_array_index (chrs, j))->target_port == port)
          taken = TRUE;
      if (taken)
        port++;
    }
    c->target_port = port;
  }
}

static gboolean
has_device_boot (const VbDomainDef *def)
{
  for (guint i = 0; i < array_len (def->disks); i++)
    if (((VbDomainDiskDef *) g_ptr_array_index (def->disks, i))->info.boot_order)
      return TRUE;
  for (guint i = 0; i < array_len (def->interfaces); i++)
    if (((VbDomainInterfaceDef *) g_ptr_array_index (def->interfaces, i))->info.boot_order)
      return TRUE;
  return FALSE;
}

static gboolean
post_parse (VbDomainDef *def, guint parse_flags, GError **error)
{
  gboolean primary = FALSE;

  if (def->memory_kib == 0 && def->max_memory_kib == 0)
    return INVALID (error, "<memory> is missing or zero");
  if (def->current_memory_kib == 0 || def->current_memory_kib > def->memory_kib)
    def->current_memory_kib = def->memory_kib;
  if (def->max_memory_kib && def->memory_kib > def->max_memory_kib)
    return INVALID (error, "<memory> must not exceed <maxMemory>");
  if (def->vcpus == 0)
    def->vcpus = def->current_vcpus = 1;
  if (def->cpu && def->cpu->topology_set) {
    const VbDomainCpuDef *cpu = def->cpu;
    guint64 total = (guint64) cpu->sockets * MAX (cpu->dies, 1) *
                    MAX (cpu->clusters, 1) * cpu->cores * cpu->threads;

    if (total != def->vcpus)
      return INVALID (error, "<cpu><topology> gives %" G_GUINT64_FORMAT " vCPUs but <vcpu> is %u",
                      total, def->vcpus);
  }
  if (def->os_arch == NULL && g_strcmp0 (def->os_type, "hvm") == 0 &&
      !(parse_flags & VB_DOMAIN_PARSE_NO_DEFAULT_ARCH))
    def->os_arch = g_strdup ("x86_64");
  if (g_strcmp0 (def->os_type, "hvm") == 0 && array_len (def->os_boot_devs) == 0 &&
      def->os_kernel == NULL && !has_device_boot (def))
    array_add_lazy (&def->os_boot_devs, g_free, g_strdup ("hd"));
  if (array_len (def->os_boot_devs) && has_device_boot (def))
    return INVALID (error, "per-device <boot order> cannot be combined with <os><boot dev>");
  if (def->clock_offset == NULL)
    def->clock_offset = g_strdup ("utc");
  if (def->on_poweroff == NULL)
    def->on_poweroff = g_strdup ("destroy");
  if (def->on_reboot == NULL)
    def->on_reboot = g_strdup ("restart");
  if (def->on_crash == NULL)
    def->on_crash = g_strdup ("destroy");

  for (guint i = 0; i < array_len (def->disks); i++)
    vb_domain_disk_assign_address (g_ptr_array_index (def->disks, i));
  assign_controller_indexes (def);
  if (!add_disk_controllers (def, error))
    return FALSE;
  assign_smartcard_addresses (def);
  assign_chardev_ports (def->serials);
  assign_chardev_ports (def->parallels);
  for (guint i = 0; i < array_len (def->consoles); i++) {
    VbDomainChardevDef *c = g_ptr_array_index (def->consoles, i);
    if (c->target_port < 0)
      c->target_port = 0;
  }
  for (guint i = 0; i < array_len (def->videos); i++)
    primary = primary || ((VbDomainVideoDef *) g_ptr_array_index (def->videos, i))->primary;
  if (!primary && array_len (def->videos))
    ((VbDomainVideoDef *) g_ptr_array_index (def->videos, 0))->primary = TRUE;
  return TRUE;
}

/* A definition forgets the port autoport chose (it is no configuration);
 * the live XML of a running domain keeps it, so that a daemon re-reading
 * it still shows where the display listens.  Graphics are in document
 * order in def->graphics. */
static void
graphics_keep_live_ports (VbDomainDef *def, xmlNode *root)
{
  guint k = 0;

  for (xmlNode *devices = root->children; devices; devices = devices->next) {
    if (devices->type != XML_ELEMENT_NODE || devices->ns || !vb_xml_is_element (devices, "devices"))
      continue;
    for (xmlNode *c = devices->children; c && def->graphics && k < def->graphics->len; c = c->next) {
      VbDomainGraphicsDef *g;
      gint64 port = 0, tls_port = 0;

      if (c->type != XML_ELEMENT_NODE || c->ns || !vb_xml_is_element (c, "graphics"))
        continue;
      g = g_ptr_array_index (def->graphics, k++);
      if (!g->autoport)
        continue;
      if (vb_xml_prop_int (c, "port", 0, 65535, &port, NULL, NULL) && port > 0)
        g->port = (int) port;
      if (vb_xml_prop_int (c, "tlsPort", 0, 65535, &tls_port, NULL, NULL) && tls_port > 0)
        g->tls_port = (int) tls_port;
    }
  }
}

VbDomainDef *
vb_domain_def_parse (const char *xml, guint parse_flags, GError **error)
{
  g_autoptr(xmlDoc) doc = vb_xml_parse (xml, "domain", error);
  g_autoptr(VbDomainDef) def = NULL;
  xmlNode *root;
  xmlNode *cputune = NULL;
  gint64 id = -1;

  if (doc == NULL)
    return NULL;
  root = xmlDocGetRootElement (doc);
  def = vb_domain_def_new ();
  def->virt_type = prop (root, "type");
  if (def->virt_type == NULL)
    return INVALID (error, "<domain> is missing its type attribute"), NULL;
  if (!str_in (def->virt_type, virt_types))
    return INVALID (error, "unknown domain type '%s'", def->virt_type), NULL;
  if (!vb_xml_prop_int (root, "id", -1, G_MAXINT, &id, NULL, error))
    return NULL;
  def->id = (int) id;
  for (xmlNs *ns = root->nsDef; ns; ns = ns->next) {
    if (ns->prefix == NULL)
      continue;
    if (def->namespaces == NULL)
      def->namespaces = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
    g_hash_table_replace (def->namespaces, g_strdup ((const char *) ns->prefix),
                          g_strdup ((const char *) ns->href));
  }

  for (xmlNode *c = root->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE)
      continue;
    if (c->ns != NULL) {
      /* hypervisor-specific extensions (qemu:commandline, …) */
      if (c->ns->prefix && def->namespaces && g_hash_table_contains (def->namespaces, c->ns->prefix))
        vb_domain_def_add_opaque (def, "", c);
      continue;
    }
    if (str_in ((const char *) c->name, vb_domain_def_typed_top)) {
      if (vb_domain_def_later_repeat (c, vb_domain_def_typed_top) && strcmp ((const char *) c->name, "devices") != 0)
        continue;
      if (!parse_top (def, c, &cputune, error))
        return NULL;
    } else if (str_in ((const char *) c->name, vb_domain_def_order)) {
      vb_domain_def_add_opaque (def, (const char *) c->name, c);
    }
  }
  if (def->name == NULL)
    return INVALID (error, "<domain> is missing <name>"), NULL;
  if (def->os_type == NULL)
    return INVALID (error, "<domain> is missing <os>"), NULL;
  if (vb_uuid_is_null (&def->uuid))
    vb_uuid_generate (&def->uuid);
  if (!post_parse (def, parse_flags, error))
    return NULL;
  if (cputune && !cputune_normalize (def, cputune, error))
    return NULL;
  if (parse_flags & VB_DOMAIN_PARSE_LIVE)
    graphics_keep_live_ports (def, root);
  return g_steal_pointer (&def);
}

