/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-qemu-command.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "vb-error.h"
#include "vb-qemu-firmware.h"

#define VNC_PORT_MIN 5900
#define VNC_DISPLAYS 100

typedef struct {
  GStrvBuilder *argv;
  const VbDomainDef *def;
  const VbQemuCaps *caps;
  gboolean kvm;
  gboolean q35;           /* PCI Express root; AHCI built in, no IDE */
  gboolean i440fx;        /* the "pc" family: PCI root with IDE */
  GHashTable *usb;        /* USB controller index → its qemu id; empty: USB disabled */
  GHashTable *scsi;       /* SCSI controller index → "virtio-scsi" or "lsilogic" */
  GHashTable *sata;       /* SATA controller index → its qemu id ("ide" for q35's own) */
} Cmd;

static void
arg (Cmd *cmd, const char *a)
{
  g_strv_builder_add (cmd->argv, a);
}

static void G_GNUC_PRINTF (3, 4)
opt (Cmd *cmd, const char *name, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *value = NULL;

  va_start (ap, fmt);
  value = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_strv_builder_add (cmd->argv, name);
  g_strv_builder_add (cmd->argv, value);
}

/* qemu's option parser splits on ',' and reads ",," as a literal comma. */
static char *
esc (const char *value)
{
  GString *s = g_string_new (NULL);

  for (const char *p = value; p && *p; p++) {
    g_string_append_c (s, *p);
    if (*p == ',')
      g_string_append_c (s, ',');
  }
  return g_string_free (s, FALSE);
}

static gboolean
unsupported (GError **error, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static gboolean
unsupported (GError **error, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "%s (QEMU driver)", msg);
  return FALSE;
}

static void
append_bootindex (GString *dev, const VbDomainDeviceInfo *info)
{
  if (info->boot_order > 0)
    g_string_append_printf (dev, ",bootindex=%u", info->boot_order);
}

/* Machine, CPU, memory ------------------------------------------------------ */

static gboolean
add_machine (Cmd *cmd, GError **error)
{
  const VbDomainDef *def = cmd->def;
  const VbQemuMachine *machine = vb_qemu_caps_lookup_machine (cmd->caps, def->os_machine);
  GString *m;

  if (machine == NULL) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG,
                 "machine type '%s' is not supported by %s", def->os_machine ? def->os_machine : "(default)",
                 cmd->caps->emulator);
    return FALSE;
  }
  m = g_string_new (machine->name);
  /* libvirt: no <acpi/> in <features> means no ACPI */
  if (!def->feature_acpi)
    g_string_append (m, ",acpi=off");
  opt (cmd, "-machine", "%s", m->str);
  g_string_free (m, TRUE);
  opt (cmd, "-accel", "%s", cmd->kvm ? "kvm" : "tcg");
  return TRUE;
}

static gboolean
add_cpu (Cmd *cmd, GError **error)
{
  const VbDomainDef *def = cmd->def;
  const char *mode = def->cpu ? def->cpu->mode : NULL;

  if (def->cpu == NULL)
    return TRUE;
  if (g_strcmp0 (mode, "host-passthrough") == 0) {
    if (!cmd->kvm)
      return unsupported (error, "CPU mode host-passthrough needs KVM");
    opt (cmd, "-cpu", "host");
  } else if (g_strcmp0 (mode, "host-model") == 0) {
    /* under TCG the closest thing to the host is everything TCG can do */
    opt (cmd, "-cpu", "%s", cmd->kvm ? "host" : "max");
  } else if (g_strcmp0 (mode, "maximum") == 0) {
    opt (cmd, "-cpu", "max");
  } else if (def->cpu->model) {
    if (!vb_qemu_caps_has_cpu_model (cmd->caps, def->cpu->model)) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "CPU model '%s' is not supported by %s",
                   def->cpu->model, cmd->caps->emulator);
      return FALSE;
    }
    opt (cmd, "-cpu", "%s", def->cpu->model);
  }
  return TRUE;
}

static void
add_memory_smp (Cmd *cmd)
{
  const VbDomainDef *def = cmd->def;
  guint current = def->current_vcpus ? def->current_vcpus : def->vcpus;

  if (def->max_memory_kib && def->max_memory_slots)
    opt (cmd, "-m", "size=%" G_GUINT64_FORMAT "k,slots=%u,maxmem=%" G_GUINT64_FORMAT "k",
         def->memory_kib, def->max_memory_slots, def->max_memory_kib);
  else
    opt (cmd, "-m", "size=%" G_GUINT64_FORMAT "k", def->memory_kib);

  if (def->cpu && def->cpu->topology_set)
    opt (cmd, "-smp", "%u,maxcpus=%u,sockets=%u,dies=%u,cores=%u,threads=%u", current, def->vcpus,
         def->cpu->sockets, MAX (def->cpu->dies, 1), def->cpu->cores, def->cpu->threads);
  else
    opt (cmd, "-smp", "%u,maxcpus=%u,sockets=%u,cores=1,threads=1", current, def->vcpus, def->vcpus);
}

static void
add_boot (Cmd *cmd)
{
  const VbDomainDef *def = cmd->def;
  GString *order = g_string_new (NULL);

  if (def->os_kernel)
    opt (cmd, "-kernel", "%s", def->os_kernel);
  if (def->os_initrd)
    opt (cmd, "-initrd", "%s", def->os_initrd);
  if (def->os_cmdline)
    opt (cmd, "-append", "%s", def->os_cmdline);
  if (def->os_dtb)
    opt (cmd, "-dtb", "%s", def->os_dtb);

  for (guint i = 0; def->os_boot_devs && i < def->os_boot_devs->len; i++) {
    const char *dev = g_ptr_array_index (def->os_boot_devs, i);

    if (g_str_equal (dev, "hd"))
      g_string_append_c (order, 'c');
    else if (g_str_equal (dev, "cdrom"))
      g_string_append_c (order, 'd');
    else if (g_str_equal (dev, "network"))
      g_string_append_c (order, 'n');
    else if (g_str_equal (dev, "fd"))
      g_string_append_c (order, 'a');
  }
  if (order->len || g_strcmp0 (def->os_bootmenu_enable, "yes") == 0) {
    GString *b = g_string_new (NULL);

    if (order->len)
      g_string_append_printf (b, "order=%s", order->str);
    if (g_strcmp0 (def->os_bootmenu_enable, "yes") == 0)
      g_string_append_printf (b, "%smenu=on", b->len ? "," : "");
    opt (cmd, "-boot", "%s", b->str);
    g_string_free (b, TRUE);
  }
  g_string_free (order, TRUE);
}

/* The driver settled loader and NVRAM when the domain was defined or
 * started (vb_qemu_firmware_fill_domain) and made the NVRAM file: here
 * they only become options. */
static gboolean
add_firmware (Cmd *cmd, GError **error)
{
  xmlNode *loader = vb_qemu_firmware_loader (cmd->def);
  xmlNode *nvram = vb_qemu_firmware_nvram (cmd->def);
  g_autofree char *path = loader ? g_strstrip (vb_xml_text (loader)) : NULL;
  g_autofree char *type = loader ? vb_xml_prop (loader, "type") : NULL;
  g_autofree char *readonly = loader ? vb_xml_prop (loader, "readonly") : NULL;
  g_autofree char *secure = loader ? vb_xml_prop (loader, "secure") : NULL;
  g_autofree char *nvram_path = nvram ? g_strstrip (vb_xml_text (nvram)) : NULL;
  g_autofree char *code = NULL;

  if (path == NULL || *path == '\0') {
    if (g_strcmp0 (cmd->def->os_firmware, "efi") == 0)
      return unsupported (error, "firmware 'efi' without a loader");
    return TRUE;
  }
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR)) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "cannot access loader file '%s'", path);
    return FALSE;
  }
  code = esc (path);
  if (type == NULL || g_str_equal (type, "rom")) {
    opt (cmd, "-bios", "%s", path);
    return TRUE;
  }
  if (!g_str_equal (type, "pflash"))
    return unsupported (error, "loader type '%s'", type);
  if (g_strcmp0 (secure, "yes") == 0) {
    /* the variable store is only protected from the OS when SMM guards it */
    opt (cmd, "-machine", "smm=on");
    opt (cmd, "-global", "driver=cfi.pflash01,property=secure,value=on");
  }
  opt (cmd, "-drive", "file=%s,if=pflash,format=raw,unit=0%s", code,
       g_strcmp0 (readonly, "yes") == 0 ? ",readonly=on" : "");
  if (g_strcmp0 (readonly, "yes") == 0) {
    g_autofree char *vars = NULL;

    if (nvram_path == NULL || *nvram_path == '\0') {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "read-only pflash loader '%s' needs an <nvram>", path);
      return FALSE;
    }
    if (!g_file_test (nvram_path, G_FILE_TEST_IS_REGULAR)) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "cannot access NVRAM file '%s'", nvram_path);
      return FALSE;
    }
    vars = esc (nvram_path);
    opt (cmd, "-drive", "file=%s,if=pflash,format=raw,unit=1", vars);
  }
  return TRUE;
}

/* Disks -------------------------------------------------------------------- */

/* hda → 0, hdb → 1, …; -1 for anything else */
static int
disk_index (const char *dev, const char *prefix)
{
  if (dev == NULL || !g_str_has_prefix (dev, prefix) || strlen (dev) != strlen (prefix) + 1)
    return -1;
  if (dev[strlen (prefix)] < 'a' || dev[strlen (prefix)] > 'z')
    return -1;
  return dev[strlen (prefix)] - 'a';
}

/* <address type='drive' controller= bus= target= unit=>: the controller
 * (and place on it) a SCSI or SATA disk goes to; controller 0 when absent. */
typedef struct {
  gboolean set;
  int controller, bus, target, unit;
} DriveAddress;

static int
address_int (xmlNode *address, const char *name)
{
  g_autofree char *value = vb_xml_prop (address, name);
  gint64 n = value ? g_ascii_strtoll (value, NULL, 0) : 0;

  return n >= 0 && n < 65536 ? (int) n : 0;
}

static void
drive_address (const VbDomainDiskDef *disk, DriveAddress *a)
{
  xmlNode *address = disk->info.address;
  g_autofree char *type = address ? vb_xml_prop (address, "type") : NULL;

  if (g_strcmp0 (type, "drive") != 0)
    return;
  a->set = TRUE;
  a->controller = address_int (address, "controller");
  a->bus = address_int (address, "bus");
  a->target = address_int (address, "target");
  a->unit = address_int (address, "unit");
}

/* Controllers ---------------------------------------------------------------- */

static gboolean
need_device (Cmd *cmd, const char *device, const char *what, GError **error)
{
  if (vb_qemu_caps_has_device (cmd->caps, device))
    return TRUE;
  return unsupported (error, "%s: %s has no device '%s'", what, cmd->caps->emulator, device);
}

/* <target chassis= port=> and <model name=> of PCI controllers sit in
 * the controller's kept children. */
static xmlNode *
controller_child (const VbDomainControllerDef *ctl, const char *name)
{
  for (guint i = 0; ctl->info.extra && i < ctl->info.extra->len; i++)
    if (vb_xml_is_element (g_ptr_array_index (ctl->info.extra, i), name))
      return g_ptr_array_index (ctl->info.extra, i);
  return NULL;
}

static int
controller_child_int (const VbDomainControllerDef *ctl, const char *child, const char *name, int fallback)
{
  xmlNode *node = controller_child (ctl, child);
  g_autofree char *value = node ? vb_xml_prop (node, name) : NULL;

  return value ? address_int (node, name) : fallback;
}

/* The bus a PCI controller plugs into: the one its address names, else the root. */
static char *
pci_parent (Cmd *cmd, const VbDomainControllerDef *ctl)
{
  xmlNode *address = ctl->info.address;
  g_autofree char *type = address ? vb_xml_prop (address, "type") : NULL;
  int bus = g_strcmp0 (type, "pci") == 0 ? address_int (address, "bus") : 0;

  if (bus == 0)
    return g_strdup (cmd->q35 ? "pcie.0" : "pci.0");
  return g_strdup_printf ("pci.%d", bus);
}

static gboolean
add_pci_controller (Cmd *cmd, const VbDomainControllerDef *ctl, GError **error)
{
  const char *model = ctl->model ? ctl->model : (ctl->index == 0 ? (cmd->q35 ? "pcie-root" : "pci-root") : "");
  g_autofree char *parent = NULL;
  xmlNode *model_node = controller_child (ctl, "model");
  g_autofree char *model_name = model_node ? vb_xml_prop (model_node, "name") : NULL;
  const char *device;
  gboolean express = g_str_equal (model, "pcie-root-port") || g_str_equal (model, "dmi-to-pci-bridge") ||
                     g_str_equal (model, "pcie-to-pci-bridge");

  if (g_str_equal (model, "pci-root") || g_str_equal (model, "pcie-root")) {
    if (ctl->index != 0 || g_str_equal (model, "pcie-root") != cmd->q35)
      return unsupported (error, "PCI controller '%s' with index %d on machine type %s", model, ctl->index,
                          cmd->def->os_machine ? cmd->def->os_machine : "(default)");
    return TRUE;
  }
  if (ctl->index == 0)
    return unsupported (error, "PCI controller '%s' with index 0 (the root bus)", model);
  if (express && !cmd->q35)
    return unsupported (error, "PCI controller '%s' needs a PCI Express machine type (q35)", model);
  if (g_str_equal (model, "pcie-root-port")) {
    device = g_strcmp0 (model_name, "ioh3420") == 0 ? "ioh3420" : "pcie-root-port";
  } else if (g_str_equal (model, "pci-bridge")) {
    device = "pci-bridge";
  } else if (g_str_equal (model, "dmi-to-pci-bridge")) {
    device = "i82801b11-bridge";
  } else if (g_str_equal (model, "pcie-to-pci-bridge")) {
    device = "pcie-pci-bridge";
  } else {
    return unsupported (error, "PCI controller model '%s'", model);
  }
  if (!need_device (cmd, device, "PCI controller", error))
    return FALSE;
  parent = pci_parent (cmd, ctl);
  if (g_str_equal (model, "pcie-root-port"))
    opt (cmd, "-device", "%s,port=%d,chassis=%d,id=pci.%d,bus=%s", device,
         controller_child_int (ctl, "target", "port", ctl->index),
         controller_child_int (ctl, "target", "chassis", ctl->index), ctl->index, parent);
  else if (g_str_equal (model, "pci-bridge"))
    opt (cmd, "-device", "%s,chassis_nr=%d,id=pci.%d,bus=%s", device,
         controller_child_int (ctl, "target", "chassisNr", ctl->index), ctl->index, parent);
  else
    opt (cmd, "-device", "%s,id=pci.%d,bus=%s", device, ctl->index, parent);
  return TRUE;
}

typedef struct {
  const char *model;
  const char *device;
  int companion_port;  /* -1: a controller of its own; else the EHCI port it starts at */
} UsbModel;

static const UsbModel usb_models[] = {
  { "piix3-uhci", "piix3-usb-uhci", -1 },
  { "piix4-uhci", "piix4-usb-uhci", -1 },
  { "ich9-ehci1", "ich9-usb-ehci1", -1 },
  { "ich9-uhci1", "ich9-usb-uhci1", 0 },
  { "ich9-uhci2", "ich9-usb-uhci2", 2 },
  { "ich9-uhci3", "ich9-usb-uhci3", 4 },
  { "qemu-xhci", "qemu-xhci", -1 },
  { "nec-xhci", "nec-usb-xhci", -1 },
};

static const UsbModel *
usb_model (const char *model)
{
  for (guint i = 0; i < G_N_ELEMENTS (usb_models); i++)
    if (g_strcmp0 (usb_models[i].model, model) == 0)
      return &usb_models[i];
  return NULL;
}

/* As libvirt: q35 gets an XHCI controller, pc the PIIX3 UHCI. */
static const char *
default_usb_model (Cmd *cmd)
{
  return cmd->q35 && vb_qemu_caps_has_device (cmd->caps, "qemu-xhci") ? "qemu-xhci" : "piix3-uhci";
}

/* EHCI companions go last: their masterbus must exist when they plug. */
static gboolean
add_usb_controller (Cmd *cmd, const VbDomainControllerDef *ctl, gboolean companions, GError **error)
{
  const char *model_name = ctl->model ? ctl->model : default_usb_model (cmd);
  const UsbModel *model = usb_model (model_name);
  g_autofree char *id = ctl->index == 0 ? g_strdup ("usb") : g_strdup_printf ("usb%d", ctl->index);

  if (model == NULL)
    return unsupported (error, "USB controller model '%s'", model_name);
  if ((model->companion_port >= 0) != companions)
    return TRUE;
  if (!need_device (cmd, model->device, "USB controller", error))
    return FALSE;
  if (model->companion_port >= 0)
    opt (cmd, "-device", "%s,masterbus=%s.0,firstport=%d", model->device, id, model->companion_port);
  else
    opt (cmd, "-device", "%s,id=%s", model->device, id);
  g_hash_table_insert (cmd->usb, GINT_TO_POINTER (ctl->index), g_steal_pointer (&id));
  return TRUE;
}

static gboolean
add_scsi_controller (Cmd *cmd, int index, const char *model, GError **error)
{
  /* no model: virtio-scsi, what the driver always used for SCSI disks */
  const char *name = model ? model : "virtio-scsi";
  const char *device = g_str_equal (name, "virtio-scsi") ? "virtio-scsi-pci"
                       : g_str_equal (name, "lsilogic") ? "lsi53c895a" : NULL;

  if (device == NULL)
    return unsupported (error, "SCSI controller model '%s'", name);
  if (!need_device (cmd, device, "SCSI controller", error))
    return FALSE;
  opt (cmd, "-device", "%s,id=scsi%d", device, index);
  g_hash_table_insert (cmd->scsi, GINT_TO_POINTER (index), (gpointer) (g_str_equal (name, "lsilogic") ? "lsilogic"
                                                                                                    : "virtio-scsi"));
  return TRUE;
}

static gboolean
add_sata_controller (Cmd *cmd, int index, GError **error)
{
  /* q35 has its AHCI built in, as bus "ide" */
  if (cmd->q35 && index == 0) {
    g_hash_table_insert (cmd->sata, GINT_TO_POINTER (index), g_strdup ("ide"));
    return TRUE;
  }
  if (!need_device (cmd, "ich9-ahci", "SATA controller", error))
    return FALSE;
  opt (cmd, "-device", "ich9-ahci,id=sata%d", index);
  g_hash_table_insert (cmd->sata, GINT_TO_POINTER (index), g_strdup_printf ("sata%d", index));
  return TRUE;
}

static gboolean
add_other_controller (Cmd *cmd, const VbDomainControllerDef *ctl, GError **error)
{
  const char *type = ctl->type ? ctl->type : "";

  if (g_str_equal (type, "scsi"))
    return add_scsi_controller (cmd, ctl->index, ctl->model, error);
  if (g_str_equal (type, "sata"))
    return add_sata_controller (cmd, ctl->index, error);
  if (g_str_equal (type, "ide")) {
    if (cmd->q35 || ctl->index != 0)
      return unsupported (error, "IDE controller %d on machine type %s", ctl->index,
                          cmd->def->os_machine ? cmd->def->os_machine : "(default)");
    return TRUE; /* the PIIX IDE of the pc machine */
  }
  if (g_str_equal (type, "virtio-serial")) {
    g_autofree char *ports = ctl->attrs ? vb_xml_prop (ctl->attrs, "ports") : NULL;

    if (!need_device (cmd, "virtio-serial-pci", "virtio-serial controller", error))
      return FALSE;
    if (ports)
      opt (cmd, "-device", "virtio-serial-pci,id=virtio-serial%d,max_ports=%d", ctl->index,
           address_int (ctl->attrs, "ports"));
    else
      opt (cmd, "-device", "virtio-serial-pci,id=virtio-serial%d", ctl->index);
    return TRUE;
  }
  return unsupported (error, "controller type '%s'", type);
}

static int
compare_index (gconstpointer a, gconstpointer b)
{
  const VbDomainControllerDef *ca = *(VbDomainControllerDef *const *) a;
  const VbDomainControllerDef *cb = *(VbDomainControllerDef *const *) b;

  return ca->index - cb->index;
}

/* The controllers of the definition, libvirt's implicit ones (a USB
 * controller unless model='none'; the SCSI and SATA controllers disks
 * name but the definition lacks), PCI bridges first so that the rest
 * could sit behind them. */
static gboolean
add_controllers (Cmd *cmd, GError **error)
{
  const VbDomainDef *def = cmd->def;
  g_autoptr(GPtrArray) sorted = g_ptr_array_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gboolean usb_given = FALSE, usb_none = FALSE;

  for (guint i = 0; def->controllers && i < def->controllers->len; i++) {
    VbDomainControllerDef *ctl = g_ptr_array_index (def->controllers, i);
    const UsbModel *model = g_strcmp0 (ctl->type, "usb") == 0 ? usb_model (ctl->model) : NULL;
    /* an EHCI and its UHCI companions share one index */
    g_autofree char *key = g_strdup_printf ("%s/%d%s", ctl->type ? ctl->type : "", ctl->index,
                                            model && model->companion_port >= 0 ? model->model : "");

    if (ctl->index < 0) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "controller of type '%s' has no index",
                   ctl->type ? ctl->type : "");
      return FALSE;
    }
    if (!g_hash_table_add (seen, g_steal_pointer (&key))) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "more than one controller of type '%s' with index %d",
                   ctl->type ? ctl->type : "", ctl->index);
      return FALSE;
    }
    if (g_strcmp0 (ctl->type, "usb") == 0) {
      usb_given = TRUE;
      usb_none |= g_strcmp0 (ctl->model, "none") == 0;
    }
    g_ptr_array_add (sorted, ctl);
  }
  if (usb_none && def->controllers->len > 0) {
    for (guint i = 0; i < sorted->len; i++) {
      VbDomainControllerDef *ctl = g_ptr_array_index (sorted, i);

      if (g_strcmp0 (ctl->type, "usb") == 0 && g_strcmp0 (ctl->model, "none") != 0) {
        g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_CONFIG,
                             "USB controller model 'none' disables USB, but other USB controllers are defined");
        return FALSE;
      }
    }
  }
  g_ptr_array_sort (sorted, compare_index);

  for (guint i = 0; i < sorted->len; i++) {
    VbDomainControllerDef *ctl = g_ptr_array_index (sorted, i);

    if (g_strcmp0 (ctl->type, "pci") == 0 && !add_pci_controller (cmd, ctl, error))
      return FALSE;
  }
  /* libvirt gives only the PC machines a USB controller by default:
   * microvm and isapc have no PCI bus to put one on */
  if (!usb_given && (cmd->q35 || cmd->i440fx)) {
    VbDomainControllerDef implicit = { .type = (char *) "usb", .index = 0 };

    if (!add_usb_controller (cmd, &implicit, FALSE, error))
      return FALSE;
  }
  for (int companions = 0; companions < 2; companions++)
    for (guint i = 0; i < sorted->len; i++) {
      VbDomainControllerDef *ctl = g_ptr_array_index (sorted, i);

      if (g_strcmp0 (ctl->type, "usb") == 0 && !usb_none && !add_usb_controller (cmd, ctl, companions, error))
        return FALSE;
    }
  for (guint i = 0; i < sorted->len; i++) {
    VbDomainControllerDef *ctl = g_ptr_array_index (sorted, i);

    if (g_strcmp0 (ctl->type, "pci") != 0 && g_strcmp0 (ctl->type, "usb") != 0 &&
        !add_other_controller (cmd, ctl, error))
      return FALSE;
  }
  for (guint i = 0; def->disks && i < def->disks->len; i++) {
    const VbDomainDiskDef *disk = g_ptr_array_index (def->disks, i);
    DriveAddress a = { 0 };

    drive_address (disk, &a);
    if (g_strcmp0 (disk->target_bus, "scsi") == 0 &&
        !g_hash_table_contains (cmd->scsi, GINT_TO_POINTER (a.controller)) &&
        !add_scsi_controller (cmd, a.controller, NULL, error))
      return FALSE;
    if (g_strcmp0 (disk->target_bus, "sata") == 0 &&
        !g_hash_table_contains (cmd->sata, GINT_TO_POINTER (a.controller)) &&
        !add_sata_controller (cmd, a.controller, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
add_disk (Cmd *cmd, const VbDomainDiskDef *disk, guint n, GError **error)
{
  gboolean cdrom = g_strcmp0 (disk->device, "cdrom") == 0;
  const char *bus = disk->target_bus ? disk->target_bus : "ide";
  const char *fmt = disk->driver_type ? disk->driver_type : "raw";
  g_autofree char *alias = vb_qemu_device_alias (&disk->info);
  g_autofree char *drive_id = NULL;
  g_autoptr(GString) drive = g_string_new (NULL);
  g_autoptr(GString) dev = g_string_new (NULL);
  const char *type = disk->type ? disk->type : "file";

  if (alias == NULL)
    alias = g_strdup_printf ("disk%u", n);
  drive_id = g_strdup_printf ("drive-%s", alias);
  if (g_strcmp0 (disk->device, "floppy") == 0 || g_strcmp0 (disk->device, "lun") == 0)
    return unsupported (error, "disk device '%s'", disk->device);
  if (!g_str_equal (type, "file") && !g_str_equal (type, "block"))
    return unsupported (error, "disk type '%s'", type);
  if (!g_str_equal (fmt, "raw") && !g_str_equal (fmt, "qcow2"))
    return unsupported (error, "disk format '%s'", fmt);

  if (disk->source) {
    g_autofree char *path = esc (disk->source);

    if (!g_file_test (disk->source, G_FILE_TEST_EXISTS)) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG,
                   "cannot access storage file '%s' (disk %s): No such file or directory",
                   disk->source, disk->target_dev ? disk->target_dev : "?");
      return FALSE;
    }
    g_string_append_printf (drive, "file=%s,format=%s,", path, fmt);
  } else if (!cdrom) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "disk %s has no source",
                 disk->target_dev ? disk->target_dev : "?");
    return FALSE;
  }
  g_string_append_printf (drive, "if=none,id=%s", drive_id);
  if (cdrom)
    g_string_append (drive, ",media=cdrom");
  if (cdrom || disk->readonly)
    g_string_append (drive, ",readonly=on");

  if (g_str_equal (bus, "virtio")) {
    if (cdrom)
      return unsupported (error, "cdrom on the virtio bus");
    g_string_append_printf (dev, "virtio-blk-pci,drive=%s,id=%s", drive_id, alias);
  } else if (g_str_equal (bus, "sata")) {
    DriveAddress a = { 0 };
    const char *ahci;

    drive_address (disk, &a);
    if (!a.set && (a.unit = disk_index (disk->target_dev, "sd")) < 0)
      return unsupported (error, "disk target '%s' on bus %s", disk->target_dev ? disk->target_dev : "", bus);
    if (a.unit >= 6)
      return unsupported (error, "disk %s beyond the six SATA ports", disk->target_dev ? disk->target_dev : "");
    ahci = g_hash_table_lookup (cmd->sata, GINT_TO_POINTER (a.controller));
    g_string_append_printf (dev, "%s,bus=%s.%d,drive=%s,id=%s", cdrom ? "ide-cd" : "ide-hd", ahci, a.unit,
                            drive_id, alias);
  } else if (g_str_equal (bus, "ide")) {
    int idx = disk_index (disk->target_dev, "hd");

    if (idx < 0)
      return unsupported (error, "disk target '%s' on bus %s", disk->target_dev ? disk->target_dev : "", bus);
    /* pc: two IDE buses of two units; q35: the six AHCI ports as ide.N */
    if (cmd->q35) {
      if (idx >= 6)
        return unsupported (error, "disk target '%s' beyond the six SATA ports", disk->target_dev);
      g_string_append_printf (dev, "%s,bus=ide.%d,drive=%s,id=%s", cdrom ? "ide-cd" : "ide-hd",
                              idx, drive_id, alias);
    } else {
      if (idx >= 4)
        return unsupported (error, "disk target '%s' beyond the four IDE units", disk->target_dev);
      g_string_append_printf (dev, "%s,bus=ide.%d,unit=%d,drive=%s,id=%s", cdrom ? "ide-cd" : "ide-hd",
                              idx / 2, idx % 2, drive_id, alias);
    }
  } else if (g_str_equal (bus, "scsi")) {
    DriveAddress a = { 0 };
    const char *model;

    drive_address (disk, &a);
    model = g_hash_table_lookup (cmd->scsi, GINT_TO_POINTER (a.controller));
    g_string_append_printf (dev, "%s,bus=scsi%d.0", cdrom ? "scsi-cd" : "scsi-hd", a.controller);
    /* without an address qemu takes the next free unit, as before */
    if (a.set && g_str_equal (model, "lsilogic"))
      g_string_append_printf (dev, ",scsi-id=%d", a.unit);
    else if (a.set)
      g_string_append_printf (dev, ",channel=%d,scsi-id=%d,lun=%d", a.bus, a.target, a.unit);
    g_string_append_printf (dev, ",drive=%s,id=%s", drive_id, alias);
  } else {
    return unsupported (error, "disk bus '%s'", bus);
  }
  append_bootindex (dev, &disk->info);
  opt (cmd, "-drive", "%s", drive->str);
  opt (cmd, "-device", "%s", dev->str);
  return TRUE;
}

/* Network ------------------------------------------------------------------ */

const char *
vb_qemu_nic_device (const char *model)
{
  if (model == NULL)
    return "rtl8139";
  if (g_str_equal (model, "virtio"))
    return "virtio-net-pci";
  if (g_str_equal (model, "e1000") || g_str_equal (model, "e1000e") || g_str_equal (model, "rtl8139"))
    return model;
  return NULL;
}

gboolean
vb_qemu_interface_uses_tap (const VbDomainInterfaceDef *iface)
{
  return g_strcmp0 (iface->type, "network") == 0 || g_strcmp0 (iface->type, "bridge") == 0 ||
         g_strcmp0 (iface->type, "direct") == 0 || g_strcmp0 (iface->type, "ethernet") == 0;
}

guint
vb_qemu_interface_guest_mtu (const VbDomainInterfaceDef *iface)
{
  /* only an ethernet tap is given the <mtu> on the host side (the others
   * follow their bridge), and only virtio-net can tell the guest */
  if (g_strcmp0 (iface->type, "ethernet") != 0 || g_strcmp0 (iface->model, "virtio") != 0)
    return 0;
  return iface->mtu;
}

static gboolean
add_interface (Cmd *cmd, const VbDomainInterfaceDef *iface, guint n, int tap_fd, GError **error)
{
  const char *device = vb_qemu_nic_device (iface->model);
  g_autofree char *alias = vb_qemu_device_alias (&iface->info);
  char mac[18];
  g_autoptr(GString) dev = g_string_new (NULL);

  if (g_strcmp0 (iface->type, "user") != 0 && !vb_qemu_interface_uses_tap (iface))
    return unsupported (error, "interface type '%s'", iface->type ? iface->type : "");
  if (device == NULL)
    return unsupported (error, "interface model '%s'", iface->model);
  vb_mac_format (&iface->mac, mac);
  if (alias == NULL)
    alias = g_strdup_printf ("net%u", n);
  if (vb_qemu_interface_uses_tap (iface)) {
    /* the driver plugged the device and hands its fd down; qemu never
     * opens taps itself.  vhost only where the host has it: the kernel
     * accelerator is /dev/vhost-net, which CI machines lack. */
    if (tap_fd < 0) {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "interface %s of type '%s' has no device",
                   alias, iface->type);
      return FALSE;
    }
    opt (cmd, "-netdev", "tap,id=host%s,fd=%d,vhost=%s", alias, tap_fd,
         cmd->kvm && g_access ("/dev/vhost-net", R_OK | W_OK) == 0 ? "on" : "off");
  } else {
    opt (cmd, "-netdev", "user,id=host%s", alias);
  }
  g_string_append_printf (dev, "%s,netdev=host%s,id=%s,mac=%s", device, alias, alias, mac);
  if (vb_qemu_interface_guest_mtu (iface) > 0)
    g_string_append_printf (dev, ",host_mtu=%u", vb_qemu_interface_guest_mtu (iface));
  append_bootindex (dev, &iface->info);
  opt (cmd, "-device", "%s", dev->str);
  return TRUE;
}

/* Character devices ------------------------------------------------------ */

static gboolean
add_chardev (Cmd *cmd, const VbDomainChardevSource *src, const char *id, const char *type,
             GError **error)
{
  if (type == NULL || g_str_equal (type, "pty")) {
    opt (cmd, "-chardev", "pty,id=%s", id);
  } else if (g_str_equal (type, "file")) {
    g_autofree char *path = esc (src->path);

    if (src->path == NULL) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "file chardev %s has no path", id);
      return FALSE;
    }
    opt (cmd, "-chardev", "file,id=%s,path=%s%s", id, path,
         g_strcmp0 (src->append, "on") == 0 ? ",append=on" : "");
  } else if (g_str_equal (type, "null")) {
    opt (cmd, "-chardev", "null,id=%s", id);
  } else if (g_str_equal (type, "unix")) {
    g_autofree char *path = esc (src->path);

    if (src->path == NULL) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "unix chardev %s has no path", id);
      return FALSE;
    }
    opt (cmd, "-chardev", "socket,id=%s,path=%s%s", id, path,
         g_strcmp0 (src->mode, "bind") == 0 ? ",server=on,wait=off" : "");
  } else if (g_str_equal (type, "tcp")) {
    g_autofree char *host = esc (src->host ? src->host : "127.0.0.1");
    g_autofree char *service = esc (src->service ? src->service : "0");

    opt (cmd, "-chardev", "socket,id=%s,host=%s,port=%s%s", id, host, service,
         g_strcmp0 (src->mode, "bind") == 0 ? ",server=on,wait=off" : "");
  } else {
    return unsupported (error, "character device type '%s'", type);
  }
  return TRUE;
}

static gboolean
add_serials (Cmd *cmd, GError **error)
{
  const VbDomainDef *def = cmd->def;
  GPtrArray *serials = def->serials;

  /* A lone <console> on the serial target is serial port 0, as libvirt
   * treats it. */
  if ((serials == NULL || serials->len == 0) && def->consoles && def->consoles->len > 0)
    serials = def->consoles;
  for (guint i = 0; serials && i < serials->len; i++) {
    const VbDomainChardevDef *chr = g_ptr_array_index (serials, i);
    int port = chr->target_port >= 0 ? chr->target_port : (int) i;
    g_autofree char *id = g_strdup_printf ("charserial%d", port);

    if (chr->target_type && !g_str_equal (chr->target_type, "isa-serial") &&
        !g_str_equal (chr->target_type, "serial") && !g_str_equal (chr->target_type, "isa"))
      continue;
    if (!add_chardev (cmd, &chr->source, id, chr->source.type, error))
      return FALSE;
    opt (cmd, "-device", "isa-serial,chardev=%s,id=serial%d,index=%d", id, port, port);
  }
  return TRUE;
}

/* Graphics, video, input, balloon, rng ------------------------------------------ */

const char *
vb_qemu_graphics_listen_address (const VbDomainGraphicsDef *g)
{
  for (guint l = 0; g->listens && l < g->listens->len; l++) {
    const VbGraphicsListen *gl = g_ptr_array_index (g->listens, l);

    if (gl->type == VB_GRAPHICS_LISTEN_ADDRESS && gl->address)
      return gl->address;
  }
  return VB_QEMU_DEFAULT_LISTEN;
}

/* The listen address goes into an option string: an IP address and
 * nothing else. */
static gboolean
check_listen (const VbDomainGraphicsDef *g, const char *what, gboolean *out_socket, GError **error)
{
  *out_socket = g->socket != NULL;
  for (guint l = 0; g->listens && l < g->listens->len; l++) {
    const VbGraphicsListen *gl = g_ptr_array_index (g->listens, l);

    if (gl->type == VB_GRAPHICS_LISTEN_ADDRESS && gl->address) {
      g_autoptr(GInetAddress) addr = g_inet_address_new_from_string (gl->address);

      if (addr == NULL) {
        g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "%s listen address '%s' is not an IP address",
                     what, gl->address);
        return FALSE;
      }
    } else if (gl->type == VB_GRAPHICS_LISTEN_SOCKET && gl->socket) {
      *out_socket = TRUE;
    } else if (gl->type == VB_GRAPHICS_LISTEN_NETWORK) {
      return unsupported (error, "%s listening on a network", what);
    }
  }
  return TRUE;
}

const char *
vb_qemu_graphics_socket (const VbDomainGraphicsDef *g)
{
  for (guint l = 0; g->listens && l < g->listens->len; l++) {
    const VbGraphicsListen *gl = g_ptr_array_index (g->listens, l);

    if (gl->type == VB_GRAPHICS_LISTEN_SOCKET && gl->socket)
      return gl->socket;
  }
  return g->socket;
}

static gboolean
add_vnc (Cmd *cmd, const VbDomainGraphicsDef *g, GError **error)
{
  const char *listen = vb_qemu_graphics_listen_address (g);
  const char *socket = vb_qemu_graphics_socket (g);
  gboolean v6 = strchr (listen, ':') != NULL;
  gboolean on_socket;

  if (g->passwd)
    return unsupported (error, "VNC passwords");
  if (!check_listen (g, "VNC", &on_socket, error))
    return FALSE;
  if (socket) {
    g_autofree char *path = esc (socket);
    opt (cmd, "-vnc", "unix:%s", path);
  } else if (g->port <= 0) {
    /* (the driver normally chose the port already) qemu takes the first
     * free display from 0 up: the port is read back over QMP for the
     * live XML */
    opt (cmd, "-vnc", "%s%s%s:0,to=%d", v6 ? "[" : "", listen, v6 ? "]" : "", VNC_DISPLAYS - 1);
  } else {
    if (g->port < VNC_PORT_MIN)
      return unsupported (error, "VNC port %d below %d", g->port, VNC_PORT_MIN);
    opt (cmd, "-vnc", "%s%s%s:%d", v6 ? "[" : "", listen, v6 ? "]" : "", g->port - VNC_PORT_MIN);
  }
  return TRUE;
}

/* libvirt's <image compression=…> values are spice-server's names too. */
static const char *const spice_image_compressions[] = {
  "auto_glz", "auto_lz", "quic", "glz", "lz", "off", NULL
};

static gboolean
add_spice (Cmd *cmd, const VbDomainGraphicsDef *g, GError **error)
{
  g_autoptr(GString) spice = g_string_new (NULL);
  gboolean on_socket;

  if (!cmd->caps->spice)
    return unsupported (error, "SPICE graphics with %s, which has no SPICE support", cmd->caps->emulator);
  if (g->passwd)
    return unsupported (error, "SPICE passwords");
  if (g->tls_port > 0 || g_strcmp0 (g->default_mode, "secure") == 0)
    return unsupported (error, "SPICE over TLS");
  if (!check_listen (g, "SPICE", &on_socket, error))
    return FALSE;
  if (on_socket)
    return unsupported (error, "SPICE listening on a socket");
  /* qemu has no automatic port for SPICE: the driver chose one */
  if (g->port <= 0) {
    g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "SPICE display without a port");
    return FALSE;
  }
  g_string_append_printf (spice, "port=%d,addr=%s,disable-ticketing=on", g->port,
                          vb_qemu_graphics_listen_address (g));
  for (guint i = 0; g->extra && i < g->extra->len; i++) {
    xmlNode *child = g_ptr_array_index (g->extra, i);
    g_autofree char *compression = NULL;

    if (!vb_xml_is_element (child, "image"))
      return unsupported (error, "SPICE <%s>", (const char *) child->name);
    compression = vb_xml_prop (child, "compression");
    if (compression == NULL || !g_strv_contains (spice_image_compressions, compression))
      return unsupported (error, "SPICE image compression '%s'", compression ? compression : "");
    g_string_append_printf (spice, ",image-compression=%s", compression);
  }
  opt (cmd, "-spice", "%s", spice->str);
  return TRUE;
}

static gboolean
add_graphics (Cmd *cmd, GError **error)
{
  const VbDomainDef *def = cmd->def;
  gboolean have_vnc = FALSE, have_spice = FALSE;

  for (guint i = 0; def->graphics && i < def->graphics->len; i++) {
    const VbDomainGraphicsDef *g = g_ptr_array_index (def->graphics, i);

    if (g_strcmp0 (g->type, "vnc") == 0) {
      if (have_vnc)
        return unsupported (error, "more than one VNC display");
      if (!add_vnc (cmd, g, error))
        return FALSE;
      have_vnc = TRUE;
    } else if (g_strcmp0 (g->type, "spice") == 0) {
      if (have_spice)
        return unsupported (error, "more than one SPICE display");
      if (!add_spice (cmd, g, error))
        return FALSE;
      have_spice = TRUE;
    } else {
      return unsupported (error, "graphics type '%s'", g->type ? g->type : "");
    }
  }
  if (!have_vnc && !have_spice)
    opt (cmd, "-display", "none");
  return TRUE;
}

static gboolean
add_videos (Cmd *cmd, GError **error)
{
  const VbDomainDef *def = cmd->def;

  for (guint i = 0; def->videos && i < def->videos->len; i++) {
    const VbDomainVideoDef *v = g_ptr_array_index (def->videos, i);
    const char *model = v->model_type ? v->model_type : "vga";
    const char *device;

    if (g_str_equal (model, "none"))
      continue;
    if (g_str_equal (model, "vga"))
      device = v->primary ? "VGA" : "secondary-vga";
    else if (g_str_equal (model, "cirrus"))
      device = "cirrus-vga";
    else if (g_str_equal (model, "virtio"))
      device = v->primary ? "virtio-vga" : "virtio-gpu-pci";
    else if (g_str_equal (model, "qxl") && !vb_qemu_caps_has_device (cmd->caps, "qxl-vga"))
      return unsupported (error, "video model 'qxl' with %s, which has no qxl device", cmd->caps->emulator);
    else if (g_str_equal (model, "qxl"))
      device = v->primary ? "qxl-vga" : "qxl";
    else if (g_str_equal (model, "bochs"))
      device = "bochs-display";
    else if (g_str_equal (model, "ramfb"))
      device = "ramfb";
    else
      return unsupported (error, "video model '%s'", model);
    opt (cmd, "-device", "%s,id=video%u", device, i);
  }
  return TRUE;
}

static gboolean
add_inputs (Cmd *cmd, GError **error)
{
  const VbDomainDef *def = cmd->def;

  for (guint i = 0; def->inputs && i < def->inputs->len; i++) {
    const VbDomainInputDef *in = g_ptr_array_index (def->inputs, i);
    const char *bus = in->bus ? in->bus : "ps2";

    /* PS/2 mouse and keyboard come with the pc and q35 machines */
    if (g_str_equal (bus, "ps2"))
      continue;
    if (g_str_equal (bus, "usb")) {
      const char *device = g_strcmp0 (in->type, "tablet") == 0 ? "usb-tablet"
                           : g_strcmp0 (in->type, "keyboard") == 0 ? "usb-kbd"
                           : g_strcmp0 (in->type, "mouse") == 0 ? "usb-mouse" : NULL;
      g_autofree char *address_type = in->info.address ? vb_xml_prop (in->info.address, "type") : NULL;
      int controller = g_strcmp0 (address_type, "usb") == 0 ? address_int (in->info.address, "bus") : 0;
      const char *usb = g_hash_table_lookup (cmd->usb, GINT_TO_POINTER (controller));

      if (device == NULL)
        return unsupported (error, "USB input type '%s'", in->type ? in->type : "");
      if (g_hash_table_size (cmd->usb) == 0) {
        g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG,
                     "USB input '%s' needs a USB controller, but USB is disabled for this domain "
                     "(<controller type='usb' model='none'/>)", in->type);
        return FALSE;
      }
      if (usb == NULL) {
        g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "USB input '%s' is on USB bus %d, which has no controller",
                     in->type, controller);
        return FALSE;
      }
      opt (cmd, "-device", "%s,id=input%u,bus=%s.0", device, i, usb);
    } else if (g_str_equal (bus, "virtio")) {
      const char *device = g_strcmp0 (in->type, "tablet") == 0 ? "virtio-tablet-pci"
                           : g_strcmp0 (in->type, "keyboard") == 0 ? "virtio-keyboard-pci"
                           : g_strcmp0 (in->type, "mouse") == 0 ? "virtio-mouse-pci" : NULL;
      if (device == NULL)
        return unsupported (error, "virtio input type '%s'", in->type ? in->type : "");
      opt (cmd, "-device", "%s,id=input%u", device, i);
    } else {
      return unsupported (error, "input bus '%s'", bus);
    }
  }
  return TRUE;
}

static gboolean
add_memballoon (Cmd *cmd, GError **error)
{
  const VbDomainMemballoonDef *b = cmd->def->memballoon;

  if (b == NULL || g_strcmp0 (b->model, "none") == 0)
    return TRUE;
  if (g_strcmp0 (b->model, "virtio") != 0)
    return unsupported (error, "memballoon model '%s'", b->model ? b->model : "");
  opt (cmd, "-device", "virtio-balloon-pci,id=balloon0%s",
       g_strcmp0 (b->free_page_reporting, "on") == 0 ? ",free-page-reporting=on" : "");
  return TRUE;
}

static gboolean
add_rngs (Cmd *cmd, GError **error)
{
  GPtrArray *rngs = vb_domain_def_get_devices (cmd->def, VB_DOMAIN_DEVICE_RNG);

  for (guint i = 0; rngs && i < rngs->len; i++) {
    xmlNode *rng = g_ptr_array_index (rngs, i);
    g_autofree char *model = (char *) xmlGetProp (rng, BAD_CAST "model");
    g_autofree char *source = NULL;

    if (g_strcmp0 (model, "virtio") != 0)
      return unsupported (error, "rng model '%s'", model ? model : "");
    for (xmlNode *c = rng->children; c; c = c->next) {
      if (c->type == XML_ELEMENT_NODE && xmlStrEqual (c->name, BAD_CAST "backend")) {
        g_autofree char *model_attr = (char *) xmlGetProp (c, BAD_CAST "model");
        xmlChar *text = xmlNodeGetContent (c);

        if (g_strcmp0 (model_attr, "random") != 0) {
          xmlFree (text);
          return unsupported (error, "rng backend '%s'", model_attr ? model_attr : "");
        }
        g_free (source);
        source = g_strstrip (g_strdup ((const char *) text));
        xmlFree (text);
      }
    }
    {
      g_autofree char *path = esc (source && *source ? source : "/dev/urandom");
      opt (cmd, "-object", "rng-random,id=objrng%u,filename=%s", i, path);
    }
    opt (cmd, "-device", "virtio-rng-pci,rng=objrng%u,id=rng%u", i, i);
  }
  return TRUE;
}

/* Device kinds the driver does not build yet.  Refusing them is safer than
 * starting a guest without a disk-like device the user relies on; purely
 * cosmetic ones (sound, channels for agents, USB redirection) are left out
 * with a message instead, so VMs made by virt-install or Cockpit start. */
static gboolean
check_other_devices (Cmd *cmd, GError **error)
{
  static const VbDomainDeviceKind refused[] = {
    VB_DOMAIN_DEVICE_FILESYSTEM, VB_DOMAIN_DEVICE_HOSTDEV, VB_DOMAIN_DEVICE_SHMEM,
    VB_DOMAIN_DEVICE_MEMORY, VB_DOMAIN_DEVICE_TPM, VB_DOMAIN_DEVICE_SMARTCARD,
    VB_DOMAIN_DEVICE_VSOCK, VB_DOMAIN_DEVICE_IOMMU, VB_DOMAIN_DEVICE_CRYPTO,
    VB_DOMAIN_DEVICE_NVRAM, VB_DOMAIN_DEVICE_PSTORE, VB_DOMAIN_DEVICE_LEASE,
  };
  static const VbDomainDeviceKind skipped[] = {
    VB_DOMAIN_DEVICE_SOUND, VB_DOMAIN_DEVICE_AUDIO, VB_DOMAIN_DEVICE_REDIRDEV,
    VB_DOMAIN_DEVICE_REDIRFILTER, VB_DOMAIN_DEVICE_HUB, VB_DOMAIN_DEVICE_WATCHDOG,
    VB_DOMAIN_DEVICE_PANIC,
  };

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++) {
    GPtrArray *devs = vb_domain_def_get_devices (cmd->def, refused[i]);
    if (devs && devs->len)
      return unsupported (error, "<%s> devices", vb_domain_device_kind_to_string (refused[i]));
  }
  for (guint i = 0; i < G_N_ELEMENTS (skipped); i++) {
    GPtrArray *devs = vb_domain_def_get_devices (cmd->def, skipped[i]);
    if (devs && devs->len)
      g_message ("domain '%s': <%s> is not supported yet and left out", cmd->def->name,
                 vb_domain_device_kind_to_string (skipped[i]));
  }
  if (cmd->def->channels && cmd->def->channels->len)
    g_message ("domain '%s': <channel> is not supported yet and left out", cmd->def->name);
  if (cmd->def->parallels && cmd->def->parallels->len)
    return unsupported (error, "parallel ports");
  return TRUE;
}

GStrv
vb_qemu_build_command (const VbDomainDef *def, const VbQemuCaps *caps, int qmp_fd,
                       const char *pid_path, const int *tap_fds, GError **error)
{
  g_autoptr(GStrvBuilder) argv = g_strv_builder_new ();
  g_autoptr(GHashTable) usb = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_autoptr(GHashTable) scsi = g_hash_table_new (NULL, NULL);
  g_autoptr(GHashTable) sata = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  Cmd cmd = { .argv = argv, .def = def, .caps = caps, .usb = usb, .scsi = scsi, .sata = sata };
  const VbQemuMachine *machine = vb_qemu_caps_lookup_machine (caps, def->os_machine);
  g_autofree char *name = esc (def->name);
  char uuid[VB_UUID_STRING_LEN + 1];

  if (g_strcmp0 (def->virt_type, "kvm") == 0) {
    if (!caps->kvm_usable) {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                           "domain type 'kvm' needs /dev/kvm, which this host lacks; use type 'qemu'");
      return NULL;
    }
    cmd.kvm = TRUE;
  } else if (g_strcmp0 (def->virt_type, "qemu") != 0) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "domain type '%s' is not a QEMU type",
                 def->virt_type ? def->virt_type : "");
    return NULL;
  }

  cmd.q35 = machine && strstr (machine->name, "q35") != NULL;
  cmd.i440fx = machine && strstr (machine->name, "i440fx") != NULL;
  vb_uuid_format (&def->uuid, uuid);
  arg (&cmd, def->emulator ? def->emulator : caps->emulator);
  opt (&cmd, "-name", "guest=%s,debug-threads=on", name);
  opt (&cmd, "-uuid", "%s", uuid);
  arg (&cmd, "-no-user-config");
  arg (&cmd, "-nodefaults");
  arg (&cmd, "-S");
  /* The same as -chardev socket,id=…,fd=N,server=on,wait=off with
   * -mon chardev=…,mode=control ("unix:" only picks the socket backend),
   * in the short form, because tools that rewrite our command line
   * (bench/vb-bench.c) look for -qmp. */
  opt (&cmd, "-qmp", "unix:fd=%d,server=on,wait=off", qmp_fd);
  /* with the monitor an fd, this is what names our run directory on
   * the command line, where tools find our guests (as libvirt's do) */
  arg (&cmd, "-pidfile");
  arg (&cmd, pid_path);
  opt (&cmd, "-msg", "timestamp=on");
  /* seccomp, as libvirt turns it on for every guest whose qemu has it;
   * qemu never needs to spawn: saves, restores and dumps go through fds
   * of ours */
  if (caps->sandbox)
    opt (&cmd, "-sandbox", "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny");
  if (!add_machine (&cmd, error) || !add_cpu (&cmd, error))
    return NULL;
  add_memory_smp (&cmd);
  opt (&cmd, "-rtc", "base=%s", g_strcmp0 (def->clock_offset, "localtime") == 0 ? "localtime" : "utc");
  if (g_strcmp0 (def->on_reboot, "destroy") == 0)
    arg (&cmd, "-no-reboot");
  add_boot (&cmd);
  if (!add_firmware (&cmd, error) || !check_other_devices (&cmd, error) || !add_controllers (&cmd, error))
    return NULL;
  for (guint i = 0; def->disks && i < def->disks->len; i++)
    if (!add_disk (&cmd, g_ptr_array_index (def->disks, i), i, error))
      return NULL;
  for (guint i = 0; def->interfaces && i < def->interfaces->len; i++)
    if (!add_interface (&cmd, g_ptr_array_index (def->interfaces, i), i, tap_fds ? tap_fds[i] : -1, error))
      return NULL;
  if (!add_serials (&cmd, error) || !add_graphics (&cmd, error) || !add_videos (&cmd, error) ||
      !add_inputs (&cmd, error) || !add_memballoon (&cmd, error) || !add_rngs (&cmd, error))
    return NULL;
  return g_strv_builder_end (argv);
}

/* Aliases ------------------------------------------------------------------ */

char *
vb_qemu_device_alias (const VbDomainDeviceInfo *info)
{
  return info->alias ? vb_xml_prop (info->alias, "name") : NULL;
}

void
vb_qemu_set_alias (VbDomainDeviceInfo *info, const char *name)
{
  xmlNode *tmp = xmlNewNode (NULL, BAD_CAST "alias");

  xmlNewProp (tmp, BAD_CAST "name", BAD_CAST name);
  vb_xml_opaque_free (info->alias);
  info->alias = vb_xml_opaque_copy (tmp);
  xmlFreeNode (tmp);
}

static gboolean
alias_in_use (const VbDomainDef *def, const char *name)
{
  static const VbDomainDeviceKind kinds[] = { VB_DOMAIN_DEVICE_DISK, VB_DOMAIN_DEVICE_INTERFACE };

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++) {
    GPtrArray *devs = vb_domain_def_get_devices (def, kinds[k]);

    for (guint i = 0; devs && i < devs->len; i++) {
      const VbDomainDeviceInfo *info = kinds[k] == VB_DOMAIN_DEVICE_DISK
                                         ? &((VbDomainDiskDef *) g_ptr_array_index (devs, i))->info
                                         : &((VbDomainInterfaceDef *) g_ptr_array_index (devs, i))->info;
      g_autofree char *alias = vb_qemu_device_alias (info);

      if (g_strcmp0 (alias, name) == 0)
        return TRUE;
    }
  }
  return FALSE;
}

char *
vb_qemu_next_alias (const VbDomainDef *def, const char *prefix)
{
  for (guint n = 0;; n++) {
    g_autofree char *name = g_strdup_printf ("%s%u", prefix, n);

    if (!alias_in_use (def, name))
      return g_steal_pointer (&name);
  }
}

const char *
vb_qemu_disk_alias_prefix (const VbDomainDiskDef *disk)
{
  const char *bus = disk->target_bus ? disk->target_bus : "ide";

  if (g_str_equal (bus, "virtio"))
    return "virtio-disk";
  if (g_str_equal (bus, "sata"))
    return "sata-disk";
  if (g_str_equal (bus, "scsi"))
    return "scsi-disk";
  return "ide-disk";
}

/* Aliases become qemu ids inside option strings: only ours, or a user's
 * made of the characters qemu allows in an id, are kept. */
static gboolean
alias_is_safe (const char *alias)
{
  if (alias == NULL || !g_ascii_isalpha (*alias))
    return FALSE;
  for (const char *p = alias; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.')
      return FALSE;
  return TRUE;
}

static void
drop_unsafe_alias (VbDomainDeviceInfo *info)
{
  g_autofree char *alias = vb_qemu_device_alias (info);

  if (info->alias && !alias_is_safe (alias))
    g_clear_pointer (&info->alias, vb_xml_opaque_free);
}

void
vb_qemu_assign_aliases (VbDomainDef *def)
{
  GPtrArray *disks = vb_domain_def_get_devices (def, VB_DOMAIN_DEVICE_DISK);
  GPtrArray *ifaces = vb_domain_def_get_devices (def, VB_DOMAIN_DEVICE_INTERFACE);

  for (guint i = 0; disks && i < disks->len; i++)
    drop_unsafe_alias (&((VbDomainDiskDef *) g_ptr_array_index (disks, i))->info);
  for (guint i = 0; ifaces && i < ifaces->len; i++)
    drop_unsafe_alias (&((VbDomainInterfaceDef *) g_ptr_array_index (ifaces, i))->info);
  for (guint i = 0; disks && i < disks->len; i++) {
    VbDomainDiskDef *disk = g_ptr_array_index (disks, i);

    if (disk->info.alias == NULL) {
      g_autofree char *name = vb_qemu_next_alias (def, vb_qemu_disk_alias_prefix (disk));
      vb_qemu_set_alias (&disk->info, name);
    }
  }
  for (guint i = 0; ifaces && i < ifaces->len; i++) {
    VbDomainInterfaceDef *iface = g_ptr_array_index (ifaces, i);

    if (iface->info.alias == NULL) {
      g_autofree char *name = vb_qemu_next_alias (def, "net");
      vb_qemu_set_alias (&iface->info, name);
    }
  }
}

/* libvirt shows each controller's qemu id in the live XML: the ids the
 * command line gives them, or the machine's own bus names. */
void
vb_qemu_assign_controller_aliases (VbDomainDef *def, const VbQemuCaps *caps)
{
  const VbQemuMachine *machine = vb_qemu_caps_lookup_machine (caps, def->os_machine);
  gboolean q35 = machine && strstr (machine->name, "q35") != NULL;

  for (guint i = 0; def->controllers && i < def->controllers->len; i++) {
    VbDomainControllerDef *ctl = g_ptr_array_index (def->controllers, i);
    const char *type = ctl->type ? ctl->type : "";
    g_autofree char *name = NULL;

    if (ctl->index < 0 || g_strcmp0 (ctl->model, "none") == 0)
      continue;
    if (g_str_equal (type, "usb"))
      name = ctl->index == 0 ? g_strdup ("usb") : g_strdup_printf ("usb%d", ctl->index);
    else if (g_str_equal (type, "pci"))
      name = ctl->index == 0 ? g_strdup (q35 ? "pcie.0" : "pci.0") : g_strdup_printf ("pci.%d", ctl->index);
    else if (g_str_equal (type, "sata"))
      name = q35 && ctl->index == 0 ? g_strdup ("ide") : g_strdup_printf ("sata%d", ctl->index);
    else if (g_str_equal (type, "ide"))
      name = g_strdup ("ide");
    else if (g_str_equal (type, "scsi") || g_str_equal (type, "virtio-serial"))
      name = g_strdup_printf ("%s%d", type, ctl->index);
    if (name)
      vb_qemu_set_alias (&ctl->info, name);
  }
}
