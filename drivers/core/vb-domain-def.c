/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-domain-def.h"

#include <libxml/parser.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vb-error.h"

#define INVALID vb_error_invalid_config

/* libvirt never takes more vCPUs than this; also bounds the bitmaps. */
#define MAX_VCPUS 16384

static const char *const device_names[VB_DOMAIN_DEVICE_LAST] = {
  "disk", "controller", "lease", "filesystem", "interface", "smartcard",
  "serial", "parallel", "console", "channel", "input", "tpm", "graphics",
  "sound", "audio", "video", "hostdev", "redirdev", "redirfilter", "hub",
  "watchdog", "memballoon", "rng", "nvram", "panic", "shmem", "memory",
  "iommu", "vsock", "crypto", "pstore",
};

const char *
vb_domain_device_kind_to_string (VbDomainDeviceKind kind)
{
  return kind < VB_DOMAIN_DEVICE_LAST ? device_names[kind] : NULL;
}

static int
device_kind_from_name (const char *name)
{
  for (int i = 0; i < VB_DOMAIN_DEVICE_LAST; i++)
    if (g_strcmp0 (device_names[i], name) == 0)
      return i;
  return -1;
}

/* Children of <domain> in the order libvirt writes them.  Entries marked
 * typed are handled by the model; the others are kept opaquely and written
 * back at this position.  Unknown names are dropped, as libvirt does. */
static const char *const domain_order[] = {
  "name", "uuid", "genid", "title", "description", "metadata", "maxMemory",
  "memory", "currentMemory", "blkiotune", "memtune", "memoryBacking", "vcpu",
  "vcpus", "iothreads", "iothreadids", "defaultiothread", "cputune",
  "numatune", "resource", "iommufd", "sysinfo", "bootloader", "bootloader_args",
  "os", "idmap", "features", "cpu", "clock", "on_poweroff", "on_reboot",
  "on_crash", "on_lockfailure", "pm", "perf", "devices", "seclabel",
  "keywrap", "launchSecurity", "throttlegroups", NULL,
};

static const char *const typed_top[] = {
  "name", "uuid", "genid", "title", "description", "metadata", "maxMemory",
  "memory", "currentMemory", "vcpu", "iothreads", "cpu", "os", "features",
  "clock", "on_poweroff", "on_reboot", "on_crash", "on_lockfailure", "devices",
  "cputune", NULL,
};

static gboolean
str_in (const char *s, const char *const *table)
{
  for (guint i = 0; table[i]; i++)
    if (g_strcmp0 (s, table[i]) == 0)
      return TRUE;
  return FALSE;
}

static char *
prop (xmlNode *node, const char *name)
{
  return vb_xml_prop (node, name);
}

/* TRUE when @node has no element children and only attributes from @attrs:
 * then the typed fields say everything and the node need not be kept. */
static gboolean
node_is_simple (xmlNode *node, const char *const *attrs)
{
  for (xmlNode *c = node->children; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE)
      return FALSE;
  for (xmlAttr *a = node->properties; a; a = a->next)
    if (a->ns != NULL || !str_in ((const char *) a->name, attrs))
      return FALSE;
  return TRUE;
}

/* libvirt reads the first of a repeated element and ignores the rest; so do
 * the typed readers (a repeat would otherwise replace a value). */
static gboolean
later_repeat (xmlNode *node, const char *const *typed)
{
  if (node->ns != NULL || !str_in ((const char *) node->name, typed))
    return FALSE;
  for (xmlNode *p = node->prev; p; p = p->prev)
    if (p->type == XML_ELEMENT_NODE && p->ns == NULL && xmlStrEqual (p->name, node->name))
      return TRUE;
  return FALSE;
}

static void
opaque_free (gpointer node)
{
  vb_xml_opaque_free (node);
}

static GPtrArray *
opaque_array_new (void)
{
  return g_ptr_array_new_with_free_func (opaque_free);
}

/* Arrays are created with their first element, not up front: most of
 * them stay empty and virtbusd holds thousands of definitions. */
static void
array_add_lazy (GPtrArray **arr, GDestroyNotify free_func, gpointer item)
{
  if (*arr == NULL)
    *arr = g_ptr_array_new_with_free_func (free_func);
  g_ptr_array_add (*arr, item);
}

static guint
array_len (const GPtrArray *arr)
{
  return arr ? arr->len : 0;
}

static void
write_opaque_array (VbXmlWriter *w, GPtrArray *arr)
{
  for (guint i = 0; arr && i < arr->len; i++)
    vb_xml_write_node (w, g_ptr_array_index (arr, i));
}

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

/* Device info ------------------------------------------------------------ */

static void
device_info_clear (VbDomainDeviceInfo *info)
{
  g_clear_pointer (&info->boot, vb_xml_opaque_free);
  g_clear_pointer (&info->alias, vb_xml_opaque_free);
  g_clear_pointer (&info->address, vb_xml_opaque_free);
  g_clear_pointer (&info->extra, g_ptr_array_unref);
}

/* Takes <boot>, <alias>, <address> from @child if it is one: 1 when taken,
 * 0 when @child is something else, -1 on error. */
static int
device_info_take (VbDomainDeviceInfo *info, xmlNode *child, GError **error)
{
  if (vb_xml_is_element (child, "boot")) {
    guint64 order = 0;
    gboolean present;

    if (!vb_xml_prop_uint (child, "order", 10, G_MAXINT, &order, &present, error))
      return -1;
    if (!present || order == 0) {
      INVALID (error, "<boot> needs an order attribute of at least 1");
      return -1;
    }
    info->boot_order = (guint) order;
    g_clear_pointer (&info->boot, vb_xml_opaque_free);
    info->boot = vb_xml_opaque_copy (child);
    return 1;
  }
  if (vb_xml_is_element (child, "alias")) {
    g_clear_pointer (&info->alias, vb_xml_opaque_free);
    info->alias = vb_xml_opaque_copy (child);
    return 1;
  }
  if (vb_xml_is_element (child, "address")) {
    g_clear_pointer (&info->address, vb_xml_opaque_free);
    info->address = vb_xml_opaque_copy (child);
    return 1;
  }
  return 0;
}

static void
device_info_keep (VbDomainDeviceInfo *info, xmlNode *child)
{
  if (info->extra == NULL)
    info->extra = opaque_array_new ();
  g_ptr_array_add (info->extra, vb_xml_opaque_copy (child));
}

static void
device_info_format (VbXmlWriter *w, const VbDomainDeviceInfo *info)
{
  write_opaque_array (w, info->extra);
  if (info->boot)
    vb_xml_write_node (w, info->boot);
  else if (info->boot_order) {
    vb_xml_start (w, "boot");
    vb_xml_attr_uint (w, "order", info->boot_order);
    vb_xml_end_empty (w);
  }
  if (info->alias)
    vb_xml_write_node (w, info->alias);
  if (info->address)
    vb_xml_write_node (w, info->address);
}

static gboolean
address_is (const VbDomainDeviceInfo *info, const char *type)
{
  g_autofree char *t = info->address ? prop (info->address, "type") : NULL;

  return g_strcmp0 (t, type) == 0;
}

/* Character devices -------------------------------------------------------- */

static void
chardev_source_clear (VbDomainChardevSource *s)
{
  g_clear_pointer (&s->type, g_free);
  g_clear_pointer (&s->path, g_free);
  g_clear_pointer (&s->mode, g_free);
  g_clear_pointer (&s->append, g_free);
  g_clear_pointer (&s->host, g_free);
  g_clear_pointer (&s->service, g_free);
  g_clear_pointer (&s->bind_host, g_free);
  g_clear_pointer (&s->bind_service, g_free);
  g_clear_pointer (&s->tls, g_free);
  g_clear_pointer (&s->protocol, g_free);
  g_clear_pointer (&s->channel, g_free);
  g_clear_pointer (&s->log_file, g_free);
  g_clear_pointer (&s->log_append, g_free);
  g_clear_pointer (&s->source_extra, g_ptr_array_unref);
}

static const char *const chardev_types[] = {
  "null", "vc", "pty", "dev", "file", "pipe", "stdio", "udp", "tcp", "unix",
  "spicevmc", "spiceport", "nmdm", "qemu-vdagent", "dbus", NULL,
};

static gboolean
chardev_reconnect_parse (VbDomainChardevSource *s, xmlNode *source, GError **error)
{
  xmlNode *rc = vb_xml_child (source, "reconnect");
  guint64 timeout = 0;
  gboolean has_timeout;

  if (rc == NULL)
    return TRUE;
  if (!vb_xml_prop_yesno (rc, "enabled", &s->reconnect, error) ||
      !vb_xml_prop_uint (rc, "timeout", 10, G_MAXUINT, &timeout, &has_timeout, error))
    return FALSE;
  if (s->reconnect == VB_TRISTATE_ABSENT)
    return INVALID (error, "<reconnect> needs the 'enabled' attribute");
  if (s->reconnect == VB_TRISTATE_YES && !has_timeout)
    return INVALID (error, "<reconnect enabled='yes'> needs a 'timeout' attribute");
  if (s->reconnect == VB_TRISTATE_NO && has_timeout)
    return INVALID (error, "<reconnect enabled='no'> takes no 'timeout'");
  s->reconnect_timeout = (guint) timeout;
  return TRUE;
}

/* Reads the <source> elements of a character device (@dev is the device
 * element, or <backend> for rng) of the given @type.  A unix socket may
 * omit its path only where the hypervisor picks one (@path_optional). */
static gboolean
chardev_source_parse (VbDomainChardevSource *s, xmlNode *dev, const char *type,
                      gboolean path_optional, GError **error)
{
  guint n_sources = 0;
  gboolean have_bind = FALSE, have_connect = FALSE;
  xmlNode *log = vb_xml_child (dev, "log");
  xmlNode *protocol = vb_xml_child (dev, "protocol");

  s->type = g_strdup (type ? type : "pty");
  if (!str_in (s->type, chardev_types))
    return INVALID (error, "unknown character device type '%s'", s->type);

  for (xmlNode *src = vb_xml_child (dev, "source"); src; src = vb_xml_next (src, "source")) {
    g_autofree char *mode = prop (src, "mode");
    gboolean bind;

    n_sources++;
    if (mode && strcmp (mode, "bind") != 0 && strcmp (mode, "connect") != 0)
      return INVALID (error, "invalid mode '%s' of character device <source>: expected 'bind' or 'connect'", mode);
    bind = g_strcmp0 (mode, "bind") == 0;

    if (strcmp (s->type, "udp") == 0) {
      if ((bind && have_bind) || (!bind && have_connect))
        return INVALID (error, "udp character device has more than one <source mode='%s'>",
                        bind ? "bind" : "connect");
      if (bind) {
        have_bind = TRUE;
        s->bind_host = prop (src, "host");
        s->bind_service = prop (src, "service");
      } else {
        have_connect = TRUE;
        s->host = prop (src, "host");
        s->service = prop (src, "service");
      }
      continue;
    }
    if (n_sources > 1)
      return INVALID (error, "%s character device takes only one <source>", s->type);
    s->mode = g_steal_pointer (&mode);
    s->path = prop (src, "path");
    s->append = prop (src, "append");
    s->host = prop (src, "host");
    s->service = prop (src, "service");
    s->tls = prop (src, "tls");
    s->channel = prop (src, "channel");
    if (!chardev_reconnect_parse (s, src, error))
      return FALSE;
    for (xmlNode *c = src->children; c; c = c->next) {
      if (vb_xml_is_element (c, "seclabel")) {
        if (s->source_extra == NULL)
          s->source_extra = opaque_array_new ();
        g_ptr_array_add (s->source_extra, vb_xml_opaque_copy (c));
      }
    }
  }

  if (strcmp (s->type, "tcp") == 0) {
    if (s->host == NULL)
      return INVALID (error, "missing source host attribute for tcp character device");
    if (s->service == NULL)
      return INVALID (error, "missing source service attribute for tcp character device");
    if (s->mode == NULL)
      s->mode = g_strdup ("connect");
    s->protocol = protocol ? prop (protocol, "type") : NULL;
    if (s->protocol == NULL)
      s->protocol = g_strdup ("raw");
    if (!str_in (s->protocol, (const char *const[]) { "raw", "telnet", "telnets", "tls", NULL }))
      return INVALID (error, "unknown character device protocol '%s'", s->protocol);
  } else if (strcmp (s->type, "udp") == 0) {
    if (s->service == NULL)
      return INVALID (error, "missing source service attribute for udp character device");
  } else if (strcmp (s->type, "unix") == 0) {
    if (s->path == NULL && !path_optional)
      return INVALID (error, "missing source path attribute for unix character device");
    if (s->mode == NULL)
      s->mode = g_strdup ("connect");
  } else if (str_in (s->type, (const char *const[]) { "file", "dev", "pipe", NULL })) {
    if (s->path == NULL)
      return INVALID (error, "missing source path attribute for %s character device", s->type);
  }
  if (s->reconnect != VB_TRISTATE_ABSENT && g_strcmp0 (s->mode, "bind") == 0)
    return INVALID (error, "<reconnect> is only valid with <source mode='connect'>");
  if (s->append && !str_in (s->append, (const char *const[]) { "on", "off", NULL }))
    return INVALID (error, "invalid append '%s' of character device <source>", s->append);
  if (log) {
    s->log_file = prop (log, "file");
    s->log_append = prop (log, "append");
    if (s->log_file == NULL)
      return INVALID (error, "<log> of a character device needs a 'file' attribute");
  }
  return TRUE;
}

static void
write_reconnect (VbXmlWriter *w, const VbDomainChardevSource *s)
{
  vb_xml_start (w, "reconnect");
  vb_xml_attr (w, "enabled", vb_tristate_yesno (s->reconnect));
  if (s->reconnect == VB_TRISTATE_YES)
    vb_xml_attr_uint (w, "timeout", s->reconnect_timeout);
  vb_xml_end_empty (w);
}

static void
end_source (VbXmlWriter *w, const VbDomainChardevSource *s, gboolean with_reconnect)
{
  gboolean children = (with_reconnect && s->reconnect != VB_TRISTATE_ABSENT) ||
                      (s->source_extra && s->source_extra->len);

  if (!children) {
    vb_xml_end_empty (w);
    return;
  }
  vb_xml_end_open (w);
  if (with_reconnect && s->reconnect != VB_TRISTATE_ABSENT)
    write_reconnect (w, s);
  write_opaque_array (w, s->source_extra);
  vb_xml_close (w);
}

static void
chardev_source_format (VbXmlWriter *w, const VbDomainChardevSource *s, guint flags)
{
  const char *t = s->type ? s->type : "pty";

  if (strcmp (t, "udp") == 0) {
    if (s->bind_host || s->bind_service) {
      vb_xml_start (w, "source");
      vb_xml_attr (w, "mode", "bind");
      vb_xml_attr (w, "host", s->bind_host);
      vb_xml_attr (w, "service", s->bind_service);
      vb_xml_end_empty (w);
    }
    if (s->host || s->service) {
      vb_xml_start (w, "source");
      vb_xml_attr (w, "mode", "connect");
      vb_xml_attr (w, "host", s->host);
      vb_xml_attr (w, "service", s->service);
      vb_xml_end_empty (w);
    }
  } else if (strcmp (t, "tcp") == 0) {
    vb_xml_start (w, "source");
    vb_xml_attr (w, "mode", s->mode);
    vb_xml_attr (w, "host", s->host);
    vb_xml_attr (w, "service", s->service);
    vb_xml_attr (w, "tls", s->tls);
    end_source (w, s, TRUE);
    vb_xml_start (w, "protocol");
    vb_xml_attr (w, "type", s->protocol ? s->protocol : "raw");
    vb_xml_end_empty (w);
  } else if (strcmp (t, "unix") == 0) {
    if (s->path) {
      vb_xml_start (w, "source");
      vb_xml_attr (w, "mode", s->mode);
      vb_xml_attr (w, "path", s->path);
      end_source (w, s, TRUE);
    }
  } else if (strcmp (t, "spiceport") == 0) {
    if (s->channel) {
      vb_xml_start (w, "source");
      vb_xml_attr (w, "channel", s->channel);
      vb_xml_end_empty (w);
    }
  } else if (s->path && (strcmp (t, "pty") != 0 || !(flags & VB_DOMAIN_FORMAT_INACTIVE))) {
    /* a pty's path is where the live guest's console went; not config */
    vb_xml_start (w, "source");
    vb_xml_attr (w, "path", s->path);
    vb_xml_attr (w, "append", s->append);
    end_source (w, s, FALSE);
  }
  if (s->log_file) {
    vb_xml_start (w, "log");
    vb_xml_attr (w, "file", s->log_file);
    vb_xml_attr (w, "append", s->log_append);
    vb_xml_end_empty (w);
  }
}

static void
chardev_def_free (VbDomainChardevDef *chr)
{
  if (chr == NULL)
    return;
  chardev_source_clear (&chr->source);
  g_free (chr->target_type);
  g_free (chr->target_name);
  g_free (chr->target_state);
  g_free (chr->target_address);
  g_free (chr->target_tport);
  g_free (chr->target_model);
  device_info_clear (&chr->info);
  g_free (chr);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbDomainChardevDef, chardev_def_free)

static VbDomainChardevDef *
chardev_def_parse (xmlNode *node, VbDomainDeviceKind kind, GError **error)
{
  g_autoptr(VbDomainChardevDef) chr = g_new0 (VbDomainChardevDef, 1);
  g_autofree char *type = prop (node, "type");
  xmlNode *target = vb_xml_child (node, "target");
  gboolean path_optional;

  chr->kind = kind;
  chr->target_port = -1;
  if (target) {
    gint64 port = -1;

    chr->target_type = prop (target, "type");
    chr->target_name = prop (target, "name");
    chr->target_state = prop (target, "state");
    chr->target_address = prop (target, "address");
    if (kind == VB_DOMAIN_DEVICE_CHANNEL)
      chr->target_tport = prop (target, "port");
    else if (!vb_xml_prop_int (target, "port", 0, G_MAXINT, &port, NULL, error))
      return NULL;
    chr->target_port = (int) port;
    if (vb_xml_child (target, "model"))
      chr->target_model = prop (vb_xml_child (target, "model"), "name");
  }
  if (kind == VB_DOMAIN_DEVICE_CHANNEL) {
    if (chr->target_type == NULL)
      return INVALID (error, "<channel> needs <target type=…>"), NULL;
    if (!str_in (chr->target_type, (const char *const[]) { "virtio", "guestfwd", "xen", NULL }))
      return INVALID (error, "unknown channel target type '%s'", chr->target_type), NULL;
    if (strcmp (chr->target_type, "guestfwd") == 0 && (!chr->target_address || !chr->target_tport))
      return INVALID (error, "guestfwd channel needs target address and port"), NULL;
  }
  /* QEMU creates the socket itself for virtio channels left without a path */
  path_optional = kind == VB_DOMAIN_DEVICE_CHANNEL && g_strcmp0 (chr->target_type, "virtio") == 0;
  if (!chardev_source_parse (&chr->source, node, type, path_optional, error)) {
    g_prefix_error (error, "<%s>: ", (const char *) node->name);
    return NULL;
  }
  if (kind == VB_DOMAIN_DEVICE_CONSOLE && chr->target_type == NULL)
    chr->target_type = g_strdup ("serial");
  for (xmlNode *c = node->children; c; c = c->next) {
    int r;

    if (c->type != XML_ELEMENT_NODE)
      continue;
    if (str_in ((const char *) c->name, (const char *const[]) { "source", "target", "protocol", "log", NULL }) &&
        c->ns == NULL)
      continue;
    r = device_info_take (&chr->info, c, error);
    if (r < 0)
      return NULL;
    if (r == 0)
      device_info_keep (&chr->info, c);
  }
  return g_steal_pointer (&chr);
}

static void
chardev_def_format (VbXmlWriter *w, const VbDomainChardevDef *chr, guint flags)
{
  vb_xml_start (w, device_names[chr->kind]);
  vb_xml_attr (w, "type", chr->source.type ? chr->source.type : "pty");
  vb_xml_end_open (w);
  chardev_source_format (w, &chr->source, flags);
  vb_xml_start (w, "target");
  switch (chr->kind) {
  case VB_DOMAIN_DEVICE_CHANNEL:
    vb_xml_attr (w, "type", chr->target_type);
    if (g_strcmp0 (chr->target_type, "guestfwd") == 0) {
      vb_xml_attr (w, "address", chr->target_address);
      vb_xml_attr (w, "port", chr->target_tport);
    } else {
      vb_xml_attr (w, "name", chr->target_name);
      vb_xml_attr (w, "state", chr->target_state);
    }
    break;
  default:
    vb_xml_attr (w, "type", chr->target_type);
    if (chr->target_port >= 0)
      vb_xml_attr_uint (w, "port", (guint64) chr->target_port);
    break;
  }
  if (chr->target_model) {
    vb_xml_end_open (w);
    vb_xml_start (w, "model");
    vb_xml_attr (w, "name", chr->target_model);
    vb_xml_end_empty (w);
    vb_xml_close (w);
  } else {
    vb_xml_end_empty (w);
  }
  device_info_format (w, &chr->info);
  vb_xml_close (w);
}


/* Writes the remaining attributes of a kept element @node (those not in
 * @skip), then its element children, and closes it. */
static void
write_rest (VbXmlWriter *w, xmlNode *node, const char *const *skip)
{
  gboolean children = FALSE;

  for (xmlAttr *a = node ? node->properties : NULL; a; a = a->next) {
    xmlChar *v;

    if (a->ns == NULL && skip && str_in ((const char *) a->name, skip))
      continue;
    v = xmlNodeListGetString (node->doc, a->children, 1);
    vb_xml_attr (w, (const char *) a->name, v ? (const char *) v : "");
    xmlFree (v);
  }
  for (xmlNode *c = node ? node->children : NULL; c; c = c->next)
    children = children || c->type == XML_ELEMENT_NODE;
  if (!children) {
    vb_xml_end_empty (w);
    return;
  }
  vb_xml_end_open (w);
  for (xmlNode *c = node->children; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE)
      vb_xml_write_node (w, c);
  vb_xml_close (w);
}

/* <disk> ------------------------------------------------------------------- */

static const char *const disk_types[] = {
  "file", "block", "dir", "network", "volume", "nvme", "vhostuser", "vhostvdpa", NULL,
};
static const char *const disk_devices[] = { "disk", "cdrom", "floppy", "lun", NULL };

void
vb_domain_disk_def_free (VbDomainDiskDef *d)
{
  if (d == NULL)
    return;
  g_free (d->type);
  g_free (d->device);
  g_free (d->model);
  g_free (d->snapshot);
  g_free (d->rawio);
  g_free (d->sgio);
  g_free (d->driver_name);
  g_free (d->driver_type);
  vb_xml_opaque_free (d->driver);
  g_free (d->source);
  g_free (d->source_protocol);
  g_free (d->source_volume);
  vb_xml_opaque_free (d->source_node);
  vb_xml_opaque_free (d->backenddomain);
  g_free (d->target_dev);
  g_free (d->target_bus);
  vb_xml_opaque_free (d->target);
  g_free (d->serial);
  g_free (d->wwn);
  g_free (d->vendor);
  g_free (d->product);
  g_clear_pointer (&d->pre_target, g_ptr_array_unref);
  g_clear_pointer (&d->post_target, g_ptr_array_unref);
  device_info_clear (&d->info);
  g_free (d);
}

/* the attribute of <source> that names the disk's backing, per disk type */
static const char *
disk_source_attr (const char *type)
{
  if (g_strcmp0 (type, "block") == 0)
    return "dev";
  if (g_strcmp0 (type, "dir") == 0)
    return "dir";
  if (g_strcmp0 (type, "network") == 0)
    return "name";
  if (g_strcmp0 (type, "volume") == 0)
    return "pool";
  return "file";
}

static char *
disk_default_bus (const char *dev)
{
  static const char *const map[][2] = {
    { "nvme", "nvme" }, { "xvd", "xen" }, { "ubd", "uml" }, { "hd", "ide" },
    { "sd", "scsi" }, { "vd", "virtio" }, { "fd", "fdc" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    if (g_str_has_prefix (dev, map[i][0]))
      return g_strdup (map[i][1]);
  return g_strdup ("ide");
}

static VbDomainDiskDef *
disk_def_parse (xmlNode *node, GError **error)
{
  g_autoptr(VbDomainDiskDef) d = g_new0 (VbDomainDiskDef, 1);
  gboolean seen_target = FALSE;

  d->type = prop (node, "type");
  d->device = prop (node, "device");
  d->model = prop (node, "model");
  d->snapshot = prop (node, "snapshot");
  d->rawio = prop (node, "rawio");
  d->sgio = prop (node, "sgio");
  if (d->type == NULL)
    d->type = g_strdup ("file");
  if (d->device == NULL)
    d->device = g_strdup ("disk");
  if (!str_in (d->type, disk_types))
    return INVALID (error, "unknown disk type '%s'", d->type), NULL;
  if (!str_in (d->device, disk_devices))
    return INVALID (error, "unknown disk device '%s'", d->device), NULL;

  for (xmlNode *c = node->children; c; c = c->next) {
    const char *name = (const char *) c->name;
    int r;

    if (c->type != XML_ELEMENT_NODE ||
        later_repeat (c, (const char *const[]) { "driver", "source", "target", "serial", "wwn",
                                                 "vendor", "product", "backenddomain", NULL }))
      continue;
    if (c->ns != NULL) {
      continue;
    } else if (strcmp (name, "driver") == 0) {
      d->driver_name = prop (c, "name");
      d->driver_type = prop (c, "type");
      if (!node_is_simple (c, (const char *const[]) { "name", "type", NULL }))
        d->driver = vb_xml_opaque_copy (c);
    } else if (strcmp (name, "source") == 0) {
      const char *attr = disk_source_attr (d->type);

      d->source = prop (c, attr);
      d->source_protocol = prop (c, "protocol");
      d->source_volume = prop (c, "volume");
      if (!node_is_simple (c, (const char *const[]) { attr, "protocol", "volume", NULL }))
        d->source_node = vb_xml_opaque_copy (c);
    } else if (strcmp (name, "backenddomain") == 0) {
      d->backenddomain = vb_xml_opaque_copy (c);
    } else if (strcmp (name, "target") == 0) {
      d->target_dev = prop (c, "dev");
      d->target_bus = prop (c, "bus");
      if (!node_is_simple (c, (const char *const[]) { "dev", "bus", NULL }))
        d->target = vb_xml_opaque_copy (c);
      seen_target = TRUE;
    } else if (strcmp (name, "readonly") == 0) {
      d->readonly = TRUE;
    } else if (strcmp (name, "shareable") == 0) {
      d->shareable = TRUE;
    } else if (strcmp (name, "transient") == 0) {
      d->transient = TRUE;
    } else if (strcmp (name, "serial") == 0) {
      g_free (d->serial);
      d->serial = vb_xml_text (c);
    } else if (strcmp (name, "wwn") == 0) {
      g_free (d->wwn);
      d->wwn = vb_xml_text (c);
    } else if (strcmp (name, "vendor") == 0) {
      g_free (d->vendor);
      d->vendor = vb_xml_text (c);
    } else if (strcmp (name, "product") == 0) {
      g_free (d->product);
      d->product = vb_xml_text (c);
    } else if ((r = device_info_take (&d->info, c, error)) != 0) {
      if (r < 0)
        return NULL;
    } else if (strcmp (name, "encryption") == 0) {
      device_info_keep (&d->info, c);
    } else {
      GPtrArray **arr = seen_target ? &d->post_target : &d->pre_target;

      if (*arr == NULL)
        *arr = opaque_array_new ();
      g_ptr_array_add (*arr, vb_xml_opaque_copy (c));
    }
  }
  if (d->target_dev == NULL || *d->target_dev == '\0')
    return INVALID (error, "<disk> is missing <target dev=…>"), NULL;
  if (d->target_bus == NULL)
    d->target_bus = disk_default_bus (d->target_dev);
  if (strcmp (d->type, "network") == 0 && d->source_protocol == NULL && d->source_node == NULL &&
      d->source != NULL)
    return INVALID (error, "network <disk> '%s' needs <source protocol=…>", d->target_dev), NULL;
  return g_steal_pointer (&d);
}

static void
disk_def_format (VbXmlWriter *w, const VbDomainDiskDef *d)
{
  vb_xml_start (w, "disk");
  vb_xml_attr (w, "type", d->type);
  vb_xml_attr (w, "device", d->device);
  vb_xml_attr (w, "model", d->model);
  vb_xml_attr (w, "rawio", d->rawio);
  vb_xml_attr (w, "sgio", d->sgio);
  vb_xml_attr (w, "snapshot", d->snapshot);
  vb_xml_end_open (w);
  if (d->driver_name || d->driver_type || d->driver) {
    vb_xml_start (w, "driver");
    vb_xml_attr (w, "name", d->driver_name);
    vb_xml_attr (w, "type", d->driver_type);
    write_rest (w, d->driver, (const char *const[]) { "name", "type", NULL });
  }
  if (d->source_node || d->source || d->source_volume) {
    const char *attr = disk_source_attr (d->type);

    vb_xml_start (w, "source");
    if (strcmp (attr, "name") == 0) {
      vb_xml_attr (w, "protocol", d->source_protocol);
      vb_xml_attr (w, "name", d->source);
    } else if (strcmp (attr, "pool") == 0) {
      vb_xml_attr (w, "pool", d->source);
      vb_xml_attr (w, "volume", d->source_volume);
    } else {
      vb_xml_attr (w, attr, d->source);
    }
    write_rest (w, d->source_node, (const char *const[]) { attr, "protocol", "volume", NULL });
  }
  write_opaque_array (w, d->pre_target);
  if (d->backenddomain)
    vb_xml_write_node (w, d->backenddomain);
  vb_xml_start (w, "target");
  vb_xml_attr (w, "dev", d->target_dev);
  vb_xml_attr (w, "bus", d->target_bus);
  write_rest (w, d->target, (const char *const[]) { "dev", "bus", NULL });
  write_opaque_array (w, d->post_target);
  if (d->readonly) {
    vb_xml_start (w, "readonly");
    vb_xml_end_empty (w);
  }
  if (d->shareable) {
    vb_xml_start (w, "shareable");
    vb_xml_end_empty (w);
  }
  if (d->transient) {
    vb_xml_start (w, "transient");
    vb_xml_end_empty (w);
  }
  vb_xml_text_element (w, "serial", d->serial);
  vb_xml_text_element (w, "wwn", d->wwn);
  vb_xml_text_element (w, "vendor", d->vendor);
  vb_xml_text_element (w, "product", d->product);
  device_info_format (w, &d->info);
  vb_xml_close (w);
}

/* <controller> ------------------------------------------------------------ */

static void
controller_def_free (VbDomainControllerDef *c)
{
  if (c == NULL)
    return;
  g_free (c->type);
  g_free (c->model);
  vb_xml_opaque_free (c->attrs);
  g_free (c->serial);
  device_info_clear (&c->info);
  g_free (c);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbDomainControllerDef, controller_def_free)

static const char *const controller_types[] = {
  "ide", "fdc", "scsi", "sata", "virtio-serial", "ccid", "usb", "pci", "xenbus",
  "isa", "nvme", NULL,
};

static VbDomainControllerDef *
controller_def_parse (xmlNode *node, GError **error)
{
  g_autoptr(VbDomainControllerDef) c = g_new0 (VbDomainControllerDef, 1);
  gint64 index = -1;

  c->type = prop (node, "type");
  c->model = prop (node, "model");
  if (c->type == NULL)
    c->type = g_strdup ("ide");
  if (!str_in (c->type, controller_types))
    return INVALID (error, "unknown controller type '%s'", c->type), NULL;
  if (!vb_xml_prop_int (node, "index", 0, G_MAXINT, &index, NULL, error))
    return NULL;
  c->index = (int) index;
  if (!node_is_simple (node, (const char *const[]) { "type", "index", "model", NULL })) {
    /* only the start tag's other attributes are wanted from this copy */
    c->attrs = xmlNewDocNode (xmlNewDoc ((const xmlChar *) "1.0"), NULL,
                              (const xmlChar *) "controller", NULL);
    xmlDocSetRootElement (c->attrs->doc, c->attrs);
    for (xmlAttr *a = node->properties; a; a = a->next) {
      xmlChar *v = xmlNodeListGetString (node->doc, a->children, 1);
      if (a->ns == NULL)
        xmlNewProp (c->attrs, a->name, v);
      xmlFree (v);
    }
  }
  for (xmlNode *ch = node->children; ch; ch = ch->next) {
    int r;

    if (ch->type != XML_ELEMENT_NODE || ch->ns != NULL)
      continue;
    if (vb_xml_is_element (ch, "serial")) {
      g_free (c->serial);
      c->serial = vb_xml_text (ch);
      continue;
    }
    r = device_info_take (&c->info, ch, error);
    if (r < 0)
      return NULL;
    if (r == 0)
      device_info_keep (&c->info, ch);
  }
  return g_steal_pointer (&c);
}

static void
controller_def_format (VbXmlWriter *w, const VbDomainControllerDef *c)
{
  const VbDomainDeviceInfo *i = &c->info;

  vb_xml_start (w, "controller");
  vb_xml_attr (w, "type", c->type);
  if (c->index >= 0)
    vb_xml_attr_uint (w, "index", (guint64) c->index);
  vb_xml_attr (w, "model", c->model);
  for (xmlAttr *a = c->attrs ? c->attrs->properties : NULL; a; a = a->next) {
    xmlChar *v;

    if (str_in ((const char *) a->name, (const char *const[]) { "type", "index", "model", NULL }))
      continue;
    v = xmlNodeListGetString (c->attrs->doc, a->children, 1);
    vb_xml_attr (w, (const char *) a->name, v ? (const char *) v : "");
    xmlFree (v);
  }
  if (c->serial == NULL && (i->extra == NULL || i->extra->len == 0) && !i->boot &&
      !i->boot_order && !i->alias && !i->address) {
    vb_xml_end_empty (w);
    return;
  }
  vb_xml_end_open (w);
  vb_xml_text_element (w, "serial", c->serial);
  device_info_format (w, i);
  vb_xml_close (w);
}

/* <interface> -------------------------------------------------------------- */

void
vb_domain_interface_def_free (VbDomainInterfaceDef *n)
{
  if (n == NULL)
    return;
  g_free (n->type);
  g_free (n->mac_type);
  g_free (n->mac_check);
  g_free (n->network);
  g_free (n->portgroup);
  g_free (n->portid);
  g_free (n->bridge);
  g_free (n->dev);
  g_free (n->mode);
  vb_xml_opaque_free (n->source_node);
  g_free (n->model);
  g_free (n->target);
  g_free (n->target_managed);
  g_free (n->script);
  g_free (n->downscript);
  g_free (n->backenddomain);
  g_free (n->trust_guest_rx_filters);
  vb_virtualport_free (n->virtualport);
  vb_bandwidth_free (n->bandwidth);
  vb_vlan_free (n->vlan);
  g_clear_pointer (&n->extra_pre_target, g_ptr_array_unref);
  g_clear_pointer (&n->host_ips, g_ptr_array_unref);
  g_clear_pointer (&n->host_routes, g_ptr_array_unref);
  device_info_clear (&n->info);
  g_free (n);
}

static const char *const iface_types[] = {
  "user", "ethernet", "vhostuser", "server", "client", "mcast", "network",
  "bridge", "internal", "direct", "hostdev", "udp", "vdpa", "null", "vds", NULL,
};

/* Only the typed copy of what <source> holds: the element itself is kept
 * whole and written back as given. */
static gboolean
iface_host_ip_parse (VbDomainInterfaceDef *n, xmlNode *src, GError **error)
{
  for (xmlNode *c = src->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE || c->ns != NULL)
      continue;
    if (strcmp ((const char *) c->name, "ip") == 0) {
      VbNetdevIp *ip = vb_netdev_ip_parse (c, error);

      if (ip == NULL)
        return FALSE;
      if (n->host_ips == NULL)
        n->host_ips = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_netdev_ip_free);
      g_ptr_array_add (n->host_ips, ip);
    } else if (strcmp ((const char *) c->name, "route") == 0) {
      VbNetdevRoute *route = vb_netdev_route_parse (c, error);

      if (route == NULL)
        return FALSE;
      if (n->host_routes == NULL)
        n->host_routes = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_netdev_route_free);
      g_ptr_array_add (n->host_routes, route);
    }
  }
  return TRUE;
}

static gboolean
iface_source_parse (VbDomainInterfaceDef *n, xmlNode *src, GError **error)
{
  static const char *const network_attrs[] = { "network", "portgroup", "portid", NULL };
  static const char *const bridge_attrs[] = { "bridge", NULL };
  static const char *const direct_attrs[] = { "dev", "mode", NULL };
  static const char *const no_attrs[] = { NULL };
  const char *const *attrs;

  if (strcmp (n->type, "network") == 0) {
    attrs = network_attrs;
    n->network = prop (src, "network");
    n->portgroup = prop (src, "portgroup");
    n->portid = prop (src, "portid");
  } else if (strcmp (n->type, "bridge") == 0) {
    attrs = bridge_attrs;
    n->bridge = prop (src, "bridge");
  } else if (strcmp (n->type, "direct") == 0) {
    attrs = direct_attrs;
    n->dev = prop (src, "dev");
    n->mode = prop (src, "mode");
    if (n->mode && !str_in (n->mode, (const char *const[]) { "vepa", "private", "bridge", "passthrough", NULL }))
      return INVALID (error, "unknown direct interface mode '%s'", n->mode);
  } else {
    attrs = no_attrs;
  }
  if (strcmp (n->type, "ethernet") == 0 && !iface_host_ip_parse (n, src, error))
    return FALSE;
  if (!node_is_simple (src, attrs))
    n->source_node = vb_xml_opaque_copy (src);
  return TRUE;
}

static VbDomainInterfaceDef *
interface_def_parse (xmlNode *node, GError **error)
{
  g_autoptr(VbDomainInterfaceDef) n = g_new0 (VbDomainInterfaceDef, 1);

  n->type = prop (node, "type");
  n->trust_guest_rx_filters = prop (node, "trustGuestRxFilters");
  if (n->type == NULL)
    return INVALID (error, "<interface> is missing its type attribute"), NULL;
  if (!str_in (n->type, iface_types))
    return INVALID (error, "unknown interface type '%s'", n->type), NULL;

  for (xmlNode *c = node->children; c; c = c->next) {
    const char *name = (const char *) c->name;
    int r;

    if (c->type != XML_ELEMENT_NODE || c->ns != NULL ||
        later_repeat (c, (const char *const[]) { "mac", "source", "virtualport", "bandwidth", "vlan",
                                                 "model", "target", "script", "downscript",
                                                 "backenddomain", NULL }))
      continue;
    if (strcmp (name, "mac") == 0) {
      g_autofree char *addr = prop (c, "address");
      g_autoptr(GError) local = NULL;

      if (addr) {
        if (!vb_mac_parse (addr, &n->mac, &local))
          return INVALID (error, "<interface>: %s", local->message), NULL;
        if (vb_mac_is_multicast (&n->mac))
          return INVALID (error, "<interface>: MAC address '%s' is a multicast address", addr), NULL;
        n->mac_set = !vb_mac_is_null (&n->mac);
      }
      n->mac_type = prop (c, "type");
      n->mac_check = prop (c, "check");
    } else if (strcmp (name, "source") == 0) {
      if (!iface_source_parse (n, c, error))
        return NULL;
    } else if (strcmp (name, "virtualport") == 0) {
      g_clear_pointer (&n->virtualport, vb_virtualport_free);
      if (!(n->virtualport = vb_virtualport_parse (c, error)))
        return NULL;
    } else if (strcmp (name, "bandwidth") == 0) {
      g_clear_pointer (&n->bandwidth, vb_bandwidth_free);
      if (!(n->bandwidth = vb_bandwidth_parse (c, error)))
        return NULL;
    } else if (strcmp (name, "vlan") == 0) {
      g_clear_pointer (&n->vlan, vb_vlan_free);
      if (!(n->vlan = vb_vlan_parse (c, error)))
        return NULL;
    } else if (strcmp (name, "model") == 0) {
      g_free (n->model);
      n->model = prop (c, "type");
    } else if (strcmp (name, "target") == 0) {
      g_free (n->target);
      g_free (n->target_managed);
      n->target = prop (c, "dev");
      n->target_managed = prop (c, "managed");
      if (n->target_managed && !str_in (n->target_managed, (const char *const[]) { "yes", "no", NULL }))
        return INVALID (error, "<interface>: invalid <target managed='%s'>", n->target_managed), NULL;
    } else if (strcmp (name, "script") == 0) {
      g_free (n->script);
      n->script = prop (c, "path");
    } else if (strcmp (name, "downscript") == 0) {
      g_free (n->downscript);
      n->downscript = prop (c, "path");
    } else if (strcmp (name, "backenddomain") == 0) {
      g_free (n->backenddomain);
      n->backenddomain = prop (c, "name");
    } else if (strcmp (name, "ip") == 0 || strcmp (name, "route") == 0) {
      if (n->extra_pre_target == NULL)
        n->extra_pre_target = opaque_array_new ();
      g_ptr_array_add (n->extra_pre_target, vb_xml_opaque_copy (c));
    } else if (strcmp (name, "mtu") == 0) {
      /* typed for the drivers, kept for its place in the output */
      if (vb_xml_child (node, "mtu") == c) {
        guint64 size = 0;
        gboolean present = FALSE;

        if (!vb_xml_prop_uint (c, "size", 10, G_MAXUINT32, &size, &present, error))
          return NULL;
        if (!present)
          return INVALID (error, "<interface>: <mtu> needs a size"), NULL;
        n->mtu = (guint) size;
      }
      device_info_keep (&n->info, c);
    } else if ((r = device_info_take (&n->info, c, error)) != 0) {
      if (r < 0)
        return NULL;
    } else {
      device_info_keep (&n->info, c);
    }
  }
  if (strcmp (n->type, "network") == 0 && n->network == NULL && n->source_node == NULL)
    return INVALID (error, "<interface type='network'> needs <source network=…>"), NULL;
  if (strcmp (n->type, "bridge") == 0 && n->bridge == NULL && n->source_node == NULL)
    return INVALID (error, "<interface type='bridge'> needs <source bridge=…>"), NULL;
  if (strcmp (n->type, "direct") == 0 && n->dev == NULL && n->source_node == NULL)
    return INVALID (error, "<interface type='direct'> needs <source dev=…>"), NULL;
  if (strcmp (n->type, "direct") == 0 && n->mode == NULL && n->source_node == NULL)
    n->mode = g_strdup ("vepa");
  /* an absent or all-zero MAC gets a generated one, as libvirt does */
  if (!n->mac_set) {
    vb_mac_generate (&n->mac);
    n->mac_set = TRUE;
  }
  return g_steal_pointer (&n);
}

static void
path_element (VbXmlWriter *w, const char *name, const char *attr, const char *value)
{
  if (value == NULL)
    return;
  vb_xml_start (w, name);
  vb_xml_attr (w, attr, value);
  vb_xml_end_empty (w);
}

static void
interface_def_format (VbXmlWriter *w, const VbDomainInterfaceDef *n)
{
  char mac[18];

  vb_xml_start (w, "interface");
  vb_xml_attr (w, "type", n->type);
  vb_xml_attr (w, "trustGuestRxFilters", n->trust_guest_rx_filters);
  vb_xml_end_open (w);
  vb_mac_format (&n->mac, mac);
  vb_xml_start (w, "mac");
  vb_xml_attr (w, "address", mac);
  vb_xml_attr (w, "type", n->mac_type);
  vb_xml_attr (w, "check", n->mac_check);
  vb_xml_end_empty (w);
  if (n->source_node) {
    vb_xml_write_node (w, n->source_node);
  } else if (n->network || n->bridge || n->dev) {
    vb_xml_start (w, "source");
    vb_xml_attr (w, "network", n->network);
    vb_xml_attr (w, "portgroup", n->portgroup);
    vb_xml_attr (w, "portid", n->portid);
    vb_xml_attr (w, "bridge", n->bridge);
    vb_xml_attr (w, "dev", n->dev);
    vb_xml_attr (w, "mode", n->mode);
    vb_xml_end_empty (w);
  }
  if (n->vlan)
    vb_vlan_format (n->vlan, w);
  if (n->virtualport)
    vb_virtualport_format (n->virtualport, w);
  if (n->bandwidth)
    vb_bandwidth_format (n->bandwidth, w);
  write_opaque_array (w, n->extra_pre_target);
  path_element (w, "script", "path", n->script);
  path_element (w, "downscript", "path", n->downscript);
  path_element (w, "backenddomain", "name", n->backenddomain);
  if (n->target) {
    vb_xml_start (w, "target");
    vb_xml_attr (w, "dev", n->target);
    vb_xml_attr (w, "managed", n->target_managed);
    vb_xml_end_empty (w);
  }
  path_element (w, "model", "type", n->model);
  device_info_format (w, &n->info);
  vb_xml_close (w);
}

/* <graphics> --------------------------------------------------------------- */

static void
listen_free (gpointer data)
{
  VbGraphicsListen *l = data;

  g_free (l->address);
  g_free (l->network);
  g_free (l->socket);
  g_free (l);
}

static void
graphics_def_free (VbDomainGraphicsDef *g)
{
  if (g == NULL)
    return;
  g_free (g->type);
  g_free (g->socket);
  g_free (g->keymap);
  g_free (g->share_policy);
  g_free (g->passwd);
  g_free (g->passwd_valid_to);
  g_free (g->connected);
  g_free (g->default_mode);
  g_free (g->display);
  g_free (g->xauth);
  g_free (g->fullscreen);
  g_free (g->multi_user);
  g_free (g->replace_user);
  g_clear_pointer (&g->listens, g_ptr_array_unref);
  g_clear_pointer (&g->extra, g_ptr_array_unref);
  g_free (g);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbDomainGraphicsDef, graphics_def_free)

static const char *const graphics_types[] = {
  "sdl", "vnc", "rdp", "desktop", "spice", "egl-headless", "dbus", NULL,
};
static const char *const listen_types[] = { "address", "network", "socket", "none", NULL };

static gboolean
graphics_port (xmlNode *node, const char *name, int *out, gboolean *present, GError **error)
{
  gint64 v = 0;

  if (!vb_xml_prop_int (node, name, -1, 65535, &v, present, error))
    return FALSE;
  *out = (int) v;
  return TRUE;
}

static VbDomainGraphicsDef *
graphics_def_parse (xmlNode *node, GError **error)
{
  g_autoptr(VbDomainGraphicsDef) g = g_new0 (VbDomainGraphicsDef, 1);
  g_autofree char *listen_attr = prop (node, "listen");
  VbTristate autoport = VB_TRISTATE_ABSENT;
  gboolean has_port = FALSE, has_tls = FALSE;
  gboolean networked;
  VbGraphicsListen *first;

  g->type = prop (node, "type");
  if (g->type == NULL || !str_in (g->type, graphics_types))
    return INVALID (error, "unknown graphics type '%s'", g->type ? g->type : ""), NULL;
  networked = str_in (g->type, (const char *const[]) { "vnc", "spice", "rdp", NULL });
  if (!graphics_port (node, "port", &g->port, &has_port, error) ||
      !graphics_port (node, "tlsPort", &g->tls_port, &has_tls, error) ||
      !graphics_port (node, "websocket", &g->websocket, NULL, error) ||
      !vb_xml_prop_yesno (node, "autoport", &autoport, error))
    return NULL;
  g->socket = prop (node, "socket");
  g->keymap = prop (node, "keymap");
  g->share_policy = prop (node, "sharePolicy");
  g->passwd = prop (node, "passwd");
  g->passwd_valid_to = prop (node, "passwdValidTo");
  g->connected = prop (node, "connected");
  g->default_mode = prop (node, "defaultMode");
  g->display = prop (node, "display");
  g->xauth = prop (node, "xauth");
  g->fullscreen = prop (node, "fullscreen");
  g->multi_user = prop (node, "multiUser");
  g->replace_user = prop (node, "replaceUser");

  for (xmlNode *c = node->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE || c->ns != NULL)
      continue;
    if (vb_xml_is_element (c, "listen") && networked) {
      VbGraphicsListen *l = g_new0 (VbGraphicsListen, 1);
      int type;

      array_add_lazy (&g->listens, listen_free, l);
      if (!vb_xml_prop_enum (c, "type", listen_types, &type, error))
        return NULL;
      if (type == 0)
        return INVALID (error, "graphics <listen> is missing its type attribute"), NULL;
      l->type = (VbGraphicsListenType) type;
      l->address = prop (c, "address");
      l->network = prop (c, "network");
      l->socket = prop (c, "socket");
      if (l->type == VB_GRAPHICS_LISTEN_NETWORK && l->network == NULL)
        return INVALID (error, "graphics <listen type='network'> needs a 'network' attribute"), NULL;
      if (l->type != VB_GRAPHICS_LISTEN_NETWORK && l->network)
        return INVALID (error, "graphics <listen type='%s'> takes no 'network' attribute",
                        listen_types[type - 1]), NULL;
      if (l->type == VB_GRAPHICS_LISTEN_SOCKET && strcmp (g->type, "rdp") == 0)
        return INVALID (error, "rdp graphics cannot listen on a socket"), NULL;
      /* only live state records the address a network resolved to */
      if (l->type == VB_GRAPHICS_LISTEN_NETWORK)
        g_clear_pointer (&l->address, g_free);
    } else {
      if (g->extra == NULL)
        g->extra = opaque_array_new ();
      g_ptr_array_add (g->extra, vb_xml_opaque_copy (c));
    }
  }

  first = array_len (g->listens) ? g_ptr_array_index (g->listens, 0) : NULL;
  /* the old listen= and socket= attributes must agree with the first
   * <listen>, or stand in for it */
  if (listen_attr && networked) {
    if (first && first->type == VB_GRAPHICS_LISTEN_ADDRESS) {
      if (first->address && strcmp (first->address, listen_attr) != 0)
        return INVALID (error, "graphics listen attribute '%s' does not match the first <listen> address '%s'",
                        listen_attr, first->address), NULL;
      if (first->address == NULL)
        first->address = g_strdup (listen_attr);
    } else if (first == NULL) {
      first = g_new0 (VbGraphicsListen, 1);
      first->type = VB_GRAPHICS_LISTEN_ADDRESS;
      first->address = g_strdup (listen_attr);
      first->from_attr = TRUE;
      array_add_lazy (&g->listens, listen_free, first);
    } else if (first->type != VB_GRAPHICS_LISTEN_NETWORK) {
      return INVALID (error, "graphics listen attribute '%s' conflicts with the first <listen>", listen_attr), NULL;
    }
  }
  if (g->socket && strcmp (g->type, "vnc") == 0) {
    if (first && first->type == VB_GRAPHICS_LISTEN_SOCKET) {
      if (first->socket && strcmp (first->socket, g->socket) != 0)
        return INVALID (error, "graphics socket attribute '%s' does not match the first <listen> socket '%s'",
                        g->socket, first->socket), NULL;
      if (first->socket == NULL)
        first->socket = g_strdup (g->socket);
    } else if (first == NULL) {
      first = g_new0 (VbGraphicsListen, 1);
      first->type = VB_GRAPHICS_LISTEN_SOCKET;
      first->socket = g_strdup (g->socket);
      first->from_attr = TRUE;
      array_add_lazy (&g->listens, listen_free, first);
    }
  }
  if (first == NULL && (strcmp (g->type, "vnc") == 0 || strcmp (g->type, "spice") == 0)) {
    first = g_new0 (VbGraphicsListen, 1);
    first->type = VB_GRAPHICS_LISTEN_ADDRESS;
    array_add_lazy (&g->listens, listen_free, first);
  }

  if (strcmp (g->type, "vnc") == 0) {
    /* port -1 is the old spelling of autoport; an automatic port is not
     * configuration, so it is forgotten */
    g->autoport = !has_port || g->port == -1;
    if (autoport != VB_TRISTATE_ABSENT)
      g->autoport = autoport == VB_TRISTATE_YES;
    if (g->autoport || g->port < 0)
      g->port = 0;
  } else {
    g->has_autoport = autoport != VB_TRISTATE_ABSENT;
    g->autoport = autoport == VB_TRISTATE_YES;
    if (g->port == -1 || g->tls_port == -1) {
      g->autoport = TRUE;
      g->has_autoport = TRUE;
    }
    if (g->autoport) {
      g->port = 0;
      g->tls_port = 0;
    }
  }
  return g_steal_pointer (&g);
}

static void
graphics_def_format (VbXmlWriter *w, const VbDomainGraphicsDef *g, guint flags)
{
  const VbGraphicsListen *first = g->listens && g->listens->len ? g_ptr_array_index (g->listens, 0) : NULL;
  gboolean vnc = strcmp (g->type, "vnc") == 0;
  gboolean children;

  vb_xml_start (w, "graphics");
  vb_xml_attr (w, "type", g->type);
  if (vnc) {
    if (first && first->type == VB_GRAPHICS_LISTEN_SOCKET && first->socket) {
      vb_xml_attr (w, "socket", first->socket);
    } else {
      if (g->port > 0 && (!g->autoport || !(flags & VB_DOMAIN_FORMAT_INACTIVE)))
        vb_xml_attr_printf (w, "port", "%d", g->port);
      else if (g->autoport)
        vb_xml_attr (w, "port", "-1");
      vb_xml_attr (w, "autoport", g->autoport ? "yes" : "no");
      if (g->websocket)
        vb_xml_attr_printf (w, "websocket", "%d", g->websocket);
    }
  } else if (strcmp (g->type, "spice") == 0 || strcmp (g->type, "rdp") == 0) {
    if (g->port > 0 || (g->autoport && strcmp (g->type, "spice") == 0))
      vb_xml_attr_printf (w, "port", "%d", g->port > 0 ? g->port : -1);
    /* a running display shows the ports it got: no TLS port, none */
    if (g->tls_port > 0 || (g->autoport && strcmp (g->type, "spice") == 0 && g->port <= 0))
      vb_xml_attr_printf (w, "tlsPort", "%d", g->tls_port > 0 ? g->tls_port : -1);
    if (g->has_autoport)
      vb_xml_attr (w, "autoport", g->autoport ? "yes" : "no");
    vb_xml_attr (w, "replaceUser", g->replace_user);
    vb_xml_attr (w, "multiUser", g->multi_user);
  }
  if (first && first->type == VB_GRAPHICS_LISTEN_ADDRESS && first->address)
    vb_xml_attr (w, "listen", first->address);
  vb_xml_attr (w, "display", g->display);
  vb_xml_attr (w, "xauth", g->xauth);
  vb_xml_attr (w, "fullscreen", g->fullscreen);
  vb_xml_attr (w, "keymap", g->keymap);
  vb_xml_attr (w, "defaultMode", g->default_mode);
  vb_xml_attr (w, "sharePolicy", g->share_policy);
  if (flags & VB_DOMAIN_FORMAT_SECURE)
    vb_xml_attr (w, "passwd", g->passwd);
  vb_xml_attr (w, "passwdValidTo", g->passwd_valid_to);
  vb_xml_attr (w, "connected", g->connected);
  children = (g->listens && g->listens->len) || (g->extra && g->extra->len);
  if (!children) {
    vb_xml_end_empty (w);
    return;
  }
  vb_xml_end_open (w);
  for (guint i = 0; g->listens && i < g->listens->len; i++) {
    const VbGraphicsListen *l = g_ptr_array_index (g->listens, i);

    vb_xml_start (w, "listen");
    vb_xml_attr (w, "type", listen_types[l->type - 1]);
    vb_xml_attr (w, "address", l->address);
    vb_xml_attr (w, "network", l->network);
    vb_xml_attr (w, "socket", l->socket);
    vb_xml_end_empty (w);
  }
  write_opaque_array (w, g->extra);
  vb_xml_close (w);
}

/* <video>, <input>, <memballoon> ------------------------------------------ */

static void
video_def_free (VbDomainVideoDef *v)
{
  if (v == NULL)
    return;
  g_free (v->model_type);
  vb_xml_opaque_free (v->model_extra);
  vb_xml_opaque_free (v->driver);
  device_info_clear (&v->info);
  g_free (v);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbDomainVideoDef, video_def_free)

static gboolean
kib_prop (xmlNode *node, const char *name, guint64 *out, GError **error)
{
  return vb_xml_prop_uint (node, name, 10, G_MAXUINT32, out, NULL, error);
}

static VbDomainVideoDef *
video_def_parse (xmlNode *node, GError **error)
{
  g_autoptr(VbDomainVideoDef) v = g_new0 (VbDomainVideoDef, 1);

  for (xmlNode *c = node->children; c; c = c->next) {
    int r;

    if (c->type != XML_ELEMENT_NODE || c->ns != NULL ||
        later_repeat (c, (const char *const[]) { "model", "driver", NULL }))
      continue;
    if (vb_xml_is_element (c, "model")) {
      guint64 heads = 0;
      VbTristate primary;

      v->model_type = prop (c, "type");
      if (!kib_prop (c, "vram", &v->vram, error) || !kib_prop (c, "ram", &v->ram, error) ||
          !kib_prop (c, "vgamem", &v->vgamem, error) || !kib_prop (c, "vram64", &v->vram64, error) ||
          !vb_xml_prop_uint (c, "heads", 10, G_MAXUINT, &heads, NULL, error) ||
          !vb_xml_prop_yesno (c, "primary", &primary, error))
        return NULL;
      v->heads = (guint) heads;
      v->primary = primary == VB_TRISTATE_YES;
      if (vb_xml_child (c, NULL))
        v->model_extra = vb_xml_opaque_copy (c);
    } else if (vb_xml_is_element (c, "driver")) {
      v->driver = vb_xml_opaque_copy (c);
    } else if ((r = device_info_take (&v->info, c, error)) != 0) {
      if (r < 0)
        return NULL;
    } else {
      device_info_keep (&v->info, c);
    }
  }
  return g_steal_pointer (&v);
}

static void
video_def_format (VbXmlWriter *w, const VbDomainVideoDef *v)
{
  vb_xml_start (w, "video");
  vb_xml_end_open (w);
  if (v->driver)
    vb_xml_write_node (w, v->driver);
  if (v->model_type) {
    vb_xml_start (w, "model");
    vb_xml_attr (w, "type", v->model_type);
    if (v->ram)
      vb_xml_attr_uint (w, "ram", v->ram);
    if (v->vram)
      vb_xml_attr_uint (w, "vram", v->vram);
    if (v->vram64)
      vb_xml_attr_uint (w, "vram64", v->vram64);
    if (v->vgamem)
      vb_xml_attr_uint (w, "vgamem", v->vgamem);
    if (v->heads)
      vb_xml_attr_uint (w, "heads", v->heads);
    if (v->primary)
      vb_xml_attr (w, "primary", "yes");
    if (v->model_extra) {
      vb_xml_end_open (w);
      for (xmlNode *c = v->model_extra->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
          vb_xml_write_node (w, c);
      vb_xml_close (w);
    } else {
      vb_xml_end_empty (w);
    }
  }
  device_info_format (w, &v->info);
  vb_xml_close (w);
}

static void
input_def_free (VbDomainInputDef *in)
{
  if (in == NULL)
    return;
  g_free (in->type);
  g_free (in->bus);
  g_free (in->model);
  vb_xml_opaque_free (in->source);
  device_info_clear (&in->info);
  g_free (in);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbDomainInputDef, input_def_free)

static VbDomainInputDef *
input_def_parse (xmlNode *node, GError **error)
{
  g_autoptr(VbDomainInputDef) in = g_new0 (VbDomainInputDef, 1);

  in->type = prop (node, "type");
  in->bus = prop (node, "bus");
  in->model = prop (node, "model");
  if (!str_in (in->type, (const char *const[]) { "mouse", "tablet", "keyboard", "passthrough", "evdev", NULL }))
    return INVALID (error, "unknown input type '%s'", in->type ? in->type : ""), NULL;
  for (xmlNode *c = node->children; c; c = c->next) {
    int r;

    if (c->type != XML_ELEMENT_NODE || c->ns != NULL)
      continue;
    if (vb_xml_is_element (c, "source")) {
      g_clear_pointer (&in->source, vb_xml_opaque_free);
      in->source = vb_xml_opaque_copy (c);
    } else if ((r = device_info_take (&in->info, c, error)) != 0) {
      if (r < 0)
        return NULL;
    } else {
      device_info_keep (&in->info, c);
    }
  }
  return g_steal_pointer (&in);
}

static void
input_def_format (VbXmlWriter *w, const VbDomainInputDef *in)
{
  const VbDomainDeviceInfo *i = &in->info;

  vb_xml_start (w, "input");
  vb_xml_attr (w, "type", in->type);
  vb_xml_attr (w, "bus", in->bus);
  vb_xml_attr (w, "model", in->model);
  if (!in->source && !(i->extra && i->extra->len) && !i->boot_order && !i->alias && !i->address) {
    vb_xml_end_empty (w);
    return;
  }
  vb_xml_end_open (w);
  if (in->source)
    vb_xml_write_node (w, in->source);
  device_info_format (w, i);
  vb_xml_close (w);
}

static void
memballoon_def_free (VbDomainMemballoonDef *m)
{
  if (m == NULL)
    return;
  g_free (m->model);
  g_free (m->autodeflate);
  g_free (m->free_page_reporting);
  device_info_clear (&m->info);
  g_free (m);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbDomainMemballoonDef, memballoon_def_free)

static VbDomainMemballoonDef *
memballoon_def_parse (xmlNode *node, GError **error)
{
  g_autoptr(VbDomainMemballoonDef) m = g_new0 (VbDomainMemballoonDef, 1);

  m->model = prop (node, "model");
  m->autodeflate = prop (node, "autodeflate");
  m->free_page_reporting = prop (node, "freePageReporting");
  if (m->model == NULL)
    return INVALID (error, "<memballoon> is missing its model attribute"), NULL;
  if (!str_in (m->model, (const char *const[]) { "virtio", "xen", "none", "virtio-transitional",
                                                  "virtio-non-transitional", NULL }))
    return INVALID (error, "unknown memballoon model '%s'", m->model), NULL;
  for (xmlNode *c = node->children; c; c = c->next) {
    int r;

    if (c->type != XML_ELEMENT_NODE || c->ns != NULL)
      continue;
    if (vb_xml_is_element (c, "stats")) {
      guint64 period = 0;

      if (!vb_xml_prop_uint (c, "period", 10, G_MAXINT, &period, NULL, error))
        return NULL;
      m->stats_period = (guint) period;
    } else if ((r = device_info_take (&m->info, c, error)) != 0) {
      if (r < 0)
        return NULL;
    } else {
      device_info_keep (&m->info, c);
    }
  }
  return g_steal_pointer (&m);
}

static void
memballoon_def_format (VbXmlWriter *w, const VbDomainMemballoonDef *m)
{
  const VbDomainDeviceInfo *i = &m->info;

  vb_xml_start (w, "memballoon");
  vb_xml_attr (w, "model", m->model);
  vb_xml_attr (w, "autodeflate", m->autodeflate);
  vb_xml_attr (w, "freePageReporting", m->free_page_reporting);
  if (!m->stats_period && !(i->extra && i->extra->len) && !i->alias && !i->address) {
    vb_xml_end_empty (w);
    return;
  }
  vb_xml_end_open (w);
  if (m->stats_period) {
    vb_xml_start (w, "stats");
    vb_xml_attr_uint (w, "period", m->stats_period);
    vb_xml_end_empty (w);
  }
  device_info_format (w, i);
  vb_xml_close (w);
}

/* Opaque devices that embed a character device source --------------------- */

/* Replaces the <source>/<protocol> children of @host (inside an opaque copy)
 * with the canonical form of the parsed source, so smartcards, redirdevs
 * and rng backends get the same checks and defaults as serial ports. */
static gboolean
normalize_opaque_chardev (xmlNode *host, const char *type, GError **error)
{
  VbDomainChardevSource src = { 0 };
  g_autoptr(VbXmlWriter) w = vb_xml_writer_new ();
  g_autofree char *text = NULL;
  g_autoptr(xmlDoc) doc = NULL;
  g_autoptr(GPtrArray) doomed = g_ptr_array_new ();
  xmlNode *anchor = NULL;
  gboolean ok;

  ok = chardev_source_parse (&src, host, type, FALSE, error);
  if (ok) {
    vb_xml_start (w, "x");
    vb_xml_end_open (w);
    chardev_source_format (w, &src, 0);
    vb_xml_close (w);
  }
  chardev_source_clear (&src);
  if (!ok) {
    g_prefix_error (error, "<%s>: ", (const char *) host->name);
    return FALSE;
  }
  text = vb_xml_writer_steal (w);
  doc = xmlReadMemory (text, (int) strlen (text), "chardev", NULL, XML_PARSE_NONET);
  if (doc == NULL)
    return INVALID (error, "<%s>: cannot rebuild its <source>", (const char *) host->name);
  for (xmlNode *c = host->children; c; c = c->next)
    if (vb_xml_is_element (c, "source") || vb_xml_is_element (c, "protocol") || vb_xml_is_element (c, "log"))
      g_ptr_array_add (doomed, c);
  if (doomed->len) {
    anchor = ((xmlNode *) g_ptr_array_index (doomed, doomed->len - 1))->next;
    while (anchor && anchor->type != XML_ELEMENT_NODE)
      anchor = anchor->next;
  } else {
    anchor = vb_xml_child (host, NULL);
  }
  for (guint i = 0; i < doomed->len; i++) {
    xmlNode *c = g_ptr_array_index (doomed, i);
    xmlUnlinkNode (c);
    xmlFreeNode (c);
  }
  for (xmlNode *c = xmlDocGetRootElement (doc)->children; c; c = c->next) {
    xmlNode *copy;

    if (c->type != XML_ELEMENT_NODE)
      continue;
    copy = xmlDocCopyNode (c, host->doc, 1);
    if (anchor)
      xmlAddPrevSibling (anchor, copy);
    else
      xmlAddChild (host, copy);
  }
  return TRUE;
}

static gboolean
opaque_device_check (VbDomainDeviceKind kind, xmlNode *node, GError **error)
{
  g_autofree char *type = prop (node, "type");
  g_autofree char *mode = prop (node, "mode");

  switch (kind) {
  case VB_DOMAIN_DEVICE_SMARTCARD:
    if (g_strcmp0 (mode, "passthrough") == 0)
      return normalize_opaque_chardev (node, type, error);
    return TRUE;
  case VB_DOMAIN_DEVICE_REDIRDEV:
    return normalize_opaque_chardev (node, type, error);
  case VB_DOMAIN_DEVICE_RNG: {
    xmlNode *backend = vb_xml_child (node, "backend");
    g_autofree char *model = backend ? prop (backend, "model") : NULL;
    g_autofree char *btype = backend ? prop (backend, "type") : NULL;

    if (backend == NULL)
      return INVALID (error, "<rng> is missing its <backend>");
    if (g_strcmp0 (model, "egd") == 0)
      return normalize_opaque_chardev (backend, btype, error);
    return TRUE;
  }
  default:
    return TRUE;
  }
}

/* One device ----------------------------------------------------------------- */

static void
device_data_free (VbDomainDeviceKind kind, gpointer data)
{
  if (data == NULL)
    return;
  switch (kind) {
  case VB_DOMAIN_DEVICE_DISK:
    vb_domain_disk_def_free (data);
    break;
  case VB_DOMAIN_DEVICE_CONTROLLER:
    controller_def_free (data);
    break;
  case VB_DOMAIN_DEVICE_INTERFACE:
    vb_domain_interface_def_free (data);
    break;
  case VB_DOMAIN_DEVICE_SERIAL:
  case VB_DOMAIN_DEVICE_PARALLEL:
  case VB_DOMAIN_DEVICE_CONSOLE:
  case VB_DOMAIN_DEVICE_CHANNEL:
    chardev_def_free (data);
    break;
  case VB_DOMAIN_DEVICE_INPUT:
    input_def_free (data);
    break;
  case VB_DOMAIN_DEVICE_GRAPHICS:
    graphics_def_free (data);
    break;
  case VB_DOMAIN_DEVICE_VIDEO:
    video_def_free (data);
    break;
  case VB_DOMAIN_DEVICE_MEMBALLOON:
    memballoon_def_free (data);
    break;
  default:
    vb_xml_opaque_free (data);
    break;
  }
}

void
vb_domain_device_free (VbDomainDevice *dev)
{
  if (dev == NULL)
    return;
  device_data_free (dev->kind, dev->data);
  g_free (dev);
}

static VbDomainDevice *
device_parse_node (xmlNode *node, GError **error)
{
  g_autoptr(VbDomainDevice) dev = g_new0 (VbDomainDevice, 1);
  int kind = device_kind_from_name ((const char *) node->name);

  if (kind < 0 || node->ns != NULL)
    return INVALID (error, "unknown device <%s>", (const char *) node->name), NULL;
  dev->kind = (VbDomainDeviceKind) kind;
  switch (dev->kind) {
  case VB_DOMAIN_DEVICE_DISK:
    dev->data = disk_def_parse (node, error);
    break;
  case VB_DOMAIN_DEVICE_CONTROLLER:
    dev->data = controller_def_parse (node, error);
    break;
  case VB_DOMAIN_DEVICE_INTERFACE:
    dev->data = interface_def_parse (node, error);
    break;
  case VB_DOMAIN_DEVICE_SERIAL:
  case VB_DOMAIN_DEVICE_PARALLEL:
  case VB_DOMAIN_DEVICE_CONSOLE:
  case VB_DOMAIN_DEVICE_CHANNEL:
    dev->data = chardev_def_parse (node, dev->kind, error);
    break;
  case VB_DOMAIN_DEVICE_INPUT:
    dev->data = input_def_parse (node, error);
    break;
  case VB_DOMAIN_DEVICE_GRAPHICS:
    dev->data = graphics_def_parse (node, error);
    break;
  case VB_DOMAIN_DEVICE_VIDEO:
    dev->data = video_def_parse (node, error);
    break;
  case VB_DOMAIN_DEVICE_MEMBALLOON:
    dev->data = memballoon_def_parse (node, error);
    break;
  default: {
    xmlNode *copy = vb_xml_opaque_copy (node);

    if (!opaque_device_check (dev->kind, copy, error)) {
      vb_xml_opaque_free (copy);
      return NULL;
    }
    dev->data = copy;
    break;
  }
  }
  if (dev->data == NULL)
    return NULL;
  return g_steal_pointer (&dev);
}

static void
device_format (VbXmlWriter *w, VbDomainDeviceKind kind, gconstpointer data, guint flags)
{
  switch (kind) {
  case VB_DOMAIN_DEVICE_DISK:
    disk_def_format (w, data);
    break;
  case VB_DOMAIN_DEVICE_CONTROLLER:
    controller_def_format (w, data);
    break;
  case VB_DOMAIN_DEVICE_INTERFACE:
    interface_def_format (w, data);
    break;
  case VB_DOMAIN_DEVICE_SERIAL:
  case VB_DOMAIN_DEVICE_PARALLEL:
  case VB_DOMAIN_DEVICE_CONSOLE:
  case VB_DOMAIN_DEVICE_CHANNEL:
    chardev_def_format (w, data, flags);
    break;
  case VB_DOMAIN_DEVICE_INPUT:
    input_def_format (w, data);
    break;
  case VB_DOMAIN_DEVICE_GRAPHICS:
    graphics_def_format (w, data, flags);
    break;
  case VB_DOMAIN_DEVICE_VIDEO:
    video_def_format (w, data);
    break;
  case VB_DOMAIN_DEVICE_MEMBALLOON:
    memballoon_def_format (w, data);
    break;
  default:
    vb_xml_write_node (w, (xmlNode *) data);
    break;
  }
}

char *
vb_domain_device_format (const VbDomainDevice *dev, guint format_flags)
{
  g_autoptr(VbXmlWriter) w = vb_xml_writer_new ();

  device_format (w, dev->kind, dev->data, format_flags);
  return vb_xml_writer_steal (w);
}

VbDomainDevice *
vb_domain_device_parse (const char *xml, GError **error)
{
  g_autoptr(xmlDoc) doc = NULL;
  xmlNode *root;
  const char *root_name = NULL;

  /* vb_xml_parse wants the root's name: take it from the document itself */
  if (xml) {
    const char *p = xml;
    g_autofree char *name = NULL;
    gsize len = 0;

    while ((p = strchr (p, '<')) && (p[1] == '?' || p[1] == '!'))
      p++;
    if (p) {
      p++;
      while (p[len] && (g_ascii_isalnum (p[len]) || p[len] == '_' || p[len] == '-'))
        len++;
      name = g_strndup (p, len);
      if (device_kind_from_name (name) >= 0)
        root_name = device_names[device_kind_from_name (name)];
    }
  }
  if (root_name == NULL) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML, "not a device XML document");
    return NULL;
  }
  doc = vb_xml_parse (xml, root_name, error);
  if (doc == NULL)
    return NULL;
  root = xmlDocGetRootElement (doc);
  return device_parse_node (root, error);
}

/* The definition ------------------------------------------------------------- */

/* Where the array of @kind lives.  NULL for memballoon, a single device,
 * and for the untyped kinds while their block of slots is not allocated;
 * with @create the block is allocated then. */
static GPtrArray **
device_slot (VbDomainDef *def, VbDomainDeviceKind kind, gboolean create)
{
  switch (kind) {
  case VB_DOMAIN_DEVICE_DISK: return &def->disks;
  case VB_DOMAIN_DEVICE_CONTROLLER: return &def->controllers;
  case VB_DOMAIN_DEVICE_INTERFACE: return &def->interfaces;
  case VB_DOMAIN_DEVICE_SERIAL: return &def->serials;
  case VB_DOMAIN_DEVICE_PARALLEL: return &def->parallels;
  case VB_DOMAIN_DEVICE_CONSOLE: return &def->consoles;
  case VB_DOMAIN_DEVICE_CHANNEL: return &def->channels;
  case VB_DOMAIN_DEVICE_INPUT: return &def->inputs;
  case VB_DOMAIN_DEVICE_GRAPHICS: return &def->graphics;
  case VB_DOMAIN_DEVICE_VIDEO: return &def->videos;
  case VB_DOMAIN_DEVICE_MEMBALLOON: return NULL;
  default:
    if (def->other_devices == NULL) {
      if (!create)
        return NULL;
      def->other_devices = g_new0 (GPtrArray *, VB_DOMAIN_DEVICE_LAST);
    }
    return &def->other_devices[kind];
  }
}

GPtrArray *
vb_domain_def_get_devices (const VbDomainDef *def, VbDomainDeviceKind kind)
{
  GPtrArray **slot;

  g_return_val_if_fail (def != NULL && kind < VB_DOMAIN_DEVICE_LAST, NULL);
  slot = device_slot ((VbDomainDef *) def, kind, FALSE);
  return slot ? *slot : NULL;
}

static void free_disk (gpointer p) { vb_domain_disk_def_free (p); }
static void free_controller (gpointer p) { controller_def_free (p); }
static void free_iface (gpointer p) { vb_domain_interface_def_free (p); }
static void free_chardev (gpointer p) { chardev_def_free (p); }
static void free_input (gpointer p) { input_def_free (p); }
static void free_graphics (gpointer p) { graphics_def_free (p); }
static void free_video (gpointer p) { video_def_free (p); }

static GDestroyNotify
device_free_func (VbDomainDeviceKind kind)
{
  switch (kind) {
  case VB_DOMAIN_DEVICE_DISK: return free_disk;
  case VB_DOMAIN_DEVICE_CONTROLLER: return free_controller;
  case VB_DOMAIN_DEVICE_INTERFACE: return free_iface;
  case VB_DOMAIN_DEVICE_SERIAL:
  case VB_DOMAIN_DEVICE_PARALLEL:
  case VB_DOMAIN_DEVICE_CONSOLE:
  case VB_DOMAIN_DEVICE_CHANNEL: return free_chardev;
  case VB_DOMAIN_DEVICE_INPUT: return free_input;
  case VB_DOMAIN_DEVICE_GRAPHICS: return free_graphics;
  case VB_DOMAIN_DEVICE_VIDEO: return free_video;
  default: return opaque_free;
  }
}

VbDomainDef *
vb_domain_def_new (void)
{
  VbDomainDef *def = g_new0 (VbDomainDef, 1);

  def->id = -1;
  return def;
}

static void
cpu_def_free (VbDomainCpuDef *cpu)
{
  if (cpu == NULL)
    return;
  g_free (cpu->mode);
  g_free (cpu->match);
  g_free (cpu->check);
  g_free (cpu->migratable);
  g_free (cpu->model);
  vb_xml_opaque_free (cpu->model_node);
  g_free (cpu->vendor);
  g_clear_pointer (&cpu->children, g_ptr_array_unref);
  g_free (cpu);
}

void
vb_domain_def_free (VbDomainDef *def)
{
  if (def == NULL)
    return;
  g_free (def->virt_type);
  g_free (def->name);
  g_free (def->genid);
  g_free (def->title);
  g_free (def->description);
  vb_xml_opaque_free (def->metadata);
  g_free (def->memory_dump_core);
  g_free (def->vcpu_placement);
  g_free (def->vcpu_cpuset);
  cpu_def_free (def->cpu);
  g_free (def->os_type);
  g_free (def->os_arch);
  g_free (def->os_machine);
  g_free (def->os_firmware);
  g_clear_pointer (&def->os_boot_devs, g_ptr_array_unref);
  g_free (def->os_kernel);
  g_free (def->os_initrd);
  g_free (def->os_cmdline);
  g_free (def->os_dtb);
  g_free (def->os_init);
  g_free (def->os_bootmenu_enable);
  g_free (def->os_bootmenu_timeout);
  g_clear_pointer (&def->os_other, g_ptr_array_unref);
  vb_xml_opaque_free (def->features);
  g_free (def->clock_offset);
  vb_xml_opaque_free (def->clock);
  g_free (def->on_poweroff);
  g_free (def->on_reboot);
  g_free (def->on_crash);
  g_free (def->on_lockfailure);
  g_free (def->emulator);
  g_clear_pointer (&def->disks, g_ptr_array_unref);
  g_clear_pointer (&def->controllers, g_ptr_array_unref);
  g_clear_pointer (&def->interfaces, g_ptr_array_unref);
  g_clear_pointer (&def->serials, g_ptr_array_unref);
  g_clear_pointer (&def->parallels, g_ptr_array_unref);
  g_clear_pointer (&def->consoles, g_ptr_array_unref);
  g_clear_pointer (&def->channels, g_ptr_array_unref);
  g_clear_pointer (&def->inputs, g_ptr_array_unref);
  g_clear_pointer (&def->graphics, g_ptr_array_unref);
  g_clear_pointer (&def->videos, g_ptr_array_unref);
  memballoon_def_free (def->memballoon);
  for (int i = 0; def->other_devices && i < VB_DOMAIN_DEVICE_LAST; i++)
    g_clear_pointer (&def->other_devices[i], g_ptr_array_unref);
  g_free (def->other_devices);
  g_clear_pointer (&def->opaque, g_hash_table_unref);
  g_clear_pointer (&def->namespaces, g_hash_table_unref);
  g_free (def);
}

/* Takes ownership of @dev's data. */
static gboolean
def_add_device (VbDomainDef *def, VbDomainDevice *dev, GError **error)
{
  if (dev->kind == VB_DOMAIN_DEVICE_MEMBALLOON) {
    if (def->memballoon) {
      g_set_error (error, VB_ERROR, VB_ERROR_EXISTS, "the domain already has a <memballoon>");
      return FALSE;
    }
    def->memballoon = g_steal_pointer (&dev->data);
    return TRUE;
  }
  array_add_lazy (device_slot (def, dev->kind, TRUE), device_free_func (dev->kind),
                  g_steal_pointer (&dev->data));
  return TRUE;
}

static void
add_opaque (VbDomainDef *def, const char *key, xmlNode *node)
{
  GPtrArray *arr;

  if (def->opaque == NULL)
    def->opaque = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) g_ptr_array_unref);
  arr = g_hash_table_lookup (def->opaque, key);
  if (arr == NULL) {
    arr = opaque_array_new ();
    g_hash_table_insert (def->opaque, g_strdup (key), arr);
  }
  g_ptr_array_add (arr, vb_xml_opaque_copy (node));
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
    add_opaque (def, "cputune", out);
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
        later_repeat (c, (const char *const[]) { "topology", NULL }))
      continue;
    if (vb_xml_is_element (c, "model") && cpu->model == NULL) {
      cpu->model = g_strstrip (vb_xml_text (c));
      if (!node_is_simple (c, (const char *const[]) { NULL }))
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
        later_repeat (c, (const char *const[]) { "type", "bootmenu", "kernel", "initrd", "cmdline",
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
    if (device_kind_from_name ((const char *) c->name) < 0)
      continue; /* libvirt ignores what it does not know */
    if (vb_xml_is_element (c, "memballoon") && def->memballoon)
      continue;
    dev = device_parse_node (c, error);
    if (dev == NULL || !def_add_device (def, dev, error))
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
    if (!node_is_simple (c, (const char *const[]) { "offset", NULL }))
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

static void
disk_assign_address (VbDomainDiskDef *d)
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
    def->controllers = g_ptr_array_new_with_free_func (free_controller);
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

      if (g_strcmp0 (d->target_bus, buses[b]) == 0 && address_is (&d->info, "drive"))
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

        if (g_strcmp0 (d->target_bus, "nvme") != 0 || !address_is (&d->info, "drive") ||
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
post_parse (VbDomainDef *def, GError **error)
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
  if (def->os_arch == NULL && g_strcmp0 (def->os_type, "hvm") == 0)
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
    disk_assign_address (g_ptr_array_index (def->disks, i));
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
        add_opaque (def, "", c);
      continue;
    }
    if (str_in ((const char *) c->name, typed_top)) {
      if (later_repeat (c, typed_top) && strcmp ((const char *) c->name, "devices") != 0)
        continue;
      if (!parse_top (def, c, &cputune, error))
        return NULL;
    } else if (str_in ((const char *) c->name, domain_order)) {
      add_opaque (def, (const char *) c->name, c);
    }
  }
  if (def->name == NULL)
    return INVALID (error, "<domain> is missing <name>"), NULL;
  if (def->os_type == NULL)
    return INVALID (error, "<domain> is missing <os>"), NULL;
  if (vb_uuid_is_null (&def->uuid))
    vb_uuid_generate (&def->uuid);
  if (!post_parse (def, error))
    return NULL;
  if (cputune && !cputune_normalize (def, cputune, error))
    return NULL;
  if (parse_flags & VB_DOMAIN_PARSE_LIVE)
    graphics_keep_live_ports (def, root);
  return g_steal_pointer (&def);
}

/* Format ------------------------------------------------------------------------ */

static void
write_kib (VbXmlWriter *w, const char *name, guint64 kib, const char *attr, const char *value)
{
  g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT, kib);

  vb_xml_start (w, name);
  if (attr && value)
    vb_xml_attr (w, attr, value);
  vb_xml_attr (w, "unit", "KiB");
  vb_xml_end_text (w, text);
}

static void
format_cpu (VbXmlWriter *w, const VbDomainCpuDef *cpu)
{
  gboolean children;

  if (cpu == NULL)
    return;
  children = cpu->model || cpu->vendor || cpu->topology_set || array_len (cpu->children);
  vb_xml_start (w, "cpu");
  vb_xml_attr (w, "mode", cpu->mode);
  vb_xml_attr (w, "match", cpu->match);
  vb_xml_attr (w, "check", cpu->check);
  vb_xml_attr (w, "migratable", cpu->migratable);
  if (!children) {
    vb_xml_end_empty (w);
    return;
  }
  vb_xml_end_open (w);
  if (cpu->model_node)
    vb_xml_write_node (w, cpu->model_node);
  else
    vb_xml_text_element (w, "model", cpu->model);
  vb_xml_text_element (w, "vendor", cpu->vendor);
  if (cpu->topology_set) {
    vb_xml_start (w, "topology");
    vb_xml_attr_uint (w, "sockets", cpu->sockets);
    if (cpu->dies)
      vb_xml_attr_uint (w, "dies", cpu->dies);
    if (cpu->clusters)
      vb_xml_attr_uint (w, "clusters", cpu->clusters);
    vb_xml_attr_uint (w, "cores", cpu->cores);
    vb_xml_attr_uint (w, "threads", cpu->threads);
    vb_xml_end_empty (w);
  }
  write_opaque_array (w, cpu->children);
  vb_xml_close (w);
}

static gboolean
os_early (xmlNode *n)
{
  return vb_xml_is_element (n, "firmware") || vb_xml_is_element (n, "loader") ||
         vb_xml_is_element (n, "nvram");
}

static gboolean
os_late (xmlNode *n)
{
  return vb_xml_is_element (n, "smbios") || vb_xml_is_element (n, "bios");
}

static void
format_os (VbXmlWriter *w, const VbDomainDef *def)
{
  vb_xml_start (w, "os");
  vb_xml_attr (w, "firmware", def->os_firmware);
  vb_xml_end_open (w);
  vb_xml_start (w, "type");
  vb_xml_attr (w, "arch", def->os_arch);
  vb_xml_attr (w, "machine", def->os_machine);
  vb_xml_end_text (w, def->os_type);
  for (guint i = 0; i < array_len (def->os_other); i++)
    if (os_early (g_ptr_array_index (def->os_other, i)))
      vb_xml_write_node (w, g_ptr_array_index (def->os_other, i));
  vb_xml_text_element (w, "init", def->os_init);
  for (guint i = 0; i < array_len (def->os_other); i++) {
    xmlNode *n = g_ptr_array_index (def->os_other, i);
    if (g_str_has_prefix ((const char *) n->name, "init"))
      vb_xml_write_node (w, n);
  }
  vb_xml_text_element (w, "kernel", def->os_kernel);
  vb_xml_text_element (w, "initrd", def->os_initrd);
  vb_xml_text_element (w, "cmdline", def->os_cmdline);
  vb_xml_text_element (w, "dtb", def->os_dtb);
  for (guint i = 0; i < array_len (def->os_other); i++) {
    xmlNode *n = g_ptr_array_index (def->os_other, i);
    if (!os_early (n) && !os_late (n) && !g_str_has_prefix ((const char *) n->name, "init"))
      vb_xml_write_node (w, n);
  }
  for (guint i = 0; i < array_len (def->os_boot_devs); i++) {
    vb_xml_start (w, "boot");
    vb_xml_attr (w, "dev", g_ptr_array_index (def->os_boot_devs, i));
    vb_xml_end_empty (w);
  }
  if (def->os_bootmenu_enable || def->os_bootmenu_timeout) {
    vb_xml_start (w, "bootmenu");
    vb_xml_attr (w, "enable", def->os_bootmenu_enable);
    vb_xml_attr (w, "timeout", def->os_bootmenu_timeout);
    vb_xml_end_empty (w);
  }
  for (guint i = 0; i < array_len (def->os_other); i++)
    if (os_late (g_ptr_array_index (def->os_other, i)))
      vb_xml_write_node (w, g_ptr_array_index (def->os_other, i));
  vb_xml_close (w);
}

static void
format_devices (VbXmlWriter *w, const VbDomainDef *def, guint flags)
{
  vb_xml_start (w, "devices");
  vb_xml_end_open (w);
  vb_xml_text_element (w, "emulator", def->emulator);
  for (int k = 0; k < VB_DOMAIN_DEVICE_LAST; k++) {
    GPtrArray *arr = vb_domain_def_get_devices (def, k);

    if (k == VB_DOMAIN_DEVICE_MEMBALLOON && def->memballoon)
      memballoon_def_format (w, def->memballoon);
    for (guint i = 0; i < array_len (arr); i++)
      device_format (w, k, g_ptr_array_index (arr, i), flags);
  }
  vb_xml_close (w);
}

static void
format_metadata (VbXmlWriter *w, const VbDomainDef *def)
{
  gboolean any = FALSE;

  /* metadata children are namespaced, so vb_xml_child() does not see them */
  for (xmlNode *c = def->metadata ? def->metadata->children : NULL; c; c = c->next)
    any = any || c->type == XML_ELEMENT_NODE;
  if (!any)
    return;
  vb_xml_start (w, "metadata");
  vb_xml_end_open (w);
  for (xmlNode *c = def->metadata->children; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE)
      vb_xml_write_node_dump (w, c);
  vb_xml_close (w);
}

static void
format_top (VbXmlWriter *w, const VbDomainDef *def, const char *name, guint flags)
{
  char uuid[VB_UUID_STRING_LEN + 1];

  if (strcmp (name, "name") == 0) {
    vb_xml_text_element (w, "name", def->name);
  } else if (strcmp (name, "uuid") == 0) {
    vb_uuid_format (&def->uuid, uuid);
    vb_xml_text_element (w, "uuid", uuid);
  } else if (strcmp (name, "genid") == 0) {
    vb_xml_text_element (w, "genid", def->genid);
  } else if (strcmp (name, "title") == 0) {
    vb_xml_text_element (w, "title", def->title);
  } else if (strcmp (name, "description") == 0) {
    vb_xml_text_element (w, "description", def->description);
  } else if (strcmp (name, "metadata") == 0) {
    format_metadata (w, def);
  } else if (strcmp (name, "maxMemory") == 0) {
    if (def->max_memory_kib) {
      g_autofree char *slots = def->max_memory_slots ? g_strdup_printf ("%u", def->max_memory_slots) : NULL;
      write_kib (w, "maxMemory", def->max_memory_kib, "slots", slots);
    }
  } else if (strcmp (name, "memory") == 0) {
    write_kib (w, "memory", def->memory_kib, "dumpCore", def->memory_dump_core);
  } else if (strcmp (name, "currentMemory") == 0) {
    write_kib (w, "currentMemory", def->current_memory_kib, NULL, NULL);
  } else if (strcmp (name, "vcpu") == 0) {
    g_autofree char *n = g_strdup_printf ("%u", def->vcpus);

    vb_xml_start (w, "vcpu");
    vb_xml_attr (w, "placement", def->vcpu_placement ? def->vcpu_placement : "static");
    vb_xml_attr (w, "cpuset", def->vcpu_cpuset);
    if (def->current_vcpus && def->current_vcpus != def->vcpus)
      vb_xml_attr_uint (w, "current", def->current_vcpus);
    vb_xml_end_text (w, n);
  } else if (strcmp (name, "iothreads") == 0) {
    if (def->iothreads)
      vb_xml_text_element_printf (w, "iothreads", "%u", def->iothreads);
  } else if (strcmp (name, "cpu") == 0) {
    format_cpu (w, def->cpu);
  } else if (strcmp (name, "os") == 0) {
    format_os (w, def);
  } else if (strcmp (name, "features") == 0) {
    if (def->features)
      vb_xml_write_node (w, def->features);
  } else if (strcmp (name, "clock") == 0) {
    vb_xml_start (w, "clock");
    vb_xml_attr (w, "offset", def->clock_offset);
    write_rest (w, def->clock, (const char *const[]) { "offset", NULL });
  } else if (strcmp (name, "on_poweroff") == 0) {
    vb_xml_text_element (w, name, def->on_poweroff);
  } else if (strcmp (name, "on_reboot") == 0) {
    vb_xml_text_element (w, name, def->on_reboot);
  } else if (strcmp (name, "on_crash") == 0) {
    vb_xml_text_element (w, name, def->on_crash);
  } else if (strcmp (name, "on_lockfailure") == 0) {
    vb_xml_text_element (w, name, def->on_lockfailure);
  } else if (strcmp (name, "devices") == 0) {
    format_devices (w, def, flags);
  }
}

char *
vb_domain_def_format (const VbDomainDef *def, guint format_flags)
{
  g_autoptr(VbXmlWriter) w = vb_xml_writer_new ();
  g_autoptr(GList) prefixes = NULL;
  GPtrArray *ns_nodes;

  g_return_val_if_fail (def != NULL, NULL);
  vb_xml_start (w, "domain");
  vb_xml_attr (w, "type", def->virt_type);
  if (def->id >= 0 && !(format_flags & VB_DOMAIN_FORMAT_INACTIVE))
    vb_xml_attr_printf (w, "id", "%d", def->id);
  if (def->namespaces)
    prefixes = g_list_sort (g_hash_table_get_keys (def->namespaces), (GCompareFunc) strcmp);
  for (GList *l = prefixes; l; l = l->next) {
    g_autofree char *attr = g_strdup_printf ("xmlns:%s", (const char *) l->data);
    vb_xml_attr (w, attr, g_hash_table_lookup (def->namespaces, l->data));
  }
  vb_xml_end_open (w);
  for (guint i = 0; domain_order[i]; i++) {
    GPtrArray *arr;

    if (str_in (domain_order[i], typed_top) && strcmp (domain_order[i], "cputune") != 0) {
      format_top (w, def, domain_order[i], format_flags);
      continue;
    }
    arr = def->opaque ? g_hash_table_lookup (def->opaque, domain_order[i]) : NULL;
    write_opaque_array (w, arr);
  }
  ns_nodes = def->opaque ? g_hash_table_lookup (def->opaque, "") : NULL;
  /* hypervisor-specific extensions in their own namespaces go last */
  write_opaque_array (w, ns_nodes);
  vb_xml_close (w);
  return vb_xml_writer_steal (w);
}

/* Metadata ---------------------------------------------------------------------- */

static xmlNode *
metadata_find (xmlNode *metadata, const char *uri)
{
  for (xmlNode *c = metadata ? metadata->children : NULL; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE && c->ns && c->ns->href &&
        strcmp ((const char *) c->ns->href, uri) == 0)
      return c;
  return NULL;
}

gboolean
vb_domain_def_set_metadata (VbDomainDef *def, int type, const char *metadata,
                            const char *key, const char *uri, GError **error)
{
  gboolean remove = metadata == NULL || *metadata == '\0';

  switch (type) {
  case VB_DOMAIN_METADATA_DESCRIPTION:
    g_free (def->description);
    def->description = remove ? NULL : g_strdup (metadata);
    return TRUE;
  case VB_DOMAIN_METADATA_TITLE:
    if (!remove && strchr (metadata, '\n')) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "a domain title must not contain a newline");
      return FALSE;
    }
    g_free (def->title);
    def->title = remove ? NULL : g_strdup (metadata);
    return TRUE;
  case VB_DOMAIN_METADATA_ELEMENT:
    break;
  default:
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "unknown metadata type %d", type);
    return FALSE;
  }

  if (uri == NULL || *uri == '\0') {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "element metadata needs a namespace URI");
    return FALSE;
  }
  if (!remove && (key == NULL || *key == '\0' || xmlValidateNCName ((const xmlChar *) key, 0) != 0)) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "invalid metadata key '%s'", key ? key : "");
    return FALSE;
  }
  if (remove) {
    xmlNode *old;

    while ((old = metadata_find (def->metadata, uri))) {
      xmlUnlinkNode (old);
      xmlFreeNode (old);
    }
    return TRUE;
  }

  {
    g_autoptr(xmlDoc) frag = NULL;
    xmlNode *root, *copy, *old;
    xmlNs *ns;

    frag = xmlReadMemory (metadata, (int) strlen (metadata), "metadata", NULL,
                          XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR | XML_PARSE_NOBLANKS);
    if (frag == NULL || (root = xmlDocGetRootElement (frag)) == NULL) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML, "metadata is not a well-formed XML element");
      return FALSE;
    }
    if (def->metadata == NULL) {
      xmlDoc *doc = xmlNewDoc ((const xmlChar *) "1.0");
      def->metadata = xmlNewDocNode (doc, NULL, (const xmlChar *) "metadata", NULL);
      xmlDocSetRootElement (doc, def->metadata);
    }
    while ((old = metadata_find (def->metadata, uri))) {
      xmlUnlinkNode (old);
      xmlFreeNode (old);
    }
    copy = xmlDocCopyNode (root, def->metadata->doc, 1);
    /* the element is put into the caller's namespace under the caller's
     * prefix, whatever the fragment itself said */
    ns = xmlNewNs (copy, (const xmlChar *) uri, (const xmlChar *) key);
    xmlSetNs (copy, ns);
    xmlAddChild (def->metadata, copy);
  }
  return TRUE;
}

char *
vb_domain_def_get_metadata (const VbDomainDef *def, int type, const char *uri, GError **error)
{
  const char *value = NULL;

  switch (type) {
  case VB_DOMAIN_METADATA_DESCRIPTION:
    value = def->description;
    break;
  case VB_DOMAIN_METADATA_TITLE:
    value = def->title;
    break;
  case VB_DOMAIN_METADATA_ELEMENT: {
    xmlNode *node;
    g_autoptr(VbXmlWriter) w = NULL;
    g_autofree char *text = NULL;

    if (uri == NULL || *uri == '\0') {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "element metadata needs a namespace URI");
      return NULL;
    }
    node = metadata_find (def->metadata, uri);
    if (node == NULL)
      break;
    w = vb_xml_writer_new ();
    vb_xml_write_node_dump (w, node);
    text = vb_xml_writer_steal (w);
    g_strchomp (text);
    return g_steal_pointer (&text);
  }
  default:
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "unknown metadata type %d", type);
    return NULL;
  }
  if (value == NULL) {
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "metadata not found");
    return NULL;
  }
  return g_strdup (value);
}

/* Hot-plug ---------------------------------------------------------------------- */

static int
find_matching (VbDomainDef *def, const VbDomainDevice *dev)
{
  GPtrArray *arr = vb_domain_def_get_devices (def, dev->kind);
  g_autofree char *want = NULL;

  if (dev->kind == VB_DOMAIN_DEVICE_MEMBALLOON)
    return def->memballoon ? 0 : -1;
  if (dev->kind != VB_DOMAIN_DEVICE_DISK && dev->kind != VB_DOMAIN_DEVICE_INTERFACE)
    want = vb_domain_device_format (dev, VB_DOMAIN_FORMAT_INACTIVE);
  for (guint i = 0; i < array_len (arr); i++) {
    gpointer have = g_ptr_array_index (arr, i);

    if (dev->kind == VB_DOMAIN_DEVICE_DISK) {
      if (g_strcmp0 (((VbDomainDiskDef *) have)->target_dev,
                     ((VbDomainDiskDef *) dev->data)->target_dev) == 0)
        return (int) i;
    } else if (dev->kind == VB_DOMAIN_DEVICE_INTERFACE) {
      if (memcmp (&((VbDomainInterfaceDef *) have)->mac, &((VbDomainInterfaceDef *) dev->data)->mac,
                  sizeof (VbMac)) == 0)
        return (int) i;
    } else {
      VbDomainDevice tmp = { dev->kind, have };
      g_autofree char *got = vb_domain_device_format (&tmp, VB_DOMAIN_FORMAT_INACTIVE);

      if (g_strcmp0 (got, want) == 0)
        return (int) i;
    }
  }
  return -1;
}

gboolean
vb_domain_def_attach_device (VbDomainDef *def, const char *device_xml, GError **error)
{
  g_autoptr(VbDomainDevice) dev = vb_domain_device_parse (device_xml, error);

  if (dev == NULL)
    return FALSE;
  if ((dev->kind == VB_DOMAIN_DEVICE_DISK || dev->kind == VB_DOMAIN_DEVICE_INTERFACE) &&
      find_matching (def, dev) >= 0) {
    g_set_error (error, VB_ERROR, VB_ERROR_EXISTS, "the domain already has this %s (%s)",
                 device_names[dev->kind],
                 dev->kind == VB_DOMAIN_DEVICE_DISK ? "same target dev" : "same MAC address");
    return FALSE;
  }
  if (dev->kind == VB_DOMAIN_DEVICE_DISK)
    disk_assign_address (dev->data);
  return def_add_device (def, dev, error);
}

gboolean
vb_domain_def_detach_device (VbDomainDef *def, const char *device_xml, GError **error)
{
  g_autoptr(VbDomainDevice) dev = vb_domain_device_parse (device_xml, error);
  int idx;

  if (dev == NULL)
    return FALSE;
  /* an interface given without a MAC cannot name one of ours */
  if (dev->kind == VB_DOMAIN_DEVICE_INTERFACE && strstr (device_xml, "<mac") == NULL) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "an interface to detach must give its MAC address");
    return FALSE;
  }
  idx = find_matching (def, dev);
  if (idx < 0) {
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "no matching %s in the domain",
                 device_names[dev->kind]);
    return FALSE;
  }
  if (dev->kind == VB_DOMAIN_DEVICE_MEMBALLOON)
    g_clear_pointer (&def->memballoon, memballoon_def_free);
  else
    g_ptr_array_remove_index (vb_domain_def_get_devices (def, dev->kind), (guint) idx);
  return TRUE;
}
