// SPDX-License-Identifier: GPL-2.0
/*
 * VMX operation on one CPU: the VMXON region, VMXON and VMXOFF.
 *
 * Each CPU has its own VMXON region, allocated on the CPU's node when ember
 * loads.  ember only ever turns off what it turned on: vmx_cpu.on records
 * that this CPU is in VMX operation because of ember, so that a CPU held by
 * another hypervisor is never touched.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/cpu.h>
#include <linux/smp.h>
#include <linux/seq_file.h>
#include <asm/asm.h>
#include <asm/io.h>
#include <asm/msr.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>

#include "arch.h"
#include "ember.h"
#include "vmx.h"
#include "vmx_vcpu.h"

struct vmx_cpu {
	struct page *vmxon_region;
	bool on;		/* in VMX operation because ember put it there */
	/* vCPUs whose VMCS is active here; changed here, interrupts off. */
	struct list_head loaded;
	struct vmcs *current_vmcs;	/* as VMPTRLD left it */
};

static DEFINE_PER_CPU(struct vmx_cpu, vmx_cpu);

int vmx_cpus_alloc(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct page *page;

		page = alloc_pages_node(cpu_to_node(cpu),
					GFP_KERNEL | __GFP_ZERO, 0);
		if (!page) {
			vmx_cpus_free();
			return -ENOMEM;
		}
		per_cpu(vmx_cpu, cpu).vmxon_region = page;
		INIT_LIST_HEAD(&per_cpu(vmx_cpu, cpu).loaded);
	}
	return vmx_vcpu_global_init();
}

void vmx_cpus_free(void)
{
	int cpu;

	vmx_vcpu_global_exit();
	for_each_possible_cpu(cpu) {
		struct vmx_cpu *vc = per_cpu_ptr(&vmx_cpu, cpu);

		if (vc->vmxon_region)
			__free_page(vc->vmxon_region);
		vc->vmxon_region = NULL;
	}
}

/*
 * SDM Vol. 3C 24.7: VMXON #GPs unless IA32_FEATURE_CONTROL is locked with
 * "VMX outside SMX" set.  Firmware normally does this; when it did not, set
 * the bit and lock the MSR, as Linux and KVM do.
 */
static int vmx_feature_control_enable(void)
{
	u64 feat;

	if (rdmsrl_safe(MSR_IA32_FEAT_CTL, &feat))
		return -EIO;
	if (feat & FEAT_CTL_LOCKED)
		return (feat & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX) ? 0 : -EOPNOTSUPP;
	feat |= FEAT_CTL_LOCKED | FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX;
	return wrmsrl_safe(MSR_IA32_FEAT_CTL, feat) ? -EIO : 0;
}

/*
 * SDM Vol. 3C 24.8 "Restrictions on VMX Operation": every bit set in
 * IA32_VMX_CRx_FIXED0 must be 1 and every bit clear in IA32_VMX_CRx_FIXED1
 * must be 0, or VMXON #GPs.  cr4 includes VMXE, which FIXED0 requires.
 */
static bool vmx_cr_ok(unsigned long cr0, unsigned long cr4)
{
	return (cr0 & vmx_caps.cr0_fixed0) == vmx_caps.cr0_fixed0 &&
	       (cr0 & ~vmx_caps.cr0_fixed1) == 0 &&
	       (cr4 & vmx_caps.cr4_fixed0) == vmx_caps.cr4_fixed0 &&
	       (cr4 & ~vmx_caps.cr4_fixed1) == 0;
}

/*
 * Returns 0, -EIO on VMfailInvalid (SDM Vol. 2: bad region address or
 * revision) or -EFAULT if VMXON faulted (#UD/#GP).
 */
static int vmx_vmxon(u64 pa)
{
	asm goto("1: vmxon %[pa]\n\t"
		 "jbe %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : [pa] "m" (pa) : "cc", "memory" : fail, fault);
	return 0;
fail:
	return -EIO;
fault:
	return -EFAULT;
}

/* Returns -EFAULT if VMXOFF faulted, i.e. the CPU was not in VMX operation. */
static int vmx_vmxoff(void)
{
	asm goto("1: vmxoff\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : : "cc", "memory" : fault);
	return 0;
fault:
	return -EFAULT;
}

int ember_arch_cpu_enable(void)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu);
	int cpu = smp_processor_id();
	int r;

	if (vc->on)
		return 0;

	/*
	 * CR4.VMXE set by someone else means another hypervisor (kvm_intel)
	 * is in VMX operation here: VMXON would fail, and VMXOFF on its
	 * behalf would pull the ground from under its guests.
	 */
	if (cr4_read_shadow() & X86_CR4_VMXE)
		return -EBUSY;

	if (!vmx_cpu_compatible()) {
		pr_err("CPU%d: VMX capabilities differ from the boot CPU's\n",
		       cpu);
		return -EIO;
	}
	r = vmx_feature_control_enable();
	if (r) {
		pr_err("CPU%d: cannot enable VMX in IA32_FEATURE_CONTROL\n",
		       cpu);
		return r;
	}
	if (!vmx_cr_ok(read_cr0(), cr4_read_shadow() | X86_CR4_VMXE)) {
		pr_err("CPU%d: CR0/CR4 violate the VMX fixed bits\n", cpu);
		return -EIO;
	}

	/* SDM Vol. 3C 25.11.5 "VMXON Region": it starts with the VMCS revision id. */
	*(u32 *)page_address(vc->vmxon_region) = vmx_caps.revision_id;

	cr4_set_bits(X86_CR4_VMXE);
	r = vmx_vmxon(page_to_phys(vc->vmxon_region));
	if (r) {
		cr4_clear_bits(X86_CR4_VMXE);
		pr_err("CPU%d: VMXON failed (%d)\n", cpu, r);
		return r;
	}
	vc->on = true;
	return 0;
}

/* Interrupts off, on the CPU where @vcpu's VMCS becomes active. */
void vmx_cpu_track_vmcs(struct ember_vcpu *vcpu)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu);

	list_add(&vcpu->arch.loaded_link, &vc->loaded);
}

void vmx_cpu_untrack_vmcs(struct ember_vcpu *vcpu)
{
	list_del_init(&vcpu->arch.loaded_link);
}

struct vmcs *vmx_cpu_current_vmcs(void)
{
	return this_cpu_read(vmx_cpu.current_vmcs);
}

/* VMPTRLD of @vmcs happened here. */
void vmx_cpu_vmcs_loaded(struct vmcs *vmcs)
{
	this_cpu_write(vmx_cpu.current_vmcs, vmcs);
}

/* VMCLEAR of the current VMCS leaves none current (SDM Vol. 2, VMCLEAR). */
void vmx_cpu_vmcs_cleared(struct vmcs *vmcs)
{
	if (this_cpu_read(vmx_cpu.current_vmcs) == vmcs)
		this_cpu_write(vmx_cpu.current_vmcs, NULL);
}

void ember_arch_cpu_disable(void)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu);
	struct ember_vcpu *vcpu, *tmp;

	if (!vc->on)
		return;
	/* Their state must reach memory before VMX operation ends here. */
	list_for_each_entry_safe(vcpu, tmp, &vc->loaded, arch.loaded_link) {
		list_del_init(&vcpu->arch.loaded_link);
		vmx_vcpu_forget_cpu(vcpu);
	}
	vc->current_vmcs = NULL;
	if (vmx_vmxoff())
		pr_err("CPU%d: VMXOFF faulted: the CPU was not in VMX operation\n",
		       smp_processor_id());
	cr4_clear_bits(X86_CR4_VMXE);
	vc->on = false;
}

struct vmx_cpu_state {
	unsigned long cr4;
	bool on;
};

static void vmx_read_cpu_state(void *data)
{
	struct vmx_cpu_state *st = data;

	st->cr4 = __read_cr4();		/* the register, not the shadow */
	st->on = this_cpu_read(vmx_cpu.on);
}

/*
 * One line per online CPU: whether ember holds it in VMX operation and what
 * CR4.VMXE really is there.  "holder" is ember, other (another hypervisor
 * is in VMX operation on it) or none.
 */
void ember_arch_show_cpus(struct seq_file *m)
{
	int cpu;

	cpus_read_lock();
	for_each_online_cpu(cpu) {
		struct vmx_cpu_state st = { 0 };
		bool vmxe;

		if (smp_call_function_single(cpu, vmx_read_cpu_state, &st, 1))
			continue;
		vmxe = st.cr4 & X86_CR4_VMXE;
		seq_printf(m, "cpu%d vmxon=%d cr4.vmxe=%d holder=%s\n", cpu,
		  st.on, vmxe,
		  st.on ? "ember" : vmxe ? "other" : "none");
	}
	cpus_read_unlock();
}

int ember_arch_init(void)
{
	int r;

	r = vmx_caps_init();
	if (r)
		return r;
	r = vmx_spec_init();
	if (r)
		return r;
	vmx_perf_init();
	r = vmx_cpus_alloc();
	if (r) {
		pr_err("cannot allocate the VMXON regions\n");
		vmx_spec_exit();
	}
	return r;
}

void ember_arch_exit(void)
{
	vmx_cpus_free();
	vmx_spec_exit();
}
