// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU's event queue: every exception, NMI and interrupt ember delivers
 * to a guest goes through here, and nowhere else writes the VM-entry
 * interruption-information field.
 *
 * Three kinds of event wait for a VM entry:
 *
 *  - injected: an event whose delivery a VM exit interrupted (an EPT
 *    violation on the guest's IDT or stack, an intercepted #AC or #MC).
 *    The CPU reports it in the IDT-vectoring information (SDM Vol. 3C
 *    28.2.4); it is delivered again at the next entry (27.6.1.1).
 *  - exception: raised for the guest by ember (emulation, a reflected
 *    #AC or #DB).  Raised while another exception is being delivered, the
 *    two combine as the SDM says (Vol. 3A 6.15, Table 6-5): contributory
 *    on contributory, or anything but a benign one on #PF, becomes #DF; any
 *    of them on #DF is a triple fault; a benign one replaces the first,
 *    which the faulting instruction raises again when it is re-executed.
 *  - nmi: an NMI from the in-kernel LAPIC (an IPI, LINT1), delivered when
 *    neither an NMI handler (virtual-NMI blocking) nor MOV SS/STI blocks it
 *    (SDM Vol. 3C 25.3, 26.3.1.5), NMI-window exiting until then.
 *  - irq: the vector userspace queued with KVM_INTERRUPT, or the one the
 *    in-kernel LAPIC or PICs gave at INTA, delivered once the guest can
 *    take an interrupt (interrupt-window exiting until then).  Taken from
 *    the irqchip only when it can go in at once, as a CPU takes it: once
 *    acknowledged it stays queued until delivered.
 *
 * vmx_events_commit() picks one of them for the coming entry and writes
 * the VMCS; vmx_events_complete() takes it off the queue once an entry
 * really happened, and collects what the exit interrupted.  A failed entry
 * consumes nothing.
 */
#include <linux/kvm.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>

#include "irqchip.h"
#include "vmcs.h"
#include "vmx.h"
#include "vmx_vcpu.h"

static bool event_valid(const struct vmx_event *e)
{
	return e->info & INTR_INFO_VALID_MASK;
}

static bool event_is_exception(const struct vmx_event *e)
{
	return event_valid(e) &&
	       (e->info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_HARD_EXCEPTION;
}

/* SDM Vol. 3A Table 6-4: the exception classes for double faults. */
enum { EXC_BENIGN, EXC_CONTRIBUTORY, EXC_PAGE_FAULT };

static int exception_class(u8 vector)
{
	switch (vector) {
	case X86_TRAP_DE:
	case X86_TRAP_TS:
	case X86_TRAP_NP:
	case X86_TRAP_SS:
	case X86_TRAP_GP:
		return EXC_CONTRIBUTORY;
	case X86_TRAP_PF:
		return EXC_PAGE_FAULT;
	default:
		return EXC_BENIGN;
	}
}

void vmx_queue_exception(struct ember_vcpu *vcpu, u8 vector, bool has_error,
			 u32 error_code)
{
	struct vmx_event_queue *q = &vcpu->arch.events;
	struct vmx_event *prior = event_valid(&q->exception) ? &q->exception :
				  event_is_exception(&q->injected) ?
				  &q->injected : NULL;

	if (prior) {
		u8 first = prior->info & INTR_INFO_VECTOR_MASK;
		int c1 = exception_class(first), c2 = exception_class(vector);

		prior->info = 0;
		if (first == X86_TRAP_DF) {
			/* SDM 6.15, "Interrupt 8": a fault on #DF shuts down. */
			q->triple_fault = true;
			return;
		}
		if ((c1 == EXC_CONTRIBUTORY && c2 == EXC_CONTRIBUTORY) ||
		    (c1 == EXC_PAGE_FAULT && c2 != EXC_BENIGN)) {
			vector = X86_TRAP_DF;
			has_error = true;
			error_code = 0;
		}
	}

	/* In real mode no error code is pushed (SDM Vol. 3C 27.2.1.3). */
	if (!(vcpu->arch.cr0 & X86_CR0_PE))
		has_error = false;
	q->exception.info = vector | INTR_TYPE_HARD_EXCEPTION |
			    INTR_INFO_VALID_MASK |
			    (has_error ? INTR_INFO_DELIVER_CODE_MASK : 0);
	q->exception.error_code = error_code;
	q->exception.insn_len = 0;
}

/*
 * An interrupt can go in at the next entry: RFLAGS.IF, no STI or MOV SS
 * blocking (SDM Vol. 3C 25.4.2), and no other event queued ahead of it.
 */
bool vmx_interrupt_allowed(struct ember_vcpu *vcpu)
{
	struct vmx_event_queue *q = &vcpu->arch.events;

	return !event_valid(&q->injected) && !event_valid(&q->exception) &&
	       (vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_IF) &&
	       !(vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) &
		 (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS));
}

static void write_event(struct vmx_event_queue *q, const struct vmx_event *e)
{
	q->entry_info_set = true;
	if (e->info & INTR_INFO_DELIVER_CODE_MASK)
		vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE, e->error_code);
	if (e->insn_len)
		vmcs_write32(VM_ENTRY_INSTRUCTION_LEN, e->insn_len);
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, e->info);
}

/*
 * An NMI can go in at the next entry: no NMI handler running (virtual-NMI
 * blocking), no MOV SS or STI blocking (SDM Vol. 3C 25.3, 26.3.1.5), and
 * nothing queued ahead of it.  Without virtual NMIs ember cannot know when
 * the guest's handler ends, and never injects one.
 */
static bool nmi_allowed(struct ember_vcpu *vcpu)
{
	if (!(vmx_config.pin & PIN_BASED_VIRTUAL_NMIS))
		return false;
	return !(vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) &
		 (GUEST_INTR_STATE_NMI | GUEST_INTR_STATE_STI |
		  GUEST_INTR_STATE_MOV_SS));
}

/*
 * NMIs sent while one waits collapse into it, as a CPU latches one NMI
 * only (SDM Vol. 3A 6.7.1).
 */
static void take_queued_nmis(struct vmx_event_queue *q)
{
	if (unlikely(atomic_read(&q->nmi_queued)) &&
	    atomic_xchg(&q->nmi_queued, 0))
		q->nmi_pending = true;
}

/*
 * Before VM entry: the event for this entry, and interrupt- or NMI-window
 * exiting while one waits.  Idempotent: the run loop may call it again
 * before it really enters.
 */
void vmx_events_commit(struct ember_vcpu *vcpu)
{
	struct ember_arch_vcpu *a = &vcpu->arch;
	struct vmx_event_queue *q = &a->events;
	u32 ctls = a->exec_ctls & ~(CPU_BASED_INTR_WINDOW_EXITING |
				    CPU_BASED_NMI_WINDOW_EXITING);
	bool irq_waits;
	struct vmx_event ev = { .error_code = 0, .insn_len = 0 };

	take_queued_nmis(q);
	q->inflight = VMX_EVENT_NONE;
	if (event_is_exception(&q->injected)) {
		q->inflight = VMX_EVENT_INJECTED;
	} else if (event_valid(&q->exception)) {
		q->inflight = VMX_EVENT_EXCEPTION;
	} else if (event_valid(&q->injected)) {
		q->inflight = VMX_EVENT_INJECTED;
	} else if (q->nmi_pending && nmi_allowed(vcpu)) {
		ev.info = X86_TRAP_NMI | INTR_TYPE_NMI_INTR | INTR_INFO_VALID_MASK;
		write_event(q, &ev);
		q->inflight = VMX_EVENT_NMI;
	} else if ((q->irq >= 0 || x86_irqchip_has_interrupt(vcpu)) &&
		   vmx_interrupt_allowed(vcpu)) {
		/* INTA: the LAPIC moves the vector from IRR to ISR. */
		if (q->irq < 0)
			q->irq = x86_irqchip_get_interrupt(vcpu);
		if (q->irq >= 0) {
			ev.info = q->irq | INTR_TYPE_EXT_INTR |
				  INTR_INFO_VALID_MASK;
			write_event(q, &ev);
			q->inflight = VMX_EVENT_IRQ;
		}
	}

	if (q->inflight == VMX_EVENT_INJECTED) {
		write_event(q, &q->injected);
	} else if (q->inflight == VMX_EVENT_EXCEPTION) {
		write_event(q, &q->exception);
	} else if (q->inflight == VMX_EVENT_NONE && q->entry_info_set) {
		/* Written for an entry that did not happen. */
		vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, 0);
		q->entry_info_set = false;
	}

	if (q->nmi_pending && q->inflight != VMX_EVENT_NMI &&
	    ((u32)(vmx_caps.procbased >> 32) & CPU_BASED_NMI_WINDOW_EXITING))
		ctls |= CPU_BASED_NMI_WINDOW_EXITING;
	irq_waits = q->inflight != VMX_EVENT_IRQ &&
		    (q->irq >= 0 || x86_irqchip_has_interrupt(vcpu));
	if (irq_waits || (vcpu->run->request_interrupt_window && !a->lapic))
		ctls |= CPU_BASED_INTR_WINDOW_EXITING;
	vmx_set_exec_ctls(vcpu, ctls);
}

/*
 * After a VM exit that followed a successful entry: what went in has been
 * delivered, unless the exit interrupted its delivery, in which case the
 * IDT-vectoring information has it back (with anything else the exit
 * interrupted).
 */
void vmx_events_complete(struct ember_vcpu *vcpu)
{
	struct ember_arch_vcpu *a = &vcpu->arch;
	struct vmx_event_queue *q = &a->events;
	u32 idt;

	/* Every VM exit clears the field's valid bit (SDM Vol. 3C 25.8.3). */
	q->entry_info_set = false;
	switch (q->inflight) {
	case VMX_EVENT_INJECTED:
		q->injected.info = 0;
		break;
	case VMX_EVENT_EXCEPTION:
		q->exception.info = 0;
		break;
	case VMX_EVENT_IRQ:
		q->irq = -1;
		a->mp_state = KVM_MP_STATE_RUNNABLE;
		break;
	case VMX_EVENT_NMI:
		q->nmi_pending = false;
		break;
	default:
		break;
	}
	q->inflight = VMX_EVENT_NONE;

	idt = vmcs_read32(IDT_VECTORING_INFO_FIELD);
	q->exit_in_delivery = idt & VECTORING_INFO_VALID_MASK;
	if (!q->exit_in_delivery)
		return;
	/* Bit 12 is undefined in IDT-vectoring information (SDM 25.9.3). */
	q->injected.info = idt & ~INTR_INFO_UNBLOCK_NMI;
	q->injected.error_code = (idt & VECTORING_INFO_DELIVER_CODE_MASK) ?
				 vmcs_read32(IDT_VECTORING_ERROR_CODE) : 0;
	switch (idt & INTR_INFO_INTR_TYPE_MASK) {
	case INTR_TYPE_SOFT_INTR:
	case INTR_TYPE_SOFT_EXCEPTION:
	case INTR_TYPE_PRIV_SW_EXCEPTION:
		q->injected.insn_len = vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
		break;
	default:
		q->injected.insn_len = 0;
	}
}

/* Was the last exit taken while an event was being delivered? */
bool vmx_exit_during_delivery(struct ember_vcpu *vcpu)
{
	return vcpu->arch.events.exit_in_delivery;
}

/* An external interrupt queued or interrupted, for KVM_GET_SREGS. */
int vmx_pending_external_interrupt(struct ember_vcpu *vcpu)
{
	const struct vmx_event *e = &vcpu->arch.events.injected;

	if (event_valid(e) &&
	    (e->info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_EXT_INTR)
		return e->info & INTR_INFO_VECTOR_MASK;
	return vcpu->arch.events.irq;
}

void vmx_events_reset(struct ember_vcpu *vcpu)
{
	struct vmx_event_queue *q = &vcpu->arch.events;

	memset(q, 0, sizeof(*q));
	atomic_set(&q->nmi_queued, 0);
	q->irq = -1;
}
