/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A guest cgroup's device allow-list: cgroup v2 has no devices.allow, only
 * BPF_PROG_TYPE_CGROUP_DEVICE programs, so the list becomes a few
 * instructions made here (no compiler, no libbpf), as systemd and crun do
 * it.  The cgroup keeps the program once attached; it goes with the
 * cgroup. */
#include "vb-qemu-devcg.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vb-error.h"

#define INSN(c, d, s, o, i) ((struct bpf_insn) { .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define LDX_W(d, s, o) INSN (BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define AND_K(d, i) INSN (BPF_ALU | BPF_AND | BPF_K, d, 0, 0, i)
#define JNE_K(d, i, o) INSN (BPF_JMP | BPF_JNE | BPF_K, d, 0, o, i)
#define MOV_K(d, i) INSN (BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define EXIT() INSN (BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static int
bpf (int cmd, union bpf_attr *attr)
{
  return (int) syscall (SYS_bpf, cmd, attr, sizeof *attr);
}

gboolean
vb_qemu_devcg_attach (const char *cgroup_dir, const VbQemuDevRule *rules, guint n_rules, GError **error)
{
  g_autoptr(GArray) prog = g_array_new (FALSE, TRUE, sizeof (struct bpf_insn));
  char log[4096] = "";
  union bpf_attr attr;
  int prog_fd, cg_fd, saved;

  /* r2 = device type (its low half; access is the high), r3 = major,
   * r4 = minor */
  g_array_append_val (prog, LDX_W (BPF_REG_2, BPF_REG_1, offsetof (struct bpf_cgroup_dev_ctx, access_type)));
  g_array_append_val (prog, AND_K (BPF_REG_2, 0xffff));
  g_array_append_val (prog, LDX_W (BPF_REG_3, BPF_REG_1, offsetof (struct bpf_cgroup_dev_ctx, major)));
  g_array_append_val (prog, LDX_W (BPF_REG_4, BPF_REG_1, offsetof (struct bpf_cgroup_dev_ctx, minor)));
  for (guint i = 0; i < n_rules; i++) {
    const VbQemuDevRule *r = &rules[i];
    gboolean any_minor = r->minor < 0;
    /* each rule: compare, and on a mismatch jump past its "allow" */
    short skip = any_minor ? 3 : 4;

    g_array_append_val (prog, JNE_K (BPF_REG_2, r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR,
                                     skip));
    g_array_append_val (prog, JNE_K (BPF_REG_3, (gint32) r->major, skip - 1));
    if (!any_minor)
      g_array_append_val (prog, JNE_K (BPF_REG_4, (gint32) r->minor, skip - 2));
    g_array_append_val (prog, MOV_K (BPF_REG_0, 1));
    g_array_append_val (prog, EXIT ());
  }
  g_array_append_val (prog, MOV_K (BPF_REG_0, 0));
  g_array_append_val (prog, EXIT ());

  memset (&attr, 0, sizeof attr);
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (guint64) (guintptr) prog->data;
  attr.insn_cnt = prog->len;
  attr.license = (guint64) (guintptr) "GPL";
  prog_fd = bpf (BPF_PROG_LOAD, &attr);
  if (prog_fd < 0) {
    int again;

    saved = errno;
    /* again for the verifier's reason: asked for at once, a log longer
     * than the buffer fails even a good program */
    attr.log_buf = (guint64) (guintptr) log;
    attr.log_size = sizeof log - 1;
    attr.log_level = 1;
    again = bpf (BPF_PROG_LOAD, &attr);
    if (again >= 0) {
      close (again);
      *log = '\0';
    }
    g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "cannot load the device filter: %s%s%s", g_strerror (saved),
                 *log ? ": " : "", log);
    return FALSE;
  }
  cg_fd = open (cgroup_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cg_fd < 0) {
    saved = errno;
    close (prog_fd);
    g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot open %s: %s", cgroup_dir, g_strerror (saved));
    return FALSE;
  }
  memset (&attr, 0, sizeof attr);
  attr.target_fd = cg_fd;
  attr.attach_bpf_fd = prog_fd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  saved = bpf (BPF_PROG_ATTACH, &attr) < 0 ? errno : 0;
  close (cg_fd);
  close (prog_fd);
  if (saved) {
    g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "cannot attach the device filter to %s: %s", cgroup_dir,
                 g_strerror (saved));
    return FALSE;
  }
  return TRUE;
}
