// SPDX-License-Identifier: GPL-2.0
/*
 * 32-bit protected-mode code (.code32 in this binary, run in place from the
 * guest's copy of the image), with paging off, with paging on (4 MiB pages,
 * set by KVM_SET_SREGS) and with paging turned on by the guest itself:
 * arithmetic, memory, port I/O of 1, 2 and 4 bytes, and MMIO moves of 1, 2
 * and 4 bytes to an address in no slot; and the #GPs of MOV to CR0/CR4
 * that ember emulates: bad PAE PDPTEs, CR4.PCIDE outside IA-32e mode.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kvm_util.h"

#define MMIO_GPA	0xc0001000u

extern const char pm_code[], pm_enable_paging[], pm_pae_on[],
	pm_pcide_on[];

/*
 * PAE paging for the guest (SCRATCH_GPA is ours): a page-directory-pointer
 * table, and one page directory identity-mapping the first GiB in 2 MiB
 * pages.
 */
#define PDPT_GPA	SCRATCH_GPA
#define PAE_PD_GPA	(SCRATCH_GPA + PAGE_SIZE)
extern uint32_t pm_scratch[8];

__asm__(
	".pushsection .data\n"
	".balign 16\n"
	"pm_scratch: .fill 8, 4, 0\n"
	".popsection\n"
	".pushsection .text\n"
	".code32\n"
	/* Entered with paging off: turns it on (PSE, 4 MiB pages), goes on. */
	"pm_enable_paging:\n"
	"	mov %cr4, %eax\n"
	"	or $0x10, %eax\n"		/* CR4.PSE */
	"	mov %eax, %cr4\n"
	"	mov $0x4000, %eax\n"		/* PD32_GPA */
	"	mov %eax, %cr3\n"
	"	mov %cr0, %eax\n"
	"	or $0x80000000, %eax\n"
	"	mov %eax, %cr0\n"
	"	jmp pm_code\n"
	/* Turns on PAE paging with CR3 = PDPT_GPA: #GP if a PDPTE is bad. */
	"pm_pae_on:\n"
	"	mov %cr4, %eax\n"
	"	or $0x20, %eax\n"		/* CR4.PAE */
	"	mov %eax, %cr4\n"
	"	mov $0x10000, %eax\n"		/* PDPT_GPA */
	"	mov %eax, %cr3\n"
	"	mov %cr0, %eax\n"
	"	or $0x80000000, %eax\n"
	"	mov %eax, %cr0\n"
	"	out %al, $0x30\n"
	"	hlt\n"
	/* CR4.PCIDE outside IA-32e mode: #GP. */
	"pm_pcide_on:\n"
	"	mov %cr4, %eax\n"
	"	or $0x20000, %eax\n"
	"	mov %eax, %cr4\n"
	"	out %al, $0x30\n"
	"	hlt\n"
	"pm_code:\n"
	"	mov $6, %eax\n"
	"	mov $7, %ecx\n"
	"	imul %ecx, %eax\n"
	"	mov %eax, pm_scratch\n"
	"	mov pm_scratch, %ebx\n"
	"	add %ebx, %ebx\n"
	"	mov %ebx, %eax\n"
	"	out %al, $0x10\n"
	"	mov $0x1234, %ax\n"
	"	out %ax, $0x12\n"
	"	mov $0xdeadbeef, %eax\n"
	"	out %eax, $0x14\n"
	"	xor %eax, %eax\n"
	"	in $0x20, %al\n"
	"	mov %eax, pm_scratch+4\n"
	"	in $0x22, %ax\n"
	"	mov %eax, pm_scratch+8\n"
	"	in $0x24, %eax\n"
	"	mov %eax, pm_scratch+12\n"
	"	mov $0xc0001000, %ebx\n"
	"	movb $0x5a, (%ebx)\n"
	"	movw $0x6b7c, 0x10(%ebx)\n"
	"	movl $0x8d9eafb0, 0x20(%ebx)\n"
	"	xor %eax, %eax\n"
	"	mov (%ebx), %al\n"
	"	mov %eax, pm_scratch+16\n"
	"	mov 0x10(%ebx), %ax\n"
	"	mov %eax, pm_scratch+20\n"
	"	mov 0x20(%ebx), %eax\n"
	"	mov %eax, pm_scratch+24\n"
	"	mov %cr0, %eax\n"
	"	mov %eax, pm_scratch+28\n"
	"	hlt\n"
	".code64\n"
	".popsection\n");

static void expect_io(struct kvm_vcpu *v, uint8_t dir, uint8_t size,
		      uint16_t port, uint32_t val)
{
	struct kvm_run *run = v->run;
	uint32_t got = 0;

	vcpu_run(v);
	rec_exit("io", v);
	vcpu_assert_exit(v, KVM_EXIT_IO);
	TEST_ASSERT(run->io.direction == dir && run->io.size == size &&
		    run->io.port == port && run->io.count == 1,
		    "IO exit: dir %u size %u port 0x%x count %u", run->io.direction,
		    run->io.size, run->io.port, run->io.count);
	if (dir == KVM_EXIT_IO_OUT) {
		memcpy(&got, (char *)run + run->io.data_offset, size);
		TEST_ASSERT(got == val, "OUT 0x%x, expected 0x%x", got, val);
	} else {
		memcpy((char *)run + run->io.data_offset, &val, size);
	}
}

static void expect_mmio(struct kvm_vcpu *v, bool write, uint32_t gpa,
			uint32_t len, uint32_t val)
{
	struct kvm_run *run = v->run;

	vcpu_run(v);
	rec_exit("mmio", v);
	vcpu_assert_exit(v, KVM_EXIT_MMIO);
	TEST_ASSERT(run->mmio.phys_addr == gpa && run->mmio.len == len &&
		    run->mmio.is_write == write, "MMIO exit: gpa 0x%llx len %u "
		    "write %u", run->mmio.phys_addr, run->mmio.len,
		    run->mmio.is_write);
	if (write)
		TEST_ASSERT(!memcmp(run->mmio.data, &val, len),
			    "MMIO write data");
	else
		memcpy(run->mmio.data, &val, len);
}

/* Runs pm_code from @entry; @pg: paging expected on at the end. */
static void run_pm(struct test_dev *dev, const char *entry, bool paging,
		   bool pg, const char *what)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest(dev, 1, NULL, &v);
	uint32_t *res = &GUEST_VAR(vm, pm_scratch[0]);
	struct kvm_sregs s;
	struct kvm_regs r;
	int i;

	if (pg && dev_is_pvm(dev)) {
		/* It shuts down at the first instruction with 32-bit paging. */
		vm_free(vm);
		ksft_skip("%s: kvm_pvm runs no 32-bit paging", what);
		ksft_skip("%s: kvm_pvm runs no 32-bit paging", what);
		return;
	}
	vcpu_setup_protected_mode(v, (uintptr_t)entry, paging);
	expect_io(v, KVM_EXIT_IO_OUT, 1, 0x10, 84);
	expect_io(v, KVM_EXIT_IO_OUT, 2, 0x12, 0x1234);
	expect_io(v, KVM_EXIT_IO_OUT, 4, 0x14, 0xdeadbeef);
	expect_io(v, KVM_EXIT_IO_IN, 1, 0x20, 0x11);
	expect_io(v, KVM_EXIT_IO_IN, 2, 0x22, 0x2233);
	expect_io(v, KVM_EXIT_IO_IN, 4, 0x24, 0x44556677);
	TEST_ASSERT(res[0] == 42, "memory: %u", res[0]);
	ksft_pass("%s: arithmetic, memory, port I/O", what);

	expect_mmio(v, true, MMIO_GPA, 1, 0x5a);
	expect_mmio(v, true, MMIO_GPA + 0x10, 2, 0x6b7c);
	expect_mmio(v, true, MMIO_GPA + 0x20, 4, 0x8d9eafb0);
	expect_mmio(v, false, MMIO_GPA, 1, 0xa1);
	expect_mmio(v, false, MMIO_GPA + 0x10, 2, 0xb2c3);
	expect_mmio(v, false, MMIO_GPA + 0x20, 4, 0xd4e5f607);
	vcpu_run(v);
	vcpu_assert_exit(v, KVM_EXIT_HLT);
	for (i = 0; i < 8; i++)
		rec("results", "0x%x", res[i]);
	TEST_ASSERT(res[1] == 0x11 && res[2] == 0x2233 &&
		    res[3] == 0x44556677, "IN data: %x %x %x", res[1], res[2],
		    res[3]);
	TEST_ASSERT(res[4] == 0xa1 && res[5] == 0xb2c3 &&
		    res[6] == 0xd4e5f607, "MMIO data: %x %x %x", res[4],
		    res[5], res[6]);
	TEST_ASSERT(!!(res[7] & X86_CR0_PG) == pg, "guest CR0 0x%x", res[7]);
	vcpu_regs_get(v, &r);
	vcpu_sregs_get(v, &s);
	rec_regs("end", &r);
	rec_sregs("end", &s);
	TEST_ASSERT(!!(s.cr0 & X86_CR0_PG) == pg && !(s.efer & EFER_LMA),
		    "SREGS cr0 0x%llx efer 0x%llx", s.cr0, s.efer);
	vm_free(vm);
	ksft_pass("%s: MMIO moves of 1, 2, 4 bytes, HLT", what);
}

/*
 * A MOV to CR0 or CR4 that would load bad PDPTEs, and CR4.PCIDE set outside
 * IA-32e mode, are #GP (SDM Vol. 3A 4.4.1; Vol. 2B, MOV to CR4): with no
 * IDT the #GP becomes a triple fault.  The state must not reach a VM entry
 * (which would fail instead).
 */
static void run_cr_gp(struct test_dev *dev, const char *entry,
		      uint64_t pdpte0, uint32_t want, const char *what)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest(dev, 1, NULL, &v);
	uint64_t *pdpt = addr_gpa2hva(vm, PDPT_GPA);
	uint64_t *pd = addr_gpa2hva(vm, PAE_PD_GPA);
	struct kvm_sregs s;
	int i;

	if (dev_is_pvm(dev)) {
		vm_free(vm);
		ksft_skip("%s: kvm_pvm runs no 32-bit paging", what);
		return;
	}
	memset(pdpt, 0, PAGE_SIZE);
	pdpt[0] = pdpte0;
	for (i = 0; i < 512; i++)
		pd[i] = ((uint64_t)i << 21) | 0x83;	/* P, RW, PS */
	vcpu_setup_protected_mode(v, (uintptr_t)entry, false);
	vcpu_sregs_get(v, &s);
	s.idt.limit = 0;
	vcpu_sregs_set(v, &s);
	vcpu_run(v);
	rec_exit(what, v);
	vcpu_assert_exit(v, want);
	vm_free(vm);
	ksft_pass("%s", what);
}

static void run(struct test_dev *dev)
{
	/* PDPTE 0: present, the page directory; bit 7 is reserved. */
	run_cr_gp(dev, pm_pae_on, PAE_PD_GPA | 1, KVM_EXIT_IO,
		  "PAE paging with good PDPTEs turns on");
	run_cr_gp(dev, pm_pae_on, PAE_PD_GPA | 1 | (1u << 7), KVM_EXIT_SHUTDOWN,
		  "a MOV to CR0 loading a PDPTE with a reserved bit is #GP");
	run_cr_gp(dev, pm_pcide_on, 0, KVM_EXIT_SHUTDOWN,
		  "CR4.PCIDE outside IA-32e mode is #GP");
	run_pm(dev, pm_code, false, false, "paging off");
	run_pm(dev, pm_code, true, true, "paging on (SET_SREGS)");
	run_pm(dev, pm_enable_paging, false, true, "paging turned on by guest");
}

int main(void)
{
	return ksft_run_devices("protected_mode", 9, run);
}
