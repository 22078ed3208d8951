/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib.h>
#include <string.h>

#include "vb-error.h"
#include "vb-storage-vol-def.h"
#include "vb-test-common.h"
#include "vb-util.h"

#define DIR_POOL "<pool type='dir'><name>p</name><target><path>/var/lib/p</path></target></pool>"
#define VOL_T "<target><path>/var/lib/p/v</path></target>"

typedef struct {
  const char *name;
  const char *xml;
  int code;
} Case;

/* Every rule the pool parser enforces, each with the smallest document
 * that breaks it. */
static const Case pool_parse_errors[] = {
  { "malformed", "<pool type='dir'><name>x</name>", VB_ERROR_INVALID_XML },
  { "wrong-root", "<volume><name>x</name></volume>", VB_ERROR_INVALID_XML },
  { "no-type", "<pool><name>x</name><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "bad-type", "<pool type='floppy'><name>x</name><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "no-name", "<pool type='dir'><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "empty-name", "<pool type='dir'><name></name><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "name-slash", "<pool type='dir'><name>a/b</name><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "bad-uuid", "<pool type='dir'><name>x</name><uuid>nope</uuid><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "no-target-path", "<pool type='dir'><name>x</name></pool>", VB_ERROR_INVALID_CONFIG },
  { "bad-cow", "<pool type='dir'><name>x</name><features><cow state='on'/></features><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "cow-on-netfs", "<pool type='netfs'><name>x</name><features><cow state='no'/></features><source><host name='h'/><dir path='/e'/></source><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "cow-no-state", "<pool type='dir'><name>x</name><features><cow/></features><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "bad-mode", "<pool type='dir'><name>x</name><target><path>/a</path><permissions><mode>0999</mode></permissions></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "mode-too-wide", "<pool type='dir'><name>x</name><target><path>/a</path><permissions><mode>01777</mode></permissions></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "bad-owner", "<pool type='dir'><name>x</name><target><path>/a</path><permissions><owner>root</owner></permissions></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "owner-below-minus-one", "<pool type='dir'><name>x</name><target><path>/a</path><permissions><owner>-2</owner></permissions></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "group-beyond-32-bits", "<pool type='dir'><name>x</name><target><path>/a</path><permissions><group>4294967296</group></permissions></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "fs-no-device", "<pool type='fs'><name>x</name><source/><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "fs-bad-format", "<pool type='fs'><name>x</name><source><device path='/dev/sda1'/><format type='ntfs'/></source><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "device-no-path", "<pool type='disk'><name>x</name><source><device/></source><target><path>/dev</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "disk-bad-format", "<pool type='disk'><name>x</name><source><device path='/dev/sda'/><format type='ntfs'/></source><target><path>/dev</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "bad-part-separator", "<pool type='disk'><name>x</name><source><device path='/dev/sda' part_separator='maybe'/></source><target><path>/dev</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "netfs-no-host", "<pool type='netfs'><name>x</name><source><dir path='/e'/></source><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "netfs-no-dir", "<pool type='netfs'><name>x</name><source><host name='h'/></source><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "host-no-name", "<pool type='netfs'><name>x</name><source><host/><dir path='/e'/></source><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "host-bad-port", "<pool type='netfs'><name>x</name><source><host name='h' port='http'/><dir path='/e'/></source><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "host-port-beyond-int", "<pool type='netfs'><name>x</name><source><host name='h' port='2147483648'/><dir path='/e'/></source><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "protocol-not-nfs", "<pool type='netfs'><name>x</name><source><host name='h'/><dir path='s'/><format type='cifs'/><protocol ver='3'/></source><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "protocol-comma", "<pool type='netfs'><name>x</name><source><host name='h'/><dir path='/e'/><format type='nfs'/><protocol ver='3,rw'/></source><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "logical-no-name", "<pool type='logical'><source><device path='/dev/sdb'/></source></pool>", VB_ERROR_INVALID_CONFIG },
  { "scsi-no-adapter", "<pool type='scsi'><name>x</name><source/><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "adapter-no-type", "<pool type='scsi'><name>x</name><source><adapter/></source><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "adapter-bad-type", "<pool type='scsi'><name>x</name><source><adapter type='usb_host' name='h'/></source><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "scsi-host-name-and-parentaddr", "<pool type='scsi'><name>x</name><source><adapter type='scsi_host' name='host0'><parentaddr><address domain='0' bus='0' slot='1' function='0'/></parentaddr></adapter></source><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "scsi-host-neither", "<pool type='scsi'><name>x</name><source><adapter type='scsi_host'/></source><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "untyped-adapter-with-wwnn", "<pool type='scsi'><name>x</name><source><adapter name='host0' wwnn='20000000c9831b4b'/></source><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "untyped-adapter-with-parentaddr", "<pool type='scsi'><name>x</name><source><adapter><parentaddr unique_id='1'><address domain='0' bus='0' slot='1' function='0'/></parentaddr></adapter></source><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "parentaddr-no-address", "<pool type='scsi'><name>x</name><source><adapter type='scsi_host'><parentaddr unique_id='1'/></adapter></source><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "parentaddr-slot-range", "<pool type='scsi'><name>x</name><source><adapter type='scsi_host'><parentaddr><address domain='0' bus='0' slot='0x20' function='0'/></parentaddr></adapter></source><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "parentaddr-no-unique-id", "<pool type='scsi'><name>x</name><source><adapter type='scsi_host'><parentaddr><address domain='0' bus='0' slot='1' function='0'/></parentaddr></adapter></source><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "fc-host-no-wwpn", "<pool type='scsi'><name>x</name><source><adapter type='fc_host' wwnn='20000000c9831b4b'/></source><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "fc-host-bad-wwnn", "<pool type='scsi'><name>x</name><source><adapter type='fc_host' wwnn='2000' wwpn='10000000c9831b4b'/></source><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "fc-host-parent-wwnn-alone", "<pool type='scsi'><name>x</name><source><adapter type='fc_host' parent_wwnn='20000000c9831b4c' wwnn='20000000c9831b4b' wwpn='10000000c9831b4b'/></source><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "fc-host-bad-managed", "<pool type='scsi'><name>x</name><source><adapter type='fc_host' managed='1' wwnn='20000000c9831b4b' wwpn='10000000c9831b4b'/></source><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "fc-host-bad-parent-fabric-wwn", "<pool type='scsi'><name>x</name><source><adapter type='fc_host' parent_fabric_wwn='xyz' wwnn='20000000c9831b4b' wwpn='10000000c9831b4b'/></source><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "auth-no-type", "<pool type='iscsi'><name>x</name><source><host name='h'/><device path='t'/><auth username='u'><secret usage='s'/></auth></source><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "auth-bad-type", "<pool type='iscsi'><name>x</name><source><host name='h'/><device path='t'/><auth type='kerberos' username='u'><secret usage='s'/></auth></source><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "auth-no-username", "<pool type='iscsi'><name>x</name><source><host name='h'/><device path='t'/><auth type='chap'><secret usage='s'/></auth></source><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "auth-no-secret", "<pool type='iscsi'><name>x</name><source><host name='h'/><device path='t'/><auth type='chap' username='u'/></source><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "auth-secret-empty", "<pool type='iscsi'><name>x</name><source><host name='h'/><device path='t'/><auth type='chap' username='u'><secret/></auth></source><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "auth-secret-uuid-and-usage", "<pool type='iscsi'><name>x</name><source><host name='h'/><device path='t'/><auth type='chap' username='u'><secret uuid='2ec115d7-3a88-3ceb-bc12-0ac909a6fd87' usage='s'/></auth></source><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "auth-secret-bad-uuid", "<pool type='iscsi'><name>x</name><source><host name='h'/><device path='t'/><auth type='chap' username='u'><secret uuid='x'/></auth></source><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "iscsi-direct-no-iqn", "<pool type='iscsi-direct'><name>x</name><source><host name='h'/><device path='iqn.2013-06.com.example:p'/></source></pool>", VB_ERROR_INVALID_CONFIG },
  { "rbd-no-source-name", "<pool type='rbd'><name>x</name><source><host name='h'/></source></pool>", VB_ERROR_INVALID_CONFIG },
  { "iscsi-direct-empty-iqn", "<pool type='iscsi-direct'><name>x</name><source><host name='h'/><device path='iqn.2013-06.com.example:p'/><initiator><iqn name=''/></initiator></source></pool>", VB_ERROR_INVALID_CONFIG },
  { "netfs-empty-dir", "<pool type='netfs'><name>x</name><source><host name='h'/><dir path=''/></source><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "refresh-bad-allocation", "<pool type='rbd'><name>x</name><source><name>r</name><host name='h'/></source><refresh><volume allocation='some'/></refresh></pool>", VB_ERROR_INVALID_CONFIG },
  { "fs-option-no-name", "<pool type='fs' xmlns:fs='http://libvirt.org/schemas/storagepool/fs/1.0'><name>x</name><source><device path='/dev/sda1'/></source><target><path>/a</path></target><fs:mount_opts><fs:option/></fs:mount_opts></pool>", VB_ERROR_INVALID_CONFIG },
  { "rbd-option-empty-name", "<pool type='rbd' xmlns:rbd='http://libvirt.org/schemas/storagepool/rbd/1.0'><name>x</name><source><name>r</name><host name='h'/></source><rbd:config_opts><rbd:option name='' value='1'/></rbd:config_opts></pool>", VB_ERROR_INVALID_CONFIG },
  { "rbd-option-empty-value", "<pool type='rbd' xmlns:rbd='http://libvirt.org/schemas/storagepool/rbd/1.0'><name>x</name><source><name>r</name><host name='h'/></source><rbd:config_opts><rbd:option name='a' value=''/></rbd:config_opts></pool>", VB_ERROR_INVALID_CONFIG },
  { "rbd-option-no-value", "<pool type='rbd' xmlns:rbd='http://libvirt.org/schemas/storagepool/rbd/1.0'><name>x</name><source><name>r</name><host name='h'/></source><rbd:config_opts><rbd:option name='a'/></rbd:config_opts></pool>", VB_ERROR_INVALID_CONFIG },
};

/* Documents the parser takes and the storage driver refuses. */
static const Case pool_validate_errors[] = {
  { "name-newline", "<pool type='dir'><name>a\nb</name><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "name-control-character", "<pool type='dir'><name>a\tb</name><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "host-port-range", "<pool type='netfs'><name>x</name><source><host name='h' port='65536'/><dir path='/e'/></source><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "host-port-negative", "<pool type='netfs'><name>x</name><source><host name='h' port='-1'/><dir path='/e'/></source><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "host-empty-name", "<pool type='netfs'><name>x</name><source><host name=''/><dir path='/e'/></source><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "target-relative", "<pool type='dir'><name>x</name><target><path>images</path></target></pool>", VB_ERROR_INVALID_CONFIG },
  { "nfs-export-relative", "<pool type='netfs'><name>x</name><source><host name='h'/><dir path='e'/><format type='nfs'/></source><target><path>/a</path></target></pool>", VB_ERROR_INVALID_CONFIG },
};

/* Volumes, read against a dir pool. */
static const Case vol_parse_errors[] = {
  { "malformed", "<volume><name>v</name>", VB_ERROR_INVALID_XML },
  { "no-name", "<volume><capacity>1</capacity>" VOL_T "</volume>", VB_ERROR_INVALID_CONFIG },
  { "empty-name", "<volume><name></name><capacity>1</capacity></volume>", VB_ERROR_INVALID_CONFIG },
  { "bad-type", "<volume type='tape'><name>v</name><capacity>1</capacity></volume>", VB_ERROR_INVALID_CONFIG },
  { "no-capacity", "<volume><name>v</name>" VOL_T "</volume>", VB_ERROR_INVALID_CONFIG },
  { "capacity-negative", "<volume><name>v</name><capacity>-1</capacity></volume>", VB_ERROR_INVALID_CONFIG },
  { "capacity-fraction", "<volume><name>v</name><capacity unit='G'>1.5</capacity></volume>", VB_ERROR_INVALID_CONFIG },
  { "capacity-empty", "<volume><name>v</name><capacity></capacity></volume>", VB_ERROR_INVALID_CONFIG },
  { "capacity-bad-unit", "<volume><name>v</name><capacity unit='KZ'>1</capacity></volume>", VB_ERROR_INVALID_CONFIG },
  { "capacity-unit-letter", "<volume><name>v</name><capacity unit='Q'>1</capacity></volume>", VB_ERROR_INVALID_CONFIG },
  { "capacity-overflow", "<volume><name>v</name><capacity unit='EiB'>16</capacity></volume>", VB_ERROR_INVALID_CONFIG },
  { "capacity-beyond-off-t", "<volume><name>v</name><capacity unit='EiB'>8</capacity></volume>", VB_ERROR_INVALID_CONFIG },
  { "capacity-overflow-bytes", "<volume><name>v</name><capacity>18446744073709551616</capacity></volume>", VB_ERROR_INVALID_CONFIG },
  { "allocation-overflow", "<volume><name>v</name><capacity>1</capacity><allocation unit='KB'>18446744073709552</allocation></volume>", VB_ERROR_INVALID_CONFIG },
  { "allocation-beyond-off-t", "<volume><name>v</name><capacity>1</capacity><allocation>9223372036854775808</allocation></volume>", VB_ERROR_INVALID_CONFIG },
  { "bad-format", "<volume><name>v</name><capacity>1</capacity><target><format type='floppy'/></target></volume>", VB_ERROR_INVALID_CONFIG },
  { "format-none", "<volume><name>v</name><capacity>1</capacity><target><format type='none'/></target></volume>", VB_ERROR_INVALID_CONFIG },
  { "format-luks", "<volume><name>v</name><capacity>1</capacity><target><format type='luks'/></target></volume>", VB_ERROR_INVALID_CONFIG },
  { "bad-mode", "<volume><name>v</name><capacity>1</capacity><target><permissions><mode>rw</mode></permissions></target></volume>", VB_ERROR_INVALID_CONFIG },
  { "backing-bad-format", "<volume><name>v</name><capacity>1</capacity><backingStore><path>/b</path><format type='floppy'/></backingStore></volume>", VB_ERROR_INVALID_CONFIG },
  { "backing-bad-owner", "<volume><name>v</name><capacity>1</capacity><backingStore><path>/b</path><permissions><owner>x</owner></permissions></backingStore></volume>", VB_ERROR_INVALID_CONFIG },
  { "compat-letters", "<volume><name>v</name><capacity>1</capacity><target><compat>1.x</compat></target></volume>", VB_ERROR_INVALID_CONFIG },
  { "compat-three-parts", "<volume><name>v</name><capacity>1</capacity><target><compat>1.1.1</compat></target></volume>", VB_ERROR_INVALID_CONFIG },
  { "unknown-feature", "<volume><name>v</name><capacity>1</capacity><target><features><turbo/></features></target></volume>", VB_ERROR_INVALID_CONFIG },
  { "cluster-size-overflow", "<volume><name>v</name><capacity>1</capacity><target><clusterSize unit='EiB'>16</clusterSize></target></volume>", VB_ERROR_INVALID_CONFIG },
  { "cluster-size-bad-unit", "<volume><name>v</name><capacity>1</capacity><target><clusterSize unit='parsec'>1</clusterSize></target></volume>", VB_ERROR_INVALID_CONFIG },
  { "encryption-no-format", "<volume><name>v</name><capacity>1</capacity><target><encryption/></target></volume>", VB_ERROR_INVALID_CONFIG },
  { "encryption-bad-format", "<volume><name>v</name><capacity>1</capacity><target><encryption format='rot13'/></target></volume>", VB_ERROR_INVALID_CONFIG },
  { "encryption-bad-engine", "<volume><name>v</name><capacity>1</capacity><target><encryption format='luks' engine='default'/></target></volume>", VB_ERROR_INVALID_CONFIG },
  { "secret-bad-type", "<volume><name>v</name><capacity>1</capacity><target><encryption format='luks'><secret type='key' usage='u'/></encryption></target></volume>", VB_ERROR_INVALID_CONFIG },
  { "secret-no-reference", "<volume><name>v</name><capacity>1</capacity><target><encryption format='luks'><secret type='passphrase'/></encryption></target></volume>", VB_ERROR_INVALID_CONFIG },
  { "secret-bad-uuid", "<volume><name>v</name><capacity>1</capacity><target><encryption format='luks'><secret type='passphrase' uuid='zz'/></encryption></target></volume>", VB_ERROR_INVALID_CONFIG },
  { "cipher-no-size", "<volume><name>v</name><capacity>1</capacity><target><encryption format='luks'><cipher name='aes'/></encryption></target></volume>", VB_ERROR_INVALID_CONFIG },
  { "cipher-bad-size", "<volume><name>v</name><capacity>1</capacity><target><encryption format='luks'><cipher name='aes' size='big'/></encryption></target></volume>", VB_ERROR_INVALID_CONFIG },
  { "cipher-no-name", "<volume><name>v</name><capacity>1</capacity><target><encryption format='luks'><cipher size='256'/></encryption></target></volume>", VB_ERROR_INVALID_CONFIG },
  { "secret-uuid-and-usage", "<volume><name>v</name><capacity>1</capacity><target><encryption format='luks'><secret type='passphrase' uuid='f52a81b2-424e-490c-823d-6bd4235bc572' usage='u'/></encryption></target></volume>", VB_ERROR_INVALID_CONFIG },
  { "ivgen-without-cipher", "<volume><name>v</name><capacity>1</capacity><target><encryption format='luks'><ivgen name='plain64'/></encryption></target></volume>", VB_ERROR_INVALID_CONFIG },
  { "ivgen-no-name", "<volume><name>v</name><capacity>1</capacity><target><encryption format='luks'><ivgen hash='sha256'/></encryption></target></volume>", VB_ERROR_INVALID_CONFIG },
};

#define SECRET "<secret type='passphrase' uuid='f52a81b2-424e-490c-823d-6bd4235bc572'/>"

static const Case vol_validate_errors[] = {
  { "name-slash", "<volume><name>a/b</name><capacity>1</capacity></volume>", VB_ERROR_INVALID_CONFIG },
  { "cluster-size-not-power-of-two", "<volume><name>v</name><capacity>1</capacity><target><clusterSize>3000</clusterSize></target></volume>", VB_ERROR_INVALID_CONFIG },
  { "luks-no-secret", "<volume><name>v</name><capacity>1</capacity><target><encryption format='luks'/></target></volume>", VB_ERROR_INVALID_CONFIG },
  { "two-secrets", "<volume><name>v</name><capacity>1</capacity><target><encryption format='luks'>" SECRET SECRET "</encryption></target></volume>", VB_ERROR_INVALID_CONFIG },
  { "qcow-encryption", "<volume><name>v</name><capacity>1</capacity><target><format type='qcow2'/><encryption format='qcow'>" SECRET "</encryption></target></volume>", VB_ERROR_INVALID_CONFIG },
};

static VbStoragePoolDef *
dir_pool (void)
{
  g_autoptr(GError) error = NULL;
  VbStoragePoolDef *pool = vb_storage_pool_def_parse (DIR_POOL, 0, &error);

  g_assert_no_error (error);
  return pool;
}

static void
test_pool_parse_error (gconstpointer data)
{
  const Case *c = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(VbStoragePoolDef) def = vb_storage_pool_def_parse (c->xml, 0, &error);

  g_assert_null (def);
  g_assert_error (error, VB_ERROR, c->code);
  g_test_message ("%s: %s", c->name, error->message);
}

static void
test_pool_validate_error (gconstpointer data)
{
  const Case *c = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(VbStoragePoolDef) def = vb_storage_pool_def_parse (c->xml, 0, &error);

  g_assert_no_error (error);
  g_assert_false (vb_storage_pool_def_validate (def, &error));
  g_assert_error (error, VB_ERROR, c->code);
  g_test_message ("%s: %s", c->name, error->message);
}

static void
test_vol_parse_error (gconstpointer data)
{
  const Case *c = data;
  g_autoptr(VbStoragePoolDef) pool = dir_pool ();
  g_autoptr(GError) error = NULL;
  g_autoptr(VbStorageVolDef) def = vb_storage_vol_def_parse (pool, c->xml, 0, &error);

  g_assert_null (def);
  g_assert_error (error, VB_ERROR, c->code);
  g_test_message ("%s: %s", c->name, error->message);
}

static void
test_vol_validate_error (gconstpointer data)
{
  const Case *c = data;
  g_autoptr(VbStoragePoolDef) pool = dir_pool ();
  g_autoptr(GError) error = NULL;
  g_autoptr(VbStorageVolDef) def = vb_storage_vol_def_parse (pool, c->xml, 0, &error);

  g_assert_no_error (error);
  g_assert_false (vb_storage_vol_def_validate (def, &error));
  g_assert_error (error, VB_ERROR, c->code);
  g_test_message ("%s: %s", c->name, error->message);
}

static void
test_validate_ok (void)
{
  g_autoptr(VbStoragePoolDef) pool = dir_pool ();
  g_autoptr(GError) error = NULL;
  g_autoptr(VbStorageVolDef) vol = vb_storage_vol_def_parse (pool,
    "<volume><name>v</name><capacity unit='G'>1</capacity><target><format type='qcow2'/>"
    "<clusterSize unit='KiB'>64</clusterSize><encryption format='luks'>" SECRET "</encryption>"
    "</target></volume>", 0, &error);

  g_assert_no_error (error);
  g_assert_true (vb_storage_pool_def_validate (pool, &error));
  g_assert_true (vb_storage_vol_def_validate (vol, &error));
  g_assert_no_error (error);
}

/* libvirt's scaled integers: single letters and "…iB" are powers of 1024,
 * "…B" powers of 1000, b/byte/bytes are bytes, letter case aside; no
 * unit means bytes for storage, and a volume size stops at 2^63-1. */
static void
test_units (void)
{
  static const struct {
    const char *value;
    const char *unit;
    guint64 bytes;
  } cases[] = {
    { "7", NULL, 7 },
    { "7", "", 7 },
    { "7", "b", 7 },
    { "7", "B", 7 },
    { "7", "byte", 7 },
    { "7", "bytes", 7 },
    { "1", "K", 1024 },
    { "1", "k", 1024 },
    { "1", "KiB", 1024 },
    { "1", "kib", 1024 },
    { "1", "KB", 1000 },
    { "1", "kb", 1000 },
    { "1", "M", 1048576 },
    { "1", "MiB", 1048576 },
    { "1", "MB", 1000000 },
    { "5", "G", G_GUINT64_CONSTANT (5368709120) },
    { "5", "GiB", G_GUINT64_CONSTANT (5368709120) },
    { "10", "GB", G_GUINT64_CONSTANT (10000000000) },
    { "1", "T", G_GUINT64_CONSTANT (1099511627776) },
    { "1", "TB", G_GUINT64_CONSTANT (1000000000000) },
    { "1", "P", G_GUINT64_CONSTANT (1125899906842624) },
    { "1", "PB", G_GUINT64_CONSTANT (1000000000000000) },
    { "1", "E", G_GUINT64_CONSTANT (1152921504606846976) },
    { "7", "EiB", G_GUINT64_CONSTANT (8070450532247928832) },
    { "9", "EB", G_GUINT64_CONSTANT (9000000000000000000) },
    { "9223372036854775807", "bytes", G_MAXINT64 },
    { "9007199254740991", "KiB", G_GUINT64_CONSTANT (9223372036854774784) },
    { "9223372036854775", "KB", G_GUINT64_CONSTANT (9223372036854775000) },
    { "0", "EiB", 0 },
    { " 42 ", NULL, 42 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GError) error = NULL;
    guint64 bytes = 0;

    g_test_message ("%s %s", cases[i].value, cases[i].unit ? cases[i].unit : "(none)");
    g_assert_true (vb_storage_size_parse (cases[i].value, cases[i].unit, &bytes, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (bytes, ==, cases[i].bytes);
  }
}

static void
test_units_rejected (void)
{
  static const struct {
    const char *value;
    const char *unit;
  } cases[] = {
    { "16", "EiB" },                   /* 2^64 */
    { "8", "EiB" },                    /* 2^63: past off_t */
    { "10", "EB" },
    { "8589934592", "G" },             /* 2^33 GiB = 2^63 */
    { "9007199254740992", "KiB" },
    { "9223372036854776", "KB" },
    { "9223372036854775808", NULL },   /* 2^63 bytes */
    { "18446744073709551615", NULL },
    { "18446744073709551616", NULL },  /* 2^64 bytes */
    { "99999999999999999999999", "b" },
    { "-1", NULL },
    { "1.5", "G" },
    { "0x10", NULL },
    { "", NULL },
    { "1", "KiBB" },
    { "1", "Kb2" },
    { "1", "Z" },
    { "1", "iB" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GError) error = NULL;
    guint64 bytes = 99;

    g_test_message ("%s %s", cases[i].value, cases[i].unit ? cases[i].unit : "(none)");
    g_assert_false (vb_storage_size_parse (cases[i].value, cases[i].unit, &bytes, &error));
    g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG);
    g_assert_cmpuint (bytes, ==, 99);
  }
}

/* Sizes in a document: bytes out whatever unit came in; allocation is
 * the capacity when not given; clusterSize is written in bytes. */
static void
test_vol_sizes (void)
{
  g_autoptr(VbStoragePoolDef) pool = dir_pool ();
  g_autoptr(GError) error = NULL;
  g_autoptr(VbStorageVolDef) vol = vb_storage_vol_def_parse (pool,
    "<volume><name>v</name><capacity unit='G'>5</capacity>"
    "<target><format type='qcow2'/><clusterSize unit='KiB'>128</clusterSize></target></volume>",
    0, &error);
  g_autofree char *xml = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (vol->capacity, ==, G_GUINT64_CONSTANT (5368709120));
  g_assert_false (vol->has_allocation);
  g_assert_cmpuint (vol->allocation, ==, vol->capacity);
  g_assert_cmpuint (vol->target.cluster_size, ==, 131072);
  xml = vb_storage_vol_def_format (vol);
  g_assert_nonnull (strstr (xml, "<capacity unit='bytes'>5368709120</capacity>"));
  g_assert_nonnull (strstr (xml, "<allocation unit='bytes'>5368709120</allocation>"));
  g_assert_nonnull (strstr (xml, "<clusterSize unit='B'>131072</clusterSize>"));
  g_assert_null (strstr (xml, "<physical"));

  vol->physical = 7;
  g_clear_pointer (&xml, g_free);
  xml = vb_storage_vol_def_format (vol);
  g_assert_nonnull (strstr (xml, "<physical unit='bytes'>7</physical>"));
}

static void
test_vol_capacity_flags (void)
{
  g_autoptr(VbStoragePoolDef) pool = dir_pool ();
  const char *backed = "<volume><name>v</name><backingStore><path>/b</path></backingStore></volume>";
  const char *bare = "<volume><name>v</name></volume>";
  g_autoptr(GError) error = NULL;
  VbStorageVolDef *vol;

  g_assert_null (vb_storage_vol_def_parse (pool, backed, 0, &error));
  g_clear_error (&error);
  vol = vb_storage_vol_def_parse (pool, backed, VB_STORAGE_VOL_PARSE_OPT_CAPACITY, &error);
  g_assert_no_error (error);
  vb_storage_vol_def_free (vol);
  g_assert_null (vb_storage_vol_def_parse (pool, bare, VB_STORAGE_VOL_PARSE_OPT_CAPACITY, &error));
  g_clear_error (&error);
  vol = vb_storage_vol_def_parse (pool, bare, VB_STORAGE_VOL_PARSE_NO_CAPACITY, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (vol->capacity, ==, 0);
  vb_storage_vol_def_free (vol);
}

/* The pool type decides what a volume's <format> means. */
static void
test_vol_format_by_pool (void)
{
  static const struct {
    const char *pool;
    const char *vol;
    const char *written; /* NULL: no <format> */
  } cases[] = {
    { DIR_POOL, "<volume><name>v</name><capacity>1</capacity></volume>", "raw" },
    { "<pool type='disk'><name>d</name><source><device path='/dev/sda'/></source><target><path>/dev</path></target></pool>",
      "<volume><name>v</name><capacity>1</capacity><target><format type='linux-swap'/></target></volume>", "linux-swap" },
    { "<pool type='logical'><name>vg</name></pool>",
      "<volume><name>v</name><capacity>1</capacity><target><format type='whatever'/></target></volume>", NULL },
    { "<pool type='iscsi'><name>i</name><source><host name='h'/><device path='t'/></source><target><path>/dev/disk/by-path</path></target></pool>",
      "<volume><name>v</name><capacity>1</capacity><target><format type='raw'/></target></volume>", NULL },
    { "<pool type='rbd'><name>r</name><source><name>rbd</name><host name='h'/></source></pool>",
      "<volume><name>v</name><capacity>1</capacity></volume>", "raw" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(VbStoragePoolDef) pool = vb_storage_pool_def_parse (cases[i].pool, 0, &error);
    g_autoptr(VbStorageVolDef) vol = NULL;
    g_autofree char *xml = NULL;

    g_assert_no_error (error);
    vol = vb_storage_vol_def_parse (pool, cases[i].vol, 0, &error);
    g_assert_no_error (error);
    xml = vb_storage_vol_def_format (vol);
    if (cases[i].written) {
      g_autofree char *expect = g_strdup_printf ("<format type='%s'/>", cases[i].written);
      g_assert_nonnull (strstr (xml, expect));
    } else {
      g_assert_null (strstr (xml, "<format"));
    }
  }
}

static void
test_pool_defaults (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VbStoragePoolDef) logical = vb_storage_pool_def_parse (
    "<pool type='logical'><source><name>vg0</name></source><target><path>/elsewhere</path></target></pool>", 0, &error);
  g_autoptr(VbStoragePoolDef) zfs = NULL;
  g_autoptr(VbStoragePoolDef) gluster = NULL;
  g_autoptr(VbStoragePoolDef) dir = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (logical->name, ==, "vg0");
  g_assert_cmpstr (logical->target_path, ==, "/dev/vg0");
  g_assert_cmpstr (vb_storage_pool_format_name (logical->type, logical->source.format), ==, "lvm2");
  g_assert_false (vb_uuid_is_null (&logical->uuid));

  {
    g_autoptr(VbStoragePoolDef) netfs = vb_storage_pool_def_parse (
      "<pool type='netfs'><name>n</name><source><host name='h'/><dir path='/e'/><format/></source>"
      "<target><path>/mnt</path></target></pool>", 0, &error);
    g_autoptr(VbStoragePoolDef) rbd = NULL;
    g_autofree char *xml = NULL;

    g_assert_no_error (error);
    g_assert_cmpstr (vb_storage_pool_format_name (netfs->type, netfs->source.format), ==, "auto");
    rbd = vb_storage_pool_def_parse ("<pool type='rbd'><name>r</name><source><name>rbd</name><host name='h'/></source>"
                                     "<refresh><volume allocation='default'/></refresh></pool>", 0, &error);
    g_assert_no_error (error);
    xml = vb_storage_pool_def_format (rbd);
    g_assert_nonnull (strstr (xml, "<volume allocation='default'/>"));
  }

  zfs = vb_storage_pool_def_parse ("<pool type='zfs'><name>z</name><source><name>tank</name></source></pool>", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (zfs->target_path, ==, "/dev/zvol/tank");

  gluster = vb_storage_pool_def_parse ("<pool type='gluster'><name>g</name><source><host name='h'/></source></pool>", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (gluster->source.dir, ==, "/");
  g_assert_cmpstr (gluster->source.name, ==, "g");
  g_assert_null (gluster->target_path);

  dir = vb_storage_pool_def_parse ("<pool type='dir'><name>d</name><target><path>//srv//a///b/</path>"
                                   "<permissions><owner>4294967295</owner><group>-1</group></permissions>"
                                   "</target></pool>", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dir->target_path, ==, "//srv/a/b");
  g_assert_cmpint (dir->target_perms.uid, ==, -1);
  g_assert_cmpint (dir->target_perms.gid, ==, -1);
}

/* libvirt reads element text with XPath string(): an empty element is
 * an absent one. */
static void
test_empty_text_is_absent (void)
{
  g_autoptr(VbStoragePoolDef) pool = dir_pool ();
  g_autoptr(GError) error = NULL;
  g_autoptr(VbStorageVolDef) vol = vb_storage_vol_def_parse (pool,
    "<volume><name>v</name><key></key><capacity>5</capacity><allocation></allocation>"
    "<target><path></path><compat></compat><permissions><mode></mode><label></label></permissions>"
    "<clusterSize unit='KiB'></clusterSize></target><backingStore><path></path></backingStore></volume>",
    0, &error);
  g_autoptr(VbStoragePoolDef) logical = NULL;

  g_assert_no_error (error);
  g_assert_null (vol->key);
  g_assert_false (vol->has_allocation);
  g_assert_cmpuint (vol->allocation, ==, 5);
  g_assert_null (vol->target.path);
  g_assert_null (vol->target.compat);
  g_assert_cmpint (vol->target.perms.mode, ==, -1);
  g_assert_null (vol->target.perms.label);
  g_assert_cmpuint (vol->target.cluster_size, ==, 0);
  g_assert_null (vol->backing);

  logical = vb_storage_pool_def_parse ("<pool type='logical'><name>vg</name><source><name></name></source></pool>",
                                       0, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (logical->source.name, ==, "vg");
}

/* libvirt's virFileSanitizePath on target paths */
static void
test_sanitize_path (void)
{
  static const char *const cases[][2] = {
    { "/", "/" }, { "//", "//" }, { "///", "/" }, { "///a//b/", "/a/b" }, { "//a", "//a" },
    { "a//b/", "a/b" }, { "/a/../b", "/a/../b" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *xml = g_strdup_printf ("<pool type='dir'><name>d</name><target><path>%s</path></target></pool>",
                                            cases[i][0]);
    g_autoptr(GError) error = NULL;
    g_autoptr(VbStoragePoolDef) def = vb_storage_pool_def_parse (xml, 0, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (def->target_path, ==, cases[i][1]);
  }
}

/* A copy owns every string and array: it formats as the original did
 * after the original is gone. */
static void
test_copy_is_deep (void)
{
  g_autoptr(GError) error = NULL;
  VbStoragePoolDef *pool = vb_storage_pool_def_parse (
    "<pool type='iscsi'><name>i</name><source><host name='h' port='3260'/><device path='t'/>"
    "<initiator><iqn name='iqn.2013-06.com.example:i'/></initiator>"
    "<auth type='chap' username='u'><secret usage='s'/></auth><vendor name='v'/></source>"
    "<target><path>/dev/disk/by-path</path><permissions><label>l</label></permissions></target></pool>", 0, &error);
  g_autoptr(VbStoragePoolDef) pool_copy = NULL;
  VbStorageVolDef *vol;
  g_autoptr(VbStorageVolDef) vol_copy = NULL;
  g_autofree char *pool_before = NULL;
  g_autofree char *pool_after = NULL;
  g_autofree char *vol_before = NULL;
  g_autofree char *vol_after = NULL;
  g_autoptr(VbStoragePoolDef) dir = dir_pool ();
  VbStorageVolExtent *extent = g_new0 (VbStorageVolExtent, 1);

  g_assert_no_error (error);
  vol = vb_storage_vol_def_parse (dir,
    "<volume><name>v</name><capacity>1</capacity><target><path>/p</path><format type='qcow2'/>"
    "<encryption format='luks'><secret type='passphrase' usage='x'/><cipher name='aes' size='256'/>"
    "<ivgen name='plain64'/></encryption><features><lazy_refcounts/></features></target>"
    "<backingStore><path>/b</path><permissions><label>bl</label></permissions></backingStore></volume>",
    0, &error);
  g_assert_no_error (error);
  vol->target.timestamps = g_new0 (VbStorageTimestamps, 1);
  vol->target.timestamps->mtime = (VbStorageTime) { TRUE, 1341930622, 47245868 };
  extent->device = g_strdup ("/dev/sda2");
  extent->start = 1;
  extent->end = 2;
  g_ptr_array_add (vol->extents, extent);

  pool_before = vb_storage_pool_def_format (pool);
  pool_copy = vb_storage_pool_def_copy (pool);
  vb_storage_pool_def_free (pool);
  pool_after = vb_storage_pool_def_format (pool_copy);
  g_assert_cmpstr (pool_before, ==, pool_after);

  vol_before = vb_storage_vol_def_format (vol);
  g_assert_nonnull (strstr (vol_before, "<mtime>1341930622.047245868</mtime>"));
  g_assert_nonnull (strstr (vol_before, "<extent start='1' end='2'/>"));
  vol_copy = vb_storage_vol_def_copy (vol);
  vb_storage_vol_def_free (vol);
  vol_after = vb_storage_vol_def_format (vol_copy);
  g_assert_cmpstr (vol_before, ==, vol_after);
  g_assert_null (vb_storage_pool_def_copy (NULL));
  g_assert_null (vb_storage_vol_def_copy (NULL));
}

/* What only a backend fills in (sizes, free extents, volume extents,
 * timestamps, physical size) must still give schema-valid documents. */
static void
test_live_fields_schema_valid (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VbStoragePoolDef) pool = vb_storage_pool_def_parse (
    "<pool type='disk'><name>sda</name><source><device path='/dev/sda'/><format type='gpt'/></source>"
    "<target><path>/dev</path></target></pool>", 0, &error);
  g_autoptr(VbStorageVolDef) vol = NULL;
  g_autofree char *pool_xml = NULL;
  g_autofree char *vol_xml = NULL;
  VbStoragePoolDevice *dev;
  VbStorageExtent free_extent = { 1048576, 2097152 };
  const char *devices[] = { "/dev/sda", "/dev/sda", "/dev/sdb" };

  g_assert_no_error (error);
  if (!g_getenv ("VB_CONFORMANCE_DIR")) {
    g_test_skip ("VB_CONFORMANCE_DIR not set");
    return;
  }
  pool->capacity = 1000;
  pool->allocation = 600;
  pool->available = 400;
  dev = g_ptr_array_index (pool->source.devices, 0);
  dev->free_extents = g_array_new (FALSE, FALSE, sizeof (VbStorageExtent));
  g_array_append_val (dev->free_extents, free_extent);
  pool_xml = vb_storage_pool_def_format (pool);
  g_assert_nonnull (strstr (pool_xml, "<freeExtent start='1048576' end='2097152'/>"));
  g_assert_true (vb_test_relaxng_validate (pool_xml, "storagepool.rng", &error));
  g_assert_no_error (error);

  vol = vb_storage_vol_def_parse (pool, "<volume type='block'><name>sda1</name><capacity>512</capacity>"
                                  "<target><path>/dev/sda1</path><format type='linux'/></target></volume>",
                                  0, &error);
  g_assert_no_error (error);
  vol->physical = 1024;
  vol->target.timestamps = g_new0 (VbStorageTimestamps, 1);
  vol->target.timestamps->atime = (VbStorageTime) { TRUE, 1341933637, 273190990 };
  vol->target.timestamps->btime = (VbStorageTime) { TRUE, 1341930622, 0 };
  for (guint i = 0; i < G_N_ELEMENTS (devices); i++) {
    VbStorageVolExtent *e = g_new0 (VbStorageVolExtent, 1);

    e->device = g_strdup (devices[i]);
    e->start = i * 100;
    e->end = i * 100 + 50;
    g_ptr_array_add (vol->extents, e);
  }
  vol_xml = vb_storage_vol_def_format (vol);
  g_assert_nonnull (strstr (vol_xml, "<atime>1341933637.273190990</atime>"));
  g_assert_nonnull (strstr (vol_xml, "<btime>1341930622</btime>"));
  g_assert_nonnull (strstr (vol_xml, "<physical unit='bytes'>1024</physical>"));
  /* extents grouped under their device, in order */
  g_assert_nonnull (strstr (vol_xml, "    <device path='/dev/sda'>\n"
                                     "      <extent start='0' end='50'/>\n"
                                     "      <extent start='100' end='150'/>\n"
                                     "    </device>\n"
                                     "    <device path='/dev/sdb'>\n"));
  g_assert_true (vb_test_relaxng_validate (vol_xml, "storagevol.rng", &error));
  g_assert_no_error (error);
}

static void
add_cases (const char *prefix, const Case *cases, guint n, GTestDataFunc func)
{
  for (guint i = 0; i < n; i++) {
    g_autofree char *path = g_strdup_printf ("/storage-def/%s/%s", prefix, cases[i].name);
    g_test_add_data_func (path, &cases[i], func);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  vb_util_set_deterministic (TRUE);

  add_cases ("pool-parse-error", pool_parse_errors, G_N_ELEMENTS (pool_parse_errors), test_pool_parse_error);
  add_cases ("pool-validate-error", pool_validate_errors, G_N_ELEMENTS (pool_validate_errors), test_pool_validate_error);
  add_cases ("vol-parse-error", vol_parse_errors, G_N_ELEMENTS (vol_parse_errors), test_vol_parse_error);
  add_cases ("vol-validate-error", vol_validate_errors, G_N_ELEMENTS (vol_validate_errors), test_vol_validate_error);
  g_test_add_func ("/storage-def/validate-ok", test_validate_ok);
  g_test_add_func ("/storage-def/units", test_units);
  g_test_add_func ("/storage-def/units-rejected", test_units_rejected);
  g_test_add_func ("/storage-def/vol-sizes", test_vol_sizes);
  g_test_add_func ("/storage-def/vol-capacity-flags", test_vol_capacity_flags);
  g_test_add_func ("/storage-def/vol-format-by-pool", test_vol_format_by_pool);
  g_test_add_func ("/storage-def/pool-defaults", test_pool_defaults);
  g_test_add_func ("/storage-def/sanitize-path", test_sanitize_path);
  g_test_add_func ("/storage-def/empty-text-is-absent", test_empty_text_is_absent);
  g_test_add_func ("/storage-def/copy-is-deep", test_copy_is_deep);
  g_test_add_func ("/storage-def/live-fields-schema-valid", test_live_fields_schema_valid);
  return g_test_run ();
}
