// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID: what ember can offer a guest (KVM_GET_SUPPORTED_CPUID), what a
 * guest is given (KVM_SET_CPUID2), and the guest's CPUID instruction,
 * answered in the kernel from that table.
 */
#include <linux/kvm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/msr-index.h>
#include <asm/processor.h>

#include "cpuid.h"
#include "vmcs.h"
#include "vmx.h"
#include "vmx_vcpu.h"

#define EMBER_MAX_CPUID_ENTRIES	256	/* KVM_MAX_CPUID_ENTRIES */

struct kvm_cpuid_entry2 *guest_cpuid_find(struct ember_vcpu *vcpu,
					  u32 function, u32 index)
{
	int i;

	for (i = 0; i < vcpu->arch.cpuid_nent; i++) {
		struct kvm_cpuid_entry2 *e = &vcpu->arch.cpuid[i];

		if (e->function == function &&
		    (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ||
		     e->index == index))
			return e;
	}
	return NULL;
}

bool guest_cpuid_has(struct ember_vcpu *vcpu, u32 function, u32 index,
		     enum cpuid_regs_idx reg, int bit)
{
	struct kvm_cpuid_entry2 *e = guest_cpuid_find(vcpu, function, index);
	u32 v;

	if (!e)
		return false;
	v = reg == CPUID_EAX ? e->eax : reg == CPUID_EBX ? e->ebx :
	    reg == CPUID_ECX ? e->ecx : e->edx;
	return v & BIT(bit);
}

/*
 * The guest's CPUID instruction.  A leaf missing from the table reads as
 * zeros inside the range its class (basic or extended) announces; beyond
 * that range, as the highest basic leaf, which is what Intel CPUs do and
 * what KVM emulates.
 */
void vmx_emulate_cpuid(struct ember_vcpu *vcpu)
{
	unsigned long *g = vcpu->arch.gprs;
	u32 fn = g[VCPU_REGS_RAX], idx = g[VCPU_REGS_RCX];
	struct kvm_cpuid_entry2 *e = guest_cpuid_find(vcpu, fn, idx);
	u32 eax = 0, ebx = 0, ecx = 0, edx = 0;

	if (!e) {
		struct kvm_cpuid_entry2 *basic = guest_cpuid_find(vcpu, 0, 0);
		struct kvm_cpuid_entry2 *cls =
			guest_cpuid_find(vcpu, fn & 0x80000000, 0);

		if (basic && (!cls || fn > cls->eax))
			e = guest_cpuid_find(vcpu, basic->eax, idx);
	}
	if (e) {
		eax = e->eax;
		ebx = e->ebx;
		ecx = e->ecx;
		edx = e->edx;
		/* CPUID.1: OSXSAVE mirrors CR4, APIC mirrors APIC_BASE.EN. */
		if (e->function == 1) {
			ecx &= ~BIT(27);
			if (vcpu->arch.cr4 & X86_CR4_OSXSAVE)
				ecx |= BIT(27);
			edx &= ~BIT(9);
			if (vcpu->arch.apic_base & MSR_IA32_APICBASE_ENABLE)
				edx |= BIT(9);
		}
	}
	g[VCPU_REGS_RAX] = eax;
	g[VCPU_REGS_RBX] = ebx;
	g[VCPU_REGS_RCX] = ecx;
	g[VCPU_REGS_RDX] = edx;
}

int vmx_set_cpuid2(struct ember_vcpu *vcpu, struct kvm_cpuid2 __user *ucpuid)
{
	struct kvm_cpuid_entry2 *e = NULL;
	struct kvm_cpuid2 c;

	if (copy_from_user(&c, ucpuid, sizeof(c)))
		return -EFAULT;
	if (c.nent > EMBER_MAX_CPUID_ENTRIES)
		return -E2BIG;
	if (c.nent) {
		e = vmemdup_user(ucpuid->entries, array_size(sizeof(*e), c.nent));
		if (IS_ERR(e))
			return PTR_ERR(e);
	}
	/* Once the vCPU has run, KVM only accepts the table it has. */
	if (vcpu->arch.ran &&
	    (c.nent != vcpu->arch.cpuid_nent ||
	     (c.nent && memcmp(e, vcpu->arch.cpuid, c.nent * sizeof(*e))))) {
		kvfree(e);
		return -EINVAL;
	}
	kvfree(vcpu->arch.cpuid);
	vcpu->arch.cpuid = e;
	vcpu->arch.cpuid_nent = c.nent;

	/* RDTSCP is the guest's only if its CPUID says so; else #UD. */
	vcpu->arch.rdtscp = vmx_config.rdtscp &&
		guest_cpuid_has(vcpu, 0x80000001, 0, CPUID_EDX, 27);
	if (vcpu->arch.rdtscp)
		vmcs_set_bits32(SECONDARY_VM_EXEC_CONTROL,
				SECONDARY_EXEC_ENABLE_RDTSCP);
	else
		vmcs_clear_bits32(SECONDARY_VM_EXEC_CONTROL,
				  SECONDARY_EXEC_ENABLE_RDTSCP);
	return 0;
}

int vmx_get_cpuid2(struct ember_vcpu *vcpu, struct kvm_cpuid2 __user *ucpuid)
{
	struct kvm_cpuid2 c;

	if (copy_from_user(&c, ucpuid, sizeof(c)))
		return -EFAULT;
	if (c.nent < vcpu->arch.cpuid_nent)
		return -E2BIG;
	if (copy_to_user(ucpuid->entries, vcpu->arch.cpuid,
			 vcpu->arch.cpuid_nent * sizeof(*vcpu->arch.cpuid)))
		return -EFAULT;
	c.nent = vcpu->arch.cpuid_nent;
	return copy_to_user(ucpuid, &c, sizeof(c)) ? -EFAULT : 0;
}

/*
 * Features ember can give a guest, per leaf and register: what the host
 * has, masked to what ember virtualizes.  No XSAVE (and so no AVX), no
 * MONITOR, no VMX, no RDTSCP, no INVPCID, no PMU; the hypervisor bit set.
 */
static const struct {
	u32 fn, idx;
	u32 mask[4];		/* EAX, EBX, ECX, EDX; ~0 = as the host */
} supported[] = {
	{ 0, 0, { ~0u, ~0u, ~0u, ~0u } },
	{ 1, 0, { ~0u, ~0u,
		  /* SSE3 PCLMUL SSSE3 CX16 PCID SSE4 MOVBE POPCNT AES RDRAND */
		  BIT(0) | BIT(1) | BIT(9) | BIT(13) | BIT(19) | BIT(20) |
		  BIT(22) | BIT(23) | BIT(25) | BIT(30) | BIT(17),
		  /* FPU VME DE PSE TSC MSR PAE CX8 APIC SEP MTRR PGE CMOV */
		  /* PAT PSE36 CLFLUSH MMX FXSR SSE SSE2 (no MCE/MCA: no banks) */
		  BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(4) | BIT(5) |
		  BIT(6) | BIT(8) | BIT(9) | BIT(11) | BIT(12) | BIT(13) |
		  BIT(15) | BIT(16) | BIT(17) | BIT(19) | BIT(23) | BIT(24) |
		  BIT(25) | BIT(26) } },
	/* FSGSBASE BMI1 SMEP BMI2 ERMS ADX SMAP CLFLUSHOPT; UMIP */
	{ 7, 0, { 0, BIT(0) | BIT(3) | BIT(7) | BIT(8) | BIT(9) | BIT(19) |
		     BIT(20) | BIT(23), BIT(2), 0 } },
	{ 0x80000000, 0, { ~0u, ~0u, ~0u, ~0u } },
	/* LAHF ABM PREFETCHW; SYSCALL NX PDPE1GB RDTSCP LM */
	{ 0x80000001, 0, { ~0u, 0, BIT(0) | BIT(5) | BIT(8),
			   BIT(11) | BIT(20) | BIT(26) | BIT(27) | BIT(29) } },
	{ 0x80000002, 0, { ~0u, ~0u, ~0u, ~0u } },
	{ 0x80000003, 0, { ~0u, ~0u, ~0u, ~0u } },
	{ 0x80000004, 0, { ~0u, ~0u, ~0u, ~0u } },
	{ 0x80000006, 0, { ~0u, ~0u, ~0u, ~0u } },
	{ 0x80000008, 0, { ~0u, 0, 0, 0 } },
};

long x86_get_supported_cpuid(struct kvm_cpuid2 __user *ucpuid)
{
	struct kvm_cpuid_entry2 *out;
	u32 max_basic = cpuid_eax(0), max_ext = cpuid_eax(0x80000000);
	struct kvm_cpuid2 c;
	int i, n = 0;
	long r;

	if (copy_from_user(&c, ucpuid, sizeof(c)))
		return -EFAULT;
	if (c.nent < 1)
		return -E2BIG;
	out = kcalloc(ARRAY_SIZE(supported), sizeof(*out), GFP_KERNEL);
	if (!out)
		return -ENOMEM;

	for (i = 0; i < ARRAY_SIZE(supported); i++) {
		u32 fn = supported[i].fn, r4[4];
		struct kvm_cpuid_entry2 *e;

		if (fn < 0x80000000 ? fn > max_basic : fn > max_ext)
			continue;
		cpuid_count(fn, supported[i].idx, &r4[0], &r4[1], &r4[2], &r4[3]);
		e = &out[n++];
		e->function = fn;
		e->index = supported[i].idx;
		e->eax = r4[0] & supported[i].mask[0];
		e->ebx = r4[1] & supported[i].mask[1];
		e->ecx = r4[2] & supported[i].mask[2];
		e->edx = r4[3] & supported[i].mask[3];
		if (fn == 7)
			e->flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
		/*
		 * The hypervisor bit; and x2APIC, which the LAPIC model
		 * emulates whatever the host has (KVM reports it so too).
		 * TSC-deadline is not reported here, as in KVM 6.1: a VMM
		 * sets it in the guest's CPUID when the capability says so.
		 */
		if (fn == 1)
			e->ecx |= BIT(31) | BIT(21);
		if (fn == 0)				/* leaves listed here */
			e->eax = min_t(u32, e->eax, 7);
		if (fn == 0x80000000)
			e->eax = min_t(u32, e->eax, 0x80000008);
		if (fn == 0x80000001 && !vmx_config.rdtscp)
			e->edx &= ~BIT(27);
	}

	r = -E2BIG;
	if (c.nent < n)
		goto out_free;
	r = -EFAULT;
	if (copy_to_user(ucpuid->entries, out, n * sizeof(*out)))
		goto out_free;
	c.nent = n;
	if (copy_to_user(ucpuid, &c, sizeof(c)))
		goto out_free;
	r = 0;
out_free:
	kfree(out);
	return r;
}
