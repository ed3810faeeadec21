// SPDX-License-Identifier: GPL-2.0
/*
 * 64-bit guest code written in C: arithmetic and memory, the long-mode state
 * as the guest sees it, exceptions taken through the guest's IDT, port I/O,
 * and MMIO to an address outside every slot: KVM_EXIT_MMIO's address, length,
 * data and direction for 1, 2, 4 and 8-byte moves, and the value userspace
 * puts in a read.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kvm_util.h"

#define MMIO_GPA	0xc0001000ul	/* in no slot; identity-mapped */

static uint64_t guest_data[64];

static uint64_t fib(int n)
{
	uint64_t a = 0, b = 1, t;

	while (n--) {
		t = a + b;
		a = b;
		b = t;
	}
	return a;
}

static uint64_t mix(uint64_t *d)
{
	uint64_t sum = 0;
	int i;

	for (i = 0; i < 64; i++)
		d[i] = (uint64_t)i * i * 0x9e3779b97f4a7c15ul;
	for (i = 0; i < 64; i++)
		sum ^= (d[i] >> (i % 7)) + (sum << 3);
	return sum;
}

static void guest_arith(void)
{
	volatile uint64_t x = 0xfedcba9876543210ul, y = 12345;
	volatile int64_t s = -1000000007;

	GUEST_SYNC(fib(90));
	GUEST_SYNC(mix(guest_data));
	GUEST_SYNC(x / y);
	GUEST_SYNC(x % y);
	GUEST_SYNC(s / 7);
	GUEST_SYNC(x * y);
	GUEST_SYNC((x >> 13) | (x << 51));
	/* A deep enough call chain to use the stack. */
	GUEST_SYNC(fib(10) + fib(20) + fib(30));
}

static void test_arith(struct test_dev *dev)
{
	volatile uint64_t x = 0xfedcba9876543210ul, y = 12345;
	volatile int64_t s = -1000000007;
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest(dev, 1, guest_arith, &v);
	uint64_t want_data[64];
	uint64_t want_mix = mix(want_data);

	vcpu_run_expect_sync(v, fib(90));
	vcpu_run_expect_sync(v, want_mix);
	TEST_ASSERT(!memcmp(&GUEST_VAR(vm, guest_data), want_data,
			    sizeof(want_data)), "guest_data differs");
	vcpu_run_expect_sync(v, x / y);
	vcpu_run_expect_sync(v, x % y);
	vcpu_run_expect_sync(v, (uint64_t)(s / 7));
	vcpu_run_expect_sync(v, x * y);
	vcpu_run_expect_sync(v, (x >> 13) | (x << 51));
	vcpu_run_expect_sync(v, fib(10) + fib(20) + fib(30));
	vcpu_run_expect_done(v);
	vm_free(vm);
	ksft_pass("C guest code: arithmetic, memory, calls, return");
}

static void guest_state(void)
{
	uint64_t cs, ss, rsp;

	__asm__ volatile("mov %%cs, %0; mov %%ss, %1; mov %%rsp, %2"
			 : "=r"(cs), "=r"(ss), "=r"(rsp));
	GUEST_SYNC(read_cr0());
	GUEST_SYNC(read_cr4());
	GUEST_SYNC(rdmsr(MSR_EFER));
	GUEST_SYNC(cs);
	GUEST_SYNC(ss);
	GUEST_SYNC(rsp >> 16);
	GUEST_SYNC(read_rflags());
}

/*
 * The debug registers as the guest writes and reads them back: each keeps
 * its own value (DR6 and DR7 with their fixed bits), none reads another's.
 * No breakpoint is enabled (DR7's enable bits stay 0).
 */
static void guest_debugregs(void)
{
	uint64_t v;

	__asm__ volatile("mov %0, %%db0" : : "r"(0x1000ul));
	__asm__ volatile("mov %0, %%db3" : : "r"(0x4000ul));
	__asm__ volatile("mov %0, %%db7" : : "r"(0x300ul));	/* LE, GE */
	__asm__ volatile("mov %0, %%db6" : : "r"(0ul));
	__asm__ volatile("mov %%db0, %0" : "=r"(v));
	GUEST_SYNC(v);
	__asm__ volatile("mov %%db3, %0" : "=r"(v));
	GUEST_SYNC(v);
	__asm__ volatile("mov %%db6, %0" : "=r"(v));
	GUEST_SYNC(v);
	__asm__ volatile("mov %%db7, %0" : "=r"(v));
	GUEST_SYNC(v);
}

static void test_debugregs(struct test_dev *dev)
{
	static const uint64_t want[] = { 0x1000, 0x4000, 0xffff0ff0, 0x700 };
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest(dev, 1, guest_debugregs, &v);
	struct ucall uc;
	int i;

	for (i = 0; i < 4; i++) {
		TEST_ASSERT(vcpu_run_ucall(v, &uc) == UCALL_SYNC, "sync");
		rec("guest debug register", "0x%lx", (unsigned long)uc.args[0]);
		TEST_ASSERT(uc.args[0] == want[i], "%s reads 0x%lx, want 0x%lx",
			    (const char *[]){ "DR0", "DR3", "DR6", "DR7" }[i],
			    (unsigned long)uc.args[0], (unsigned long)want[i]);
	}
	vcpu_run_expect_done(v);
	vm_free(vm);
	ksft_pass("MOV to and from DR0, DR3, DR6, DR7 in the guest");
}

static void test_state(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest(dev, 1, guest_state, &v);
	struct kvm_sregs s;
	struct ucall uc;
	int i;

	vcpu_sregs_get(v, &s);
	for (i = 0; i < 7; i++) {
		TEST_ASSERT(vcpu_run_ucall(v, &uc) == UCALL_SYNC, "sync");
		rec("guest state", "0x%lx", (unsigned long)uc.args[0]);
		switch (i) {
		case 0:
			TEST_ASSERT(uc.args[0] == s.cr0, "CR0 0x%lx, set 0x%llx",
				    (unsigned long)uc.args[0], s.cr0);
			break;
		case 1:
			TEST_ASSERT(uc.args[0] == s.cr4, "CR4 0x%lx, set 0x%llx",
				    (unsigned long)uc.args[0], s.cr4);
			break;
		case 2:
			TEST_ASSERT((uc.args[0] & (EFER_LME | EFER_LMA)) ==
				    (EFER_LME | EFER_LMA), "EFER 0x%lx",
				    (unsigned long)uc.args[0]);
			break;
		case 3:
			TEST_ASSERT(uc.args[0] == SEL_CODE64, "CS");
			break;
		case 5:
			TEST_ASSERT(uc.args[0] == (STACK_GPA >> 16), "RSP");
			break;
		}
	}
	vcpu_run_expect_done(v);
	vcpu_sregs_get(v, &s);
	rec_sregs("after run", &s);
	vm_free(vm);
	ksft_pass("the guest sees the long-mode CR0, CR4, EFER, CS it was given");
}

static uint64_t exc_count, exc_last;

static void ud_handler(struct ex_regs *r)
{
	exc_count++;
	exc_last = r->vector << 32 | r->error_code;
	r->rip += 2;		/* ud2 */
}

static void de_handler(struct ex_regs *r)
{
	exc_count++;
	exc_last = r->vector << 32 | r->error_code;
	r->rip += 3;		/* div %rcx */
	r->rax = 0xdead;
}

static void bp_handler(struct ex_regs *r)
{
	exc_count++;
	exc_last = r->vector << 32 | r->error_code;
	/* A trap: RIP is already past the int3. */
}

static void gp_handler(struct ex_regs *r)
{
	exc_count++;
	exc_last = r->vector << 32 | r->error_code;
	r->rip += 3;		/* mov %ax, %ds (8e d8) + nop */
}

static void guest_exceptions(uint64_t no_int3)
{
	uint64_t rax, rdx = 0;

	__asm__ volatile("ud2");
	GUEST_SYNC2(exc_count, exc_last);
	__asm__ volatile("xor %%ecx, %%ecx; mov $7, %%eax; div %%rcx"
			 : "=a"(rax), "+d"(rdx) : : "rcx");
	GUEST_ASSERT_EQ(rax, 0xdead);
	GUEST_SYNC2(exc_count, exc_last);
	if (no_int3)
		exc_count++, exc_last = 3ul << 32;
	else
		__asm__ volatile("int3");
	GUEST_SYNC2(exc_count, exc_last);
	/* Selector 0x4b: GDT entry 9 is all zeros: #GP(0x48). */
	__asm__ volatile("mov $0x4b, %%eax; mov %%ax, %%ds; nop" : : : "rax");
	GUEST_SYNC2(exc_count, exc_last);
}

static void test_exceptions(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest(dev, 1, guest_exceptions, &v);
	struct ucall uc;
	static const uint64_t want[][2] = {
		{ 1, 6ul << 32 }, { 2, 0ul << 32 }, { 3, 3ul << 32 },
		{ 4, 13ul << 32 | 0x48 },
	};
	unsigned int i;

	vm_install_exception_handler(vm, 6, ud_handler);
	vm_install_exception_handler(vm, 0, de_handler);
	vm_install_exception_handler(vm, 3, bp_handler);
	vm_install_exception_handler(vm, 13, gp_handler);
	/* kvm_pvm's emulator fails on int3 (KVM_EXIT_INTERNAL_ERROR). */
	vcpu_args_set(v, 1, (uint64_t)dev_is_pvm(dev));
	for (i = 0; i < 4; i++) {
		TEST_ASSERT(vcpu_run_ucall(v, &uc) == UCALL_SYNC, "sync");
		rec("exception", "count %lu vector %lu error 0x%lx",
		    (unsigned long)uc.args[0], (unsigned long)(uc.args[1] >> 32),
		    (unsigned long)(uint32_t)uc.args[1]);
		TEST_ASSERT(uc.args[0] == want[i][0] && uc.args[1] == want[i][1],
			    "exception %u: count %lu, vector/error 0x%lx", i,
			    (unsigned long)uc.args[0],
			    (unsigned long)uc.args[1]);
	}
	vcpu_run_expect_done(v);
	vm_free(vm);
	ksft_pass("#UD, #DE, #BP, #GP(sel) go to the guest's IDT handlers");
}

static void guest_pio(void)
{
	outb(0x10, 0x12);
	outw(0x12, 0x3456);
	outl(0x14, 0x789abcde);
	GUEST_SYNC(inb(0x20));
	GUEST_SYNC(inw(0x22));
	GUEST_SYNC(inl(0x24));
}

static void test_pio(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest(dev, 1, guest_pio, &v);
	struct kvm_run *run = v->run;
	static const struct {
		uint8_t dir, size;
		uint16_t port;
		uint32_t val;
	} want[] = {
		{ KVM_EXIT_IO_OUT, 1, 0x10, 0x12 },
		{ KVM_EXIT_IO_OUT, 2, 0x12, 0x3456 },
		{ KVM_EXIT_IO_OUT, 4, 0x14, 0x789abcde },
		{ KVM_EXIT_IO_IN, 1, 0x20, 0xa5 },
		{ KVM_EXIT_IO_IN, 2, 0x22, 0xb6c7 },
		{ KVM_EXIT_IO_IN, 4, 0x24, 0xd8e9fa0b },
	};
	unsigned int i;
	uint32_t val;

	for (i = 0; i < 6; i++) {
		vcpu_run(v);
		rec_exit("pio", v);
		vcpu_assert_exit(v, KVM_EXIT_IO);
		TEST_ASSERT(run->io.direction == want[i].dir &&
			    run->io.size == want[i].size &&
			    run->io.port == want[i].port && run->io.count == 1,
			    "PIO exit %u: dir %u size %u port 0x%x count %u", i,
			    run->io.direction, run->io.size, run->io.port,
			    run->io.count);
		if (want[i].dir == KVM_EXIT_IO_OUT) {
			val = 0;
			memcpy(&val, (char *)run + run->io.data_offset,
			       want[i].size);
			TEST_ASSERT(val == want[i].val, "OUT data 0x%x", val);
			continue;
		}
		memcpy((char *)run + run->io.data_offset, &want[i].val,
		       want[i].size);
		vcpu_run_expect_sync(v, want[i].val);
	}
	vcpu_run_expect_done(v);
	vm_free(vm);
	ksft_pass("port I/O of 1, 2 and 4 bytes from 64-bit code");
}

static void test_mmio(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest(dev, 1, NULL, &v);
	struct kvm_run *run = v->run;
	uint64_t val = 0x8877665544332211ul, got;
	unsigned int size;
	struct ucall uc;

	vcpu_memop_init(v);
	for (size = 1; size <= 8; size *= 2) {
		uint64_t gpa = MMIO_GPA + 0x10 * size;

		/* Write: the exit carries the bytes the guest wrote. */
		vcpu_memop_post(v, OP_WRITE, gpa, size, val);
		vcpu_run(v);
		rec_exit("mmio write", v);
		vcpu_assert_exit(v, KVM_EXIT_MMIO);
		TEST_ASSERT(run->mmio.phys_addr == gpa &&
			    run->mmio.len == size && run->mmio.is_write &&
			    !memcmp(run->mmio.data, &val, size),
			    "MMIO write exit: gpa 0x%llx len %u write %u",
			    run->mmio.phys_addr, run->mmio.len,
			    run->mmio.is_write);
		vcpu_run_expect_sync(v, 0);

		/* Read: the guest gets what userspace put in data. */
		vcpu_memop_post(v, OP_READ, gpa, size, 0);
		vcpu_run(v);
		rec_exit("mmio read", v);
		vcpu_assert_exit(v, KVM_EXIT_MMIO);
		TEST_ASSERT(run->mmio.phys_addr == gpa &&
			    run->mmio.len == size && !run->mmio.is_write,
			    "MMIO read exit: gpa 0x%llx len %u write %u",
			    run->mmio.phys_addr, run->mmio.len,
			    run->mmio.is_write);
		memcpy(run->mmio.data, "\xf1\xe2\xd3\xc4\xb5\xa6\x97\x88", 8);
		TEST_ASSERT(vcpu_run_ucall(v, &uc) == UCALL_SYNC, "sync");
		got = uc.args[0];
		rec("mmio read value", "0x%lx", (unsigned long)got);
		TEST_ASSERT(got == (0x8897a6b5c4d3e2f1ul &
				    (size == 8 ? ~0ul : (1ul << 8 * size) - 1)),
			    "MMIO read of %u bytes gave 0x%lx", size,
			    (unsigned long)got);
	}
	/* An access that crosses from RAM into MMIO is not tested here. */
	vm_free(vm);
	ksft_pass("MMIO of 1, 2, 4, 8 bytes outside every slot: exits, data");
}

static void run(struct test_dev *dev)
{
	test_arith(dev);
	test_state(dev);
	test_exceptions(dev);
	test_pio(dev);
	test_mmio(dev);
	test_debugregs(dev);
}

int main(void)
{
	return ksft_run_devices("long_mode", 6, run);
}
