// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU requests and kicks.
 *
 * Whatever must happen to a vCPU before it next runs guest code (flush
 * its translations, take a new event) is a bit in vcpu->requests.  The
 * vCPU's thread handles pending requests before every VM entry and then,
 * with interrupts off, announces IN_GUEST_MODE and looks at the bits once
 * more: a request made after that look finds the vCPU in guest mode and
 * kicks it, an IPI to its CPU, which is held pending until the VM entry
 * and makes the guest exit at once.  So:
 *
 *	requester			vCPU thread (interrupts off)
 *	set_bit(req, requests)		mode = IN_GUEST_MODE
 *	smp_mb()			smp_mb()
 *	read mode: IN_GUEST_MODE?	read requests: any?  don't enter
 *	  IPI vcpu->cpu			VM entry ... exit; mode = OUTSIDE
 *
 * at least one of the two sees the other.  ember_make_all_vcpus_request()
 * waits for the IPIs to be taken: when it returns, no vCPU of the VM runs
 * guest code that predates the request.  Nothing here IPIs a CPU where no
 * vCPU of the VM is in guest mode, and so nothing here runs on a CPU that
 * is not in VMX operation.
 */
#include <linux/cpumask.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/smp.h>

#include "ember.h"

/* Scratch mask of CPUs to kick, used with preemption off. */
static DEFINE_PER_CPU(cpumask_var_t, kick_mask);

static void ack_kick(void *unused)
{
}

/*
 * Should @vcpu's CPU get an IPI for a request just made?  Moves it from
 * IN_GUEST_MODE to EXITING_GUEST_MODE so that concurrent requesters
 * do not all IPI; one that waits must IPI it in both cases.
 */
static bool vcpu_needs_ipi(struct ember_vcpu *vcpu, bool wait)
{
	int mode = cmpxchg(&vcpu->mode, IN_GUEST_MODE, EXITING_GUEST_MODE);

	return wait ? mode != OUTSIDE_GUEST_MODE : mode == IN_GUEST_MODE;
}

void ember_vcpu_kick(struct ember_vcpu *vcpu)
{
	int me, cpu;

	/* A halted vCPU's thread sleeps: wake it to look again. */
	if (wq_has_sleeper(&vcpu->wq))
		wake_up_interruptible(&vcpu->wq);

	me = get_cpu();
	/* The caller's request before the read of mode (the table above). */
	smp_mb();
	if (vcpu_needs_ipi(vcpu, false)) {
		/*
		 * Written before mode; cmpxchg() ordered the reads.  A
		 * reschedule IPI, as KVM sends: it can be sent from any
		 * context, and any interrupt makes the guest exit.
		 */
		cpu = READ_ONCE(vcpu->cpu);
		if (cpu != me && cpu_online(cpu))
			smp_send_reschedule(cpu);
	}
	put_cpu();
}

void ember_make_all_vcpus_request(struct ember_vm *vm, unsigned int req)
{
	struct cpumask *mask;
	int i, n, me;

	/* Pairs with the release in ember_vcpu_create(). */
	n = smp_load_acquire(&vm->nr_vcpus);
	me = get_cpu();

	mask = this_cpu_cpumask_var_ptr(kick_mask);
	cpumask_clear(mask);
	for (i = 0; i < n; i++) {
		struct ember_vcpu *vcpu = vm->vcpus[i];
		int cpu;

		ember_make_request(req, vcpu);
		/* The request before the read of mode (the table above). */
		smp_mb__after_atomic();
		if (!vcpu_needs_ipi(vcpu, true))
			continue;
		cpu = READ_ONCE(vcpu->cpu);
		if (cpu != me && cpu_online(cpu))
			__cpumask_set_cpu(cpu, mask);
	}
	if (!cpumask_empty(mask))
		smp_call_function_many(mask, ack_kick, NULL, true);
	put_cpu();
}

int ember_vcpu_request_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		if (!zalloc_cpumask_var_node(per_cpu_ptr(&kick_mask, cpu),
					     GFP_KERNEL, cpu_to_node(cpu))) {
			ember_vcpu_request_exit();
			return -ENOMEM;
		}
	}
	return 0;
}

void ember_vcpu_request_exit(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		free_cpumask_var(per_cpu(kick_mask, cpu));
}
