/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "vb-domain-def.h"

G_BEGIN_DECLS

/* Firmware descriptors: the JSON files (QEMU's docs/interop/firmware.json)
 * that firmware packages install, e.g. Debian's ovmf under
 * /usr/share/qemu/firmware.  They say which binary implements which
 * interface (uefi, bios) for which architecture and machine types, with
 * which features, and which file is the template of its variable store. */
typedef struct {
  char *name;            /* the file name: it orders and overrides descriptors */
  char *description;
  GStrv interface_types; /* uefi, bios, … */
  char *device;          /* flash, memory, kernel */
  char *mode;            /* flash: split (default), combined, stateless */
  char *executable;
  char *executable_format;
  char *nvram_template;  /* split flash only */
  char *nvram_template_format;
  GPtrArray *targets;    /* VbQemuFirmwareTarget* */
  GStrv features;        /* secure-boot, enrolled-keys, requires-smm, … */
} VbQemuFirmware;

typedef struct {
  char *architecture;
  GStrv machines;        /* globs, "pc-q35-*" */
} VbQemuFirmwareTarget;

void vb_qemu_firmware_free (VbQemuFirmware *fw);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbQemuFirmware, vb_qemu_firmware_free)

/* One descriptor file; a file the format does not describe is an error. */
VbQemuFirmware *vb_qemu_firmware_parse (const char *path, GError **error);

/* Every descriptor in @dirs (lowest priority first), ordered by file name;
 * a file in a later directory replaces one of the same name in an earlier
 * one, and an empty file hides it.  Files that cannot be parsed are
 * logged and left out.  NULL @dirs means the standard places:
 * /usr/share/qemu/firmware, /etc/qemu/firmware and, for the session
 * daemon (@user), $XDG_CONFIG_HOME/qemu/firmware. */
GPtrArray *vb_qemu_firmware_load (const char *const *dirs, gboolean user);

/* The first of @firmwares (as loaded) that implements @interface ("uefi")
 * for @arch and @machine (a full machine name, "pc-q35-7.2") and has
 * every feature of @required and none of @forbidden.  Secure Boot and
 * enrolled keys are only picked when @required names them; descriptors
 * needing what the driver cannot give (a kernel device, a stateless or
 * combined flash, a format other than raw) are never picked. */
const VbQemuFirmware *vb_qemu_firmware_select (GPtrArray *firmwares, const char *interface, const char *arch,
                                               const char *machine, const char *const *required,
                                               const char *const *forbidden);

/* Whether @fw can run @machine of @arch. */
gboolean vb_qemu_firmware_matches_machine (const VbQemuFirmware *fw, const char *arch, const char *machine);
gboolean vb_qemu_firmware_has_feature (const VbQemuFirmware *fw, const char *feature);

/* <os><loader> and <os><nvram> of @def: NULL when absent. */
xmlNode *vb_qemu_firmware_loader (const VbDomainDef *def);
xmlNode *vb_qemu_firmware_nvram (const VbDomainDef *def);

/* What libvirt settles when a definition is made: <os firmware='efi'>
 * without a loader gets the loader and the NVRAM template of the first
 * descriptor that fits @machine (the full machine name) and the features
 * asked for in <os><firmware>; a read-only pflash loader without an NVRAM
 * path gets the per-domain file <nvram_dir>/<name>_VARS.fd, with the
 * template of the descriptor of that loader when there is one.  Nothing
 * fitting is an error and leaves @def unchanged. */
gboolean vb_qemu_firmware_fill_domain (VbDomainDef *def, GPtrArray *firmwares, const char *machine,
                                       const char *nvram_dir, GError **error);

G_END_DECLS
