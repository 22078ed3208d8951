/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "virtbus-private.h"

#include "vb-error.h"
#include "vb-netdev.h"

/**
 * VirtbusVirtualPort:
 *
 * A &lt;virtualport&gt; profile: its type and the parameters libvirt
 * knows for it ("managerid", "typeid", "typeidversion", "instanceid" for
 * 802.1Qbg; "profileid" for 802.1Qbh and Open vSwitch; "interfaceid" for
 * Open vSwitch and MidoNet).  Values are checked by the daemon's own
 * parser when they are set.
 *
 * Since: 1.0
 */
struct _VirtbusVirtualPort {
  GObject parent_instance;
  VbVirtualPort *vp;
};

G_DEFINE_FINAL_TYPE (VirtbusVirtualPort, virtbus_virtual_port, G_TYPE_OBJECT)

static const char *const parameter_names[] = {
  "managerid", "typeid", "typeidversion", "instanceid", "profileid", "interfaceid", NULL
};

static void
virtbus_virtual_port_finalize (GObject *object)
{
  VirtbusVirtualPort *self = VIRTBUS_VIRTUAL_PORT (object);

  vb_virtualport_free (self->vp);
  G_OBJECT_CLASS (virtbus_virtual_port_parent_class)->finalize (object);
}

static void
virtbus_virtual_port_class_init (VirtbusVirtualPortClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = virtbus_virtual_port_finalize;
}

static void
virtbus_virtual_port_init (VirtbusVirtualPort *self)
{
  self->vp = g_new0 (VbVirtualPort, 1);
}

/**
 * virtbus_virtual_port_new:
 * @port_type: the type
 *
 * Creates a virtual port profile for a portgroup or a network.
 *
 * Returns: (transfer full): a profile of @port_type without parameters
 *
 * Since: 1.0
 */
VirtbusVirtualPort *
virtbus_virtual_port_new (VirtbusVirtualPortType port_type)
{
  VirtbusVirtualPort *self = g_object_new (VIRTBUS_TYPE_VIRTUAL_PORT, NULL);

  self->vp->type = (VbVirtualPortType) port_type;
  return self;
}

VirtbusVirtualPort *
virtbus_virtual_port_new_from_core (const VbVirtualPort *vp)
{
  VirtbusVirtualPort *self = g_object_new (VIRTBUS_TYPE_VIRTUAL_PORT, NULL);

  vb_virtualport_free (self->vp);
  self->vp = vb_virtualport_copy (vp);
  return self;
}

const VbVirtualPort *
virtbus_virtual_port_get_core (VirtbusVirtualPort *self)
{
  return self->vp;
}

/**
 * virtbus_virtual_port_get_port_type:
 * @self: a [class@Virtbus.VirtualPort]
 *
 * Gets the type.
 *
 * Returns: the type
 *
 * Since: 1.0
 */
VirtbusVirtualPortType
virtbus_virtual_port_get_port_type (VirtbusVirtualPort *self)
{
  g_return_val_if_fail (VIRTBUS_IS_VIRTUAL_PORT (self), VIRTBUS_VIRTUAL_PORT_NONE);
  return (VirtbusVirtualPortType) self->vp->type;
}

/**
 * virtbus_virtual_port_get_parameter:
 * @self: a [class@Virtbus.VirtualPort]
 * @name: a parameter name ("profileid", "interfaceid", …)
 *
 * Gets the value as libvirt writes it, or %NULL when unset.
 *
 * Returns: (transfer full) (nullable): the value as libvirt writes it, or
 *   %NULL when unset
 *
 * Since: 1.0
 */
char *
virtbus_virtual_port_get_parameter (VirtbusVirtualPort *self, const char *name)
{
  const VbVirtualPort *vp;

  g_return_val_if_fail (VIRTBUS_IS_VIRTUAL_PORT (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  vp = self->vp;
  if (g_str_equal (name, "managerid") && vp->managerid_set)
    return g_strdup_printf ("%u", vp->managerid);
  if (g_str_equal (name, "typeid") && vp->typeid_set)
    return g_strdup_printf ("%u", vp->typeid);
  if (g_str_equal (name, "typeidversion") && vp->typeidversion_set)
    return g_strdup_printf ("%u", vp->typeidversion);
  if (g_str_equal (name, "instanceid") && vp->instanceid_set)
    return vb_uuid_to_string (&vp->instanceid);
  if (g_str_equal (name, "interfaceid") && vp->interfaceid_set)
    return vb_uuid_to_string (&vp->interfaceid);
  if (g_str_equal (name, "profileid"))
    return g_strdup (vp->profileid);
  return NULL;
}

/**
 * virtbus_virtual_port_set_parameter:
 * @self: a [class@Virtbus.VirtualPort]
 * @name: a parameter name ("profileid", "interfaceid", …)
 * @value: (nullable): the value, %NULL to unset
 * @error: return location for a [struct@GLib.Error]
 *
 * Sets one parameter.  The whole profile goes through the daemon's
 * &lt;virtualport&gt; parser, so a value out of range or a parameter the
 * type does not know is refused here, not later by the daemon.
 *
 * Returns: %TRUE, or %FALSE with %VIRTBUS_ERROR_INVALID_CONFIG
 *
 * Since: 1.0
 */
gboolean
virtbus_virtual_port_set_parameter (VirtbusVirtualPort *self, const char *name,
                                    const char *value, GError **error)
{
  g_autoptr(GString) xml = g_string_new ("<virtualport");
  g_autoptr(xmlDoc) doc = NULL;
  g_autoptr(GError) local = NULL;
  VbVirtualPort *parsed;
  const char *type_name;

  g_return_val_if_fail (VIRTBUS_IS_VIRTUAL_PORT (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  if (!g_strv_contains (parameter_names, name)) {
    g_set_error (error, VIRTBUS_ERROR, VIRTBUS_ERROR_INVALID_ARGUMENT,
                 "unknown <virtualport> parameter '%s'", name);
    return FALSE;
  }
  type_name = vb_virtualport_type_to_string (self->vp->type);
  if (type_name)
    g_string_append_printf (xml, " type='%s'", type_name);
  g_string_append (xml, "><parameters");
  for (guint i = 0; parameter_names[i]; i++) {
    g_autofree char *current = NULL;
    g_autofree char *escaped = NULL;
    const char *v;

    if (g_str_equal (parameter_names[i], name)) {
      v = value;
    } else {
      current = virtbus_virtual_port_get_parameter (self, parameter_names[i]);
      v = current;
    }
    if (v == NULL)
      continue;
    escaped = vb_xml_escape (v);
    g_string_append_printf (xml, " %s='%s'", parameter_names[i], escaped);
  }
  g_string_append (xml, "/></virtualport>");

  doc = vb_xml_parse (xml->str, "virtualport", &local);
  parsed = doc ? vb_virtualport_parse (xmlDocGetRootElement (doc), &local) : NULL;
  if (parsed == NULL) {
    virtbus_propagate_core_error (error, g_steal_pointer (&local));
    return FALSE;
  }
  vb_virtualport_free (self->vp);
  self->vp = parsed;
  return TRUE;
}
