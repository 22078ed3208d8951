/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* libvirt's capabilities document (virCapabilitiesFormatXML) as every
 * driver writes it: the builders below append its fixed parts at libvirt's
 * indentation, in document order; a driver writes what is its own (host
 * CPU details, machines, domain types) between them. */

/* One host CPU of a NUMA cell; libvirt's siblings are the CPU itself. */
typedef struct {
  guint id;
  guint socket_id;
  guint core_id;
} VbCapsCpu;

/* Free pages of one size in a cell. */
typedef struct {
  guint size_kib;
  guint64 count;
} VbCapsPages;

/* "<capabilities>" and the opening of <host>. */
GString *vb_caps_new (void);
/* <pages unit='KiB' size='N'/> of the host <cpu>, one per size. */
void vb_caps_append_cpu_pages (GString *s, const guint *sizes_kib, guint n_sizes);
/* Closes the host <cpu>, then power management, IOMMU and the opening of
 * @n_cells NUMA cells. */
void vb_caps_append_topology_start (GString *s, guint n_cells);
void vb_caps_append_cell (GString *s, guint id, guint64 memory_kib, const VbCapsPages *pages, guint n_pages,
                          const VbCapsCpu *cpus, guint n_cpus);
/* Closes the cells, the security model, closes <host>. */
void vb_caps_append_host_end (GString *s, const char *secmodel, const char *doi);
/* Opens a <guest> and its <arch>: OS type, arch, word size, emulator. */
void vb_caps_append_guest_start (GString *s, const char *os_type, const char *arch, guint wordsize,
                                 const char *emulator);
/* Closes <arch>, @features (lines as they go inside <features>), <guest>. */
void vb_caps_append_guest_end (GString *s, const char *features);
/* Closes the document and hands it over. */
char *vb_caps_free_to_string (GString *s);

G_END_DECLS
