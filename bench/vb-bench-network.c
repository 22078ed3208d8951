/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-bench.h"

/* The network section ------------------------------------------------------ */

#define VB_NETWORK "org.libvirt.Network"
#define NET_NAME "benchnet"
#define NET_BRIDGE "vbbench0"
#define NET_ADDRESS "192.168.111.1"
#define NET_PREFIX "24"
#define NET_PROBE_NAME "probe"
#define NET_PROBE_ADDRESS "192.168.111.9"
#define NET_TIMEOUT_US (10 * G_USEC_PER_SEC)
#define DNS_RETRY_US 1000

static const char net_xml[] =
  "<network><name>" NET_NAME "</name><forward mode='nat'/><bridge name='" NET_BRIDGE "' stp='off'/>"
  "<dns><host ip='" NET_PROBE_ADDRESS "'><hostname>" NET_PROBE_NAME "</hostname></host></dns>"
  "<ip address='" NET_ADDRESS "' prefix='" NET_PREFIX "'>"
  "<dhcp><range start='192.168.111.10' end='192.168.111.50'/></dhcp></ip></network>";

/* Runs @argv to the end, inside the namespace when @in_netns; its output in
 * @out_stdout when asked. A non-zero exit is an error carrying its stderr. */
static gboolean
net_run (Bench *b, gboolean in_netns, const char *const *argv, char **out_stdout, GError **error)
{
  GSpawnFlags flags = G_SPAWN_SEARCH_PATH | G_SPAWN_STDIN_FROM_DEV_NULL;
  g_autofree char *err = NULL;
  int status = 0;

  if (out_stdout == NULL)
    flags |= G_SPAWN_STDOUT_TO_DEV_NULL;
  if (!g_spawn_sync (NULL, (char **) argv, NULL, flags, in_netns ? netns_child_setup : child_setup,
                     in_netns ? b->netns_path : NULL, out_stdout, &err, &status, error)) {
    g_prefix_error (error, "cannot run %s: ", argv[0]);
    return FALSE;
  }
  if (!g_spawn_check_wait_status (status, NULL)) {
    g_autofree char *cmd = g_strjoinv (" ", (char **) argv);
    g_autofree char *how = describe_status (status);

    if (out_stdout)
      g_clear_pointer (out_stdout, g_free);
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s%s: %s: %s", cmd,
                 in_netns ? " (in the namespace)" : "", how, err ? g_strstrip (err) : "");
    return FALSE;
  }
  return TRUE;
}

static gboolean
netns_create (Bench *b, GError **error)
{
  g_autofree char *name = g_strdup_printf ("vbbench-%d", (int) getpid ());
  const char *add[] = { "ip", "netns", "add", name, NULL };
  const char *lo[] = { "ip", "link", "set", "lo", "up", NULL };

  if (!net_run (b, FALSE, add, NULL, error))
    return FALSE;
  b->netns_path = g_strdup_printf ("/run/netns/%s", name);
  b->netns = g_steal_pointer (&name);
  if (!g_file_test (b->netns_path, G_FILE_TEST_EXISTS)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "ip netns add %s left no %s", b->netns,
                 b->netns_path);
    return FALSE;
  }
  return net_run (b, TRUE, lo, NULL, error);
}

/* Whatever is still in the namespace goes with it. */
void
netns_delete (Bench *b)
{
  g_autoptr(GError) error = NULL;
  const char *del[] = { "ip", "netns", "delete", b->netns, NULL };

  if (b->netns == NULL)
    return;
  if (!net_run (b, FALSE, del, NULL, &error))
    fprintf (stderr, "vb-bench: cannot delete network namespace %s: %s\n", b->netns, error->message);
  g_clear_pointer (&b->netns, g_free);
  g_clear_pointer (&b->netns_path, g_free);
}

/* setns() moves only the calling thread; GDBus's worker stays outside. */
static gboolean
netns_enter (Bench *b, int *saved_fd, GError **error)
{
  int fd = open (b->netns_path, O_RDONLY | O_CLOEXEC);
  int saved_errno;

  *saved_fd = open ("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (fd >= 0 && *saved_fd >= 0 && setns (fd, CLONE_NEWNET) == 0) {
    close (fd);
    return TRUE;
  }
  saved_errno = errno;
  if (fd >= 0)
    close (fd);
  if (*saved_fd >= 0)
    close (*saved_fd);
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               "cannot enter network namespace %s: %s", b->netns, g_strerror (saved_errno));
  return FALSE;
}

static void
netns_leave (int saved_fd)
{
  /* staying in the namespace would measure the wrong thing from then on */
  if (setns (saved_fd, CLONE_NEWNET) < 0)
    g_error ("cannot return to the original network namespace: %s", g_strerror (errno));
  close (saved_fd);
}

/* The DNS client's socket, created inside the namespace: it stays there. */
static gboolean
netns_open_socket (Bench *b, GError **error)
{
  int saved_fd, saved_errno;

  if (!netns_enter (b, &saved_fd, error))
    return FALSE;
  b->dns_fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  saved_errno = errno;
  netns_leave (saved_fd);
  if (b->dns_fd < 0) {
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                 "cannot create a UDP socket in the namespace: %s", g_strerror (saved_errno));
    return FALSE;
  }
  return TRUE;
}

/* /proc/sys/net shows the namespace of the thread that opens it. */
static gboolean
netns_ip_forward (Bench *b, char **out_value, GError **error)
{
  int saved_fd;
  gboolean ok;

  if (!netns_enter (b, &saved_fd, error))
    return FALSE;
  ok = g_file_get_contents ("/proc/sys/net/ipv4/ip_forward", out_value, NULL, error);
  netns_leave (saved_fd);
  if (ok)
    g_strstrip (*out_value);
  return ok;
}

/* A reply to one of the ids from @first to @last, without error, whose
 * (only) answer is the probe's address. Any other reply to us sets
 * *wrong (the rcode, or -1: no such answer). */
static gboolean
dns_answered (const guint8 *r, gssize n, gsize qlen, guint16 first, guint16 last, int *wrong)
{
  struct in_addr want;
  guint16 id;

  if (n < (gssize) qlen)
    return FALSE;
  id = (guint16) ((r[0] << 8) | r[1]);
  if ((guint16) (id - first) > (guint16) (last - first) || (r[2] & 0x80) == 0)
    return FALSE;
  inet_pton (AF_INET, NET_PROBE_ADDRESS, &want);
  if ((r[3] & 0x0f) == 0 && ((r[6] << 8) | r[7]) > 0 && n >= (gssize) qlen + 16 &&
      memcmp (r + n - 4, &want, 4) == 0)
    return TRUE;
  *wrong = (r[3] & 0x0f) ? (r[3] & 0x0f) : -1;
  return FALSE;
}

/* One A query for the probe name to the bridge address, from inside the
 * namespace, sent again every DNS_RETRY_US until dnsmasq answers it. The
 * same for both sides. */
static gboolean
net_dns_wait (Bench *b, GError **error)
{
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons (53) };
  guint8 q[64], r[512];
  gsize len = 12;
  guint16 first = ++b->dns_id;
  int wrong = 0;
  gint64 deadline = g_get_monotonic_time () + NET_TIMEOUT_US;

  inet_pton (AF_INET, NET_ADDRESS, &sa.sin_addr);
  memset (q, 0, sizeof (q));
  q[2] = 0x01, q[5] = 1; /* RD, one question */
  q[len++] = strlen (NET_PROBE_NAME);
  memcpy (q + len, NET_PROBE_NAME, strlen (NET_PROBE_NAME));
  len += strlen (NET_PROBE_NAME);
  q[len++] = 0;
  q[len++] = 0, q[len++] = 1; /* A */
  q[len++] = 0, q[len++] = 1; /* IN */
  /* late answers to an earlier probe */
  while (recv (b->dns_fd, r, sizeof (r), 0) > 0)
    ;
  for (;;) {
    gint64 next;

    q[0] = b->dns_id >> 8, q[1] = b->dns_id & 0xff;
    /* fails (ENETUNREACH) until the address is there: then just wait */
    sendto (b->dns_fd, q, len, 0, (struct sockaddr *) &sa, sizeof (sa));
    next = g_get_monotonic_time () + DNS_RETRY_US;
    for (gint64 now = g_get_monotonic_time (); now < next; now = g_get_monotonic_time ()) {
      struct pollfd pfd = { b->dns_fd, POLLIN, 0 };
      struct timespec ts = { 0, (next - now) * 1000 };
      gssize n;

      if (ppoll (&pfd, 1, &ts, NULL) <= 0)
        continue;
      while ((n = recv (b->dns_fd, r, sizeof (r), 0)) > 0) {
        if (dns_answered (r, n, len, first, b->dns_id, &wrong))
          return TRUE;
      }
    }
    if (!check_interrupted (error))
      return FALSE;
    if (g_get_monotonic_time () > deadline) {
      if (wrong > 0)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                     "%s answered \"%s\" with rcode %d, never with %s, for %d s", NET_ADDRESS,
                     NET_PROBE_NAME, wrong, NET_PROBE_ADDRESS, (int) (NET_TIMEOUT_US / G_USEC_PER_SEC));
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "no DNS answer%s from %s within %d s",
                     wrong ? " with " NET_PROBE_ADDRESS : "", NET_ADDRESS,
                     (int) (NET_TIMEOUT_US / G_USEC_PER_SEC));
      return FALSE;
    }
    b->dns_id++;
  }
}

typedef struct {
  char *path;          /* the network's object path */
  char *ip_forward;    /* the namespace's ip_forward before any start */
  char *hand_dir;
  char *hand_conf_arg; /* --conf-file=…: virtbusd's dnsmasq config, moved here */
  char *hand_rules;    /* virtbusd's ruleset, as nft lists it */
  char *hand_family;   /* the table it creates */
  char *hand_table;
  char *dnsmasq;
  GArray *create_reply;
  GArray *start;
  GArray *destroy;
  GArray *cycle;
  GArray *hand_start;
  GArray *hand_undo;
  GArray *hand_cycle;
  guint checks;
  guint dirty;      /* Destroys that left something behind */
  char *first_dirty;
  guint hand_checks;
  guint hand_dirty; /* the same for the by-hand undo */
  char *hand_first_dirty;
} NetRun;

static void
net_run_clear (NetRun *run)
{
  g_clear_pointer (&run->path, g_free);
  g_clear_pointer (&run->ip_forward, g_free);
  g_clear_pointer (&run->hand_dir, g_free);
  g_clear_pointer (&run->hand_conf_arg, g_free);
  g_clear_pointer (&run->hand_rules, g_free);
  g_clear_pointer (&run->hand_family, g_free);
  g_clear_pointer (&run->hand_table, g_free);
  g_clear_pointer (&run->dnsmasq, g_free);
  g_clear_pointer (&run->create_reply, g_array_unref);
  g_clear_pointer (&run->start, g_array_unref);
  g_clear_pointer (&run->destroy, g_array_unref);
  g_clear_pointer (&run->cycle, g_array_unref);
  g_clear_pointer (&run->hand_start, g_array_unref);
  g_clear_pointer (&run->hand_undo, g_array_unref);
  g_clear_pointer (&run->hand_cycle, g_array_unref);
  g_clear_pointer (&run->first_dirty, g_free);
  g_clear_pointer (&run->hand_first_dirty, g_free);
}

/* What a stop left in the namespace: links but lo, any nft ruleset,
 * ip_forward changed, a process naming the state directory (dnsmasq).
 * *out_left is NULL when nothing was. */
static gboolean
net_leftovers (Bench *b, NetRun *run, char **out_left, GError **error)
{
  const char *links_argv[] = { "ip", "-o", "link", "show", NULL };
  const char *nft_argv[] = { "nft", "list", "ruleset", NULL };
  g_autofree char *links = NULL;
  g_autofree char *rules = NULL;
  g_autofree char *forward = NULL;
  g_autoptr(GString) left = g_string_new (NULL);
  g_autoptr(GArray) pids = NULL;
  g_auto(GStrv) lines = NULL;

  if (!net_run (b, TRUE, links_argv, &links, error) || !net_run (b, TRUE, nft_argv, &rules, error) ||
      !netns_ip_forward (b, &forward, error))
    return FALSE;
  lines = g_strsplit (links, "\n", -1);
  for (char **l = lines; *l; l++) {
    g_auto(GStrv) fields = g_strsplit (*l, ": ", 3);

    /* "2: vbbench0: <…" or "3: veth@if2: <…" */
    if (fields[0] && fields[1]) {
      char *at = strchr (fields[1], '@');

      if (at)
        *at = '\0';
      if (!g_str_equal (fields[1], "lo"))
        g_string_append_printf (left, "%slink %s", left->len ? ", " : "", fields[1]);
    }
  }
  if (*g_strstrip (rules)) {
    g_auto(GStrv) rule_lines = g_strsplit (rules, "\n", -1);

    /* the tables name it well enough: "table inet virtbus-benchnet {" */
    g_string_append_printf (left, "%snft ruleset not empty", left->len ? ", " : "");
    for (char **l = rule_lines; *l; l++) {
      if (g_str_has_prefix (*l, "table "))
        g_string_append_printf (left, " (%.*s)", (int) strcspn (*l, "{") - 1, *l);
    }
  }
  if (g_strcmp0 (forward, run->ip_forward) != 0)
    g_string_append_printf (left, "%sip_forward %s (was %s)", left->len ? ", " : "", forward,
                            run->ip_forward);
  pids = state_dir_pids (b);
  for (guint i = 0; i < pids->len; i++)
    g_string_append_printf (left, "%sprocess %d", left->len ? ", " : "",
                            (int) g_array_index (pids, GPid, i));
  *out_left = left->len ? g_string_free (g_steal_pointer (&left), FALSE) : NULL;
  return TRUE;
}

static gboolean
net_check_after (Bench *b, NetRun *run, gboolean hand, GError **error)
{
  g_autofree char *left = NULL;

  if (!net_leftovers (b, run, &left, error))
    return FALSE;
  if (hand) {
    run->hand_checks++;
    run->hand_dirty += left != NULL;
    if (left && run->hand_first_dirty == NULL)
      run->hand_first_dirty = g_steal_pointer (&left);
  } else {
    run->checks++;
    run->dirty += left != NULL;
    if (left && run->first_dirty == NULL)
      run->first_dirty = g_steal_pointer (&left);
  }
  return TRUE;
}

static gboolean
net_call (Bench *b, NetRun *run, const char *method, GError **error)
{
  g_autoptr(GVariant) reply = NULL;

  reply = bus_call (b, VB_NAME, run->path, VB_NETWORK, method, NULL, "()", error);
  return reply != NULL;
}

/* Create until the reply, on until dnsmasq answers; Destroy until the reply. */
static gboolean
net_vb_cycle (Bench *b, NetRun *run, gboolean keep, GError **error)
{
  gint64 t0 = g_get_monotonic_time ();
  gint64 t_reply, t_up, t_end;

  if (!net_call (b, run, "Create", error))
    return FALSE;
  t_reply = g_get_monotonic_time ();
  if (!net_dns_wait (b, error))
    return FALSE;
  t_up = g_get_monotonic_time ();
  if (!net_call (b, run, "Destroy", error))
    return FALSE;
  t_end = g_get_monotonic_time ();
  if (keep) {
    double create_reply = t_reply - t0, start = t_up - t0, destroy = t_end - t_up, cycle = t_end - t0;

    g_array_append_val (run->create_reply, create_reply);
    g_array_append_val (run->start, start);
    g_array_append_val (run->destroy, destroy);
    g_array_append_val (run->cycle, cycle);
  }
  return net_check_after (b, run, FALSE, error);
}

static gboolean
hand_dnsmasq_stop (Bench *b, GError **error)
{
  int pidfd = open_pidfd (b->hand_dnsmasq_pid);
  int status = 0;
  gboolean exited;

  kill (b->hand_dnsmasq_pid, SIGTERM);
  exited = wait_exit (b->hand_dnsmasq_pid, pidfd, g_get_monotonic_time () + STOP_TIMEOUT_US, &status);
  if (pidfd >= 0)
    close (pidfd);
  if (!exited) {
    stop_child (&b->hand_dnsmasq_pid);
    if (!check_interrupted (error))
      return FALSE;
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "by-hand dnsmasq did not exit on SIGTERM");
    return FALSE;
  }
  b->hand_dnsmasq_pid = 0;
  return TRUE;
}

/* The same steps by hand, each a command run in the namespace: the bridge
 * and its address (ip), the ruleset (nft -f), dnsmasq until it answers; then
 * dnsmasq stopped, the table deleted, the bridge deleted. */
static gboolean
net_hand_cycle (Bench *b, NetRun *run, gboolean keep, GError **error)
{
  g_autofree char *rules_path = g_build_filename (run->hand_dir, "ruleset.nft", NULL);
  g_autofree char *log_path = g_build_filename (run->hand_dir, "dnsmasq.log", NULL);
  const char *add_bridge[] = { "ip", "link", "add", NET_BRIDGE, "type", "bridge", "stp_state", "0",
                               "forward_delay", "0", NULL };
  const char *add_address[] = { "ip", "address", "add", NET_ADDRESS "/" NET_PREFIX, "dev", NET_BRIDGE,
                                NULL };
  const char *set_up[] = { "ip", "link", "set", NET_BRIDGE, "up", NULL };
  const char *load[] = { "nft", "-f", rules_path, NULL };
  const char *dnsmasq[] = { run->dnsmasq, "--keep-in-foreground", run->hand_conf_arg, NULL };
  const char *del_table[] = { "nft", "delete", "table", run->hand_family, run->hand_table, NULL };
  const char *del_bridge[] = { "ip", "link", "delete", NET_BRIDGE, NULL };
  gint64 t0, t_up, t_end;
  gboolean ok;
  int log_fd = open (log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

  if (log_fd < 0) {
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot create %s: %s", log_path,
                 g_strerror (errno));
    return FALSE;
  }
  t0 = g_get_monotonic_time ();
  ok = net_run (b, TRUE, add_bridge, NULL, error) && net_run (b, TRUE, add_address, NULL, error) &&
       net_run (b, TRUE, set_up, NULL, error) && net_run (b, TRUE, load, NULL, error) &&
       spawn_child_full (dnsmasq, NULL, log_fd, NULL, netns_child_setup, b->netns_path,
                         &b->hand_dnsmasq_pid, error) &&
       net_dns_wait (b, error);
  close (log_fd);
  if (!ok)
    return FALSE;
  t_up = g_get_monotonic_time ();
  if (!hand_dnsmasq_stop (b, error) || !net_run (b, TRUE, del_table, NULL, error) ||
      !net_run (b, TRUE, del_bridge, NULL, error))
    return FALSE;
  t_end = g_get_monotonic_time ();
  if (keep) {
    double start = t_up - t0, undo = t_end - t_up, cycle = t_end - t0;

    g_array_append_val (run->hand_start, start);
    g_array_append_val (run->hand_undo, undo);
    g_array_append_val (run->hand_cycle, cycle);
  }
  return net_check_after (b, run, TRUE, error);
}

static char *
find_file (const char *dir, const char *name)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *entry;
  char *found = NULL;

  while (found == NULL && d && (entry = g_dir_read_name (d))) {
    g_autofree char *path = g_build_filename (dir, entry, NULL);

    if (g_str_equal (entry, name))
      found = g_steal_pointer (&path);
    else if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
      found = find_file (path, name);
  }
  return found;
}

/* While the network runs (warm-up): the by-hand side takes exactly what
 * virtbusd loaded, the ruleset as nft lists it and dnsmasq's config with
 * its files moved to a directory of its own. */
static gboolean
net_copy_setup (Bench *b, NetRun *run, GError **error)
{
  const char *list[] = { "nft", "list", "ruleset", NULL };
  const char *copied[] = { ".addnhosts", ".hostsfile" };
  g_autofree char *conf_path = find_file (b->vb_state_dir, NET_NAME ".conf");
  g_autofree char *run_dir = NULL;
  g_autofree char *conf = NULL;
  g_autofree char *hand_conf = NULL;
  g_autofree char *hand_conf_path = NULL;
  g_autofree char *rules_path = NULL;
  g_auto(GStrv) parts = NULL;
  g_auto(GStrv) lines = NULL;

  if (conf_path == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no %s.conf under %s", NET_NAME,
                 b->vb_state_dir);
    return FALSE;
  }
  run_dir = g_path_get_dirname (conf_path);
  if (!g_file_get_contents (conf_path, &conf, NULL, error) ||
      !net_run (b, TRUE, list, &run->hand_rules, error))
    return FALSE;
  parts = g_strsplit (conf, run_dir, -1);
  hand_conf = g_strjoinv (run->hand_dir, parts);
  hand_conf_path = g_build_filename (run->hand_dir, NET_NAME ".conf", NULL);
  if (!g_file_set_contents (hand_conf_path, hand_conf, -1, error))
    return FALSE;
  run->hand_conf_arg = g_strdup_printf ("--conf-file=%s", hand_conf_path);
  for (guint i = 0; i < G_N_ELEMENTS (copied); i++) {
    g_autofree char *from = g_strconcat (run_dir, "/" NET_NAME, copied[i], NULL);
    g_autofree char *to = g_strconcat (run->hand_dir, "/" NET_NAME, copied[i], NULL);
    g_autofree char *text = NULL;

    if (g_file_get_contents (from, &text, NULL, NULL) && !g_file_set_contents (to, text, -1, error))
      return FALSE;
  }
  rules_path = g_build_filename (run->hand_dir, "ruleset.nft", NULL);
  if (!g_file_set_contents (rules_path, run->hand_rules, -1, error))
    return FALSE;
  /* "table inet virtbus-benchnet {": what the undo deletes */
  lines = g_strsplit (run->hand_rules, "\n", -1);
  for (char **l = lines; *l && run->hand_table == NULL; l++) {
    g_auto(GStrv) words = g_strsplit (*l, " ", -1);

    if (g_strv_length (words) >= 3 && g_str_equal (words[0], "table")) {
      run->hand_family = g_strdup (words[1]);
      run->hand_table = g_strdup (words[2]);
    }
  }
  if (run->hand_table == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the running network's ruleset has no table:\n%s",
                 run->hand_rules);
    return FALSE;
  }
  return TRUE;
}

static gboolean
net_measure (Bench *b, const Plan *plan, NetRun *run, GError **error)
{
  g_autoptr(GVariant) defined = NULL;

  if (!netns_create (b, error) || !netns_open_socket (b, error) ||
      !netns_ip_forward (b, &run->ip_forward, error))
    return FALSE;
  b->vb_in_netns = TRUE;
  if (!start_virtbusd (b, NULL, error))
    return FALSE;
  defined = bus_call (b, VB_NAME, VB_QEMU_ROOT, VB_CONNECT, "NetworkDefineXML",
                      g_variant_new ("(s)", net_xml), "(o)", error);
  if (defined == NULL)
    return FALSE;
  g_variant_get (defined, "(o)", &run->path);

  /* Warm-up, untimed: a start that the by-hand side copies, then one
   * cycle of each side. */
  if (!net_call (b, run, "Create", error) || !net_dns_wait (b, error) ||
      !net_copy_setup (b, run, error) || !net_call (b, run, "Destroy", error) ||
      !net_check_after (b, run, FALSE, error) || !net_hand_cycle (b, run, FALSE, error))
    return FALSE;

  for (guint r = 0; r < plan->net_rounds; r++) {
    progress ("\r  round %u/%u", r + 1, plan->net_rounds);
    for (guint side = 0; side < 2; side++) {
      gboolean hand = (r + side) % 2 == 1;

      if (!check_interrupted (error))
        return FALSE;
      if (hand ? !net_hand_cycle (b, run, TRUE, error) : !net_vb_cycle (b, run, TRUE, error))
        return FALSE;
    }
  }
  progress ("\n");
  return TRUE;
}

/* Why the section cannot run here, or NULL. */
static char *
net_skip_reason (char **out_dnsmasq)
{
  const char *tools[] = { "ip", "nft" };
  g_autofree char *dnsmasq = g_find_program_in_path ("dnsmasq");

  if (geteuid () != 0)
    return g_strdup ("not root (it needs a network namespace, a bridge, nftables)");
  for (guint i = 0; i < G_N_ELEMENTS (tools); i++) {
    g_autofree char *found = g_find_program_in_path (tools[i]);

    if (found == NULL)
      return g_strdup_printf ("%s is not in PATH", tools[i]);
  }
  if (dnsmasq == NULL)
    return g_strdup ("dnsmasq is not in PATH");
  *out_dnsmasq = g_steal_pointer (&dnsmasq);
  return NULL;
}

gboolean
phase_network (Bench *b, const Plan *plan, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *skip = NULL;
  g_autofree char *clean = NULL;
  g_autofree char *net_run_dir = NULL;
  NetRun run = { NULL };
  const char *failed;
  Row *row;
  int status;

  skip = net_skip_reason (&run.dnsmasq);
  if (skip) {
    g_ptr_array_add (b->skipped, g_strdup_printf ("network section: %s", skip));
    printf ("vb-bench: network section skipped: %s\n", skip);
    fflush (stdout);
    return TRUE;
  }
  g_printerr ("network: NAT network with DHCP, start + stop against the same steps by hand (%u rounds)\n",
              plan->net_rounds);
  g_ptr_array_add (b->notes, g_strdup (
    "Network rows: virtbusd --state-dir in a network namespace of the bench's own, NAT network\n"
    "with DHCP. \"by hand\": the same steps as commands in the namespace (ip ×3, nft -f of\n"
    "virtbusd's own ruleset, its dnsmasq config; undo: SIGTERM, nft delete table, ip link\n"
    "delete). Both sides wait for a DNS answer on the bridge address. Their last column\n"
    "quotes libvirt 9.0 from the issue (another machine)."));
  stop_child (&b->vb_pid);
  stop_child (&b->echo_pid);
  b->vb_state_dir = g_build_filename (b->tmpdir, "net-state", NULL);
  run.hand_dir = g_build_filename (b->tmpdir, "net-hand", NULL);
  run.create_reply = g_array_new (FALSE, FALSE, sizeof (double));
  run.start = g_array_new (FALSE, FALSE, sizeof (double));
  run.destroy = g_array_new (FALSE, FALSE, sizeof (double));
  run.cycle = g_array_new (FALSE, FALSE, sizeof (double));
  run.hand_start = g_array_new (FALSE, FALSE, sizeof (double));
  run.hand_undo = g_array_new (FALSE, FALSE, sizeof (double));
  run.hand_cycle = g_array_new (FALSE, FALSE, sizeof (double));

  net_run_dir = g_build_filename (b->vb_state_dir, "run", "qemu", "networks", NULL);
  /* dnsmasq reads its hosts files once it runs as nobody: the way to them
   * must be open to it (the temporary directory only to pass through).
   * virtbusd makes run/qemu 0700 when it has to create it (the domains'
   * status files), which would hide the network's files from dnsmasq. */
  if (g_chmod (b->tmpdir, 0711) < 0 || g_mkdir_with_parents (net_run_dir, 0755) < 0 ||
      g_mkdir_with_parents (run.hand_dir, 0755) < 0)
    g_set_error (&local, G_IO_ERROR, g_io_error_from_errno (errno),
                 "cannot prepare the directories under %s: %s", b->tmpdir, g_strerror (errno));
  else
    net_measure (b, plan, &run, &local);
  progress ("\n");

  stop_child (&b->hand_dnsmasq_pid);
  if (local && g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    g_propagate_error (error, g_steal_pointer (&local));
    net_run_clear (&run);
    return FALSE;
  }
  if (local)
    bench_failure (b, "network section: %s", local->message);
  failed = local ? local->message : NULL;

  qemu_time_row (b, "net_create_reply", "Network: Create → reply", run.create_reply, NULL, NULL,
                 0, NULL, NULL, failed);
  qemu_time_row (b, "net_start", "Network: Create → DNS answer", run.start, run.hand_start,
                 "by hand", 0, NULL, NULL, failed);
  qemu_time_row (b, "net_destroy", "Network: Destroy", run.destroy, run.hand_undo, "by hand", 0,
                 NULL, NULL, failed);
  qemu_time_row (b, "net_cycle", "Network: start + stop", run.cycle, run.hand_cycle, "by hand",
                 1.3, "≤ 1.3× by hand", "≈ 4.3× by hand (libvirt 9.0)", failed);
  row = bench_add_row (b, row_new ("net_leftovers", "Network: Destroys leaving any", ROW_COUNT,
                                   "empty chains, ip_forward=1 (libvirt 9.0)"));
  row_set_goal (row, GOAL_VALUE_AT_MOST, 0, "none");
  if (run.checks > 0)
    row->value = run.dirty;
  else
    row->error = g_strdup (failed ? failed : "nothing was checked");

  if (run.checks > 0) {
    g_autofree char *hand = NULL;

    if (run.hand_dirty)
      hand = g_strdup_printf ("by hand: %u of %u undos left something; first: %s", run.hand_dirty,
                              run.hand_checks, run.hand_first_dirty);
    else
      hand = g_strdup_printf ("by hand: the same after each of %u undos", run.hand_checks);
    if (run.dirty == 0)
      clean = g_strdup_printf ("network: after each of the %u Destroys the namespace held only lo, an "
                               "empty nft ruleset, ip_forward %s as before, and no dnsmasq (%s)",
                               run.checks, run.ip_forward, hand);
    else
      clean = g_strdup_printf ("network: %u of %u Destroys left something behind; first: %s (%s)",
                               run.dirty, run.checks, run.first_dirty, hand);
  }
  if (clean)
    g_ptr_array_add (b->notes, g_steal_pointer (&clean));
  net_run_clear (&run);

  status = stop_child (&b->vb_pid);
  qemu_kill_leftovers (b);
  if (status != 0) {
    g_autofree char *how = describe_status (status);
    g_autofree char *tail = log_tail (b->vb_log, 15);

    bench_failure (b, "virtbusd (network section) did not exit cleanly on SIGTERM (%s). Log:\n    %s",
                   how, tail);
  }
  b->vb_in_netns = FALSE;
  if (b->dns_fd >= 0) {
    close (b->dns_fd);
    b->dns_fd = -1;
  }
  netns_delete (b);
  g_clear_pointer (&b->vb_state_dir, g_free);
  return TRUE;
}
