/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-error.h"

G_DEFINE_QUARK (vb-error-quark, vb_error)
