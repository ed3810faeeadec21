// SPDX-License-Identifier: GPL-2.0
/*
 * A vCPU as it comes out of KVM_CREATE_VCPU: its reset state, field by field,
 * and real-mode code run from the reset vector and from low memory: port I/O
 * of 1, 2 and 4 bytes (KVM_EXIT_IO and its fields, IN data from userspace),
 * the string forms `rep outsb` and `rep insw`, HLT (KVM_EXIT_HLT, then the
 * next run goes on after it), and CPUID answered from KVM_SET_CPUID2.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvm_util.h"

#define CODE_GPA	0x1000
#define SRC_GPA		0x2000	/* rep outsb reads from here */
#define RES_GPA		0x3000	/* the code stores results here */

/* Copied to CODE_GPA and run with CS = 0; phases end with HLT. */
extern const char rm_code[], rm_code_end[];
__asm__(
	".pushsection .rodata\n"
	".code16\n"
	"rm_code:\n"
	/* Phase 1: OUT of 1, 2, 4 bytes, by immediate port and by DX. */
	"	mov $0x11, %al\n"
	"	out %al, $0x10\n"
	"	mov $0x2233, %ax\n"
	"	out %ax, $0x12\n"
	"	mov $0x44556677, %eax\n"
	"	out %eax, $0x14\n"
	"	mov $0x3f8, %dx\n"
	"	mov $0x99, %al\n"
	"	out %al, (%dx)\n"
	/* IN of 1, 2, 4 bytes; the values go to RES_GPA. */
	"	in $0x20, %al\n"
	"	mov %al, 0x3000\n"
	"	in $0x22, %ax\n"
	"	mov %ax, 0x3002\n"
	"	mov $0x24, %dx\n"
	"	in (%dx), %eax\n"
	"	mov %eax, 0x3004\n"
	"	hlt\n"
	/* Phase 2: string I/O. */
	"	cld\n"
	"	mov $0x2000, %si\n"
	"	mov $5, %cx\n"
	"	mov $0x30, %dx\n"
	"	rep outsb\n"
	"	mov %cx, 0x3008\n"
	"	mov $0x3010, %di\n"
	"	mov $3, %cx\n"
	"	mov $0x32, %dx\n"
	"	rep insw\n"
	"	mov %cx, 0x300a\n"
	"	mov %di, 0x300c\n"
	"	hlt\n"
	/* Phase 3: CPUID leaves 0, 1, 2 to RES_GPA + 0x100. */
	"	xor %eax, %eax\n"
	"	xor %ecx, %ecx\n"
	"	cpuid\n"
	"	mov %eax, 0x3100\n"
	"	mov %ebx, 0x3104\n"
	"	mov %ecx, 0x3108\n"
	"	mov %edx, 0x310c\n"
	"	mov $1, %eax\n"
	"	cpuid\n"
	"	mov %eax, 0x3110\n"
	"	mov %ebx, 0x3114\n"
	"	mov %ecx, 0x3118\n"
	"	mov %edx, 0x311c\n"
	"	mov $2, %eax\n"
	"	cpuid\n"
	"	mov %eax, 0x3120\n"
	"	mov %ebx, 0x3124\n"
	"	mov %ecx, 0x3128\n"
	"	mov %edx, 0x312c\n"
	"	hlt\n"
	"rm_code_end:\n"
	".code64\n"
	".popsection\n");

static void test_reset_state(struct test_dev *dev)
{
	struct kvm_vm *vm = vm_create_bare(dev);
	struct kvm_vcpu *v = vm_vcpu_add(vm, 0);
	struct kvm_regs r;
	struct kvm_sregs s;

	vcpu_regs_get(v, &r);
	vcpu_sregs_get(v, &s);
	rec_regs("reset", &r);
	rec_sregs("reset", &s);
	TEST_ASSERT(s.cs.selector == 0xf000 && s.cs.base == 0xffff0000 &&
		    s.cs.limit == 0xffff && r.rip == 0xfff0,
		    "CS:IP %x(base %llx):%llx", s.cs.selector, s.cs.base,
		    r.rip);
	TEST_ASSERT(r.rflags == 2 && s.cr0 == 0x60000010 && !s.efer &&
		    !s.cr4 && !s.cr3, "rflags %llx cr0 %llx cr4 %llx efer %llx",
		    r.rflags, s.cr0, s.cr4, s.efer);
	TEST_ASSERT(!s.ds.base && s.ds.limit == 0xffff && s.ds.type == 3 &&
		    s.ds.present, "DS");
	/* A second vCPU comes up the same, except that it is not the BSP. */
	v = vm_vcpu_add(vm, 1);
	vcpu_sregs_get(v, &s);
	rec("vcpu1 apic_base", "0x%llx", s.apic_base);
	vm_free(vm);
	ksft_pass("reset state of a new vCPU (REGS and SREGS field by field)");
}

static void test_reset_vector(struct test_dev *dev)
{
	static const uint8_t code[] = {
		0xb0, 0x42,		/* mov $0x42, %al */
		0xe6, 0x10,		/* out %al, $0x10 */
		0xf4,			/* hlt */
		0xe6, 0x11,		/* out %al, $0x11 */
		0xf4,			/* hlt */
	};
	struct kvm_vm *vm = vm_create_bare(dev);
	struct kvm_vcpu *v = vm_vcpu_add(vm, 0);
	struct kvm_regs r;

	vcpu_dump_on_failure(v);
	vm_add_slot(vm, 0, 0xffff0000, 0x10000, 0);
	vm_write(vm, 0xfffffff0, code, sizeof(code));
	vcpu_run(v);
	rec_exit("reset vector exit 1", v);
	vcpu_assert_exit(v, KVM_EXIT_IO);
	TEST_ASSERT(v->run->io.port == 0x10 && v->run->io.size == 1 &&
		    v->run->io.direction == KVM_EXIT_IO_OUT &&
		    *((uint8_t *)v->run + v->run->io.data_offset) == 0x42,
		    "OUT from the reset vector");
	vcpu_run(v);
	rec_exit("reset vector exit 2", v);
	vcpu_assert_exit(v, KVM_EXIT_HLT);
	vcpu_regs_get(v, &r);
	rec("rip after hlt", "0x%llx", r.rip);
	TEST_ASSERT(r.rip == 0xfff5, "rip after HLT: 0x%llx", r.rip);
	/* Running again goes on after the HLT. */
	vcpu_run(v);
	rec_exit("reset vector exit 3", v);
	TEST_ASSERT(v->run->exit_reason == KVM_EXIT_IO &&
		    v->run->io.port == 0x11, "no OUT after HLT");
	vcpu_run(v);
	vcpu_assert_exit(v, KVM_EXIT_HLT);
	vm_free(vm);
	ksft_pass("code at the reset vector runs: OUT, HLT -> KVM_EXIT_HLT");
}

static struct kvm_vm *rm_vm(struct test_dev *dev, struct kvm_vcpu **v)
{
	struct kvm_vm *vm = vm_create_bare(dev);

	vm_add_slot(vm, 0, 0, 0x100000, 0);
	vm_write(vm, CODE_GPA, rm_code, rm_code_end - rm_code);
	*v = vm_vcpu_add(vm, 0);
	vcpu_setup_real_mode(*v, CODE_GPA);
	vcpu_dump_on_failure(*v);
	return vm;
}

static void expect_io(struct kvm_vcpu *v, uint8_t dir, uint8_t size, uint16_t port,
		      uint32_t count)
{
	struct kvm_run *run = v->run;

	vcpu_run(v);
	rec_exit("io", v);
	vcpu_assert_exit(v, KVM_EXIT_IO);
	TEST_ASSERT(run->io.direction == dir && run->io.size == size &&
		    run->io.port == port && run->io.count == count,
		    "IO exit: dir %u size %u port 0x%x count %u; expected "
		    "%u %u 0x%x %u", run->io.direction, run->io.size,
		    run->io.port, run->io.count, dir, size, port, count);
	TEST_ASSERT(run->io.data_offset >= sizeof(*run) &&
		    run->io.data_offset + size * count <= v->run_size,
		    "data_offset 0x%llx", (unsigned long long)run->io.data_offset);
}

static void *io_data(struct kvm_vcpu *v)
{
	return (char *)v->run + v->run->io.data_offset;
}

/* Runs phase 1 (port I/O of each size); leaves the vCPU after its HLT. */
static void run_phase1(struct kvm_vm *vm, struct kvm_vcpu *v)
{
	uint32_t u32;
	uint16_t u16;

	expect_io(v, KVM_EXIT_IO_OUT, 1, 0x10, 1);
	TEST_ASSERT(*(uint8_t *)io_data(v) == 0x11, "out 8");
	expect_io(v, KVM_EXIT_IO_OUT, 2, 0x12, 1);
	memcpy(&u16, io_data(v), 2);
	TEST_ASSERT(u16 == 0x2233, "out 16: 0x%x", u16);
	expect_io(v, KVM_EXIT_IO_OUT, 4, 0x14, 1);
	memcpy(&u32, io_data(v), 4);
	TEST_ASSERT(u32 == 0x44556677, "out 32: 0x%x", u32);
	expect_io(v, KVM_EXIT_IO_OUT, 1, 0x3f8, 1);
	TEST_ASSERT(*(uint8_t *)io_data(v) == 0x99, "out dx");

	expect_io(v, KVM_EXIT_IO_IN, 1, 0x20, 1);
	*(uint8_t *)io_data(v) = 0xa1;
	expect_io(v, KVM_EXIT_IO_IN, 2, 0x22, 1);
	memcpy(io_data(v), "\xb2\xb3", 2);
	expect_io(v, KVM_EXIT_IO_IN, 4, 0x24, 1);
	memcpy(io_data(v), "\xc4\xc5\xc6\xc7", 4);
	vcpu_run(v);
	vcpu_assert_exit(v, KVM_EXIT_HLT);
	TEST_ASSERT(!memcmp(addr_gpa2hva(vm, RES_GPA),
			    "\xa1\x00\xb2\xb3\xc4\xc5\xc6\xc7", 8),
		    "IN data did not reach the guest");
}

static void test_port_io(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = rm_vm(dev, &v);
	struct kvm_regs r;

	run_phase1(vm, v);
	vcpu_regs_get(v, &r);
	rec_regs("after port io", &r);
	vm_free(vm);
	ksft_pass("port I/O of 1, 2 and 4 bytes: KVM_EXIT_IO, IN data");
}

static void test_string_io(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = rm_vm(dev, &v);
	struct kvm_run *run = v->run;
	uint16_t *res = addr_gpa2hva(vm, RES_GPA);
	int exits = 0, out = 0, in = 0;
	struct kvm_regs r;

	run_phase1(vm, v);
	vm_write(vm, SRC_GPA, "hello", 5);
	/* However many exits KVM makes of them, the data must add up. */
	for (;;) {
		vcpu_run(v);
		rec_exit("string io", v);
		if (run->exit_reason == KVM_EXIT_HLT)
			break;
		vcpu_assert_exit(v, KVM_EXIT_IO);
		TEST_ASSERT(++exits < 20, "too many exits");
		if (run->io.direction == KVM_EXIT_IO_OUT) {
			TEST_ASSERT(run->io.port == 0x30 && run->io.size == 1,
				    "rep outsb");
			TEST_ASSERT(!memcmp(io_data(v), "hello" + out,
					    run->io.count), "outsb data");
			out += run->io.count;
		} else {
			int i;

			TEST_ASSERT(run->io.port == 0x32 && run->io.size == 2,
				    "rep insw");
			for (i = 0; i < (int)run->io.count; i++, in++)
				((uint16_t *)io_data(v))[i] = 0x1110 + in;
		}
	}
	TEST_ASSERT(out == 5 && in == 3, "outsb %d bytes, insw %d words", out,
		    in);
	TEST_ASSERT(res[4] == 0 && res[5] == 0 && res[6] == 0x3016,
		    "CX after the rep: %u %u, DI 0x%x", res[4], res[5],
		    res[6]);
	TEST_ASSERT(res[8] == 0x1110 && res[9] == 0x1111 && res[10] == 0x1112,
		    "insw data: %x %x %x", res[8], res[9], res[10]);
	vcpu_regs_get(v, &r);
	rec_regs("after string io", &r);
	printf("# %s: rep outsb x5 and rep insw x3 took %d exits\n", dev->name,
	       exits);
	vm_free(vm);
	ksft_pass("rep outsb / rep insw: count, data and registers");
}

static void test_cpuid(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = rm_vm(dev, &v);
	struct {
		struct kvm_cpuid2 h;
		struct kvm_cpuid_entry2 e[2];
	} c = {
		.h.nent = 2,
		.e[0] = { .function = 0, .eax = 1, .ebx = 0x72626d45,
			  .edx = 0x73655465, .ecx = 0x55504374 },
		.e[1] = { .function = 1, .eax = 0x806a1, .ebx = 0x10800,
			  .ecx = 0x80000000, .edx = 0x00000001 },
	};
	uint32_t *res = addr_gpa2hva(vm, RES_GPA + 0x100);
	struct kvm_run *run = v->run;
	int i;

	EXPECT_RET(ioctl(v->fd, KVM_SET_CPUID2, &c), 0);
	run_phase1(vm, v);
	do {
		vcpu_run(v);
		if (run->exit_reason == KVM_EXIT_IO &&
		    run->io.direction == KVM_EXIT_IO_IN)
			memset(io_data(v), 0, run->io.size * run->io.count);
	} while (run->exit_reason == KVM_EXIT_IO);
	vcpu_assert_exit(v, KVM_EXIT_HLT);
	/* Phase 3: CPUID, answered in the kernel. */
	vcpu_run(v);
	rec_exit("cpuid phase", v);
	vcpu_assert_exit(v, KVM_EXIT_HLT);
	for (i = 0; i < 12; i++)
		if (!dev_is_pvm(dev))
			rec("cpuid result", "0x%x", res[i]);
	TEST_ASSERT(res[0] == 1 && !memcmp(&res[1], "Embr", 4) &&
		    !memcmp(&res[3], "eTes", 4) && !memcmp(&res[2], "tCPU", 4),
		    "leaf 0: %x %x %x %x", res[0], res[1], res[2], res[3]);
	/*
	 * KVM adjusts some leaf 1 bits at run time (APIC from apic_base,
	 * OSXSAVE from CR4); kvm_pvm passes more of the host's through.
	 */
	TEST_ASSERT(res[4] == 0x806a1 && res[5] == 0x10800 && (res[7] & 1),
		    "leaf 1: eax %x ebx %x edx %x", res[4], res[5], res[7]);
	printf("# %s: leaf 1 ebx 0x%x ecx 0x%x; leaf 2 %x %x %x %x\n",
	       dev->name, res[5], res[6], res[8], res[9], res[10], res[11]);
	/*
	 * After KVM_RUN, KVM refuses a different CPUID (EINVAL); the same
	 * one again depends on the run-time bits it changed.
	 */
	REC(ioctl(v->fd, KVM_SET_CPUID2, &c));
	c.e[1].eax = 0x806a2;
	REC(ioctl(v->fd, KVM_SET_CPUID2, &c));
	vm_free(vm);
	ksft_pass("CPUID is answered in the kernel from KVM_SET_CPUID2");
}

static void run(struct test_dev *dev)
{
	test_reset_state(dev);
	test_reset_vector(dev);
	test_port_io(dev);
	test_string_io(dev);
	test_cpuid(dev);
}

int main(void)
{
	return ksft_run_devices("real_mode", 5, run);
}
