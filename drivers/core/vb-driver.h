/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <gio/gunixfdlist.h>

#include "vb-domain.h"
#include "vb-event.h"
#include "vb-network.h"
#include "vb-object-list.h"

G_BEGIN_DECLS

/* Every operation a client can ask of a driver.  Arguments and results are
 * GVariants whose types are given per operation below (the same shapes as
 * the matching libvirt API calls), so one dispatch path serves them all and
 * the service needs no per-operation glue.  "→" gives the result type; no
 * arrow means the operation returns nothing.  A maybe string ("ms") is one
 * that may be absent: the bus, which has no NULL string, carries "" for it,
 * and the service turns that into nothing before a driver sees it.
 *
 * Operations marked (job) modify their object: the core runs at most one of
 * them per object at a time, in arrival order.  Queries never wait behind a
 * job. */
typedef enum {
  /* host; object NULL */
  VB_OP_GET_CAPABILITIES,        /* () → s */
  VB_OP_GET_DOMAIN_CAPABILITIES, /* (msmsmsmsu) emulator arch machine virttype flags → s */
  VB_OP_GET_SYSINFO,             /* (u) → s */
  VB_OP_GET_CPU_MODEL_NAMES,     /* (su) arch flags → as */
  VB_OP_GET_HOSTNAME,            /* () → s */
  VB_OP_GET_VERSION,             /* () → t  hypervisor version */
  VB_OP_NODE_GET_INFO,           /* () → (stuuuuuu) model memoryKiB cpus mhz nodes sockets cores threads */
  VB_OP_NODE_GET_FREE_MEMORY,    /* () → t bytes */
  VB_OP_NODE_GET_CPU_MAP,        /* (u) → ab */
  VB_OP_NODE_GET_CPU_STATS,      /* (iu) cpu flags → a{st} */
  VB_OP_NODE_GET_MEMORY_STATS,   /* (iu) cell flags → a{st} */
  VB_OP_NODE_GET_CELLS_FREE_MEMORY, /* (iiu) start max flags → at */
  VB_OP_NODE_GET_SECURITY_MODEL, /* () → (ss) model doi */

  /* object creation; object NULL (job on the driver).  The document may
   * come parsed already (vb_driver_call_with_definition_async): drivers
   * take it with vb_driver_task_steal_definition, or through the define
   * path's vb_define_parse_for_task. */
  VB_OP_DOMAIN_DEFINE_XML,       /* (s) xml → the new or updated VbDomain (see vb_driver_call_finish) */
  VB_OP_DOMAIN_CREATE_XML,       /* (su) xml flags → VbDomain */
  VB_OP_NETWORK_DEFINE_XML,      /* (s) → VbNetwork */
  VB_OP_NETWORK_CREATE_XML,      /* (s) → VbNetwork */
  VB_OP_DOMAIN_RESTORE,          /* (ssu) from xml flags: starts the domain a Save wrote (job on the driver) */
  VB_OP_DOMAIN_SAVE_IMAGE_DEFINE_XML, /* (ssu) file xml flags: replaces the XML a Save wrote (job on the driver) */
  VB_OP_DOMAIN_SAVE_IMAGE_GET_XML_DESC, /* (su) file flags → s  (query) */

  /* domain queries */
  VB_OP_DOMAIN_GET_XML_DESC,     /* (u) → s */
  VB_OP_DOMAIN_GET_STATE,        /* (u) → (ii) */
  VB_OP_DOMAIN_GET_INFO,         /* () → (ututu) state maxmem mem vcpus cputime — for the library */
  VB_OP_DOMAIN_GET_STATS,        /* (uu) stats flags → a{sv} */
  VB_OP_DOMAIN_MEMORY_STATS,     /* (u) flags → a{it} tag → value, libvirt's VIR_DOMAIN_MEMORY_STAT_* tags */
  VB_OP_DOMAIN_GET_VCPUS,        /* (u) flags → u */
  VB_OP_DOMAIN_INTERFACE_ADDRESSES, /* (uu) source flags → a(ssa(isu)) */
  VB_OP_DOMAIN_GET_METADATA,     /* (imsu) type uri flags → s */
  VB_OP_DOMAIN_HAS_MANAGED_SAVE, /* (u) → b */
  VB_OP_DOMAIN_GET_TIME,         /* (u) → (tu) */
  VB_OP_DOMAIN_GET_HOSTNAME,     /* (u) → s */
  VB_OP_DOMAIN_GET_JOB_INFO,     /* () → (ittttttttttt) type, then 11 counters as virDomainJobInfo */
  VB_OP_DOMAIN_GET_JOB_STATS,    /* (u) flags → (ia{sv}) type and libvirt's typed job statistics */
  VB_OP_DOMAIN_GET_SCHEDULER_TYPE, /* () → (si) */

  /* domain jobs */
  VB_OP_DOMAIN_CREATE,           /* (u) flags (job) */
  VB_OP_DOMAIN_UNDEFINE,         /* (u) (job) */
  VB_OP_DOMAIN_SHUTDOWN,         /* (u) (job) */
  VB_OP_DOMAIN_REBOOT,           /* (u) (job) */
  VB_OP_DOMAIN_RESET,            /* (u) (job) */
  VB_OP_DOMAIN_DESTROY,          /* (u) (job) */
  VB_OP_DOMAIN_SUSPEND,          /* () (job) */
  VB_OP_DOMAIN_RESUME,           /* () (job) */
  VB_OP_DOMAIN_MANAGED_SAVE,     /* (u) (job) */
  VB_OP_DOMAIN_MANAGED_SAVE_REMOVE, /* (u) (job) */
  VB_OP_DOMAIN_SAVE,             /* (ssu) to xml flags (job) */
  VB_OP_DOMAIN_SET_VCPUS,        /* (uu) count flags (job) */
  VB_OP_DOMAIN_SET_MEMORY,       /* (tu) KiB flags (job) */
  VB_OP_DOMAIN_SET_METADATA,     /* (imsmsmsu) type metadata key uri flags (job) */
  VB_OP_DOMAIN_SET_AUTOSTART,    /* (b) (job) */
  VB_OP_DOMAIN_ATTACH_DEVICE,    /* (su) (job) */
  VB_OP_DOMAIN_DETACH_DEVICE,    /* (su) (job) */
  VB_OP_DOMAIN_UPDATE_DEVICE,    /* (su) (job) */
  VB_OP_DOMAIN_RENAME,           /* (su) (job) */
  VB_OP_DOMAIN_PM_WAKEUP,        /* (u) (job) */
  VB_OP_DOMAIN_PM_SUSPEND,       /* (utu) target duration flags (job) */
  VB_OP_DOMAIN_INJECT_NMI,       /* (u) (job) */
  VB_OP_DOMAIN_SEND_KEY,         /* (uuauu) (job) */
  VB_OP_DOMAIN_SET_TIME,         /* (tuu) (job) */
  VB_OP_DOMAIN_CORE_DUMP,        /* (suu) (job) */
  VB_OP_DOMAIN_OPEN_GRAPHICS_FD, /* (uu) idx flags → h, with its fd (job; see vb_driver_task_return_with_fds) */
  VB_OP_DOMAIN_ABORT_JOB,        /* () — not queued: it must reach a running job */

  /* network queries */
  VB_OP_NETWORK_GET_XML_DESC,    /* (u) → s */
  VB_OP_NETWORK_GET_DHCP_LEASES, /* (su) mac flags → a(sxisssuss) */
  VB_OP_NETWORK_GET_BRIDGE_NAME, /* () → s */

  /* network jobs */
  VB_OP_NETWORK_CREATE,          /* () (job) */
  VB_OP_NETWORK_DESTROY,         /* () (job) */
  VB_OP_NETWORK_UNDEFINE,        /* () (job) */
  VB_OP_NETWORK_UPDATE,          /* (uuisu) command section parentIndex xml flags (job) */
  VB_OP_NETWORK_SET_AUTOSTART,   /* (b) (job) */

  VB_OP_LAST
} VbOp;

typedef enum {
  VB_OP_TARGET_HOST,
  VB_OP_TARGET_DOMAIN,
  VB_OP_TARGET_NETWORK,
} VbOpTarget;

typedef struct {
  const char *name;        /* libvirt-dbus member name, used in messages */
  VbOpTarget target;
  const char *args_type;   /* GVariant type string of the arguments */
  gboolean job;            /* modifies: serialised per object */
  /* libvirt's ACL permission checked for this op ("start", "read", "write",
   * "getattr", …) within the target's object kind; NULL for none beyond
   * connect-level read. */
  const char *permission;
} VbOpInfo;

const VbOpInfo *vb_op_get_info (VbOp op);

#define VB_TYPE_DRIVER (vb_driver_get_type ())
G_DECLARE_DERIVABLE_TYPE (VbDriver, vb_driver, VB, DRIVER, GObject)

struct _VbDriverClass {
  GObjectClass parent_class;

  /* Name of the driver root on the bus: "Test", "QEMU", "LXC". */
  const char *name;

  /* Loads definitions, re-attaches to what still runs, preloads fixtures. */
  gboolean (*open) (VbDriver *self, GError **error);

  /* Runs @op on @object (a VbDomain, a VbNetwork, or NULL for host and
   * creation ops) and completes @task with g_task_return_pointer() of a
   * floating-or-owned GVariant (NULL for operations without a result), or
   * with vb_driver_task_return_with_fds() where the result holds handles,
   * or with an error.  Anything the driver does not implement is completed
   * with vb_driver_task_return_unsupported().  Called on the main thread;
   * blocking work belongs in a thread or in async I/O. */
  void (*run) (VbDriver *self, VbOp op, gpointer object, GVariant *args, GTask *task);

  /* Whether something this driver started (a VM, a container, a network)
   * still runs, so that the daemon must not exit when idle.  Default: any
   * active domain or network. */
  gboolean (*is_busy) (VbDriver *self);

  gpointer padding[7];
};

const char *vb_driver_get_name (VbDriver *self);
gboolean vb_driver_open (VbDriver *self, GError **error);
gboolean vb_driver_is_busy (VbDriver *self);

/* Calling operations --------------------------------------------------- */

void vb_driver_call_async (VbDriver *self, VbOp op, gpointer object, GVariant *args,
                           GCancellable *cancellable, GAsyncReadyCallback callback,
                           gpointer user_data);
/* Returns the op's result (a full reference, NULL when the op has none) or
 * NULL with @error set.  For the *_XML creation ops the result is NULL and
 * @out_object (if given) receives a reference to the new object.  Results
 * that carry file descriptors lose them here (closed with the list); see
 * vb_driver_call_finish_with_fds. */
GVariant *vb_driver_call_finish (VbDriver *self, GAsyncResult *result, gpointer *out_object,
                                 GError **error);
/* As vb_driver_call_finish, for ops whose result holds handles ('h'):
 * @out_fd_list receives the GUnixFDList they index (NULL when the result
 * carries none). */
GVariant *vb_driver_call_finish_with_fds (VbDriver *self, GAsyncResult *result,
                                          GUnixFDList **out_fd_list, GError **error);

/* A creation op's document parsed once: the front end parses it (for the
 * name and UUID its authorization names), then hands it to the driver
 * with the call, and the driver does not parse it again. */
typedef struct _VbDefinition VbDefinition;

/* @xml parsed as @self parses documents of @op's kind (its parse flags,
 * no driver checks yet); @op is one of the *_XML creation ops. */
VbDefinition *vb_driver_parse_definition (VbDriver *self, VbOp op, const char *xml, GError **error);
const char *vb_definition_get_name (VbDefinition *definition);
const VbUuid *vb_definition_get_uuid (VbDefinition *definition);
void vb_definition_free (VbDefinition *definition);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbDefinition, vb_definition_free)

/* vb_driver_call_async for a creation op (object NULL) whose document
 * @definition holds (taken; NULL: the driver parses @args' document). */
void vb_driver_call_with_definition_async (VbDriver *self, VbOp op, GVariant *args, VbDefinition *definition,
                                           GCancellable *cancellable, GAsyncReadyCallback callback,
                                           gpointer user_data);

/* Driver side: the parsed document that came with a creation op's @task
 * (the kind's definition struct), or NULL when none came.  _peek leaves
 * it there (a call that is run again later finds it again); _steal hands
 * it over. */
gconstpointer vb_driver_task_peek_definition (GTask *task);
gpointer vb_driver_task_steal_definition (GTask *task);

/* How @self parses documents of @kind (a VbObject subclass): the flags
 * given to the kind's parser; 0 unless set. */
void vb_driver_set_parse_flags (VbDriver *self, GType kind, guint parse_flags);

/* Refuses flags outside @allowed with VB_ERROR_INVALID_ARG. */
gboolean vb_check_flags (guint flags, guint allowed, GError **error);
/* FALSE with "not supported by this driver: OP" (VB_ERROR_NOT_SUPPORTED):
 * what a driver answers for an op it does not implement. */
gboolean vb_op_unsupported (VbOp op, GError **error);

/* Queries every driver answers the same way from the registry and the
 * definitions (a domain's GetXMLDesc, GetState, GetMetadata and HasManagedSaveImage) are
 * answered by the core; drivers never see them. */

/* Helpers for drivers completing a task. */
void vb_driver_task_return_unsupported (GTask *task, VbOp op);
/* Completes @task with @value (may be floating; NULL: no value). */
void vb_driver_task_return_variant (GTask *task, GVariant *value);
/* Completes @task with @error (taken) unless @ok, else with @value. */
void vb_driver_task_return_result (GTask *task, gboolean ok, GVariant *value, GError *error);
void vb_driver_task_return_object (GTask *task, gpointer object);
/* Completes @task with @value (may be floating) whose handles index
 * @fd_list; the list travels with the result to the caller. */
void vb_driver_task_return_with_fds (GTask *task, GVariant *value, GUnixFDList *fd_list);
VbOp vb_driver_task_get_op (GTask *task);

/* Registry: besides ::domain-added/-removed and ::network-added/-removed,
 * ::domain-changed (VbDomain, GParamSpec) and ::network-changed report every
 * property change of a registered object, one handler for all of them. */

/* Registry --------------------------------------------------------------- */

/* The registry of @kind (a VbObject subclass), made on first use; for
 * domains and networks its ::added/::removed/::changed are relayed as the
 * driver's ::domain-added, ::network-changed and so on. */
VbObjectList *vb_driver_get_object_list (VbDriver *self, GType kind);
/* Into or out of the registry of the object's kind. */
void vb_driver_add_object (VbDriver *self, VbObject *object);
void vb_driver_remove_object (VbDriver *self, VbObject *object);

/* The registry holds one reference per object; add/remove emit
 * ::domain-added / ::domain-removed (and the network equivalents). */
void vb_driver_add_domain (VbDriver *self, VbDomain *domain);
void vb_driver_remove_domain (VbDriver *self, VbDomain *domain);
VbDomain *vb_driver_lookup_domain_by_uuid (VbDriver *self, const VbUuid *uuid);
VbDomain *vb_driver_lookup_domain_by_name (VbDriver *self, const char *name);
VbDomain *vb_driver_lookup_domain_by_id (VbDriver *self, int id);
/* In definition order; filtered with VB_LIST_DOMAINS_* flags (0: all).
 * Returns a new array of borrowed pointers. */
GPtrArray *vb_driver_list_domains (VbDriver *self, guint flags);
guint vb_driver_get_n_domains (VbDriver *self);
gboolean vb_driver_domain_matches (VbDomain *domain, guint flags);
/* Next free domain id (libvirt's ids only count up). */
int vb_driver_next_domain_id (VbDriver *self);

void vb_driver_add_network (VbDriver *self, VbNetwork *network);
void vb_driver_remove_network (VbDriver *self, VbNetwork *network);
VbNetwork *vb_driver_lookup_network_by_uuid (VbDriver *self, const VbUuid *uuid);
VbNetwork *vb_driver_lookup_network_by_name (VbDriver *self, const char *name);
GPtrArray *vb_driver_list_networks (VbDriver *self, guint flags);
gboolean vb_driver_network_matches (VbNetwork *network, guint flags);

/* Name/UUID collision rules for defining @name/@uuid, as libvirt applies
 * them: the same UUID with another name, or the same name with another
 * UUID, is refused; the same pair is an update of @out_existing. */
gboolean vb_driver_check_domain_identity (VbDriver *self, const char *name, const VbUuid *uuid,
                                          VbDomain **out_existing, GError **error);
gboolean vb_driver_check_network_identity (VbDriver *self, const char *name, const VbUuid *uuid,
                                           VbNetwork **out_existing, GError **error);

/* Events: emitted by drivers after the change is visible. ------------- */

/* Reports @event on @object (a VbDomain, or a VbNetwork for the network
 * kinds) through ::event (GObject *object, const VbEvent *event), which
 * front ends turn into their signals. */
void vb_driver_emit_event (VbDriver *self, gpointer object, const VbEvent *event);
/* Lifecycle shorthands for vb_driver_emit_event. */
void vb_driver_emit_domain_event (VbDriver *self, VbDomain *domain, VbDomainEvent event, int detail);
void vb_driver_emit_network_event (VbDriver *self, VbNetwork *network, VbNetworkEvent event);

G_END_DECLS
