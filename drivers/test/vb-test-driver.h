/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "vb-driver-registry.h"

G_BEGIN_DECLS

/* The embedded in-memory hypervisor: libvirt's test:///default.  Opening it
 * preloads the running domain "test" and the active network "default";
 * every operation follows libvirt's test driver (states, reasons, events),
 * nothing touches the host. */
#define VB_TYPE_TEST_DRIVER (vb_test_driver_get_type ())
G_DECLARE_FINAL_TYPE (VbTestDriver, vb_test_driver, VB, TEST_DRIVER, VbDriver)

/* Keeps nothing on disk, so @config (may be NULL) changes nothing. */
VbDriver *vb_test_driver_new (const VbDriverConfig *config);

G_END_DECLS
