/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__VIRTBUS_H_INSIDE__) && !defined(VIRTBUS_COMPILATION)
#error "Only <virtbus.h> can be included directly."
#endif

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * VIRTBUS_ERROR:
 *
 * The error domain of every error the library reports (except
 * %G_IO_ERROR_CANCELLED for a cancelled call).
 *
 * Since: 1.0
 */
#define VIRTBUS_ERROR (virtbus_error_quark ())

/**
 * VirtbusError:
 * @VIRTBUS_ERROR_FAILED: anything not covered below
 * @VIRTBUS_ERROR_NOT_FOUND: no such domain, network, portgroup, metadata…
 * @VIRTBUS_ERROR_INVALID_XML: not well-formed, or not the document asked for
 * @VIRTBUS_ERROR_INVALID_CONFIG: well-formed, but breaks a rule of the format
 * @VIRTBUS_ERROR_INVALID_ARGUMENT: a flag, size or value the call cannot take
 * @VIRTBUS_ERROR_INVALID_STATE: the object is in the wrong state (e.g. starting a running domain)
 * @VIRTBUS_ERROR_NOT_SUPPORTED: the driver cannot do this
 * @VIRTBUS_ERROR_PERMISSION_DENIED: the caller may not do this
 * @VIRTBUS_ERROR_EXISTS: the name or UUID is already taken
 * @VIRTBUS_ERROR_NOT_CONNECTED: virtbusd is not running or the bus went away
 * @VIRTBUS_ERROR_BUSY: a resource the call needs is in use, or a pool of them is exhausted
 * @VIRTBUS_ERROR_IO: the daemon could not read or write its state, or run a helper
 *
 * Error codes of %VIRTBUS_ERROR.  virtbusd sends each code under its own
 * D-Bus error name (org.libvirt.Error.NotFound, …) to the library, which
 * asks for those names when it connects; other clients receive every
 * failure as org.libvirt.Error.
 *
 * Since: 1.0
 */
typedef enum {
  VIRTBUS_ERROR_FAILED,
  VIRTBUS_ERROR_NOT_FOUND,
  VIRTBUS_ERROR_INVALID_XML,
  VIRTBUS_ERROR_INVALID_CONFIG,
  VIRTBUS_ERROR_INVALID_ARGUMENT,
  VIRTBUS_ERROR_INVALID_STATE,
  VIRTBUS_ERROR_NOT_SUPPORTED,
  VIRTBUS_ERROR_PERMISSION_DENIED,
  VIRTBUS_ERROR_EXISTS,
  VIRTBUS_ERROR_NOT_CONNECTED,
  VIRTBUS_ERROR_BUSY,
  VIRTBUS_ERROR_IO,
} VirtbusError;

GQuark virtbus_error_quark (void);

G_END_DECLS
