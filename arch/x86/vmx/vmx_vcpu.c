// SPDX-License-Identifier: GPL-2.0
/*
 * A vCPU in VMX terms: its VMCS (controls from vmx_config, the host state,
 * the architectural reset state), and moving it between host CPUs.
 *
 * The VMCS stays active on the CPU where the vCPU last ran.  Loading the
 * vCPU on another CPU VMCLEARs it there first (SDM Vol. 3C 25.11.1: a VMCS
 * must not be active on two processors), and the per-CPU host fields are
 * rewritten; loading it where it already is costs a VMPTRLD at most.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <asm/cpu_entry_area.h>
#include <asm/desc.h>
#include <asm/fpu/api.h>
#include <asm/msr.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/trapnr.h>

#include "ember.h"
#include "arch.h"
#include "vmcs.h"
#include "vmx.h"
#include "vmx_vcpu.h"
#include "irqchip.h"
#include "lapic.h"

/* VPIDs: 1..65535; 0 is the host's (SDM 29.1). */
#define VMX_NR_VPIDS	(1 << 16)
static DEFINE_SPINLOCK(vpid_lock);
static DECLARE_BITMAP(vpid_bitmap, VMX_NR_VPIDS);

/* One MSR bitmap for every vCPU: all ones, every RDMSR/WRMSR exits. */
static void *vmx_msr_bitmap;

static u16 vpid_alloc(void)
{
	unsigned long vpid;

	spin_lock(&vpid_lock);
	vpid = find_next_zero_bit(vpid_bitmap, VMX_NR_VPIDS, 1);
	if (vpid < VMX_NR_VPIDS)
		__set_bit(vpid, vpid_bitmap);
	else
		vpid = 0;
	spin_unlock(&vpid_lock);
	return vpid;
}

static void vpid_free(u16 vpid)
{
	if (!vpid)
		return;
	spin_lock(&vpid_lock);
	__clear_bit(vpid, vpid_bitmap);
	spin_unlock(&vpid_lock);
}

int vmx_vcpu_global_init(void)
{
	vmx_msr_bitmap = (void *)__get_free_page(GFP_KERNEL);
	if (!vmx_msr_bitmap)
		return -ENOMEM;
	memset(vmx_msr_bitmap, 0xff, PAGE_SIZE);
	return 0;
}

void vmx_vcpu_global_exit(void)
{
	free_page((unsigned long)vmx_msr_bitmap);
}

/*
 * INVVPID and INVEPT, single-context where the CPU has it, else all-context
 * (SDM Vol. 3C 29.4.3).  They run on the vCPU's own CPU, in VMX operation;
 * should VMX have been turned off under them (an emergency reboot), the
 * fault is caught and, then only, ignored.
 */
static void vmx_invvpid(u16 vpid)
{
	struct { u64 vpid, gla; } desc = { vpid, 0 };
	unsigned long type = VMX_VPID_EXTENT_SINGLE_CONTEXT;

	if (!(vmx_caps.ept_vpid &
	      ((u64)VMX_VPID_EXTENT_SINGLE_CONTEXT_BIT << 32)))
		type = VMX_VPID_EXTENT_ALL_CONTEXT;
	asm goto("1: invvpid %0, %1\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : : "m" (desc), "r" (type) : "cc", "memory" : fail);
	return;
fail:
	vmx_insn_failed("INVVPID", type);
}

void vmx_flush_ept(u64 eptp)
{
	struct { u64 eptp, rsvd; } desc = { eptp, 0 };
	unsigned long type = VMX_EPT_EXTENT_CONTEXT;

	if (!(vmx_caps.ept_vpid & VMX_EPT_EXTENT_CONTEXT_BIT))
		type = VMX_EPT_EXTENT_GLOBAL;
	asm goto("1: invept %0, %1\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : : "m" (desc), "r" (type) : "cc", "memory" : fail);
	return;
fail:
	vmx_insn_failed("INVEPT", type);
}

/*
 * The guest's own translations (linear and combined mappings of its VPID).
 * Without a VPID every VM entry and exit flushes them (SDM 29.4.3.3).
 */
void vmx_flush_guest_tlb(struct ember_vcpu *vcpu)
{
	if (vcpu->arch.vpid)
		vmx_invvpid(vcpu->arch.vpid);
}

/* Base of the TSS from the GDT descriptor TR selects (64-bit: 16 bytes). */
static unsigned long host_tr_base(void)
{
	struct desc_ptr gdt;
	struct ldttss_desc *d;
	u16 tr;

	native_store_gdt(&gdt);
	asm volatile("str %0" : "=r" (tr));
	d = (struct ldttss_desc *)(gdt.address + (tr & ~7));
	return d->base0 | ((unsigned long)d->base1 << 16) |
	       ((unsigned long)d->base2 << 24) |
	       ((unsigned long)d->base3 << 32);
}

/* Host fields that differ between CPUs; written when the vCPU moves. */
static void vmx_set_host_cpu_state(int cpu)
{
	struct desc_ptr gdt;

	native_store_gdt(&gdt);
	vmcs_writel(HOST_GDTR_BASE, gdt.address);
	vmcs_writel(HOST_TR_BASE, host_tr_base());
	vmcs_writel(HOST_GS_BASE, native_read_msr(MSR_GS_BASE));
	vmcs_writel(HOST_IA32_SYSENTER_ESP,
		    (unsigned long)(cpu_entry_stack(cpu) + 1));
}

/* Host fields that are the same everywhere; written once. */
static void vmx_set_host_constant_state(void)
{
	struct desc_ptr idt;
	u64 sysenter_cs;

	vmcs_writel(HOST_CR0, read_cr0());
	vmcs_write16(HOST_CS_SELECTOR, __KERNEL_CS);
	vmcs_write16(HOST_SS_SELECTOR, __KERNEL_DS);
	vmcs_write16(HOST_DS_SELECTOR, 0);
	vmcs_write16(HOST_ES_SELECTOR, 0);
	vmcs_write16(HOST_FS_SELECTOR, 0);
	vmcs_write16(HOST_GS_SELECTOR, 0);
	vmcs_write16(HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);
	store_idt(&idt);
	vmcs_writel(HOST_IDTR_BASE, idt.address);
	vmcs_writel(HOST_RIP, (unsigned long)vmx_vmexit);
	rdmsrl(MSR_IA32_SYSENTER_CS, sysenter_cs);
	vmcs_write32(HOST_IA32_SYSENTER_CS, sysenter_cs);
	vmcs_writel(HOST_IA32_SYSENTER_EIP, native_read_msr(MSR_IA32_SYSENTER_EIP));
	vmcs_write64(HOST_IA32_EFER, native_read_msr(MSR_EFER));
	vmcs_write64(HOST_IA32_PAT, native_read_msr(MSR_IA32_CR_PAT));
}

/* Runs on the CPU where @vcpu's VMCS is active. */
static void vmx_vcpu_clear_here(void *data)
{
	struct ember_vcpu *vcpu = data;

	if (vcpu->arch.cpu != raw_smp_processor_id())
		return;		/* raced with a CPU offline that did it */
	vmx_cpu_untrack_vmcs(vcpu);
	vmx_vcpu_forget_cpu(vcpu);
}

/* Make @vcpu's VMCS inactive everywhere.  Interrupts enabled. */
static void vmx_vcpu_clear(struct ember_vcpu *vcpu)
{
	int cpu = vcpu->arch.cpu;

	if (cpu >= 0)
		smp_call_function_single(cpu, vmx_vcpu_clear_here, vcpu, 1);
}

/*
 * Called from vmx_cpu.c with interrupts off on the CPU going down or
 * leaving VMX operation: every VMCS active there is cleared.
 */
void vmx_vcpu_forget_cpu(struct ember_vcpu *vcpu)
{
	vmcs_clear(vcpu->arch.vmcs);
	vcpu->arch.launched = false;
	/* Order the VMCLEAR before cpu = -1 (read by vmx_vcpu_clear). */
	smp_wmb();
	vcpu->arch.cpu = -1;
}

void ember_arch_vcpu_load(struct ember_vcpu *vcpu, int cpu)
{
	struct ember_arch_vcpu *a = &vcpu->arch;

	if (a->cpu != cpu) {
		if (a->cpu >= 0)
			smp_call_function_single(a->cpu, vmx_vcpu_clear_here,
						 vcpu, 1);
		/* VMCLEAR (or the offline path) reset launched. */
		local_irq_disable();
		vmcs_load(a->vmcs);
		a->cpu = cpu;
		vmx_cpu_track_vmcs(vcpu);
		local_irq_enable();
		vmx_spec_vcpu_switch();
		vmx_set_host_cpu_state(cpu);
		/*
		 * Translations cached here for this VPID/EPTP may predate
		 * changes made while the vCPU ran elsewhere, or belong to a
		 * VM that had the same EPTP before this one.  This is what
		 * lets a TLB flush request spare CPUs where no vCPU of the
		 * VM is loaded.
		 */
		vmx_flush_guest_tlb(vcpu);
		vmx_flush_ept(vcpu->vm->arch.eptp);
	} else if (vmx_cpu_current_vmcs() != a->vmcs) {
		vmcs_load(a->vmcs);
		vmx_spec_vcpu_switch();
	}
	/* The host ran other code: see vmx_spec.c. */
	a->l1d_flush_needed = true;

	/* Per task: this thread's FS base, restored by every VM exit. */
	savesegment(fs, a->host.fs_sel);
	savesegment(gs, a->host.gs_sel);
	savesegment(ds, a->host.ds_sel);
	savesegment(es, a->host.es_sel);
	a->host.fs_base = native_read_msr(MSR_FS_BASE);
	a->host.debugctl = native_read_msr(MSR_IA32_DEBUGCTLMSR);
	/* A VM exit leaves LDTR unusable (SDM 28.5.2). */
	asm volatile("sldt %0" : "=r" (a->host.ldt_sel));
	vmcs_writel(HOST_FS_BASE, a->host.fs_base);
	a->loaded = true;
	if (a->in_run)
		vmx_guest_msrs_load(vcpu);
}

void ember_arch_vcpu_put(struct ember_vcpu *vcpu)
{
	struct ember_arch_vcpu *a = &vcpu->arch;

	if (!a->loaded)
		return;
	vmx_guest_msrs_put(vcpu);

	/* A VM exit left DS, ES, FS, GS null (the HOST_*_SELECTOR fields). */
	if (a->host.ds_sel)
		loadsegment(ds, a->host.ds_sel);
	if (a->host.es_sel)
		loadsegment(es, a->host.es_sel);
	if (a->host.fs_sel) {
		loadsegment(fs, a->host.fs_sel);
		wrmsrl(MSR_FS_BASE, a->host.fs_base);
	}
	if (a->host.gs_sel) {
		u64 kgs = native_read_msr(MSR_KERNEL_GS_BASE);

		load_gs_index(a->host.gs_sel);
		wrmsrl(MSR_KERNEL_GS_BASE, kgs);
	}
	if (a->host.ldt_sel)
		asm volatile("lldt %0" : : "rm" (a->host.ldt_sel));
	/* A VM exit sets the GDT limit to 0xffff and the TR limit to 0x67. */
	invalidate_tss_limit();
	load_fixmap_gdt(raw_smp_processor_id());
	a->loaded = false;
}

/*
 * The guest's SYSCALL MSRs, KERNEL_GS_BASE and TSC_AUX are not in the
 * VMCS: they
 * are in the hardware while the guest may use them (SCE, long mode, RDTSCP)
 * and between KVM_RUN's start and end, and the host's are put back before
 * anything else can run on this CPU (preemption) or in this task.
 */
static bool guest_msrs_needed(struct ember_vcpu *vcpu)
{
	return (vcpu->arch.efer & (EFER_SCE | EFER_LMA)) || vcpu->arch.rdtscp;
}

void vmx_guest_msrs_load(struct ember_vcpu *vcpu)
{
	struct ember_arch_vcpu *a = &vcpu->arch;

	if (a->guest_msrs_loaded || !guest_msrs_needed(vcpu))
		return;
	a->host.star = native_read_msr(MSR_STAR);
	a->host.lstar = native_read_msr(MSR_LSTAR);
	a->host.cstar = native_read_msr(MSR_CSTAR);
	a->host.sfmask = native_read_msr(MSR_SYSCALL_MASK);
	a->host.kernel_gs_base = native_read_msr(MSR_KERNEL_GS_BASE);
	/*
	 * Values that userspace set (KVM_SET_MSRS) were checked but never
	 * tried on the hardware: one it refuses leaves the host's in place.
	 */
	wrmsrl_safe(MSR_STAR, a->star);
	wrmsrl_safe(MSR_LSTAR, a->lstar);
	wrmsrl_safe(MSR_CSTAR, a->cstar);
	wrmsrl_safe(MSR_SYSCALL_MASK, a->sfmask);
	wrmsrl_safe(MSR_KERNEL_GS_BASE, a->kernel_gs_base);
	if (a->rdtscp) {
		a->host.tsc_aux = native_read_msr(MSR_TSC_AUX);
		wrmsrl_safe(MSR_TSC_AUX, a->tsc_aux);
	}
	a->guest_msrs_loaded = true;
}

void vmx_guest_msrs_put(struct ember_vcpu *vcpu)
{
	struct ember_arch_vcpu *a = &vcpu->arch;

	if (!a->guest_msrs_loaded)
		return;
	/* SWAPGS in the guest changes it without an exit. */
	a->kernel_gs_base = native_read_msr(MSR_KERNEL_GS_BASE);
	wrmsrl(MSR_STAR, a->host.star);
	wrmsrl(MSR_LSTAR, a->host.lstar);
	wrmsrl(MSR_CSTAR, a->host.cstar);
	wrmsrl(MSR_SYSCALL_MASK, a->host.sfmask);
	wrmsrl(MSR_KERNEL_GS_BASE, a->host.kernel_gs_base);
	if (a->rdtscp)
		wrmsrl(MSR_TSC_AUX, a->host.tsc_aux);
	a->guest_msrs_loaded = false;
}

static void vmx_vcpu_setup_controls(struct ember_vcpu *vcpu)
{
	struct ember_arch_vcpu *a = &vcpu->arch;

	vmcs_write64(VMCS_LINK_POINTER, -1ull);
	vmcs_write32(PIN_BASED_VM_EXEC_CONTROL, vmx_config.pin);
	a->exec_ctls = vmx_config.proc;
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, a->exec_ctls);
	/* Without a VPID of its own the vCPU runs with VPID off. */
	vmcs_write32(SECONDARY_VM_EXEC_CONTROL, vmx_config.proc2 &
		     ~(a->vpid ? 0 : SECONDARY_EXEC_ENABLE_VPID));
	vmcs_write32(VM_EXIT_CONTROLS, vmx_config.exit);
	vmcs_write32(VM_ENTRY_CONTROLS, vmx_config.entry);
	/*
	 * Exceptions that are always the hypervisor's first:
	 *  #MC: a machine check belongs to the host's handler, never to the
	 *       guest's IDT.
	 *  #AC: delivering an #AC can raise #AC again, forever, without an
	 *       instruction boundary where an interrupt could end it
	 *       (CVE-2015-5307); and a split-lock #AC is the host's policy.
	 *  #DB: the same kind of loop with a breakpoint on the IDT or stack
	 *       (CVE-2015-8104), and the exit qualification is where DR6's
	 *       new bits are (an intercepted #DB does not write DR6).
	 * Each one that is the guest's is reflected (vmx_exit.c).
	 */
	vmcs_write32(EXCEPTION_BITMAP, BIT(X86_TRAP_MC) | BIT(X86_TRAP_AC) |
				       BIT(X86_TRAP_DB));
	vmcs_write32(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write32(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write32(CR3_TARGET_COUNT, 0);
	vmcs_write32(VM_EXIT_MSR_STORE_COUNT, 0);
	vmx_perf_vcpu_setup(vcpu);
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, 0);
	vmcs_write64(MSR_BITMAP, __pa(vmx_msr_bitmap));
	vmcs_write64(EPT_POINTER, vcpu->vm->arch.eptp);
	vmcs_write16(VIRTUAL_PROCESSOR_ID, a->vpid);
	/* Every CR0 and CR4 bit is the host's: guest writes exit. */
	vmcs_writel(CR0_GUEST_HOST_MASK, ~0ul);
	vmcs_writel(CR4_GUEST_HOST_MASK, ~0ul);
	if (vmx_config.preemption_timer)
		vmcs_write32(VMX_PREEMPTION_TIMER_VALUE,
			     vmx_preemption_timer_value());
	vmx_set_host_constant_state();
}

int ember_arch_vcpu_create(struct ember_vcpu *vcpu)
{
	struct ember_arch_vcpu *a = &vcpu->arch;
	int cpu, r = -ENOMEM;

	a->cpu = -1;
	vmx_events_reset(vcpu);
	INIT_LIST_HEAD(&a->loaded_link);

	a->vmcs = vmcs_alloc(raw_smp_processor_id());
	if (!a->vmcs)
		return -ENOMEM;
	a->pio_page = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!a->pio_page)
		goto out_free_vmcs;
	if (!fpu_alloc_guest_fpstate(&a->fpu))
		goto out_free_pio;
	r = vmx_perf_vcpu_init(vcpu);
	if (r)
		goto out_free_fpu;
	/*
	 * When the VPIDs run out the vCPU goes without one: VM entries and
	 * exits then flush its translations (slower, but it runs).
	 */
	a->vpid = vpid_alloc();

	/* Fill the VMCS on this CPU, then leave it inactive (cpu = -1). */
	cpu = get_cpu();
	local_irq_disable();
	r = vmcs_clear(a->vmcs);
	if (!r)
		r = vmcs_load(a->vmcs);
	if (!r) {
		vmx_vcpu_setup_controls(vcpu);
		vmx_set_host_cpu_state(cpu);
		vmx_vcpu_reset(vcpu, false);
		r = vmcs_clear(a->vmcs);
	}
	local_irq_enable();
	put_cpu();
	if (r)
		goto out_free_vpid;

	/* Under vm->lock, as KVM_CREATE_IRQCHIP: both see the same answer. */
	if (ember_irqchip_in_kernel(vcpu->vm)) {
		r = ember_lapic_create(vcpu);
		if (r)
			goto out_free_vpid;
		/* Application processors wait for INIT and SIPI. */
		if (vcpu->id != EMBER_BSP_ID)
			a->mp_state = KVM_MP_STATE_UNINITIALIZED;
	}
	return 0;

out_free_vpid:
	vpid_free(a->vpid);
	vmx_perf_vcpu_free(vcpu);	/* allocated with it */
out_free_fpu:
	fpu_free_guest_fpstate(&a->fpu);
out_free_pio:
	free_page((unsigned long)a->pio_page);
out_free_vmcs:
	vmcs_free(a->vmcs);
	return r;
}

void ember_arch_vcpu_free(struct ember_vcpu *vcpu)
{
	struct ember_arch_vcpu *a = &vcpu->arch;

	vmx_vcpu_clear(vcpu);
	if (a->lapic)
		ember_lapic_free(vcpu);
	vpid_free(a->vpid);
	fpu_free_guest_fpstate(&a->fpu);
	kvfree(a->cpuid);		/* vmemdup_user() */
	vmx_perf_vcpu_free(vcpu);
	free_page((unsigned long)a->pio_page);
	ept_cache_free(a);
	vmcs_free(a->vmcs);
}

void *ember_arch_vcpu_pio_page(struct ember_vcpu *vcpu)
{
	return vcpu->arch.pio_page;
}
