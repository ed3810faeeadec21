// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/ember and its system ioctls: the same numbers, structures and
 * errnos as /dev/kvm (<linux/kvm.h>).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/kvm.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "ember.h"
#include "arch.h"

static long ember_dev_ioctl(struct file *filp, unsigned int ioctl,
			    unsigned long arg)
{
	switch (ioctl) {
	case KVM_GET_API_VERSION:
		if (arg)
			return -EINVAL;
		return EMBER_API_VERSION;
	case KVM_CHECK_EXTENSION:
		return ember_arch_check_extension(arg);
	case KVM_CREATE_VM:
		return ember_vm_create(arg);
	case KVM_GET_VCPU_MMAP_SIZE:
		if (arg)
			return -EINVAL;
		return EMBER_VCPU_MMAP_PAGES * PAGE_SIZE;
	}

	/*
	 * An ioctl that is not KVM's at all is not for this device (-ENOTTY).
	 * The backend answers the rest, and one of KVM's that ember does not
	 * implement with what KVM answers for a system ioctl it lacks: -EINVAL.
	 */
	if (_IOC_TYPE(ioctl) != KVMIO)
		return -ENOTTY;
	return ember_arch_dev_ioctl(ioctl, (void __user *)arg);
}

static const struct file_operations ember_dev_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= ember_dev_ioctl,
	.compat_ioctl	= ember_dev_ioctl,
	.llseek		= noop_llseek,
};

/* Mode 0600 (root); a udev rule can hand it to a group, as for /dev/kvm. */
static struct miscdevice ember_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "ember",
	.fops	= &ember_dev_fops,
	.mode	= 0600,
};

int ember_dev_init(void)
{
	return misc_register(&ember_dev);
}

void ember_dev_exit(void)
{
	misc_deregister(&ember_dev);
}
