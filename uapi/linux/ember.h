/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ember's additions to the KVM ABI.
 *
 * ember speaks the KVM ioctl ABI of <linux/kvm.h> unchanged, on its own
 * device node.  Nothing is added to it yet; anything ember adds later (new
 * capabilities, ioctls or exit reasons) is defined here, in numbers that do
 * not collide with KVM's.
 */
#ifndef _UAPI_LINUX_EMBER_H
#define _UAPI_LINUX_EMBER_H

#include <linux/kvm.h>

/* The device node: open it instead of /dev/kvm. */
#define EMBER_DEVICE_PATH	"/dev/ember"

#endif /* _UAPI_LINUX_EMBER_H */
