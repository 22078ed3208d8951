/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__VIRTBUS_H_INSIDE__) && !defined(VIRTBUS_COMPILATION)
#error "Only <virtbus.h> can be included directly."
#endif

#include <glib-object.h>

G_BEGIN_DECLS

/* Every value equals libvirt's public number: the daemon sends libvirt's
 * integers on the bus and the library passes them through unchanged. The
 * nicks (derived from the names) are the details of the detailed signals,
 * e.g. "stopped::destroyed". */

/**
 * VirtbusDomainState:
 * @VIRTBUS_DOMAIN_STATE_NOSTATE: no state
 * @VIRTBUS_DOMAIN_STATE_RUNNING: running
 * @VIRTBUS_DOMAIN_STATE_BLOCKED: blocked on a resource
 * @VIRTBUS_DOMAIN_STATE_PAUSED: paused by the user or the hypervisor
 * @VIRTBUS_DOMAIN_STATE_SHUTDOWN: being shut down
 * @VIRTBUS_DOMAIN_STATE_SHUTOFF: shut off
 * @VIRTBUS_DOMAIN_STATE_CRASHED: crashed
 * @VIRTBUS_DOMAIN_STATE_PMSUSPENDED: suspended by guest power management
 *
 * The state of a domain (virDomainState).
 *
 * Since: 1.0
 */
typedef enum {
  VIRTBUS_DOMAIN_STATE_NOSTATE = 0,
  VIRTBUS_DOMAIN_STATE_RUNNING = 1,
  VIRTBUS_DOMAIN_STATE_BLOCKED = 2,
  VIRTBUS_DOMAIN_STATE_PAUSED = 3,
  VIRTBUS_DOMAIN_STATE_SHUTDOWN = 4,
  VIRTBUS_DOMAIN_STATE_SHUTOFF = 5,
  VIRTBUS_DOMAIN_STATE_CRASHED = 6,
  VIRTBUS_DOMAIN_STATE_PMSUSPENDED = 7,
} VirtbusDomainState;

/**
 * VirtbusDomainDefinedDetail:
 * @VIRTBUS_DOMAIN_DEFINED_ADDED: a new persistent definition
 * @VIRTBUS_DOMAIN_DEFINED_UPDATED: an existing definition changed
 * @VIRTBUS_DOMAIN_DEFINED_RENAMED: the domain was renamed
 * @VIRTBUS_DOMAIN_DEFINED_FROM_SNAPSHOT: the definition came from a snapshot
 *
 * Detail of [signal@Virtbus.Domain::defined].
 *
 * Since: 1.0
 */
typedef enum {
  VIRTBUS_DOMAIN_DEFINED_ADDED = 0,
  VIRTBUS_DOMAIN_DEFINED_UPDATED = 1,
  VIRTBUS_DOMAIN_DEFINED_RENAMED = 2,
  VIRTBUS_DOMAIN_DEFINED_FROM_SNAPSHOT = 3,
} VirtbusDomainDefinedDetail;

/**
 * VirtbusDomainUndefinedDetail:
 * @VIRTBUS_DOMAIN_UNDEFINED_REMOVED: the definition was deleted
 * @VIRTBUS_DOMAIN_UNDEFINED_RENAMED: the old name of a renamed domain went away
 *
 * Detail of [signal@Virtbus.Domain::undefined].
 *
 * Since: 1.0
 */
typedef enum {
  VIRTBUS_DOMAIN_UNDEFINED_REMOVED = 0,
  VIRTBUS_DOMAIN_UNDEFINED_RENAMED = 1,
} VirtbusDomainUndefinedDetail;

/**
 * VirtbusDomainStartedDetail:
 * @VIRTBUS_DOMAIN_STARTED_BOOTED: normal boot
 * @VIRTBUS_DOMAIN_STARTED_MIGRATED: incoming migration
 * @VIRTBUS_DOMAIN_STARTED_RESTORED: restored from a saved image
 * @VIRTBUS_DOMAIN_STARTED_FROM_SNAPSHOT: restored from a snapshot
 * @VIRTBUS_DOMAIN_STARTED_WAKEUP: woken up after a PM suspend
 *
 * Detail of [signal@Virtbus.Domain::started].
 *
 * Since: 1.0
 */
typedef enum {
  VIRTBUS_DOMAIN_STARTED_BOOTED = 0,
  VIRTBUS_DOMAIN_STARTED_MIGRATED = 1,
  VIRTBUS_DOMAIN_STARTED_RESTORED = 2,
  VIRTBUS_DOMAIN_STARTED_FROM_SNAPSHOT = 3,
  VIRTBUS_DOMAIN_STARTED_WAKEUP = 4,
} VirtbusDomainStartedDetail;

/**
 * VirtbusDomainSuspendedDetail:
 * @VIRTBUS_DOMAIN_SUSPENDED_PAUSED: paused by a request
 * @VIRTBUS_DOMAIN_SUSPENDED_MIGRATED: paused for an offline migration
 * @VIRTBUS_DOMAIN_SUSPENDED_IOERROR: paused on a disk I/O error
 * @VIRTBUS_DOMAIN_SUSPENDED_WATCHDOG: paused by the watchdog
 * @VIRTBUS_DOMAIN_SUSPENDED_RESTORED: restored from a paused saved image
 * @VIRTBUS_DOMAIN_SUSPENDED_FROM_SNAPSHOT: restored from a paused snapshot
 * @VIRTBUS_DOMAIN_SUSPENDED_API_ERROR: a management call failed
 * @VIRTBUS_DOMAIN_SUSPENDED_POSTCOPY: paused for post-copy migration
 * @VIRTBUS_DOMAIN_SUSPENDED_POSTCOPY_FAILED: post-copy migration failed
 *
 * Detail of [signal@Virtbus.Domain::suspended].
 *
 * Since: 1.0
 */
typedef enum {
  VIRTBUS_DOMAIN_SUSPENDED_PAUSED = 0,
  VIRTBUS_DOMAIN_SUSPENDED_MIGRATED = 1,
  VIRTBUS_DOMAIN_SUSPENDED_IOERROR = 2,
  VIRTBUS_DOMAIN_SUSPENDED_WATCHDOG = 3,
  VIRTBUS_DOMAIN_SUSPENDED_RESTORED = 4,
  VIRTBUS_DOMAIN_SUSPENDED_FROM_SNAPSHOT = 5,
  VIRTBUS_DOMAIN_SUSPENDED_API_ERROR = 6,
  VIRTBUS_DOMAIN_SUSPENDED_POSTCOPY = 7,
  VIRTBUS_DOMAIN_SUSPENDED_POSTCOPY_FAILED = 8,
} VirtbusDomainSuspendedDetail;

/**
 * VirtbusDomainResumedDetail:
 * @VIRTBUS_DOMAIN_RESUMED_UNPAUSED: resumed by a request
 * @VIRTBUS_DOMAIN_RESUMED_MIGRATED: resumed at the end of a migration
 * @VIRTBUS_DOMAIN_RESUMED_FROM_SNAPSHOT: resumed from a snapshot
 * @VIRTBUS_DOMAIN_RESUMED_POSTCOPY: resumed in post-copy migration
 * @VIRTBUS_DOMAIN_RESUMED_POSTCOPY_FAILED: resumed after a failed post-copy migration
 *
 * Detail of [signal@Virtbus.Domain::resumed].
 *
 * Since: 1.0
 */
typedef enum {
  VIRTBUS_DOMAIN_RESUMED_UNPAUSED = 0,
  VIRTBUS_DOMAIN_RESUMED_MIGRATED = 1,
  VIRTBUS_DOMAIN_RESUMED_FROM_SNAPSHOT = 2,
  VIRTBUS_DOMAIN_RESUMED_POSTCOPY = 3,
  VIRTBUS_DOMAIN_RESUMED_POSTCOPY_FAILED = 4,
} VirtbusDomainResumedDetail;

/**
 * VirtbusDomainStoppedDetail:
 * @VIRTBUS_DOMAIN_STOPPED_SHUTDOWN: the guest shut down
 * @VIRTBUS_DOMAIN_STOPPED_DESTROYED: destroyed (forced off)
 * @VIRTBUS_DOMAIN_STOPPED_CRASHED: the guest crashed
 * @VIRTBUS_DOMAIN_STOPPED_MIGRATED: migrated away
 * @VIRTBUS_DOMAIN_STOPPED_SAVED: saved to an image
 * @VIRTBUS_DOMAIN_STOPPED_FAILED: the hypervisor failed
 * @VIRTBUS_DOMAIN_STOPPED_FROM_SNAPSHOT: reverted to an offline snapshot
 *
 * Detail of [signal@Virtbus.Domain::stopped].
 *
 * Since: 1.0
 */
typedef enum {
  VIRTBUS_DOMAIN_STOPPED_SHUTDOWN = 0,
  VIRTBUS_DOMAIN_STOPPED_DESTROYED = 1,
  VIRTBUS_DOMAIN_STOPPED_CRASHED = 2,
  VIRTBUS_DOMAIN_STOPPED_MIGRATED = 3,
  VIRTBUS_DOMAIN_STOPPED_SAVED = 4,
  VIRTBUS_DOMAIN_STOPPED_FAILED = 5,
  VIRTBUS_DOMAIN_STOPPED_FROM_SNAPSHOT = 6,
} VirtbusDomainStoppedDetail;

/**
 * VirtbusDomainShutdownDetail:
 * @VIRTBUS_DOMAIN_SHUTDOWN_FINISHED: the guest finished shutting down
 * @VIRTBUS_DOMAIN_SHUTDOWN_GUEST: the guest started the shutdown
 * @VIRTBUS_DOMAIN_SHUTDOWN_HOST: the host started the shutdown
 *
 * Detail of [signal@Virtbus.Domain::shutdown].
 *
 * Since: 1.0
 */
typedef enum {
  VIRTBUS_DOMAIN_SHUTDOWN_FINISHED = 0,
  VIRTBUS_DOMAIN_SHUTDOWN_GUEST = 1,
  VIRTBUS_DOMAIN_SHUTDOWN_HOST = 2,
} VirtbusDomainShutdownDetail;

/**
 * VirtbusDomainPMSuspendedDetail:
 * @VIRTBUS_DOMAIN_PMSUSPENDED_MEMORY: suspended to memory
 * @VIRTBUS_DOMAIN_PMSUSPENDED_DISK: suspended to disk
 *
 * Detail of [signal@Virtbus.Domain::pmsuspended].
 *
 * Since: 1.0
 */
typedef enum {
  VIRTBUS_DOMAIN_PMSUSPENDED_MEMORY = 0,
  VIRTBUS_DOMAIN_PMSUSPENDED_DISK = 1,
} VirtbusDomainPMSuspendedDetail;

/**
 * VirtbusDomainCrashedDetail:
 * @VIRTBUS_DOMAIN_CRASHED_PANICKED: the guest kernel panicked
 * @VIRTBUS_DOMAIN_CRASHED_CRASHLOADED: the guest loaded a crash kernel
 *
 * Detail of [signal@Virtbus.Domain::crashed].
 *
 * Since: 1.0
 */
typedef enum {
  VIRTBUS_DOMAIN_CRASHED_PANICKED = 0,
  VIRTBUS_DOMAIN_CRASHED_CRASHLOADED = 1,
} VirtbusDomainCrashedDetail;

/**
 * VirtbusDomainStartFlags:
 * @VIRTBUS_DOMAIN_START_NONE: no flag
 * @VIRTBUS_DOMAIN_START_PAUSED: start with the CPUs paused
 * @VIRTBUS_DOMAIN_START_AUTODESTROY: destroy when the connection closes
 * @VIRTBUS_DOMAIN_START_BYPASS_CACHE: bypass the file cache for a managed save image
 * @VIRTBUS_DOMAIN_START_FORCE_BOOT: boot, discarding a managed save image
 * @VIRTBUS_DOMAIN_START_VALIDATE: validate the XML against the schema
 *
 * Flags for starting a domain (virDomainCreateFlags).
 *
 * Since: 1.0
 */
typedef enum /*< flags >*/ {
  VIRTBUS_DOMAIN_START_NONE = 0,
  VIRTBUS_DOMAIN_START_PAUSED = 1 << 0,
  VIRTBUS_DOMAIN_START_AUTODESTROY = 1 << 1,
  VIRTBUS_DOMAIN_START_BYPASS_CACHE = 1 << 2,
  VIRTBUS_DOMAIN_START_FORCE_BOOT = 1 << 3,
  VIRTBUS_DOMAIN_START_VALIDATE = 1 << 4,
} VirtbusDomainStartFlags;

/**
 * VirtbusDomainShutdownFlags:
 * @VIRTBUS_DOMAIN_SHUTDOWN_DEFAULT: the hypervisor's choice
 * @VIRTBUS_DOMAIN_SHUTDOWN_ACPI_POWER_BTN: press the ACPI power button
 * @VIRTBUS_DOMAIN_SHUTDOWN_GUEST_AGENT: ask the guest agent
 * @VIRTBUS_DOMAIN_SHUTDOWN_INITCTL: use initctl (containers)
 * @VIRTBUS_DOMAIN_SHUTDOWN_SIGNAL: send a signal (containers)
 * @VIRTBUS_DOMAIN_SHUTDOWN_PARAVIRT: use a paravirtual event channel
 *
 * How to ask a guest to shut down or reboot (virDomainShutdownFlagValues,
 * which virDomainRebootFlagValues equals).
 *
 * Since: 1.0
 */
typedef enum /*< flags >*/ {
  VIRTBUS_DOMAIN_SHUTDOWN_DEFAULT = 0,
  VIRTBUS_DOMAIN_SHUTDOWN_ACPI_POWER_BTN = 1 << 0,
  VIRTBUS_DOMAIN_SHUTDOWN_GUEST_AGENT = 1 << 1,
  VIRTBUS_DOMAIN_SHUTDOWN_INITCTL = 1 << 2,
  VIRTBUS_DOMAIN_SHUTDOWN_SIGNAL = 1 << 3,
  VIRTBUS_DOMAIN_SHUTDOWN_PARAVIRT = 1 << 4,
} VirtbusDomainShutdownFlags;

/**
 * VirtbusDomainDestroyFlags:
 * @VIRTBUS_DOMAIN_DESTROY_DEFAULT: kill the guest
 * @VIRTBUS_DOMAIN_DESTROY_GRACEFUL: terminate, but do not kill
 *
 * Flags for destroying a domain (virDomainDestroyFlagsValues).
 *
 * Since: 1.0
 */
typedef enum /*< flags >*/ {
  VIRTBUS_DOMAIN_DESTROY_DEFAULT = 0,
  VIRTBUS_DOMAIN_DESTROY_GRACEFUL = 1 << 0,
} VirtbusDomainDestroyFlags;

/**
 * VirtbusDomainSaveFlags:
 * @VIRTBUS_DOMAIN_SAVE_NONE: no flag
 * @VIRTBUS_DOMAIN_SAVE_BYPASS_CACHE: bypass the file cache
 * @VIRTBUS_DOMAIN_SAVE_RUNNING: restore as running
 * @VIRTBUS_DOMAIN_SAVE_PAUSED: restore as paused
 * @VIRTBUS_DOMAIN_SAVE_RESET_NVRAM: restore with a fresh copy of the NVRAM template
 *
 * Flags for saving a domain and restoring it (virDomainSaveRestoreFlags).
 *
 * Since: 1.0
 */
typedef enum /*< flags >*/ {
  VIRTBUS_DOMAIN_SAVE_NONE = 0,
  VIRTBUS_DOMAIN_SAVE_BYPASS_CACHE = 1 << 0,
  VIRTBUS_DOMAIN_SAVE_RUNNING = 1 << 1,
  VIRTBUS_DOMAIN_SAVE_PAUSED = 1 << 2,
  VIRTBUS_DOMAIN_SAVE_RESET_NVRAM = 1 << 3,
} VirtbusDomainSaveFlags;

/**
 * VirtbusDomainUndefineFlags:
 * @VIRTBUS_DOMAIN_UNDEFINE_NONE: no flag
 * @VIRTBUS_DOMAIN_UNDEFINE_MANAGED_SAVE: also remove a managed save image
 * @VIRTBUS_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA: also remove snapshot metadata
 * @VIRTBUS_DOMAIN_UNDEFINE_NVRAM: also remove the NVRAM file
 * @VIRTBUS_DOMAIN_UNDEFINE_KEEP_NVRAM: keep the NVRAM file
 * @VIRTBUS_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA: also remove checkpoint metadata
 *
 * Flags for undefining a domain (virDomainUndefineFlagsValues).
 *
 * Since: 1.0
 */
typedef enum /*< flags >*/ {
  VIRTBUS_DOMAIN_UNDEFINE_NONE = 0,
  VIRTBUS_DOMAIN_UNDEFINE_MANAGED_SAVE = 1 << 0,
  VIRTBUS_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA = 1 << 1,
  VIRTBUS_DOMAIN_UNDEFINE_NVRAM = 1 << 2,
  VIRTBUS_DOMAIN_UNDEFINE_KEEP_NVRAM = 1 << 3,
  VIRTBUS_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA = 1 << 4,
} VirtbusDomainUndefineFlags;

/**
 * VirtbusDomainXMLFlags:
 * @VIRTBUS_DOMAIN_XML_NONE: the current (live when running) definition
 * @VIRTBUS_DOMAIN_XML_SECURE: include passwords
 * @VIRTBUS_DOMAIN_XML_INACTIVE: the persistent definition
 * @VIRTBUS_DOMAIN_XML_UPDATE_CPU: expand the CPU model
 * @VIRTBUS_DOMAIN_XML_MIGRATABLE: suitable for migration
 *
 * Flags for [method@Virtbus.Domain.get_xml_desc_async] (virDomainXMLFlags).
 *
 * Since: 1.0
 */
typedef enum /*< flags >*/ {
  VIRTBUS_DOMAIN_XML_NONE = 0,
  VIRTBUS_DOMAIN_XML_SECURE = 1 << 0,
  VIRTBUS_DOMAIN_XML_INACTIVE = 1 << 1,
  VIRTBUS_DOMAIN_XML_UPDATE_CPU = 1 << 2,
  VIRTBUS_DOMAIN_XML_MIGRATABLE = 1 << 3,
} VirtbusDomainXMLFlags;

/**
 * VirtbusDomainAffectFlags:
 * @VIRTBUS_DOMAIN_AFFECT_CURRENT: the running domain if active, else its definition
 * @VIRTBUS_DOMAIN_AFFECT_LIVE: the running domain
 * @VIRTBUS_DOMAIN_AFFECT_CONFIG: the persistent definition
 * @VIRTBUS_DOMAIN_AFFECT_MAXIMUM: the maximum (vCPUs or memory) rather than the current value
 *
 * Which copy of a domain a change affects (virDomainModificationImpact
 * plus the shared "maximum" bit of virDomainVcpuFlags and
 * virDomainMemoryModFlags).
 *
 * Since: 1.0
 */
typedef enum /*< flags >*/ {
  VIRTBUS_DOMAIN_AFFECT_CURRENT = 0,
  VIRTBUS_DOMAIN_AFFECT_LIVE = 1 << 0,
  VIRTBUS_DOMAIN_AFFECT_CONFIG = 1 << 1,
  VIRTBUS_DOMAIN_AFFECT_MAXIMUM = 1 << 2,
} VirtbusDomainAffectFlags;

/**
 * VirtbusDomainOpenGraphicsFlags:
 * @VIRTBUS_DOMAIN_OPEN_GRAPHICS_NONE: the display's own authentication applies
 * @VIRTBUS_DOMAIN_OPEN_GRAPHICS_SKIPAUTH: the client skips the display's authentication
 *
 * How a client is connected to a display (virDomainOpenGraphicsFlags).
 *
 * Since: 1.0
 */
typedef enum /*< flags >*/ {
  VIRTBUS_DOMAIN_OPEN_GRAPHICS_NONE = 0,
  VIRTBUS_DOMAIN_OPEN_GRAPHICS_SKIPAUTH = 1 << 0,
} VirtbusDomainOpenGraphicsFlags;

/**
 * VirtbusDomainDeviceModifyFlags:
 * @VIRTBUS_DOMAIN_DEVICE_MODIFY_CURRENT: the running domain if active, else its definition
 * @VIRTBUS_DOMAIN_DEVICE_MODIFY_LIVE: the running domain
 * @VIRTBUS_DOMAIN_DEVICE_MODIFY_CONFIG: the persistent definition
 * @VIRTBUS_DOMAIN_DEVICE_MODIFY_FORCE: force the change (eject a locked medium); updates only
 *
 * Which copy of a domain attaching, detaching or updating a device
 * affects (virDomainDeviceModifyFlags): the bits of
 * [flags@Virtbus.DomainAffectFlags], except that bit 2 means "force" here, not
 * "maximum".
 *
 * Since: 1.0
 */
typedef enum /*< flags >*/ {
  VIRTBUS_DOMAIN_DEVICE_MODIFY_CURRENT = 0,
  VIRTBUS_DOMAIN_DEVICE_MODIFY_LIVE = 1 << 0,
  VIRTBUS_DOMAIN_DEVICE_MODIFY_CONFIG = 1 << 1,
  VIRTBUS_DOMAIN_DEVICE_MODIFY_FORCE = 1 << 2,
} VirtbusDomainDeviceModifyFlags;

/**
 * VirtbusKeycodeSet:
 * @VIRTBUS_KEYCODE_SET_LINUX: Linux input keycodes (linux/input-event-codes.h)
 * @VIRTBUS_KEYCODE_SET_XT: IBM XT scancodes
 * @VIRTBUS_KEYCODE_SET_ATSET1: PC AT set 1 scancodes
 * @VIRTBUS_KEYCODE_SET_ATSET2: PC AT set 2 scancodes
 * @VIRTBUS_KEYCODE_SET_ATSET3: PC AT set 3 scancodes
 * @VIRTBUS_KEYCODE_SET_OSX: macOS virtual keycodes
 * @VIRTBUS_KEYCODE_SET_XT_KBD: the Linux XT keyboard driver's scancodes
 * @VIRTBUS_KEYCODE_SET_USB: USB HID usage codes
 * @VIRTBUS_KEYCODE_SET_WIN32: Windows virtual-key codes
 * @VIRTBUS_KEYCODE_SET_QNUM: QEMU's key numbers (libvirt's former "RFB" set)
 *
 * The codeset of the keycodes given to [method@Virtbus.Domain.send_key_async]
 * (virKeycodeSet).
 *
 * Since: 1.0
 */
typedef enum {
  VIRTBUS_KEYCODE_SET_LINUX = 0,
  VIRTBUS_KEYCODE_SET_XT = 1,
  VIRTBUS_KEYCODE_SET_ATSET1 = 2,
  VIRTBUS_KEYCODE_SET_ATSET2 = 3,
  VIRTBUS_KEYCODE_SET_ATSET3 = 4,
  VIRTBUS_KEYCODE_SET_OSX = 5,
  VIRTBUS_KEYCODE_SET_XT_KBD = 6,
  VIRTBUS_KEYCODE_SET_USB = 7,
  VIRTBUS_KEYCODE_SET_WIN32 = 8,
  VIRTBUS_KEYCODE_SET_QNUM = 9,
} VirtbusKeycodeSet;

/**
 * VirtbusDomainInterfaceAddressesSource:
 * @VIRTBUS_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE: the DHCP leases of the host's virtual networks
 * @VIRTBUS_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT: the guest agent
 * @VIRTBUS_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP: the host's ARP table
 *
 * Where [method@Virtbus.Domain.get_interface_addresses_async] learns a guest's
 * addresses (virDomainInterfaceAddressesSource).
 *
 * Since: 1.0
 */
typedef enum {
  VIRTBUS_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE = 0,
  VIRTBUS_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT = 1,
  VIRTBUS_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP = 2,
} VirtbusDomainInterfaceAddressesSource;

/**
 * VirtbusIPAddrType:
 * @VIRTBUS_IP_ADDR_TYPE_IPV4: an IPv4 address
 * @VIRTBUS_IP_ADDR_TYPE_IPV6: an IPv6 address
 *
 * The family of an address (virIPAddrType).
 *
 * Since: 1.0
 */
typedef enum {
  VIRTBUS_IP_ADDR_TYPE_IPV4 = 0,
  VIRTBUS_IP_ADDR_TYPE_IPV6 = 1,
} VirtbusIPAddrType;

/**
 * VirtbusDomainCoreDumpFormat:
 * @VIRTBUS_DOMAIN_CORE_DUMP_FORMAT_RAW: an ELF core file
 * @VIRTBUS_DOMAIN_CORE_DUMP_FORMAT_KDUMP_ZLIB: kdump, zlib-compressed
 * @VIRTBUS_DOMAIN_CORE_DUMP_FORMAT_KDUMP_LZO: kdump, LZO-compressed
 * @VIRTBUS_DOMAIN_CORE_DUMP_FORMAT_KDUMP_SNAPPY: kdump, snappy-compressed
 * @VIRTBUS_DOMAIN_CORE_DUMP_FORMAT_WIN_DMP: a Windows crash dump
 *
 * The file format of [method@Virtbus.Domain.core_dump_async]
 * (virDomainCoreDumpFormat).
 *
 * Since: 1.0
 */
typedef enum {
  VIRTBUS_DOMAIN_CORE_DUMP_FORMAT_RAW = 0,
  VIRTBUS_DOMAIN_CORE_DUMP_FORMAT_KDUMP_ZLIB = 1,
  VIRTBUS_DOMAIN_CORE_DUMP_FORMAT_KDUMP_LZO = 2,
  VIRTBUS_DOMAIN_CORE_DUMP_FORMAT_KDUMP_SNAPPY = 3,
  VIRTBUS_DOMAIN_CORE_DUMP_FORMAT_WIN_DMP = 4,
} VirtbusDomainCoreDumpFormat;

/**
 * VirtbusDomainCoreDumpFlags:
 * @VIRTBUS_DOMAIN_CORE_DUMP_NONE: pause the guest for the dump, resume it after
 * @VIRTBUS_DOMAIN_CORE_DUMP_CRASH: stop the domain as crashed after the dump
 * @VIRTBUS_DOMAIN_CORE_DUMP_LIVE: keep the guest running during the dump
 * @VIRTBUS_DOMAIN_CORE_DUMP_BYPASS_CACHE: bypass the file cache
 * @VIRTBUS_DOMAIN_CORE_DUMP_RESET: reset the guest after the dump
 * @VIRTBUS_DOMAIN_CORE_DUMP_MEMORY_ONLY: dump only the memory, without device state
 *
 * Flags for [method@Virtbus.Domain.core_dump_async] (virDomainCoreDumpFlags).
 *
 * Since: 1.0
 */
typedef enum /*< flags >*/ {
  VIRTBUS_DOMAIN_CORE_DUMP_NONE = 0,
  VIRTBUS_DOMAIN_CORE_DUMP_CRASH = 1 << 0,
  VIRTBUS_DOMAIN_CORE_DUMP_LIVE = 1 << 1,
  VIRTBUS_DOMAIN_CORE_DUMP_BYPASS_CACHE = 1 << 2,
  VIRTBUS_DOMAIN_CORE_DUMP_RESET = 1 << 3,
  VIRTBUS_DOMAIN_CORE_DUMP_MEMORY_ONLY = 1 << 4,
} VirtbusDomainCoreDumpFlags;

/**
 * VirtbusDomainMetadataType:
 * @VIRTBUS_DOMAIN_METADATA_DESCRIPTION: the &lt;description&gt;
 * @VIRTBUS_DOMAIN_METADATA_TITLE: the &lt;title&gt;
 * @VIRTBUS_DOMAIN_METADATA_ELEMENT: an application element under &lt;metadata&gt;
 *
 * Which metadata to read or write (virDomainMetadataType).
 *
 * Since: 1.0
 */
typedef enum {
  VIRTBUS_DOMAIN_METADATA_DESCRIPTION = 0,
  VIRTBUS_DOMAIN_METADATA_TITLE = 1,
  VIRTBUS_DOMAIN_METADATA_ELEMENT = 2,
} VirtbusDomainMetadataType;

/**
 * VirtbusNetworkForwardMode:
 * @VIRTBUS_NETWORK_FORWARD_NONE: isolated, no &lt;forward&gt;
 * @VIRTBUS_NETWORK_FORWARD_NAT: NAT to the host's network
 * @VIRTBUS_NETWORK_FORWARD_ROUTE: routed without NAT
 * @VIRTBUS_NETWORK_FORWARD_OPEN: routed, without firewall rules
 * @VIRTBUS_NETWORK_FORWARD_BRIDGE: an existing host bridge or macvtap bridge mode
 * @VIRTBUS_NETWORK_FORWARD_PRIVATE: macvtap private mode
 * @VIRTBUS_NETWORK_FORWARD_VEPA: macvtap VEPA mode
 * @VIRTBUS_NETWORK_FORWARD_PASSTHROUGH: macvtap passthrough mode
 * @VIRTBUS_NETWORK_FORWARD_HOSTDEV: PCI device assignment (SR-IOV VFs)
 *
 * The &lt;forward mode&gt; of a network.
 *
 * Since: 1.0
 */
typedef enum {
  VIRTBUS_NETWORK_FORWARD_NONE = 0,
  VIRTBUS_NETWORK_FORWARD_NAT,
  VIRTBUS_NETWORK_FORWARD_ROUTE,
  VIRTBUS_NETWORK_FORWARD_OPEN,
  VIRTBUS_NETWORK_FORWARD_BRIDGE,
  VIRTBUS_NETWORK_FORWARD_PRIVATE,
  VIRTBUS_NETWORK_FORWARD_VEPA,
  VIRTBUS_NETWORK_FORWARD_PASSTHROUGH,
  VIRTBUS_NETWORK_FORWARD_HOSTDEV,
} VirtbusNetworkForwardMode;

/**
 * VirtbusVirtualPortType:
 * @VIRTBUS_VIRTUAL_PORT_NONE: no type: a partial profile merged with others
 * @VIRTBUS_VIRTUAL_PORT_IEEE_8021QBG: IEEE 802.1Qbg
 * @VIRTBUS_VIRTUAL_PORT_IEEE_8021QBH: IEEE 802.1Qbh
 * @VIRTBUS_VIRTUAL_PORT_OPENVSWITCH: Open vSwitch
 * @VIRTBUS_VIRTUAL_PORT_MIDONET: MidoNet
 *
 * The type of a &lt;virtualport&gt;.
 *
 * Since: 1.0
 */
typedef enum {
  VIRTBUS_VIRTUAL_PORT_NONE = 0,
  VIRTBUS_VIRTUAL_PORT_IEEE_8021QBG,
  VIRTBUS_VIRTUAL_PORT_IEEE_8021QBH,
  VIRTBUS_VIRTUAL_PORT_OPENVSWITCH,
  VIRTBUS_VIRTUAL_PORT_MIDONET,
} VirtbusVirtualPortType;

/**
 * VirtbusNetworkUpdateCommand:
 * @VIRTBUS_NETWORK_UPDATE_MODIFY: replace an existing entry
 * @VIRTBUS_NETWORK_UPDATE_DELETE: delete an entry
 * @VIRTBUS_NETWORK_UPDATE_ADD_LAST: append an entry
 * @VIRTBUS_NETWORK_UPDATE_ADD_FIRST: prepend an entry
 *
 * What [method@Virtbus.Network.update_async] does (virNetworkUpdateCommand).
 *
 * Since: 1.0
 */
typedef enum {
  VIRTBUS_NETWORK_UPDATE_MODIFY = 1,
  VIRTBUS_NETWORK_UPDATE_DELETE = 2,
  VIRTBUS_NETWORK_UPDATE_ADD_LAST = 3,
  VIRTBUS_NETWORK_UPDATE_ADD_FIRST = 4,
} VirtbusNetworkUpdateCommand;

/**
 * VirtbusNetworkSection:
 * @VIRTBUS_NETWORK_SECTION_BRIDGE: &lt;bridge&gt;
 * @VIRTBUS_NETWORK_SECTION_DOMAIN: &lt;domain&gt;
 * @VIRTBUS_NETWORK_SECTION_IP: &lt;ip&gt;
 * @VIRTBUS_NETWORK_SECTION_IP_DHCP_HOST: &lt;ip&gt;&lt;dhcp&gt;&lt;host&gt;
 * @VIRTBUS_NETWORK_SECTION_IP_DHCP_RANGE: &lt;ip&gt;&lt;dhcp&gt;&lt;range&gt;
 * @VIRTBUS_NETWORK_SECTION_FORWARD: &lt;forward&gt;
 * @VIRTBUS_NETWORK_SECTION_FORWARD_INTERFACE: &lt;forward&gt;&lt;interface&gt;
 * @VIRTBUS_NETWORK_SECTION_FORWARD_PF: &lt;forward&gt;&lt;pf&gt;
 * @VIRTBUS_NETWORK_SECTION_PORTGROUP: &lt;portgroup&gt;
 * @VIRTBUS_NETWORK_SECTION_DNS_HOST: &lt;dns&gt;&lt;host&gt;
 * @VIRTBUS_NETWORK_SECTION_DNS_TXT: &lt;dns&gt;&lt;txt&gt;
 * @VIRTBUS_NETWORK_SECTION_DNS_SRV: &lt;dns&gt;&lt;srv&gt;
 *
 * The part of a network that [method@Virtbus.Network.update_async] changes
 * (virNetworkUpdateSection).
 *
 * Since: 1.0
 */
typedef enum {
  VIRTBUS_NETWORK_SECTION_BRIDGE = 1,
  VIRTBUS_NETWORK_SECTION_DOMAIN = 2,
  VIRTBUS_NETWORK_SECTION_IP = 3,
  VIRTBUS_NETWORK_SECTION_IP_DHCP_HOST = 4,
  VIRTBUS_NETWORK_SECTION_IP_DHCP_RANGE = 5,
  VIRTBUS_NETWORK_SECTION_FORWARD = 6,
  VIRTBUS_NETWORK_SECTION_FORWARD_INTERFACE = 7,
  VIRTBUS_NETWORK_SECTION_FORWARD_PF = 8,
  VIRTBUS_NETWORK_SECTION_PORTGROUP = 9,
  VIRTBUS_NETWORK_SECTION_DNS_HOST = 10,
  VIRTBUS_NETWORK_SECTION_DNS_TXT = 11,
  VIRTBUS_NETWORK_SECTION_DNS_SRV = 12,
} VirtbusNetworkSection;

/**
 * VirtbusNetworkUpdateFlags:
 * @VIRTBUS_NETWORK_UPDATE_AFFECT_CURRENT: the running network if active, else its definition
 * @VIRTBUS_NETWORK_UPDATE_AFFECT_LIVE: the running network
 * @VIRTBUS_NETWORK_UPDATE_AFFECT_CONFIG: the persistent definition
 *
 * Which copy of a network an update affects (virNetworkUpdateFlags).
 *
 * Since: 1.0
 */
typedef enum /*< flags >*/ {
  VIRTBUS_NETWORK_UPDATE_AFFECT_CURRENT = 0,
  VIRTBUS_NETWORK_UPDATE_AFFECT_LIVE = 1 << 0,
  VIRTBUS_NETWORK_UPDATE_AFFECT_CONFIG = 1 << 1,
} VirtbusNetworkUpdateFlags;

/**
 * VirtbusNetworkXMLFlags:
 * @VIRTBUS_NETWORK_XML_NONE: the current (live when running) definition
 * @VIRTBUS_NETWORK_XML_INACTIVE: the persistent definition
 *
 * Flags for [method@Virtbus.Network.get_xml_desc_async] (virNetworkXMLFlags).
 *
 * Since: 1.0
 */
typedef enum /*< flags >*/ {
  VIRTBUS_NETWORK_XML_NONE = 0,
  VIRTBUS_NETWORK_XML_INACTIVE = 1 << 0,
} VirtbusNetworkXMLFlags;

G_END_DECLS
