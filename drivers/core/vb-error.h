/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VB_ERROR (vb_error_quark ())

/* Every failure the driver core reports carries one of these codes.  The
 * service sends each as org.libvirt.Error on the bus, or, to a caller that
 * asked for it, as the code's own D-Bus name (introspection/vb-error-table.h,
 * which the client library shares), so applications can react without
 * string matching.  A new code goes at the end and into that table. */
typedef enum {
  VB_ERROR_FAILED,          /* anything not covered below */
  VB_ERROR_INVALID_XML,     /* not well-formed, or not the document asked for */
  VB_ERROR_INVALID_CONFIG,  /* well-formed but violates a rule (names the element) */
  VB_ERROR_INVALID_ARG,     /* a flag, name, size or value the call cannot take */
  VB_ERROR_NOT_FOUND,       /* no such domain, network, portgroup, … */
  VB_ERROR_EXISTS,          /* name or UUID already taken */
  VB_ERROR_INVALID_STATE,   /* e.g. starting a running domain */
  VB_ERROR_NOT_SUPPORTED,   /* the driver cannot do this */
  VB_ERROR_PERMISSION_DENIED,
  VB_ERROR_BUSY,            /* exclusive resource in use, pool exhausted */
  VB_ERROR_IO,              /* config store, /run, processes */
} VbErrorCode;

#define VB_ERROR_N_CODES (VB_ERROR_IO + 1)

GQuark vb_error_quark (void);

/* The code @error stands for: its own in %VB_ERROR, the nearest one for
 * the GIO, GLib file and D-Bus errors that reach a caller unconverted
 * (fwupd_error_convert's idea, at the one place errors leave the core),
 * else %VB_ERROR_FAILED. */
VbErrorCode vb_error_get_code (const GError *error);
/* The D-Bus error name of @code ("org.libvirt.Error" for FAILED). */
const char *vb_error_get_dbus_name (VbErrorCode code);
/* libvirt's virErrorNumber for @code, or -1 where the object kind decides. */
int vb_error_get_libvirt_code (VbErrorCode code);

/* Sets VB_ERROR_INVALID_CONFIG with a message naming what is wrong and
 * returns FALSE, for parsers that reject as they go. */
gboolean vb_error_invalid_config (GError **error, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

G_END_DECLS
