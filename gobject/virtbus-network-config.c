/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "virtbus-config-private.h"

#include "vb-error.h"
#include "vb-network-def.h"

/**
 * VirtbusNetworkConfig:
 *
 * A &lt;network&gt; definition with typed accessors, so an application can
 * build a network — forward mode, forward device pool, portgroups, virtual
 * port — without writing XML.
 *
 * It is the daemon's own network model: every change goes through the
 * same parser and update rules the daemon applies, and
 * [method@Virtbus.NetworkConfig.validate] runs the network driver's checks.
 *
 * Since: 1.0
 */
struct _VirtbusNetworkConfig {
  GObject parent_instance;
  VbNetworkDef *def;
};

G_DEFINE_FINAL_TYPE (VirtbusNetworkConfig, virtbus_network_config, G_TYPE_OBJECT)

/* The daemon generates a bridge MAC itself; a config built here must not
 * pin a random one. */
#define PARSE_FLAGS VB_NETWORK_PARSE_NO_GENERATE_MAC

static void
virtbus_network_config_finalize (GObject *object)
{
  VirtbusNetworkConfig *self = VIRTBUS_NETWORK_CONFIG (object);

  vb_network_def_free (self->def);
  G_OBJECT_CLASS (virtbus_network_config_parent_class)->finalize (object);
}

static void
virtbus_network_config_class_init (VirtbusNetworkConfigClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = virtbus_network_config_finalize;
}

static void
virtbus_network_config_init (VirtbusNetworkConfig *self)
{
}

/**
 * virtbus_network_config_new:
 * @name: the network name
 *
 * A new isolated network with a fresh UUID and nothing else.
 *
 * Returns: (transfer full): the configuration
 *
 * Since: 1.0
 */
VirtbusNetworkConfig *
virtbus_network_config_new (const char *name)
{
  g_autofree char *escaped = vb_xml_escape (name ? name : "");
  g_autofree char *xml = g_strdup_printf ("<network><name>%s</name></network>", escaped);
  g_autoptr(GError) error = NULL;
  VirtbusNetworkConfig *self = g_object_new (VIRTBUS_TYPE_NETWORK_CONFIG, NULL);

  self->def = vb_network_def_parse (xml, PARSE_FLAGS, &error);
  if (self->def == NULL) {
    /* keep the object usable; set_name() reports the problem properly */
    g_critical ("invalid network name '%s': %s", name ? name : "(null)", error->message);
    self->def = vb_network_def_parse ("<network><name>network</name></network>", PARSE_FLAGS,
                                      NULL);
  }
  return self;
}

/**
 * virtbus_network_config_new_from_xml:
 * @xml: a &lt;network&gt; document
 * @error: return location for a [struct@GLib.Error]
 *
 * Parses @xml with the daemon's rules.
 *
 * Returns: (transfer full): the configuration, or %NULL with
 *   %VIRTBUS_ERROR_INVALID_XML or %VIRTBUS_ERROR_INVALID_CONFIG
 *
 * Since: 1.0
 */
VirtbusNetworkConfig *
virtbus_network_config_new_from_xml (const char *xml, GError **error)
{
  g_autoptr(GError) local = NULL;
  VbNetworkDef *def;
  VirtbusNetworkConfig *self;

  g_return_val_if_fail (xml != NULL, NULL);
  def = vb_network_def_parse (xml, PARSE_FLAGS, &local);
  if (def == NULL) {
    virtbus_propagate_core_error (error, g_steal_pointer (&local));
    return NULL;
  }
  self = g_object_new (VIRTBUS_TYPE_NETWORK_CONFIG, NULL);
  self->def = def;
  return self;
}

/**
 * virtbus_network_config_to_xml:
 * @self: a [class@Virtbus.NetworkConfig]
 *
 * Formats the definition as the daemon stores it.
 *
 * Returns: (transfer full): the persistent definition, in libvirt's
 *   canonical formatting
 *
 * Since: 1.0
 */
char *
virtbus_network_config_to_xml (VirtbusNetworkConfig *self)
{
  g_return_val_if_fail (VIRTBUS_IS_NETWORK_CONFIG (self), NULL);
  return vb_network_def_format (self->def, VB_NETWORK_FORMAT_INACTIVE);
}

/**
 * virtbus_network_config_validate:
 * @self: a [class@Virtbus.NetworkConfig]
 * @error: return location for a [struct@GLib.Error]
 *
 * Checks the definition as the real network driver does (which elements
 * each forward mode accepts, portgroup defaults, VLAN support, …).  The
 * Test driver is more lenient and does not need this.
 *
 * Returns: %TRUE, or %FALSE with %VIRTBUS_ERROR_INVALID_CONFIG
 *
 * Since: 1.0
 */
gboolean
virtbus_network_config_validate (VirtbusNetworkConfig *self, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *xml = NULL;
  g_autoptr(VbNetworkDef) reparsed = NULL;

  g_return_val_if_fail (VIRTBUS_IS_NETWORK_CONFIG (self), FALSE);
  /* setters write fields directly; the parser's checks see them only
   * after a round trip */
  xml = vb_network_def_format (self->def, VB_NETWORK_FORMAT_INACTIVE);
  reparsed = vb_network_def_parse (xml, PARSE_FLAGS, &local);
  if (reparsed == NULL || !vb_network_def_validate (reparsed, &local)) {
    virtbus_propagate_core_error (error, g_steal_pointer (&local));
    return FALSE;
  }
  return TRUE;
}

/**
 * virtbus_network_config_get_name:
 * @self: a [class@Virtbus.NetworkConfig]
 *
 * Gets the name.
 *
 * Returns: (transfer none): the name
 *
 * Since: 1.0
 */
const char *
virtbus_network_config_get_name (VirtbusNetworkConfig *self)
{
  g_return_val_if_fail (VIRTBUS_IS_NETWORK_CONFIG (self), NULL);
  return self->def->name;
}

/**
 * virtbus_network_config_set_name:
 * @self: a [class@Virtbus.NetworkConfig]
 * @name: the new name
 * @error: return location for a [struct@GLib.Error]
 *
 * Renames the definition, with the daemon's rules for a network name.
 *
 * Returns: %TRUE, or %FALSE with %VIRTBUS_ERROR_INVALID_CONFIG
 *
 * Since: 1.0
 */
gboolean
virtbus_network_config_set_name (VirtbusNetworkConfig *self, const char *name, GError **error)
{
  g_return_val_if_fail (VIRTBUS_IS_NETWORK_CONFIG (self), FALSE);
  return virtbus_config_set_name (&self->def->name, name, "network name", error);
}

/**
 * virtbus_network_config_get_uuid:
 * @self: a [class@Virtbus.NetworkConfig]
 *
 * Gets the UUID in canonical form.
 *
 * Returns: (transfer full): the UUID in canonical form
 *
 * Since: 1.0
 */
char *
virtbus_network_config_get_uuid (VirtbusNetworkConfig *self)
{
  g_return_val_if_fail (VIRTBUS_IS_NETWORK_CONFIG (self), NULL);
  return vb_uuid_to_string (&self->def->uuid);
}

/**
 * virtbus_network_config_set_uuid:
 * @self: a [class@Virtbus.NetworkConfig]
 * @uuid: a UUID
 * @error: return location for a [struct@GLib.Error]
 *
 * Sets the UUID, in any form libvirt accepts.
 *
 * Returns: %TRUE, or %FALSE with %VIRTBUS_ERROR_INVALID_ARGUMENT
 *
 * Since: 1.0
 */
gboolean
virtbus_network_config_set_uuid (VirtbusNetworkConfig *self, const char *uuid, GError **error)
{
  g_return_val_if_fail (VIRTBUS_IS_NETWORK_CONFIG (self), FALSE);
  return virtbus_config_set_uuid (&self->def->uuid, uuid, error);
}

/**
 * virtbus_network_config_get_bridge:
 * @self: a [class@Virtbus.NetworkConfig]
 *
 * Gets the bridge name.
 *
 * Returns: (transfer none) (nullable): the bridge name
 *
 * Since: 1.0
 */
const char *
virtbus_network_config_get_bridge (VirtbusNetworkConfig *self)
{
  g_return_val_if_fail (VIRTBUS_IS_NETWORK_CONFIG (self), NULL);
  return self->def->bridge_name;
}

/**
 * virtbus_network_config_set_bridge:
 * @self: a [class@Virtbus.NetworkConfig]
 * @bridge: (nullable): the bridge name (the one libvirt creates, or an
 *   existing host bridge with %VIRTBUS_NETWORK_FORWARD_BRIDGE); %NULL to
 *   let the daemon pick one
 *
 * Sets &lt;bridge name&gt;.
 *
 * Since: 1.0
 */
void
virtbus_network_config_set_bridge (VirtbusNetworkConfig *self, const char *bridge)
{
  g_return_if_fail (VIRTBUS_IS_NETWORK_CONFIG (self));
  g_free (self->def->bridge_name);
  self->def->bridge_name = bridge && *bridge ? g_strdup (bridge) : NULL;
}

/**
 * virtbus_network_config_get_forward_mode:
 * @self: a [class@Virtbus.NetworkConfig]
 *
 * Gets the forward mode.
 *
 * Returns: the forward mode
 *
 * Since: 1.0
 */
VirtbusNetworkForwardMode
virtbus_network_config_get_forward_mode (VirtbusNetworkConfig *self)
{
  g_return_val_if_fail (VIRTBUS_IS_NETWORK_CONFIG (self), VIRTBUS_NETWORK_FORWARD_NONE);
  return (VirtbusNetworkForwardMode) self->def->forward_mode;
}

/**
 * virtbus_network_config_set_forward_mode:
 * @self: a [class@Virtbus.NetworkConfig]
 * @mode: the forward mode
 *
 * Sets &lt;forward mode&gt;; %VIRTBUS_NETWORK_FORWARD_NONE removes
 * &lt;forward&gt; and its device pool.
 *
 * Since: 1.0
 */
void
virtbus_network_config_set_forward_mode (VirtbusNetworkConfig *self,
                                         VirtbusNetworkForwardMode mode)
{
  g_return_if_fail (VIRTBUS_IS_NETWORK_CONFIG (self));
  g_return_if_fail (mode <= VIRTBUS_NETWORK_FORWARD_HOSTDEV);
  self->def->forward_mode = (VbNetworkForwardMode) mode;
  if (mode == VIRTBUS_NETWORK_FORWARD_NONE)
    g_ptr_array_set_size (self->def->forward_ifaces, 0);
}

/**
 * virtbus_network_config_get_forward_devices:
 * @self: a [class@Virtbus.NetworkConfig]
 *
 * The forward device pool: network devices, or PCI addresses
 * ("0000:03:00.1") for a hostdev pool.
 *
 * Returns: (transfer full) (array zero-terminated=1): the pool members
 *
 * Since: 1.0
 */
GStrv
virtbus_network_config_get_forward_devices (VirtbusNetworkConfig *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (VIRTBUS_IS_NETWORK_CONFIG (self), NULL);
  for (guint i = 0; i < self->def->forward_ifaces->len; i++) {
    g_autofree char *key =
      vb_network_forward_iface_key (g_ptr_array_index (self->def->forward_ifaces, i));

    g_strv_builder_add (builder, key);
  }
  return g_strv_builder_end (builder);
}

/* One change through the daemon's own virNetworkUpdate code, so the same
 * rules apply (modes that take a pool, duplicates, default portgroups). */
static gboolean
update (VirtbusNetworkConfig *self, guint command, guint section, const char *xml, GError **error)
{
  g_autoptr(GError) local = NULL;

  if (!vb_network_def_update (self->def, command, section, -1, xml, &local)) {
    virtbus_propagate_core_error (error, g_steal_pointer (&local));
    return FALSE;
  }
  return TRUE;
}

/* One <interface dev> of the forward device pool, added or deleted. */
static gboolean
update_forward_device (VirtbusNetworkConfig *self, guint command, const char *dev, GError **error)
{
  g_autofree char *escaped = vb_xml_escape (dev);
  g_autofree char *xml = g_strdup_printf ("<interface dev='%s'/>", escaped);

  return update (self, command, VB_NETWORK_SECTION_FORWARD_INTERFACE, xml, error);
}

/**
 * virtbus_network_config_add_forward_device:
 * @self: a [class@Virtbus.NetworkConfig]
 * @dev: a host network device
 * @error: return location for a [struct@GLib.Error]
 *
 * Adds @dev to the forward device pool; the forward mode must take one
 * (not none or open).
 *
 * Returns: %TRUE, or %FALSE with %VIRTBUS_ERROR_EXISTS or
 *   %VIRTBUS_ERROR_INVALID_CONFIG
 *
 * Since: 1.0
 */
gboolean
virtbus_network_config_add_forward_device (VirtbusNetworkConfig *self, const char *dev,
                                           GError **error)
{
  g_return_val_if_fail (VIRTBUS_IS_NETWORK_CONFIG (self), FALSE);
  g_return_val_if_fail (dev != NULL, FALSE);
  return update_forward_device (self, VB_NETWORK_UPDATE_ADD_LAST, dev, error);
}

/**
 * virtbus_network_config_remove_forward_device:
 * @self: a [class@Virtbus.NetworkConfig]
 * @dev: a member of the forward device pool
 * @error: return location for a [struct@GLib.Error]
 *
 * Removes @dev from the forward device pool.
 *
 * Returns: %TRUE, or %FALSE with %VIRTBUS_ERROR_NOT_FOUND
 *
 * Since: 1.0
 */
gboolean
virtbus_network_config_remove_forward_device (VirtbusNetworkConfig *self, const char *dev,
                                              GError **error)
{
  g_return_val_if_fail (VIRTBUS_IS_NETWORK_CONFIG (self), FALSE);
  g_return_val_if_fail (dev != NULL, FALSE);
  return update_forward_device (self, VB_NETWORK_UPDATE_DELETE, dev, error);
}

/**
 * virtbus_network_config_get_portgroups:
 * @self: a [class@Virtbus.NetworkConfig]
 *
 * Copies of the portgroups (name, default, virtual port; a portgroup's
 * bandwidth and VLAN stay in the configuration but are not shown here).
 *
 * Returns: (transfer full) (element-type VirtbusNetworkPortgroup): the portgroups
 *
 * Since: 1.0
 */
GList *
virtbus_network_config_get_portgroups (VirtbusNetworkConfig *self)
{
  GList *list = NULL;

  g_return_val_if_fail (VIRTBUS_IS_NETWORK_CONFIG (self), NULL);
  for (guint i = self->def->portgroups->len; i > 0; i--) {
    const VbNetworkPortGroup *pg = g_ptr_array_index (self->def->portgroups, i - 1);
    VirtbusNetworkPortgroup *copy = virtbus_network_portgroup_new (pg->name);

    virtbus_network_portgroup_set_default (copy, pg->is_default == VB_TRISTATE_YES);
    if (pg->virtualport) {
      g_autoptr(VirtbusVirtualPort) vp = virtbus_virtual_port_new_from_core (pg->virtualport);

      virtbus_network_portgroup_set_virtual_port (copy, vp);
    }
    list = g_list_prepend (list, copy);
  }
  return list;
}

/**
 * virtbus_network_config_add_portgroup:
 * @self: a [class@Virtbus.NetworkConfig]
 * @portgroup: the portgroup to add (copied)
 * @error: return location for a [struct@GLib.Error]
 *
 * Adds a portgroup to the network.
 *
 * Returns: %TRUE, or %FALSE with %VIRTBUS_ERROR_EXISTS (the name is taken)
 *   or %VIRTBUS_ERROR_INVALID_CONFIG (a second default, a bad name)
 *
 * Since: 1.0
 */
gboolean
virtbus_network_config_add_portgroup (VirtbusNetworkConfig *self,
                                      VirtbusNetworkPortgroup *portgroup, GError **error)
{
  g_autoptr(VbXmlWriter) w = vb_xml_writer_new ();
  VirtbusVirtualPort *vp;
  g_autofree char *xml = NULL;

  g_return_val_if_fail (VIRTBUS_IS_NETWORK_CONFIG (self), FALSE);
  g_return_val_if_fail (VIRTBUS_IS_NETWORK_PORTGROUP (portgroup), FALSE);
  vp = virtbus_network_portgroup_get_virtual_port (portgroup);
  vb_xml_start (w, "portgroup");
  vb_xml_attr (w, "name", virtbus_network_portgroup_get_name (portgroup));
  if (virtbus_network_portgroup_get_default (portgroup))
    vb_xml_attr (w, "default", "yes");
  if (vp == NULL) {
    vb_xml_end_empty (w);
  } else {
    vb_xml_end_open (w);
    vb_virtualport_format (virtbus_virtual_port_get_core (vp), w);
    vb_xml_close (w);
  }
  xml = vb_xml_writer_steal (w);
  return update (self, VB_NETWORK_UPDATE_ADD_LAST, VB_NETWORK_SECTION_PORTGROUP, xml, error);
}

/**
 * virtbus_network_config_remove_portgroup:
 * @self: a [class@Virtbus.NetworkConfig]
 * @name: the portgroup name
 * @error: return location for a [struct@GLib.Error]
 *
 * Removes the portgroup called @name.
 *
 * Returns: %TRUE, or %FALSE with %VIRTBUS_ERROR_NOT_FOUND
 *
 * Since: 1.0
 */
gboolean
virtbus_network_config_remove_portgroup (VirtbusNetworkConfig *self, const char *name,
                                         GError **error)
{
  g_autofree char *escaped = NULL;
  g_autofree char *xml = NULL;

  g_return_val_if_fail (VIRTBUS_IS_NETWORK_CONFIG (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  escaped = vb_xml_escape (name);
  xml = g_strdup_printf ("<portgroup name='%s'/>", escaped);
  return update (self, VB_NETWORK_UPDATE_DELETE, VB_NETWORK_SECTION_PORTGROUP, xml, error);
}

/**
 * virtbus_network_config_get_virtual_port:
 * @self: a [class@Virtbus.NetworkConfig]
 *
 * Gets a copy of the network's virtual port profile.
 *
 * Returns: (transfer full) (nullable): a copy of the network's virtual
 *   port profile
 *
 * Since: 1.0
 */
VirtbusVirtualPort *
virtbus_network_config_get_virtual_port (VirtbusNetworkConfig *self)
{
  g_return_val_if_fail (VIRTBUS_IS_NETWORK_CONFIG (self), NULL);
  if (self->def->virtualport == NULL)
    return NULL;
  return virtbus_virtual_port_new_from_core (self->def->virtualport);
}

/**
 * virtbus_network_config_set_virtual_port:
 * @self: a [class@Virtbus.NetworkConfig]
 * @virtual_port: (nullable): the profile (copied), %NULL for none
 *
 * Sets the network-wide &lt;virtualport&gt;.
 *
 * Since: 1.0
 */
void
virtbus_network_config_set_virtual_port (VirtbusNetworkConfig *self,
                                         VirtbusVirtualPort *virtual_port)
{
  g_return_if_fail (VIRTBUS_IS_NETWORK_CONFIG (self));
  vb_virtualport_free (self->def->virtualport);
  self->def->virtualport =
    virtual_port ? vb_virtualport_copy (virtbus_virtual_port_get_core (virtual_port)) : NULL;
}
