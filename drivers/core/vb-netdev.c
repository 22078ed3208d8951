/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-netdev.h"

#include <string.h>

#include <gio/gio.h>

#include "vb-error.h"

/* libvirt keeps profile ids in a 40-byte buffer */
#define PROFILEID_MAX 39

static gboolean
config_error (GError **error, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static gboolean
config_error (GError **error, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, msg);
  return FALSE;
}

/* <virtualport> ------------------------------------------------------------ */

static const char *const virtualport_types[] = {
  "802.1Qbg", "802.1Qbh", "openvswitch", "midonet", NULL
};

const char *
vb_virtualport_type_to_string (VbVirtualPortType type)
{
  if (type <= VB_VIRTUALPORT_NONE || type > VB_VIRTUALPORT_MIDONET)
    return NULL;
  return virtualport_types[type - 1];
}

/* Which parameters each type knows; the typeless form knows all. */
enum {
  P_MANAGERID = 1 << 0,
  P_TYPEID = 1 << 1,
  P_TYPEIDVERSION = 1 << 2,
  P_INSTANCEID = 1 << 3,
  P_PROFILEID = 1 << 4,
  P_INTERFACEID = 1 << 5,
};

static guint
allowed_params (VbVirtualPortType type)
{
  switch (type) {
  case VB_VIRTUALPORT_8021QBG:
    return P_MANAGERID | P_TYPEID | P_TYPEIDVERSION | P_INSTANCEID;
  case VB_VIRTUALPORT_8021QBH:
    return P_PROFILEID;
  case VB_VIRTUALPORT_OPENVSWITCH:
    return P_PROFILEID | P_INTERFACEID;
  case VB_VIRTUALPORT_MIDONET:
    return P_INTERFACEID;
  case VB_VIRTUALPORT_NONE:
  default:
    return ~0u;
  }
}

static guint
present_params (const VbVirtualPort *vp)
{
  return (vp->managerid_set ? P_MANAGERID : 0) | (vp->typeid_set ? P_TYPEID : 0) |
         (vp->typeidversion_set ? P_TYPEIDVERSION : 0) |
         (vp->instanceid_set ? P_INSTANCEID : 0) | (vp->profileid ? P_PROFILEID : 0) |
         (vp->interfaceid_set ? P_INTERFACEID : 0);
}

static const char *
param_name (guint bit)
{
  switch (bit) {
  case P_MANAGERID:
    return "managerid";
  case P_TYPEID:
    return "typeid";
  case P_TYPEIDVERSION:
    return "typeidversion";
  case P_INSTANCEID:
    return "instanceid";
  case P_PROFILEID:
    return "profileid";
  default:
    return "interfaceid";
  }
}

static gboolean
check_no_extras (const VbVirtualPort *vp, GError **error)
{
  guint extra = present_params (vp) & ~allowed_params (vp->type);

  if (extra == 0)
    return TRUE;
  for (guint bit = 1; bit <= P_INTERFACEID; bit <<= 1)
    if (extra & bit)
      return config_error (error, "<virtualport type='%s'>: parameter '%s' is not supported for this type",
                           vb_virtualport_type_to_string (vp->type), param_name (bit));
  return TRUE;
}

static gboolean
parse_uuid_attr (xmlNode *node, const char *name, gboolean *set, VbUuid *uuid, GError **error)
{
  g_autofree char *v = vb_xml_prop (node, name);

  if (v == NULL)
    return TRUE;
  if (!vb_uuid_parse (v, uuid, NULL))
    return config_error (error, "<virtualport><parameters>: invalid %s '%s': expected a UUID", name, v);
  *set = TRUE;
  return TRUE;
}

VbVirtualPort *
vb_virtualport_parse (xmlNode *node, GError **error)
{
  g_autoptr(VbVirtualPort) vp = g_new0 (VbVirtualPort, 1);
  xmlNode *params;
  int type = 0;
  guint64 v = 0;
  gboolean present = FALSE;

  if (!vb_xml_prop_enum (node, "type", virtualport_types, &type, error))
    return NULL;
  vp->type = (VbVirtualPortType) type;

  params = vb_xml_child (node, "parameters");
  if (params != NULL) {
    if (!vb_xml_prop_uint (params, "managerid", 0, 0xff, &v, &present, error))
      return NULL;
    vp->managerid_set = present;
    vp->managerid = (guint8) v;
    if (!vb_xml_prop_uint (params, "typeid", 0, 0xffffff, &v, &present, error))
      return NULL;
    vp->typeid_set = present;
    vp->typeid = (guint32) v;
    if (!vb_xml_prop_uint (params, "typeidversion", 0, 0xff, &v, &present, error))
      return NULL;
    vp->typeidversion_set = present;
    vp->typeidversion = (guint8) v;
    if (!parse_uuid_attr (params, "instanceid", &vp->instanceid_set, &vp->instanceid, error) ||
        !parse_uuid_attr (params, "interfaceid", &vp->interfaceid_set, &vp->interfaceid, error))
      return NULL;
    vp->profileid = vb_xml_prop (params, "profileid");
    if (vp->profileid != NULL && strlen (vp->profileid) > PROFILEID_MAX) {
      config_error (error, "<virtualport><parameters>: profileid '%s' is longer than %d characters",
                    vp->profileid, PROFILEID_MAX);
      return NULL;
    }
  }
  if (!check_no_extras (vp, error))
    return NULL;
  return g_steal_pointer (&vp);
}

void
vb_virtualport_format (const VbVirtualPort *vp, VbXmlWriter *w)
{
  guint params;

  if (vp == NULL)
    return;
  params = present_params (vp) & allowed_params (vp->type);
  vb_xml_start (w, "virtualport");
  vb_xml_attr (w, "type", vb_virtualport_type_to_string (vp->type));
  if (params == 0) {
    vb_xml_end_empty (w);
    return;
  }
  vb_xml_end_open (w);
  vb_xml_start (w, "parameters");
  if (params & P_MANAGERID)
    vb_xml_attr_uint (w, "managerid", vp->managerid);
  if (params & P_TYPEID)
    vb_xml_attr_uint (w, "typeid", vp->typeid);
  if (params & P_TYPEIDVERSION)
    vb_xml_attr_uint (w, "typeidversion", vp->typeidversion);
  if (params & P_INSTANCEID) {
    char buf[VB_UUID_STRING_LEN + 1];
    vb_uuid_format (&vp->instanceid, buf);
    vb_xml_attr (w, "instanceid", buf);
  }
  if (params & P_INTERFACEID) {
    char buf[VB_UUID_STRING_LEN + 1];
    vb_uuid_format (&vp->interfaceid, buf);
    vb_xml_attr (w, "interfaceid", buf);
  }
  if (params & P_PROFILEID)
    vb_xml_attr (w, "profileid", vp->profileid);
  vb_xml_end_empty (w);
  vb_xml_close (w);
}

VbVirtualPort *
vb_virtualport_copy (const VbVirtualPort *vp)
{
  VbVirtualPort *copy;

  if (vp == NULL)
    return NULL;
  copy = g_memdup2 (vp, sizeof *vp);
  copy->profileid = g_strdup (vp->profileid);
  return copy;
}

void
vb_virtualport_free (VbVirtualPort *vp)
{
  if (vp == NULL)
    return;
  g_free (vp->profileid);
  g_free (vp);
}

gboolean
vb_virtualport_equal (const VbVirtualPort *a, const VbVirtualPort *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return a->type == b->type && a->managerid_set == b->managerid_set &&
         (!a->managerid_set || a->managerid == b->managerid) &&
         a->typeid_set == b->typeid_set && (!a->typeid_set || a->typeid == b->typeid) &&
         a->typeidversion_set == b->typeidversion_set &&
         (!a->typeidversion_set || a->typeidversion == b->typeidversion) &&
         a->instanceid_set == b->instanceid_set &&
         (!a->instanceid_set || vb_uuid_equal (&a->instanceid, &b->instanceid)) &&
         a->interfaceid_set == b->interfaceid_set &&
         (!a->interfaceid_set || vb_uuid_equal (&a->interfaceid, &b->interfaceid)) &&
         g_strcmp0 (a->profileid, b->profileid) == 0;
}

static gboolean
merge_one (VbVirtualPort *into, const VbVirtualPort *from, GError **error)
{
  if (from == NULL)
    return TRUE;
  if (from->type != VB_VIRTUALPORT_NONE) {
    if (into->type != VB_VIRTUALPORT_NONE && into->type != from->type)
      return config_error (error, "conflicting <virtualport> types '%s' and '%s'",
                           vb_virtualport_type_to_string (into->type),
                           vb_virtualport_type_to_string (from->type));
    into->type = from->type;
  }
#define MERGE_SCALAR(field)                                                               \
  if (from->field##_set) {                                                                \
    if (into->field##_set && into->field != from->field)                                  \
      return config_error (error, "conflicting <virtualport> parameter '" #field "': %u vs %u", \
                           (guint) into->field, (guint) from->field);                     \
    into->field##_set = TRUE;                                                             \
    into->field = from->field;                                                            \
  }
  MERGE_SCALAR (managerid)
  MERGE_SCALAR (typeid)
  MERGE_SCALAR (typeidversion)
#undef MERGE_SCALAR
#define MERGE_UUID(field)                                                                 \
  if (from->field##_set) {                                                                \
    if (into->field##_set && !vb_uuid_equal (&into->field, &from->field))                 \
      return config_error (error, "conflicting <virtualport> parameter '" #field "'");    \
    into->field##_set = TRUE;                                                             \
    into->field = from->field;                                                            \
  }
  MERGE_UUID (instanceid)
  MERGE_UUID (interfaceid)
#undef MERGE_UUID
  if (from->profileid != NULL) {
    if (into->profileid != NULL && strcmp (into->profileid, from->profileid) != 0)
      return config_error (error, "conflicting <virtualport> parameter 'profileid': '%s' vs '%s'",
                           into->profileid, from->profileid);
    g_free (into->profileid);
    into->profileid = g_strdup (from->profileid);
  }
  return TRUE;
}

gboolean
vb_virtualport_merge (const VbVirtualPort *iface, const VbVirtualPort *portgroup,
                      const VbVirtualPort *network, VbVirtualPort **out, GError **error)
{
  g_autoptr(VbVirtualPort) merged = NULL;

  *out = NULL;
  if (iface == NULL && portgroup == NULL && network == NULL)
    return TRUE;
  merged = g_new0 (VbVirtualPort, 1);
  if (!merge_one (merged, iface, error) || !merge_one (merged, portgroup, error) ||
      !merge_one (merged, network, error))
    return FALSE;
  /* a typeless piece may carry parameters the final type does not know */
  if (!check_no_extras (merged, error))
    return FALSE;
  *out = g_steal_pointer (&merged);
  return TRUE;
}

gboolean
vb_virtualport_check_complete (const VbVirtualPort *vp, GError **error)
{
  if (vp == NULL)
    return TRUE;
  switch (vp->type) {
  case VB_VIRTUALPORT_NONE:
    return config_error (error, "<virtualport> has no type after merging the interface, portgroup and network profiles");
  case VB_VIRTUALPORT_8021QBG:
    if (!vp->managerid_set)
      return config_error (error, "<virtualport type='802.1Qbg'> is missing parameter 'managerid'");
    if (!vp->typeid_set)
      return config_error (error, "<virtualport type='802.1Qbg'> is missing parameter 'typeid'");
    if (!vp->typeidversion_set)
      return config_error (error, "<virtualport type='802.1Qbg'> is missing parameter 'typeidversion'");
    break;
  case VB_VIRTUALPORT_8021QBH:
    if (vp->profileid == NULL)
      return config_error (error, "<virtualport type='802.1Qbh'> is missing parameter 'profileid'");
    break;
  case VB_VIRTUALPORT_OPENVSWITCH:
  case VB_VIRTUALPORT_MIDONET:
  default:
    break;
  }
  return check_no_extras (vp, error);
}

void
vb_virtualport_fill_ids (VbVirtualPort *vp)
{
  if (vp == NULL)
    return;
  if (vp->type == VB_VIRTUALPORT_8021QBG && !vp->instanceid_set) {
    vb_uuid_generate (&vp->instanceid);
    vp->instanceid_set = TRUE;
  }
  if ((vp->type == VB_VIRTUALPORT_OPENVSWITCH || vp->type == VB_VIRTUALPORT_MIDONET) &&
      !vp->interfaceid_set) {
    vb_uuid_generate (&vp->interfaceid);
    vp->interfaceid_set = TRUE;
  }
}

/* <bandwidth> -------------------------------------------------------------- */

static gboolean
parse_rate (xmlNode *node, gboolean allow_floor, VbBandwidthRate **out, GError **error)
{
  g_autofree VbBandwidthRate *rate = g_new0 (VbBandwidthRate, 1);
  gboolean has_average = FALSE, has_floor = FALSE, has_peak = FALSE, has_burst = FALSE;
  const char *what = (const char *) node->name;

  if (!vb_xml_prop_uint (node, "average", 10, G_MAXUINT32, &rate->average, &has_average, error) ||
      !vb_xml_prop_uint (node, "peak", 10, G_MAXUINT32, &rate->peak, &has_peak, error) ||
      !vb_xml_prop_uint (node, "burst", 10, G_MAXUINT32, &rate->burst, &has_burst, error) ||
      !vb_xml_prop_uint (node, "floor", 10, G_MAXUINT32, &rate->floor, &has_floor, error))
    return FALSE;
  if (has_floor && !allow_floor)
    return config_error (error, "<bandwidth><%s>: attribute 'floor' is only supported on <inbound>", what);
  if (!has_average && !has_floor)
    return config_error (error, "<bandwidth><%s>: missing mandatory attribute 'average'%s", what,
                         allow_floor ? " or 'floor'" : "");
  if ((has_peak || has_burst) && !has_average)
    return config_error (error, "<bandwidth><%s>: 'peak' and 'burst' require 'average'", what);
  /* average='0' is libvirt's way to say "no shaping this direction" */
  if (rate->average == 0 && rate->floor == 0)
    return TRUE;
  *out = g_steal_pointer (&rate);
  return TRUE;
}

VbBandwidth *
vb_bandwidth_parse (xmlNode *node, GError **error)
{
  g_autoptr(VbBandwidth) bw = g_new0 (VbBandwidth, 1);
  xmlNode *in, *out;

  if (vb_xml_count_children (node, "inbound") > 1)
    return config_error (error, "<bandwidth>: only one <inbound> element is allowed"), NULL;
  if (vb_xml_count_children (node, "outbound") > 1)
    return config_error (error, "<bandwidth>: only one <outbound> element is allowed"), NULL;
  in = vb_xml_child (node, "inbound");
  out = vb_xml_child (node, "outbound");
  if (in != NULL && !parse_rate (in, TRUE, &bw->in, error))
    return NULL;
  if (out != NULL && !parse_rate (out, FALSE, &bw->out, error))
    return NULL;
  return g_steal_pointer (&bw);
}

static void
format_rate (const char *name, const VbBandwidthRate *rate, VbXmlWriter *w)
{
  if (rate == NULL)
    return;
  vb_xml_start (w, name);
  if (rate->average)
    vb_xml_attr_uint (w, "average", rate->average);
  if (rate->peak)
    vb_xml_attr_uint (w, "peak", rate->peak);
  if (rate->floor)
    vb_xml_attr_uint (w, "floor", rate->floor);
  if (rate->burst)
    vb_xml_attr_uint (w, "burst", rate->burst);
  vb_xml_end_empty (w);
}

void
vb_bandwidth_format (const VbBandwidth *bw, VbXmlWriter *w)
{
  if (bw == NULL || (bw->in == NULL && bw->out == NULL))
    return;
  vb_xml_start (w, "bandwidth");
  vb_xml_end_open (w);
  format_rate ("inbound", bw->in, w);
  format_rate ("outbound", bw->out, w);
  vb_xml_close (w);
}

VbBandwidth *
vb_bandwidth_copy (const VbBandwidth *bw)
{
  VbBandwidth *copy;

  if (bw == NULL)
    return NULL;
  copy = g_new0 (VbBandwidth, 1);
  copy->in = bw->in ? g_memdup2 (bw->in, sizeof *bw->in) : NULL;
  copy->out = bw->out ? g_memdup2 (bw->out, sizeof *bw->out) : NULL;
  return copy;
}

void
vb_bandwidth_free (VbBandwidth *bw)
{
  if (bw == NULL)
    return;
  g_free (bw->in);
  g_free (bw->out);
  g_free (bw);
}

static gboolean
rate_equal (const VbBandwidthRate *a, const VbBandwidthRate *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return a->average == b->average && a->peak == b->peak && a->burst == b->burst &&
         a->floor == b->floor;
}

gboolean
vb_bandwidth_equal (const VbBandwidth *a, const VbBandwidth *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return rate_equal (a->in, b->in) && rate_equal (a->out, b->out);
}

/* <vlan> ------------------------------------------------------------------- */

VbVlan *
vb_vlan_parse (xmlNode *node, GError **error)
{
  static const char *const native_modes[] = { "tagged", "untagged", NULL };
  g_autoptr(VbVlan) vlan = g_new0 (VbVlan, 1);
  guint n = vb_xml_count_children (node, "tag");
  guint i = 0;
  gboolean have_native = FALSE;

  if (!vb_xml_prop_yesno (node, "trunk", &vlan->trunk, error))
    return NULL;
  if (n == 0)
    return config_error (error, "<vlan> needs at least one <tag>"), NULL;
  vlan->tags = g_new0 (VbVlanTag, n);
  vlan->n_tags = n;
  for (xmlNode *t = vb_xml_child (node, "tag"); t; t = vb_xml_next (t, "tag"), i++) {
    guint64 id = 0;
    gboolean present = FALSE;
    int mode = 0;

    if (!vb_xml_prop_uint (t, "id", 10, 4095, &id, &present, error))
      return NULL;
    if (!present)
      return config_error (error, "<vlan><tag> is missing attribute 'id'"), NULL;
    if (!vb_xml_prop_enum (t, "nativeMode", native_modes, &mode, error))
      return NULL;
    if (mode != 0) {
      if (have_native)
        return config_error (error, "<vlan>: only one <tag> may have 'nativeMode'"), NULL;
      have_native = TRUE;
    }
    vlan->tags[i].id = (guint) id;
    vlan->tags[i].native_mode = (VbVlanNativeMode) mode;
  }
  /* several tags, or a native tag, only make sense on a trunk */
  if (n > 1 || have_native) {
    if (vlan->trunk == VB_TRISTATE_NO)
      return config_error (error, "<vlan trunk='no'> cannot have %s",
                           have_native ? "a 'nativeMode' tag" : "more than one <tag>"), NULL;
    vlan->trunk = VB_TRISTATE_YES;
  }
  return g_steal_pointer (&vlan);
}

void
vb_vlan_format (const VbVlan *vlan, VbXmlWriter *w)
{
  static const char *const native_modes[] = { NULL, "tagged", "untagged" };

  if (vlan == NULL || vlan->n_tags == 0)
    return;
  vb_xml_start (w, "vlan");
  if (vlan->trunk == VB_TRISTATE_YES)
    vb_xml_attr (w, "trunk", "yes");
  vb_xml_end_open (w);
  for (guint i = 0; i < vlan->n_tags; i++) {
    vb_xml_start (w, "tag");
    vb_xml_attr_uint (w, "id", vlan->tags[i].id);
    if (vlan->tags[i].native_mode <= VB_VLAN_NATIVE_UNTAGGED)
      vb_xml_attr (w, "nativeMode", native_modes[vlan->tags[i].native_mode]);
    vb_xml_end_empty (w);
  }
  vb_xml_close (w);
}

VbVlan *
vb_vlan_copy (const VbVlan *vlan)
{
  VbVlan *copy;

  if (vlan == NULL)
    return NULL;
  copy = g_new0 (VbVlan, 1);
  copy->trunk = vlan->trunk;
  copy->n_tags = vlan->n_tags;
  copy->tags = vlan->n_tags ? g_memdup2 (vlan->tags, sizeof (VbVlanTag) * vlan->n_tags) : NULL;
  return copy;
}

void
vb_vlan_free (VbVlan *vlan)
{
  if (vlan == NULL)
    return;
  g_free (vlan->tags);
  g_free (vlan);
}

gboolean
vb_vlan_equal (const VbVlan *a, const VbVlan *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  if (a->trunk != b->trunk || a->n_tags != b->n_tags)
    return FALSE;
  for (guint i = 0; i < a->n_tags; i++)
    if (a->tags[i].id != b->tags[i].id || a->tags[i].native_mode != b->tags[i].native_mode)
      return FALSE;
  return TRUE;
}

/* <ip> and <route> of a domain <interface> ----------------------------------- */

/* Reads an address attribute into its canonical text; NULL when absent (or
 * malformed, with @error set). */
static char *
address_attr (xmlNode *node, const char *attr, GSocketFamily *family, GError **error)
{
  g_autofree char *value = vb_xml_prop (node, attr);
  g_autoptr(GInetAddress) addr = NULL;

  if (value == NULL)
    return NULL;
  addr = g_inet_address_new_from_string (value);
  if (addr == NULL) {
    config_error (error, "<%s>: invalid IP address '%s' in attribute '%s'", (const char *) node->name,
                  value, attr);
    return NULL;
  }
  *family = g_inet_address_get_family (addr);
  return g_inet_address_to_string (addr);
}

static gboolean
family_matches (xmlNode *node, GSocketFamily family, GError **error)
{
  g_autofree char *name = vb_xml_prop (node, "family");

  if (name == NULL)
    return TRUE;
  if (strcmp (name, "ipv4") != 0 && strcmp (name, "ipv6") != 0)
    return config_error (error, "<%s>: unknown family '%s'", (const char *) node->name, name);
  if ((strcmp (name, "ipv6") == 0) != (family == G_SOCKET_FAMILY_IPV6))
    return config_error (error, "<%s>: the address is not of family '%s'", (const char *) node->name, name);
  return TRUE;
}

void
vb_netdev_ip_free (VbNetdevIp *ip)
{
  if (ip == NULL)
    return;
  g_free (ip->address);
  g_free (ip->peer);
  g_free (ip);
}

VbNetdevIp *
vb_netdev_ip_parse (xmlNode *node, GError **error)
{
  g_autoptr(VbNetdevIp) ip = g_new0 (VbNetdevIp, 1);
  GSocketFamily family = G_SOCKET_FAMILY_INVALID, peer_family = G_SOCKET_FAMILY_INVALID;
  GError *local = NULL;
  guint64 prefix = 0;
  gboolean prefix_set = FALSE;

  ip->address = address_attr (node, "address", &family, &local);
  if (ip->address == NULL) {
    if (local == NULL)
      config_error (&local, "<ip>: missing attribute 'address'");
    g_propagate_error (error, local);
    return NULL;
  }
  ip->peer = address_attr (node, "peer", &peer_family, &local);
  if (local != NULL) {
    g_propagate_error (error, local);
    return NULL;
  }
  if (ip->peer && peer_family != family) {
    config_error (error, "<ip address='%s' peer='%s'>: address and peer differ in family", ip->address,
                  ip->peer);
    return NULL;
  }
  if (!family_matches (node, family, error) ||
      !vb_xml_prop_uint (node, "prefix", 10, family == G_SOCKET_FAMILY_IPV6 ? 128 : 32, &prefix,
                         &prefix_set, error))
    return NULL;
  if (prefix_set) {
    ip->prefix = (guint) prefix;
  } else if (family == G_SOCKET_FAMILY_IPV6) {
    ip->prefix = 64;
  } else {
    g_autoptr(GInetAddress) addr = g_inet_address_new_from_string (ip->address);
    guint8 first = g_inet_address_to_bytes (addr)[0];

    /* the network class of RFC 870, as libvirt defaults it */
    if (first >= 224) {
      config_error (error, "<ip address='%s'>: a prefix is needed (no class default)", ip->address);
      return NULL;
    }
    ip->prefix = first < 128 ? 8 : first < 192 ? 16 : 24;
  }
  return g_steal_pointer (&ip);
}

void
vb_netdev_route_free (VbNetdevRoute *route)
{
  if (route == NULL)
    return;
  g_free (route->address);
  g_free (route->gateway);
  g_free (route);
}

static int
netmask_bits (const char *text)
{
  g_autoptr(GInetAddress) mask = g_inet_address_new_from_string (text);
  const guint8 *b;
  int bits = 0;

  if (mask == NULL || g_inet_address_get_family (mask) != G_SOCKET_FAMILY_IPV4)
    return -1;
  b = g_inet_address_to_bytes (mask);
  while (bits < 32 && (b[bits / 8] & (0x80 >> (bits % 8))))
    bits++;
  for (int i = bits; i < 32; i++)
    if (b[i / 8] & (0x80 >> (i % 8)))
      return -1;
  return bits;
}

VbNetdevRoute *
vb_netdev_route_parse (xmlNode *node, GError **error)
{
  g_autoptr(VbNetdevRoute) r = g_new0 (VbNetdevRoute, 1);
  GSocketFamily family = G_SOCKET_FAMILY_INVALID, gw_family = G_SOCKET_FAMILY_INVALID;
  g_autofree char *netmask = vb_xml_prop (node, "netmask");
  GError *local = NULL;
  guint64 v = 0;
  gboolean metric_set = FALSE;

  r->address = address_attr (node, "address", &family, &local);
  if (r->address != NULL)
    r->gateway = address_attr (node, "gateway", &gw_family, &local);
  if (r->gateway == NULL) {
    if (local == NULL)
      config_error (&local, "<route>: missing attribute '%s'", r->address ? "gateway" : "address");
    g_propagate_error (error, local);
    return NULL;
  }
  if (family != gw_family) {
    config_error (error, "<route address='%s' gateway='%s'>: address and gateway differ in family",
                  r->address, r->gateway);
    return NULL;
  }
  if (!family_matches (node, family, error) ||
      !vb_xml_prop_uint (node, "prefix", 10, family == G_SOCKET_FAMILY_IPV6 ? 128 : 32, &v,
                         &r->prefix_set, error))
    return NULL;
  r->prefix = (guint) v;
  if (netmask) {
    int bits = netmask_bits (netmask);

    if (r->prefix_set || family == G_SOCKET_FAMILY_IPV6 || bits < 0) {
      config_error (error, "<route address='%s'>: invalid 'netmask' (IPv4 only, contiguous, not with 'prefix')",
                    r->address);
      return NULL;
    }
    r->prefix = (guint) bits;
    r->prefix_set = TRUE;
  }
  if (!vb_xml_prop_uint (node, "metric", 10, G_MAXUINT32, &v, &metric_set, error))
    return NULL;
  r->metric = metric_set ? (guint) v : 0;
  return g_steal_pointer (&r);
}
