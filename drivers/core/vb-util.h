/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VB_UUID_LEN 16
#define VB_UUID_STRING_LEN 36
#define VB_MAC_LEN 6

typedef struct {
  guint8 bytes[VB_UUID_LEN];
} VbUuid;

typedef struct {
  guint8 bytes[VB_MAC_LEN];
} VbMac;

/* A PCI address as libvirt writes it: domain, bus, slot, function. */
typedef struct {
  guint domain;
  guint bus;
  guint slot;
  guint function;
} VbPciAddress;

/* UUIDs: libvirt accepts the canonical 8-4-4-4-12 form and also 32 hex
 * digits with optional '-' or ' ' between byte pairs. */
gboolean vb_uuid_parse (const char *str, VbUuid *uuid, GError **error);
void vb_uuid_format (const VbUuid *uuid, char out[VB_UUID_STRING_LEN + 1]);
char *vb_uuid_to_string (const VbUuid *uuid);
void vb_uuid_generate (VbUuid *uuid);
gboolean vb_uuid_is_null (const VbUuid *uuid);
gboolean vb_uuid_equal (const VbUuid *a, const VbUuid *b);
guint vb_uuid_hash (gconstpointer uuid);
gboolean vb_uuid_equal_func (gconstpointer a, gconstpointer b);

/* MACs: "aa:bb:cc:dd:ee:ff", case-insensitive on input, lower-case out. */
gboolean vb_mac_parse (const char *str, VbMac *mac, GError **error);
void vb_mac_format (const VbMac *mac, char out[18]);
/* 52:54:00:xx:xx:xx, the QEMU/KVM prefix libvirt uses. */
void vb_mac_generate (VbMac *mac);
gboolean vb_mac_is_null (const VbMac *mac);
gboolean vb_mac_is_multicast (const VbMac *mac);

/* Tests need reproducible output (libvirt's own test suite mocks its random
 * source to produce 52:54:00:00:00:00). When set, generated MACs are all-zero
 * after the prefix and generated UUIDs count up from 0. */
void vb_util_set_deterministic (gboolean deterministic);

/* Refuses a relative @path (VB_ERROR_INVALID_ARG): files the daemon
 * writes or hands to a hypervisor are named from the root. */
gboolean vb_path_check_absolute (const char *path, GError **error);

/* Object names (domains, networks, portgroups): non-empty, valid UTF-8, no
 * '/' (libvirt refuses it because names become file names), no control
 * characters.  @what names the thing in the error ("domain name"). */
gboolean vb_name_validate (const char *name, const char *what, GError **error);

/* Atomically replaces @path with @contents: temp file in the same directory,
 * fsync, rename, fsync of the directory. */
gboolean vb_file_write_atomic (const char *path, const char *contents, gsize len, GError **error);

/* Replaces @path with @contents as a whole (temp file, rename) without
 * waiting for the disk: for run-time state under the run directory, which
 * has to survive the daemon's death (the page cache does) but means
 * nothing after a reboot, whose processes it describes are gone too. */
gboolean vb_file_write_runtime (const char *path, const char *contents, gsize len, GError **error);

G_END_DECLS
