/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Guest interfaces → ports and devices, for every hypervisor driver. */
#include "vb-net-iface.h"

#include <string.h>

#include "vb-error.h"

static VbMacvtapMode
macvtap_mode_from_string (const char *mode)
{
  /* libvirt's default for <interface type='direct'> is vepa */
  if (mode == NULL || g_str_equal (mode, "vepa"))
    return VB_MACVTAP_VEPA;
  if (g_str_equal (mode, "bridge"))
    return VB_MACVTAP_BRIDGE;
  if (g_str_equal (mode, "private"))
    return VB_MACVTAP_PRIVATE;
  if (g_str_equal (mode, "passthrough"))
    return VB_MACVTAP_PASSTHROUGH;
  return VB_MACVTAP_NONE;
}

static VbTristate
tristate_from_string (const char *value)
{
  if (g_strcmp0 (value, "yes") == 0)
    return VB_TRISTATE_YES;
  if (g_strcmp0 (value, "no") == 0)
    return VB_TRISTATE_NO;
  return VB_TRISTATE_ABSENT;
}

static gboolean
iface_tap_is_existing (const VbDomainInterfaceDef *iface)
{
  return g_strcmp0 (iface->type, "ethernet") == 0 && g_strcmp0 (iface->target_managed, "no") == 0;
}

/* What <interface type='ethernet'> can ask of us.  An admin's tap
 * (managed='no') is used exactly as it is: what would have to change it
 * (host addresses, routes, MTU, shaping) is refused, not left on a device
 * that outlives the guest. */
static gboolean
check_ethernet (const VbDomainInterfaceDef *iface, const char *label, GError **error)
{
  const char *what = NULL;

  if (!iface_tap_is_existing (iface))
    return TRUE;
  if (iface->target == NULL)
    what = "no <target dev>: managed='no' needs the name of an existing tap";
  else if (iface->host_ips || iface->host_routes)
    what = "<source> addresses or routes would change the admin's tap (managed='no')";
  else if (iface->mtu)
    what = "an <mtu> would change the admin's tap (managed='no')";
  else if (iface->bandwidth)
    what = "<bandwidth> would change the admin's tap (managed='no')";
  if (what == NULL)
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "%s: %s", label, what);
  return FALSE;
}

/* An interface being plugged: the caller's task data (one block). */
typedef struct {
  gboolean borrowed;
  char label[];
} IfacePlug;

/* The plug's own result is the caller's task's, for the finish. */
static void
iface_plugged (GObject *source, GAsyncResult *res, gpointer data)
{
  g_autoptr(GTask) task = data;

  g_task_return_pointer (task, g_object_ref (res), g_object_unref);
}

void
vb_network_driver_plug_interface_async (VbNetworkDriver *self, const VbDomainInterfaceDef *iface,
                                        const char *label, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);
  IfacePlug *p = g_malloc0 (sizeof (IfacePlug) + strlen (label) + 1);
  const char *hint = iface->target;

  strcpy (p->label, label);
  g_task_set_source_tag (task, vb_network_driver_plug_interface_async);
  g_task_set_task_data (task, p, g_free);
  /* <script> and <downscript> would run any program the XML names, with
   * the daemon's privileges (root on the system bus), on behalf of anyone
   * allowed to define a domain; the host side is configured through
   * <source><ip>/<route> and the tap's MTU instead. */
  if (iface->script || iface->downscript) {
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                             "%s: <%s> is not supported: it would run a program as the daemon", label,
                             iface->script ? "script" : "downscript");
    return;
  }
  /* names under these prefixes are ours to hand out, as in libvirt; an
   * admin's own tap keeps the name it has */
  if (hint && (g_str_has_prefix (hint, "vnet") || g_str_has_prefix (hint, "macvtap")) &&
      !iface_tap_is_existing (iface))
    hint = NULL;
  if (g_str_equal (iface->type, "network")) {
    VbPortRequest req = {
      .network = iface->network,
      .portgroup = iface->portgroup,
      .virtualport = iface->virtualport,
      .bandwidth = iface->bandwidth,
      .vlan = iface->vlan,
      .trust_guest_rx_filters = tristate_from_string (iface->trust_guest_rx_filters),
      .mac = iface->mac,
    };

    if (iface->network == NULL) {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_INVALID_CONFIG, "%s names no source network", label);
      return;
    }
    vb_network_driver_port_allocate_async (self, iface->network, &req, hint, iface_plugged,
                                           g_steal_pointer (&task));
  } else {
    VbNetworkPort local = { .mac = iface->mac, .bandwidth = iface->bandwidth };
    GError *error = NULL;

    if (g_str_equal (iface->type, "bridge")) {
      local.type = VB_PORT_TYPE_BRIDGE;
      local.bridge_name = iface->bridge;
    } else if (g_str_equal (iface->type, "ethernet")) {
      if (!check_ethernet (iface, label, &error)) {
        g_task_return_error (task, error);
        return;
      }
      local.type = VB_PORT_TYPE_ETHERNET;
      local.tap_existing = iface_tap_is_existing (iface);
      local.mtu = iface->mtu;
      local.host_ips = iface->host_ips;
      local.host_routes = iface->host_routes;
    } else {
      local.type = VB_PORT_TYPE_DIRECT;
      local.dev = iface->dev;
      local.macvtap_mode = macvtap_mode_from_string (iface->mode);
    }
    if ((local.type == VB_PORT_TYPE_BRIDGE && local.bridge_name == NULL) ||
        (local.type == VB_PORT_TYPE_DIRECT && (local.dev == NULL || local.macvtap_mode == VB_MACVTAP_NONE))) {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_INVALID_CONFIG, "%s of type '%s' lacks its <source>",
                               label, iface->type);
      return;
    }
    /* (the port is copied for the worker: @local borrows from @iface) */
    vb_network_driver_plug_async (self, &local, hint, iface_plugged, g_steal_pointer (&task));
  }
  p->borrowed = iface_tap_is_existing (iface);
}

gboolean
vb_network_driver_plug_interface_finish (VbNetworkDriver *self, GAsyncResult *result, VbNetworkPort **out_port,
                                         char **out_ifname, int *out_fd, gboolean *out_borrowed, GError **error)
{
  IfacePlug *p = g_task_get_task_data (G_TASK (result));
  g_autoptr(GAsyncResult) plugged = NULL;

  *out_port = NULL;
  *out_ifname = NULL;
  *out_fd = -1;
  *out_borrowed = FALSE;
  plugged = g_task_propagate_pointer (G_TASK (result), error);
  if (plugged == NULL)
    return FALSE;
  if (!vb_network_driver_plug_finish (self, plugged, out_port, out_ifname, out_fd, error)) {
    g_prefix_error (error, "cannot plug %s: ", p->label);
    return FALSE;
  }
  *out_borrowed = p->borrowed;
  return TRUE;
}

void
vb_network_port_show_in_interface (VbDomainInterfaceDef *iface, const VbNetworkPort *port, const char *ifname)
{
  g_free (iface->target);
  iface->target = g_strdup (ifname);
  if (port == NULL)
    return;
  if (port->portgroup && iface->portgroup == NULL)
    iface->portgroup = g_strdup (port->portgroup);
  if (port->type == VB_PORT_TYPE_NETWORK || port->type == VB_PORT_TYPE_BRIDGE) {
    g_free (iface->bridge);
    iface->bridge = g_strdup (port->bridge_name);
  } else if (port->type == VB_PORT_TYPE_DIRECT) {
    g_free (iface->dev);
    iface->dev = g_strdup (port->dev);
    g_free (iface->mode);
    iface->mode = g_strdup (vb_macvtap_mode_to_string (port->macvtap_mode));
  }
  vb_virtualport_free (iface->virtualport);
  iface->virtualport = port->virtualport ? vb_virtualport_copy (port->virtualport) : NULL;
  vb_vlan_free (iface->vlan);
  iface->vlan = port->vlan ? vb_vlan_copy (port->vlan) : NULL;
  vb_bandwidth_free (iface->bandwidth);
  iface->bandwidth = port->bandwidth ? vb_bandwidth_copy (port->bandwidth) : NULL;
}
