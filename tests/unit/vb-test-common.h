/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "vb-domain-def.h"
#include "vb-driver.h"

G_BEGIN_DECLS

/* $VB_CONFORMANCE_DIR/<parts…>; the test is skipped (returns NULL) when the
 * corpus is not there. */
char *vb_test_conformance_path (const char *first_part, ...) G_GNUC_NULL_TERMINATED;

char *vb_test_read_file (const char *path);

/* Validates a formatted document against one of libvirt's RelaxNG schemas
 * in the corpus (@schema: "network.rng", "domain.rng").  Compiled schemas
 * are cached per name. */
gboolean vb_test_relaxng_validate (const char *xml, const char *schema, GError **error);

/* Normalisations the corpus README asks for: ' />' → '/>' and a missing
 * final newline added. */
char *vb_test_normalize (const char *xml);

/* Rows of a tab-separated expectations file, comment lines skipped; each row
 * is a NULL-terminated strv. */
GPtrArray *vb_test_read_tsv (const char *path);

/* A corpus test name and why it is treated specially; tables end with a
 * { NULL, NULL } row. */
typedef struct {
  const char *name;
  const char *why;
} VbTestNote;

/* The reason @name has in @notes, or NULL. */
const char *vb_test_note_lookup (const VbTestNote *notes, const char *name);

/* Prints a unified diff of @expected and @actual to stderr (via diff -u)
 * when they differ; returns whether they are equal. */
gboolean vb_test_compare (const char *name, const char *expected, const char *actual);

/* Asserts @seen holds exactly the strings of NULL-terminated @expected, in
 * order, then empties it. */
void vb_test_assert_strings (GPtrArray *seen, const char *const *expected);

/* @xml parsed (no parse flags), asserting it parses. */
VbDomainDef *vb_test_parse_domain (const char *xml);

/* Asserts @error is @domain/@code and its message holds @fragment. */
void vb_test_assert_error (const GError *error, GQuark domain, int code, const char *fragment);

/* A driver that is nothing but the core's registry and events: for the
 * core's paths on their own.  Its name is "Test". */
VbDriver *vb_test_bare_driver_new (void);

G_END_DECLS
