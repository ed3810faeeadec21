// SPDX-License-Identifier: GPL-2.0
/*
 * When the CPUs are in VMX operation.
 *
 * ember turns VMX on in every online CPU when the first VM is created and
 * off when the last one is destroyed, like KVM.  So ember and kvm_intel can
 * both be loaded: whichever has VMs holds VMX, and the other one's
 * KVM_CREATE_VM fails with -EBUSY until those VMs are gone.
 *
 * While VMs exist, a CPU that comes online enters VMX operation and one that
 * goes down leaves it (a cpuhp state).  Reboot and kexec (the reboot
 * notifier) and suspend (syscore ops) leave VMX off.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/mutex.h>
#include <linux/reboot.h>
#include <linux/smp.h>
#include <linux/syscore_ops.h>

#include "ember.h"
#include "arch.h"

/*
 * virt_lock serialises changes of virt_users and virt_rebooting.  Every
 * writer also holds cpus_read_lock(), so the hotplug callbacks, which run
 * with the hotplug lock held for writing, see both stable without virt_lock.
 * Lock order: cpus_read_lock(), then virt_lock.
 */
static DEFINE_MUTEX(virt_lock);
static unsigned int virt_users;		/* VMs alive; > 0 means VMX is on */
static bool virt_rebooting;		/* the machine is going down */
static int virt_cpuhp_state;

struct virt_enable_result {
	atomic_t err;
};

static void virt_enable_this_cpu(void *data)
{
	struct virt_enable_result *res = data;
	int r = ember_arch_cpu_enable();

	if (r)
		atomic_cmpxchg(&res->err, 0, r);
}

static void virt_disable_this_cpu(void *unused)
{
	ember_arch_cpu_disable();
}

int ember_virt_get(void)
{
	struct virt_enable_result res = { .err = ATOMIC_INIT(0) };
	int r = 0;

	cpus_read_lock();
	mutex_lock(&virt_lock);
	if (virt_rebooting) {
		r = -EBUSY;
		goto out_unlock;
	}
	if (virt_users == 0) {
		on_each_cpu(virt_enable_this_cpu, &res, 1);
		r = atomic_read(&res.err);
		if (r) {
			/* Leave every CPU as it was: undo only our VMXONs. */
			on_each_cpu(virt_disable_this_cpu, NULL, 1);
			goto out_unlock;
		}
	}
	virt_users++;
out_unlock:
	mutex_unlock(&virt_lock);
	cpus_read_unlock();

	if (r == -EBUSY && !virt_rebooting)
		pr_info_ratelimited("VMX is in use by another hypervisor (kvm_intel?): no VM until it lets go\n");
	return r;
}

void ember_virt_put(void)
{
	cpus_read_lock();
	mutex_lock(&virt_lock);
	if (!WARN_ON_ONCE(virt_users == 0) && --virt_users == 0)
		on_each_cpu(virt_disable_this_cpu, NULL, 1);
	mutex_unlock(&virt_lock);
	cpus_read_unlock();
}

unsigned int ember_virt_users(void)
{
	return READ_ONCE(virt_users);
}

bool ember_virt_rebooting(void)
{
	return READ_ONCE(virt_rebooting);
}

/* Runs on @cpu as it comes online; hotplug lock held for writing. */
static int virt_cpu_online(unsigned int cpu)
{
	int r = 0;

	if (virt_users && !virt_rebooting) {
		local_irq_disable();
		r = ember_arch_cpu_enable();
		local_irq_enable();
	}
	return r;
}

/* Runs on @cpu as it goes down; hotplug lock held for writing. */
static int virt_cpu_offline(unsigned int cpu)
{
	local_irq_disable();
	ember_arch_cpu_disable();
	local_irq_enable();
	return 0;
}

/*
 * Reboot, halt, power-off and kexec: VMX must be off in every CPU, or INIT
 * is blocked and the next kernel cannot start the CPUs.  No VM may turn it
 * back on afterwards.
 */
static int virt_reboot(struct notifier_block *nb, unsigned long code,
		       void *unused)
{
	cpus_read_lock();
	mutex_lock(&virt_lock);
	WRITE_ONCE(virt_rebooting, true);
	on_each_cpu(virt_disable_this_cpu, NULL, 1);
	mutex_unlock(&virt_lock);
	cpus_read_unlock();
	if (virt_users)
		pr_info("VMX off in every CPU for reboot\n");
	return NOTIFY_OK;
}

static struct notifier_block virt_reboot_nb = {
	.notifier_call = virt_reboot,
	.priority = 0,
};

/*
 * Suspend: the other CPUs are already offline (virt_cpu_offline ran), this
 * is the last one, with interrupts off.  Resume is the reverse.
 */
static int virt_suspend(void)
{
	if (virt_users)
		ember_arch_cpu_disable();
	return 0;
}

static void virt_resume(void)
{
	if (virt_users && ember_arch_cpu_enable())
		pr_err("CPU%d: cannot re-enter VMX operation after resume\n",
		       smp_processor_id());
}

static struct syscore_ops virt_syscore_ops = {
	.suspend = virt_suspend,
	.resume = virt_resume,
};

int ember_virt_init(void)
{
	int r;

	r = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "ember/vmx:online",
			      virt_cpu_online, virt_cpu_offline);
	if (r < 0)
		return r;
	virt_cpuhp_state = r;

	r = register_reboot_notifier(&virt_reboot_nb);
	if (r) {
		cpuhp_remove_state(virt_cpuhp_state);
		return r;
	}
	register_syscore_ops(&virt_syscore_ops);
	return 0;
}

/* Every VM is gone by now: each holds a reference on the module. */
void ember_virt_exit(void)
{
	unregister_syscore_ops(&virt_syscore_ops);
	unregister_reboot_notifier(&virt_reboot_nb);
	cpuhp_remove_state(virt_cpuhp_state);
}
