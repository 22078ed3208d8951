/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#define VB_BENCH_ECHO_NAME "org.virtbus.BenchEcho"
#define VB_BENCH_ECHO_PATH "/echo"
#define VB_BENCH_ECHO_IFACE "org.virtbus.BenchEcho"

/* Runs the reference server on the session bus until the bus goes away or a
 * signal ends the process; returns an exit status. */
int vb_bench_echo_server_run (void);

/* Fills @buf (at least 64 bytes) with the path of the @index-th fake domain:
 * the same shape and length as a real domain path of the test driver. */
void vb_bench_fake_domain_path (char *buf, gsize size, guint index);
