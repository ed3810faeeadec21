// SPDX-License-Identifier: GPL-2.0
/*
 * Transient-execution mitigations around the world switch.
 *
 * ember protects exactly as much as kvm_intel (with its default module
 * parameters) does on the same host: every choice below is read from what
 * the host kernel decided at boot (its X86_FEATURE_* synthetic bits, its
 * X86_BUG_* bits and the state it exports for hypervisors), never made
 * anew.  debugfs "mitigations" shows the result, in kvm_intel's words.
 *
 *  - L1TF: the L1D cache is flushed before VM entry, always or only after
 *    the host ran code that may have pulled secrets into it ("cond": KVM_RUN
 *    from userspace, a reschedule, an interrupt, an EPT fault), as
 *    l1tf_mitigation says, unless the CPU needs no flush
 *    (ARCH_CAPABILITIES.SKIP_VMENTRY_L1DFLUSH).  With the flush MSR where the
 *    CPU has one, else by reading 64 KiB of other data.
 *  - MDS, TAA, MMIO stale data, RFDS: VERW clears the CPU buffers right
 *    before VMLAUNCH/VMRESUME when the host clears them before returning
 *    to userspace, X86_FEATURE_CLEAR_CPU_BUF (vmenter.S), as kvm_intel
 *    does.  (MMIO stale data alone needs it only for guests with an
 *    assigned device, which ember does not have.)
 *  - Spectre v2: the RSB is refilled after every exit and the branch
 *    history cleared where the host asks for it (BHI), in vmenter.S; an
 *    IBPB separates two vCPUs that take turns on a CPU (a VMCS switch) when
 *    the host uses IBPB.  VMSCAPE: after an exit the host's return to
 *    userspace issues an IBPB when the host asks for it.
 *  - SPEC_CTRL: guests are given none (no CPUID bit, and the MSR is #GP),
 *    so the host's value is in force in the guest and after the exit; no
 *    switch is needed.
 *  - iTLB multihit: executable 2 MiB guest pages are split (ept.c), unless
 *    the CPU is not affected or mitigations are off.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/seq_file.h>
#include <asm/cpufeature.h>
#include <asm/hardirq.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/processor.h>
#include <asm/vmx.h>

#include "arch.h"
#include "vmx_vcpu.h"

/* 64 KiB: larger than the L1D of any CPU that needs the software flush. */
#define L1D_FLUSH_ORDER		4

struct vmx_spec {
	enum vmx_l1d_flush_state l1d;	/* NEVER, COND, ALWAYS, NOT_REQUIRED */
	bool nx_huge_pages;
	struct page *l1d_pages;		/* without the flush MSR */
};

static struct vmx_spec vmx_spec __ro_after_init;

/* As kvm_intel's vmentry_l1d_flush parameter prints them. */
static const char *const l1d_names[] = {
	[VMENTER_L1D_FLUSH_AUTO]	 = "auto",
	[VMENTER_L1D_FLUSH_NEVER]	 = "never",
	[VMENTER_L1D_FLUSH_COND]	 = "cond",
	[VMENTER_L1D_FLUSH_ALWAYS]	 = "always",
	[VMENTER_L1D_FLUSH_EPT_DISABLED] = "EPT disabled",
	[VMENTER_L1D_FLUSH_NOT_REQUIRED] = "not required",
};

static enum vmx_l1d_flush_state l1d_flush_mode(void)
{
	u64 caps = 0;

	if (!boot_cpu_has_bug(X86_BUG_L1TF))
		return VMENTER_L1D_FLUSH_NOT_REQUIRED;
	if (boot_cpu_has(X86_FEATURE_ARCH_CAPABILITIES) &&
	    !rdmsrl_safe(MSR_IA32_ARCH_CAPABILITIES, &caps) &&
	    (caps & ARCH_CAP_SKIP_VMENTRY_L1DFLUSH))
		return VMENTER_L1D_FLUSH_NOT_REQUIRED;
	switch (l1tf_mitigation) {
	case L1TF_MITIGATION_OFF:
		return VMENTER_L1D_FLUSH_NEVER;
	case L1TF_MITIGATION_FULL:
	case L1TF_MITIGATION_FULL_FORCE:
		return VMENTER_L1D_FLUSH_ALWAYS;
	default:
		return VMENTER_L1D_FLUSH_COND;
	}
}

int vmx_spec_init(void)
{
	struct vmx_spec *s = &vmx_spec;

	s->l1d = l1d_flush_mode();
	s->nx_huge_pages = boot_cpu_has_bug(X86_BUG_ITLB_MULTIHIT) &&
			   !cpu_mitigations_off();
	if ((s->l1d == VMENTER_L1D_FLUSH_COND ||
	     s->l1d == VMENTER_L1D_FLUSH_ALWAYS) &&
	    !boot_cpu_has(X86_FEATURE_FLUSH_L1D)) {
		/* Not zeroed pages would do; zeroed ones leak nothing. */
		s->l1d_pages = alloc_pages(GFP_KERNEL | __GFP_ZERO,
					   L1D_FLUSH_ORDER);
		if (!s->l1d_pages)
			return -ENOMEM;
	}
	return 0;
}

void vmx_spec_exit(void)
{
	if (vmx_spec.l1d_pages)
		__free_pages(vmx_spec.l1d_pages, L1D_FLUSH_ORDER);
}

bool vmx_spec_nx_huge_pages(void)
{
	return vmx_spec.nx_huge_pages;
}

/*
 * Displace the L1D with harmless data: first bring every page into the
 * TLB (so that no page walk interleaves with the fill), then read one
 * byte of each cache line.
 */
static void l1d_flush_software(void)
{
	const u8 *p = page_address(vmx_spec.l1d_pages);
	unsigned long size = PAGE_SIZE << L1D_FLUSH_ORDER, off;

	for (off = 0; off < size; off += PAGE_SIZE)
		(void)READ_ONCE(p[off]);
	/* LFENCE: the TLB fills are done before the cache fill starts. */
	rmb();
	for (off = 0; off < size; off += L1_CACHE_BYTES)
		(void)READ_ONCE(p[off]);
	/* And the fill is done before VM entry. */
	rmb();
}

/*
 * Did an interrupt handler run on this CPU since the last entry?  The
 * host's interrupt entry code sets a per-CPU flag for hypervisors; in a
 * kernel without kvm_intel support it does not exist, and every entry
 * counts as after one.  Reading clears it.
 */
static bool host_irq_since_entry(void)
{
#if IS_ENABLED(CONFIG_KVM_INTEL)
	bool irq = kvm_get_cpu_l1tf_flush_l1d();

	kvm_clear_cpu_l1tf_flush_l1d();
	return irq;
#else
	return true;
#endif
}

/* Interrupts off, right before VM entry. */
void vmx_spec_before_entry(struct ember_vcpu *vcpu)
{
	bool flush;

	switch (vmx_spec.l1d) {
	case VMENTER_L1D_FLUSH_ALWAYS:
		flush = true;
		break;
	case VMENTER_L1D_FLUSH_COND:
		flush = vcpu->arch.l1d_flush_needed || host_irq_since_entry();
		break;
	default:
		return;
	}
	vcpu->arch.l1d_flush_needed = false;
	if (!flush)
		return;
	if (boot_cpu_has(X86_FEATURE_FLUSH_L1D))
		native_wrmsrl(MSR_IA32_FLUSH_CMD, L1D_FLUSH);
	else
		l1d_flush_software();
}

/* Interrupts off, right after VM exit. */
void vmx_spec_after_exit(void)
{
#ifdef X86_FEATURE_IBPB_EXIT_TO_USER
	/* VMSCAPE: the guest must not steer the VMM's branches. */
	if (cpu_feature_enabled(X86_FEATURE_IBPB_EXIT_TO_USER))
		this_cpu_write(x86_ibpb_exit_to_user, true);
#endif
}

/* Another vCPU's VMCS becomes current on this CPU. */
void vmx_spec_vcpu_switch(void)
{
	indirect_branch_prediction_barrier();
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

void ember_arch_show_mitigations(struct seq_file *m)
{
	seq_printf(m, "l1d_flush: %s\n", l1d_names[vmx_spec.l1d]);
	seq_printf(m, "l1d_flush_method: %s\n",
		   vmx_spec.l1d != VMENTER_L1D_FLUSH_COND &&
		   vmx_spec.l1d != VMENTER_L1D_FLUSH_ALWAYS ? "none" :
		   boot_cpu_has(X86_FEATURE_FLUSH_L1D) ? "msr" : "software");
	seq_printf(m, "clear_cpu_buffers: %s\n",
		   yes_no(boot_cpu_has(X86_FEATURE_CLEAR_CPU_BUF)));
	seq_printf(m, "rsb_fill_on_exit: %s\n",
		   boot_cpu_has(X86_FEATURE_RSB_VMEXIT) ? "yes" :
		   boot_cpu_has(X86_FEATURE_RSB_VMEXIT_LITE) ? "lite" : "no");
	seq_printf(m, "clear_bhb_on_exit: %s\n",
		   yes_no(boot_cpu_has(X86_FEATURE_CLEAR_BHB_LOOP_ON_VMEXIT)));
	seq_printf(m, "ibpb_on_vcpu_switch: %s\n",
		   yes_no(boot_cpu_has(X86_FEATURE_USE_IBPB)));
#ifdef X86_FEATURE_IBPB_EXIT_TO_USER
	seq_printf(m, "ibpb_exit_to_user: %s\n",
		   yes_no(cpu_feature_enabled(X86_FEATURE_IBPB_EXIT_TO_USER)));
#endif
	seq_printf(m, "nx_huge_pages: %s\n", yes_no(vmx_spec.nx_huge_pages));
	seq_puts(m, "spec_ctrl: the host's (guests have no SPEC_CTRL)\n");
}
