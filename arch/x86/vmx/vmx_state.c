// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's architectural state, in the VMCS and beside it: reset,
 * control registers, segments, and KVM_GET/SET_REGS and _SREGS with KVM's
 * validity checks.  Invalid states are refused with -EINVAL before they
 * reach the hardware, and then nothing changes.
 */
#include <linux/kvm.h>
#include <linux/string.h>
#include <asm/processor-flags.h>
#include <asm/msr-index.h>
#include <asm/apicdef.h>

#include "vmcs.h"
#include "vmx.h"
#include "vmx_vcpu.h"
#include "cpuid.h"
#include "irqchip.h"
#include "lapic.h"

enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_TR, SEG_LDTR };

static const struct {
	u16 sel, base, limit, ar;
} seg_fields[] = {
#define SEG(s) { GUEST_##s##_SELECTOR, GUEST_##s##_BASE, \
		 GUEST_##s##_LIMIT, GUEST_##s##_AR_BYTES }
	[SEG_ES] = SEG(ES), [SEG_CS] = SEG(CS), [SEG_SS] = SEG(SS),
	[SEG_DS] = SEG(DS), [SEG_FS] = SEG(FS), [SEG_GS] = SEG(GS),
	[SEG_TR] = SEG(TR), [SEG_LDTR] = SEG(LDTR),
#undef SEG
};

/*
 * The CR4 bits ember virtualizes.  Not OSXSAVE or PKE: ember does not
 * switch XCR0 or PKRU between guest and host, so a guest that could set
 * them would read the host's XCR0 with XGETBV or write the VMM thread's
 * PKRU with WRPKRU, whatever its CPUID claims.
 */
#define CR4_KNOWN_BITS	(X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | \
			 X86_CR4_DE | X86_CR4_PSE | X86_CR4_PAE | \
			 X86_CR4_MCE | X86_CR4_PGE | X86_CR4_PCE | \
			 X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT | X86_CR4_UMIP | \
			 X86_CR4_FSGSBASE | X86_CR4_PCIDE | X86_CR4_SMEP | \
			 X86_CR4_SMAP)

bool vmx_cr0_valid(unsigned long cr0)
{
	if (cr0 >> 32)
		return false;
	if ((cr0 & X86_CR0_NW) && !(cr0 & X86_CR0_CD))
		return false;
	if ((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE))
		return false;
	return true;
}

/*
 * A CR4 bit is reserved unless ember virtualizes it, the CPU has it, and
 * the guest's CPUID (KVM_SET_CPUID2) announces the feature behind it.
 */
bool vmx_cr4_valid(struct ember_vcpu *vcpu, unsigned long cr4)
{
	unsigned long ok = CR4_KNOWN_BITS & vmx_caps.cr4_fixed1;

	if (!guest_cpuid_has(vcpu, 1, 0, CPUID_ECX, 17))	/* PCID */
		ok &= ~X86_CR4_PCIDE;
	if (!guest_cpuid_has(vcpu, 7, 0, CPUID_EBX, 0))		/* FSGSBASE */
		ok &= ~X86_CR4_FSGSBASE;
	if (!guest_cpuid_has(vcpu, 7, 0, CPUID_EBX, 7))		/* SMEP */
		ok &= ~X86_CR4_SMEP;
	if (!guest_cpuid_has(vcpu, 7, 0, CPUID_EBX, 20))	/* SMAP */
		ok &= ~X86_CR4_SMAP;
	if (!guest_cpuid_has(vcpu, 7, 0, CPUID_ECX, 2))		/* UMIP */
		ok &= ~X86_CR4_UMIP;
	return !(cr4 & ~ok);
}

/* EFER: SCE, LME, LMA, NXE; LM and NX only if the guest's CPUID has them. */
bool vmx_efer_valid(struct ember_vcpu *vcpu, u64 efer)
{
	if (efer & ~(u64)(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX))
		return false;
	if ((efer & (EFER_LME | EFER_LMA)) &&
	    !guest_cpuid_has(vcpu, 0x80000001, 0, CPUID_EDX, 29))
		return false;
	if ((efer & EFER_NX) &&
	    !guest_cpuid_has(vcpu, 0x80000001, 0, CPUID_EDX, 20))
		return false;
	return true;
}

static bool is_pae_paging(struct ember_vcpu *vcpu)
{
	return (vcpu->arch.cr0 & X86_CR0_PG) && (vcpu->arch.cr4 & X86_CR4_PAE) &&
	       !(vcpu->arch.efer & EFER_LMA);
}

/*
 * The four PDPTEs that PAE paging with root @cr3 uses (SDM Vol. 3A
 * 4.4.1).  -EFAULT if they are not in guest RAM, -EINVAL if a present one
 * has a reserved bit set (bits 2:1, 8:5 and from MAXPHYADDR up): a MOV to
 * CR0 or CR4 that would load such PDPTEs is #GP.
 */
int vmx_read_pdptrs(struct ember_vcpu *vcpu, unsigned long cr3, u64 *pdpte)
{
	u64 rsvd = GENMASK_ULL(63, boot_cpu_data.x86_phys_bits) |
		   GENMASK_ULL(8, 5) | GENMASK_ULL(2, 1);
	int r, i, idx;

	idx = srcu_read_lock(&vcpu->vm->srcu);
	r = ember_read_guest(vcpu->vm, cr3 & ~0x1full, pdpte, 4 * sizeof(u64));
	srcu_read_unlock(&vcpu->vm->srcu, idx);
	if (r)
		return r;
	for (i = 0; i < 4; i++)
		if ((pdpte[i] & _PAGE_PRESENT) && (pdpte[i] & rsvd))
			return -EINVAL;
	return 0;
}

void vmx_write_pdptrs(const u64 *pdpte)
{
	int i;

	for (i = 0; i < 4; i++)
		__vmcs_write(GUEST_PDPTR0 + i * 2, pdpte[i]);
}

/*
 * PAE paging with EPT: the CPU takes the four PDPTEs from the VMCS at VM
 * entry (SDM Vol. 3C 28.3.2.4 "Loading Page-Directory-Pointer-Table
 * Entries").  For KVM_SET_SREGS, which loads them as KVM does: PDPTEs
 * that are not in RAM read as 0, bad ones fail the next VM entry.
 */
int vmx_load_pdptrs(struct ember_vcpu *vcpu)
{
	u64 pdpte[4];
	int r;

	if (!is_pae_paging(vcpu))
		return 0;
	r = vmx_read_pdptrs(vcpu, vmcs_readl(GUEST_CR3), pdpte);
	if (r == -EFAULT)
		memset(pdpte, 0, sizeof(pdpte));
	vmx_write_pdptrs(pdpte);
	return r;
}

/*
 * The CR0 the hardware runs with: what the guest wrote, with NE forced on
 * (a VMX fixed bit) and CD/NW off (the host's caching is not the guest's
 * to change); PE and PG may be 0 with unrestricted guest (SDM 26.3.1.1).
 */
static unsigned long hw_cr0(unsigned long cr0)
{
	unsigned long fixed0 = vmx_caps.cr0_fixed0 & ~(X86_CR0_PE | X86_CR0_PG);

	return ((cr0 & ~(X86_CR0_CD | X86_CR0_NW)) | fixed0) &
	       vmx_caps.cr0_fixed1;
}

static void update_ia32e_mode(struct ember_vcpu *vcpu)
{
	u32 entry = vmcs_read32(VM_ENTRY_CONTROLS);

	if (vcpu->arch.efer & EFER_LMA)
		entry |= VM_ENTRY_IA32E_MODE;
	else
		entry &= ~VM_ENTRY_IA32E_MODE;
	vmcs_write32(VM_ENTRY_CONTROLS, entry);
}

int vmx_set_efer(struct ember_vcpu *vcpu, u64 efer)
{
	vcpu->arch.efer = efer;
	vmcs_write64(GUEST_IA32_EFER, efer);
	update_ia32e_mode(vcpu);
	if (vcpu->arch.in_run && vcpu->arch.loaded)
		vmx_guest_msrs_load(vcpu);
	return 0;
}

/*
 * Guest CR0 write (or reset).  Turning paging on with EFER.LME enters
 * IA-32e mode, off leaves it (SDM Vol. 3A 9.8.5).  The CPU would have
 * flushed the guest's TLB for a MOV to CR0 clearing PG (SDM Vol. 3A
 * 4.10.4.1); the guest's MOV exited instead, so ember does.
 */
int vmx_set_cr0(struct ember_vcpu *vcpu, unsigned long cr0)
{
	unsigned long old = vcpu->arch.cr0;

	vcpu->arch.cr0 = cr0;
	vmcs_writel(CR0_READ_SHADOW, cr0);
	vmcs_writel(GUEST_CR0, hw_cr0(cr0));
	if ((old ^ cr0) & X86_CR0_PG) {
		u64 efer = vcpu->arch.efer;

		if ((cr0 & X86_CR0_PG) && (efer & EFER_LME))
			efer |= EFER_LMA;
		else if (!(cr0 & X86_CR0_PG))
			efer &= ~EFER_LMA;
		if (efer != vcpu->arch.efer)
			vmx_set_efer(vcpu, efer);
		if (!(cr0 & X86_CR0_PG))
			ember_make_request(EMBER_REQ_TLB_FLUSH_GUEST, vcpu);
	}
	return 0;
}

/*
 * Guest CR4 write.  SDM Vol. 3A 4.10.4.1: toggling PGE, clearing PCIDE,
 * toggling PAE and setting SMEP flush the TLB; ember flushes the guest's
 * whole TLB (its VPID) for any of them.
 */
int vmx_set_cr4(struct ember_vcpu *vcpu, unsigned long cr4)
{
	unsigned long old = vcpu->arch.cr4, changed = old ^ cr4;

	vcpu->arch.cr4 = cr4;
	vmcs_writel(CR4_READ_SHADOW, cr4);
	vmcs_writel(GUEST_CR4, (cr4 | vmx_caps.cr4_fixed0) & vmx_caps.cr4_fixed1);
	if ((changed & (X86_CR4_PGE | X86_CR4_PAE)) ||
	    (changed & old & X86_CR4_PCIDE) || (changed & cr4 & X86_CR4_SMEP))
		ember_make_request(EMBER_REQ_TLB_FLUSH_GUEST, vcpu);
	return 0;
}

static void set_segment(int seg, const struct kvm_segment *s)
{
	u32 ar;

	/*
	 * KVM's encoding: every field kept, unusable added for a segment
	 * that is not present; accessed set where VM entry requires it
	 * (SDM 27.3.1.2) with unrestricted guest.
	 */
	ar = (s->type & 15) | (s->s & 1) << 4 | (s->dpl & 3) << 5 |
	     (s->present & 1) << 7 | (s->avl & 1) << 12 | (s->l & 1) << 13 |
	     (s->db & 1) << 14 | (s->g & 1) << 15 |
	     (u32)(s->unusable || !s->present) << 16;
	if (seg != SEG_LDTR)
		ar |= VMX_AR_TYPE_ACCESSES_MASK;
	__vmcs_write(seg_fields[seg].sel, s->selector);
	__vmcs_write(seg_fields[seg].base, s->base);
	__vmcs_write(seg_fields[seg].limit, s->limit);
	__vmcs_write(seg_fields[seg].ar, ar);
}

static void get_segment(int seg, struct kvm_segment *s)
{
	u32 ar = (u32)__vmcs_read(seg_fields[seg].ar);

	memset(s, 0, sizeof(*s));
	s->selector = (u16)__vmcs_read(seg_fields[seg].sel);
	s->base = __vmcs_read(seg_fields[seg].base);
	s->limit = (u32)__vmcs_read(seg_fields[seg].limit);
	s->unusable = (ar >> 16) & 1;
	s->type = ar & 15;
	s->s = (ar >> 4) & 1;
	s->dpl = (ar >> 5) & 3;
	s->present = !s->unusable;	/* as KVM reports it */
	s->avl = (ar >> 12) & 1;
	s->l = (ar >> 13) & 1;
	s->db = (ar >> 14) & 1;
	s->g = (ar >> 15) & 1;
}

int vmx_guest_cs_bytes(struct ember_vcpu *vcpu)
{
	u32 ar = vmcs_read32(GUEST_CS_AR_BYTES);

	if ((vcpu->arch.efer & EFER_LMA) && (ar & VMX_AR_L_MASK))
		return 8;
	if (!(vcpu->arch.cr0 & X86_CR0_PE))
		return 2;
	return (ar & VMX_AR_DB_MASK) ? 4 : 2;
}

/*
 * The architectural state after RESET, or after INIT (@init), which keeps
 * the APIC base, the TSC, PAT, the MSRs and the x87/SSE state (SDM Vol. 3A
 * 10.1.1, Table 10-1).
 */
void vmx_vcpu_reset(struct ember_vcpu *vcpu, bool init)
{
	struct kvm_segment seg = {
		.limit = 0xffff, .type = 3, .s = 1, .present = 1,
	};
	int i;

	memset(vcpu->arch.gprs, 0, sizeof(vcpu->arch.gprs));
	vcpu->arch.gprs[VCPU_REGS_RDX] = 0x600;	/* family 6: as KVM */
	vcpu->arch.cr2 = 0;
	vcpu->arch.cr8 = 0;
	vcpu->arch.dr6 = DR6_ACTIVE_LOW;
	vcpu->arch.dr7 = DR7_FIXED_1;
	vmx_events_reset(vcpu);
	x86_msrs_reset(vcpu, init);
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, 0);
	if (!init) {
		vcpu->arch.apic_base = APIC_DEFAULT_PHYS_BASE |
				       MSR_IA32_APICBASE_ENABLE |
				       (vcpu->id == 0 ? MSR_IA32_APICBASE_BSP : 0);
		vcpu->arch.misc_enable = MSR_IA32_MISC_ENABLE_PEBS_UNAVAIL |
					 MSR_IA32_MISC_ENABLE_BTS_UNAVAIL;
		vcpu->arch.mp_state = KVM_MP_STATE_RUNNABLE;
	}

	for (i = SEG_ES; i <= SEG_GS; i++)
		set_segment(i, &seg);
	seg.selector = 0xf000;
	seg.base = 0xffff0000;
	seg.type = 0xb;
	set_segment(SEG_CS, &seg);
	seg.selector = 0;
	seg.base = 0;
	seg.s = 0;
	seg.type = 2;				/* LDT */
	set_segment(SEG_LDTR, &seg);
	seg.type = 0xb;				/* busy TSS */
	set_segment(SEG_TR, &seg);

	vmcs_writel(GUEST_GDTR_BASE, 0);
	vmcs_write32(GUEST_GDTR_LIMIT, 0xffff);
	vmcs_writel(GUEST_IDTR_BASE, 0);
	vmcs_write32(GUEST_IDTR_LIMIT, 0xffff);
	vmcs_writel(GUEST_RIP, 0xfff0);
	vmcs_writel(GUEST_RSP, 0);
	vmcs_writel(GUEST_RFLAGS, X86_EFLAGS_FIXED);
	vmcs_writel(GUEST_CR3, 0);
	vmcs_writel(GUEST_DR7, DR7_FIXED_1);
	vmcs_write64(GUEST_IA32_DEBUGCTL, 0);
	if (!init)
		vmcs_write64(GUEST_IA32_PAT, 0x0007040600070406ull);
	vmcs_write32(GUEST_SYSENTER_CS, 0);
	vmcs_writel(GUEST_SYSENTER_ESP, 0);
	vmcs_writel(GUEST_SYSENTER_EIP, 0);
	vmcs_write32(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
	vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_writel(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vcpu->arch.efer = 0;
	vmcs_write64(GUEST_IA32_EFER, 0);
	vcpu->arch.cr0 = X86_CR0_ET | X86_CR0_CD | X86_CR0_NW;
	vmx_set_cr0(vcpu, vcpu->arch.cr0);
	vmx_set_cr4(vcpu, 0);
	update_ia32e_mode(vcpu);
	if (init)
		return;
	/* The guest's TSC starts near 0, as in KVM. */
	vcpu->arch.tsc_offset = -rdtsc();
	vmcs_write64(TSC_OFFSET, vcpu->arch.tsc_offset);
}

/*
 * SIPI with vector @v on a vCPU waiting for it: real mode at v:0000, that
 * is CS selector v << 8, base v << 12, IP 0 (SDM Vol. 3A 9.4.4.1, 11.6.1).
 */
void vmx_deliver_sipi(struct ember_vcpu *vcpu, u8 v)
{
	struct kvm_segment cs;

	get_segment(SEG_CS, &cs);
	cs.selector = v << 8;
	cs.base = (u64)v << 12;
	set_segment(SEG_CS, &cs);
	vmcs_writel(GUEST_RIP, 0);
}

int vmx_get_regs(struct ember_vcpu *vcpu, struct kvm_regs *regs)
{
	unsigned long *g = vcpu->arch.gprs;

	regs->rax = g[VCPU_REGS_RAX];
	regs->rbx = g[VCPU_REGS_RBX];
	regs->rcx = g[VCPU_REGS_RCX];
	regs->rdx = g[VCPU_REGS_RDX];
	regs->rsi = g[VCPU_REGS_RSI];
	regs->rdi = g[VCPU_REGS_RDI];
	regs->rbp = g[VCPU_REGS_RBP];
	regs->r8 = g[VCPU_REGS_R8];
	regs->r9 = g[VCPU_REGS_R9];
	regs->r10 = g[VCPU_REGS_R10];
	regs->r11 = g[VCPU_REGS_R11];
	regs->r12 = g[VCPU_REGS_R12];
	regs->r13 = g[VCPU_REGS_R13];
	regs->r14 = g[VCPU_REGS_R14];
	regs->r15 = g[VCPU_REGS_R15];
	regs->rsp = vmcs_readl(GUEST_RSP);
	regs->rip = vmcs_readl(GUEST_RIP);
	regs->rflags = vmcs_readl(GUEST_RFLAGS);
	return 0;
}

int vmx_set_regs(struct ember_vcpu *vcpu, const struct kvm_regs *regs)
{
	unsigned long *g = vcpu->arch.gprs;

	g[VCPU_REGS_RAX] = regs->rax;
	g[VCPU_REGS_RBX] = regs->rbx;
	g[VCPU_REGS_RCX] = regs->rcx;
	g[VCPU_REGS_RDX] = regs->rdx;
	g[VCPU_REGS_RSI] = regs->rsi;
	g[VCPU_REGS_RDI] = regs->rdi;
	g[VCPU_REGS_RBP] = regs->rbp;
	g[VCPU_REGS_R8] = regs->r8;
	g[VCPU_REGS_R9] = regs->r9;
	g[VCPU_REGS_R10] = regs->r10;
	g[VCPU_REGS_R11] = regs->r11;
	g[VCPU_REGS_R12] = regs->r12;
	g[VCPU_REGS_R13] = regs->r13;
	g[VCPU_REGS_R14] = regs->r14;
	g[VCPU_REGS_R15] = regs->r15;
	vmcs_writel(GUEST_RSP, regs->rsp);
	vmcs_writel(GUEST_RIP, regs->rip);
	/* RFLAGS bit 1 is always 1 (KVM forces it too). */
	vmcs_writel(GUEST_RFLAGS, regs->rflags | X86_EFLAGS_FIXED);
	return 0;
}

int vmx_get_sregs(struct ember_vcpu *vcpu, struct kvm_sregs *sregs)
{
	int vec;

	memset(sregs, 0, sizeof(*sregs));
	get_segment(SEG_CS, &sregs->cs);
	get_segment(SEG_DS, &sregs->ds);
	get_segment(SEG_ES, &sregs->es);
	get_segment(SEG_FS, &sregs->fs);
	get_segment(SEG_GS, &sregs->gs);
	get_segment(SEG_SS, &sregs->ss);
	get_segment(SEG_TR, &sregs->tr);
	get_segment(SEG_LDTR, &sregs->ldt);
	sregs->gdt.base = vmcs_readl(GUEST_GDTR_BASE);
	sregs->gdt.limit = vmcs_read32(GUEST_GDTR_LIMIT);
	sregs->idt.base = vmcs_readl(GUEST_IDTR_BASE);
	sregs->idt.limit = vmcs_read32(GUEST_IDTR_LIMIT);
	sregs->cr0 = vcpu->arch.cr0;
	sregs->cr2 = vcpu->arch.cr2;
	sregs->cr3 = vmcs_readl(GUEST_CR3);
	sregs->cr4 = vcpu->arch.cr4;
	/* With a LAPIC in the kernel, CR8 is its TPR (SDM 11.8.6.1). */
	sregs->cr8 = ember_lapic_in_kernel(vcpu) ? ember_lapic_get_cr8(vcpu) :
						   vcpu->arch.cr8;
	sregs->efer = vcpu->arch.efer;
	sregs->apic_base = ember_lapic_get_base(vcpu);
	vec = vmx_pending_external_interrupt(vcpu);
	if (vec >= 0)
		__set_bit(vec, (unsigned long *)sregs->interrupt_bitmap);
	return 0;
}

/* KVM's check of a new IA32_APIC_BASE (no APIC emulated in the kernel). */
static bool apic_base_valid(struct ember_vcpu *vcpu, u64 base)
{
	u64 reserved = 0x2ff | X2APIC_ENABLE;

	reserved |= ~0ull << boot_cpu_data.x86_phys_bits;
	if (guest_cpuid_has(vcpu, 1, 0, CPUID_ECX, 21))		/* x2APIC */
		reserved &= ~(u64)X2APIC_ENABLE;
	if (base & reserved)
		return false;
	/* x2APIC mode without the APIC enabled is invalid (SDM 11.12.1). */
	return !((base & X2APIC_ENABLE) && !(base & MSR_IA32_APICBASE_ENABLE));
}

int vmx_set_sregs(struct ember_vcpu *vcpu, const struct kvm_sregs *sregs)
{
	int vec;

	/* KVM's kvm_is_valid_sregs(), plus reserved EFER bits and CR8. */
	if ((sregs->efer & EFER_LME) && (sregs->cr0 & X86_CR0_PG)) {
		if (!(sregs->cr4 & X86_CR4_PAE) || !(sregs->efer & EFER_LMA))
			return -EINVAL;
		if (sregs->cr3 >> boot_cpu_data.x86_phys_bits)
			return -EINVAL;
	} else if ((sregs->efer & EFER_LMA) || sregs->cs.l) {
		return -EINVAL;
	}
	if (!vmx_cr0_valid(sregs->cr0) || !vmx_cr4_valid(vcpu, sregs->cr4) ||
	    !vmx_efer_valid(vcpu, sregs->efer) || sregs->cr8 > 15 ||
	    !apic_base_valid(vcpu, sregs->apic_base))
		return -EINVAL;

	/* Checked above: the host may make any valid transition. */
	ember_lapic_set_base(vcpu, sregs->apic_base, true);
	vmcs_writel(GUEST_IDTR_BASE, sregs->idt.base);
	vmcs_write32(GUEST_IDTR_LIMIT, sregs->idt.limit);
	vmcs_writel(GUEST_GDTR_BASE, sregs->gdt.base);
	vmcs_write32(GUEST_GDTR_LIMIT, sregs->gdt.limit);
	vcpu->arch.cr2 = sregs->cr2;
	vmcs_writel(GUEST_CR3, sregs->cr3);
	if (ember_lapic_in_kernel(vcpu))
		ember_lapic_set_tpr(vcpu, sregs->cr8);
	else
		vcpu->arch.cr8 = sregs->cr8;
	vcpu->arch.efer = sregs->efer;
	vmx_set_efer(vcpu, sregs->efer);
	/* Set CR0 without its LMA side effect: userspace gave EFER whole. */
	vcpu->arch.cr0 = sregs->cr0;
	vmcs_writel(CR0_READ_SHADOW, sregs->cr0);
	vmcs_writel(GUEST_CR0, hw_cr0(sregs->cr0));
	vmx_set_cr4(vcpu, sregs->cr4);
	vmx_load_pdptrs(vcpu);

	set_segment(SEG_CS, &sregs->cs);
	set_segment(SEG_DS, &sregs->ds);
	set_segment(SEG_ES, &sregs->es);
	set_segment(SEG_FS, &sregs->fs);
	set_segment(SEG_GS, &sregs->gs);
	set_segment(SEG_SS, &sregs->ss);
	set_segment(SEG_TR, &sregs->tr);
	set_segment(SEG_LDTR, &sregs->ldt);

	vec = find_first_bit((const unsigned long *)sregs->interrupt_bitmap,
			     KVM_NR_INTERRUPTS);
	if (vec < KVM_NR_INTERRUPTS)
		vcpu->arch.events.irq = vec;
	/* New paging state, new CR3: nothing the guest cached holds. */
	ember_make_request(EMBER_REQ_TLB_FLUSH_GUEST, vcpu);
	return 0;
}

/* The preemption timer's budget: about 2 ms of guest time per slice. */
u32 vmx_preemption_timer_value(void)
{
	u64 ticks = (u64)tsc_khz * 2 >> vmx_config.preemption_timer_shift;

	return ticks ? min_t(u64, ticks, U32_MAX) : 1000000;
}
