/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Guest NICs: the devices plugged for them, the ports charged to networks,
 * their record in the status file, and the addresses a guest's interfaces
 * have. */
#include "vb-qemu-private.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

void
nic_free (QemuNic *nic)
{
  g_free (nic->alias);
  g_free (nic->ifname);
  vb_network_port_free (nic->port);
  g_free (nic);
}

/* Guest NICs ------------------------------------------------------------------ */

void
nic_release (VbQemuDriver *self, QemuNic *nic)
{
  if (self->net == NULL || nic->borrowed)
    return;
  if (nic->port)
    vb_network_driver_port_release (self->net, nic->port, nic->ifname);
  else
    vb_network_driver_unplug (self->net, nic->ifname);
}

/* The run ended: every device goes, every port is given back. */
void
vm_release_nics (QemuVm *vm)
{
  for (guint i = 0; i < vm->nics->len; i++)
    nic_release (vm->driver, g_ptr_array_index (vm->nics, i));
  g_ptr_array_set_size (vm->nics, 0);
}

void
vm_release_nic (QemuVm *vm, const char *alias)
{
  for (guint i = 0; i < vm->nics->len; i++) {
    QemuNic *nic = g_ptr_array_index (vm->nics, i);

    if (g_strcmp0 (nic->alias, alias) == 0) {
      nic_release (vm->driver, nic);
      g_ptr_array_remove_index (vm->nics, i);
      return;
    }
  }
}

/* The network driver's result is the caller's task's, for the finish. */
static void
nic_plugged (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;

  g_task_return_pointer (task, g_object_ref (result), g_object_unref);
}

/* Creates the device of one network/bridge/direct/ethernet interface, in
 * the network driver's kernel worker; @callback runs on this thread. */
void
plug_interface_async (VbQemuDriver *self, VbDomain *dom, VbDomainInterfaceDef *iface, GAsyncReadyCallback callback,
                      gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);
  g_autofree char *alias = vb_qemu_device_alias (&iface->info);
  g_autofree char *label = g_strdup_printf ("interface %s of '%s'", alias, vb_domain_get_name (dom));

  g_task_set_source_tag (task, plug_interface_async);
  g_task_set_task_data (task, g_steal_pointer (&alias), g_free);
  if (self->net == NULL) {
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                             "%s: host networking is not available to this daemon", label);
    return;
  }
  vb_network_driver_plug_interface_async (self->net, iface, label, nic_plugged, g_steal_pointer (&task));
}

/* The NIC plugged and its device's fd, the caller's; NULL on failure,
 * with nothing left plugged. */
QemuNic *
plug_interface_finish (VbQemuDriver *self, GAsyncResult *result, int *out_fd, GError **error)
{
  g_autoptr(GAsyncResult) plugged = g_task_propagate_pointer (G_TASK (result), error);
  QemuNic *nic;

  *out_fd = -1;
  if (plugged == NULL)
    return NULL;
  nic = g_new0 (QemuNic, 1);
  if (!vb_network_driver_plug_interface_finish (self->net, plugged, &nic->port, &nic->ifname, out_fd, &nic->borrowed,
                                                error)) {
    nic_free (nic);
    return NULL;
  }
  nic->alias = g_strdup (g_task_get_task_data (G_TASK (result)));
  return nic;
}

/* Plugging every interface of a starting guest, one after the other. */
typedef struct {
  VbDomain *dom;
  VbDomainDef *live;  /* borrowed: the caller keeps it until the end */
  guint next;         /* the interface to look at next */
  GArray *fds;
  GPtrArray *nics;
} PlugAll;

static void
plug_all_free (PlugAll *all)
{
  g_object_unref (all->dom);
  for (guint i = 0; all->fds && i < all->fds->len; i++)
    if (g_array_index (all->fds, int, i) >= 0)
      close (g_array_index (all->fds, int, i));
  g_clear_pointer (&all->fds, g_array_unref);
  g_clear_pointer (&all->nics, g_ptr_array_unref);
  g_free (all);
}

static void plug_all_next (GTask *task);

static void
plug_all_one_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbQemuDriver *self = VB_QEMU_DRIVER (source);
  g_autoptr(GTask) task = user_data;
  PlugAll *all = g_task_get_task_data (task);
  VbDomainInterfaceDef *iface = g_ptr_array_index (all->live->interfaces, all->next);
  GError *error = NULL;
  int fd;
  QemuNic *nic = plug_interface_finish (self, result, &fd, &error);

  if (nic == NULL) {
    /* all or nothing */
    for (guint j = 0; j < all->nics->len; j++)
      nic_release (self, g_ptr_array_index (all->nics, j));
    g_ptr_array_set_size (all->nics, 0);
    g_task_return_error (task, error);
    return;
  }
  vb_network_port_show_in_interface (iface, nic->port, nic->ifname);
  g_array_append_val (all->fds, fd);
  g_ptr_array_add (all->nics, nic);
  all->next++;
  plug_all_next (g_steal_pointer (&task));
}

/* Takes @task's reference. */
static void
plug_all_next (GTask *task)
{
  PlugAll *all = g_task_get_task_data (task);
  GPtrArray *ifaces = all->live->interfaces;

  for (; ifaces && all->next < ifaces->len; all->next++) {
    VbDomainInterfaceDef *iface = g_ptr_array_index (ifaces, all->next);
    int fd = -1;

    if (vb_qemu_interface_uses_tap (iface)) {
      plug_interface_async (g_task_get_source_object (task), all->dom, iface, plug_all_one_done, task);
      return;
    }
    g_array_append_val (all->fds, fd);
  }
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/* Plugs every interface of @live that needs a device, in order, and
 * shows each in @live; @live must stay until @callback runs. */
void
plug_interfaces_async (VbQemuDriver *self, VbDomain *dom, VbDomainDef *live, GAsyncReadyCallback callback,
                       gpointer user_data)
{
  GTask *task = g_task_new (self, NULL, callback, user_data);
  PlugAll *all = g_new0 (PlugAll, 1);

  all->dom = g_object_ref (dom);
  all->live = live;
  all->fds = g_array_new (FALSE, FALSE, sizeof (int));
  all->nics = g_ptr_array_new_with_free_func ((GDestroyNotify) nic_free);
  g_task_set_source_tag (task, plug_interfaces_async);
  g_task_set_task_data (task, all, (GDestroyNotify) plug_all_free);
  plug_all_next (task);
}

/* @fds (one per interface, -1 where none) and @nics, the caller's.  All
 * or nothing. */
gboolean
plug_interfaces_finish (VbQemuDriver *self, GAsyncResult *result, GArray **fds, GPtrArray **nics, GError **error)
{
  PlugAll *all = g_task_get_task_data (G_TASK (result));

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  *fds = g_steal_pointer (&all->fds);
  *nics = g_steal_pointer (&all->nics);
  return TRUE;
}

/* Ports go into the status file next to the live XML: what a restarted
 * daemon needs to count them again and to let go of them. */
#define NIC_GROUP_PREFIX "nic "

void
nics_save (GKeyFile *kf, GPtrArray *nics)
{
  for (guint i = 0; i < nics->len; i++) {
    QemuNic *nic = g_ptr_array_index (nics, i);
    g_autofree char *group = g_strconcat (NIC_GROUP_PREFIX, nic->alias, NULL);
    const VbNetworkPort *port = nic->port;
    char uuid[VB_UUID_STRING_LEN + 1];

    g_key_file_set_string (kf, group, "ifname", nic->ifname);
    if (nic->borrowed)
      g_key_file_set_boolean (kf, group, "borrowed", TRUE);
    if (port == NULL)
      continue;
    vb_uuid_format (&port->network_uuid, uuid);
    g_key_file_set_string (kf, group, "network", port->network);
    g_key_file_set_string (kf, group, "network-uuid", uuid);
    g_key_file_set_integer (kf, group, "type", port->type);
    if (port->portgroup)
      g_key_file_set_string (kf, group, "portgroup", port->portgroup);
    if (port->bridge_name)
      g_key_file_set_string (kf, group, "bridge", port->bridge_name);
    if (port->dev)
      g_key_file_set_string (kf, group, "dev", port->dev);
    if (port->device_key)
      g_key_file_set_string (kf, group, "device-key", port->device_key);
    g_key_file_set_boolean (kf, group, "exclusive", port->exclusive);
    g_key_file_set_integer (kf, group, "macvtap-mode", port->macvtap_mode);
  }
}

GPtrArray *
nics_load (GKeyFile *kf)
{
  GPtrArray *nics = g_ptr_array_new_with_free_func ((GDestroyNotify) nic_free);
  g_auto(GStrv) groups = g_key_file_get_groups (kf, NULL);

  for (guint i = 0; groups[i]; i++) {
    QemuNic *nic;
    g_autofree char *uuid = NULL;

    if (!g_str_has_prefix (groups[i], NIC_GROUP_PREFIX))
      continue;
    nic = g_new0 (QemuNic, 1);
    nic->alias = g_strdup (groups[i] + strlen (NIC_GROUP_PREFIX));
    nic->ifname = g_key_file_get_string (kf, groups[i], "ifname", NULL);
    nic->borrowed = g_key_file_get_boolean (kf, groups[i], "borrowed", NULL);
    g_ptr_array_add (nics, nic);
    if (!g_key_file_has_key (kf, groups[i], "network", NULL))
      continue;
    nic->port = g_new0 (VbNetworkPort, 1);
    nic->port->network = g_key_file_get_string (kf, groups[i], "network", NULL);
    uuid = g_key_file_get_string (kf, groups[i], "network-uuid", NULL);
    if (uuid == NULL || !vb_uuid_parse (uuid, &nic->port->network_uuid, NULL))
      g_warning ("QEMU driver: status of port %s names no network UUID", nic->alias);
    nic->port->type = g_key_file_get_integer (kf, groups[i], "type", NULL);
    nic->port->portgroup = g_key_file_get_string (kf, groups[i], "portgroup", NULL);
    nic->port->bridge_name = g_key_file_get_string (kf, groups[i], "bridge", NULL);
    nic->port->dev = g_key_file_get_string (kf, groups[i], "dev", NULL);
    nic->port->device_key = g_key_file_get_string (kf, groups[i], "device-key", NULL);
    nic->port->exclusive = g_key_file_get_boolean (kf, groups[i], "exclusive", NULL);
    nic->port->macvtap_mode = g_key_file_get_integer (kf, groups[i], "macvtap-mode", NULL);
  }
  return nics;
}

/* Interface addresses ---------------------------------------------------------- */

/* libvirt's VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_* */
enum {
  QEMU_ADDRESSES_SRC_LEASE = 0,
  QEMU_ADDRESSES_SRC_AGENT = 1,
  QEMU_ADDRESSES_SRC_ARP = 2,
};

/* One (ssa(isu)) entry: the interface is named by its host device, as
 * libvirt does, which a user-mode NIC has not. */
static void
add_interface_entry (GVariantBuilder *b, const VbDomainInterfaceDef *iface, GVariant *addrs)
{
  char mac[18];

  vb_mac_format (&iface->mac, mac);
  g_variant_builder_add (b, "(ss@a(isu))", iface->target ? iface->target : "", mac, addrs);
}

/* The DHCP leases of the networks the guest's NICs are on, by MAC: one
 * entry per NIC that holds a lease, as libvirt. */
static GVariant *
addresses_from_leases (VbQemuDriver *self, const VbDomainDef *live, GError **error)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(ssa(isu))"));
  for (guint i = 0; live->interfaces && i < live->interfaces->len; i++) {
    const VbDomainInterfaceDef *iface = g_ptr_array_index (live->interfaces, i);
    g_autoptr(GVariant) leases = NULL;
    GVariantBuilder addrs;
    GVariantIter iter;
    const char *address;
    int type;
    guint prefix;
    char mac[18];

    if (g_strcmp0 (iface->type, "network") != 0 || iface->network == NULL)
      continue;
    vb_mac_format (&iface->mac, mac);
    leases = vb_network_driver_get_leases (self->net, iface->network, mac, error);
    if (leases == NULL) {
      g_variant_builder_clear (&b);
      return NULL;
    }
    g_variant_ref_sink (leases);
    if (g_variant_n_children (leases) == 0)
      continue;
    g_variant_builder_init (&addrs, G_VARIANT_TYPE ("a(isu)"));
    g_variant_iter_init (&iter, leases);
    while (g_variant_iter_next (&iter, "(&sxi&s&s&su&s&s)", NULL, NULL, &type, NULL, NULL, &address, &prefix,
                                NULL, NULL))
      g_variant_builder_add (&addrs, "(isu)", type, address, prefix);
    add_interface_entry (&b, iface, g_variant_builder_end (&addrs));
  }
  return g_variant_builder_end (&b);
}

/* The host's ARP table, by MAC: one entry per address found, with no
 * prefix known, as libvirt. */
static GVariant *
addresses_from_arp (VbQemuDriver *self, const VbDomainDef *live, GError **error)
{
  g_autoptr(GArray) neighbours = vb_network_driver_get_neighbours (self->net, error);
  GVariantBuilder b;

  if (neighbours == NULL)
    return NULL;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(ssa(isu))"));
  for (guint i = 0; live->interfaces && i < live->interfaces->len; i++) {
    const VbDomainInterfaceDef *iface = g_ptr_array_index (live->interfaces, i);

    for (guint j = 0; j < neighbours->len; j++) {
      const VbNeighbour *n = &g_array_index (neighbours, VbNeighbour, j);
      GVariantBuilder addrs;

      if (memcmp (n->mac.bytes, iface->mac.bytes, sizeof n->mac.bytes) != 0)
        continue;
      g_variant_builder_init (&addrs, G_VARIANT_TYPE ("a(isu)"));
      g_variant_builder_add (&addrs, "(isu)", 0, n->address, 0u);
      add_interface_entry (&b, iface, g_variant_builder_end (&addrs));
    }
  }
  return g_variant_builder_end (&b);
}

gboolean
domain_interface_addresses (VbQemuDriver *self, VbDomain *dom, GVariant *args, GVariant **out,
                            GError **error)
{
  guint source, flags;

  g_variant_get (args, "(uu)", &source, &flags);
  if (!vb_check_flags (flags, 0, error) || !check_active (dom, error))
    return FALSE;
  if (source == QEMU_ADDRESSES_SRC_AGENT) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                         "addresses from the guest agent are not supported: there is no guest agent");
    return FALSE;
  }
  if (source != QEMU_ADDRESSES_SRC_LEASE && source != QEMU_ADDRESSES_SRC_ARP) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "Unknown IP address data source %u", source);
    return FALSE;
  }
  if (self->net == NULL) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                         "host networking is not available to this daemon");
    return FALSE;
  }
  if (source == QEMU_ADDRESSES_SRC_LEASE)
    *out = addresses_from_leases (self, vb_domain_get_live_def (dom), error);
  else
    *out = addresses_from_arp (self, vb_domain_get_live_def (dom), error);
  return *out != NULL;
}

/* The <link> among the device's untyped children, or NULL. */
xmlNode *
info_link (const VbDomainDeviceInfo *info)
{
  for (guint i = 0; info->extra && i < info->extra->len; i++) {
    xmlNode *node = g_ptr_array_index (info->extra, i);

    if (node->type == XML_ELEMENT_NODE && xmlStrEqual (node->name, (const xmlChar *) "link"))
      return node;
  }
  return NULL;
}

gboolean
link_is_up (const VbDomainInterfaceDef *iface)
{
  xmlNode *link = info_link (&iface->info);
  xmlChar *state = link ? xmlGetProp (link, (const xmlChar *) "state") : NULL;
  gboolean down = state && xmlStrEqual (state, (const xmlChar *) "down");

  xmlFree (state);
  return !down;
}
