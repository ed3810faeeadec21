// SPDX-License-Identifier: GPL-2.0
/*
 * VM-exit handlers, one per basic exit reason, in a table.
 *
 * Contract: a handler returns 1 to re-enter the guest, 0 to return to
 * userspace with vcpu->run filled in, or -errno to fail KVM_RUN.  An exit
 * reason without a handler becomes KVM_EXIT_INTERNAL_ERROR carrying the
 * reason, never a crash or a WARN.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm.h>
#include <asm/cpu.h>
#include <asm/debugreg.h>
#include <asm/trapnr.h>

#include "vmcs.h"
#include "vmx.h"
#include "vmx_vcpu.h"
#include "irqchip.h"
#include "lapic.h"

/* VMCALL's answer for an unknown hypercall (KVM's -KVM_ENOSYS). */
#define HYPERCALL_ENOSYS	(-1000ul)

static int exit_internal_error(struct ember_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON;
	run->internal.ndata = 2;
	run->internal.data[0] = vcpu->arch.exit_reason;
	run->internal.data[1] = vcpu->arch.last_entry_cpu;
	return 0;
}

static unsigned long exit_qual(struct ember_vcpu *vcpu)
{
	return vmcs_readl(EXIT_QUALIFICATION);
}

/* Guest CPL, from SS.DPL (SDM Vol. 3C 27.3.1.5: SS.DPL is the CPL). */
static int guest_cpl(void)
{
	return VMX_AR_DPL(vmcs_read32(GUEST_SS_AR_BYTES));
}

/*
 * #DB: the exit qualification holds what the CPU would have set in DR6
 * (SDM Vol. 3C Table 28-1; an intercepted #DB leaves DR6 alone), with
 * bit 16 set for an RTM #DB where DR6 has it clear.  ICEBP (INT1) exits
 * before RIP moves past it: it is delivered as a plain #DB after it.
 */
static int handle_db(struct ember_vcpu *vcpu, u32 info)
{
	unsigned long q = exit_qual(vcpu) & (DR6_TRAP_BITS | DR6_BD | DR6_BS |
					     DR6_BT | DR6_RTM);
	unsigned long *dr6 = &vcpu->arch.dr6;

	if ((info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_PRIV_SW_EXCEPTION)
		vmx_skip_instruction(vcpu);
	*dr6 &= ~(unsigned long)DR6_TRAP_BITS;
	*dr6 |= DR6_ACTIVE_LOW;
	*dr6 |= q;
	*dr6 ^= q & DR6_ACTIVE_LOW;
	vmx_queue_exception(vcpu, X86_TRAP_DB, false, 0);
	return 1;
}

/*
 * #AC: the guest's own alignment check (CPL 3, CR0.AM, RFLAGS.AC; SDM Vol.
 * 3A 6.15 "Interrupt 17") goes back to the guest.  Otherwise it is a split
 * lock the host's detection caught (the guest cannot turn that off): the
 * host's policy decides, warn-and-go-on or a SIGBUS to the VMM; a CPU
 * without split-lock detection raises no other #AC.
 */
static int handle_ac(struct ember_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	u32 error_code = vmcs_read32(VM_EXIT_INTR_ERROR_CODE);

	if (!boot_cpu_has(X86_FEATURE_SPLIT_LOCK_DETECT) ||
	    (guest_cpl() == 3 && (vcpu->arch.cr0 & X86_CR0_AM) &&
	     (vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_AC))) {
		vmx_queue_exception(vcpu, X86_TRAP_AC, true, error_code);
		return 1;
	}
	if (handle_guest_split_lock(vmcs_readl(GUEST_RIP)))
		return 1;
	run->exit_reason = KVM_EXIT_EXCEPTION;
	run->ex.exception = X86_TRAP_AC;
	run->ex.error_code = error_code;
	return 0;
}

/* The intercepted exceptions: see the exception bitmap in vmx_vcpu.c. */
static int handle_exception_nmi(struct ember_vcpu *vcpu)
{
	u32 info = vcpu->arch.exit_intr_info;

	if (is_nmi(info) || is_machine_check(info))
		return 1;		/* the host's, handled at the exit */
	switch (info & INTR_INFO_VECTOR_MASK) {
	case X86_TRAP_DB:
		return handle_db(vcpu, info);
	case X86_TRAP_AC:
		return handle_ac(vcpu);
	default:
		return exit_internal_error(vcpu);
	}
}

static int handle_external_interrupt(struct ember_vcpu *vcpu)
{
	return 1;	/* taken by the host when interrupts came back on */
}

static int handle_triple_fault(struct ember_vcpu *vcpu)
{
	vcpu->run->exit_reason = KVM_EXIT_SHUTDOWN;
	return 0;
}

static int handle_nmi_window(struct ember_vcpu *vcpu)
{
	vmx_set_exec_ctls(vcpu, vcpu->arch.exec_ctls &
			  ~CPU_BASED_NMI_WINDOW_EXITING);
	return 1;
}

static int handle_interrupt_window(struct ember_vcpu *vcpu)
{
	vmx_set_exec_ctls(vcpu, vcpu->arch.exec_ctls &
			  ~CPU_BASED_INTR_WINDOW_EXITING);
	/* With an in-kernel irqchip, userspace asks for no window (KVM). */
	if (vcpu->arch.events.irq < 0 && vcpu->run->request_interrupt_window &&
	    !ember_lapic_in_kernel(vcpu)) {
		vcpu->run->exit_reason = KVM_EXIT_IRQ_WINDOW_OPEN;
		return 0;
	}
	return 1;
}

static int handle_cpuid(struct ember_vcpu *vcpu)
{
	vmx_emulate_cpuid(vcpu);
	vmx_skip_instruction(vcpu);
	return 1;
}

static int handle_hlt(struct ember_vcpu *vcpu)
{
	vmx_skip_instruction(vcpu);
	if (ember_lapic_in_kernel(vcpu))
		return vmx_halt(vcpu);
	/* With no APIC in the kernel, userspace does the halting. */
	vcpu->run->exit_reason = KVM_EXIT_HLT;
	return 0;
}

static int handle_vmcall(struct ember_vcpu *vcpu)
{
	vcpu->arch.gprs[VCPU_REGS_RAX] = HYPERCALL_ENOSYS;
	vmx_skip_instruction(vcpu);
	return 1;
}

static int handle_ud(struct ember_vcpu *vcpu)
{
	vmx_inject_ud(vcpu);
	return 1;
}

/* MWAIT and MONITOR are NOPs, as in KVM by default. */
static int handle_nop(struct ember_vcpu *vcpu)
{
	vmx_skip_instruction(vcpu);
	return 1;
}

/*
 * MOV to CR0 (SDM Vol. 3A 2.5, 9.8.5; Vol. 2B "MOV—Move to/from Control
 * Registers"): #GP for an invalid combination, for paging on with LME but
 * without PAE, for paging off in 64-bit code or while CR4.PCIDE is set,
 * and for bad PDPTEs when the write turns on PAE paging or changes CD/NW
 * under it.  Nothing changes on #GP.
 */
static bool set_cr0_checked(struct ember_vcpu *vcpu, unsigned long val)
{
	struct ember_arch_vcpu *a = &vcpu->arch;
	u64 pdpte[4];
	bool pae_paging;

	if (!vmx_cr0_valid(val))
		return false;
	if ((val & X86_CR0_PG) && (a->efer & EFER_LME) &&
	    !(a->cr4 & X86_CR4_PAE))
		return false;
	if (!(val & X86_CR0_PG) &&
	    (vmx_guest_cs_bytes(vcpu) == 8 || (a->cr4 & X86_CR4_PCIDE)))
		return false;
	pae_paging = (val & X86_CR0_PG) && (a->cr4 & X86_CR4_PAE) &&
		     !(a->efer & EFER_LME);
	if (pae_paging &&
	    ((val ^ a->cr0) & (X86_CR0_PG | X86_CR0_CD | X86_CR0_NW))) {
		if (vmx_read_pdptrs(vcpu, vmcs_readl(GUEST_CR3), pdpte))
			return false;
		vmx_write_pdptrs(pdpte);
	}
	vmx_set_cr0(vcpu, val);
	return true;
}

/*
 * MOV to CR4: reserved bits, PAE off in IA-32e mode, PCIDE set outside
 * IA-32e mode or with CR3[11:0] not 0, and bad PDPTEs when a paging bit
 * changes under PAE paging are #GP.
 */
static bool set_cr4_checked(struct ember_vcpu *vcpu, unsigned long val)
{
	struct ember_arch_vcpu *a = &vcpu->arch;
	unsigned long changed = val ^ a->cr4;
	u64 pdpte[4];

	if (!vmx_cr4_valid(vcpu, val))
		return false;
	if ((a->efer & EFER_LMA) && !(val & X86_CR4_PAE))
		return false;
	if ((changed & val & X86_CR4_PCIDE) &&
	    (!(a->efer & EFER_LMA) || (vmcs_readl(GUEST_CR3) & 0xfff)))
		return false;
	if ((a->cr0 & X86_CR0_PG) && !(a->efer & EFER_LMA) &&
	    (val & X86_CR4_PAE) &&
	    (changed & (X86_CR4_PGE | X86_CR4_PSE | X86_CR4_PAE |
			X86_CR4_SMEP))) {
		if (vmx_read_pdptrs(vcpu, vmcs_readl(GUEST_CR3), pdpte))
			return false;
		vmx_write_pdptrs(pdpte);
	}
	vmx_set_cr4(vcpu, val);
	return true;
}

/* SDM Vol. 3C Table 28-3: exit qualification for control-register accesses. */
static int handle_cr_access(struct ember_vcpu *vcpu)
{
	unsigned long q = exit_qual(vcpu), val;
	int cr = q & 15, type = (q >> 4) & 3, reg = (q >> 8) & 15;
	unsigned long *g = vcpu->arch.gprs;

	switch (type) {
	case 0:					/* MOV to CR */
		val = reg == VCPU_REGS_RSP ? vmcs_readl(GUEST_RSP) : g[reg];
		if (vmx_guest_cs_bytes(vcpu) != 8)
			val = (u32)val;
		if (cr == 0) {
			if (!set_cr0_checked(vcpu, val))
				goto gp;
		} else if (cr == 4) {
			if (!set_cr4_checked(vcpu, val))
				goto gp;
		} else if (cr == 8) {
			if (val > 15)
				goto gp;
			if (ember_lapic_in_kernel(vcpu))
				ember_lapic_set_tpr(vcpu, val);
			else
				vcpu->arch.cr8 = val;
		} else {
			return exit_internal_error(vcpu);
		}
		break;
	case 1:					/* MOV from CR (only CR8 exits) */
		if (cr != 8)
			return exit_internal_error(vcpu);
		val = ember_lapic_in_kernel(vcpu) ? ember_lapic_get_cr8(vcpu) :
						    vcpu->arch.cr8;
		if (reg == VCPU_REGS_RSP)
			vmcs_writel(GUEST_RSP, val);
		else
			g[reg] = val;
		break;
	case 2:					/* CLTS */
		vmx_set_cr0(vcpu, vcpu->arch.cr0 & ~X86_CR0_TS);
		break;
	case 3:					/* LMSW: PE can be set, not cleared */
		val = (q >> 16) & 0xf;
		val |= vcpu->arch.cr0 & X86_CR0_PE;
		vmx_set_cr0(vcpu, (vcpu->arch.cr0 & ~0xful) | val);
		break;
	}
	vmx_skip_instruction(vcpu);
	return 1;
gp:
	vmx_inject_gp(vcpu, 0);
	return 1;
}

/*
 * MOV DR: the guest's debug registers are kept in software and never
 * loaded, so the host's breakpoints stay the host's.  Guest breakpoints
 * do not fire (a documented limitation).
 */
static int handle_dr_access(struct ember_vcpu *vcpu)
{
	unsigned long q = exit_qual(vcpu);
	int dr = q & 7, reg = (q >> 8) & 15;
	bool to_reg = q & 16;
	unsigned long *g = vcpu->arch.gprs, val;

	if ((vcpu->arch.cr4 & X86_CR4_DE) && (dr == 4 || dr == 5)) {
		vmx_inject_ud(vcpu);
		return 1;
	}
	if (dr == 4 || dr == 5)
		dr += 2;	/* DR4/DR5 alias DR6/DR7 without CR4.DE */
	if (to_reg) {
		val = dr < 4 ? vcpu->arch.db[dr] :
		      dr == 6 ? vcpu->arch.dr6 : vcpu->arch.dr7;
		if (reg == VCPU_REGS_RSP)
			vmcs_writel(GUEST_RSP, val);
		else
			g[reg] = val;
	} else {
		val = reg == VCPU_REGS_RSP ? vmcs_readl(GUEST_RSP) : g[reg];
		if (dr < 4) {
			vcpu->arch.db[dr] = val;
		} else if (val >> 32) {
			vmx_inject_gp(vcpu, 0);
			return 1;
		} else if (dr == 6) {
			/* No RTM for guests: bit 16 reads as 1 too. */
			vcpu->arch.dr6 = (val & DR6_VOLATILE) | DR6_ACTIVE_LOW;
		} else {
			vcpu->arch.dr7 = (val & DR7_VOLATILE) | DR7_FIXED_1;
		}
	}
	vmx_skip_instruction(vcpu);
	return 1;
}

static int handle_io(struct ember_vcpu *vcpu)
{
	return vmx_handle_io(vcpu);
}

static int handle_msr_read(struct ember_vcpu *vcpu)
{
	unsigned long *g = vcpu->arch.gprs;
	u64 data;

	if (vmx_get_msr(vcpu, (u32)g[VCPU_REGS_RCX], &data, false)) {
		vmx_inject_gp(vcpu, 0);
		return 1;
	}
	g[VCPU_REGS_RAX] = (u32)data;
	g[VCPU_REGS_RDX] = data >> 32;
	vmx_skip_instruction(vcpu);
	return 1;
}

static int handle_msr_write(struct ember_vcpu *vcpu)
{
	unsigned long *g = vcpu->arch.gprs;
	u64 data = (u32)g[VCPU_REGS_RAX] | ((u64)(u32)g[VCPU_REGS_RDX] << 32);

	if (vmx_set_msr(vcpu, (u32)g[VCPU_REGS_RCX], data, false)) {
		vmx_inject_gp(vcpu, 0);
		return 1;
	}
	vmx_skip_instruction(vcpu);
	return 1;
}

static int handle_ept_violation(struct ember_vcpu *vcpu)
{
	return ept_handle_violation(vcpu, vmcs_read64(GUEST_PHYSICAL_ADDRESS),
				    exit_qual(vcpu));
}

static int handle_preemption_timer(struct ember_vcpu *vcpu)
{
	vmcs_write32(VMX_PREEMPTION_TIMER_VALUE, vmx_preemption_timer_value());
	return 1;
}

/* XSETBV: ember gives no XSAVE, so CR4.OSXSAVE is 0 and XSETBV is #UD. */
static int handle_xsetbv(struct ember_vcpu *vcpu)
{
	vmx_inject_ud(vcpu);
	return 1;
}

static int (*const exit_handlers[])(struct ember_vcpu *vcpu) = {
	[EXIT_REASON_EXCEPTION_NMI]		= handle_exception_nmi,
	[EXIT_REASON_EXTERNAL_INTERRUPT]	= handle_external_interrupt,
	[EXIT_REASON_TRIPLE_FAULT]		= handle_triple_fault,
	[EXIT_REASON_INTERRUPT_WINDOW]		= handle_interrupt_window,
	[EXIT_REASON_NMI_WINDOW]		= handle_nmi_window,
	[EXIT_REASON_CPUID]			= handle_cpuid,
	[EXIT_REASON_HLT]			= handle_hlt,
	[EXIT_REASON_VMCALL]			= handle_vmcall,
	[EXIT_REASON_VMCLEAR]			= handle_ud,
	[EXIT_REASON_VMLAUNCH]			= handle_ud,
	[EXIT_REASON_VMPTRLD]			= handle_ud,
	[EXIT_REASON_VMPTRST]			= handle_ud,
	[EXIT_REASON_VMREAD]			= handle_ud,
	[EXIT_REASON_VMRESUME]			= handle_ud,
	[EXIT_REASON_VMWRITE]			= handle_ud,
	[EXIT_REASON_VMOFF]			= handle_ud,
	[EXIT_REASON_VMON]			= handle_ud,
	[EXIT_REASON_INVEPT]			= handle_ud,
	[EXIT_REASON_INVVPID]			= handle_ud,
	[EXIT_REASON_RDPMC]			= handle_ud,
	[EXIT_REASON_CR_ACCESS]			= handle_cr_access,
	[EXIT_REASON_DR_ACCESS]			= handle_dr_access,
	[EXIT_REASON_IO_INSTRUCTION]		= handle_io,
	[EXIT_REASON_MSR_READ]			= handle_msr_read,
	[EXIT_REASON_MSR_WRITE]			= handle_msr_write,
	[EXIT_REASON_MWAIT_INSTRUCTION]		= handle_nop,
	[EXIT_REASON_MONITOR_INSTRUCTION]	= handle_nop,
	[EXIT_REASON_EPT_VIOLATION]		= handle_ept_violation,
	[EXIT_REASON_PREEMPTION_TIMER]		= handle_preemption_timer,
	[EXIT_REASON_XSETBV]			= handle_xsetbv,
};

int vmx_handle_exit(struct ember_vcpu *vcpu)
{
	u32 reason = vcpu->arch.exit_reason;
	u16 basic = (u16)reason;

	/* SDM 28.2.1: bit 31 set means the VM entry itself failed. */
	if (unlikely(reason & VMX_EXIT_REASONS_FAILED_VMENTRY)) {
		vcpu->run->exit_reason = KVM_EXIT_FAIL_ENTRY;
		vcpu->run->fail_entry.hardware_entry_failure_reason = reason;
		vcpu->run->fail_entry.cpu = vcpu->arch.last_entry_cpu;
		return 0;
	}
	if (basic >= ARRAY_SIZE(exit_handlers) || !exit_handlers[basic])
		return exit_internal_error(vcpu);
	return exit_handlers[basic](vcpu);
}
