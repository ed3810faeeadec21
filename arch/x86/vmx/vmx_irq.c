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
	/* HLT with IF=0 wakes for NMI only (SDM Vol. 2A, HLT). */
	if (!a->halted_if)
		return false;
	return a->events.irq >= 0 || x86_irqchip_has_interrupt(vcpu);
}
