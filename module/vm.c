// SPDX-License-Identifier: GPL-2.0
/*
 * The VM object and its file descriptor.
 *
 * A VM holds VMX on in every CPU (ember_virt_get) for as long as it lives.
 * Its lifetime is a kref: the VM fd holds one reference, and each vCPU fd
 * will hold another, so the VM goes away with the last of them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/kvm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "ember.h"

static void ember_vm_free(struct kref *ref)
{
	struct ember_vm *vm = container_of(ref, struct ember_vm, ref);

	mmdrop(vm->mm);
	kfree(vm);
	ember_virt_put();
}

static int ember_vm_release(struct inode *inode, struct file *filp)
{
	struct ember_vm *vm = filp->private_data;

	kref_put(&vm->ref, ember_vm_free);
	return 0;
}

static long ember_vm_ioctl(struct file *filp, unsigned int ioctl,
			   unsigned long arg)
{
	struct ember_vm *vm = filp->private_data;

	/* A VM belongs to the address space that created it, as in KVM. */
	if (vm->mm != current->mm)
		return -EIO;

	switch (ioctl) {
	default:
		/* KVM's answer for a VM ioctl it does not implement. */
		return -ENOTTY;
	}
}

static const struct file_operations ember_vm_fops = {
	.owner		= THIS_MODULE,
	.release	= ember_vm_release,
	.unlocked_ioctl	= ember_vm_ioctl,
	.compat_ioctl	= ember_vm_ioctl,
	.llseek		= noop_llseek,
};

/* KVM_CREATE_VM: returns the new VM's fd or -errno. */
int ember_vm_create(unsigned long type)
{
	struct ember_vm *vm;
	int fd, r;

	if (type != 0)		/* only KVM_X86_DEFAULT_VM */
		return -EINVAL;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return -ENOMEM;

	r = ember_virt_get();
	if (r)
		goto out_free_vm;

	kref_init(&vm->ref);
	mmgrab(current->mm);
	vm->mm = current->mm;

	fd = anon_inode_getfd("ember-vm", &ember_vm_fops, vm,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		r = fd;
		goto out_drop_mm;
	}
	return fd;

out_drop_mm:
	mmdrop(vm->mm);
	ember_virt_put();
out_free_vm:
	kfree(vm);
	return r;
}
