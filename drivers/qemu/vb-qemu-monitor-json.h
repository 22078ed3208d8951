/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "vb-qemu-caps.h"
#include "vb-qemu-monitor.h"

G_BEGIN_DECLS

/* One typed asynchronous function per QMP command the driver sends
 * (libvirt's qemu_monitor_json.c): the arguments go in as C values, the
 * answer comes back parsed into a struct, and a reply that does not have
 * the shape QMP documents fails with an error naming the command.  No
 * JSON leaves this file and vb-qemu-monitor.c.
 *
 * Every command completes with the monitor as source object.  Commands
 * whose answer carries nothing finish with vb_qemu_monitor_finish(),
 * which also takes any other command's answer when only success
 * matters. */

gboolean vb_qemu_monitor_finish (VbQemuMonitor *self, GAsyncResult *result, GError **error);

/* The commands that take no arguments and answer nothing. */
typedef void (*VbQemuMonitorCommandFunc) (VbQemuMonitor *self, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);

void vb_qemu_monitor_cont_async (VbQemuMonitor *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data);
void vb_qemu_monitor_stop_async (VbQemuMonitor *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data);
void vb_qemu_monitor_system_powerdown_async (VbQemuMonitor *self, GCancellable *cancellable,
                                             GAsyncReadyCallback callback, gpointer user_data);
void vb_qemu_monitor_system_reset_async (VbQemuMonitor *self, GCancellable *cancellable,
                                         GAsyncReadyCallback callback, gpointer user_data);
void vb_qemu_monitor_system_wakeup_async (VbQemuMonitor *self, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
void vb_qemu_monitor_quit_async (VbQemuMonitor *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data);
void vb_qemu_monitor_inject_nmi_async (VbQemuMonitor *self, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
void vb_qemu_monitor_migrate_cancel_async (VbQemuMonitor *self, GCancellable *cancellable,
                                           GAsyncReadyCallback callback, gpointer user_data);

/* Devices and their backends */
/* @props: more device properties, an a{sv} (may be floating) or NULL */
void vb_qemu_monitor_device_add_async (VbQemuMonitor *self, const char *driver, const char *id, GVariant *props,
                                       GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
void vb_qemu_monitor_device_del_async (VbQemuMonitor *self, const char *id, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
/* A file image as a format node (raw, qcow2) over a file node. */
void vb_qemu_monitor_blockdev_add_file_async (VbQemuMonitor *self, const char *node_name, const char *format,
                                              const char *filename, gboolean read_only, GCancellable *cancellable,
                                              GAsyncReadyCallback callback, gpointer user_data);
void vb_qemu_monitor_blockdev_del_async (VbQemuMonitor *self, const char *node_name, GCancellable *cancellable,
                                         GAsyncReadyCallback callback, gpointer user_data);
/* type "user", or "tap" on the fd qemu holds as @fdname (getfd) */
void vb_qemu_monitor_netdev_add_async (VbQemuMonitor *self, const char *type, const char *id, const char *fdname,
                                       GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
void vb_qemu_monitor_netdev_del_async (VbQemuMonitor *self, const char *id, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
/* @fd is taken (see vb_qemu_monitor_command_with_fd_async) */
void vb_qemu_monitor_getfd_async (VbQemuMonitor *self, const char *fdname, int fd, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data);
void vb_qemu_monitor_closefd_async (VbQemuMonitor *self, const char *fdname, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data);
void vb_qemu_monitor_add_client_async (VbQemuMonitor *self, const char *protocol, const char *fdname,
                                       gboolean skipauth, GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data);
void vb_qemu_monitor_set_link_async (VbQemuMonitor *self, const char *name, gboolean up, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
/* Removable media, by the device's qdev id */
void vb_qemu_monitor_blockdev_open_tray_async (VbQemuMonitor *self, const char *id, gboolean force,
                                               GCancellable *cancellable, GAsyncReadyCallback callback,
                                               gpointer user_data);
void vb_qemu_monitor_blockdev_close_tray_async (VbQemuMonitor *self, const char *id, GCancellable *cancellable,
                                                GAsyncReadyCallback callback, gpointer user_data);
void vb_qemu_monitor_blockdev_change_medium_async (VbQemuMonitor *self, const char *id, const char *filename,
                                                   const char *format, GCancellable *cancellable,
                                                   GAsyncReadyCallback callback, gpointer user_data);
void vb_qemu_monitor_blockdev_remove_medium_async (VbQemuMonitor *self, const char *id, GCancellable *cancellable,
                                                   GAsyncReadyCallback callback, gpointer user_data);

/* Guest */
void vb_qemu_monitor_balloon_async (VbQemuMonitor *self, guint64 bytes, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data);
/* @qnums: QEMU's "number" key codes; @hold_time_ms 0 leaves qemu's default */
void vb_qemu_monitor_send_key_async (VbQemuMonitor *self, const guint *qnums, gsize n_keys, guint hold_time_ms,
                                     GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
void vb_qemu_monitor_migrate_async (VbQemuMonitor *self, const char *uri, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data);
void vb_qemu_monitor_migrate_incoming_async (VbQemuMonitor *self, const char *uri, GCancellable *cancellable,
                                             GAsyncReadyCallback callback, gpointer user_data);
/* Detached, paging off, into @protocol ("file:PATH") in @format */
void vb_qemu_monitor_dump_guest_memory_async (VbQemuMonitor *self, const char *protocol, const char *format,
                                              GCancellable *cancellable, GAsyncReadyCallback callback,
                                              gpointer user_data);

/* query-status */
typedef struct {
  gboolean running;
  char *status;  /* qemu's RunState: "running", "paused", "suspended", … */
} VbQemuStatus;

void vb_qemu_status_free (VbQemuStatus *status);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbQemuStatus, vb_qemu_status_free)
void vb_qemu_monitor_query_status_async (VbQemuMonitor *self, GCancellable *cancellable,
                                         GAsyncReadyCallback callback, gpointer user_data);
VbQemuStatus *vb_qemu_monitor_query_status_finish (VbQemuMonitor *self, GAsyncResult *result, GError **error);

/* query-balloon: the guest's memory as the balloon leaves it, in bytes */
void vb_qemu_monitor_query_balloon_async (VbQemuMonitor *self, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_qemu_monitor_query_balloon_finish (VbQemuMonitor *self, GAsyncResult *result, guint64 *out_actual,
                                               GError **error);

/* query-migrate and query-dump */
typedef enum {
  VB_QEMU_JOB_STATUS_NONE,       /* nothing started (yet) */
  VB_QEMU_JOB_STATUS_ACTIVE,     /* setup, active, device, … */
  VB_QEMU_JOB_STATUS_COMPLETED,
  VB_QEMU_JOB_STATUS_FAILED,
  VB_QEMU_JOB_STATUS_CANCELLED,
} VbQemuJobStatus;

typedef struct {
  VbQemuJobStatus status;
  char *status_name;  /* qemu's word for it ("" when none) */
  char *error_desc;   /* why it failed, or NULL */
  guint64 ram_total, ram_transferred, ram_remaining;
} VbQemuMigrateInfo;

void vb_qemu_migrate_info_free (VbQemuMigrateInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbQemuMigrateInfo, vb_qemu_migrate_info_free)
void vb_qemu_monitor_query_migrate_async (VbQemuMonitor *self, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
VbQemuMigrateInfo *vb_qemu_monitor_query_migrate_finish (VbQemuMonitor *self, GAsyncResult *result,
                                                         GError **error);

typedef struct {
  VbQemuJobStatus status;
  guint64 total, completed;
} VbQemuDumpInfo;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbQemuDumpInfo, g_free)
void vb_qemu_monitor_query_dump_async (VbQemuMonitor *self, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
VbQemuDumpInfo *vb_qemu_monitor_query_dump_finish (VbQemuMonitor *self, GAsyncResult *result, GError **error);

/* query-hotpluggable-cpus: one slot a vCPU can be plugged into */
typedef struct {
  char *type;          /* the CPU device type */
  char *qom_path;      /* NULL while the slot is empty */
  gint64 vcpus_count;
  gint64 socket_id, die_id, cluster_id, core_id, thread_id;  /* 0 when qemu leaves one out */
  GVariant *props;     /* a{sv}: device_add takes them as they are */
} VbQemuHotpluggableCpu;

void vb_qemu_hotpluggable_cpu_free (VbQemuHotpluggableCpu *cpu);
void vb_qemu_monitor_query_hotpluggable_cpus_async (VbQemuMonitor *self, GCancellable *cancellable,
                                                    GAsyncReadyCallback callback, gpointer user_data);
/* VbQemuHotpluggableCpu*, in qemu's order */
GPtrArray *vb_qemu_monitor_query_hotpluggable_cpus_finish (VbQemuMonitor *self, GAsyncResult *result,
                                                           GError **error);

/* query-chardev */
typedef struct {
  char *label;
  char *filename;  /* "pty:/dev/pts/3", "unix:…", … */
} VbQemuChardev;

void vb_qemu_chardev_free (VbQemuChardev *chr);
void vb_qemu_monitor_query_chardev_async (VbQemuMonitor *self, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
/* VbQemuChardev* */
GPtrArray *vb_qemu_monitor_query_chardev_finish (VbQemuMonitor *self, GAsyncResult *result, GError **error);

/* query-vnc and query-spice: where the display listens; service NULL
 * and port 0 when it does not (yet) */
void vb_qemu_monitor_query_vnc_async (VbQemuMonitor *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data);
/* the "service" (the port, as a string) or NULL */
gboolean vb_qemu_monitor_query_vnc_finish (VbQemuMonitor *self, GAsyncResult *result, char **out_service,
                                           GError **error);
void vb_qemu_monitor_query_spice_async (VbQemuMonitor *self, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_qemu_monitor_query_spice_finish (VbQemuMonitor *self, GAsyncResult *result, gint64 *out_port,
                                             GError **error);

/* Probing the binary (vb-qemu-caps.c) */
typedef struct {
  gint64 major, minor, micro;
  char *package;  /* NULL when qemu tells none */
} VbQemuVersion;

void vb_qemu_version_free (VbQemuVersion *version);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbQemuVersion, vb_qemu_version_free)
void vb_qemu_monitor_query_version_async (VbQemuMonitor *self, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
VbQemuVersion *vb_qemu_monitor_query_version_finish (VbQemuMonitor *self, GAsyncResult *result, GError **error);

/* VbQemuMachine* (freed with vb_qemu_machine_free), without "none" */
void vb_qemu_monitor_query_machines_async (VbQemuMonitor *self, GCancellable *cancellable,
                                           GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *vb_qemu_monitor_query_machines_finish (VbQemuMonitor *self, GAsyncResult *result, GError **error);

typedef struct {
  char *name;
  gboolean usable;  /* no unavailable features */
} VbQemuCpuModel;

void vb_qemu_cpu_model_free (VbQemuCpuModel *model);
void vb_qemu_monitor_query_cpu_definitions_async (VbQemuMonitor *self, GCancellable *cancellable,
                                                  GAsyncReadyCallback callback, gpointer user_data);
/* VbQemuCpuModel* */
GPtrArray *vb_qemu_monitor_query_cpu_definitions_finish (VbQemuMonitor *self, GAsyncResult *result,
                                                         GError **error);

/* qom-list-types: the names of the concrete types implementing @implements */
void vb_qemu_monitor_qom_list_types_async (VbQemuMonitor *self, const char *implements, GCancellable *cancellable,
                                           GAsyncReadyCallback callback, gpointer user_data);
GStrv vb_qemu_monitor_qom_list_types_finish (VbQemuMonitor *self, GAsyncResult *result, GError **error);

/* query-command-line-options for @option: fails where there is no such
 * option (finish with vb_qemu_monitor_finish) */
void vb_qemu_monitor_query_command_line_options_async (VbQemuMonitor *self, const char *option,
                                                       GCancellable *cancellable, GAsyncReadyCallback callback,
                                                       gpointer user_data);

/* Events ------------------------------------------------------------------- */

typedef enum {
  VB_QEMU_EVENT_OTHER,  /* one the driver does not act on */
  VB_QEMU_EVENT_STOP,
  VB_QEMU_EVENT_RESUME,
  VB_QEMU_EVENT_SHUTDOWN,
  VB_QEMU_EVENT_RESET,
  VB_QEMU_EVENT_BLOCK_IO_ERROR,
  VB_QEMU_EVENT_BALLOON_CHANGE,
  VB_QEMU_EVENT_DEVICE_DELETED,
  VB_QEMU_EVENT_SUSPEND,
  VB_QEMU_EVENT_SUSPEND_DISK,
  VB_QEMU_EVENT_WAKEUP,
  VB_QEMU_EVENT_RTC_CHANGE,
  VB_QEMU_EVENT_DEVICE_TRAY_MOVED,
  VB_QEMU_EVENT_GUEST_PANICKED,
} VbQemuEventType;

/* A QMP event and what its "data" says; members an event lacks are
 * NULL, 0 or FALSE, as qemu leaves optional ones out. */
typedef struct {
  VbQemuEventType type;
  char *name;
  union {
    struct {
      gboolean guest;
    } shutdown;
    struct {
      char *device;     /* BlockBackend name ("" for a hot-plugged disk) */
      char *node_name;
      char *action;     /* "stop", "report", "ignore" */
      char *reason;
    } block_io_error;
    struct {
      guint64 actual;   /* bytes */
    } balloon_change;
    struct {
      char *device;     /* qdev id, NULL for a device without one */
      char *path;       /* QOM path */
    } device_deleted;
    struct {
      gint64 offset;
    } rtc_change;
    struct {
      char *id;
      gboolean tray_open;
    } tray_moved;
  };
} VbQemuEvent;

void vb_qemu_event_free (VbQemuEvent *event);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbQemuEvent, vb_qemu_event_free)

/* The parsers behind the functions above, for the monitor (events) and
 * for tests: @data or @ret is what qemu sent, NULL when it sent none. */
VbQemuEvent *vb_qemu_event_parse (const char *name, JsonNode *data);
VbQemuStatus *vb_qemu_parse_query_status (JsonNode *ret, GError **error);
VbQemuMigrateInfo *vb_qemu_parse_query_migrate (JsonNode *ret, GError **error);
VbQemuDumpInfo *vb_qemu_parse_query_dump (JsonNode *ret, GError **error);
GPtrArray *vb_qemu_parse_query_hotpluggable_cpus (JsonNode *ret, GError **error);
GPtrArray *vb_qemu_parse_query_chardev (JsonNode *ret, GError **error);
VbQemuVersion *vb_qemu_parse_query_version (JsonNode *ret, GError **error);
GPtrArray *vb_qemu_parse_query_machines (JsonNode *ret, GError **error);

G_END_DECLS
