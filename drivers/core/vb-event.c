/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-event.h"

gboolean
vb_event_kind_is_network (VbEventKind kind)
{
  switch (kind) {
  case VB_EVENT_NETWORK_LIFECYCLE:
    return TRUE;
  default:
    return FALSE;
  }
}
