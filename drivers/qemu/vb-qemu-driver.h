/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "vb-driver-registry.h"

G_BEGIN_DECLS

/* "QEMU": real qemu-system guests driven over QMP.  Definitions live in
 * the config store, running guests are described by status files so a
 * restarted daemon re-attaches to them. */
#define VB_TYPE_QEMU_DRIVER (vb_qemu_driver_get_type ())
G_DECLARE_FINAL_TYPE (VbQemuDriver, vb_qemu_driver, VB, QEMU_DRIVER, VbDriver)

/* @system: system paths (/etc, /run) instead of the user's; @state_dir,
 * when set, holds both config and run directories (tests). */
VbDriver *vb_qemu_driver_new (gboolean system, const char *state_dir);

/* The registry's constructor (drivers/qemu/meson.build). */
static inline VbDriver *
vb_qemu_driver_new_from_config (const VbDriverConfig *config)
{
  return vb_qemu_driver_new (config->system, config->state_dir);
}

G_END_DECLS
