/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ember's arch-neutral core: the objects behind /dev/ember and the rules for
 * when the CPUs are in VMX operation.
 */
#ifndef EMBER_H
#define EMBER_H

#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/mm_types.h>

#define EMBER_API_VERSION	12	/* KVM_API_VERSION */

/*
 * One virtual machine.  It lives as long as its file descriptor (and, once
 * they exist, the file descriptors of its vCPUs, each of which holds a
 * reference).  While it lives, every online CPU is in VMX operation.
 */
struct ember_vm {
	struct kref ref;
	/* The creator's address space: VM ioctls from another fail, -EIO. */
	struct mm_struct *mm;
};

/* virt.c: reference-counted "VMX on in every online CPU". */
int ember_virt_get(void);
void ember_virt_put(void);
int ember_virt_init(void);
void ember_virt_exit(void);
unsigned int ember_virt_users(void);

/* vm.c */
int ember_vm_create(unsigned long type);

/* dev.c */
int ember_dev_init(void);
void ember_dev_exit(void);

/* debugfs.c */
void ember_debugfs_init(void);
void ember_debugfs_exit(void);

#endif /* EMBER_H */
