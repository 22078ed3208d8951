/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* libvirtbus: typed, asynchronous access to virtbusd for applications. */

#define __VIRTBUS_H_INSIDE__

#include "virtbus-connection.h"
#include "virtbus-dhcp-lease.h"
#include "virtbus-domain-config.h"
#include "virtbus-domain.h"
#include "virtbus-domain-interface-address.h"
#include "virtbus-domain-interface.h"
#include "virtbus-enum-types.h"
#include "virtbus-enums.h"
#include "virtbus-error.h"
#include "virtbus-network-config.h"
#include "virtbus-network-portgroup.h"
#include "virtbus-network.h"
#include "virtbus-object.h"
#include "virtbus-virtual-port.h"

#undef __VIRTBUS_H_INSIDE__
