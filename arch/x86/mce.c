// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's machine-check architecture (SDM Vol. 3B ch. 16), as KVM has
 * it: IA32_MCG_CAP/STATUS/CTL and the error-reporting banks (IA32_MCi_CTL,
 * _STATUS, _ADDR, _MISC), which hold only what the VMM reports with
 * KVM_X86_SET_MCE (QEMU does, for a SIGBUS on guest memory); the
 * hardware's own machine checks stay the host's.
 *
 * QEMU puts MCE and MCA in every guest's CPUID and, at each reset, writes
 * IA32_MCG_CTL and its ten banks through KVM_SET_MSRS after giving their
 * count and features with KVM_X86_SETUP_MCE.  A vCPU starts as in KVM: 32
 * banks, no MCG_CTL, every MCi_CTL 0, until the VMM sets it up.
 * Neither LMCE nor CMCI: MCi_CTL2 exists only for a VMM's reset value.
 *
 * Everything here is the vCPU's, under its ioctl mutex.
 */
#include <linux/nospec.h>
#include <linux/uaccess.h>
#include <asm/mce.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/traps.h>

#include "ember.h"
#include "mce.h"
#include "vmx.h"
#include "vmx_vcpu.h"

/* The MCG_CAP features ember offers (KVM_X86_GET_MCE_CAP_SUPPORTED). */
#define EMBER_MCG_CAP_SUPPORTED	(MCG_CTL_P | MCG_SER_P)
#define MCG_BANKS(cap)		((unsigned int)(cap) & MCG_BANKCNT_MASK)

void x86_mce_vcpu_init(struct ember_vcpu *vcpu)
{
	vcpu->arch.mcg_cap = EMBER_MAX_MCE_BANKS;
}

long x86_mce_cap_supported(u64 __user *argp)
{
	u64 cap = EMBER_MCG_CAP_SUPPORTED;

	return copy_to_user(argp, &cap, sizeof(cap)) ? -EFAULT : 0;
}

/*
 * KVM_X86_SETUP_MCE: 1 to 32 banks, features of EMBER_MCG_CAP_SUPPORTED
 * (and the extended-register count, which KVM also lets through); MCG_CTL
 * and every MCi_CTL enabled, as after a real RESET.
 */
int x86_mce_setup(struct ember_vcpu *vcpu, u64 mcg_cap)
{
	struct ember_arch_vcpu *a = &vcpu->arch;
	unsigned int i, banks = MCG_BANKS(mcg_cap);

	if (!banks || banks > EMBER_MAX_MCE_BANKS ||
	    (mcg_cap & ~(EMBER_MCG_CAP_SUPPORTED | MCG_BANKCNT_MASK |
			 MCG_EXT_CNT_MASK)))
		return -EINVAL;
	a->mcg_cap = mcg_cap;
	if (mcg_cap & MCG_CTL_P)
		a->mcg_ctl = ~0ull;
	for (i = 0; i < banks; i++)
		a->mce_banks[i * 4] = ~0ull;
	return 0;
}

/*
 * KVM_X86_SET_MCE: an error in a bank, as the hardware would log it
 * (16.3.2.2).  An uncorrected one with reporting enabled raises #MC, or
 * shuts the guest down if it cannot take one (a machine check already in
 * progress, or CR4.MCE clear: Vol. 3A 6.15, "Interrupt 18"); a
 * corrected one, or an uncorrected one with no action needed (UCNA), is
 * only logged; a bank that holds one already gets OVER.
 */
int x86_mce_inject(struct ember_vcpu *vcpu, const struct kvm_x86_mce *mce)
{
	struct ember_arch_vcpu *a = &vcpu->arch;
	unsigned int banks = MCG_BANKS(a->mcg_cap);
	u64 status = mce->status, *bank;
	bool ucna;

	if (mce->bank >= banks || !(status & MCI_STATUS_VAL))
		return -EINVAL;
	bank = &a->mce_banks[array_index_nospec(mce->bank, banks) * 4];

	ucna = !mce->mcg_status && (status & MCI_STATUS_UC) &&
	       !(status & (MCI_STATUS_PCC | MCI_STATUS_S | MCI_STATUS_AR));
	if (ucna) {
		/* Signalled by CMCI, which ember has not: only logged. */
		bank[1] = status;
		bank[2] = mce->addr;
		bank[3] = mce->misc;
		a->mcg_status = mce->mcg_status;
		return 0;
	}
	if (status & MCI_STATUS_UC) {
		/* Reporting disabled by MCG_CTL or the bank's MCi_CTL. */
		if (((a->mcg_cap & MCG_CTL_P) && a->mcg_ctl != ~0ull) ||
		    bank[0] != ~0ull)
			return 0;
		if ((a->mcg_status & MCG_STATUS_MCIP) ||
		    !(a->cr4 & X86_CR4_MCE)) {
			a->events.triple_fault = true;
			return 0;
		}
		if (bank[1] & MCI_STATUS_VAL)
			status |= MCI_STATUS_OVER;
		bank[1] = status;
		bank[2] = mce->addr;
		bank[3] = mce->misc;
		a->mcg_status = mce->mcg_status;
		vmx_queue_exception(vcpu, X86_TRAP_MC, false, 0);
		/* A machine check ends HLT, as an NMI does. */
		if (a->mp_state == KVM_MP_STATE_HALTED)
			a->mp_state = KVM_MP_STATE_RUNNABLE;
	} else if ((bank[1] & (MCI_STATUS_VAL | MCI_STATUS_UC)) !=
		   (MCI_STATUS_VAL | MCI_STATUS_UC)) {
		/* A corrected error never overwrites an uncorrected one. */
		if (bank[1] & MCI_STATUS_VAL)
			status |= MCI_STATUS_OVER;
		bank[1] = status;
		bank[2] = mce->addr;
		bank[3] = mce->misc;
	} else {
		bank[1] |= MCI_STATUS_OVER;
	}
	return 0;
}

int x86_mce_get_msr(struct ember_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	struct ember_arch_vcpu *a = &vcpu->arch;
	unsigned int banks = MCG_BANKS(a->mcg_cap);
	u32 off;

	switch (index) {
	case MSR_IA32_MCG_CAP:
		*data = a->mcg_cap;
		return 0;
	case MSR_IA32_MCG_STATUS:
		*data = a->mcg_status;
		return 0;
	case MSR_IA32_MCG_CTL:
		if (!(a->mcg_cap & MCG_CTL_P) && !host)
			return 1;
		*data = a->mcg_ctl;
		return 0;
	case MSR_IA32_MC0_CTL2 ... MSR_IA32_MCx_CTL2(EMBER_MAX_MCE_BANKS) - 1:
		/* No CMCI: for the VMM, each bank's CTL2 is 0. */
		if (!host || index >= MSR_IA32_MCx_CTL2(banks))
			return 1;
		*data = 0;
		return 0;
	case MSR_IA32_MC0_CTL ... MSR_IA32_MCx_CTL(EMBER_MAX_MCE_BANKS) - 1:
		if (index >= MSR_IA32_MCx_CTL(banks))
			return 1;
		off = array_index_nospec(index - MSR_IA32_MC0_CTL, banks * 4);
		*data = a->mce_banks[off];
		return 0;
	default:
		return 1;
	}
}

int x86_mce_set_msr(struct ember_vcpu *vcpu, u32 index, u64 data, bool host)
{
	struct ember_arch_vcpu *a = &vcpu->arch;
	unsigned int banks = MCG_BANKS(a->mcg_cap);
	u32 off;

	switch (index) {
	case MSR_IA32_MCG_STATUS:
		a->mcg_status = data;
		return 0;
	case MSR_IA32_MCG_CTL:
		/*
		 * Only all 0s or all 1s (16.3.1.3); without MCG_CTL_P, a
		 * VMM may still write its reset value, 0.
		 */
		if (!(a->mcg_cap & MCG_CTL_P) && (data || !host))
			return 1;
		if (data && data != ~0ull)
			return 1;
		a->mcg_ctl = data;
		return 0;
	case MSR_IA32_MC0_CTL2 ... MSR_IA32_MCx_CTL2(EMBER_MAX_MCE_BANKS) - 1:
		if (!host || data || index >= MSR_IA32_MCx_CTL2(banks))
			return 1;
		return 0;
	case MSR_IA32_MC0_CTL ... MSR_IA32_MCx_CTL(EMBER_MAX_MCE_BANKS) - 1:
		if (index >= MSR_IA32_MCx_CTL(banks))
			return 1;
		off = index - MSR_IA32_MC0_CTL;
		/*
		 * MCi_CTL: 0 or all 1s, but, as KVM allows, bit 10 may be
		 * clear (Linux's workaround for an AMD K8 erratum) and bit 0
		 * too (UnixWare).  MCi_STATUS: the guest may only clear it
		 * (16.3.2.2: writing anything else is #GP).
		 */
		if (off % 4 == 0 && data && (data | BIT(10) | 1) != ~0ull)
			return 1;
		if (off % 4 == 1 && data && !host)
			return 1;
		a->mce_banks[array_index_nospec(off, banks * 4)] = data;
		return 0;
	default:
		return 1;
	}
}
