/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The devices that connect the guest to the host: character devices
 * (and the opaque kinds that embed a character device source), network
 * interfaces, graphics. */
#include "vb-domain-def-private.h"

#include <string.h>

/* Character devices -------------------------------------------------------- */

void
vb_domain_chardev_source_clear (VbDomainChardevSource *s)
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
gboolean
vb_domain_chardev_source_parse (VbDomainChardevSource *s, xmlNode *dev, const char *type,
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

void
vb_domain_chardev_source_format (VbXmlWriter *w, const VbDomainChardevSource *s, guint flags)
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

void
vb_domain_chardev_def_free (VbDomainChardevDef *chr)
{
  if (chr == NULL)
    return;
  vb_domain_chardev_source_clear (&chr->source);
  g_free (chr->target_type);
  g_free (chr->target_name);
  g_free (chr->target_state);
  g_free (chr->target_address);
  g_free (chr->target_tport);
  g_free (chr->target_model);
  vb_domain_device_info_clear (&chr->info);
  g_free (chr);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbDomainChardevDef, vb_domain_chardev_def_free)

VbDomainChardevDef *
vb_domain_chardev_def_parse (xmlNode *node, VbDomainDeviceKind kind, GError **error)
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
  if (!vb_domain_chardev_source_parse (&chr->source, node, type, path_optional, error)) {
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
    r = vb_domain_device_info_take (&chr->info, c, error);
    if (r < 0)
      return NULL;
    if (r == 0)
      vb_domain_device_info_keep (&chr->info, c);
  }
  return g_steal_pointer (&chr);
}

void
vb_domain_chardev_def_format (VbXmlWriter *w, const VbDomainChardevDef *chr, guint flags)
{
  vb_xml_start (w, vb_domain_device_kind_to_string (chr->kind));
  vb_xml_attr (w, "type", chr->source.type ? chr->source.type : "pty");
  vb_xml_end_open (w);
  vb_domain_chardev_source_format (w, &chr->source, flags);
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
  vb_domain_device_info_format (w, &chr->info);
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
  vb_domain_device_info_clear (&n->info);
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
  if (!vb_domain_def_node_is_simple (src, attrs))
    n->source_node = vb_xml_opaque_copy (src);
  return TRUE;
}

VbDomainInterfaceDef *
vb_domain_interface_def_parse (xmlNode *node, GError **error)
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
        vb_domain_def_later_repeat (c, (const char *const[]) { "mac", "source", "virtualport", "bandwidth", "vlan",
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
      vb_domain_device_info_keep (&n->info, c);
    } else if ((r = vb_domain_device_info_take (&n->info, c, error)) != 0) {
      if (r < 0)
        return NULL;
    } else {
      vb_domain_device_info_keep (&n->info, c);
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

void
vb_domain_interface_def_format (VbXmlWriter *w, const VbDomainInterfaceDef *n)
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
  vb_domain_device_info_format (w, &n->info);
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

void
vb_domain_graphics_def_free (VbDomainGraphicsDef *g)
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
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbDomainGraphicsDef, vb_domain_graphics_def_free)

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

VbDomainGraphicsDef *
vb_domain_graphics_def_parse (xmlNode *node, GError **error)
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

void
vb_domain_graphics_def_format (VbXmlWriter *w, const VbDomainGraphicsDef *g, guint flags)
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

  ok = vb_domain_chardev_source_parse (&src, host, type, FALSE, error);
  if (ok) {
    vb_xml_start (w, "x");
    vb_xml_end_open (w);
    vb_domain_chardev_source_format (w, &src, 0);
    vb_xml_close (w);
  }
  vb_domain_chardev_source_clear (&src);
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

gboolean
vb_domain_opaque_device_check (VbDomainDeviceKind kind, xmlNode *node, GError **error)
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

