// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_RUN on VMX: the loop of VM entries and exits.
 *
 * Each pass: handle pending host work (signals, rescheduling), inject an
 * event if one is due, enter the guest with interrupts off, and on the way
 * out hand an NMI to the host's handler before interrupts come back on; an
 * external interrupt simply stays pending in the host APIC and is taken
 * the moment they do.  Then the exit handler decides: back into the guest,
 * or out to userspace.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/context_tracking.h>
#include <linux/kvm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <asm/debugreg.h>
#include <asm/fpu/api.h>
#include <asm/fpu/sched.h>
#include <asm/idtentry.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>

#include "arch.h"
#include "vmcs.h"
#include "vmx.h"
#include "vmx_vcpu.h"

/*
 * Work the host has for this thread before it may enter the guest: a
 * signal ends KVM_RUN (-EINTR, KVM_EXIT_INTR), a reschedule is done here.
 */
static bool host_work_pending(void)
{
	return need_resched() || signal_pending(current);
}

void vmx_set_exec_ctls(struct ember_vcpu *vcpu, u32 ctls)
{
	if (vcpu->arch.exec_ctls != ctls) {
		vcpu->arch.exec_ctls = ctls;
		vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, ctls);
	}
}

void vmx_skip_instruction(struct ember_vcpu *vcpu)
{
	unsigned long rip = vmcs_readl(GUEST_RIP);
	u32 intr;

	rip += vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
	if (vmx_guest_cs_bytes(vcpu) != 8)
		rip = (u32)rip;
	vmcs_writel(GUEST_RIP, rip);
	/* An instruction completed: STI/MOV SS blocking ends (SDM 25.4.2). */
	intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);
	if (intr & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS))
		vmcs_write32(GUEST_INTERRUPTIBILITY_INFO,
			     intr & ~(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS));
}

/* Queue a hardware exception for the next VM entry (SDM 27.6). */
void vmx_inject_exception(struct ember_vcpu *vcpu, u8 vector, bool has_error,
			  u32 error_code)
{
	u32 info = vector | INTR_TYPE_HARD_EXCEPTION | INTR_INFO_VALID_MASK;

	/* In real mode no error code is pushed (SDM 27.2.1.3). */
	if (has_error && (vcpu->arch.cr0 & X86_CR0_PE)) {
		info |= INTR_INFO_DELIVER_CODE_MASK;
		vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE, error_code);
	}
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, info);
}

/* RFLAGS.IF, no STI/MOV SS blocking, nothing else being delivered. */
static bool vmx_interrupt_allowed(struct ember_vcpu *vcpu)
{
	return (vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_IF) &&
	       !(vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) &
		 (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS)) &&
	       !(vmcs_read32(VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID_MASK);
}

/*
 * The interrupt queued by KVM_INTERRUPT goes in as soon as the guest can
 * take it; until then, and while userspace asks for a window, the guest
 * exits as soon as it opens (interrupt-window exiting).
 */
static void vmx_prepare_events(struct ember_vcpu *vcpu)
{
	struct ember_arch_vcpu *a = &vcpu->arch;
	u32 ctls = a->exec_ctls & ~CPU_BASED_INTR_WINDOW_EXITING;

	if (a->pending_irq >= 0 && vmx_interrupt_allowed(vcpu)) {
		vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, a->pending_irq |
			     INTR_TYPE_EXT_INTR | INTR_INFO_VALID_MASK);
		a->pending_irq = -1;
		a->mp_state = KVM_MP_STATE_RUNNABLE;
	}
	if (a->pending_irq >= 0 || vcpu->run->request_interrupt_window)
		ctls |= CPU_BASED_INTR_WINDOW_EXITING;
	vmx_set_exec_ctls(vcpu, ctls);
}

/*
 * An exit in the middle of delivering an event (an EPT violation on the
 * guest's IDT or stack, say) loses the event unless it is delivered again
 * at the next entry (SDM 28.2.4 "Information for VM Exits During Event
 * Delivery", 27.6.1.1).
 */
static void vmx_requeue_interrupted_event(void)
{
	u32 idt = vmcs_read32(IDT_VECTORING_INFO_FIELD);
	u32 type = idt & INTR_INFO_INTR_TYPE_MASK;

	if (!(idt & VECTORING_INFO_VALID_MASK))
		return;
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, idt & ~INTR_INFO_UNBLOCK_NMI);
	if (idt & VECTORING_INFO_DELIVER_CODE_MASK)
		vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE,
			     vmcs_read32(IDT_VECTORING_ERROR_CODE));
	if (type == INTR_TYPE_SOFT_INTR || type == INTR_TYPE_SOFT_EXCEPTION ||
	    type == INTR_TYPE_PRIV_SW_EXCEPTION)
		vmcs_write32(VM_ENTRY_INSTRUCTION_LEN,
			     vmcs_read32(VM_EXIT_INSTRUCTION_LEN));
}

/* Tell RCU and time accounting that this CPU runs a guest. */
static __always_inline void vmx_guest_enter_irqoff(void)
{
	current->flags |= PF_VCPU;
	if (context_tracking_enabled_this_cpu())
		__ct_user_enter(CONTEXT_GUEST);
	else
		rcu_note_context_switch(false);
}

static __always_inline void vmx_guest_exit_irqoff(void)
{
	if (context_tracking_enabled_this_cpu())
		__ct_user_exit(CONTEXT_GUEST);
	current->flags &= ~PF_VCPU;
}

/* One VM entry and exit.  Returns vmx_enter_guest()'s result. */
static int vmx_enter_exit(struct ember_vcpu *vcpu)
{
	struct ember_arch_vcpu *a = &vcpu->arch;
	unsigned long cr3, cr4;
	int r;

	/* The host's CR3 and CR4 change rarely: rewrite only then. */
	cr3 = __read_cr3();
	if (unlikely(cr3 != a->host.cr3)) {
		vmcs_writel(HOST_CR3, cr3);
		a->host.cr3 = cr3;
	}
	cr4 = cr4_read_shadow();
	if (unlikely(cr4 != a->host.cr4)) {
		vmcs_writel(HOST_CR4, cr4);
		a->host.cr4 = cr4;
	}
	if (unlikely(read_cr2() != a->cr2))
		write_cr2(a->cr2);

	vmx_guest_enter_irqoff();
	a->last_entry_cpu = raw_smp_processor_id();
	r = vmx_enter_guest(a->gprs, &a->host_rsp, a->launched);
	a->cr2 = read_cr2();
	vmx_guest_exit_irqoff();

	/*
	 * A VM exit sets DR7 to 0x400 and IA32_DEBUGCTL to 0 (SDM 28.5.1):
	 * give the host back its breakpoints and its debug controls.
	 */
	if (unlikely(hw_breakpoint_active()))
		hw_breakpoint_restore();
	if (unlikely(a->host.debugctl))
		wrmsrl(MSR_IA32_DEBUGCTLMSR, a->host.debugctl);

	if (likely(r == VMX_ENTER_EXIT)) {
		a->launched = true;
		a->exit_reason = vmcs_read32(VM_EXIT_REASON);
		/* An NMI that exited goes to the host, before anything else. */
		if ((u16)a->exit_reason == EXIT_REASON_EXCEPTION_NMI &&
		    is_nmi(vmcs_read32(VM_EXIT_INTR_INFO)))
			vmx_do_nmi(asm_exc_nmi_noist);
	}
	return r;
}

static int vmx_entry_failed(struct ember_vcpu *vcpu, int how)
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_FAIL_ENTRY;
	run->fail_entry.cpu = vcpu->arch.last_entry_cpu;
	/* VMfailValid: the VM-instruction error (SDM 31.4) says why. */
	run->fail_entry.hardware_entry_failure_reason =
		how == VMX_ENTER_FAIL ? vmcs_read32(VM_INSTRUCTION_ERROR) : 0;
	return how == VMX_ENTER_FAULT ? -EIO : 0;
}

int ember_arch_vcpu_run(struct ember_vcpu *vcpu)
{
	struct ember_arch_vcpu *a = &vcpu->arch;
	struct kvm_run *run = vcpu->run;
	int r;

	run->flags = 0;
	fpu_swap_kvm_fpstate(&a->fpu, true);

	/* Without an APIC in the kernel, userspace owns the TPR (run->cr8). */
	if (run->cr8 > 15) {
		r = -EINVAL;
		goto out;
	}
	a->cr8 = run->cr8;

	if (a->io.kind != VMX_IO_NONE) {
		r = vmx_complete_userspace_io(vcpu);
		if (r <= 0)
			goto out;
	}
	if (READ_ONCE(run->immediate_exit)) {
		r = -EINTR;
		goto out;
	}

	a->in_run = true;
	a->ran = true;
	vmx_guest_msrs_load(vcpu);
	for (;;) {
		if (host_work_pending()) {
			if (signal_pending(current)) {
				run->exit_reason = KVM_EXIT_INTR;
				r = -EINTR;
				break;
			}
			schedule();
		}
		vmx_prepare_events(vcpu);

		local_irq_disable();
		if (unlikely(host_work_pending())) {
			local_irq_enable();
			continue;
		}
		/*
		 * A preemption since KVM_RUN began saved the guest's FPU
		 * registers and left another task's in the CPU: load them back.
		 */
		if (unlikely(test_thread_flag(TIF_NEED_FPU_LOAD)))
			switch_fpu_return();
		r = vmx_enter_exit(vcpu);
		local_irq_enable();

		if (unlikely(r != VMX_ENTER_EXIT)) {
			r = vmx_entry_failed(vcpu, r);
			break;
		}
		vmx_requeue_interrupted_event();
		r = vmx_handle_exit(vcpu);
		if (r <= 0)
			break;
	}
	vmx_guest_msrs_put(vcpu);
	a->in_run = false;
out:
	fpu_swap_kvm_fpstate(&a->fpu, false);
	run->if_flag = !!(vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_IF);
	run->cr8 = a->cr8;
	run->apic_base = a->apic_base;
	run->ready_for_interrupt_injection = a->pending_irq < 0 &&
					     vmx_interrupt_allowed(vcpu);
	return r;
}
