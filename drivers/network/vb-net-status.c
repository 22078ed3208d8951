/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A running network's status file, and picking networks up again from
 * their status files when the daemon starts. */
#include "vb-network-private.h"

#include <glib/gstdio.h>
#include <signal.h>

#include "vb-dnsmasq.h"
#include "vb-error.h"
#include "vb-net-firewall.h"

/* The store's status file of network @name (the kernel worker writes it
 * during a start, so it is reached by path there). */
char *
vb_net_status_path (VbNetworkDriver *self, const char *name)
{
  return vb_config_store_run_path (self->store, name, ".status");
}

char *
vb_net_dnsmasq_log_path (VbNetworkDriver *self, const char *name)
{
  return g_strdup_printf ("%s/%s.log", self->run_dir, name);
}

/* The live connection counts go into the live definition, as libvirt
 * keeps them in its status XML. */
void
vb_net_sync_counts (NetState *st)
{
  VbNetworkDef *live = (VbNetworkDef *) vb_network_get_live_def (st->net);

  if (live == NULL)
    return;
  live->connections = st->usage->connections;
  for (guint i = 0; i < live->forward_ifaces->len; i++) {
    VbNetworkForwardIface *f = g_ptr_array_index (live->forward_ifaces, i);
    g_autofree char *key = vb_network_forward_iface_key (f);
    f->connections = vb_network_usage_device_count (st->usage, key);
  }
}

/* The status file's contents (NULL when the network has no live
 * definition); *@out_len its length. */
char *
vb_net_build_status (NetState *st, gsize *out_len)
{
  /* while starting, the record is provisional: a daemon killed before the
   * start completes finds it and undoes what was built */
  gboolean starting = st->starting_def != NULL;
  const VbNetworkDef *live = starting ? st->starting_def : vb_network_get_live_def (st->net);
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *xml = NULL;

  if (live == NULL)
    return NULL;
  if (!starting)
    vb_net_sync_counts (st);
  xml = vb_network_def_format (live, VB_NETWORK_FORMAT_LIVE);
  g_key_file_set_string (kf, "network", "def", xml);
  g_key_file_set_boolean (kf, "network", "starting", starting);
  g_key_file_set_integer (kf, "network", "dnsmasq-pid", st->dnsmasq_pid);
  g_key_file_set_boolean (kf, "network", "ipv4-forward", st->fwd_claim[VB_SYSCTL_IPV4_FORWARD]);
  g_key_file_set_boolean (kf, "network", "ipv6-forward", st->fwd_claim[VB_SYSCTL_IPV6_FORWARD]);
  return g_key_file_to_data (kf, out_len, NULL);
}

static gboolean
save_status (VbNetworkDriver *self, NetState *st, GError **error)
{
  const VbNetworkDef *live = st->starting_def ? st->starting_def : vb_network_get_live_def (st->net);
  g_autofree char *data = NULL;
  gsize len;

  data = vb_net_build_status (st, &len);
  if (data == NULL)
    return TRUE;
  return vb_config_store_save_status (self->store, live->name, data, error);
}

void
vb_net_save_status_or_warn (VbNetworkDriver *self, NetState *st)
{
  g_autoptr(GError) error = NULL;

  if (!save_status (self, st, &error))
    g_warning ("network '%s': cannot write its status: %s", vb_network_get_name (st->net),
               error->message);
}

/* Open: load, re-attach, autostart ------------------------------------------------ */

/* Picks up one network that kept running while no daemon watched it. */
void
vb_net_reattach (VbNetworkDriver *self, const char *status_file)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = NULL;
  g_autoptr(VbNetworkDef) live = NULL;
  VbNetwork *net;
  NetState *st;
  int pid;
  gboolean alive;

  if (!g_key_file_load_from_file (kf, status_file, G_KEY_FILE_NONE, &error) ||
      (xml = g_key_file_get_string (kf, "network", "def", &error)) == NULL ||
      (live = vb_network_def_parse (xml, VB_NETWORK_PARSE_STATUS, &error)) == NULL) {
    g_warning ("ignoring network status %s: %s", status_file, error->message);
    g_unlink (status_file);
    return;
  }
  pid = g_key_file_get_integer (kf, "network", "dnsmasq-pid", NULL);
  net = vb_driver_lookup_network_by_uuid (self->owner, &live->uuid);
  if (net == NULL && vb_driver_lookup_network_by_name (self->owner, live->name) != NULL) {
    /* its name now belongs to another definition: it cannot be listed,
     * so it must not keep running unseen */
    g_autoptr(VbNetwork) orphan = vb_network_new (vb_network_def_copy (live), FALSE);
    NetState *ost = vb_net_state_get (self, orphan);

    g_warning ("network '%s' (%s) still runs but its name is taken by another definition; stopping it",
               live->name, vb_network_get_uuid_string (orphan));
    if (vb_net_pid_is_our_dnsmasq (self, pid, live->name))
      kill (pid, SIGTERM);
    ost->fwd_claim[0] = g_key_file_get_boolean (kf, "network", "ipv4-forward", NULL);
    ost->fwd_claim[1] = g_key_file_get_boolean (kf, "network", "ipv6-forward", NULL);
    for (int k = 0; k < 2; k++)
      self->fwd_users[k] += ost->fwd_claim[k] ? 1 : 0;
    vb_net_kernel_teardown (self, ost->fwd_claim, live);
    g_unlink (status_file);
    return;
  }
  if (net == NULL) {
    g_autoptr(VbNetwork) transient = vb_network_new (vb_network_def_copy (live), FALSE);
    vb_driver_add_network (self->owner, transient);
    net = transient;
  }
  st = vb_net_state_get (self, net);
  st->fwd_claim[0] = g_key_file_get_boolean (kf, "network", "ipv4-forward", NULL);
  st->fwd_claim[1] = g_key_file_get_boolean (kf, "network", "ipv6-forward", NULL);
  for (int k = 0; k < 2; k++)
    self->fwd_users[k] += st->fwd_claim[k] ? 1 : 0;
  alive = vb_net_pid_is_our_dnsmasq (self, pid, live->name);

  if (g_key_file_get_boolean (kf, "network", "starting", NULL)) {
    g_auto(VbDnsmasqPaths) paths = { 0 };

    /* the previous daemon died while starting it: undo the half-built
     * network rather than adopt it */
    g_message ("network '%s' was being started when the daemon stopped; undoing it", live->name);
    if (alive)
      kill (pid, SIGKILL);
    vb_net_kernel_teardown (self, st->fwd_claim, live);
    vb_dnsmasq_paths_init (&paths, self->run_dir, live->name);
    vb_dnsmasq_remove_files (&paths);
    g_unlink (status_file);
    if (!vb_network_is_persistent (net))
      vb_driver_remove_network (self->owner, net);
    return;
  }

  if (vb_net_has_own_bridge (live) && !vb_net_platform_link_exists (self->platform, live->bridge_name)) {
    /* the bridge went away (deleted by hand, host network restart): the
     * network is dead; clear what is left of it */
    g_message ("network '%s': bridge '%s' is gone; marking the network inactive", live->name,
               live->bridge_name);
    if (alive)
      kill (pid, SIGTERM);
    vb_net_kernel_teardown (self, st->fwd_claim, live);
    g_unlink (status_file);
    if (!vb_network_is_persistent (net))
      vb_driver_remove_network (self->owner, net);
    return;
  }

  /* counts as the status recorded them; the hypervisor driver recounts
   * from its guests (usage_reset + port_reclaim) */
  vb_network_usage_reset (st->usage);
  st->usage->connections = live->connections;
  for (guint i = 0; i < live->forward_ifaces->len; i++) {
    VbNetworkForwardIface *f = g_ptr_array_index (live->forward_ifaces, i);
    g_autofree char *key = vb_network_forward_iface_key (f);

    if (f->connections == 0)
      continue;
    g_hash_table_insert (st->usage->devices, g_strdup (key), GUINT_TO_POINTER (f->connections));
    if (live->forward_mode == VB_NETWORK_FORWARD_PASSTHROUGH || live->forward_mode == VB_NETWORK_FORWARD_HOSTDEV)
      g_hash_table_add (st->usage->exclusive, g_strdup (key));
  }

  vb_network_set_live_def (net, g_steal_pointer (&live));
  vb_network_set_active (net, TRUE);
  live = vb_network_def_copy (vb_network_get_live_def (net));

  if (vb_net_has_own_bridge (live) && live->forward_mode != VB_NETWORK_FORWARD_OPEN &&
      !vb_net_firewall_exists (live->name) && !vb_net_firewall_apply (live, &error)) {
    g_warning ("network '%s': %s", live->name, error->message);
    g_clear_error (&error);
  }
  if (alive) {
    st->dnsmasq_pid = pid;
    st->dns_phase = DNS_RUNNING;
    if (!vb_net_dnsmasq_watch (st, &error)) {
      g_warning ("network '%s': %s", live->name, error->message);
      g_clear_error (&error);
    }
  } else if (vb_dnsmasq_needed (live)) {
    st->dns_phase = DNS_RUNNING;
    if (!vb_net_dnsmasq_spawn (st, live, &error)) {
      g_warning ("%s", error->message);
      st->dns_phase = DNS_NONE;
    }
  }
  vb_net_save_status_or_warn (self, st);
}
