/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the typed configurations share (virtbus-config.c); internal, like
 * virtbus-private.h, but only for the files that see the core's types. */

#include "virtbus-private.h"

#include "vb-util.h"

G_BEGIN_DECLS

/* Stores @name in @field once the daemon's rules for a @what accept it. */
G_GNUC_INTERNAL gboolean virtbus_config_set_name (char **field, const char *name,
                                                  const char *what, GError **error);
/* Stores @uuid in @field if it parses. */
G_GNUC_INTERNAL gboolean virtbus_config_set_uuid (VbUuid *field, const char *uuid,
                                                  GError **error);

G_END_DECLS
