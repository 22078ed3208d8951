/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-service.h"

/* org.libvirt.Network for one VbNetwork; same scheme as the domain. */
#define VB_TYPE_SERVICE_NETWORK (vb_service_network_get_type ())
G_DECLARE_FINAL_TYPE (VbServiceNetwork, vb_service_network, VB, SERVICE_NETWORK, VbDBusNetworkSkeleton)

struct _VbServiceNetwork {
  VbDBusNetworkSkeleton parent_instance;
  VbServiceDriver *sd;
  VbNetwork *network;
};

G_DEFINE_FINAL_TYPE (VbServiceNetwork, vb_service_network, VB_DBUS_TYPE_NETWORK_SKELETON)

static const VbMemberOp network_ops[] = {
  { "Create", VB_OP_NETWORK_CREATE },
  { "Destroy", VB_OP_NETWORK_DESTROY },
  { "GetDHCPLeases", VB_OP_NETWORK_GET_DHCP_LEASES },
  { "GetXMLDesc", VB_OP_NETWORK_GET_XML_DESC },
  { "Undefine", VB_OP_NETWORK_UNDEFINE },
  { "Update", VB_OP_NETWORK_UPDATE },
  { NULL }
};

static void
network_method_call (GDBusConnection *connection, const char *sender, const char *object_path,
                     const char *interface_name, const char *method_name, GVariant *parameters,
                     GDBusMethodInvocation *invocation, gpointer user_data)
{
  VbServiceNetwork *self = VB_SERVICE_NETWORK (user_data);
  VbOp op;

  if (g_str_equal (interface_name, "org.freedesktop.DBus.Properties")) {
    vb_service_handle_properties (self->sd, G_DBUS_INTERFACE_SKELETON (self), invocation,
                                  self->network, VB_OP_NETWORK_SET_AUTOSTART);
    return;
  }
  if (!vb_member_op_lookup (network_ops, method_name, &op)) {
    vb_service_return_unsupported (self->sd, invocation, self->network);
    return;
  }
  vb_service_dispatch_op (self->sd, invocation, op, self->network, parameters);
}

static GDBusInterfaceVTable network_vtable = { network_method_call, NULL, NULL, { 0 } };

static GDBusInterfaceVTable *
vb_service_network_get_vtable (GDBusInterfaceSkeleton *skeleton)
{
  return &network_vtable;
}

static void
sync_properties (VbServiceNetwork *self)
{
  VbDBusNetwork *iface = VB_DBUS_NETWORK (self);

  vb_dbus_network_set_active (iface, vb_network_is_active (self->network));
  vb_dbus_network_set_autostart (iface, vb_network_get_autostart (self->network));
  vb_dbus_network_set_name (iface, vb_network_get_name (self->network));
  vb_dbus_network_set_persistent (iface, vb_network_is_persistent (self->network));
  vb_dbus_network_set_uuid (iface, vb_network_get_uuid_string (self->network));
}

void
vb_service_network_sync (GDBusInterfaceSkeleton *skeleton, const char *changed)
{
  sync_properties (VB_SERVICE_NETWORK (skeleton));
}

static void
vb_service_network_finalize (GObject *object)
{
  VbServiceNetwork *self = VB_SERVICE_NETWORK (object);

  g_clear_object (&self->network);
  G_OBJECT_CLASS (vb_service_network_parent_class)->finalize (object);
}

static void
vb_service_network_class_init (VbServiceNetworkClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = vb_service_network_finalize;
  G_DBUS_INTERFACE_SKELETON_CLASS (klass)->get_vtable = vb_service_network_get_vtable;
}

static void
vb_service_network_init (VbServiceNetwork *self)
{
}

GDBusInterfaceSkeleton *
vb_service_network_new (VbServiceDriver *sd, VbNetwork *network)
{
  VbServiceNetwork *self = g_object_new (VB_TYPE_SERVICE_NETWORK, NULL);

  self->sd = sd;
  self->network = g_object_ref (network);
  sync_properties (self);
  return G_DBUS_INTERFACE_SKELETON (self);
}
