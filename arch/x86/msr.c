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
		return 1;
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
		if (!host)
			return 1;
		break;
	case MSR_IA32_DEBUGCTLMSR:
		if (data)
			return 1;
		break;
	default:
		return 1;
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
