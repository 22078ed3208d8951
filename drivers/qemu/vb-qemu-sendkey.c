/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* SendKey: keycodes of libvirt's sets turned into QEMU's qnum numbers. */
#include "vb-qemu-private.h"


#include <glib/gstdio.h>

/* Guest input, power management and device updates ------------------------------- */

/* libvirt's virKeycodeSet values and virDomainSendKey's limit */
enum {
  QEMU_KEYCODE_SET_LINUX = 0,
  QEMU_KEYCODE_SET_XT = 1,
  QEMU_KEYCODE_SET_ATSET1 = 2,
  QEMU_KEYCODE_SET_XT_KBD = 6,
  /* libvirt's VIR_KEYCODE_SET_RFB is a compatibility name of this one */
  QEMU_KEYCODE_SET_QNUM = 9,
  QEMU_SEND_KEY_MAX_KEYS = 16,
};

/* Linux input keycodes (linux/input-event-codes.h) to QEMU's "qnum"
 * numbers, which send-key takes as keys of type "number".  A qnum is the
 * key's XT (PC AT set 1) scancode, with 0x80 set for the keys that send
 * an E0 prefix.  Keycodes 1–83 and 86–88 are their own scancodes; the
 * rest are listed one by one, as the scancodes the keys send on a PC
 * keyboard (keymaps.csv of keycodemapdb, which libvirt and QEMU share, is
 * the reference for them).  0: no such key on a PC keyboard. */
static const guint8 linux_to_qnum[] = {
  [85] = 0x76,  /* KEY_ZENKAKUHANKAKU */
  [89] = 0x73,  /* KEY_RO */
  [90] = 0x78,  /* KEY_KATAKANA */
  [91] = 0x77,  /* KEY_HIRAGANA */
  [92] = 0x79,  /* KEY_HENKAN */
  [93] = 0x70,  /* KEY_KATAKANAHIRAGANA */
  [94] = 0x7b,  /* KEY_MUHENKAN */
  [95] = 0x5c,  /* KEY_KPJPCOMMA */
  [96] = 0x9c,  /* KEY_KPENTER: E0 1C */
  [97] = 0x9d,  /* KEY_RIGHTCTRL: E0 1D */
  [98] = 0xb5,  /* KEY_KPSLASH: E0 35 */
  [99] = 0xb7,  /* KEY_SYSRQ, the Print Screen key: E0 37 */
  [100] = 0xb8, /* KEY_RIGHTALT: E0 38 */
  [101] = 0x5b, /* KEY_LINEFEED */
  [102] = 0xc7, /* KEY_HOME: E0 47 */
  [103] = 0xc8, /* KEY_UP: E0 48 */
  [104] = 0xc9, /* KEY_PAGEUP: E0 49 */
  [105] = 0xcb, /* KEY_LEFT: E0 4B */
  [106] = 0xcd, /* KEY_RIGHT: E0 4D */
  [107] = 0xcf, /* KEY_END: E0 4F */
  [108] = 0xd0, /* KEY_DOWN: E0 50 */
  [109] = 0xd1, /* KEY_PAGEDOWN: E0 51 */
  [110] = 0xd2, /* KEY_INSERT: E0 52 */
  [111] = 0xd3, /* KEY_DELETE: E0 53 */
  [112] = 0xef, /* KEY_MACRO */
  [113] = 0xa0, /* KEY_MUTE: E0 20 */
  [114] = 0xae, /* KEY_VOLUMEDOWN: E0 2E */
  [115] = 0xb0, /* KEY_VOLUMEUP: E0 30 */
  [116] = 0xde, /* KEY_POWER: E0 5E */
  [117] = 0x59, /* KEY_KPEQUAL */
  [118] = 0xce, /* KEY_KPPLUSMINUS */
  [119] = 0xc6, /* KEY_PAUSE: E1 1D 45, numbered as E0 46 */
  [120] = 0x8b, /* KEY_SCALE */
  [121] = 0x7e, /* KEY_KPCOMMA */
  [123] = 0x8d, /* KEY_HANJA */
  [124] = 0x7d, /* KEY_YEN */
  [125] = 0xdb, /* KEY_LEFTMETA: E0 5B */
  [126] = 0xdc, /* KEY_RIGHTMETA: E0 5C */
  [127] = 0xdd, /* KEY_COMPOSE: E0 5D */
  [128] = 0xe8, /* KEY_STOP */
  [129] = 0x85, /* KEY_AGAIN */
  [130] = 0x86, /* KEY_PROPS */
  [131] = 0x87, /* KEY_UNDO */
  [132] = 0x8c, /* KEY_FRONT */
  [133] = 0xf8, /* KEY_COPY */
  [134] = 0x64, /* KEY_OPEN */
  [135] = 0x65, /* KEY_PASTE */
  [136] = 0xc1, /* KEY_FIND */
  [137] = 0xbc, /* KEY_CUT */
  [138] = 0xf5, /* KEY_HELP */
  [139] = 0x9e, /* KEY_MENU */
  [140] = 0xa1, /* KEY_CALC */
  [141] = 0x66, /* KEY_SETUP */
  [142] = 0xdf, /* KEY_SLEEP: E0 5F */
  [143] = 0xe3, /* KEY_WAKEUP: E0 63 */
  [144] = 0x67, /* KEY_FILE */
  [145] = 0x68, /* KEY_SENDFILE */
  [146] = 0x69, /* KEY_DELETEFILE */
  [147] = 0x93, /* KEY_XFER */
  [148] = 0x9f, /* KEY_PROG1 */
  [149] = 0x97, /* KEY_PROG2 */
  [150] = 0x82, /* KEY_WWW */
  [151] = 0x6a, /* KEY_MSDOS */
  [152] = 0x92, /* KEY_SCREENLOCK */
  [153] = 0x6b, /* KEY_DIRECTION */
  [154] = 0xa6, /* KEY_CYCLEWINDOWS */
  [155] = 0xec, /* KEY_MAIL */
  [156] = 0xe6, /* KEY_BOOKMARKS */
  [157] = 0xeb, /* KEY_COMPUTER */
  [158] = 0xea, /* KEY_BACK */
  [159] = 0xe9, /* KEY_FORWARD */
  [160] = 0xa3, /* KEY_CLOSECD */
  [161] = 0x6c, /* KEY_EJECTCD */
  [162] = 0xfd, /* KEY_EJECTCLOSECD */
  [163] = 0x99, /* KEY_NEXTSONG */
  [164] = 0xa2, /* KEY_PLAYPAUSE */
  [165] = 0x90, /* KEY_PREVIOUSSONG */
  [166] = 0xa4, /* KEY_STOPCD */
  [167] = 0xb1, /* KEY_RECORD */
  [168] = 0x98, /* KEY_REWIND */
  [169] = 0x63, /* KEY_PHONE */
  [171] = 0x81, /* KEY_CONFIG */
  [172] = 0xb2, /* KEY_HOMEPAGE */
  [173] = 0xe7, /* KEY_REFRESH */
  [174] = 0x71, /* KEY_EXIT */
  [175] = 0x72, /* KEY_MOVE */
  [176] = 0x88, /* KEY_EDIT */
  [177] = 0x75, /* KEY_SCROLLUP */
  [178] = 0x8f, /* KEY_SCROLLDOWN */
  [179] = 0xf6, /* KEY_KPLEFTPAREN */
  [180] = 0xfb, /* KEY_KPRIGHTPAREN */
  [181] = 0x89, /* KEY_NEW */
  [182] = 0x8a, /* KEY_REDO */
  [183] = 0x5d, /* KEY_F13 */
  [184] = 0x5e, /* KEY_F14 */
  [185] = 0x5f, /* KEY_F15 */
  [186] = 0x55, /* KEY_F16 */
  [187] = 0x83, /* KEY_F17 */
  [188] = 0xf7, /* KEY_F18 */
  [189] = 0x84, /* KEY_F19 */
  [190] = 0x5a, /* KEY_F20 */
  [191] = 0x74, /* KEY_F21 */
  [192] = 0xf9, /* KEY_F22 */
  [193] = 0x6d, /* KEY_F23 */
  [194] = 0x6f, /* KEY_F24 */
  [200] = 0xa8, /* KEY_PLAYCD */
  [201] = 0xa9, /* KEY_PAUSECD */
  [202] = 0xab, /* KEY_PROG3 */
  [203] = 0xac, /* KEY_PROG4 */
  [204] = 0xad, /* KEY_DASHBOARD */
  [205] = 0xa5, /* KEY_SUSPEND */
  [206] = 0xaf, /* KEY_CLOSE */
  [207] = 0xb3, /* KEY_PLAY */
  [208] = 0xb4, /* KEY_FASTFORWARD */
  [209] = 0xb6, /* KEY_BASSBOOST */
  [210] = 0xb9, /* KEY_PRINT */
  [211] = 0xba, /* KEY_HP */
  [212] = 0xbb, /* KEY_CAMERA */
  [213] = 0xbd, /* KEY_SOUND */
  [214] = 0xbe, /* KEY_QUESTION */
  [215] = 0xbf, /* KEY_EMAIL */
  [216] = 0xc0, /* KEY_CHAT */
  [217] = 0xe5, /* KEY_SEARCH */
  [218] = 0xc2, /* KEY_CONNECT */
  [219] = 0xc3, /* KEY_FINANCE */
  [220] = 0xc4, /* KEY_SPORT */
  [221] = 0xc5, /* KEY_SHOP */
  [222] = 0x94, /* KEY_ALTERASE */
  [223] = 0xca, /* KEY_CANCEL */
  [224] = 0xcc, /* KEY_BRIGHTNESSDOWN */
  [225] = 0xd4, /* KEY_BRIGHTNESSUP */
  [226] = 0xed, /* KEY_MEDIA */
  [227] = 0xd6, /* KEY_SWITCHVIDEOMODE */
  [228] = 0xd7, /* KEY_KBDILLUMTOGGLE */
  [229] = 0xd8, /* KEY_KBDILLUMDOWN */
  [230] = 0xd9, /* KEY_KBDILLUMUP */
  [231] = 0xda, /* KEY_SEND */
  [232] = 0xe4, /* KEY_REPLY */
  [233] = 0x8e, /* KEY_FORWARDMAIL */
  [234] = 0xd5, /* KEY_SAVE */
  [235] = 0xf0, /* KEY_DOCUMENTS */
  [236] = 0xf1, /* KEY_BATTERY */
  [237] = 0xf2, /* KEY_BLUETOOTH */
  [238] = 0xf3, /* KEY_WLAN */
  [239] = 0xf4, /* KEY_UWB */
};

/* @keycode of @codeset as a qnum, or 0 when the set has no such key. */
static guint
keycode_to_qnum (guint codeset, guint keycode)
{
  switch (codeset) {
  case QEMU_KEYCODE_SET_LINUX:
    if ((keycode >= 1 && keycode <= 83) || (keycode >= 86 && keycode <= 88))
      return keycode;
    return keycode < G_N_ELEMENTS (linux_to_qnum) ? linux_to_qnum[keycode] : 0;
  case QEMU_KEYCODE_SET_XT:
    /* the original XT keyboard: no prefixed keys */
    return keycode >= 1 && keycode <= 0x7f ? keycode : 0;
  case QEMU_KEYCODE_SET_ATSET1:
    /* set 1 scancodes, the prefixed ones written 0xE0nn */
    if (keycode >= 1 && keycode <= 0x7f)
      return keycode;
    return keycode >= 0xe001 && keycode <= 0xe07f ? 0x80 | (keycode & 0x7f) : 0;
  case QEMU_KEYCODE_SET_XT_KBD:
    /* Linux's xtkbd numbering: the prefixed ones written 0x1nn */
    if (keycode >= 1 && keycode <= 0x7f)
      return keycode;
    return keycode >= 0x101 && keycode <= 0x17f ? 0x80 | (keycode & 0x7f) : 0;
  case QEMU_KEYCODE_SET_QNUM:
    return keycode >= 1 && keycode <= 0xff ? keycode : 0;
  default:
    return 0;
  }
}

static const char *
keycode_set_name (guint codeset)
{
  switch (codeset) {
  case QEMU_KEYCODE_SET_LINUX: return "linux";
  case QEMU_KEYCODE_SET_XT: return "xt";
  case QEMU_KEYCODE_SET_ATSET1: return "atset1";
  case QEMU_KEYCODE_SET_XT_KBD: return "xt_kbd";
  case QEMU_KEYCODE_SET_QNUM: return "qnum";
  default: return NULL;
  }
}

gboolean
domain_send_key (VbDomain *dom, GVariant *args, GTask *task, gboolean *handed, GError **error)
{
  guint codeset, holdtime, flags;
  g_autoptr(GVariant) keys = NULL;
  g_autofree guint *qnums = NULL;
  const char *set_name;
  gsize n;

  g_variant_get (args, "(uu@auu)", &codeset, &holdtime, &keys, &flags);
  if (!vb_check_flags (flags, 0, error) || !check_active (dom, error))
    return FALSE;
  n = g_variant_n_children (keys);
  if (n == 0 || n > QEMU_SEND_KEY_MAX_KEYS) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "between 1 and %d keycodes are needed, got %" G_GSIZE_FORMAT,
                 QEMU_SEND_KEY_MAX_KEYS, n);
    return FALSE;
  }
  set_name = keycode_set_name (codeset);
  if (set_name == NULL) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG,
                 "keycode set %u is not supported (linux, xt, atset1, xt_kbd and qnum/rfb are)", codeset);
    return FALSE;
  }
  if (holdtime > G_MAXINT32) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "hold time %u ms is too long", holdtime);
    return FALSE;
  }
  qnums = g_new (guint, n);
  for (gsize i = 0; i < n; i++) {
    guint keycode;

    g_variant_get_child (keys, i, "u", &keycode);
    qnums[i] = keycode_to_qnum (codeset, keycode);
    if (qnums[i] == 0) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "cannot translate keycode %u of the %s keycode set",
                   keycode, set_name);
      return FALSE;
    }
  }
  *handed = TRUE;
  /* a hold time of 0 leaves qemu's own default (100 ms) */
  vb_qemu_monitor_send_key_async (domain_vm (dom)->mon, qnums, n, holdtime, NULL, op_reply,
                                  op_call_new (domain_vm (dom), VB_OP_DOMAIN_SEND_KEY, task));
  return TRUE;
}
