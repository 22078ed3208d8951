/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-service.h"

#include "vb-domain-def.h"

/* org.libvirt.Domain for one VbDomain.  Properties mirror the domain
 * through GObject::notify, so PropertiesChanged follows every change;
 * method calls go straight to the driver's ops. */
#define VB_TYPE_SERVICE_DOMAIN (vb_service_domain_get_type ())
G_DECLARE_FINAL_TYPE (VbServiceDomain, vb_service_domain, VB, SERVICE_DOMAIN, VbDBusDomainSkeleton)

struct _VbServiceDomain {
  VbDBusDomainSkeleton parent_instance;
  VbServiceDriver *sd;
  VbDomain *domain;
};

G_DEFINE_FINAL_TYPE (VbServiceDomain, vb_service_domain, VB_DBUS_TYPE_DOMAIN_SKELETON)

static const VbMemberOp domain_ops[] = {
  { "AbortJob", VB_OP_DOMAIN_ABORT_JOB },
  { "AttachDevice", VB_OP_DOMAIN_ATTACH_DEVICE },
  { "CoreDump", VB_OP_DOMAIN_CORE_DUMP },
  { "Create", VB_OP_DOMAIN_CREATE },
  { "Destroy", VB_OP_DOMAIN_DESTROY },
  { "DetachDevice", VB_OP_DOMAIN_DETACH_DEVICE },
  { "GetHostname", VB_OP_DOMAIN_GET_HOSTNAME },
  { "GetJobInfo", VB_OP_DOMAIN_GET_JOB_INFO },
  { "GetJobStats", VB_OP_DOMAIN_GET_JOB_STATS },
  { "GetMetadata", VB_OP_DOMAIN_GET_METADATA },
  { "GetState", VB_OP_DOMAIN_GET_STATE },
  { "GetStats", VB_OP_DOMAIN_GET_STATS },
  { "GetTime", VB_OP_DOMAIN_GET_TIME },
  { "GetVcpus", VB_OP_DOMAIN_GET_VCPUS },
  { "GetXMLDesc", VB_OP_DOMAIN_GET_XML_DESC },
  { "HasManagedSaveImage", VB_OP_DOMAIN_HAS_MANAGED_SAVE },
  { "InjectNMI", VB_OP_DOMAIN_INJECT_NMI },
  { "InterfaceAddresses", VB_OP_DOMAIN_INTERFACE_ADDRESSES },
  { "ManagedSave", VB_OP_DOMAIN_MANAGED_SAVE },
  { "ManagedSaveRemove", VB_OP_DOMAIN_MANAGED_SAVE_REMOVE },
  { "MemoryStats", VB_OP_DOMAIN_MEMORY_STATS },
  { "OpenGraphicsFD", VB_OP_DOMAIN_OPEN_GRAPHICS_FD },
  { "PMWakeup", VB_OP_DOMAIN_PM_WAKEUP },
  { "Reboot", VB_OP_DOMAIN_REBOOT },
  { "Rename", VB_OP_DOMAIN_RENAME },
  { "Reset", VB_OP_DOMAIN_RESET },
  { "Resume", VB_OP_DOMAIN_RESUME },
  { "Save", VB_OP_DOMAIN_SAVE },
  { "SendKey", VB_OP_DOMAIN_SEND_KEY },
  { "SetMemory", VB_OP_DOMAIN_SET_MEMORY },
  { "SetMetadata", VB_OP_DOMAIN_SET_METADATA },
  { "SetTime", VB_OP_DOMAIN_SET_TIME },
  { "SetVcpus", VB_OP_DOMAIN_SET_VCPUS },
  { "Shutdown", VB_OP_DOMAIN_SHUTDOWN },
  { "Suspend", VB_OP_DOMAIN_SUSPEND },
  { "Undefine", VB_OP_DOMAIN_UNDEFINE },
  { "UpdateDevice", VB_OP_DOMAIN_UPDATE_DEVICE },
  { NULL }
};

static void
domain_method_call (GDBusConnection *connection, const char *sender, const char *object_path,
                    const char *interface_name, const char *method_name, GVariant *parameters,
                    GDBusMethodInvocation *invocation, gpointer user_data)
{
  VbServiceDomain *self = VB_SERVICE_DOMAIN (user_data);
  VbOp op;

  if (g_str_equal (interface_name, "org.freedesktop.DBus.Properties")) {
    vb_service_handle_properties (self->sd, G_DBUS_INTERFACE_SKELETON (self), invocation,
                                  self->domain, VB_OP_DOMAIN_SET_AUTOSTART);
    return;
  }
  if (g_str_equal (method_name, "CreateWithFiles")) {
    guint flags;

    /* as Create: see DomainCreateXMLWithFiles */
    g_variant_get (parameters, "(@ahu)", NULL, &flags);
    vb_service_dispatch_op (self->sd, invocation, VB_OP_DOMAIN_CREATE, self->domain,
                            g_variant_new ("(u)", flags));
    return;
  }
  if (!vb_member_op_lookup (domain_ops, method_name, &op)) {
    vb_service_return_unsupported (self->sd, invocation, self->domain);
    return;
  }
  vb_service_dispatch_op (self->sd, invocation, op, self->domain, parameters);
}

/* No get/set_property: GDBus then routes org.freedesktop.DBus.Properties
 * calls to method_call, where they can be answered asynchronously. */
static GDBusInterfaceVTable domain_vtable = { domain_method_call, NULL, NULL, { 0 } };

static GDBusInterfaceVTable *
vb_service_domain_get_vtable (GDBusInterfaceSkeleton *skeleton)
{
  return &domain_vtable;
}

static void
set_scheduler_type (gpointer key, gpointer value, gpointer user_data)
{
  GDBusObjectSkeleton *object = value;
  g_autoptr(GDBusInterface) iface =
    g_dbus_object_get_interface (G_DBUS_OBJECT (object), "org.libvirt.Domain");

  if (iface)
    vb_dbus_domain_set_scheduler_type (VB_DBUS_DOMAIN (iface), user_data);
}

static void
scheduler_type_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbServiceDriver *sd = user_data;
  g_autoptr(GVariant) value = vb_driver_call_finish (VB_DRIVER (source), result, NULL, NULL);

  sd->scheduler_type_pending = FALSE;
  /* Drivers without schedulers leave the property at ("", 0). */
  if (value == NULL || !g_variant_is_of_type (value, G_VARIANT_TYPE ("(si)")))
    value = g_variant_ref_sink (g_variant_new ("(si)", "", 0));
  sd->scheduler_type = g_steal_pointer (&value);
  g_hash_table_foreach (sd->domain_objects, set_scheduler_type, sd->scheduler_type);
}

/* Mirrors one property of the domain (@changed, a VbDomain property name),
 * or all of them when @changed is NULL. */
static void
sync_properties (VbServiceDomain *self, const char *changed)
{
  VbDBusDomain *iface = VB_DBUS_DOMAIN (self);
  gboolean all = changed == NULL;

  if (all || g_str_equal (changed, "active"))
    vb_dbus_domain_set_active (iface, vb_domain_is_active (self->domain));
  if (all || g_str_equal (changed, "autostart"))
    vb_dbus_domain_set_autostart (iface, vb_domain_get_autostart (self->domain));
  if (all || g_str_equal (changed, "id")) {
    int id = vb_domain_get_id (self->domain);

    /* libvirt-dbus sends virDomainGetID()'s (unsigned) -1 for inactive domains */
    vb_dbus_domain_set_id (iface, id < 0 ? G_MAXUINT32 : (guint) id);
  }
  if (all || g_str_equal (changed, "name")) {
    const VbDomainDef *def = vb_domain_get_current_def (self->domain);

    vb_dbus_domain_set_name (iface, vb_domain_get_name (self->domain));
    vb_dbus_domain_set_ostype (iface, def->os_type ? def->os_type : "");
  }
  if (all || g_str_equal (changed, "persistent"))
    vb_dbus_domain_set_persistent (iface, vb_domain_is_persistent (self->domain));
  if (all || g_str_equal (changed, "updated"))
    vb_dbus_domain_set_updated (iface, vb_domain_is_updated (self->domain));
  if (all)
    vb_dbus_domain_set_uuid (iface, vb_domain_get_uuid_string (self->domain));
}

void
vb_service_domain_sync (GDBusInterfaceSkeleton *skeleton, const char *changed)
{
  sync_properties (VB_SERVICE_DOMAIN (skeleton), changed);
}

static void
vb_service_domain_finalize (GObject *object)
{
  VbServiceDomain *self = VB_SERVICE_DOMAIN (object);

  g_clear_object (&self->domain);
  G_OBJECT_CLASS (vb_service_domain_parent_class)->finalize (object);
}

static void
vb_service_domain_class_init (VbServiceDomainClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = vb_service_domain_finalize;
  G_DBUS_INTERFACE_SKELETON_CLASS (klass)->get_vtable = vb_service_domain_get_vtable;
}

static void
vb_service_domain_init (VbServiceDomain *self)
{
}

GDBusInterfaceSkeleton *
vb_service_domain_new (VbServiceDriver *sd, VbDomain *domain)
{
  VbServiceDomain *self = g_object_new (VB_TYPE_SERVICE_DOMAIN, NULL);

  self->sd = sd;
  self->domain = g_object_ref (domain);
  /* The scheduler is the driver's, the same for every domain: asked of the
   * driver for the first domain only, so later exports cost no call. */
  vb_dbus_domain_set_scheduler_type (VB_DBUS_DOMAIN (self), sd->scheduler_type
                                                               ? sd->scheduler_type
                                                               : g_variant_new ("(si)", "", 0));
  if (sd->scheduler_type == NULL && !sd->scheduler_type_pending) {
    sd->scheduler_type_pending = TRUE;
    vb_driver_call_async (sd->driver, VB_OP_DOMAIN_GET_SCHEDULER_TYPE, domain, NULL, NULL,
                          scheduler_type_done, sd);
  }
  sync_properties (self, NULL);
  return G_DBUS_INTERFACE_SKELETON (self);
}
