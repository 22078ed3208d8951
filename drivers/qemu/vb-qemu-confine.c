/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Confined qemu for the system instance (see vb-qemu-confine.h): libvirt's
 * unprivileged qemu user with dynamic ownership, plus what libvirt does in
 * its namespace and cgroup code.  Everything the child does between fork
 * and exec is computed before the fork, in a worker thread: the child of
 * a threaded daemon may only make system calls. */
#include "vb-qemu-confine.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "vb-error.h"
#include "vb-owner.h"
#include "vb-qemu-devcg.h"
#include "vb-qemu-firmware.h"
#include "vb-xml.h"

#ifndef VB_QEMU_USER
#define VB_QEMU_USER "virtbus-qemu"
#endif

typedef enum {
  OP_TOUCH,   /* an empty file for a node to be bound over */
  OP_MKDIR,
  OP_BIND,    /* a host node (or, with MS_REC, a tree) */
  OP_SYMLINK,
  OP_TMPFS,
  OP_MKNOD,   /* a character device, 0666 */
} OpKind;

typedef struct {
  OpKind kind;
  char *src;
  char *dst;  /* under the staging directory */
  dev_t dev;
} DevOp;

struct _VbQemuConfine {
  char *key;
  char *record;   /* the files lent, for vb-owner */
  char *staging;  /* the new /dev is built here, then moved over /dev */
  char *pid_path;
  gboolean kvm;
  GPtrArray *lend;         /* char*: files qemu may write */
  GPtrArray *lend_reading; /* char*: files qemu only reads */
  GPtrArray *nodes;        /* char*: device nodes by the path qemu opens */
  GPtrArray *outputs;      /* char*: files qemu writes, made if missing */
  /* filled by prepare for the child */
  uid_t uid;
  gid_t gid;
  gid_t *groups;
  int n_groups;
  GArray *ops;             /* DevOp */
  GArray *dev_rules;       /* VbQemuDevRule: the nodes of the new /dev */
  GPtrArray *cgroup_procs; /* char*: cgroup.procs files to join */
  gboolean prepared;
  gboolean private_dev; /* a mount namespace and /dev of its own */
};

static void
dev_op_clear (gpointer data)
{
  DevOp *op = data;

  g_free (op->src);
  g_free (op->dst);
}

static void
add_path (GPtrArray *paths, const char *path)
{
  if (path && *path && !g_ptr_array_find_with_equal_func (paths, path, g_str_equal, NULL))
    g_ptr_array_add (paths, g_strdup (path));
}

VbQemuConfine *
vb_qemu_confine_new (const VbDomainDef *def, const char *run_dir, const char *key, const char *pid_path)
{
  VbQemuConfine *c = g_new0 (VbQemuConfine, 1);
  xmlNode *nvram = vb_qemu_firmware_nvram (def);
  GPtrArray *rngs = vb_domain_def_get_devices (def, VB_DOMAIN_DEVICE_RNG);

  c->key = g_strdup (key);
  c->record = g_strdup_printf ("%s/%s.owned", run_dir, key);
  c->staging = g_strdup_printf ("%s/%s.dev", run_dir, key);
  c->pid_path = g_strdup (pid_path);
  c->kvm = g_strcmp0 (def->virt_type, "kvm") == 0;
  c->lend = g_ptr_array_new_with_free_func (g_free);
  c->lend_reading = g_ptr_array_new_with_free_func (g_free);
  c->nodes = g_ptr_array_new_with_free_func (g_free);
  c->outputs = g_ptr_array_new_with_free_func (g_free);
  c->ops = g_array_new (FALSE, TRUE, sizeof (DevOp));
  g_array_set_clear_func (c->ops, dev_op_clear);
  c->dev_rules = g_array_new (FALSE, TRUE, sizeof (VbQemuDevRule));
  c->cgroup_procs = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; def->disks && i < def->disks->len; i++) {
    const VbDomainDiskDef *disk = g_ptr_array_index (def->disks, i);

    if (disk->source == NULL || (g_strcmp0 (disk->type, "file") != 0 && g_strcmp0 (disk->type, "block") != 0))
      continue;
    if (g_strcmp0 (disk->type, "block") == 0 || g_str_has_prefix (disk->source, "/dev/"))
      add_path (c->nodes, disk->source);
    add_path (disk->readonly || g_strcmp0 (disk->device, "cdrom") == 0 ? c->lend_reading : c->lend, disk->source);
  }
  if (nvram) {
    g_autofree char *path = g_strstrip (vb_xml_text (nvram));

    add_path (c->lend, path);
  }
  for (guint k = 0; k < 2; k++) {
    GPtrArray *chardevs = k == 0 ? def->serials : def->consoles;

    for (guint i = 0; chardevs && i < chardevs->len; i++) {
      const VbDomainChardevDef *chr = g_ptr_array_index (chardevs, i);

      if (g_strcmp0 (chr->source.type, "file") == 0)
        add_path (c->outputs, chr->source.path);
      add_path (c->outputs, chr->source.log_file);
    }
  }
  add_path (c->lend_reading, def->os_kernel);
  add_path (c->lend_reading, def->os_initrd);
  add_path (c->lend_reading, def->os_dtb);
  for (guint i = 0; rngs && i < rngs->len; i++) {
    xmlNode *rng = g_ptr_array_index (rngs, i);

    for (xmlNode *n = rng->children; n; n = n->next) {
      if (n->type == XML_ELEMENT_NODE && xmlStrEqual (n->name, BAD_CAST "backend")) {
        g_autofree char *path = g_strstrip (vb_xml_text (n));

        if (g_str_has_prefix (path, "/dev/"))
          add_path (c->nodes, path);
      }
    }
  }
  return c;
}

void
vb_qemu_confine_free (VbQemuConfine *c)
{
  if (c == NULL)
    return;
  g_free (c->key);
  g_free (c->record);
  g_free (c->staging);
  g_free (c->pid_path);
  g_ptr_array_unref (c->lend);
  g_ptr_array_unref (c->lend_reading);
  g_ptr_array_unref (c->nodes);
  g_ptr_array_unref (c->outputs);
  g_free (c->groups);
  g_array_unref (c->ops);
  g_array_unref (c->dev_rules);
  g_ptr_array_unref (c->cgroup_procs);
  g_free (c);
}

/* The new /dev -------------------------------------------------------------- */

static void
add_dev_rule (VbQemuConfine *c, char type, dev_t dev, gboolean any_minor)
{
  VbQemuDevRule rule = { type, major (dev), any_minor ? -1 : (gint64) minor (dev) };

  g_array_append_val (c->dev_rules, rule);
}

static void
add_op (VbQemuConfine *c, OpKind kind, const char *src, const char *dev_relative)
{
  DevOp op = { kind, g_strdup (src), g_build_filename (c->staging, dev_relative, NULL), 0 };
  struct stat st;

  if (kind == OP_BIND && g_stat (src, &st) == 0 && (S_ISCHR (st.st_mode) || S_ISBLK (st.st_mode)))
    add_dev_rule (c, S_ISBLK (st.st_mode) ? 'b' : 'c', st.st_rdev, FALSE);
  g_array_append_val (c->ops, op);
}

/* A path under /dev that stays there when put under the staging
 * directory: no "." or ".." to climb out by, no empty component. */
static gboolean
dev_path_is_plain (const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path + strlen ("/dev/"), "/", -1);

  for (guint i = 0; parts[i]; i++)
    if (*parts[i] == '\0' || strcmp (parts[i], ".") == 0 || strcmp (parts[i], "..") == 0)
      return FALSE;
  return TRUE;
}

/* A host node at @path (under /dev) as @path in the guest's /dev, with
 * the directories between. */
static void
add_node (VbQemuConfine *c, const char *src, const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path + strlen ("/dev/"), "/", -1);
  g_autoptr(GString) rel = g_string_new (NULL);

  for (guint i = 0; parts[i] && parts[i + 1]; i++) {
    g_string_append_printf (rel, "%s%s", rel->len ? "/" : "", parts[i]);
    add_op (c, OP_MKDIR, NULL, rel->str);
  }
  add_op (c, OP_TOUCH, NULL, path + strlen ("/dev/"));
  add_op (c, OP_BIND, src, path + strlen ("/dev/"));
}

static gboolean
plan_dev (VbQemuConfine *c, GError **error)
{
  static const char *const basic[] = { "null", "zero", "full", "random", "urandom", "tty", NULL };

  struct stat st;

  for (guint i = 0; basic[i]; i++) {
    g_autofree char *src = g_build_filename ("/dev", basic[i], NULL);

    add_op (c, OP_TOUCH, NULL, basic[i]);
    add_op (c, OP_BIND, src, basic[i]);
  }
  /* a node of its own, not a bind: the kernel finds a ptmx's pty instance
   * as "pts" beside it, which a bound file has not */
  if (g_stat ("/dev/ptmx", &st) < 0 || !S_ISCHR (st.st_mode)) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_IO, "/dev/ptmx is missing");
    return FALSE;
  }
  {
    DevOp op = { OP_MKNOD, NULL, g_build_filename (c->staging, "ptmx", NULL), st.st_rdev };

    g_array_append_val (c->ops, op);
    add_dev_rule (c, 'c', st.st_rdev, FALSE);
    /* the ptys it makes: UNIX98_PTY_MAJOR and the 7 after */
    for (guint m = 136; m < 144; m++)
      add_dev_rule (c, 'c', makedev (m, 0), TRUE);
  }
  /* the host's pty instance, not a new one: the live XML tells clients
   * /dev/pts/N of a serial console, which they open in the host's
   * namespace */
  add_op (c, OP_MKDIR, NULL, "pts");
  add_op (c, OP_BIND, "/dev/pts", "pts");
  add_op (c, OP_MKDIR, NULL, "shm");
  add_op (c, OP_TMPFS, NULL, "shm");
  add_op (c, OP_SYMLINK, "/proc/self/fd", "fd");
  add_op (c, OP_SYMLINK, "/proc/self/fd/0", "stdin");
  add_op (c, OP_SYMLINK, "/proc/self/fd/1", "stdout");
  add_op (c, OP_SYMLINK, "/proc/self/fd/2", "stderr");
  if (c->kvm && g_file_test ("/dev/kvm", G_FILE_TEST_EXISTS)) {
    add_node (c, "/dev/kvm", "/dev/kvm");
    /* command.c asks for vhost only for KVM guests, where it exists */
    if (g_file_test ("/dev/vhost-net", G_FILE_TEST_EXISTS))
      add_node (c, "/dev/vhost-net", "/dev/vhost-net");
  }
  for (guint i = 0; i < c->nodes->len; i++) {
    const char *path = g_ptr_array_index (c->nodes, i);
    g_autofree char *real = realpath (path, NULL);
    struct stat node;

    if (real == NULL || g_stat (real, &node) < 0 || !(S_ISBLK (node.st_mode) || S_ISCHR (node.st_mode))) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "%s is not a device node", path);
      return FALSE;
    }
    if (g_str_has_prefix (path, "/dev/") && !dev_path_is_plain (path)) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "device path %s is not in canonical form", path);
      return FALSE;
    }
    /* the cgroup lets it through wherever its node is */
    add_dev_rule (c, S_ISBLK (node.st_mode) ? 'b' : 'c', node.st_rdev, FALSE);
    /* qemu opens the definition's path; a link elsewhere ends in /dev */
    if (g_str_has_prefix (real, "/dev/"))
      add_node (c, real, real);
    if (g_str_has_prefix (path, "/dev/") && strcmp (path, real) != 0)
      add_node (c, real, path);
  }
  return TRUE;
}

/* The cgroup -------------------------------------------------------------- */

/* cgroup2's mount point, from mountinfo. */
static char *
cgroup2_mount (void)
{
  g_autofree char *info = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents ("/proc/self/mountinfo", &info, NULL, NULL))
    return NULL;
  lines = g_strsplit (info, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    const char *sep = strstr (lines[i], " - cgroup2 ");
    g_auto(GStrv) f = NULL;

    if (sep == NULL)
      continue;
    f = g_strsplit (lines[i], " ", 6);
    if (g_strv_length (f) >= 5)
      return g_strdup (f[4]);
  }
  return NULL;
}

/* The guest's cgroup: under the daemon's own (with
 * systemd, the unit needs Delegate=yes).  No controller is enabled, so
 * the daemon may stay in its cgroup (cgroup v2 forbids processes only in
 * cgroups that hand controllers down). */
static char *
guest_cgroup_dir (const char *key)
{
  g_autofree char *mount = cgroup2_mount ();
  g_autofree char *self = NULL;
  g_auto(GStrv) lines = NULL;

  if (mount == NULL || !g_file_get_contents ("/proc/self/cgroup", &self, NULL, NULL))
    return NULL;
  lines = g_strsplit (self, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], "0::"))
      return g_strdup_printf ("%s%s/virtbus-qemu-%s", mount, lines[i] + 3, key);
  return NULL;
}

static void
make_cgroup (VbQemuConfine *c)
{
  g_autofree char *dir = guest_cgroup_dir (c->key);
  g_autoptr(GError) error = NULL;

  if (dir == NULL) {
    g_message ("QEMU driver: no cgroup2 for guest %s; it runs in the daemon's", c->key);
    return;
  }
  if (g_mkdir (dir, 0755) < 0 && errno != EEXIST) {
    int saved = errno;

    /* the private /dev is what limits the devices; the cgroup only
     * groups the guest's processes */
    g_message ("QEMU driver: cannot make cgroup %s: %s", dir, g_strerror (saved));
    return;
  }
  g_ptr_array_add (c->cgroup_procs, g_build_filename (dir, "cgroup.procs", NULL));
  if (!vb_qemu_devcg_attach (dir, (const VbQemuDevRule *) (void *) c->dev_rules->data, c->dev_rules->len, &error))
    g_message ("QEMU driver: guest %s: %s; only its private /dev limits its devices", c->key, error->message);
}

/* Prepare -------------------------------------------------------------------- */

static gboolean
lookup_user (VbQemuConfine *c, GError **error)
{
  struct passwd pw, *found = NULL;
  char buf[4096];
  int n = 0;
  int rc = getpwnam_r (VB_QEMU_USER, &pw, buf, sizeof buf, &found);

  if (found == NULL) {
    g_set_error (error, VB_ERROR, VB_ERROR_FAILED,
                 "the user '%s' that system guests run as does not exist%s%s; it is made by "
                 "sysusers.d/virtbus.conf (run systemd-sysusers)",
                 VB_QEMU_USER, rc ? ": " : "", rc ? g_strerror (rc) : "");
    return FALSE;
  }
  if (pw.pw_uid == 0 || pw.pw_gid == 0) {
    g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "the user '%s' that system guests run as is root",
                 VB_QEMU_USER);
    return FALSE;
  }
  c->uid = pw.pw_uid;
  c->gid = pw.pw_gid;
  getgrouplist (pw.pw_name, pw.pw_gid, NULL, &n);
  c->groups = g_new0 (gid_t, MAX (n, 1));
  if (getgrouplist (pw.pw_name, pw.pw_gid, c->groups, &n) < 0)
    n = 0;
  c->n_groups = n;
  return TRUE;
}

/* qemu writes its pid file itself, in a directory it may not write */
static gboolean
make_pid_file (VbQemuConfine *c, GError **error)
{
  int fd;

  g_unlink (c->pid_path);
  fd = open (c->pid_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0 || fchown (fd, c->uid, c->gid) < 0) {
    int saved = errno;

    if (fd >= 0)
      close (fd);
    g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot make %s: %s", c->pid_path, g_strerror (saved));
    return FALSE;
  }
  close (fd);
  return TRUE;
}

/* A mount namespace with a /dev of the guest's own takes CAP_SYS_ADMIN
 * (mounts) and CAP_MKNOD (its ptmx), which the shipped systemd unit does
 * not grant: they would lift its exposure rating above 3.0.  Under it,
 * guests keep the rest (their own user, no capabilities, no_new_privs,
 * -sandbox) inside the unit's own sandbox, whose device policy and
 * read-only OS bind qemu too. */
static gboolean
can_make_private_dev (void)
{
  static gsize checked;
  static gboolean can;

  if (g_once_init_enter (&checked)) {
    struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2] = { { 0 } };

    can = syscall (SYS_capget, &hdr, data) == 0 && (data[0].effective & (1u << CAP_SYS_ADMIN)) &&
          (data[0].effective & (1u << CAP_MKNOD));
    if (!can)
      g_message ("QEMU driver: no CAP_SYS_ADMIN and CAP_MKNOD: guests run without a mount namespace, "
                 "/dev and cgroup of their own, in the daemon's sandbox (see SECURITY.md)");
    g_once_init_leave (&checked, 1);
  }
  return can;
}

gboolean
vb_qemu_confine_prepare (VbQemuConfine *c, GError **error)
{
  g_autoptr(GPtrArray) lend = g_ptr_array_new ();

  if (!lookup_user (c, error) || !plan_dev (c, error))
    return FALSE;
  c->prepared = TRUE;
  for (guint i = 0; i < c->lend->len; i++)
    g_ptr_array_add (lend, g_ptr_array_index (c->lend, i));
  /* as libvirt: the daemon makes a console's file, qemu's user writes it */
  for (guint i = 0; i < c->outputs->len; i++) {
    const char *path = g_ptr_array_index (c->outputs, i);
    int fd = open (path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0600);

    if (fd < 0) {
      int saved = errno;

      g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot make %s: %s", path, g_strerror (saved));
      return FALSE;
    }
    close (fd);
    g_ptr_array_add (lend, (gpointer) path);
  }
  /* libvirt lends read-only images too; one others may read already is
   * left as it is, so that shared ISOs and kernels stay root's */
  for (guint i = 0; i < c->lend_reading->len; i++) {
    const char *path = g_ptr_array_index (c->lend_reading, i);
    struct stat st;

    if (g_stat (path, &st) < 0 || !(st.st_mode & S_IROTH))
      g_ptr_array_add (lend, (gpointer) path);
  }
  g_ptr_array_add (lend, NULL);
  if (!vb_owner_take_all (c->record, (const char *const *) lend->pdata, c->key, c->uid, c->gid, error))
    return FALSE;
  if (!make_pid_file (c, error))
    return FALSE;
  c->private_dev = can_make_private_dev ();
  if (!c->private_dev)
    return TRUE;
  g_rmdir (c->staging);
  if (g_mkdir (c->staging, 0700) < 0) {
    int saved = errno;

    g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot make %s: %s", c->staging, g_strerror (saved));
    return FALSE;
  }
  make_cgroup (c);
  return TRUE;
}

void
vb_qemu_confine_spawned (VbQemuConfine *c)
{
  /* the child's /dev moved away from it: an empty directory here */
  g_rmdir (c->staging);
}

void
vb_qemu_confine_release (const char *run_dir, const char *key)
{
  g_autofree char *record = g_strdup_printf ("%s/%s.owned", run_dir, key);
  g_autofree char *staging = g_strdup_printf ("%s/%s.dev", run_dir, key);
  g_autofree char *cgroup = guest_cgroup_dir (key);

  vb_owner_release_all (record, key);
  g_rmdir (staging);
  if (cgroup)
    g_rmdir (cgroup);
}

/* A guest that outlived a daemon is not our child: PID 1 reaps it, a
 * second or two later here, and until then it keeps its cgroup busy. */
static void
remove_cgroup_when_reaped (const char *key)
{
  g_autofree char *cgroup = guest_cgroup_dir (key);

  for (guint i = 0; cgroup && i < 50 && g_rmdir (cgroup) < 0 && errno == EBUSY; i++)
    g_usleep (100 * G_TIME_SPAN_MILLISECOND);
}

/* Work on a guest's lent files for a worker. */
typedef struct {
  char *record;
  char *run_dir;
  char *key;
  char *path;
} Lend;

static void
lend_free (Lend *l)
{
  g_free (l->record);
  g_free (l->run_dir);
  g_free (l->key);
  g_free (l->path);
  g_free (l);
}

/* @worker on a Lend of @key's (@run_dir and @path where given). */
static void
lend_run (const char *run_dir, const char *key, const char *path, GTaskThreadFunc worker,
          GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, callback, user_data);
  Lend *l = g_new0 (Lend, 1);

  l->run_dir = g_strdup (run_dir);
  l->record = run_dir ? g_strdup_printf ("%s/%s.owned", run_dir, key) : NULL;
  l->key = g_strdup (key);
  l->path = g_strdup (path);
  g_task_set_task_data (task, l, (GDestroyNotify) lend_free);
  g_task_run_in_thread (task, worker);
}

static void
lend_in_worker (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Lend *l = data;
  VbQemuConfine user = { 0 };
  GError *error = NULL;
  gboolean ok = lookup_user (&user, &error) &&
                vb_owner_take_one_more (l->record, l->path, l->key, user.uid, user.gid, &error);

  g_free (user.groups);
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
vb_qemu_confine_lend_async (const char *run_dir, const char *key, const char *path, GAsyncReadyCallback callback,
                            gpointer user_data)
{
  lend_run (run_dir, key, path, lend_in_worker, callback, user_data);
}

gboolean
vb_qemu_confine_lend_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
release_in_worker (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Lend *l = data;

  vb_qemu_confine_release (l->run_dir, l->key);
  g_task_return_boolean (task, TRUE);
  remove_cgroup_when_reaped (l->key);
}

void
vb_qemu_confine_release_async (const char *run_dir, const char *key, GAsyncReadyCallback callback,
                               gpointer user_data)
{
  lend_run (run_dir, key, NULL, release_in_worker, callback, user_data);
}

static void
unlend_in_worker (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Lend *l = data;
  g_autoptr(GError) error = NULL;

  if (!vb_owner_release (l->path, l->key, &error))
    g_warning ("QEMU driver: %s", error->message);
  g_task_return_boolean (task, TRUE);
}

void
vb_qemu_confine_unlend (const char *key, const char *path)
{
  lend_run (NULL, key, path, unlend_in_worker, NULL, NULL);
}

gboolean
vb_qemu_confine_make_reachable (const char *dir, guint parents, GError **error)
{
  g_autofree char *at = g_strdup (dir);

  if (g_mkdir_with_parents (dir, 0711) < 0) {
    int saved = errno;

    g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot create %s: %s", dir, g_strerror (saved));
    return FALSE;
  }
  for (guint i = 0; i <= parents; i++) {
    struct stat st;
    char *up;

    if (g_stat (at, &st) == 0 && !(st.st_mode & S_IXOTH) && g_chmod (at, (st.st_mode & 07777) | S_IXOTH) < 0) {
      int saved = errno;

      g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot open %s to the guests: %s", at, g_strerror (saved));
      return FALSE;
    }
    up = g_path_get_dirname (at);
    g_free (at);
    at = up;
  }
  return TRUE;
}

void
vb_qemu_confine_release_orphans (const char *run_dir)
{
  g_autoptr(GDir) dir = g_dir_open (run_dir, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)) != NULL) {
    g_autofree char *key = NULL;
    g_autofree char *status = NULL;

    if (!g_str_has_suffix (name, ".owned"))
      continue;
    key = g_strndup (name, strlen (name) - strlen (".owned"));
    status = g_strdup_printf ("%s/%s.status", run_dir, key);
    if (!g_file_test (status, G_FILE_TEST_EXISTS)) {
      g_message ("QEMU driver: giving back the files of guest %s, whose start did not finish", key);
      vb_qemu_confine_release (run_dir, key);
    }
  }
}

/* The child -------------------------------------------------------------------- */

static void
child_say (const char *s)
{
  ssize_t r G_GNUC_UNUSED = write (STDERR_FILENO, s, strlen (s));
}

/* errno as digits: strerror may allocate for a translation */
static void
child_say_errno (int err)
{
  char digits[16];
  guint n = sizeof digits;

  digits[--n] = '\0';
  do
    digits[--n] = (char) ('0' + err % 10);
  while ((err /= 10) > 0 && n > 0);
  child_say ("errno ");
  child_say (digits + n);
}

G_NORETURN static void
child_fail (const char *what, const char *path)
{
  int saved = errno;

  child_say ("virtbus: cannot confine qemu: ");
  child_say (what);
  if (path) {
    child_say (" ");
    child_say (path);
  }
  child_say (": ");
  child_say_errno (saved);
  child_say ("\n");
  _exit (127);
}

static void
child_dev (const VbQemuConfine *c)
{
  if (unshare (CLONE_NEWNS) < 0)
    child_fail ("unshare", NULL);
  /* nothing of ours goes back to the host; the host's mounts still reach
   * us (a CD changed later) */
  if (mount (NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
    child_fail ("mount --make-rslave", "/");
  if (mount ("tmpfs", c->staging, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k") < 0)
    child_fail ("mount tmpfs", c->staging);
  for (guint i = 0; i < c->ops->len; i++) {
    const DevOp *op = &g_array_index (c->ops, DevOp, i);
    int fd;

    switch (op->kind) {
    case OP_TOUCH:
      fd = open (op->dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd < 0 && errno != EEXIST)
        child_fail ("create", op->dst);
      if (fd >= 0)
        close (fd);
      break;
    case OP_MKDIR:
      if (mkdir (op->dst, 0755) < 0 && errno != EEXIST)
        child_fail ("mkdir", op->dst);
      break;
    case OP_BIND:
      if (mount (op->src, op->dst, NULL, MS_BIND | MS_REC, NULL) < 0)
        child_fail ("bind", op->src);
      break;
    case OP_SYMLINK:
      if (symlink (op->src, op->dst) < 0)
        child_fail ("symlink", op->dst);
      break;
    case OP_MKNOD:
      if (mknod (op->dst, S_IFCHR | 0666, op->dev) < 0 || chmod (op->dst, 0666) < 0)
        child_fail ("mknod", op->dst);
      break;
    case OP_TMPFS:
      if (mount ("tmpfs", op->dst, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777") < 0)
        child_fail ("mount tmpfs", op->dst);
      break;
    default:
      break;
    }
  }
  if (mount (c->staging, "/dev", NULL, MS_MOVE, NULL) < 0)
    child_fail ("move the new /dev from", c->staging);
}

static void
child_drop_privileges (const VbQemuConfine *c)
{
  struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct data[2] = { { 0 } };

  /* while we still may: nothing qemu execs can get a capability back */
  for (int cap = 0; cap < 64; cap++)
    if (prctl (PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
      child_fail ("drop capability bounding set", NULL);
  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    child_fail ("clear ambient capabilities", NULL);
  if (setgroups (c->n_groups, c->groups) < 0)
    child_fail ("setgroups", NULL);
  if (setresgid (c->gid, c->gid, c->gid) < 0)
    child_fail ("setresgid", NULL);
  if (setresuid (c->uid, c->uid, c->uid) < 0)
    child_fail ("setresuid", NULL);
  /* leaving uid 0 cleared the permitted and effective sets; this clears
   * the inheritable one */
  if (syscall (SYS_capset, &hdr, data) < 0)
    child_fail ("capset", NULL);
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    child_fail ("no_new_privs", NULL);
  if (getuid () == 0 || geteuid () == 0)
    child_fail ("still root", NULL);
}

void
vb_qemu_confine_child (gpointer data)
{
  const VbQemuConfine *c = data;

  if (!c->prepared) {
    errno = EINVAL;
    child_fail ("not prepared", NULL);
  }
  /* "0": the writer, before anything else runs in it */
  for (guint i = 0; i < c->cgroup_procs->len; i++) {
    int fd = open (g_ptr_array_index (c->cgroup_procs, i), O_WRONLY | O_CLOEXEC);

    if (fd < 0 || write (fd, "0", 1) != 1)
      child_fail ("join cgroup", g_ptr_array_index (c->cgroup_procs, i));
    close (fd);
  }
  if (c->private_dev)
    child_dev (c);
  child_drop_privileges (c);
}
