/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The domain logic every driver shares (drivers/core/vb-domain.c and the
 * definition helpers): what the QEMU and test drivers both call for
 * SetMemory, SetVcpus, GetStats and their state checks. */
#include <glib.h>
#include <string.h>

#include "vb-domain.h"
#include "vb-driver.h"
#include "vb-driver-ops.h"
#include "vb-domain-def.h"
#include "vb-error.h"
#include "vb-test-common.h"

#define DOMAIN_XML \
  "<domain type='qemu'><name>d</name><uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>" \
  "<memory unit='KiB'>4096</memory><currentMemory unit='KiB'>2048</currentMemory>" \
  "<vcpu current='2'>4</vcpu><os><type arch='x86_64'>hvm</type></os></domain>"

/* A persistent domain, running (with a live copy of its definition) when
 * @running. */
static VbDomain *
domain_new (gboolean running, gboolean persistent)
{
  VbDomain *dom = vb_domain_new (vb_test_parse_domain (DOMAIN_XML), persistent);

  if (running) {
    vb_domain_set_live_def (dom, vb_domain_def_copy (vb_domain_get_def (dom)));
    vb_domain_set_state (dom, VB_DOMAIN_RUNNING, VB_DOMAIN_RUNNING_BOOTED);
  }
  return dom;
}

static void
test_current_values (void)
{
  g_autoptr(VbDomainDef) def = vb_test_parse_domain (DOMAIN_XML);

  g_assert_cmpuint (vb_domain_def_get_current_memory (def), ==, 2048);
  g_assert_cmpuint (vb_domain_def_get_current_vcpus (def), ==, 2);
  /* without <currentMemory> or current='': the maximum */
  def->current_memory_kib = 0;
  def->current_vcpus = 0;
  g_assert_cmpuint (vb_domain_def_get_current_memory (def), ==, 4096);
  g_assert_cmpuint (vb_domain_def_get_current_vcpus (def), ==, 4);
}

static void
test_check_running (void)
{
  g_autoptr(VbDomain) off = domain_new (FALSE, TRUE);
  g_autoptr(VbDomain) on = domain_new (TRUE, TRUE);
  g_autoptr(GError) error = NULL;

  g_assert_true (vb_domain_check_active (on, NULL));
  g_assert_false (vb_domain_check_active (off, &error));
  vb_test_assert_error (error, VB_ERROR, VB_ERROR_INVALID_STATE, "domain 'd' is not running");
  g_clear_error (&error);
  /* a driver's own condition, in the same words */
  g_assert_false (vb_domain_check_running (on, FALSE, &error));
  vb_test_assert_error (error, VB_ERROR, VB_ERROR_INVALID_STATE, "domain 'd' is not running");
}

static void
test_state_refusals (void)
{
  g_autoptr(VbDomain) on = domain_new (TRUE, TRUE);
  g_autoptr(VbDomain) transient = domain_new (TRUE, FALSE);
  g_autoptr(GError) error = NULL;

  g_assert_true (vb_domain_check_not_running (on, FALSE, NULL));
  g_assert_false (vb_domain_check_not_running (on, TRUE, &error));
  vb_test_assert_error (error, VB_ERROR, VB_ERROR_INVALID_STATE, "domain 'd' is already running");
  g_clear_error (&error);

  g_assert_false (vb_domain_check_can_resume (on, &error));
  vb_test_assert_error (error, VB_ERROR, VB_ERROR_INVALID_STATE, "domain 'd' is not paused");
  g_clear_error (&error);
  g_assert_true (vb_domain_check_can_suspend (on, NULL));
  vb_domain_set_state (on, VB_DOMAIN_PAUSED, VB_DOMAIN_PAUSED_USER);
  g_assert_false (vb_domain_check_can_suspend (on, &error));
  vb_test_assert_error (error, VB_ERROR, VB_ERROR_INVALID_STATE, "domain 'd' is already paused");
  g_clear_error (&error);
  g_assert_true (vb_domain_check_can_resume (on, NULL));

  g_assert_true (vb_domain_check_can_managed_save (on, NULL));
  g_assert_false (vb_domain_check_can_managed_save (transient, &error));
  vb_test_assert_error (error, VB_ERROR, VB_ERROR_INVALID_STATE, "cannot do managed save for transient domain 'd'");
  g_clear_error (&error);

  g_assert_true (vb_domain_check_can_undefine (on, 0, NULL));
  vb_domain_set_managed_save (on, TRUE);
  g_assert_true (vb_domain_check_can_undefine (on, VB_DOMAIN_UNDEFINE_MANAGED_SAVE, NULL));
  g_assert_false (vb_domain_check_can_undefine (on, 0, &error));
  vb_test_assert_error (error, VB_ERROR, VB_ERROR_INVALID_STATE, "while a managed save image exists");
}

static void
test_def_set_memory (void)
{
  g_autoptr(VbDomainDef) def = vb_test_parse_domain (DOMAIN_XML);
  g_autoptr(GError) error = NULL;

  g_assert_true (vb_domain_def_set_memory (def, 3072, 0, NULL));
  g_assert_cmpuint (def->current_memory_kib, ==, 3072);
  g_assert_false (vb_domain_def_set_memory (def, 8192, 0, &error));
  vb_test_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "cannot set memory higher than max memory");
  g_clear_error (&error);
  g_assert_cmpuint (def->current_memory_kib, ==, 3072);

  /* a lower maximum takes the current memory down with it */
  g_assert_true (vb_domain_def_set_memory (def, 1024, VB_DOMAIN_MEM_MAXIMUM, NULL));
  g_assert_cmpuint (def->memory_kib, ==, 1024);
  g_assert_cmpuint (def->current_memory_kib, ==, 1024);
  g_assert_true (vb_domain_def_set_memory (def, 8192, VB_DOMAIN_MEM_MAXIMUM, NULL));
  g_assert_cmpuint (def->memory_kib, ==, 8192);
  g_assert_cmpuint (def->current_memory_kib, ==, 1024);

  def->max_memory_kib = 16384;
  g_assert_false (vb_domain_def_set_memory (def, 32768, VB_DOMAIN_MEM_MAXIMUM, &error));
  vb_test_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "greater than the maximum memory size");
  g_assert_cmpuint (def->memory_kib, ==, 8192);
}

static void
test_def_set_vcpus (void)
{
  g_autoptr(VbDomainDef) def = vb_test_parse_domain (DOMAIN_XML);
  g_autoptr(GError) error = NULL;

  g_assert_true (vb_domain_def_set_vcpus (def, 3, 0, NULL));
  g_assert_cmpuint (def->current_vcpus, ==, 3);
  g_assert_false (vb_domain_def_set_vcpus (def, 5, 0, &error));
  vb_test_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "requested cpu amount exceeds maximum (5 > 4)");
  g_assert_cmpuint (def->current_vcpus, ==, 3);

  g_assert_true (vb_domain_def_set_vcpus (def, 2, VB_DOMAIN_VCPU_MAXIMUM, NULL));
  g_assert_cmpuint (def->vcpus, ==, 2);
  g_assert_cmpuint (def->current_vcpus, ==, 2);
  g_assert_true (vb_domain_def_set_vcpus (def, 8, VB_DOMAIN_VCPU_MAXIMUM, NULL));
  g_assert_cmpuint (def->vcpus, ==, 8);
  g_assert_cmpuint (def->current_vcpus, ==, 2);
}

static void
test_resolve_set_memory (void)
{
  g_autoptr(VbDomain) off = domain_new (FALSE, TRUE);
  g_autoptr(VbDomain) on = domain_new (TRUE, TRUE);
  g_autoptr(GError) error = NULL;
  guint flags = 0;

  g_assert_false (vb_domain_resolve_set_memory (on, 0, &flags, FALSE, &error));
  vb_test_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "memory size must be greater than zero");
  g_clear_error (&error);

  /* current: live for a running domain, config for an inactive one */
  g_assert_true (vb_domain_resolve_set_memory (on, 1024, &flags, FALSE, NULL));
  g_assert_cmpuint (flags, ==, VB_DOMAIN_AFFECT_LIVE);
  flags = 0;
  g_assert_true (vb_domain_resolve_set_memory (off, 1024, &flags, FALSE, NULL));
  g_assert_cmpuint (flags, ==, VB_DOMAIN_AFFECT_CONFIG);

  flags = VB_DOMAIN_MEM_MAXIMUM;
  g_assert_false (vb_domain_resolve_set_memory (on, 1024, &flags, FALSE, &error));
  vb_test_assert_error (error, VB_ERROR, VB_ERROR_INVALID_STATE, "cannot resize the maximum memory on an active domain");
  g_clear_error (&error);
  flags = VB_DOMAIN_MEM_MAXIMUM | VB_DOMAIN_AFFECT_CONFIG;
  g_assert_true (vb_domain_resolve_set_memory (on, 1024, &flags, FALSE, NULL));

  /* both definitions at once: the QEMU driver's way, not the test driver's */
  flags = VB_DOMAIN_AFFECT_LIVE | VB_DOMAIN_AFFECT_CONFIG;
  g_assert_true (vb_domain_resolve_set_memory (on, 1024, &flags, FALSE, NULL));
  g_assert_false (vb_domain_resolve_set_memory (on, 1024, &flags, TRUE, &error));
  vb_test_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "mutually exclusive");
  g_clear_error (&error);

  flags = VB_DOMAIN_AFFECT_LIVE;
  g_assert_false (vb_domain_resolve_set_memory (off, 1024, &flags, FALSE, &error));
  vb_test_assert_error (error, VB_ERROR, VB_ERROR_INVALID_STATE, "is not running");
}

static void
test_resolve_set_vcpus (void)
{
  g_autoptr(VbDomain) transient = domain_new (TRUE, FALSE);
  g_autoptr(GError) error = NULL;
  guint flags = 0;

  g_assert_false (vb_domain_resolve_set_vcpus (transient, 0, 0, &flags, &error));
  vb_test_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "vCPU count must be at least 1");
  g_clear_error (&error);
  g_assert_false (vb_domain_resolve_set_vcpus (transient, 33, 32, &flags, &error));
  vb_test_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARG,
                "requested cpu amount exceeds maximum supported amount (33 > 32)");
  g_clear_error (&error);
  /* no limit */
  g_assert_true (vb_domain_resolve_set_vcpus (transient, 33, 0, &flags, NULL));
  g_assert_cmpuint (flags, ==, VB_DOMAIN_AFFECT_LIVE);

  flags = VB_DOMAIN_AFFECT_CONFIG;
  g_assert_false (vb_domain_resolve_set_vcpus (transient, 1, 0, &flags, &error));
  vb_test_assert_error (error, VB_ERROR, VB_ERROR_INVALID_STATE, "has no persistent config");
}

static void
test_stats (void)
{
  g_autoptr(VbDomain) dom = domain_new (TRUE, TRUE);
  g_autoptr(GVariant) all = NULL;
  g_autoptr(GVariant) some = NULL;
  GVariantBuilder b;
  VbDomainDef *live = vb_domain_def_copy (vb_domain_get_live_def (dom));
  gint32 i32;
  guint64 u64;
  guint32 u32;

  /* the current definition is the live one */
  live->current_memory_kib = 1024;
  vb_domain_set_live_def (dom, live);
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{sv}"));
  vb_domain_add_stats (dom, VB_DOMAIN_STATS_STATE | VB_DOMAIN_STATS_BALLOON | VB_DOMAIN_STATS_VCPU, &b);
  all = g_variant_ref_sink (g_variant_builder_end (&b));
  g_assert_cmpuint (g_variant_n_children (all), ==, 6);
  g_assert_true (g_variant_lookup (all, "state.state", "i", &i32));
  g_assert_cmpint (i32, ==, VB_DOMAIN_RUNNING);
  g_assert_true (g_variant_lookup (all, "state.reason", "i", &i32));
  g_assert_cmpint (i32, ==, VB_DOMAIN_RUNNING_BOOTED);
  g_assert_true (g_variant_lookup (all, "balloon.current", "t", &u64));
  g_assert_cmpuint (u64, ==, 1024);
  g_assert_true (g_variant_lookup (all, "balloon.maximum", "t", &u64));
  g_assert_cmpuint (u64, ==, 4096);
  g_assert_true (g_variant_lookup (all, "vcpu.current", "u", &u32));
  g_assert_cmpuint (u32, ==, 2);
  g_assert_true (g_variant_lookup (all, "vcpu.maximum", "u", &u32));
  g_assert_cmpuint (u32, ==, 4);

  /* groups a driver answers itself are left to it */
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{sv}"));
  vb_domain_add_stats (dom, VB_DOMAIN_STATS_CPU_TOTAL | VB_DOMAIN_STATS_VCPU, &b);
  some = g_variant_ref_sink (g_variant_builder_end (&b));
  g_assert_cmpuint (g_variant_n_children (some), ==, 2);
}

static void
test_op_unsupported (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (vb_op_unsupported (VB_OP_DOMAIN_SET_MEMORY, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
  g_assert_true (g_str_has_prefix (error->message, "not supported by this driver: "));
  g_assert_nonnull (strstr (error->message, vb_op_get_info (VB_OP_DOMAIN_SET_MEMORY)->name));
}

static void
test_op_get_info_and_vcpus (void)
{
  g_autoptr(VbDomain) dom = domain_new (TRUE, TRUE);
  g_autoptr(GVariant) info = g_variant_ref_sink (vb_op_domain_get_info (dom, 7));
  g_autoptr(GVariant) args = NULL;
  g_autoptr(GVariant) out = NULL;
  g_autoptr(GError) error = NULL;
  /* (ututu): the memory slot is 32 bits, the vCPU one 64 */
  guint32 state, cur, cpu;
  guint64 max, vcpus;

  g_variant_get (info, "(ututu)", &state, &max, &cur, &vcpus, &cpu);
  g_assert_cmpuint (state, ==, VB_DOMAIN_RUNNING);
  g_assert_cmpuint (max, ==, 4096);
  g_assert_cmpuint (cur, ==, 2048);
  g_assert_cmpuint (vcpus, ==, 2);
  g_assert_cmpuint (cpu, ==, 7);

  args = g_variant_ref_sink (g_variant_new ("(u)", VB_DOMAIN_VCPU_MAXIMUM | VB_DOMAIN_AFFECT_CONFIG));
  g_assert_true (vb_op_domain_get_vcpus (dom, args, &out, NULL));
  g_assert_cmpuint (g_variant_get_uint32 (out), ==, 4);
  g_clear_pointer (&out, g_variant_unref);
  g_clear_pointer (&args, g_variant_unref);
  args = g_variant_ref_sink (g_variant_new ("(u)", 0));
  g_assert_true (vb_op_domain_get_vcpus (dom, args, &out, NULL));
  g_assert_cmpuint (g_variant_get_uint32 (out), ==, 2);
  g_clear_pointer (&args, g_variant_unref);
  args = g_variant_ref_sink (g_variant_new ("(u)", VB_DOMAIN_AFFECT_LIVE | VB_DOMAIN_AFFECT_CONFIG));
  g_assert_false (vb_op_domain_get_vcpus (dom, args, &out, &error));
  vb_test_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "mutually exclusive");
}

static void
test_op_cpu_model_names (void)
{
  static const char *const models[] = { "qemu64", "Haswell", NULL };
  g_autoptr(GVariant) args = g_variant_ref_sink (g_variant_new ("(su)", "x86_64", 0));
  g_autoptr(GVariant) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree const char **names = NULL;

  g_assert_true (vb_op_get_cpu_model_names (args, models, &out, NULL));
  names = g_variant_get_strv (out, NULL);
  g_assert_cmpstrv (names, models);
  g_clear_pointer (&args, g_variant_unref);
  args = g_variant_ref_sink (g_variant_new ("(su)", "aarch64", 0));
  g_assert_false (vb_op_get_cpu_model_names (args, models, &out, &error));
  vb_test_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "cannot find architecture aarch64");
}

static void
test_op_checks (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (vb_op_check_cell (-1, 1, NULL));
  g_assert_true (vb_op_check_cell (1, 2, NULL));
  g_assert_false (vb_op_check_cell (1, 1, &error));
  vb_test_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "cell number 1 out of range");
  g_clear_error (&error);
  g_assert_false (vb_op_check_cell (-2, 2, &error));
  g_clear_error (&error);

  g_assert_true (vb_op_check_cell_range (0, 0, 1, NULL));
  g_assert_true (vb_op_check_cell_range (1, 5, 2, NULL));
  g_assert_false (vb_op_check_cell_range (0, -1, 2, &error));
  vb_test_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "Range exceeds available cells");
  g_clear_error (&error);
  g_assert_false (vb_op_check_cell_range (2, 1, 2, NULL));

  g_assert_true (vb_path_check_absolute ("/tmp/x", NULL));
  g_assert_false (vb_path_check_absolute ("x", &error));
  vb_test_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "path 'x' is not absolute");
}

static void
record_lifecycle (VbDriver *driver, GObject *object, const VbEvent *event, GString *seen)
{
  if (event->kind == VB_EVENT_DOMAIN_LIFECYCLE)
    g_string_append_printf (seen, "%d/%d ", event->lifecycle.event, event->lifecycle.detail);
}

static void
test_started_stopped (void)
{
  g_autoptr(VbDriver) driver = vb_test_bare_driver_new ();
  g_autoptr(VbDomain) dom = domain_new (FALSE, FALSE);
  g_autoptr(GString) seen = g_string_new ("");
  g_autofree char *expected = NULL;
  int reason;

  g_signal_connect (driver, "event", G_CALLBACK (record_lifecycle), seen);
  vb_domain_set_managed_save (dom, TRUE);
  vb_driver_add_domain (driver, dom);
  vb_driver_domain_started (driver, dom, vb_domain_def_copy (vb_domain_get_def (dom)), TRUE,
                            VB_DOMAIN_RUNNING_BOOTED, FALSE);
  g_assert_cmpint (vb_domain_get_id (dom), >, 0);
  g_assert_cmpint (vb_domain_get_live_def (dom)->id, ==, vb_domain_get_id (dom));
  g_assert_cmpint (vb_domain_get_state (dom, &reason), ==, VB_DOMAIN_PAUSED);
  g_assert_cmpint (reason, ==, VB_DOMAIN_PAUSED_USER);
  g_assert_true (vb_domain_has_managed_save (dom));
  vb_driver_emit_domain_started (driver, dom, VB_DOMAIN_EVENT_STARTED_BOOTED, TRUE);
  expected = g_strdup_printf ("%d/%d %d/%d ", VB_DOMAIN_EVENT_STARTED, VB_DOMAIN_EVENT_STARTED_BOOTED,
                              VB_DOMAIN_EVENT_SUSPENDED, VB_DOMAIN_EVENT_SUSPENDED_PAUSED);
  g_assert_cmpstr (seen->str, ==, expected);

  /* a transient domain leaves the registry when it stops */
  vb_driver_domain_stopped (driver, dom, VB_DOMAIN_SHUTOFF_DESTROYED);
  g_assert_cmpint (vb_domain_get_id (dom), ==, -1);
  g_assert_null (vb_domain_get_live_def (dom));
  g_assert_cmpint (vb_domain_get_state (dom, &reason), ==, VB_DOMAIN_SHUTOFF);
  g_assert_cmpint (reason, ==, VB_DOMAIN_SHUTOFF_DESTROYED);
  g_assert_null (vb_driver_lookup_domain_by_name (driver, "d"));

  vb_driver_domain_started (driver, dom, vb_domain_def_copy (vb_domain_get_def (dom)), FALSE,
                            VB_DOMAIN_RUNNING_RESTORED, TRUE);
  g_assert_cmpint (vb_domain_get_state (dom, &reason), ==, VB_DOMAIN_RUNNING);
  g_assert_cmpint (reason, ==, VB_DOMAIN_RUNNING_RESTORED);
  g_assert_false (vb_domain_has_managed_save (dom));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/domain/current-values", test_current_values);
  g_test_add_func ("/domain/check-running", test_check_running);
  g_test_add_func ("/domain/state-refusals", test_state_refusals);
  g_test_add_func ("/domain/def-set-memory", test_def_set_memory);
  g_test_add_func ("/domain/def-set-vcpus", test_def_set_vcpus);
  g_test_add_func ("/domain/resolve-set-memory", test_resolve_set_memory);
  g_test_add_func ("/domain/resolve-set-vcpus", test_resolve_set_vcpus);
  g_test_add_func ("/domain/stats", test_stats);
  g_test_add_func ("/domain/op-unsupported", test_op_unsupported);
  g_test_add_func ("/domain/op-get-info-and-vcpus", test_op_get_info_and_vcpus);
  g_test_add_func ("/domain/op-cpu-model-names", test_op_cpu_model_names);
  g_test_add_func ("/domain/op-checks", test_op_checks);
  g_test_add_func ("/domain/started-stopped", test_started_stopped);
  return g_test_run ();
}
