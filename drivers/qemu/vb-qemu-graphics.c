/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-qemu-graphics.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vb-driver.h"
#include "vb-error.h"
#include "vb-qemu-command.h"

/* libvirt's remote display port range */
#define GRAPHICS_PORT_MIN 5900
#define GRAPHICS_PORT_MAX 65535

static gboolean
is_type (const VbDomainGraphicsDef *g, const char *type)
{
  return g_strcmp0 (g->type, type) == 0;
}

void
vb_qemu_graphics_add_ports (const VbDomainDef *def, GHashTable *ports)
{
  for (guint i = 0; def && def->graphics && i < def->graphics->len; i++) {
    const VbDomainGraphicsDef *g = g_ptr_array_index (def->graphics, i);

    if (!is_type (g, "vnc") && !is_type (g, "spice"))
      continue;
    if (g->port > 0)
      g_hash_table_add (ports, GUINT_TO_POINTER (g->port));
    if (g->tls_port > 0)
      g_hash_table_add (ports, GUINT_TO_POINTER (g->tls_port));
  }
}

/* Whether a listening socket could take @port on @address now, with
 * SO_REUSEADDR as qemu binds it (a port in TIME_WAIT is free). */
static gboolean
port_is_free (GInetAddress *address, guint port)
{
  g_autoptr(GSocket) sock = g_socket_new (g_inet_address_get_family (address), G_SOCKET_TYPE_STREAM,
                                          G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GSocketAddress) sa = g_inet_socket_address_new (address, (guint16) port);

  return sock != NULL && g_socket_bind (sock, sa, TRUE, NULL);
}

static gboolean
allocate_port (const VbDomainGraphicsDef *g, GHashTable *taken, int *out_port, GError **error)
{
  const char *listen = vb_qemu_graphics_listen_address (g);
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (listen);

  if (address == NULL) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "%s listen address '%s' is not an IP address",
                 is_type (g, "vnc") ? "VNC" : "SPICE", listen);
    return FALSE;
  }
  for (guint port = GRAPHICS_PORT_MIN; port <= GRAPHICS_PORT_MAX; port++) {
    if (g_hash_table_contains (taken, GUINT_TO_POINTER (port)) || !port_is_free (address, port))
      continue;
    *out_port = (int) port;
    return TRUE;
  }
  g_set_error (error, VB_ERROR, VB_ERROR_BUSY, "no free port for %s on %s between %d and %d",
               is_type (g, "vnc") ? "VNC" : "SPICE", listen, GRAPHICS_PORT_MIN, GRAPHICS_PORT_MAX);
  return FALSE;
}


gboolean
vb_qemu_graphics_prepare (VbDomainDef *live, GHashTable *ports_in_use, GError **error)
{
  g_autoptr(GHashTable) taken = g_hash_table_new (NULL, NULL);
  GHashTableIter iter;
  gpointer port;

  g_hash_table_iter_init (&iter, ports_in_use);
  while (g_hash_table_iter_next (&iter, &port, NULL))
    g_hash_table_add (taken, port);
  /* this guest's own fixed ports are not free for its autoport ones */
  vb_qemu_graphics_add_ports (live, taken);

  for (guint i = 0; live->graphics && i < live->graphics->len; i++) {
    VbDomainGraphicsDef *g = g_ptr_array_index (live->graphics, i);
    VbGraphicsListen *first = g->listens && g->listens->len ? g_ptr_array_index (g->listens, 0) : NULL;

    if (!is_type (g, "vnc") && !is_type (g, "spice"))
      continue;
    /* libvirt's live XML names the address a display listens on */
    if (first && first->type == VB_GRAPHICS_LISTEN_ADDRESS && first->address == NULL && g->socket == NULL)
      first->address = g_strdup (VB_QEMU_DEFAULT_LISTEN);
    /* Both kinds take their automatic port from here, VNC too although
     * qemu could pick one itself: one allocator for every display of
     * every guest, so two guests starting at once never reach for the
     * same port (libvirt allocates them the same way). */
    if (vb_qemu_graphics_socket (g) == NULL && (g->autoport || g->port <= 0)) {
      if (!allocate_port (g, taken, &g->port, error))
        return FALSE;
      g_hash_table_add (taken, GUINT_TO_POINTER (g->port));
    }
  }
  return TRUE;
}

gboolean
vb_qemu_graphics_has_spice (const VbDomainDef *def)
{
  for (guint i = 0; def->graphics && i < def->graphics->len; i++)
    if (is_type (g_ptr_array_index (def->graphics, i), "spice"))
      return TRUE;
  return FALSE;
}

void
vb_qemu_graphics_fill_spice_port (VbDomainDef *live, gint64 port)
{
  if (port <= 0 || port > GRAPHICS_PORT_MAX)
    return;
  for (guint i = 0; live->graphics && i < live->graphics->len; i++) {
    VbDomainGraphicsDef *g = g_ptr_array_index (live->graphics, i);

    if (is_type (g, "spice"))
      g->port = (int) port;
  }
}

/* Open graphics fd --------------------------------------------------------- */

/* "getfd" and "add_client" go out together (qemu answers in order); the
 * call ends with the second answer. */
typedef struct {
  GTask *task;
  int client_fd;     /* ours until handed to the caller */
  char *getfd_error;
  guint pending;
} OpenFd;

static void
open_fd_unref (OpenFd *op)
{
  if (--op->pending > 0)
    return;
  if (op->client_fd >= 0)
    close (op->client_fd);
  g_free (op->getfd_error);
  g_object_unref (op->task);
  g_free (op);
}

static void
getfd_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  OpenFd *op = user_data;
  g_autoptr(GError) error = NULL;

  if (!vb_qemu_monitor_finish (VB_QEMU_MONITOR (source), result, &error))
    op->getfd_error = g_strdup (error->message);
  open_fd_unref (op);
}

static void
add_client_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  OpenFd *op = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok = vb_qemu_monitor_finish (VB_QEMU_MONITOR (source), result, &error);
  g_autoptr(GUnixFDList) fd_list = NULL;
  int index;

  /* add_client takes the fd out of qemu's table, whether it succeeds or
   * not: nothing is left behind in qemu */
  if (op->getfd_error || !ok) {
    g_task_return_new_error (op->task, VB_ERROR, VB_ERROR_FAILED, "cannot connect to the graphics display: %s",
                             op->getfd_error ? op->getfd_error : error->message);
    open_fd_unref (op);
    return;
  }
  fd_list = g_unix_fd_list_new ();
  index = g_unix_fd_list_append (fd_list, op->client_fd, &error);
  if (index < 0) {
    g_task_return_new_error (op->task, VB_ERROR, VB_ERROR_FAILED, "cannot pass the graphics socket: %s",
                             error->message);
    open_fd_unref (op);
    return;
  }
  vb_driver_task_return_with_fds (op->task, g_variant_new_handle (index), fd_list);
  open_fd_unref (op);
}

void
vb_qemu_graphics_open_fd (VbQemuMonitor *mon, const VbDomainDef *live, guint idx, guint flags,
                          GTask *task)
{
  static guint serial;
  const VbDomainGraphicsDef *g;
  g_autofree char *fdname = NULL;
  OpenFd *op;
  int pair[2];

  if (live->graphics == NULL || idx >= live->graphics->len) {
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_INVALID_ARG,
                             "no graphics device with index %u (the domain has %u)", idx,
                             live->graphics ? live->graphics->len : 0);
    return;
  }
  g = g_ptr_array_index (live->graphics, idx);
  if (!is_type (g, "vnc") && !is_type (g, "spice")) {
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                             "can only open VNC or SPICE graphics, not '%s'", g->type);
    return;
  }
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
    int saved = errno;

    g_task_return_new_error (task, VB_ERROR, VB_ERROR_IO, "cannot create a socket pair: %s",
                             g_strerror (saved));
    return;
  }
  fdname = g_strdup_printf ("graphicsfd%u", ++serial);
  op = g_new0 (OpenFd, 1);
  op->task = g_object_ref (task);
  op->client_fd = pair[1];
  op->pending = 2;
  vb_qemu_monitor_getfd_async (mon, fdname, pair[0], NULL, getfd_reply, op);
  vb_qemu_monitor_add_client_async (mon, g->type, fdname, (flags & VB_QEMU_OPEN_GRAPHICS_SKIPAUTH) != 0, NULL,
                                    add_client_reply, op);
}
