// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_RUN with an in-kernel irqchip: a halted vCPU sleeps in the kernel
 * until it can take an interrupt; INIT and SIPI from other vCPUs' LAPICs
 * reset and start it (SDM Vol. 3A 9.4, 11.6.1); the next interrupt for
 * the guest comes from its LAPIC or the PICs (vmx_events.c asks).
 *
 * The vCPU's multiprocessing state (KVM_GET/SET_MP_STATE):
 *   RUNNABLE       runs guest code
 *   HALTED         after HLT: waits for an interrupt it can take, or NMI
 *   UNINITIALIZED  an application processor after reset: waits for INIT
 *   INIT_RECEIVED  after INIT: waits for SIPI
 */
#include <linux/kvm.h>
#include <linux/sched/signal.h>
#include <asm/processor-flags.h>

#include "arch.h"
#include "irqchip.h"
#include "lapic.h"
#include "vmcs.h"
#include "vmx.h"
#include "vmx_vcpu.h"

bool ember_arch_vcpu_runnable(struct ember_vcpu *vcpu)
{
	struct ember_arch_vcpu *a = &vcpu->arch;

	if (a->mp_state == KVM_MP_STATE_RUNNABLE)
		return true;
	if (ember_lapic_in_kernel(vcpu) && ember_lapic_events_pending(vcpu))
		return true;
	if (a->mp_state != KVM_MP_STATE_HALTED)
		return false;
	if (atomic_read(&a->events.nmi_queued) || a->events.nmi_pending)
		return true;
	/*
	 * HLT with IF=0 wakes for NMI only (SDM Vol. 2A, HLT).  The vCPU's
	 * thread, loaded: its VMCS is current.
	 */
	if (!(vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_IF))
		return false;
	return a->events.irq >= 0 || x86_irqchip_has_interrupt(vcpu);
}

/*
 * INIT and SIPI sent to this vCPU by a LAPIC (its own, another vCPU's):
 * INIT resets it and, on an application processor, leaves it waiting for
 * SIPI; a SIPI starts a processor that waits for one and is dropped by
 * any other (SDM Vol. 3A 9.4.4, 11.6.1).  The vCPU's thread.
 */
void vmx_accept_apic_events(struct ember_vcpu *vcpu)
{
	struct ember_arch_vcpu *a = &vcpu->arch;
	int sipi;

	if (!ember_lapic_in_kernel(vcpu) || !ember_lapic_events_pending(vcpu))
		return;
	if (ember_lapic_take_init(vcpu)) {
		vmx_vcpu_reset(vcpu, true);
		ember_lapic_reset(vcpu, true);
		a->mp_state = vcpu->id == EMBER_BSP_ID ?
			      KVM_MP_STATE_RUNNABLE : KVM_MP_STATE_INIT_RECEIVED;
	}
	sipi = ember_lapic_take_sipi(vcpu);
	if (sipi >= 0 && a->mp_state == KVM_MP_STATE_INIT_RECEIVED) {
		vmx_deliver_sipi(vcpu, sipi);
		a->mp_state = KVM_MP_STATE_RUNNABLE;
	}
}

/*
 * KVM_RUN on a vCPU not running guest code: sleep until it can, then 1;
 * or leave KVM_RUN for a signal (-EINTR, KVM_EXIT_INTR).  Requests made
 * meanwhile (flushes) are done here, or the sleep would end at once.
 */
int vmx_wait_runnable(struct ember_vcpu *vcpu)
{
	struct ember_arch_vcpu *a = &vcpu->arch;

	for (;;) {
		vmx_accept_apic_events(vcpu);
		if (ember_arch_vcpu_runnable(vcpu)) {
			a->mp_state = KVM_MP_STATE_RUNNABLE;
			return 1;
		}
		if (signal_pending(current)) {
			vcpu->run->exit_reason = KVM_EXIT_INTR;
			return -EINTR;
		}
		ember_vcpu_block(vcpu);
		vmx_handle_requests(vcpu);
	}
}

/*
 * KVM_RUN on an application processor that was never started: as KVM, it
 * sleeps once, takes INIT/SIPI if they came, and returns -EAGAIN (or
 * -EINTR for a signal); the VMM calls KVM_RUN again.
 */
int vmx_run_uninitialized(struct ember_vcpu *vcpu)
{
	ember_vcpu_block(vcpu);
	vmx_handle_requests(vcpu);
	vmx_accept_apic_events(vcpu);
	if (signal_pending(current)) {
		vcpu->run->exit_reason = KVM_EXIT_INTR;
		return -EINTR;
	}
	return -EAGAIN;
}

/* HLT with an in-kernel LAPIC: the vCPU halts here, not in userspace. */
int vmx_halt(struct ember_vcpu *vcpu)
{
	vcpu->arch.mp_state = KVM_MP_STATE_HALTED;
	return 1;
}
