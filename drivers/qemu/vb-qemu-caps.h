/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* What the installed qemu-system binary offers, learnt by asking it over
 * QMP (query-version, query-machines, query-cpu-definitions, the device
 * types and command line options) in a
 * short-lived "-S -machine none" process, so no command line ever carries
 * a machine type or CPU model this binary lacks. */
typedef struct {
  char *name;
  char *alias;        /* "pc" for the versioned default, or NULL */
  gboolean is_default;
  int cpu_max;
  gboolean deprecated;
} VbQemuMachine;

void vb_qemu_machine_free (VbQemuMachine *m);

typedef struct {
  char *emulator;     /* absolute path */
  char *arch;         /* "x86_64" */
  guint version;      /* major * 1000000 + minor * 1000 + micro */
  char *version_string;
  char *package;
  GPtrArray *machines;  /* VbQemuMachine* */
  GStrv cpu_models;     /* usable or not, as query-cpu-definitions lists them */
  GStrv usable_cpu_models; /* those without unavailable features under TCG */
  GStrv device_types;   /* what -device takes (qom-list-types implementing "device") */
  gboolean kvm_usable;  /* /dev/kvm opens read-write */
  gboolean spice;       /* -spice exists (a modular build has its module installed) */
  gboolean sandbox;     /* -sandbox exists (built with seccomp) */
} VbQemuCaps;

VbQemuCaps *vb_qemu_caps_ref (VbQemuCaps *caps);
void vb_qemu_caps_unref (VbQemuCaps *caps);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbQemuCaps, vb_qemu_caps_unref)

/* The emulator the driver uses: $VIRTBUS_QEMU, else qemu-system-x86_64 on PATH. */
char *vb_qemu_caps_default_emulator (void);

void vb_qemu_caps_probe_async (const char *emulator, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data);
VbQemuCaps *vb_qemu_caps_probe_finish (GAsyncResult *result, GError **error);

/* The result of a probe kept in a file, valid while the emulator binary
 * keeps its size and mtime: a restarted daemon need not run qemu to know
 * what it offers.  Load returns NULL for a missing, unreadable or stale
 * cache; save failures are only logged. */
VbQemuCaps *vb_qemu_caps_load_cache (const char *path, const char *emulator);
void vb_qemu_caps_save_cache (const VbQemuCaps *caps, const char *path);

/* The machine @name names (an alias resolves to its target), the default
 * machine for NULL; NULL when this qemu has no such machine. */
const VbQemuMachine *vb_qemu_caps_lookup_machine (const VbQemuCaps *caps, const char *name);
gboolean vb_qemu_caps_has_cpu_model (const VbQemuCaps *caps, const char *model);
/* Whether -device takes @type (a concrete device type of this binary). */
gboolean vb_qemu_caps_has_device (const VbQemuCaps *caps, const char *type);

G_END_DECLS
