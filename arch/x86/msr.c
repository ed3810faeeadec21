// SPDX-License-Identifier: GPL-2.0
/*
 * Model-specific registers of the guest: the ones a 64-bit Linux guest
 * uses, for the guest's RDMSR/WRMSR (every one exits: the MSR bitmap is
 * all ones) and for KVM_GET/SET_MSRS.  Any other MSR makes the guest's
 * access #GP, and stops KVM_GET/SET_MSRS there, as in KVM.
 */
#include <linux/kvm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/msr-index.h>
#include <asm/apicdef.h>
#include <asm/kvm_para.h>
#include <asm/mtrr.h>

#include "lapic.h"
#include "mce.h"
#include "vmcs.h"
#include "vmx.h"
#include "vmx_vcpu.h"
#include "cpuid.h"
#include "irqchip.h"
#include "lapic.h"

#define EMBER_MAX_IO_MSRS	256	/* KVM's MAX_IO_MSRS */

/* As in KVM's list: EFER and the FS/GS bases are state of KVM_SET_SREGS. */
static const u32 msr_index_list[] = {
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	MSR_STAR, MSR_CSTAR, MSR_KERNEL_GS_BASE, MSR_SYSCALL_MASK, MSR_LSTAR,
	MSR_IA32_TSC, MSR_IA32_CR_PAT,
	MSR_IA32_MISC_ENABLE, MSR_IA32_APICBASE, MSR_TSC_AUX,
	MSR_IA32_TSC_DEADLINE,
};

static bool is_canonical(u64 la)
{
	return ((s64)la << 16 >> 16) == (s64)la;
}

/* PAT: each entry one of UC, WC, WT, WP, WB, UC- (SDM Vol. 3A 13.12.2). */
static bool pat_valid(u64 pat)
{
	int i;

	for (i = 0; i < 8; i++) {
		u8 t = pat >> (i * 8);

		if (t > 7 || t == 2 || t == 3)
			return false;
	}
	return true;
}

/*
 * KVM's paravirtual MSRs (Documentation/virt/kvm/x86/msr.rst), for
 * KVM_SET/GET_MSRS only: a VMM such as QEMU writes them at every reset
 * and reads them back.  ember implements none of their features
 * (kvmclock, async page faults, steal time, PV EOI, halt polling) and
 * its KVM_GET_SUPPORTED_CPUID has no leaf 0x40000001, so no guest is told
 * they exist; its RDMSR/WRMSR of them is #GP.  The values are kept and
 * read back, with the checks KVM makes of a VMM's write, where the
 * wall clock is the VM's and the rest each vCPU's.
 */
static int get_kvm_pv_msr(struct ember_vcpu *vcpu, u32 index, u64 *data)
{
	struct ember_arch_vcpu *a = &vcpu->arch;

	switch (index) {
	case MSR_KVM_WALL_CLOCK:
	case MSR_KVM_WALL_CLOCK_NEW:
		*data = READ_ONCE(vcpu->vm->arch.kvm_wall_clock);
		break;
	case MSR_KVM_SYSTEM_TIME:
	case MSR_KVM_SYSTEM_TIME_NEW:
		*data = a->kvm_pv.system_time;
		break;
	case MSR_KVM_ASYNC_PF_EN:
		*data = a->kvm_pv.async_pf_en;
		break;
	case MSR_KVM_STEAL_TIME:
		*data = a->kvm_pv.steal_time;
		break;
	case MSR_KVM_PV_EOI_EN:
		*data = a->kvm_pv.pv_eoi_en;
		break;
	case MSR_KVM_POLL_CONTROL:
		*data = a->kvm_pv.poll_control;
		break;
	case MSR_KVM_ASYNC_PF_INT:
		*data = a->kvm_pv.async_pf_int;
		break;
	case MSR_KVM_ASYNC_PF_ACK:
		*data = 0;
		break;
	default:
		return 1;
	}
	return 0;
}

static int set_kvm_pv_msr(struct ember_vcpu *vcpu, u32 index, u64 data)
{
	struct ember_arch_vcpu *a = &vcpu->arch;

	switch (index) {
	case MSR_KVM_WALL_CLOCK:
	case MSR_KVM_WALL_CLOCK_NEW:
		WRITE_ONCE(vcpu->vm->arch.kvm_wall_clock, data);
		break;
	case MSR_KVM_SYSTEM_TIME:
	case MSR_KVM_SYSTEM_TIME_NEW:
		a->kvm_pv.system_time = data;
		break;
	case MSR_KVM_ASYNC_PF_EN:
		/* Bits 5:4 reserved; without an in-kernel LAPIC only 0. */
		if ((data & 0x30) || (data && !ember_lapic_in_kernel(vcpu)))
			return 1;
		a->kvm_pv.async_pf_en = data;
		break;
	case MSR_KVM_STEAL_TIME:
		if (data & KVM_STEAL_RESERVED_MASK)
			return 1;
		a->kvm_pv.steal_time = data;
		break;
	case MSR_KVM_PV_EOI_EN:
		if (!IS_ALIGNED(data & ~(u64)KVM_MSR_ENABLED, 4))
			return 1;
		a->kvm_pv.pv_eoi_en = data;
		break;
	case MSR_KVM_POLL_CONTROL:
		if (data & ~1ull)
			return 1;
		a->kvm_pv.poll_control = data;
		break;
	case MSR_KVM_ASYNC_PF_INT:
		/* A vector in bits 7:0, for an in-kernel LAPIC. */
		if ((data >> 8) || !ember_lapic_in_kernel(vcpu))
			return 1;
		a->kvm_pv.async_pf_int = data;
		break;
	case MSR_KVM_ASYNC_PF_ACK:
		break;
	default:
		return 1;
	}
	return 0;
}

/*
 * MTRRs (SDM Vol. 3A 12.11).  QEMU puts MTRR in every guest's CPUID, and
 * its firmware and Linux program them.  With EPT the memory type of guest
 * memory comes from the EPT entries (write-back) and the guest's PAT,
 * never from the MTRRs (Vol. 3C, "EPT and Memory Typing"), so they are
 * only kept, as KVM keeps them when no device does non-coherent DMA.
 */
#define MTRR_CAP_FIX	BIT(8)
#define MTRR_CAP_WC	BIT(10)
#define MTRR_DEF_TYPE_E_FE_TYPE	0xcffull	/* E, FE, default type */

/* UC, WC, WT, WP, WB: the memory types an MTRR may hold (12.11.4). */
static bool mtrr_type_valid(u64 t)
{
	return t < 8 && (BIT(t) & 0x73);
}

/* The fixed-range MTRRs (12.11.2.2): their slot in mtrr.fixed[], or -1. */
static int mtrr_fixed_index(u32 index)
{
	switch (index) {
	case MSR_MTRRfix64K_00000:
		return 0;
	case MSR_MTRRfix16K_80000:
	case MSR_MTRRfix16K_A0000:
		return 1 + index - MSR_MTRRfix16K_80000;
	case MSR_MTRRfix4K_C0000 ... MSR_MTRRfix4K_F8000:
		return 3 + index - MSR_MTRRfix4K_C0000;
	default:
		return -1;
	}
}

static bool is_var_mtrr(u32 index)
{
	return index >= MTRRphysBase_MSR(0) &&
	       index < MTRRphysBase_MSR(EMBER_NR_VAR_MTRR);
}

static int get_mtrr(struct ember_vcpu *vcpu, u32 index, u64 *data)
{
	int i = mtrr_fixed_index(index);

	if (index == MSR_MTRRcap)
		*data = MTRR_CAP_WC | MTRR_CAP_FIX | EMBER_NR_VAR_MTRR;
	else if (index == MSR_MTRRdefType)
		*data = vcpu->arch.mtrr.deftype;
	else if (i >= 0)
		*data = vcpu->arch.mtrr.fixed[i];
	else if (is_var_mtrr(index))
		*data = vcpu->arch.mtrr.var[index - MTRRphysBase_MSR(0)];
	else
		return 1;
	return 0;
}

static int set_mtrr(struct ember_vcpu *vcpu, u32 index, u64 data)
{
	u64 reserved = ~0ull << boot_cpu_data.x86_phys_bits;
	int i = mtrr_fixed_index(index);

	if (index == MSR_MTRRdefType) {
		if ((data & ~MTRR_DEF_TYPE_E_FE_TYPE) ||
		    !mtrr_type_valid(data & 0xff))
			return 1;
		vcpu->arch.mtrr.deftype = data;
	} else if (i >= 0) {
		/* Eight ranges, a type in each byte. */
		for (int b = 0; b < 64; b += 8)
			if (!mtrr_type_valid((data >> b) & 0xff))
				return 1;
		vcpu->arch.mtrr.fixed[i] = data;
	} else if (is_var_mtrr(index)) {
		/* PhysBase: type, 11:8 reserved; PhysMask: 10:0 reserved. */
		if (!(index & 1) && !mtrr_type_valid(data & 0xff))
			return 1;
		reserved |= (index & 1) ? 0x7ff : 0xf00;
		if (data & reserved)
			return 1;
		vcpu->arch.mtrr.var[index - MTRRphysBase_MSR(0)] = data;
	} else {
		return 1;	/* MTRRcap is read-only */
	}
	return 0;
}

/* What KVM's vCPU reset clears of these (and, at RESET, sets). */
void x86_msrs_reset(struct ember_vcpu *vcpu, bool init)
{
	struct ember_arch_vcpu *a = &vcpu->arch;
	u64 poll_control = init ? a->kvm_pv.poll_control : 1;

	memset(&a->kvm_pv, 0, sizeof(a->kvm_pv));
	a->kvm_pv.poll_control = poll_control;	/* KVM's initial value */
	if (!init)
		x86_mce_vcpu_init(vcpu);
}

/*
 * The MSRs above and the machine-check ones (mce.c): 0 if @index is one of
 * them and the access is allowed.
 */
static int get_kept_msr(struct ember_vcpu *vcpu, u32 index, u64 *data,
			bool host)
{
	if (!get_mtrr(vcpu, index, data))
		return 0;
	if (!x86_mce_get_msr(vcpu, index, data, host))
		return 0;
	return host ? get_kvm_pv_msr(vcpu, index, data) : 1;
}

static int set_kept_msr(struct ember_vcpu *vcpu, u32 index, u64 data,
			bool host)
{
	if (index == MSR_MTRRcap || index == MSR_MTRRdefType ||
	    mtrr_fixed_index(index) >= 0 || is_var_mtrr(index))
		return set_mtrr(vcpu, index, data);
	if (!x86_mce_set_msr(vcpu, index, data, host))
		return 0;
	return host ? set_kvm_pv_msr(vcpu, index, data) : 1;
}

int vmx_get_msr(struct ember_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	struct ember_arch_vcpu *a = &vcpu->arch;

	switch (index) {
	case MSR_EFER:
		*data = a->efer;
		break;
	case MSR_STAR:
		*data = a->star;
		break;
	case MSR_LSTAR:
		*data = a->lstar;
		break;
	case MSR_CSTAR:
		*data = a->cstar;
		break;
	case MSR_SYSCALL_MASK:
		*data = a->sfmask;
		break;
	case MSR_KERNEL_GS_BASE:
		*data = a->guest_msrs_loaded ?
			native_read_msr(MSR_KERNEL_GS_BASE) : a->kernel_gs_base;
		break;
	case MSR_FS_BASE:
		*data = vmcs_readl(GUEST_FS_BASE);
		break;
	case MSR_GS_BASE:
		*data = vmcs_readl(GUEST_GS_BASE);
		break;
	case MSR_IA32_SYSENTER_CS:
		*data = vmcs_read32(GUEST_SYSENTER_CS);
		break;
	case MSR_IA32_SYSENTER_ESP:
		*data = vmcs_readl(GUEST_SYSENTER_ESP);
		break;
	case MSR_IA32_SYSENTER_EIP:
		*data = vmcs_readl(GUEST_SYSENTER_EIP);
		break;
	case MSR_IA32_CR_PAT:
		*data = vmcs_read64(GUEST_IA32_PAT);
		break;
	case MSR_IA32_TSC:
		*data = rdtsc() + a->tsc_offset;
		break;
	case MSR_IA32_MISC_ENABLE:
		*data = a->misc_enable;
		break;
	case MSR_IA32_APICBASE:
		*data = ember_lapic_get_base(vcpu);
		break;
	case APIC_BASE_MSR ... APIC_BASE_MSR + 0xff:
		/* x2APIC: #GP without an in-kernel LAPIC in x2APIC mode. */
		if (!ember_lapic_in_kernel(vcpu))
			return 1;
		return ember_lapic_x2apic_msr_read(vcpu, index, data);
	case MSR_IA32_TSC_DEADLINE:
		/* Reads 0 without a LAPIC in the kernel, as in KVM. */
		*data = ember_lapic_in_kernel(vcpu) ?
			ember_lapic_get_tsc_deadline(vcpu) : 0;
		break;
	case MSR_TSC_AUX:
		if (!host && !a->rdtscp)
			return 1;
		*data = a->tsc_aux;
		break;
	case MSR_IA32_UCODE_REV:
		*data = 0x100000000ull;		/* what KVM reports */
		break;
	case MSR_IA32_DEBUGCTLMSR:
		*data = 0;
		break;
	default:
		return get_kept_msr(vcpu, index, data, host);
	}
	return 0;
}

int vmx_set_msr(struct ember_vcpu *vcpu, u32 index, u64 data, bool host)
{
	struct ember_arch_vcpu *a = &vcpu->arch;

	switch (index) {
	case MSR_EFER:
		if (!vmx_efer_valid(vcpu, data))
			return 1;
		if (!host) {
			/* LMA is the CPU's to set; LME cannot change under paging. */
			if ((a->cr0 & X86_CR0_PG) &&
			    ((data ^ a->efer) & EFER_LME))
				return 1;
			data = (data & ~EFER_LMA) | (a->efer & EFER_LMA);
		}
		vmx_set_efer(vcpu, data);
		break;
	case MSR_STAR:
		a->star = data;
		goto update_hw;
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_KERNEL_GS_BASE:
		if (!is_canonical(data))
			return 1;
		if (index == MSR_LSTAR)
			a->lstar = data;
		else if (index == MSR_CSTAR)
			a->cstar = data;
		else
			a->kernel_gs_base = data;
		goto update_hw;
	case MSR_SYSCALL_MASK:
		/* Bits 63:32 are reserved (SDM Vol. 4, IA32_FMASK). */
		if (data >> 32)
			return 1;
		a->sfmask = data;
		goto update_hw;
	case MSR_FS_BASE:
	case MSR_GS_BASE:
		if (!is_canonical(data))
			return 1;
		if (index == MSR_FS_BASE)
			vmcs_writel(GUEST_FS_BASE, data);
		else
			vmcs_writel(GUEST_GS_BASE, data);
		break;
	case MSR_IA32_SYSENTER_CS:
		vmcs_write32(GUEST_SYSENTER_CS, data);
		break;
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
		if (!is_canonical(data))
			return 1;
		if (index == MSR_IA32_SYSENTER_ESP)
			vmcs_writel(GUEST_SYSENTER_ESP, data);
		else
			vmcs_writel(GUEST_SYSENTER_EIP, data);
		break;
	case MSR_IA32_CR_PAT:
		if (!pat_valid(data))
			return 1;
		vmcs_write64(GUEST_IA32_PAT, data);
		break;
	case MSR_IA32_TSC:
		a->tsc_offset = data - rdtsc();
		vmcs_write64(TSC_OFFSET, a->tsc_offset);
		break;
	case MSR_IA32_MISC_ENABLE:
		a->misc_enable = data;
		break;
	case MSR_IA32_APICBASE:
		/* The SDM's mode transitions, with or without a LAPIC. */
		return ember_lapic_set_base(vcpu, data, host);
	case APIC_BASE_MSR ... APIC_BASE_MSR + 0xff:
		if (!ember_lapic_in_kernel(vcpu))
			return 1;
		return ember_lapic_x2apic_msr_write(vcpu, index, data);
	case MSR_IA32_TSC_DEADLINE:
		/* Ignored without a LAPIC in the kernel, as in KVM. */
		if (ember_lapic_in_kernel(vcpu))
			ember_lapic_set_tsc_deadline(vcpu, data);
		break;
	case MSR_TSC_AUX:
		if ((!host && !a->rdtscp) || (data >> 32))
			return 1;
		a->tsc_aux = data;
		if (a->guest_msrs_loaded && a->rdtscp)
			wrmsrl(MSR_TSC_AUX, data);
		break;
	case MSR_IA32_UCODE_REV:
		/*
		 * Writing 0 before CPUID is how software reads the microcode
		 * revision (SDM Vol. 3A 10.11.7.1); Linux does it at boot.
		 * The guest's write changes nothing, as in KVM.
		 */
		break;
	case MSR_IA32_DEBUGCTLMSR:
		if (data)
			return 1;
		break;
	default:
		return set_kept_msr(vcpu, index, data, host);
	}
	return 0;

update_hw:
	/*
	 * The guest's value goes into the hardware MSR: a value the CPU
	 * refuses is the guest's #GP, never a fault in the host.
	 */
	if (a->guest_msrs_loaded && wrmsrl_safe(index, data))
		return 1;
	return 0;
}

long x86_get_msr_index_list(struct kvm_msr_list __user *ulist)
{
	struct kvm_msr_list list;
	u32 n;

	if (copy_from_user(&list, ulist, sizeof(list)))
		return -EFAULT;
	n = list.nmsrs;
	list.nmsrs = ARRAY_SIZE(msr_index_list);
	if (copy_to_user(ulist, &list, sizeof(list)))
		return -EFAULT;
	if (n < list.nmsrs)
		return -E2BIG;
	if (copy_to_user(ulist->indices, msr_index_list, sizeof(msr_index_list)))
		return -EFAULT;
	return 0;
}

/* KVM_GET_MSRS / KVM_SET_MSRS: the number of entries done, or -errno. */
int vmx_msrs_ioctl(struct ember_vcpu *vcpu, struct kvm_msrs __user *umsrs,
		   bool set)
{
	struct kvm_msr_entry *entries;
	struct kvm_msrs msrs;
	int i, r;

	if (copy_from_user(&msrs, umsrs, sizeof(msrs)))
		return -EFAULT;
	if (msrs.nmsrs >= EMBER_MAX_IO_MSRS)
		return -E2BIG;
	entries = memdup_user(umsrs->entries, msrs.nmsrs * sizeof(*entries));
	if (IS_ERR(entries))
		return PTR_ERR(entries);

	for (i = 0; i < msrs.nmsrs; i++) {
		if (set ? vmx_set_msr(vcpu, entries[i].index, entries[i].data, true) :
			  vmx_get_msr(vcpu, entries[i].index, &entries[i].data, true))
			break;
	}
	r = i;
	if (!set && copy_to_user(umsrs->entries, entries, i * sizeof(*entries)))
		r = -EFAULT;
	kfree(entries);
	return r;
}
