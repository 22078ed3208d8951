/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-net-ip.h"

#include <gio/gio.h>
#include <string.h>

static int
netmask_bits (const char *netmask)
{
  g_autoptr(GInetAddress) m = g_inet_address_new_from_string (netmask);
  const guint8 *b;
  int bits = 0;

  if (m == NULL || g_inet_address_get_family (m) != G_SOCKET_FAMILY_IPV4)
    return -1;
  b = g_inet_address_to_bytes (m);
  for (int i = 0; i < 32; i++) {
    if (!(b[i / 8] & (0x80 >> (i % 8))))
      break;
    bits++;
  }
  return bits;
}

int
vb_net_ip_prefix (const VbNetworkIp *ip)
{
  g_autoptr(GInetAddress) a = g_inet_address_new_from_string (ip->address);
  const guint8 *b;

  if (a == NULL)
    return -1;
  if (ip->prefix_set)
    return (int) ip->prefix;
  if (ip->netmask)
    return netmask_bits (ip->netmask);
  if (g_inet_address_get_family (a) == G_SOCKET_FAMILY_IPV6)
    return 64;
  b = g_inet_address_to_bytes (a);
  if (b[0] < 128)
    return 8;
  if (b[0] < 192)
    return 16;
  if (b[0] < 224)
    return 24;
  return -1;
}

static gboolean
masked (const char *address, int prefix, guint8 out[16], gsize *len)
{
  g_autoptr(GInetAddress) a = g_inet_address_new_from_string (address);

  if (a == NULL || prefix < 0)
    return FALSE;
  *len = g_inet_address_get_native_size (a);
  memcpy (out, g_inet_address_to_bytes (a), *len);
  for (gsize i = 0; i < *len * 8; i++) {
    if ((int) i >= prefix)
      out[i / 8] &= ~(0x80 >> (i % 8));
  }
  return TRUE;
}

char *
vb_net_ip_network (const VbNetworkIp *ip)
{
  int prefix = vb_net_ip_prefix (ip);
  guint8 bytes[16];
  gsize len;
  g_autoptr(GInetAddress) net = NULL;
  g_autofree char *text = NULL;

  if (!masked (ip->address, prefix, bytes, &len))
    return NULL;
  net = g_inet_address_new_from_bytes (bytes, len == 4 ? G_SOCKET_FAMILY_IPV4 : G_SOCKET_FAMILY_IPV6);
  text = g_inet_address_to_string (net);
  return g_strdup_printf ("%s/%d", text, prefix);
}

char *
vb_net_prefix_to_netmask (guint prefix)
{
  guint32 mask = prefix == 0 ? 0 : 0xffffffffu << (32 - MIN (prefix, 32));

  return g_strdup_printf ("%u.%u.%u.%u", mask >> 24, (mask >> 16) & 0xff, (mask >> 8) & 0xff,
                          mask & 0xff);
}

gboolean
vb_net_ip_contains (const VbNetworkIp *ip, const char *address)
{
  int prefix = vb_net_ip_prefix (ip);
  guint8 a[16], b[16];
  gsize alen, blen;

  return masked (ip->address, prefix, a, &alen) && masked (address, prefix, b, &blen) &&
         alen == blen && memcmp (a, b, alen) == 0;
}

int
vb_net_route_prefix (const VbNetworkRoute *route)
{
  if (route->prefix_set)
    return (int) route->prefix;
  if (route->netmask)
    return netmask_bits (route->netmask);
  return -1;
}
