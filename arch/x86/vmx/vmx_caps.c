// SPDX-License-Identifier: GPL-2.0
/*
 * Which VMX features this CPU has, and whether they are enough for ember.
 *
 * ember needs, beyond VMX itself: a VMCS that fits in a page and is written
 * back cacheable, secondary processor-based controls with EPT, VPID and
 * unrestricted guest, and EPT with 4-level walks, write-back paging-structure
 * memory and INVEPT/INVVPID.  A CPU without one of these cannot load ember:
 * the load fails with one line in the kernel log saying what is missing.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/errno.h>
#include <linux/seq_file.h>
#include <asm/processor.h>
#include <asm/msr.h>
#include <asm/vmx.h>

#include "arch.h"
#include "vmx.h"

struct vmx_caps vmx_caps __ro_after_init;
struct vmx_config vmx_config __ro_after_init;

/* IA32_VMX_BASIC fields, SDM Vol. 3C A.1 "Basic VMX Information". */
#define VMX_BASIC_REVISION(b)	((u32)(b) & 0x7fffffff)
#define VMX_BASIC_SIZE(b)	((u32)((b) >> 32) & 0x1fff)
#define VMX_BASIC_ADDR32	BIT_ULL(48)
#define VMX_BASIC_MEMTYPE(b)	(((b) >> 50) & 0xf)
#define VMX_MEMTYPE_WB		6

#define CPUID_1_ECX_VMX		BIT(5)

/* Allowed-1 settings are the high 32 bits of a control MSR (SDM A.3). */
static bool ctl_allows(u64 msr, u32 bits)
{
	return ((msr >> 32) & bits) == bits;
}

/* Read the capability MSRs of the calling CPU.  -EIO if one faults. */
static int vmx_caps_read(struct vmx_caps *c)
{
	u32 procbased_msr;

	if (rdmsrl_safe(MSR_IA32_VMX_BASIC, &c->basic))
		return -EIO;

	procbased_msr = (c->basic & VMX_BASIC_TRUE_CTLS) ?
			MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
			MSR_IA32_VMX_PROCBASED_CTLS;

	if (rdmsrl_safe(procbased_msr, &c->procbased) ||
	    rdmsrl_safe(MSR_IA32_VMX_MISC, &c->misc) ||
	    rdmsrl_safe(MSR_IA32_VMX_CR0_FIXED0, &c->cr0_fixed0) ||
	    rdmsrl_safe(MSR_IA32_VMX_CR0_FIXED1, &c->cr0_fixed1) ||
	    rdmsrl_safe(MSR_IA32_VMX_CR4_FIXED0, &c->cr4_fixed0) ||
	    rdmsrl_safe(MSR_IA32_VMX_CR4_FIXED1, &c->cr4_fixed1))
		return -EIO;

	/* SDM A.3.3: CTLS2 exists only if secondary controls can be 1. */
	c->procbased2 = 0;
	c->ept_vpid = 0;
	if (ctl_allows(c->procbased, CPU_BASED_ACTIVATE_SECONDARY_CONTROLS)) {
		if (rdmsrl_safe(MSR_IA32_VMX_PROCBASED_CTLS2, &c->procbased2))
			return -EIO;
		/* SDM A.10: EPT_VPID_CAP exists if EPT or VPID can be 1. */
		if (ctl_allows(c->procbased2, SECONDARY_EXEC_ENABLE_EPT |
					      SECONDARY_EXEC_ENABLE_VPID) &&
		    rdmsrl_safe(MSR_IA32_VMX_EPT_VPID_CAP, &c->ept_vpid))
			return -EIO;
	}

	c->revision_id = VMX_BASIC_REVISION(c->basic);
	c->vmcs_size = VMX_BASIC_SIZE(c->basic);
	return 0;
}

/* Returns the name of the first missing feature, or NULL if none is. */
static const char *vmx_caps_missing(const struct vmx_caps *c)
{
	u64 ept = c->ept_vpid;

	if (c->vmcs_size == 0 || c->vmcs_size > PAGE_SIZE)
		return "a VMCS that fits in a page (IA32_VMX_BASIC[44:32])";
	if (c->basic & VMX_BASIC_ADDR32)
		return "VMX structures above 4 GiB (IA32_VMX_BASIC[48] is set)";
	if (VMX_BASIC_MEMTYPE(c->basic) != VMX_MEMTYPE_WB)
		return "write-back VMCS memory (IA32_VMX_BASIC[53:50])";
	if (!ctl_allows(c->procbased, CPU_BASED_ACTIVATE_SECONDARY_CONTROLS))
		return "secondary processor-based VM-execution controls";
	if (!ctl_allows(c->procbased2, SECONDARY_EXEC_ENABLE_EPT))
		return "EPT";
	if (!ctl_allows(c->procbased2, SECONDARY_EXEC_UNRESTRICTED_GUEST))
		return "unrestricted guest";
	if (!ctl_allows(c->procbased2, SECONDARY_EXEC_ENABLE_VPID))
		return "VPID";
	if (!(ept & VMX_EPT_PAGE_WALK_4_BIT))
		return "EPT with 4-level page walks";
	if (!(ept & VMX_EPTP_WB_BIT))
		return "EPT with write-back paging structures";
	if (!(ept & VMX_EPT_INVEPT_BIT) ||
	    !(ept & (VMX_EPT_EXTENT_CONTEXT_BIT | VMX_EPT_EXTENT_GLOBAL_BIT)))
		return "INVEPT (single- or all-context)";
	if (!(ept & ((u64)VMX_VPID_INVVPID_BIT << 32)) ||
	    !(ept & ((u64)(VMX_VPID_EXTENT_SINGLE_CONTEXT_BIT |
			   VMX_VPID_EXTENT_GLOBAL_CONTEXT_BIT) << 32)))
		return "INVVPID (single- or all-context)";
	return NULL;
}

/*
 * Is VMX usable at all on this CPU?  SDM Vol. 3C 24.6 "Discovering Support
 * for VMX" (CPUID.1:ECX.VMX[bit 5]) and 24.7 "Enabling and Entering VMX
 * Operation" (IA32_FEATURE_CONTROL).  Firmware that locked the MSR with VMX
 * outside SMX disabled leaves no way to turn VMX on until a power cycle.
 */
static int vmx_check_cpu(void)
{
	u64 feat;

	if (!(cpuid_ecx(1) & CPUID_1_ECX_VMX)) {
		pr_err("this CPU has no VMX (CPUID.1:ECX.VMX is 0)\n");
		return -EOPNOTSUPP;
	}
	if (rdmsrl_safe(MSR_IA32_FEAT_CTL, &feat)) {
		pr_err("cannot read IA32_FEATURE_CONTROL\n");
		return -EIO;
	}
	if ((feat & FEAT_CTL_LOCKED) &&
	    !(feat & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)) {
		pr_err("VMX is disabled by the firmware (IA32_FEATURE_CONTROL is locked with VMX off)\n");
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * SDM A.3.1: bits 31:0 of a control MSR are the allowed 0-settings (a 1
 * there means the control must be 1), bits 63:32 the allowed 1-settings.
 * Returns false if a control in @min cannot be 1.
 */
static bool adjust_ctls(u32 min, u32 opt, u32 msr, u32 *out)
{
	u64 v;

	if (rdmsrl_safe(msr, &v))
		return false;
	*out = ((min | opt) & (u32)(v >> 32)) | (u32)v;
	return (*out & min) == min;
}

static int vmx_config_init(void)
{
	bool tru = vmx_caps.basic & VMX_BASIC_TRUE_CTLS;
	struct vmx_config *c = &vmx_config;
	u32 min, opt;

	min = PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING;
	opt = PIN_BASED_VIRTUAL_NMIS | PIN_BASED_VMX_PREEMPTION_TIMER;
	if (!adjust_ctls(min, opt, tru ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
			 MSR_IA32_VMX_PINBASED_CTLS, &c->pin))
		return -EOPNOTSUPP;

	/*
	 * Port I/O, HLT, MOV DR, MOV CR8 (there is no TPR shadow: the guest
	 * must not reach the host APIC), MWAIT/MONITOR and RDPMC exit; MSR
	 * accesses go through a bitmap; CR3 accesses do not exit (EPT).
	 */
	min = CPU_BASED_HLT_EXITING | CPU_BASED_UNCOND_IO_EXITING |
	      CPU_BASED_USE_MSR_BITMAPS | CPU_BASED_MOV_DR_EXITING |
	      CPU_BASED_MWAIT_EXITING | CPU_BASED_MONITOR_EXITING |
	      CPU_BASED_RDPMC_EXITING | CPU_BASED_USE_TSC_OFFSETTING |
	      CPU_BASED_CR8_LOAD_EXITING | CPU_BASED_CR8_STORE_EXITING |
	      CPU_BASED_ACTIVATE_SECONDARY_CONTROLS;
	if (!adjust_ctls(min, 0, tru ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
			 MSR_IA32_VMX_PROCBASED_CTLS, &c->proc))
		return -EOPNOTSUPP;
	c->proc &= ~(CPU_BASED_CR3_LOAD_EXITING | CPU_BASED_CR3_STORE_EXITING |
		     CPU_BASED_INVLPG_EXITING);

	min = SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_ENABLE_VPID |
	      SECONDARY_EXEC_UNRESTRICTED_GUEST;
	opt = SECONDARY_EXEC_ENABLE_RDTSCP;
	if (!adjust_ctls(min, opt, MSR_IA32_VMX_PROCBASED_CTLS2, &c->proc2))
		return -EOPNOTSUPP;
	/* RDTSCP is on per vCPU, when its CPUID has it (vmx_update_rdtscp). */
	c->rdtscp = c->proc2 & SECONDARY_EXEC_ENABLE_RDTSCP;
	c->proc2 &= ~SECONDARY_EXEC_ENABLE_RDTSCP;

	/*
	 * The guest's DR7 and IA32_DEBUGCTL are loaded at entry and saved at
	 * exit: without it the guest would run with the host's breakpoints
	 * and debug controls (SDM Vol. 3C 27.3.2.1, 28.3.1).
	 */
	min = VM_EXIT_HOST_ADDR_SPACE_SIZE | VM_EXIT_SAVE_IA32_EFER |
	      VM_EXIT_LOAD_IA32_EFER | VM_EXIT_SAVE_IA32_PAT |
	      VM_EXIT_LOAD_IA32_PAT | VM_EXIT_SAVE_DEBUG_CONTROLS;
	opt = VM_EXIT_SAVE_VMX_PREEMPTION_TIMER;
	if (!adjust_ctls(min, opt, tru ? MSR_IA32_VMX_TRUE_EXIT_CTLS :
			 MSR_IA32_VMX_EXIT_CTLS, &c->exit))
		return -EOPNOTSUPP;
	/* Interrupts stay pending in the host APIC across a VM exit. */
	c->exit &= ~VM_EXIT_ACK_INTR_ON_EXIT;

	min = VM_ENTRY_LOAD_IA32_EFER | VM_ENTRY_LOAD_IA32_PAT |
	      VM_ENTRY_LOAD_DEBUG_CONTROLS;
	if (!adjust_ctls(min, 0, tru ? MSR_IA32_VMX_TRUE_ENTRY_CTLS :
			 MSR_IA32_VMX_ENTRY_CTLS, &c->entry))
		return -EOPNOTSUPP;
	c->entry &= ~VM_ENTRY_IA32E_MODE;	/* per vCPU, from EFER.LMA */

	/* The preemption timer is a backstop only if its value is saved. */
	c->preemption_timer = (c->pin & PIN_BASED_VMX_PREEMPTION_TIMER) &&
			      (c->exit & VM_EXIT_SAVE_VMX_PREEMPTION_TIMER);
	if (!c->preemption_timer) {
		c->pin &= ~PIN_BASED_VMX_PREEMPTION_TIMER;
		c->exit &= ~VM_EXIT_SAVE_VMX_PREEMPTION_TIMER;
	}
	c->preemption_timer_shift = vmx_caps.misc &
				    VMX_MISC_PREEMPTION_TIMER_RATE_MASK;
	return 0;
}

int vmx_caps_init(void)
{
	const char *missing;
	int r;

	r = vmx_check_cpu();
	if (r)
		return r;

	r = vmx_caps_read(&vmx_caps);
	if (r) {
		pr_err("cannot read the VMX capability MSRs\n");
		return r;
	}

	missing = vmx_caps_missing(&vmx_caps);
	if (missing) {
		pr_err("this CPU lacks %s, which ember needs\n", missing);
		return -EOPNOTSUPP;
	}
	r = vmx_config_init();
	if (r)
		pr_err("this CPU cannot set the VMX controls ember needs\n");
	return r;
}

/*
 * Does the calling CPU report what the loading CPU reported?  A machine whose
 * CPUs differ would run a vCPU with controls one of them does not have.
 */
bool vmx_cpu_compatible(void)
{
	struct vmx_caps c;

	if (vmx_check_cpu() || vmx_caps_read(&c))
		return false;
	return c.basic == vmx_caps.basic &&
	       c.procbased == vmx_caps.procbased &&
	       c.procbased2 == vmx_caps.procbased2 &&
	       c.ept_vpid == vmx_caps.ept_vpid &&
	       c.cr0_fixed0 == vmx_caps.cr0_fixed0 &&
	       c.cr4_fixed0 == vmx_caps.cr4_fixed0;
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

void ember_arch_show_caps(struct seq_file *m)
{
	const struct vmx_caps *c = &vmx_caps;
	u64 ept = c->ept_vpid;

	seq_printf(m, "vmcs_revision_id: 0x%x\n", c->revision_id);
	seq_printf(m, "vmcs_size: %u\n", c->vmcs_size);
	seq_printf(m, "true_controls: %s\n",
		   yes_no(c->basic & VMX_BASIC_TRUE_CTLS));
	seq_printf(m, "ept: %s\n",
		   yes_no(ctl_allows(c->procbased2, SECONDARY_EXEC_ENABLE_EPT)));
	seq_printf(m, "ept_4level: %s\n", yes_no(ept & VMX_EPT_PAGE_WALK_4_BIT));
	seq_printf(m, "ept_wb: %s\n", yes_no(ept & VMX_EPTP_WB_BIT));
	seq_printf(m, "ept_2m_pages: %s\n", yes_no(ept & VMX_EPT_2MB_PAGE_BIT));
	seq_printf(m, "ept_1g_pages: %s\n", yes_no(ept & VMX_EPT_1GB_PAGE_BIT));
	seq_printf(m, "ept_ad_bits: %s\n", yes_no(ept & VMX_EPT_AD_BIT));
	seq_printf(m, "vpid: %s\n",
		   yes_no(ctl_allows(c->procbased2, SECONDARY_EXEC_ENABLE_VPID)));
	seq_printf(m, "unrestricted_guest: %s\n",
		   yes_no(ctl_allows(c->procbased2,
				     SECONDARY_EXEC_UNRESTRICTED_GUEST)));
	seq_printf(m, "preemption_timer: %s\n",
		   yes_no(vmx_config.preemption_timer));
	seq_printf(m, "preemption_timer_rate: %u\n",
		   (u32)(c->misc & VMX_MISC_PREEMPTION_TIMER_RATE_MASK));
	seq_printf(m, "controls: pin 0x%08x proc 0x%08x proc2 0x%08x exit 0x%08x entry 0x%08x\n",
		   vmx_config.pin, vmx_config.proc, vmx_config.proc2,
		   vmx_config.exit, vmx_config.entry);
	seq_printf(m, "msr_basic: 0x%016llx\n", c->basic);
	seq_printf(m, "msr_procbased_ctls: 0x%016llx\n", c->procbased);
	seq_printf(m, "msr_procbased_ctls2: 0x%016llx\n", c->procbased2);
	seq_printf(m, "msr_ept_vpid_cap: 0x%016llx\n", c->ept_vpid);
	seq_printf(m, "msr_misc: 0x%016llx\n", c->misc);
	seq_printf(m, "msr_cr0_fixed: 0x%llx 0x%llx\n",
		   c->cr0_fixed0, c->cr0_fixed1);
	seq_printf(m, "msr_cr4_fixed: 0x%llx 0x%llx\n",
		   c->cr4_fixed0, c->cr4_fixed1);
}
