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
#include <asm/mce.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>

#include "arch.h"
#include "lapic.h"
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

/*
 * A machine check that arrived while the guest ran, or during VM entry,
 * is the host's (SDM Vol. 3C 28.1, 27.8): hand it to the host's handler
 * with interrupts still off, as the CPU would have.  A kernel built without
 * machine-check support has no handler to give it to.
 */
static void vmx_machine_check(void)
{
#ifdef CONFIG_X86_MCE
	struct pt_regs regs = { .cs = 3, .flags = X86_EFLAGS_IF };

	do_machine_check(&regs);
#endif
}

/* Work the hardware needs from a vCPU before entry; interrupts on. */
void vmx_handle_requests(struct ember_vcpu *vcpu)
{
	if (!ember_request_pending(vcpu))
		return;
	/* New events: the entry below looks at them (vmx_events_commit). */
	ember_check_request(EMBER_REQ_EVENT, vcpu);
	if (ember_check_request(EMBER_REQ_TLB_FLUSH, vcpu)) {
		/* Guest-physical mappings, and with them every VPID's. */
		vmx_flush_ept(vcpu->vm->arch.eptp);
		ember_check_request(EMBER_REQ_TLB_FLUSH_GUEST, vcpu);
	}
	if (ember_check_request(EMBER_REQ_TLB_FLUSH_GUEST, vcpu))
		vmx_flush_guest_tlb(vcpu);
}

/* One VM entry and exit.  Returns vmx_enter_guest()'s result. */
static int vmx_enter_exit(struct ember_vcpu *vcpu)
{
	struct ember_arch_vcpu *a = &vcpu->arch;
	unsigned long cr3, cr4;
	u16 basic;
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

	vmx_perf_before_entry(vcpu);
	vmx_spec_before_entry(vcpu);
	vmx_guest_enter_irqoff();
	a->last_entry_cpu = raw_smp_processor_id();
	r = vmx_enter_guest(a->gprs, &a->host_rsp, a->launched);
	a->cr2 = read_cr2();
	vmx_guest_exit_irqoff();
	vmx_spec_after_exit();

	/*
	 * A VM exit sets DR7 to 0x400 and IA32_DEBUGCTL to 0 (SDM 28.5.1):
	 * give the host back its breakpoints and its debug controls.
	 */
	if (unlikely(hw_breakpoint_active()))
		hw_breakpoint_restore();
	if (unlikely(a->host.debugctl))
		wrmsrl(MSR_IA32_DEBUGCTLMSR, a->host.debugctl);

	if (unlikely(r != VMX_ENTER_EXIT))
		return r;

	a->exit_reason = vmcs_read32(VM_EXIT_REASON);
	basic = (u16)a->exit_reason;
	if (basic == EXIT_REASON_EXCEPTION_NMI) {
		a->exit_intr_info = vmcs_read32(VM_EXIT_INTR_INFO);
		/* An NMI or a machine check goes to the host first of all. */
		if (is_nmi(a->exit_intr_info))
			vmx_do_nmi(asm_exc_nmi_noist);
		else if (is_machine_check(a->exit_intr_info))
			vmx_machine_check();
	} else if (unlikely(basic == EXIT_REASON_MCE_DURING_VMENTRY)) {
		vmx_machine_check();
	}

	/*
	 * SDM Vol. 3C 27.8: an entry that failed while loading guest state
	 * leaves the launch state as it was (VMLAUNCH must be used again, or
	 * VMRESUME may be) and delivered nothing.
	 */
	if (likely(!(a->exit_reason & VMX_EXIT_REASONS_FAILED_VMENTRY))) {
		a->launched = true;
		vmx_events_complete(vcpu);
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
	if (!a->lapic) {
		if (run->cr8 > 15) {
			r = -EINVAL;
			goto out;
		}
		a->cr8 = run->cr8;
	}

	/* An application processor never started: see vmx_irq.c. */
	if (unlikely(a->mp_state == KVM_MP_STATE_UNINITIALIZED)) {
		r = READ_ONCE(run->immediate_exit) ? -EINTR :
		    vmx_run_uninitialized(vcpu);
		goto out;
	}

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
	/* The host ran other code since the last entry: see vmx_spec.c. */
	a->l1d_flush_needed = true;
	vmx_guest_msrs_load(vcpu);
	for (;;) {
		if (unlikely(a->mp_state != KVM_MP_STATE_RUNNABLE)) {
			r = vmx_wait_runnable(vcpu);
			if (r <= 0)
				break;
		}
		if (unlikely(a->events.triple_fault)) {
			a->events.triple_fault = false;
			run->exit_reason = KVM_EXIT_SHUTDOWN;
			r = 0;
			break;
		}
		if (host_work_pending()) {
			if (signal_pending(current)) {
				run->exit_reason = KVM_EXIT_INTR;
				r = -EINTR;
				break;
			}
			schedule();
		}
		vmx_handle_requests(vcpu);
		vmx_events_commit(vcpu);

		local_irq_disable();
		vcpu->cpu = raw_smp_processor_id();
		/* Pairs with the barrier of a requester: see vcpu_request.c. */
		smp_store_mb(vcpu->mode, IN_GUEST_MODE);
		if (unlikely(host_work_pending() || ember_request_pending(vcpu))) {
			WRITE_ONCE(vcpu->mode, OUTSIDE_GUEST_MODE);
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
		WRITE_ONCE(vcpu->mode, OUTSIDE_GUEST_MODE);
		local_irq_enable();

		if (unlikely(r != VMX_ENTER_EXIT)) {
			r = vmx_entry_failed(vcpu, r);
			break;
		}
		r = vmx_handle_exit(vcpu);
		if (r <= 0)
			break;
	}
	vmx_guest_msrs_put(vcpu);
	a->in_run = false;
out:
	fpu_swap_kvm_fpstate(&a->fpu, false);
	run->if_flag = !!(vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_IF);
	if (a->lapic) {
		run->cr8 = ember_lapic_get_cr8(vcpu);
		run->apic_base = ember_lapic_get_base(vcpu);
		/* KVM: always "ready" with the PIC in the kernel. */
		run->ready_for_interrupt_injection = 1;
	} else {
		run->cr8 = a->cr8;
		run->apic_base = a->apic_base;
		run->ready_for_interrupt_injection = a->events.irq < 0 &&
						     vmx_interrupt_allowed(vcpu);
	}
	return r;
}
