/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "vb-driver.h"

G_BEGIN_DECLS

/* What a front end tells every driver it starts. */
typedef struct {
  /* system paths (/etc, /run) and the system bus's rules, or the user's */
  gboolean system;
  /* when set, holds all configuration and run-time state (tests) */
  const char *state_dir;
} VbDriverConfig;

/* One constructor shape for every driver, so that a front end starts
 * whatever the build holds without knowing any of them. */
typedef VbDriver *(*VbDriverNewFunc) (const VbDriverConfig *config);

typedef struct {
  const char *name; /* the driver's folder and build option: "test", "qemu" */
  VbDriverNewFunc new;
} VbDriverEntry;

/* The drivers this build holds, in the order drivers/meson.build adds them,
 * ending with an entry whose name is NULL.  Defined by the table generated
 * in drivers/, so a front end links that table, not the drivers' headers. */
const VbDriverEntry *vb_driver_registry_get_builtin (void);

G_END_DECLS
