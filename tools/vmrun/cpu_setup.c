// SPDX-License-Identifier: GPL-2.0
/*
 * The state each vCPU starts in: real mode, 32-bit protected mode with flat
 * segments, or 64-bit mode with the first 4 GiB identity-mapped, as the
 * image loader asked.  The GDT and page tables live in guest memory at
 * GDT_ADDR..TABLES_END (vm.h), where loaders place nothing else.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "util.h"
#include "vm.h"

#define CR0_PE		(1ULL << 0)
#define CR0_MP		(1ULL << 1)
#define CR0_EM		(1ULL << 2)
#define CR0_ET		(1ULL << 4)
#define CR0_PG		(1ULL << 31)
#define CR4_PAE		(1ULL << 5)
#define CR4_OSFXSR	(1ULL << 9)
#define CR4_OSXMMEXCPT	(1ULL << 10)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)

#define MSR_IA32_APICBASE 0x1b
#define APICBASE_BSP	(1ULL << 8)

#define PTE_P		0x001ULL
#define PTE_RW		0x002ULL
#define PTE_PS		0x080ULL	/* a 2 MiB page in a PDE */

/* The descriptors, accessed bit already set so that the CPU never writes
 * them (SDM Vol. 3A 3.4.5). */
static const uint64_t gdt[] = {
	0,
	[SEL_CODE32 / 8] = 0x00cf9b000000ffffULL,	/* 32-bit code, 4 GiB */
	[SEL_CODE64 / 8] = 0x00af9b000000ffffULL,	/* 64-bit code (L=1) */
	[SEL_DATA / 8]   = 0x00cf93000000ffffULL,	/* data, 4 GiB */
};

void cpu_setup_tables(struct vm *vm)
{
	uint64_t *pml4 = vm_gpa(vm, PML4_ADDR, 4096);
	uint64_t *pdpt = vm_gpa(vm, PDPT_ADDR, 4096);
	uint64_t *pd = vm_gpa(vm, PD_ADDR, 4 * 4096);

	memcpy(vm_gpa(vm, GDT_ADDR, sizeof(gdt)), gdt, sizeof(gdt));
	/* 4 GiB, MMIO hole included, in 2 MiB pages (SDM Vol. 3A 4.5). */
	pml4[0] = PDPT_ADDR | PTE_P | PTE_RW;
	for (int i = 0; i < 4; i++)
		pdpt[i] = (PD_ADDR + i * 4096) | PTE_P | PTE_RW;
	for (int i = 0; i < 4 * 512; i++)
		pd[i] = ((uint64_t)i << 21) | PTE_P | PTE_RW | PTE_PS;
}

static struct kvm_segment flat_segment(uint16_t sel, bool code, bool l)
{
	return (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = sel,
		.type = code ? 0xb : 0x3, .present = 1, .s = 1, .g = 1,
		.db = !l, .l = l,
	};
}

static void setup_sregs(struct vcpu *vcpu, struct kvm_sregs *s,
			__u64 *rip)
{
	const struct boot *boot = &vcpu->vm->boot;
	struct kvm_segment data = flat_segment(SEL_DATA, false, false);

	if (boot->mode == MODE_REAL) {
		/* CS:IP = entry; the data segments stay at base 0. */
		s->cs.selector = (boot->entry >> 4) & 0xf000;
		s->cs.base = (uint64_t)s->cs.selector << 4;
		*rip = boot->entry - s->cs.base;
		return;
	}
	s->gdt.base = GDT_ADDR;
	s->gdt.limit = sizeof(gdt) - 1;
	s->ds = s->es = s->fs = s->gs = s->ss = data;
	s->cr0 = (s->cr0 | CR0_PE | CR0_ET | CR0_MP) & ~CR0_EM;
	s->cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
	if (boot->mode == MODE_32) {
		s->cs = flat_segment(SEL_CODE32, true, false);
		return;
	}
	s->cs = flat_segment(SEL_CODE64, true, true);
	s->cr3 = PML4_ADDR;
	s->cr4 |= CR4_PAE;
	s->efer |= EFER_LME | EFER_LMA;
	s->cr0 |= CR0_PG;
}

/*
 * With --irqchip=user there is no local APIC to give the guest, so
 * IA32_APIC_BASE says it is disabled: KVM then also clears CPUID.1:EDX.APIC,
 * which it otherwise sets from this MSR.  Best effort: a hypervisor without
 * the MSR has no APIC to hide.  With the in-kernel irqchip the MSR keeps
 * its reset value (enabled at 0xFEE00000, BSP flag on vCPU 0).
 */
static void set_apic_base(struct vcpu *vcpu)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry entry;
	} msrs = {
		.hdr.nmsrs = 1,
		.entry.index = MSR_IA32_APICBASE,
		.entry.data = vcpu->index ? 0 : APICBASE_BSP,
	};

	if (ioctl(vcpu->fd, KVM_SET_MSRS, &msrs) != 1)
		verbose("%s: KVM_SET_MSRS IA32_APIC_BASE failed (ignored)",
			vcpu->vm->device);
}

void cpu_setup_vcpu(struct vcpu *vcpu)
{
	const struct boot *boot = &vcpu->vm->boot;
	struct kvm_sregs s;
	struct kvm_regs r = { .rflags = 0x2, .rip = boot->entry };

	if (ioctl(vcpu->fd, KVM_GET_SREGS, &s) < 0)
		die("%s: KVM_GET_SREGS: %s", vcpu->vm->device, strerror(errno));
	setup_sregs(vcpu, &s, &r.rip);
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &s) < 0)
		die("%s: KVM_SET_SREGS: %s", vcpu->vm->device, strerror(errno));

	r.rsi = boot->rsi;
	r.rbx = boot->rbx;
	if (boot->pass_index) {
		r.rdi = vcpu->index;
		r.rsi = vcpu->vm->nr_vcpus;
	}
	if (vcpu->vm->irqchip == IRQCHIP_USER)
		set_apic_base(vcpu);
	if (ioctl(vcpu->fd, KVM_SET_REGS, &r) < 0)
		die("%s: KVM_SET_REGS: %s", vcpu->vm->device, strerror(errno));
}
