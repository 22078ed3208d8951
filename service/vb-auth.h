/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "vb-driver.h"

G_BEGIN_DECLS

/* Per-caller authorization on the system bus, asked of polkit without ever
 * waiting for it on the main loop.  Every request names libvirt's actions:
 * org.libvirt.unix.monitor (read-only) or org.libvirt.unix.manage
 * (changes), then org.libvirt.api.<kind>.<permission> with details
 * (connect_driver, domain_name, domain_uuid, network_name, network_uuid) so
 * rules can grant one user one object.  Root is always allowed; on a
 * session bus nothing is checked. */
typedef struct _VbAuth VbAuth;

/* What one call must be allowed to do. */
typedef struct {
  gboolean manage;          /* unix.manage instead of unix.monitor */
  /* libvirt's ACL object kind as VbObject names it ("domain", "network",
   * "storage_pool", ...; the action id takes "-" for "_"), NULL for the
   * connection */
  const char *kind;
  const char *permissions;  /* libvirt permission names, comma separated, e.g. "write,save" */
  const char *driver;       /* connect_driver detail: "Test", "QEMU" */
  const char *object_name;  /* domain/network name, or NULL */
  const char *object_uuid;  /* its UUID, or NULL */
  /* The object does not exist for a caller who may not getattr it: that
   * action is asked along with the others (one round of polkit checks) and
   * its refusal, whatever else is refused, completes with
   * VB_ERROR_NOT_FOUND rather than a denial that would confirm it. */
  gboolean hidden_unless_getattr;
} VbAuthRequest;

VbAuth *vb_auth_new (GDBusConnection *bus, gboolean enforce);
void vb_auth_free (VbAuth *auth);
gboolean vb_auth_is_enforcing (VbAuth *auth);

/* Completes with TRUE when @sender may do @request; FALSE with
 * VB_ERROR_PERMISSION_DENIED naming the first action that was refused, or
 * VB_ERROR_NOT_FOUND (see hidden_unless_getattr).
 * @interactive: the caller set ALLOW_INTERACTIVE_AUTHORIZATION. */
void vb_auth_check_async (VbAuth *auth, const char *sender, const VbAuthRequest *request,
                          gboolean interactive, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_auth_check_finish (VbAuth *auth, GAsyncResult *result, GError **error);

/* The request for running @op on @object (a VbObject, or NULL for host
 * and creation ops). */
void vb_auth_request_for_op (VbAuthRequest *request, VbOp op, gpointer object, const char *driver);

/* The request to see @object (a VbObject of any kind): getattr, with the
 * object's details, and hidden_unless_getattr. */
void vb_auth_request_for_object (VbAuthRequest *request, gpointer object, const char *driver);

/* Whether @invocation asked for interactive authorization. */
gboolean vb_auth_invocation_is_interactive (GDBusMethodInvocation *invocation);

G_END_DECLS
