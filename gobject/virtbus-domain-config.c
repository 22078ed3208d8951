/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "virtbus-config-private.h"

#include "vb-domain-def.h"
#include "vb-error.h"

/**
 * VirtbusDomainConfig:
 *
 * A &lt;domain&gt; definition with typed accessors for the common fields.
 *
 * It is the daemon's own domain model (the same parser, rules and
 * canonical formatting), so what [method@Virtbus.DomainConfig.to_xml] writes is
 * what the daemon will store, and elements without an accessor survive a
 * round trip unchanged.
 *
 * Since: 1.0
 */
struct _VirtbusDomainConfig {
  GObject parent_instance;
  VbDomainDef *def;
};

G_DEFINE_FINAL_TYPE (VirtbusDomainConfig, virtbus_domain_config, G_TYPE_OBJECT)

static void
virtbus_domain_config_finalize (GObject *object)
{
  VirtbusDomainConfig *self = VIRTBUS_DOMAIN_CONFIG (object);

  vb_domain_def_free (self->def);
  G_OBJECT_CLASS (virtbus_domain_config_parent_class)->finalize (object);
}

static void
virtbus_domain_config_class_init (VirtbusDomainConfigClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = virtbus_domain_config_finalize;
}

static void
virtbus_domain_config_init (VirtbusDomainConfig *self)
{
}

/**
 * virtbus_domain_config_new:
 * @name: the domain name
 *
 * A new minimal definition: a fresh UUID, 128 MiB, one vCPU, an "hvm"
 * guest, virtualization type "kvm" (use "test" for the Test driver).
 *
 * Returns: (transfer full): the configuration
 *
 * Since: 1.0
 */
VirtbusDomainConfig *
virtbus_domain_config_new (const char *name)
{
  VirtbusDomainConfig *self = g_object_new (VIRTBUS_TYPE_DOMAIN_CONFIG, NULL);

  g_return_val_if_fail (name != NULL, self);
  self->def = vb_domain_def_new ();
  self->def->name = g_strdup (name);
  self->def->virt_type = g_strdup ("kvm");
  self->def->os_type = g_strdup ("hvm");
  self->def->memory_kib = self->def->current_memory_kib = 128 * 1024;
  self->def->vcpus = self->def->current_vcpus = 1;
  vb_uuid_generate (&self->def->uuid);
  return self;
}

/**
 * virtbus_domain_config_new_from_xml:
 * @xml: a &lt;domain&gt; document
 * @error: return location for a [struct@GLib.Error]
 *
 * Parses @xml with the daemon's rules.
 *
 * Returns: (transfer full): the configuration, or %NULL with
 *   %VIRTBUS_ERROR_INVALID_XML or %VIRTBUS_ERROR_INVALID_CONFIG
 *
 * Since: 1.0
 */
VirtbusDomainConfig *
virtbus_domain_config_new_from_xml (const char *xml, GError **error)
{
  g_autoptr(GError) local = NULL;
  VbDomainDef *def;
  VirtbusDomainConfig *self;

  g_return_val_if_fail (xml != NULL, NULL);
  def = vb_domain_def_parse (xml, 0, &local);
  if (def == NULL) {
    virtbus_propagate_core_error (error, g_steal_pointer (&local));
    return NULL;
  }
  self = g_object_new (VIRTBUS_TYPE_DOMAIN_CONFIG, NULL);
  self->def = def;
  return self;
}

/**
 * virtbus_domain_config_to_xml:
 * @self: a [class@Virtbus.DomainConfig]
 *
 * Formats the definition as the daemon stores it.
 *
 * Returns: (transfer full): the persistent definition, in libvirt's
 *   canonical formatting
 *
 * Since: 1.0
 */
char *
virtbus_domain_config_to_xml (VirtbusDomainConfig *self)
{
  g_return_val_if_fail (VIRTBUS_IS_DOMAIN_CONFIG (self), NULL);
  return vb_domain_def_format (self->def, VB_DOMAIN_FORMAT_INACTIVE | VB_DOMAIN_FORMAT_SECURE);
}

/**
 * virtbus_domain_config_get_name:
 * @self: a [class@Virtbus.DomainConfig]
 *
 * Gets the name.
 *
 * Returns: (transfer none) (nullable): the name
 *
 * Since: 1.0
 */
const char *
virtbus_domain_config_get_name (VirtbusDomainConfig *self)
{
  g_return_val_if_fail (VIRTBUS_IS_DOMAIN_CONFIG (self), NULL);
  return self->def->name;
}

/**
 * virtbus_domain_config_set_name:
 * @self: a [class@Virtbus.DomainConfig]
 * @name: the new name
 * @error: return location for a [struct@GLib.Error]
 *
 * Renames the definition, with the daemon's rules for a domain name.
 *
 * Returns: %TRUE, or %FALSE with %VIRTBUS_ERROR_INVALID_CONFIG for a name
 *   libvirt refuses (empty, with '/', control characters)
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_config_set_name (VirtbusDomainConfig *self, const char *name, GError **error)
{
  g_return_val_if_fail (VIRTBUS_IS_DOMAIN_CONFIG (self), FALSE);
  return virtbus_config_set_name (&self->def->name, name, "domain name", error);
}

/**
 * virtbus_domain_config_get_uuid:
 * @self: a [class@Virtbus.DomainConfig]
 *
 * Gets the UUID in canonical form.
 *
 * Returns: (transfer full): the UUID in canonical form
 *
 * Since: 1.0
 */
char *
virtbus_domain_config_get_uuid (VirtbusDomainConfig *self)
{
  g_return_val_if_fail (VIRTBUS_IS_DOMAIN_CONFIG (self), NULL);
  return vb_uuid_to_string (&self->def->uuid);
}

/**
 * virtbus_domain_config_set_uuid:
 * @self: a [class@Virtbus.DomainConfig]
 * @uuid: a UUID
 * @error: return location for a [struct@GLib.Error]
 *
 * Sets the UUID, in any form libvirt accepts.
 *
 * Returns: %TRUE, or %FALSE with %VIRTBUS_ERROR_INVALID_ARGUMENT for a
 *   malformed UUID
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_config_set_uuid (VirtbusDomainConfig *self, const char *uuid, GError **error)
{
  g_return_val_if_fail (VIRTBUS_IS_DOMAIN_CONFIG (self), FALSE);
  return virtbus_config_set_uuid (&self->def->uuid, uuid, error);
}

/**
 * virtbus_domain_config_get_virt_type:
 * @self: a [class@Virtbus.DomainConfig]
 *
 * Gets the virtualization type ("kvm", "qemu", "lxc", "test").
 *
 * Returns: (transfer none) (nullable): the virtualization type ("kvm",
 *   "qemu", "lxc", "test")
 *
 * Since: 1.0
 */
const char *
virtbus_domain_config_get_virt_type (VirtbusDomainConfig *self)
{
  g_return_val_if_fail (VIRTBUS_IS_DOMAIN_CONFIG (self), NULL);
  return self->def->virt_type;
}

/**
 * virtbus_domain_config_set_virt_type:
 * @self: a [class@Virtbus.DomainConfig]
 * @virt_type: the virtualization type
 *
 * Sets the &lt;domain type&gt;.
 *
 * Since: 1.0
 */
void
virtbus_domain_config_set_virt_type (VirtbusDomainConfig *self, const char *virt_type)
{
  g_return_if_fail (VIRTBUS_IS_DOMAIN_CONFIG (self));
  g_return_if_fail (virt_type != NULL);
  g_free (self->def->virt_type);
  self->def->virt_type = g_strdup (virt_type);
}

/**
 * virtbus_domain_config_get_title:
 * @self: a [class@Virtbus.DomainConfig]
 *
 * Gets the short title.
 *
 * Returns: (transfer none) (nullable): the short title
 *
 * Since: 1.0
 */
const char *
virtbus_domain_config_get_title (VirtbusDomainConfig *self)
{
  g_return_val_if_fail (VIRTBUS_IS_DOMAIN_CONFIG (self), NULL);
  return self->def->title;
}

/**
 * virtbus_domain_config_set_title:
 * @self: a [class@Virtbus.DomainConfig]
 * @title: (nullable): a one-line title, %NULL to remove it
 * @error: return location for a [struct@GLib.Error]
 *
 * Sets the short title a UI shows for the domain.
 *
 * Returns: %TRUE, or %FALSE with %VIRTBUS_ERROR_INVALID_ARGUMENT for a
 *   title with a newline
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_config_set_title (VirtbusDomainConfig *self, const char *title, GError **error)
{
  g_autoptr(GError) local = NULL;

  g_return_val_if_fail (VIRTBUS_IS_DOMAIN_CONFIG (self), FALSE);
  if (!vb_domain_def_set_metadata (self->def, VB_DOMAIN_METADATA_TITLE, title, NULL, NULL,
                                   &local)) {
    virtbus_propagate_core_error (error, g_steal_pointer (&local));
    return FALSE;
  }
  return TRUE;
}

/**
 * virtbus_domain_config_get_description:
 * @self: a [class@Virtbus.DomainConfig]
 *
 * Gets the description.
 *
 * Returns: (transfer none) (nullable): the description
 *
 * Since: 1.0
 */
const char *
virtbus_domain_config_get_description (VirtbusDomainConfig *self)
{
  g_return_val_if_fail (VIRTBUS_IS_DOMAIN_CONFIG (self), NULL);
  return self->def->description;
}

/**
 * virtbus_domain_config_set_description:
 * @self: a [class@Virtbus.DomainConfig]
 * @description: (nullable): the description, %NULL to remove it
 *
 * Sets the free-form description.
 *
 * Since: 1.0
 */
void
virtbus_domain_config_set_description (VirtbusDomainConfig *self, const char *description)
{
  g_return_if_fail (VIRTBUS_IS_DOMAIN_CONFIG (self));
  g_free (self->def->description);
  self->def->description = description && *description ? g_strdup (description) : NULL;
}

/**
 * virtbus_domain_config_get_memory:
 * @self: a [class@Virtbus.DomainConfig]
 *
 * Gets the memory in KiB.
 *
 * Returns: the memory in KiB
 *
 * Since: 1.0
 */
guint64
virtbus_domain_config_get_memory (VirtbusDomainConfig *self)
{
  g_return_val_if_fail (VIRTBUS_IS_DOMAIN_CONFIG (self), 0);
  return self->def->memory_kib;
}

/**
 * virtbus_domain_config_set_memory:
 * @self: a [class@Virtbus.DomainConfig]
 * @memory_kib: the memory in KiB
 *
 * Sets both the maximum and the current memory.
 *
 * Since: 1.0
 */
void
virtbus_domain_config_set_memory (VirtbusDomainConfig *self, guint64 memory_kib)
{
  g_return_if_fail (VIRTBUS_IS_DOMAIN_CONFIG (self));
  self->def->memory_kib = self->def->current_memory_kib = memory_kib;
}

/**
 * virtbus_domain_config_get_vcpus:
 * @self: a [class@Virtbus.DomainConfig]
 *
 * Gets the number of virtual CPUs.
 *
 * Returns: the number of virtual CPUs
 *
 * Since: 1.0
 */
guint
virtbus_domain_config_get_vcpus (VirtbusDomainConfig *self)
{
  g_return_val_if_fail (VIRTBUS_IS_DOMAIN_CONFIG (self), 0);
  return self->def->vcpus;
}

/**
 * virtbus_domain_config_set_vcpus:
 * @self: a [class@Virtbus.DomainConfig]
 * @vcpus: the number of virtual CPUs
 *
 * Sets both the maximum and the current number of vCPUs.
 *
 * Since: 1.0
 */
void
virtbus_domain_config_set_vcpus (VirtbusDomainConfig *self, guint vcpus)
{
  g_return_if_fail (VIRTBUS_IS_DOMAIN_CONFIG (self));
  self->def->vcpus = self->def->current_vcpus = vcpus;
}

/**
 * virtbus_domain_config_get_os_type:
 * @self: a [class@Virtbus.DomainConfig]
 *
 * Gets the guest OS type ("hvm", "exe", …).
 *
 * Returns: (transfer none) (nullable): the guest OS type ("hvm", "exe", …)
 *
 * Since: 1.0
 */
const char *
virtbus_domain_config_get_os_type (VirtbusDomainConfig *self)
{
  g_return_val_if_fail (VIRTBUS_IS_DOMAIN_CONFIG (self), NULL);
  return self->def->os_type;
}

/**
 * virtbus_domain_config_set_os_type:
 * @self: a [class@Virtbus.DomainConfig]
 * @os_type: the guest OS type
 *
 * Sets the &lt;os&gt;&lt;type&gt;.
 *
 * Since: 1.0
 */
void
virtbus_domain_config_set_os_type (VirtbusDomainConfig *self, const char *os_type)
{
  g_return_if_fail (VIRTBUS_IS_DOMAIN_CONFIG (self));
  g_return_if_fail (os_type != NULL);
  g_free (self->def->os_type);
  self->def->os_type = g_strdup (os_type);
}

/**
 * virtbus_domain_config_get_os_arch:
 * @self: a [class@Virtbus.DomainConfig]
 *
 * Gets the guest architecture, %NULL for the host's.
 *
 * Returns: (transfer none) (nullable): the guest architecture, %NULL for the host's
 *
 * Since: 1.0
 */
const char *
virtbus_domain_config_get_os_arch (VirtbusDomainConfig *self)
{
  g_return_val_if_fail (VIRTBUS_IS_DOMAIN_CONFIG (self), NULL);
  return self->def->os_arch;
}

/**
 * virtbus_domain_config_set_os_arch:
 * @self: a [class@Virtbus.DomainConfig]
 * @arch: (nullable): the guest architecture ("x86_64", …), %NULL for the host's
 *
 * Sets the arch attribute of &lt;os&gt;&lt;type&gt;.
 *
 * Since: 1.0
 */
void
virtbus_domain_config_set_os_arch (VirtbusDomainConfig *self, const char *arch)
{
  g_return_if_fail (VIRTBUS_IS_DOMAIN_CONFIG (self));
  g_free (self->def->os_arch);
  self->def->os_arch = g_strdup (arch);
}
