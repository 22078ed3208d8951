/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the rooms of the QEMU driver share: the driver's instance, the
 * state of one qemu process (QemuVm) and the functions one room offers
 * the others.  Private to drivers/qemu. */

#include "vb-config-store.h"
#include "vb-domain-def.h"
#include "vb-driver-ops.h"
#include "vb-error.h"
#include "vb-net-iface.h"
#include "vb-network-driver.h"
#include "vb-qemu-caps.h"
#include "vb-qemu-command.h"
#include "vb-qemu-driver.h"
#include "vb-qemu-firmware.h"
#include "vb-qemu-graphics.h"
#include "vb-qemu-host.h"
#include "vb-qemu-monitor-json.h"

G_BEGIN_DECLS

/* How long qemu may take to greet on its monitor (a start, a re-attach),
 * how long SIGTERM gets before SIGKILL, and how often a guest that is not
 * our child is checked for having gone. */
#define MONITOR_CONNECT_TIMEOUT_MS 30000
#define REATTACH_CONNECT_TIMEOUT_MS 3000
#define DESTROY_KILL_TIMEOUT_MS 5000
#define FOREIGN_POLL_INTERVAL_MS 10

/* the main group of a status file, and of the record of a start */
#define STATUS_GROUP "domain"

/* libvirt's numbers used only here */
enum {
  QEMU_SHUTDOWN_ACPI = 1 << 0,
  QEMU_REBOOT_ACPI = 1 << 0,
  QEMU_DOMAIN_SHUTDOWN_USER = 1,  /* VIR_DOMAIN_SHUTDOWN_USER */
  QEMU_DOMAIN_CRASHED_PANICKED = 1,
};

struct _VbQemuDriver {
  VbDriver parent_instance;
  gboolean system;
  char *state_dir;
  gboolean opened;
  VbConfigStore *store;
  char *save_dir;   /* managed save images: memory, so not under /etc or /run */
  char *nvram_dir;  /* per-domain UEFI variable stores: state, kept across boots */
  char *emulator;
  char *caps_cache;
  VbQemuCaps *caps;
  GError *caps_error;
  gboolean probing;
  GCancellable *probe_cancel;
  GQueue deferred; /* Deferred*: calls waiting for the capabilities */
  /* virtual networks on our root, and the devices of guest NICs; NULL
   * when networking could not be opened (e.g. no netlink) */
  VbNetworkDriver *net;
  /* QemuVm* (borrowed) of transient domains being created: not in the
   * registry until they run, yet their display ports are taken */
  GPtrArray *unregistered_starts;
  /* VbDomainDef* (borrowed): the live definitions of guests whose NICs
   * are being plugged, before any process runs; their display ports
   * are taken too.  Zero-filled is empty. */
  GQueue plugging_starts;
};

/* A guest NIC the driver plugged in: the device made for it and, for
 * <interface type='network'>, the port charged to the network. */
typedef struct {
  char *alias;          /* qemu id ("net0"): hot-unplug finds it by this */
  char *ifname;         /* the tap or macvtap */
  VbNetworkPort *port;  /* NULL for type bridge/direct/ethernet: nothing charged */
  gboolean borrowed;    /* an admin's tap (ethernet, managed='no'): never deleted */
} QemuNic;

/* One qemu process: from spawn (or re-attach) to its exit.  Held by the
 * domain's driver data while it runs, and by every pending callback. */
typedef struct {
  VbQemuDriver *driver;   /* borrowed: the driver's dispose marks every vm exited */
  VbDomain *dom;
  GSubprocess *proc;      /* NULL when re-attached: not our child */
  GPid pid;
  guint64 start_time;     /* /proc/<pid>/stat field 22, against pid reuse */
  char *qmp_path;
  char *log_path;
  VbQemuMonitor *mon;
  GCancellable *cancel;
  gboolean exited;
  gboolean destroying;
  gboolean shutdown_seen;
  int pause_reason;       /* reason a STOP event gets while we asked for it */
  /* start */
  gboolean starting;
  gboolean start_paused;
  gboolean start_registers; /* CreateXML of a new transient domain */
  char *restore_path;       /* save image the start restores */
  gboolean restore_managed; /* it is the managed one: spent once restored */
  /* managed save, or Save to a file of the caller's */
  gboolean saving;
  gboolean saved;
  gboolean save_managed;
  char *save_path;
  GTask *save_task;
  guint migrate_poll;
  /* core dump */
  gboolean dumping;
  gboolean dump_paused;     /* paused by us for it: resumed after */
  gboolean dump_crashed;    /* VIR_DUMP_CRASH: the run ends as crashed */
  guint dump_flags;
  char *dump_path;
  GTask *dump_task;
  gint64 job_started;       /* monotonic µs: when the save or dump began */
  GHashTable *detaches;     /* alias → Detach*: device_del sent, DEVICE_DELETED awaited */
  struct _VcpuJob *vcpu_unplug; /* a SetVcpus waiting for the guest to let vCPUs go */
  gboolean vcpu_removed;    /* the guest let a vCPU go during this run */
  void (*migrate_done) (gpointer vm, const char *error); /* NULL error: completed */
  VbDomainDef *start_live;
  GTask *start_task;
  GError *start_error;
  GPtrArray *stop_waiters; /* GTask*: Destroy calls completed at exit */
  guint kill_timer;
  guint poll_timer;
  GPtrArray *nics;         /* QemuNic*: released when the run ends */
} QemuVm;

/* A hot-unplug the guest has not acknowledged yet. */
typedef struct {
  GTask *task;        /* NULL once the call returned without waiting longer */
  char *xml;          /* the device as the caller gave it, to detach from the live def */
  char *backend;      /* drive node or netdev to remove once the device is gone */
  gboolean is_disk;
  guint timeout_id;
} Detach;


/* What a start restores instead of booting: a managed save image, or a
 * save file whose stream starts at @offset. */
typedef struct {
  const char *path;
  guint64 offset;
  gboolean managed;
} QemuRestore;

#define DETACH_WAIT_MS 5000

/* Domain operations ------------------------------------------------------------- */

typedef struct {
  GTask *task;
  QemuVm *vm;
  VbOp op;
} OpCall;


/* vb-qemu-driver.c */
gboolean apply_config (VbQemuDriver *self, VbDomain *dom, VbDomainDef **config, GError **error);
VbDomainDef *qemu_parse_domain (const char *xml, GError **error);
gboolean qemu_fill_firmware (VbQemuDriver *self, VbDomainDef *def, GError **error);

/* vb-qemu-process.c */
void op_call_free (OpCall *call);
gboolean check_active (VbDomain *dom, GError **error);
void domain_destroy (VbQemuDriver *self, VbDomain *dom, guint flags, GTask *task);
void domain_start (VbQemuDriver *self, VbDomain *dom, VbDomainDef *live, gboolean paused, gboolean registers,
                   const QemuRestore *restore, GTask *task);
GVariant *domain_stats (VbDomain *dom, guint stats, guint flags, GError **error);
QemuVm *domain_vm (VbDomain *dom);
gboolean process_gone (GPid pid, guint64 start_time);
gboolean read_proc_stat (GPid pid, char *state, guint64 *start_time, guint64 *cpu_ticks);
gboolean read_stat_file (const char *path, char *state, guint64 *start_time, guint64 *cpu_ticks);
void reattach_all (VbQemuDriver *self);
void run_leftovers_remove (VbQemuDriver *self, const char *key, const char *qmp_path, GPtrArray *nics);
void vm_command (QemuVm *vm, VbOp op, VbQemuMonitorCommandFunc command, GTask *task);
OpCall *op_call_new (QemuVm *vm, VbOp op, GTask *task);
void op_reply (GObject *source, GAsyncResult *result, gpointer user_data);
void vm_memory_stats (QemuVm *vm, GTask *task);
void vm_fail_start (QemuVm *vm, GError *error);
void vm_forget (VbDomain *dom);
QemuVm *vm_ref (QemuVm *vm);
void vm_save_status (QemuVm *vm);
void vm_unref (QemuVm *vm);
void vm_watch_foreign (QemuVm *vm);

/* vb-qemu-starting.c */
gboolean start_record_is_starting (GKeyFile *kf);
void start_orphans_reap (VbQemuDriver *self);
void start_record_reap (VbQemuDriver *self, const char *key, GKeyFile *kf);
gboolean start_record_save (VbQemuDriver *self, const char *key, const char *qmp_path, const char *log_path,
                            GPtrArray *nics, GError **error);

/* vb-qemu-events.c */
void on_monitor_closed (VbQemuMonitor *mon, GError *reason, gpointer user_data);
void on_monitor_event (VbQemuMonitor *mon, const VbQemuEvent *event, gpointer user_data);
void vm_set_paused (QemuVm *vm, int reason);
void vm_set_pmsuspended (QemuVm *vm, gboolean disk);
void vm_set_running (QemuVm *vm, int reason);

/* vb-qemu-interface.c */
gboolean domain_interface_addresses (VbQemuDriver *self, VbDomain *dom, GVariant *args, GVariant **out,
                                     GError **error);
xmlNode *info_link (const VbDomainDeviceInfo *info);
gboolean link_is_up (const VbDomainInterfaceDef *iface);
void nic_free (QemuNic *nic);
void nic_release (VbQemuDriver *self, QemuNic *nic);
GPtrArray *nics_load (GKeyFile *kf);
void nics_save (GKeyFile *kf, GPtrArray *nics);
void plug_interface_async (VbQemuDriver *self, VbDomain *dom, VbDomainInterfaceDef *iface,
                           GAsyncReadyCallback callback, gpointer user_data);
QemuNic *plug_interface_finish (VbQemuDriver *self, GAsyncResult *result, int *out_fd, GError **error);
void plug_interfaces_async (VbQemuDriver *self, VbDomain *dom, VbDomainDef *live, GAsyncReadyCallback callback,
                            gpointer user_data);
gboolean plug_interfaces_finish (VbQemuDriver *self, GAsyncResult *result, GArray **fds, GPtrArray **nics,
                                 GError **error);
void vm_release_nic (QemuVm *vm, const char *alias);
void vm_release_nics (QemuVm *vm);

/* vb-qemu-hotplug.c */
void detach_free (Detach *d);
gboolean domain_attach (VbQemuDriver *self, VbDomain *dom, GVariant *args, GTask *task, gboolean *handed,
                        GError **error);
gboolean domain_detach (VbQemuDriver *self, VbDomain *dom, GVariant *args, GTask *task, gboolean *handed,
                        GError **error);
gboolean domain_set_memory (VbQemuDriver *self, VbDomain *dom, GVariant *args, GTask *task, gboolean *handed,
                            GError **error);
gboolean domain_update_device (VbQemuDriver *self, VbDomain *dom, GVariant *args, GTask *task, gboolean *handed,
                               GError **error);
gboolean resolve_affect (VbDomain *dom, guint *flags, GError **error);
void vm_device_deleted (QemuVm *vm, const char *alias);

/* vb-qemu-vcpu.c */
void add_vcpu_thread_stats (QemuVm *vm, guint max_vcpus, GVariantBuilder *b);
gboolean domain_set_vcpus (VbQemuDriver *self, VbDomain *dom, GVariant *args, GTask *task, gboolean *handed,
                           GError **error);
void vm_refresh_vcpus (QemuVm *vm);
void vm_vcpu_deleted (QemuVm *vm, const char *device, const char *path);

/* vb-qemu-saveimage.c */
gboolean check_save_flags (guint flags, GError **error);
void domain_managed_save (VbQemuDriver *self, VbDomain *dom, GTask *task);
gboolean domain_start_managed_save (VbQemuDriver *self, VbDomain *dom, gboolean paused, GTask *task, gboolean *handed,
                                    GError **error);
gboolean domain_save (VbQemuDriver *self, VbDomain *dom, GVariant *args, GTask *task, gboolean *handed,
                      GError **error);
void remove_save_image (VbQemuDriver *self, VbDomain *dom);
char *save_file_read_header (const char *path, guint64 *out_stream_offset, gboolean *out_running, GError **error);
gboolean save_image_define_xml (GVariant *args, GError **error);
char *save_image_get_xml (GVariant *args, GError **error);
char *save_image_path (VbQemuDriver *self, VbDomain *dom, const char *suffix);

/* vb-qemu-domainjob.c */
void domain_abort_job (VbDomain *dom, GTask *task);
gboolean domain_core_dump (VbQemuDriver *self, VbDomain *dom, GVariant *args, GTask *task, gboolean *handed,
                           GError **error);
void domain_get_job_info (VbDomain *dom, VbOp op, GVariant *args, GTask *task);
void migrate_wait (QemuVm *vm, void (*done) (gpointer vm, const char *error));

/* vb-qemu-nvram.c */
gboolean check_undefine_nvram (const VbDomainDef *def, guint flags, GError **error);
gboolean prepare_nvram (const VbDomainDef *def, GError **error);
gboolean nvram_needs_making (const VbDomainDef *def);
void prepare_nvram_async (VbQemuDriver *self, const VbDomainDef *def, GAsyncReadyCallback callback,
                          gpointer user_data);
gboolean prepare_nvram_finish (VbQemuDriver *self, GAsyncResult *result, GError **error);
void remove_nvram (const VbDomainDef *def);
gboolean rename_own_nvram (VbQemuDriver *self, const VbDomainDef *old_def, VbDomainDef *new_def,
                           gboolean *out_moved, GError **error);
void undo_nvram_rename (VbQemuDriver *self, const char *old_name, const char *new_name);

/* vb-qemu-sendkey.c */
gboolean domain_send_key (VbDomain *dom, GVariant *args, GTask *task, gboolean *handed, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QemuVm, vm_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpCall, op_call_free)

G_END_DECLS
