// SPDX-License-Identifier: GPL-2.0
/*
 * The host's performance monitoring across the world switch.
 *
 * Guests have no PMU, but the host's counters keep running while a guest
 * runs: a counter perf set up for the host only (exclude_guest) would
 * count the guest, and PEBS on a CPU without PEBS isolation writes its
 * records through the guest's page tables into guest memory.  perf knows
 * which MSRs must hold other values while a guest runs
 * (perf_guest_get_msrs(): IA32_PERF_GLOBAL_CTRL, IA32_PEBS_ENABLE); the
 * CPU loads the guest's values at VM entry and the host's at VM exit from
 * the VM-entry and VM-exit MSR-load lists (SDM Vol. 3C 25.8.2, 26.7.2,
 * 27.4, 28.6).  The lists are rebuilt before every entry, with interrupts
 * off, since perf may reprogram the counters at any interrupt.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/perf_event.h>
#include <asm/perf_event.h>

#include "vmcs.h"
#include "vmx_vcpu.h"

/* Entries per list: perf asks for two at most today. */
#define VMX_PERF_MAX_MSRS	8

/* struct vmx_msr_entry (asm/vmx.h): SDM Vol. 3C 25.7.2, 16-byte aligned. */
struct vmx_perf_lists {
	struct vmx_msr_entry guest[VMX_PERF_MAX_MSRS] __aligned(16);
	struct vmx_msr_entry host[VMX_PERF_MAX_MSRS] __aligned(16);
};

/*
 * Whether the host has a PMU driver that asks for a switch at all: fixed
 * at boot (perf_guest_get_msrs() is a static call that returns nothing
 * without one), so asked once, at load.
 */
static bool vmx_perf_host_pmu __ro_after_init;

void vmx_perf_init(void)
{
	int nr = 0;

	preempt_disable();	/* it reads this CPU's perf state */
	vmx_perf_host_pmu = perf_guest_get_msrs(&nr, NULL) != NULL;
	preempt_enable();
}

int vmx_perf_vcpu_init(struct ember_vcpu *vcpu)
{
	struct vmx_perf_lists *l;

	BUILD_BUG_ON(sizeof(*l) > PAGE_SIZE);
	l = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!l)
		return -ENOMEM;
	vcpu->arch.perf_lists = l;
	return 0;
}

void vmx_perf_vcpu_free(struct ember_vcpu *vcpu)
{
	free_page((unsigned long)vcpu->arch.perf_lists);
}

/* With the vCPU's VMCS current: where the lists are. */
void vmx_perf_vcpu_setup(struct ember_vcpu *vcpu)
{
	struct vmx_perf_lists *l = vcpu->arch.perf_lists;

	vmcs_write64(VM_ENTRY_MSR_LOAD_ADDR, __pa(l->guest));
	vmcs_write64(VM_EXIT_MSR_LOAD_ADDR, __pa(l->host));
	vmcs_write32(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write32(VM_EXIT_MSR_LOAD_COUNT, 0);
	vcpu->arch.perf_nr = 0;
}

/* Interrupts off, before VM entry. */
void vmx_perf_before_entry(struct ember_vcpu *vcpu)
{
	struct vmx_perf_lists *l = vcpu->arch.perf_lists;
	struct perf_guest_switch_msr *msrs;
	int i, n = 0, nr = 0;

	if (!vmx_perf_host_pmu)
		return;
	msrs = perf_guest_get_msrs(&nr, NULL);
	for (i = 0; msrs && i < nr && n < VMX_PERF_MAX_MSRS; i++) {
		if (msrs[i].host == msrs[i].guest)
			continue;
		l->guest[n].index = msrs[i].msr;
		l->guest[n].value = msrs[i].guest;
		l->host[n].index = msrs[i].msr;
		l->host[n].value = msrs[i].host;
		n++;
	}
	if (n != vcpu->arch.perf_nr) {
		vmcs_write32(VM_ENTRY_MSR_LOAD_COUNT, n);
		vmcs_write32(VM_EXIT_MSR_LOAD_COUNT, n);
		vcpu->arch.perf_nr = n;
	}
}
