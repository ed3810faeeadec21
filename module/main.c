// SPDX-License-Identifier: GPL-2.0
/*
 * ember: a hypervisor for Intel VT-x that speaks the KVM ioctl ABI on
 * /dev/ember.  Load and unload.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/preempt.h>

#include "ember.h"
#include "arch.h"
#include "irq.h"

static int __init ember_init(void)
{
	int r;

	r = ember_arch_init();
	if (r)
		return r;

	r = ember_vcpu_request_init();
	if (r)
		goto out_arch_exit;

	r = ember_irqfd_module_init();
	if (r)
		goto out_request_exit;

	r = ember_virt_init();
	if (r)
		goto out_irqfd_exit;

	ember_debugfs_init();
	preempt_notifier_inc();

	/* Last: from here on userspace can reach ember. */
	r = ember_dev_init();
	if (r)
		goto out_debugfs_exit;

	pr_info("loaded; VMX is turned on in every CPU while a VM exists\n");
	return 0;

out_debugfs_exit:
	preempt_notifier_dec();
	ember_debugfs_exit();
	ember_virt_exit();
out_irqfd_exit:
	ember_irqfd_module_exit();
out_request_exit:
	ember_vcpu_request_exit();
out_arch_exit:
	ember_arch_exit();
	return r;
}

static void __exit ember_exit(void)
{
	ember_dev_exit();
	preempt_notifier_dec();
	ember_debugfs_exit();
	ember_virt_exit();
	ember_irqfd_module_exit();
	ember_vcpu_request_exit();
	ember_arch_exit();
}

module_init(ember_init);
module_exit(ember_exit);

MODULE_DESCRIPTION("ember: a VT-x hypervisor with the KVM ioctl ABI");
MODULE_LICENSE("GPL");
