/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "vb-types.h"

G_BEGIN_DECLS

/* What changed, as a driver reports it: a kind and its payload, never a
 * bus member name.  Front ends map kinds to their own wire form (the D-Bus
 * service to org.libvirt signals); the numbers inside are libvirt's, which
 * every front end carries unchanged.  Strings may be NULL where the value
 * is absent; a front end that cannot carry NULL decides what stands for
 * it. */
typedef enum {
  /* on a VbDomain */
  VB_EVENT_DOMAIN_LIFECYCLE,       /* lifecycle */
  VB_EVENT_DOMAIN_REBOOT,          /* no payload: the guest reset itself */
  VB_EVENT_DOMAIN_RTC_CHANGE,      /* rtc_change */
  VB_EVENT_DOMAIN_BALLOON_CHANGE,  /* balloon_change */
  VB_EVENT_DOMAIN_IO_ERROR,        /* io_error */
  VB_EVENT_DOMAIN_PM_SUSPEND,      /* pm: suspended to memory */
  VB_EVENT_DOMAIN_PM_SUSPEND_DISK, /* pm: suspended to disk */
  VB_EVENT_DOMAIN_PM_WAKEUP,       /* pm */
  VB_EVENT_DOMAIN_DEVICE_ADDED,    /* device */
  VB_EVENT_DOMAIN_DEVICE_REMOVED,  /* device */
  VB_EVENT_DOMAIN_TRAY_CHANGE,     /* tray_change */
  VB_EVENT_DOMAIN_METADATA_CHANGE, /* metadata_change */
  /* on a VbNetwork */
  VB_EVENT_NETWORK_LIFECYCLE,      /* network_lifecycle */
} VbEventKind;

/* virDomainEventIOErrorAction */
typedef enum {
  VB_DOMAIN_IO_ERROR_NONE = 0,
  VB_DOMAIN_IO_ERROR_PAUSE = 1,
  VB_DOMAIN_IO_ERROR_REPORT = 2,
} VbDomainIOErrorAction;

/* virDomainEventTrayChangeReason */
typedef enum {
  VB_DOMAIN_TRAY_CHANGE_OPEN = 0,
  VB_DOMAIN_TRAY_CHANGE_CLOSE = 1,
} VbDomainTrayChangeReason;

/* Built in place by the emitter, e.g.
 *   vb_driver_emit_event (driver, dom, &(VbEvent) {
 *     .kind = VB_EVENT_DOMAIN_DEVICE_ADDED, .device = { alias } });
 * and valid only while the emission lasts. */
typedef struct {
  VbEventKind kind;
  union {
    struct {
      VbDomainEvent event;
      int detail;                /* VB_DOMAIN_EVENT_<event>_* */
    } lifecycle;
    struct {
      gint64 utc_offset;         /* seconds */
    } rtc_change;
    struct {
      guint64 actual_kib;
    } balloon_change;
    struct {
      const char *src_path;      /* the disk's source; NULL: none */
      const char *device;        /* the disk's alias */
      VbDomainIOErrorAction action;
      const char *reason;        /* the hypervisor's words; NULL: none */
    } io_error;
    struct {
      int reason;                /* libvirt defines none yet: 0 */
    } pm;
    struct {
      const char *alias;
    } device;
    struct {
      const char *alias;
      VbDomainTrayChangeReason reason;
    } tray_change;
    struct {
      int type;                  /* VB_DOMAIN_METADATA_* */
      const char *uri;           /* the element's namespace; NULL for the others */
    } metadata_change;
    struct {
      VbNetworkEvent event;
    } network_lifecycle;
  };
} VbEvent;

/* Whether @kind happens to a VbNetwork rather than a VbDomain. */
gboolean vb_event_kind_is_network (VbEventKind kind);

G_END_DECLS
