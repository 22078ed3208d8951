/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The <domain> document: parse (libxml2) → validate → format, copy, free.
 *
 * What the drivers act on is typed.  Elements the schema allows but no
 * driver interprets yet (cachetune, launchSecurity, sysinfo, hostdev, …)
 * are kept as opaque element copies and re-emitted canonically at their
 * place in libvirt's fixed element order, so a definition survives a
 * round trip through virtbus unchanged. */

#include <glib.h>
#include <libxml/tree.h>

#include "vb-netdev.h"
#include "vb-types.h"
#include "vb-util.h"
#include "vb-xml.h"

G_BEGIN_DECLS

/* format flags */
#define VB_DOMAIN_FORMAT_INACTIVE (1u << 0) /* no id, no live-only state */
#define VB_DOMAIN_FORMAT_SECURE   (1u << 1) /* include passwords */

/* The XML is a running domain's live state (a status file, a copy of the
 * live definition): keep the ports autoport displays got. */
#define VB_DOMAIN_PARSE_LIVE (1u << 0)
/* Leave the architecture unset when <os><type arch> is absent, for a
 * driver whose default is not the parser's x86_64: it can then tell an
 * absent attribute from an explicit one without reading the XML again. */
#define VB_DOMAIN_PARSE_NO_DEFAULT_ARCH (1u << 1)

/* metadata types: VB_DOMAIN_METADATA_* in vb-types.h */

/* Device kinds in the order libvirt writes them inside <devices>. */
typedef enum {
  VB_DOMAIN_DEVICE_DISK,
  VB_DOMAIN_DEVICE_CONTROLLER,
  VB_DOMAIN_DEVICE_LEASE,
  VB_DOMAIN_DEVICE_FILESYSTEM,
  VB_DOMAIN_DEVICE_INTERFACE,
  VB_DOMAIN_DEVICE_SMARTCARD,
  VB_DOMAIN_DEVICE_SERIAL,
  VB_DOMAIN_DEVICE_PARALLEL,
  VB_DOMAIN_DEVICE_CONSOLE,
  VB_DOMAIN_DEVICE_CHANNEL,
  VB_DOMAIN_DEVICE_INPUT,
  VB_DOMAIN_DEVICE_TPM,
  VB_DOMAIN_DEVICE_GRAPHICS,
  VB_DOMAIN_DEVICE_SOUND,
  VB_DOMAIN_DEVICE_AUDIO,
  VB_DOMAIN_DEVICE_VIDEO,
  VB_DOMAIN_DEVICE_HOSTDEV,
  VB_DOMAIN_DEVICE_REDIRDEV,
  VB_DOMAIN_DEVICE_REDIRFILTER,
  VB_DOMAIN_DEVICE_HUB,
  VB_DOMAIN_DEVICE_WATCHDOG,
  VB_DOMAIN_DEVICE_MEMBALLOON,
  VB_DOMAIN_DEVICE_RNG,
  VB_DOMAIN_DEVICE_NVRAM,
  VB_DOMAIN_DEVICE_PANIC,
  VB_DOMAIN_DEVICE_SHMEM,
  VB_DOMAIN_DEVICE_MEMORY,
  VB_DOMAIN_DEVICE_IOMMU,
  VB_DOMAIN_DEVICE_VSOCK,
  VB_DOMAIN_DEVICE_CRYPTO,
  VB_DOMAIN_DEVICE_PSTORE,
  VB_DOMAIN_DEVICE_LAST,
} VbDomainDeviceKind;

const char *vb_domain_device_kind_to_string (VbDomainDeviceKind kind);

/* <address>, <alias>, <boot order>: every typed device carries these. */
typedef struct {
  guint boot_order;   /* 0 = none */
  xmlNode *boot;      /* opaque <boot> (loadparm etc.), NULL when absent */
  xmlNode *alias;     /* opaque <alias>, NULL when absent */
  xmlNode *address;   /* opaque <address>, NULL when absent */
  GPtrArray *extra;   /* xmlNode* children the model does not type, kept */
} VbDomainDeviceInfo;

typedef struct {
  char *type;          /* file, block, dir, network, volume, nvme, vhostuser */
  char *device;        /* disk (default), cdrom, floppy, lun */
  char *model;
  char *snapshot;
  char *rawio;
  char *sgio;
  /* <driver> */
  char *driver_name;
  char *driver_type;
  xmlNode *driver;     /* the whole <driver> kept for the other attributes */
  /* <source> */
  char *source;        /* file path, block device, directory, network name, pool */
  char *source_protocol; /* network */
  char *source_volume;   /* volume */
  xmlNode *source_node;  /* the whole <source>, written back as is */
  xmlNode *backenddomain;
  char *target_dev;
  char *target_bus;
  xmlNode *target;     /* whole <target> (tray, removable, rotation_rate) */
  gboolean readonly;
  gboolean shareable;
  gboolean transient;
  char *serial;
  char *wwn;
  char *vendor;
  char *product;
  GPtrArray *pre_target;  /* other children before <target> (auth, geometry, blockio) */
  GPtrArray *post_target; /* iotune, encryption … */
  VbDomainDeviceInfo info;
} VbDomainDiskDef;

typedef struct {
  char *type;          /* usb, ide, pci, scsi, sata, virtio-serial, ccid, fdc, nvme, … */
  int index;           /* -1 until assigned */
  char *model;
  xmlNode *attrs;      /* the start tag's other attributes (ports, vectors, …) kept */
  char *serial;        /* nvme */
  VbDomainDeviceInfo info; /* children other than <serial>, <address>, <alias> in info.extra */
} VbDomainControllerDef;

typedef struct {
  char *type;          /* network, bridge, direct, user, ethernet, … */
  VbMac mac;
  gboolean mac_set;
  char *mac_type;      /* generated / static */
  char *mac_check;
  char *network;
  char *portgroup;
  char *portid;
  char *bridge;
  char *dev;
  char *mode;
  xmlNode *source_node; /* source for types not typed here (hostdev, udp, …) */
  char *model;
  char *target;
  char *target_managed;
  char *script;
  char *downscript;
  char *backenddomain;
  char *trust_guest_rx_filters;
  VbVirtualPort *virtualport;
  VbBandwidth *bandwidth;
  VbVlan *vlan;
  GPtrArray *extra_pre_target;  /* ip, route */
  /* type='ethernet': <ip> and <route> inside <source>, for the host side
   * of the tap.  Read from source_node, which is what gets written back. */
  GPtrArray *host_ips;          /* VbNetdevIp*, NULL when none */
  GPtrArray *host_routes;       /* VbNetdevRoute*, NULL when none */
  guint mtu;                    /* <mtu size>, 0 when absent; the element stays in info.extra */
  VbDomainDeviceInfo info;      /* driver, link, mtu, … kept in info.extra */
} VbDomainInterfaceDef;

typedef struct {
  char *type;          /* pty, file, dev, pipe, unix, tcp, udp, null, vc, stdio, … */
  char *path;          /* file/dev/pipe/unix/pty */
  char *mode;          /* unix, tcp: bind/connect */
  char *append;        /* file: on/off */
  char *host;          /* tcp, udp connect */
  char *service;
  char *bind_host;     /* udp bind */
  char *bind_service;
  char *tls;
  char *protocol;      /* tcp: raw/telnet/telnets/tls */
  VbTristate reconnect;
  guint reconnect_timeout;
  char *channel;       /* spiceport */
  char *log_file;
  char *log_append;
  GPtrArray *source_extra; /* seclabel children of <source> */
} VbDomainChardevSource;

typedef struct {
  VbDomainDeviceKind kind; /* SERIAL, PARALLEL, CONSOLE, CHANNEL */
  VbDomainChardevSource source;
  char *target_type;
  int target_port;     /* -1 = unset */
  char *target_name;   /* channel virtio */
  char *target_state;
  char *target_address;/* guestfwd */
  char *target_tport;
  char *target_model;  /* serial <model name=…> */
  VbDomainDeviceInfo info;
} VbDomainChardevDef;

typedef enum {
  VB_GRAPHICS_LISTEN_NONE_SET = 0,
  VB_GRAPHICS_LISTEN_ADDRESS,
  VB_GRAPHICS_LISTEN_NETWORK,
  VB_GRAPHICS_LISTEN_SOCKET,
  VB_GRAPHICS_LISTEN_NONE,
} VbGraphicsListenType;

typedef struct {
  VbGraphicsListenType type;
  char *address;
  char *network;
  char *socket;
  gboolean from_attr; /* synthesised from listen=/socket= on <graphics> */
} VbGraphicsListen;

typedef struct {
  char *type;          /* vnc, spice, sdl, rdp, desktop, egl-headless, dbus */
  int port;            /* 0 = unset/auto */
  int tls_port;
  int websocket;
  gboolean autoport;
  gboolean has_autoport; /* rdp/spice only print autoport when given */
  char *socket;
  char *keymap;
  char *share_policy;
  char *passwd;
  char *passwd_valid_to;
  char *connected;
  char *default_mode;
  char *display;       /* sdl, desktop */
  char *xauth;
  char *fullscreen;
  char *multi_user;    /* rdp */
  char *replace_user;
  GPtrArray *listens;  /* VbGraphicsListen* */
  GPtrArray *extra;    /* spice channel/image/…, gl, audio kept opaquely */
} VbDomainGraphicsDef;

typedef struct {
  char *model_type;    /* vga, cirrus, virtio, qxl, none, … */
  guint64 vram, ram, vgamem, vram64;
  guint heads;
  gboolean primary;
  xmlNode *model_extra; /* <acceleration>, <resolution> inside <model> */
  xmlNode *driver;
  VbDomainDeviceInfo info;
} VbDomainVideoDef;

typedef struct {
  char *type;          /* mouse, keyboard, tablet, passthrough, evdev */
  char *bus;
  char *model;
  xmlNode *source;
  VbDomainDeviceInfo info;
} VbDomainInputDef;

typedef struct {
  char *model;         /* virtio, xen, none, … */
  char *autodeflate;
  char *free_page_reporting;
  guint stats_period;  /* 0 = unset */
  VbDomainDeviceInfo info;
} VbDomainMemballoonDef;

/* One device of any kind, as hot-plug hands it around. */
typedef struct {
  VbDomainDeviceKind kind;
  gpointer data; /* VbDomainDiskDef*, …; xmlNode* (opaque copy) for untyped kinds */
} VbDomainDevice;

/* <cpu>: allocated only for definitions that have one. */
typedef struct {
  char *mode;
  char *match;
  char *check;
  char *migratable;
  char *model;
  xmlNode *model_node;
  char *vendor;
  guint sockets, dies, clusters, cores, threads;
  gboolean topology_set;
  GPtrArray *children; /* everything else inside <cpu>, kept in order */
} VbDomainCpuDef;

/* virtbusd holds thousands of definitions and most of them have few
 * devices, so every GPtrArray and GHashTable in here stays NULL until its
 * first element and readers treat NULL as empty.  An array can also be
 * empty but allocated (after a detach). */
typedef struct _VbDomainDef {
  char *virt_type;     /* qemu, kvm, test, lxc, … */
  int id;              /* -1 when inactive */
  VbUuid uuid;
  char *name;
  char *genid;         /* "" means "generate" (attribute-less <genid/>) */
  char *title;
  char *description;
  xmlNode *metadata;   /* opaque <metadata>, NULL when absent */

  guint64 max_memory_kib;  /* <maxMemory>, 0 = absent */
  guint64 memory_kib;
  guint64 current_memory_kib;
  guint max_memory_slots;
  char *memory_dump_core;

  guint vcpus;
  guint current_vcpus;
  char *vcpu_placement;
  char *vcpu_cpuset;
  guint iothreads;

  /* <features>: names of the simple on/off features, and the rest kept */
  guint feature_acpi : 1;
  guint feature_apic : 1;
  guint feature_pae : 1;
  xmlNode *features;

  VbDomainCpuDef *cpu; /* NULL when there is no <cpu> */

  /* <os> */
  char *os_type;
  char *os_arch;
  char *os_machine;
  char *os_firmware;
  GPtrArray *os_boot_devs; /* char*: hd, cdrom, network, fd */
  char *os_kernel, *os_initrd, *os_cmdline, *os_dtb, *os_init;
  char *os_bootmenu_enable;
  char *os_bootmenu_timeout;
  GPtrArray *os_other;     /* firmware, loader, nvram, smbios, bios, … kept */

  /* <clock> */
  char *clock_offset;
  xmlNode *clock;      /* attributes and timers kept */

  char *on_poweroff, *on_reboot, *on_crash, *on_lockfailure;

  char *emulator;
  GPtrArray *disks;        /* VbDomainDiskDef* */
  GPtrArray *controllers;  /* VbDomainControllerDef* */
  GPtrArray *interfaces;   /* VbDomainInterfaceDef* */
  GPtrArray *serials;      /* VbDomainChardevDef* */
  GPtrArray *parallels;
  GPtrArray *consoles;
  GPtrArray *channels;
  GPtrArray *inputs;       /* VbDomainInputDef* */
  GPtrArray *graphics;     /* VbDomainGraphicsDef* */
  GPtrArray *videos;       /* VbDomainVideoDef* */
  VbDomainMemballoonDef *memballoon;
  /* kinds not typed, opaque xmlNode* per kind: NULL until the first such
   * device, then VB_DOMAIN_DEVICE_LAST slots indexed by kind (inline slots
   * would cost 248 bytes in every definition).  Read them with
   * vb_domain_def_get_devices (). */
  GPtrArray **other_devices;

  /* top-level elements kept opaquely, indexed by their slot in libvirt's order */
  GHashTable *opaque;      /* element name → GPtrArray of xmlNode* */
  GHashTable *namespaces;  /* prefix → href of xmlns: on <domain> (qemu:commandline) */
} VbDomainDef;

VbDomainDef *vb_domain_def_new (void);
VbDomainDef *vb_domain_def_parse (const char *xml, guint parse_flags, GError **error);
char *vb_domain_def_format (const VbDomainDef *def, guint format_flags);
/* A deep copy of the structures, sharing nothing with @def; no XML round
 * trip, so no defaults are filled in again.  NULL gives NULL. */
VbDomainDef *vb_domain_def_copy (const VbDomainDef *def);
void vb_domain_def_free (VbDomainDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbDomainDef, vb_domain_def_free)

/* The memory and vCPUs the guest has now: <currentMemory> and
 * <vcpu current=''>, else the maximum when the document names none. */
guint64 vb_domain_def_get_current_memory (const VbDomainDef *def);
guint vb_domain_def_get_current_vcpus (const VbDomainDef *def);
/* SetMemory and SetVcpus on one definition, with libvirt's checks:
 * VB_DOMAIN_MEM_MAXIMUM (VB_DOMAIN_VCPU_MAXIMUM) in @flags sets the
 * maximum and lowers the current value to it; otherwise the current value
 * is set, refused above the maximum.  @def is unchanged on error. */
gboolean vb_domain_def_set_memory (VbDomainDef *def, guint64 kib, guint flags, GError **error);
gboolean vb_domain_def_set_vcpus (VbDomainDef *def, guint count, guint flags, GError **error);

/* The devices of @kind: VbDomainDiskDef* for disks and so on, xmlNode* for
 * the kinds not typed.  NULL when there are none, and for memballoon (a
 * single device: def->memballoon). */
GPtrArray *vb_domain_def_get_devices (const VbDomainDef *def, VbDomainDeviceKind kind);

/* virDomainSetMetadata semantics: @type 0 description, 1 title, 2 element
 * (an XML fragment stored under <metadata> in namespace @uri with prefix
 * @key); NULL or empty @metadata removes. */
gboolean vb_domain_def_set_metadata (VbDomainDef *def, int type, const char *metadata,
                                     const char *key, const char *uri, GError **error);
/* Absent → VB_ERROR_NOT_FOUND "metadata not found". */
char *vb_domain_def_get_metadata (const VbDomainDef *def, int type, const char *uri,
                                  GError **error);

/* Hot-plug helpers: a single device element (<disk>, <interface>, …). */
VbDomainDevice *vb_domain_device_parse (const char *xml, GError **error);
void vb_domain_device_free (VbDomainDevice *dev);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbDomainDevice, vb_domain_device_free)
char *vb_domain_device_format (const VbDomainDevice *dev, guint format_flags);
/* Appends the device; a disk whose target dev or an interface whose MAC is
 * already in use is VB_ERROR_EXISTS. */
gboolean vb_domain_def_attach_device (VbDomainDef *def, const char *device_xml, GError **error);
/* Removes the matching device: disks by target dev, interfaces by MAC,
 * other kinds by identical canonical XML.  No match → VB_ERROR_NOT_FOUND. */
gboolean vb_domain_def_detach_device (VbDomainDef *def, const char *device_xml, GError **error);

/* Adds a device built in C, with the checks and defaults of
 * vb_domain_def_attach_device.  Takes @data (VbDomainDiskDef* for a disk
 * and so on, an xmlNode* from vb_xml_opaque_copy for the kinds not typed),
 * also on failure. */
gboolean vb_domain_def_add_device (VbDomainDef *def, VbDomainDeviceKind kind, gpointer data,
                                   GError **error);

/* Devices drivers add as defaults, as libvirt's post-parse does, built as
 * structures rather than parsed from XML text.  Each is what parsing
 * <memballoon model='@model'/> (<video><model type='@model_type'/></video>)
 * gives; a driver sets the other fields itself. */
VbDomainMemballoonDef *vb_domain_memballoon_def_new (const char *model);
VbDomainVideoDef *vb_domain_video_def_new (const char *model_type);

void vb_domain_disk_def_free (VbDomainDiskDef *disk);
void vb_domain_interface_def_free (VbDomainInterfaceDef *iface);
void vb_domain_controller_def_free (VbDomainControllerDef *controller);
void vb_domain_video_def_free (VbDomainVideoDef *video);
void vb_domain_memballoon_def_free (VbDomainMemballoonDef *memballoon);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbDomainDiskDef, vb_domain_disk_def_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbDomainInterfaceDef, vb_domain_interface_def_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbDomainControllerDef, vb_domain_controller_def_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbDomainVideoDef, vb_domain_video_def_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbDomainMemballoonDef, vb_domain_memballoon_def_free)

G_END_DECLS
