/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-network.h"

#include "vb-network-def.h"

struct _VbNetwork {
  VbObject parent_instance;
};

G_DEFINE_FINAL_TYPE (VbNetwork, vb_network, VB_TYPE_OBJECT)

static const char *
def_get_name (gconstpointer def)
{
  return ((const VbNetworkDef *) def)->name;
}

static const VbUuid *
def_get_uuid (gconstpointer def)
{
  return &((const VbNetworkDef *) def)->uuid;
}

static void
def_set_name (gpointer def, const char *name)
{
  VbNetworkDef *ndef = def;

  g_free (ndef->name);
  ndef->name = g_strdup (name);
}

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
  object_class->def_get_name = def_get_name;
  object_class->def_get_uuid = def_get_uuid;
  object_class->def_set_name = def_set_name;
  object_class->def_format_config = VB_NETWORK_FORMAT_INACTIVE;
}

static void
vb_network_init (VbNetwork *self)
{
}
