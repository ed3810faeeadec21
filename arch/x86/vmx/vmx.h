/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ember's VMX backend: state private to arch/x86/.
 */
#ifndef EMBER_X86_VMX_H
#define EMBER_X86_VMX_H

#include <linux/types.h>
#include <linux/cache.h>

/*
 * What the capability MSRs say (SDM Vol. 3C, Appendix A), read once on the
 * CPU that loads ember and read-only afterwards.  Every other CPU must
 * report the same before ember turns VMX on there (vmx_cpu_compatible()).
 */
struct vmx_caps {
	u64 basic;		/* IA32_VMX_BASIC */
	u64 procbased;		/* IA32_VMX_PROCBASED_CTLS (or TRUE_) */
	u64 procbased2;		/* IA32_VMX_PROCBASED_CTLS2 */
	u64 ept_vpid;		/* IA32_VMX_EPT_VPID_CAP */
	u64 misc;		/* IA32_VMX_MISC */
	u64 cr0_fixed0, cr0_fixed1;
	u64 cr4_fixed0, cr4_fixed1;
	u32 revision_id;	/* VMCS revision identifier, bits 30:0 */
	u32 vmcs_size;		/* bytes to allocate for a VMCS / VMXON region */
};

extern struct vmx_caps vmx_caps __ro_after_init;

/*
 * The VM-execution, VM-exit and VM-entry controls every vCPU starts with,
 * derived from the capability MSRs at load (SDM Vol. 3C, A.3-A.5): what
 * ember needs, plus what it can use when the CPU has it, plus whatever the
 * CPU insists on.
 */
struct vmx_config {
	u32 pin, proc, proc2, exit, entry;
	bool preemption_timer;
	bool rdtscp;			/* can be given to guests */
	u8 preemption_timer_shift;	/* timer ticks = TSC >> this */
};

extern struct vmx_config vmx_config __ro_after_init;

int vmx_caps_init(void);
bool vmx_cpu_compatible(void);

int vmx_cpus_alloc(void);
void vmx_cpus_free(void);

struct vmcs;
struct ember_vcpu;
/*
 * Per-CPU bookkeeping of VMCSs (vmx_cpu.c): which vCPUs have their VMCS
 * active on this CPU (cleared before VMXOFF), and which VMCS is current.
 * Interrupts off.
 */
void vmx_cpu_track_vmcs(struct ember_vcpu *vcpu);
void vmx_cpu_untrack_vmcs(struct ember_vcpu *vcpu);
struct vmcs *vmx_cpu_current_vmcs(void);
void vmx_cpu_vmcs_loaded(struct vmcs *vmcs);
void vmx_cpu_vmcs_cleared(struct vmcs *vmcs);

#endif /* EMBER_X86_VMX_H */
