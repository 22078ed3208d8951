/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-network.h"

#include "vb-error.h"
#include "vb-network-def.h"

struct _VbNetwork {
  VbObject parent_instance;
};

G_DEFINE_FINAL_TYPE (VbNetwork, vb_network, VB_TYPE_OBJECT)

static void
vb_network_class_init (VbNetworkClass *klass)
{
  VbObjectClass *object_class = VB_OBJECT_CLASS (klass);

  object_class->kind = "network";
  object_class->def_size = sizeof (VbNetworkDef);
  object_class->def_parse = (gpointer (*) (const char *, guint, GError **)) vb_network_def_parse;
  object_class->def_free = (void (*) (gpointer)) vb_network_def_free;
  object_class->def_copy = (gpointer (*) (gconstpointer)) vb_network_def_copy;
  object_class->def_format = (char *(*) (gconstpointer, guint)) vb_network_def_format;
  object_class->def_name_offset = G_STRUCT_OFFSET (VbNetworkDef, name);
  object_class->def_uuid_offset = G_STRUCT_OFFSET (VbNetworkDef, uuid);
  object_class->def_format_config = VB_NETWORK_FORMAT_INACTIVE;
}

static void
vb_network_init (VbNetwork *self)
{
}

gboolean
vb_network_check_active (VbNetwork *self, GError **error)
{
  if (!vb_network_is_active (self)) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_STATE, "network '%s' is not active",
                 vb_network_get_name (self));
    return FALSE;
  }
  return TRUE;
}

gboolean
vb_network_check_not_active (VbNetwork *self, GError **error)
{
  if (vb_network_is_active (self)) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_STATE, "network '%s' is already running",
                 vb_network_get_name (self));
    return FALSE;
  }
  return TRUE;
}
