/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "vb-auth.h"
#include "vb-driver.h"
#include "vb-dbus-generated.h"
#include "vb-error.h"
#include "vb-error-table.h"

G_BEGIN_DECLS

#define VB_BUS_NAME "org.libvirt"
#define VB_ROOT_PATH "/org/libvirt"

typedef struct _VbService VbService;
typedef struct _VbServiceDriver VbServiceDriver;

/* One driver root on the bus: /org/libvirt/<Name> with org.libvirt.Connect
 * and an ObjectManager whose children are that driver's domains and
 * networks. */
struct _VbServiceDriver {
  VbService *service;
  VbDriver *driver;
  char *root_path;
  VbDBusConnect *connect;
  GDBusObjectManagerServer *manager;
  GHashTable *domain_objects;  /* VbDomain* → GDBusObjectSkeleton* */
  GHashTable *network_objects; /* VbNetwork* → GDBusObjectSkeleton* */
  /* Domain.SchedulerType: one value per driver, asked once */
  GVariant *scheduler_type;
  gboolean scheduler_type_pending;
};

struct _VbService {
  GDBusConnection *bus;
  gboolean system_bus;
  VbAuth *auth;
  GPtrArray *drivers; /* VbServiceDriver*; added under drivers_lock */
  GMutex drivers_lock;
  GMainContext *context;
  guint filter_id;
  guint activity_filter_id;
  gint64 last_activity; /* monotonic µs of the last incoming call; atomic */
  /* org.libvirt.Virtbus at /org/libvirt, and the unique names of the
   * callers that asked it for specific error names, each forgotten when
   * NameOwnerChanged says it left the bus (main context only) */
  VbDBusVirtbus *virtbus;
  GHashTable *error_name_callers;
  guint name_owner_changed_id;
};

VbService *vb_service_new (GDBusConnection *bus, gboolean system_bus);
void vb_service_free (VbService *service);
gboolean vb_service_add_driver (VbService *service, VbDriver *driver, GError **error);
/* Seconds since the last incoming method call. */
double vb_service_idle_seconds (VbService *service);
/* Whether any driver runs something it started. */
gboolean vb_service_is_busy (VbService *service);

/* Object paths, as libvirt-dbus builds them. */
char *vb_service_domain_path (VbServiceDriver *sd, VbDomain *domain);
char *vb_service_network_path (VbServiceDriver *sd, VbNetwork *network);

/* Replies with @error's message under org.libvirt.Error, or, when the
 * caller asked for them (org.libvirt.Virtbus.EnableErrorNames), under the
 * name of @error's code (vb_error_get_code()). */
void vb_service_return_error (GDBusMethodInvocation *invocation, const GError *error);
void vb_service_return_error_printf (GDBusMethodInvocation *invocation, VbErrorCode code,
                                     const char *fmt, ...) G_GNUC_PRINTF (3, 4);

/* Authorization ------------------------------------------------------------ */

typedef void (*VbAuthorizedFunc) (VbServiceDriver *sd, GDBusMethodInvocation *invocation,
                                  gpointer user_data);

/* Calls @func once the caller of @invocation is allowed @request (at once,
 * without a polkit round trip, where nothing is enforced); otherwise
 * replies with the denial, or, where @request hides its object from this
 * caller, exactly as to a call on a path where no object is.  @destroy
 * frees @user_data either way. */
void vb_service_authorize (VbServiceDriver *sd, GDBusMethodInvocation *invocation,
                           const VbAuthRequest *request, VbAuthorizedFunc func,
                           gpointer user_data, GDestroyNotify destroy);

/* As vb_service_authorize, for a call that names an object of another
 * path (a lookup): where the caller may not see the request's object
 * (hidden_unless_getattr), replies @not_found, the answer had the object
 * been absent; vb_service_authorize replies as GDBus does for a path
 * where no object is. */
void vb_service_authorize_lookup (VbServiceDriver *sd, GDBusMethodInvocation *invocation,
                                  const VbAuthRequest *request, const GError *not_found,
                                  VbAuthorizedFunc func, gpointer user_data,
                                  GDestroyNotify destroy);

/* GDBus's reply to a call on a path where no object is: what a caller gets
 * on an object it may not see. */
void vb_service_return_unknown_object (GDBusMethodInvocation *invocation);
GDBusMessage *vb_service_unknown_object_error (GDBusMessage *call);

void vb_service_send_message (GDBusConnection *bus, GDBusMessage *reply);

/* Calls GDBus answers itself (vb-service-hidden.c) ------------------------ */

/* Notes that @skeleton is exported for @object (a VbObject). */
void vb_service_set_exported_object (GDBusObjectSkeleton *skeleton, gpointer object);
/* From the system bus's message filter: takes @message (the filter's
 * reference) when GDBus would answer it itself under a driver root, and
 * answers it per caller. */
gboolean vb_service_take_gdbus_answered (VbService *service, GDBusMessage *message);

/* Replies that @object's driver lacks the member called, to a caller who
 * may see @object. */
void vb_service_return_unsupported (VbServiceDriver *sd, GDBusMethodInvocation *invocation,
                                    gpointer object);

/* Keeps the objects of @objects (VbDomain* or VbNetwork*) that the caller
 * may see (getattr) and hands them, in order, to @func. */
typedef void (*VbFilteredFunc) (VbServiceDriver *sd, GPtrArray *visible, gpointer user_data);
void vb_service_filter_visible (VbServiceDriver *sd, const char *sender, GPtrArray *objects,
                                VbFilteredFunc func, gpointer user_data);

/* Runs @op for a method call and replies with its result: () when the op
 * has none, else the result wrapped in a one-element tuple. */
void vb_service_dispatch_op (VbServiceDriver *sd, GDBusMethodInvocation *invocation, VbOp op,
                             gpointer object, GVariant *args);

/* org.freedesktop.DBus.Properties calls routed to an interface's method
 * handler (its vtable has no get/set_property, so GDBus sends them there);
 * @set_autostart_op is the op behind the one writable property. */
void vb_service_handle_properties (VbServiceDriver *sd, GDBusInterfaceSkeleton *skeleton,
                                   GDBusMethodInvocation *invocation, gpointer object,
                                   VbOp set_autostart_op);

typedef struct {
  const char *member;
  VbOp op;
} VbMemberOp;

/* Looks @member up in a table ending with { NULL }. */
gboolean vb_member_op_lookup (const VbMemberOp *table, const char *member, VbOp *out_op);

/* Per-object skeletons. */
GDBusInterfaceSkeleton *vb_service_domain_new (VbServiceDriver *sd, VbDomain *domain);
GDBusInterfaceSkeleton *vb_service_network_new (VbServiceDriver *sd, VbNetwork *network);
/* Mirror the object's state into the skeleton's properties: the one named
 * by @changed (a VbDomain/VbNetwork property), or all when NULL. */
void vb_service_domain_sync (GDBusInterfaceSkeleton *skeleton, const char *changed);
void vb_service_network_sync (GDBusInterfaceSkeleton *skeleton, const char *changed);
VbDBusConnect *vb_service_connect_new (VbServiceDriver *sd);

G_END_DECLS
