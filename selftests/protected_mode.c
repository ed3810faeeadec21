// SPDX-License-Identifier: GPL-2.0
/*
 * 32-bit protected-mode code (.code32 in this binary, run in place from the
 * guest's copy of the image), with paging off, with paging on (4 MiB pages,
 * set by KVM_SET_SREGS) and with paging turned on by the guest itself:
 * arithmetic, memory, port I/O of 1, 2 and 4 bytes, and MMIO moves of 1, 2
 * and 4 bytes to an address in no slot.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kvm_util.h"

#define MMIO_GPA	0xc0001000u

extern const char pm_code[], pm_enable_paging[];
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

static void run(struct test_dev *dev)
{
	run_pm(dev, pm_code, false, false, "paging off");
	run_pm(dev, pm_code, true, true, "paging on (SET_SREGS)");
	run_pm(dev, pm_enable_paging, false, true, "paging turned on by guest");
}

int main(void)
{
	return ksft_run_devices("protected_mode", 6, run);
}
