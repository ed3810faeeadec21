// SPDX-License-Identifier: GPL-2.0
/*
 * A vCPU with nothing to run: its guest executed HLT, or it waits for INIT
 * and SIPI.  With an interrupt controller in the kernel KVM_RUN does not
 * return for that; the vCPU's thread sleeps here until the backend says
 * the vCPU can run (an interrupt it can take, an NMI, INIT or SIPI), a
 * request comes, or a signal does (KVM_RUN then returns -EINTR).
 *
 * The sleeper checks after it has queued itself; whoever makes the vCPU
 * runnable does so before it calls ember_vcpu_kick(), which wakes the
 * queue: one of the two sees the other (wait_event's ordering).
 */
#include <linux/sched/signal.h>
#include <linux/wait.h>

#include "ember.h"
#include "arch.h"

static bool vcpu_has_work(struct ember_vcpu *vcpu)
{
	return ember_arch_vcpu_runnable(vcpu) || ember_request_pending(vcpu) ||
	       signal_pending(current);
}

void ember_vcpu_block(struct ember_vcpu *vcpu)
{
	/* -ERESTARTSYS on a signal: the caller sees signal_pending(). */
	if (wait_event_interruptible(vcpu->wq, vcpu_has_work(vcpu)))
		return;
}
