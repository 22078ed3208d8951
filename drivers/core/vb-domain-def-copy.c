/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vb_domain_def_copy: a walk over the structures, never a format and
 * re-parse.  Each copier starts from a shallow copy of the struct, so
 * scalar fields need no line here, then replaces every pointer with its
 * own copy: a pointer left shared would be freed twice, which the ASan run
 * of the conformance corpus catches. */
#include "vb-domain-def.h"

#include "vb-def-copy.h"

static void
device_info_copy (VbDomainDeviceInfo *info)
{
  info->boot = vb_xml_opaque_copy (info->boot);
  info->alias = vb_xml_opaque_copy (info->alias);
  info->address = vb_xml_opaque_copy (info->address);
  info->extra = vb_xml_opaque_array_copy (info->extra);
}

static gpointer
disk_copy (gconstpointer data, gpointer unused)
{
  VbDomainDiskDef *d = g_memdup2 (data, sizeof *d);

  d->type = g_strdup (d->type);
  d->device = g_strdup (d->device);
  d->model = g_strdup (d->model);
  d->snapshot = g_strdup (d->snapshot);
  d->rawio = g_strdup (d->rawio);
  d->sgio = g_strdup (d->sgio);
  d->driver_name = g_strdup (d->driver_name);
  d->driver_type = g_strdup (d->driver_type);
  d->driver = vb_xml_opaque_copy (d->driver);
  d->source = g_strdup (d->source);
  d->source_protocol = g_strdup (d->source_protocol);
  d->source_volume = g_strdup (d->source_volume);
  d->source_node = vb_xml_opaque_copy (d->source_node);
  d->backenddomain = vb_xml_opaque_copy (d->backenddomain);
  d->target_dev = g_strdup (d->target_dev);
  d->target_bus = g_strdup (d->target_bus);
  d->target = vb_xml_opaque_copy (d->target);
  d->serial = g_strdup (d->serial);
  d->wwn = g_strdup (d->wwn);
  d->vendor = g_strdup (d->vendor);
  d->product = g_strdup (d->product);
  d->pre_target = vb_xml_opaque_array_copy (d->pre_target);
  d->post_target = vb_xml_opaque_array_copy (d->post_target);
  device_info_copy (&d->info);
  return d;
}

static gpointer
controller_copy (gconstpointer data, gpointer unused)
{
  VbDomainControllerDef *c = g_memdup2 (data, sizeof *c);

  c->type = g_strdup (c->type);
  c->model = g_strdup (c->model);
  c->attrs = vb_xml_opaque_copy (c->attrs);
  c->serial = g_strdup (c->serial);
  device_info_copy (&c->info);
  return c;
}

static gpointer
netdev_ip_copy (gconstpointer data, gpointer unused)
{
  VbNetdevIp *ip = g_memdup2 (data, sizeof *ip);

  ip->address = g_strdup (ip->address);
  ip->peer = g_strdup (ip->peer);
  return ip;
}

static gpointer
netdev_route_copy (gconstpointer data, gpointer unused)
{
  VbNetdevRoute *r = g_memdup2 (data, sizeof *r);

  r->address = g_strdup (r->address);
  r->gateway = g_strdup (r->gateway);
  return r;
}

static gpointer
interface_copy (gconstpointer data, gpointer unused)
{
  VbDomainInterfaceDef *n = g_memdup2 (data, sizeof *n);

  n->type = g_strdup (n->type);
  n->mac_type = g_strdup (n->mac_type);
  n->mac_check = g_strdup (n->mac_check);
  n->network = g_strdup (n->network);
  n->portgroup = g_strdup (n->portgroup);
  n->portid = g_strdup (n->portid);
  n->bridge = g_strdup (n->bridge);
  n->dev = g_strdup (n->dev);
  n->mode = g_strdup (n->mode);
  n->source_node = vb_xml_opaque_copy (n->source_node);
  n->model = g_strdup (n->model);
  n->target = g_strdup (n->target);
  n->target_managed = g_strdup (n->target_managed);
  n->script = g_strdup (n->script);
  n->downscript = g_strdup (n->downscript);
  n->backenddomain = g_strdup (n->backenddomain);
  n->trust_guest_rx_filters = g_strdup (n->trust_guest_rx_filters);
  n->virtualport = vb_virtualport_copy (n->virtualport);
  n->bandwidth = vb_bandwidth_copy (n->bandwidth);
  n->vlan = vb_vlan_copy (n->vlan);
  n->extra_pre_target = vb_xml_opaque_array_copy (n->extra_pre_target);
  n->host_ips = vb_def_copy_array (n->host_ips, netdev_ip_copy);
  n->host_routes = vb_def_copy_array (n->host_routes, netdev_route_copy);
  device_info_copy (&n->info);
  return n;
}

static void
chardev_source_copy (VbDomainChardevSource *s)
{
  s->type = g_strdup (s->type);
  s->path = g_strdup (s->path);
  s->mode = g_strdup (s->mode);
  s->append = g_strdup (s->append);
  s->host = g_strdup (s->host);
  s->service = g_strdup (s->service);
  s->bind_host = g_strdup (s->bind_host);
  s->bind_service = g_strdup (s->bind_service);
  s->tls = g_strdup (s->tls);
  s->protocol = g_strdup (s->protocol);
  s->channel = g_strdup (s->channel);
  s->log_file = g_strdup (s->log_file);
  s->log_append = g_strdup (s->log_append);
  s->source_extra = vb_xml_opaque_array_copy (s->source_extra);
}

static gpointer
chardev_copy (gconstpointer data, gpointer unused)
{
  VbDomainChardevDef *chr = g_memdup2 (data, sizeof *chr);

  chardev_source_copy (&chr->source);
  chr->target_type = g_strdup (chr->target_type);
  chr->target_name = g_strdup (chr->target_name);
  chr->target_state = g_strdup (chr->target_state);
  chr->target_address = g_strdup (chr->target_address);
  chr->target_tport = g_strdup (chr->target_tport);
  chr->target_model = g_strdup (chr->target_model);
  device_info_copy (&chr->info);
  return chr;
}

static gpointer
listen_copy (gconstpointer data, gpointer unused)
{
  VbGraphicsListen *l = g_memdup2 (data, sizeof *l);

  l->address = g_strdup (l->address);
  l->network = g_strdup (l->network);
  l->socket = g_strdup (l->socket);
  return l;
}

static gpointer
graphics_copy (gconstpointer data, gpointer unused)
{
  VbDomainGraphicsDef *g = g_memdup2 (data, sizeof *g);

  g->type = g_strdup (g->type);
  g->socket = g_strdup (g->socket);
  g->keymap = g_strdup (g->keymap);
  g->share_policy = g_strdup (g->share_policy);
  g->passwd = g_strdup (g->passwd);
  g->passwd_valid_to = g_strdup (g->passwd_valid_to);
  g->connected = g_strdup (g->connected);
  g->default_mode = g_strdup (g->default_mode);
  g->display = g_strdup (g->display);
  g->xauth = g_strdup (g->xauth);
  g->fullscreen = g_strdup (g->fullscreen);
  g->multi_user = g_strdup (g->multi_user);
  g->replace_user = g_strdup (g->replace_user);
  g->listens = vb_def_copy_array (g->listens, listen_copy);
  g->extra = vb_xml_opaque_array_copy (g->extra);
  return g;
}

static gpointer
video_copy (gconstpointer data, gpointer unused)
{
  VbDomainVideoDef *v = g_memdup2 (data, sizeof *v);

  v->model_type = g_strdup (v->model_type);
  v->model_extra = vb_xml_opaque_copy (v->model_extra);
  v->driver = vb_xml_opaque_copy (v->driver);
  device_info_copy (&v->info);
  return v;
}

static gpointer
input_copy (gconstpointer data, gpointer unused)
{
  VbDomainInputDef *in = g_memdup2 (data, sizeof *in);

  in->type = g_strdup (in->type);
  in->bus = g_strdup (in->bus);
  in->model = g_strdup (in->model);
  in->source = vb_xml_opaque_copy (in->source);
  device_info_copy (&in->info);
  return in;
}

static VbDomainMemballoonDef *
memballoon_copy (const VbDomainMemballoonDef *src)
{
  VbDomainMemballoonDef *m;

  if (src == NULL)
    return NULL;
  m = g_memdup2 (src, sizeof *m);
  m->model = g_strdup (m->model);
  m->autodeflate = g_strdup (m->autodeflate);
  m->free_page_reporting = g_strdup (m->free_page_reporting);
  device_info_copy (&m->info);
  return m;
}

static VbDomainCpuDef *
cpu_copy (const VbDomainCpuDef *src)
{
  VbDomainCpuDef *cpu;

  if (src == NULL)
    return NULL;
  cpu = g_memdup2 (src, sizeof *cpu);
  cpu->mode = g_strdup (cpu->mode);
  cpu->match = g_strdup (cpu->match);
  cpu->check = g_strdup (cpu->check);
  cpu->migratable = g_strdup (cpu->migratable);
  cpu->model = g_strdup (cpu->model);
  cpu->model_node = vb_xml_opaque_copy (cpu->model_node);
  cpu->vendor = g_strdup (cpu->vendor);
  cpu->children = vb_xml_opaque_array_copy (cpu->children);
  return cpu;
}

static gpointer
opaque_array_copy (gconstpointer arr, gpointer unused)
{
  return vb_xml_opaque_array_copy (arr);
}

/* A string-keyed table of @src's shape, each value through @copy */
static GHashTable *
table_copy (GHashTable *src, GCopyFunc copy, GDestroyNotify value_free)
{
  GHashTable *table;
  GHashTableIter iter;
  gpointer key, value;

  if (src == NULL)
    return NULL;
  table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, value_free);
  g_hash_table_iter_init (&iter, src);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (table, g_strdup (key), copy (value, NULL));
  return table;
}

VbDomainDef *
vb_domain_def_copy (const VbDomainDef *src)
{
  VbDomainDef *def;

  if (src == NULL)
    return NULL;
  def = g_memdup2 (src, sizeof *def);
  def->virt_type = g_strdup (def->virt_type);
  def->name = g_strdup (def->name);
  def->genid = g_strdup (def->genid);
  def->title = g_strdup (def->title);
  def->description = g_strdup (def->description);
  def->metadata = vb_xml_opaque_copy (def->metadata);
  def->memory_dump_core = g_strdup (def->memory_dump_core);
  def->vcpu_placement = g_strdup (def->vcpu_placement);
  def->vcpu_cpuset = g_strdup (def->vcpu_cpuset);
  def->features = vb_xml_opaque_copy (def->features);
  def->cpu = cpu_copy (def->cpu);
  def->os_type = g_strdup (def->os_type);
  def->os_arch = g_strdup (def->os_arch);
  def->os_machine = g_strdup (def->os_machine);
  def->os_firmware = g_strdup (def->os_firmware);
  def->os_boot_devs = vb_def_copy_array (def->os_boot_devs, vb_def_copy_str);
  def->os_kernel = g_strdup (def->os_kernel);
  def->os_initrd = g_strdup (def->os_initrd);
  def->os_cmdline = g_strdup (def->os_cmdline);
  def->os_dtb = g_strdup (def->os_dtb);
  def->os_init = g_strdup (def->os_init);
  def->os_bootmenu_enable = g_strdup (def->os_bootmenu_enable);
  def->os_bootmenu_timeout = g_strdup (def->os_bootmenu_timeout);
  def->os_other = vb_xml_opaque_array_copy (def->os_other);
  def->clock_offset = g_strdup (def->clock_offset);
  def->clock = vb_xml_opaque_copy (def->clock);
  def->on_poweroff = g_strdup (def->on_poweroff);
  def->on_reboot = g_strdup (def->on_reboot);
  def->on_crash = g_strdup (def->on_crash);
  def->on_lockfailure = g_strdup (def->on_lockfailure);
  def->emulator = g_strdup (def->emulator);
  def->disks = vb_def_copy_array (def->disks, disk_copy);
  def->controllers = vb_def_copy_array (def->controllers, controller_copy);
  def->interfaces = vb_def_copy_array (def->interfaces, interface_copy);
  def->serials = vb_def_copy_array (def->serials, chardev_copy);
  def->parallels = vb_def_copy_array (def->parallels, chardev_copy);
  def->consoles = vb_def_copy_array (def->consoles, chardev_copy);
  def->channels = vb_def_copy_array (def->channels, chardev_copy);
  def->inputs = vb_def_copy_array (def->inputs, input_copy);
  def->graphics = vb_def_copy_array (def->graphics, graphics_copy);
  def->videos = vb_def_copy_array (def->videos, video_copy);
  def->memballoon = memballoon_copy (def->memballoon);
  if (src->other_devices) {
    /* only the untyped kinds, kept as opaque nodes, have slots in use */
    def->other_devices = g_new0 (GPtrArray *, VB_DOMAIN_DEVICE_LAST);
    for (guint i = 0; i < VB_DOMAIN_DEVICE_LAST; i++)
      def->other_devices[i] = vb_xml_opaque_array_copy (src->other_devices[i]);
  }
  def->opaque = table_copy (def->opaque, opaque_array_copy, (GDestroyNotify) g_ptr_array_unref);
  def->namespaces = table_copy (def->namespaces, vb_def_copy_str, g_free);
  return def;
}
