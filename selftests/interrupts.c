// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupts from a userspace irqchip (no KVM_CREATE_IRQCHIP): kvm_run's
 * if_flag and ready_for_interrupt_injection, request_interrupt_window and
 * KVM_EXIT_IRQ_WINDOW_OPEN, KVM_INTERRUPT delivered through the guest's IDT
 * (the handler sees the vector) when the guest spins, halts or has just
 * re-enabled interrupts, never while IF=0; KVM_GET/SET_MP_STATE.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvm_util.h"

static volatile uint64_t irq_count, irq_vector;

static void irq_handler(struct ex_regs *r)
{
	irq_count++;
	irq_vector = r->vector;
}

static void guest_irq(void)
{
	int i;

	cli();
	GUEST_SYNC(1);
	/* The host asked for a window: it opens after the STI. */
	sti();
	while (!irq_count)
		;
	GUEST_SYNC2(irq_count, irq_vector);
	/* Halted with IF=1: HLT exit; the interrupt comes on the next run. */
	sti_hlt();
	GUEST_SYNC2(irq_count, irq_vector);
	/* IF=0: not ready for injection; a window request waits for STI. */
	cli();
	GUEST_SYNC(3);
	for (i = 0; i < 1000; i++)
		__asm__ volatile("nop");
	sti();
	while (irq_count < 3)
		;
	GUEST_SYNC2(irq_count, irq_vector);
}

static void rec_run_flags(const char *what, struct kvm_vcpu *v)
{
	rec(what, "exit %s if_flag %u ready %u",
	    exit_reason_name(v->run->exit_reason), v->run->if_flag,
	    v->run->ready_for_interrupt_injection);
}

static void inject(struct kvm_vcpu *v, uint32_t vec)
{
	struct kvm_interrupt irq = { .irq = vec };

	EXPECT_RET(ioctl(v->fd, KVM_INTERRUPT, &irq), 0);
}

static void expect_sync2(struct kvm_vcpu *v, uint64_t a, uint64_t b)
{
	struct ucall uc;

	TEST_ASSERT(vcpu_run_ucall(v, &uc) == UCALL_SYNC, "sync");
	rec_run_flags("sync2", v);
	TEST_ASSERT(uc.args[0] == a && uc.args[1] == b, "guest says %lu, 0x%lx;"
		    " expected %lu, 0x%lx", (unsigned long)uc.args[0],
		    (unsigned long)uc.args[1], (unsigned long)a,
		    (unsigned long)b);
}

static void test_window(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest(dev, 1, guest_irq, &v);
	struct kvm_run *run = v->run;
	struct kvm_interrupt bad = { .irq = 256 };

	vm_install_exception_handler(vm, 0x40, irq_handler);
	vm_install_exception_handler(vm, 0x41, irq_handler);
	vm_install_exception_handler(vm, 0x42, irq_handler);
	EXPECT_ERRNO(ioctl(v->fd, KVM_INTERRUPT, &bad), EINVAL);

	vcpu_run_expect_sync(v, 1);
	rec_run_flags("IF=0", v);
	TEST_ASSERT(!run->if_flag && !run->ready_for_interrupt_injection,
		    "IF=0: if_flag %u ready %u", run->if_flag,
		    run->ready_for_interrupt_injection);
	run->request_interrupt_window = 1;
	vcpu_run(v);
	rec_run_flags("window", v);
	vcpu_assert_exit(v, KVM_EXIT_IRQ_WINDOW_OPEN);
	TEST_ASSERT(run->if_flag && run->ready_for_interrupt_injection,
		    "window open: if_flag %u ready %u", run->if_flag,
		    run->ready_for_interrupt_injection);
	ksft_pass("request_interrupt_window: KVM_EXIT_IRQ_WINDOW_OPEN after STI");

	run->request_interrupt_window = 0;
	inject(v, 0x40);
	expect_sync2(v, 1, 0x40);
	ksft_pass("KVM_INTERRUPT reaches the guest's IDT handler with its vector");

	vcpu_run(v);
	rec_run_flags("hlt", v);
	vcpu_assert_exit(v, KVM_EXIT_HLT);
	TEST_ASSERT(run->if_flag, "HLT with IF=1: if_flag 0");
	inject(v, 0x41);
	expect_sync2(v, 2, 0x41);

	/*
	 * Not KVM_INTERRUPT now: with IF=0 userspace must wait (kvm_intel
	 * injects anyway and the VM entry fails: SDM 26.2.1.3, IF must be 1
	 * for an external interrupt).
	 */
	vcpu_run_expect_sync(v, 3);
	rec_run_flags("IF=0 again", v);
	TEST_ASSERT(!run->ready_for_interrupt_injection && !run->if_flag,
		    "ready %u if_flag %u with IF=0",
		    run->ready_for_interrupt_injection, run->if_flag);
	run->request_interrupt_window = 1;
	vcpu_run(v);
	rec_run_flags("window after the loop", v);
	vcpu_assert_exit(v, KVM_EXIT_IRQ_WINDOW_OPEN);
	run->request_interrupt_window = 0;
	inject(v, 0x42);
	expect_sync2(v, 3, 0x42);
	vcpu_run_expect_done(v);
	vm_free(vm);
	ksft_pass("an interrupt wakes HLT; after CLI, the window waits for STI");
}

static void test_mp_state(struct test_dev *dev)
{
	struct kvm_vm *vm = vm_create_bare(dev);
	struct kvm_vcpu *v0 = vm_vcpu_add(vm, 0), *v1 = vm_vcpu_add(vm, 1);
	struct kvm_mp_state mp;

	EXPECT_RET(ioctl(v0->fd, KVM_GET_MP_STATE, &mp), 0);
	EXPECT_RET(mp.mp_state, KVM_MP_STATE_RUNNABLE);
	/* Without an in-kernel irqchip every vCPU starts runnable. */
	EXPECT_RET(ioctl(v1->fd, KVM_GET_MP_STATE, &mp), 0);
	REC(mp.mp_state);
	mp.mp_state = KVM_MP_STATE_RUNNABLE;
	EXPECT_RET(ioctl(v0->fd, KVM_SET_MP_STATE, &mp), 0);
	/* Other states need a local APIC in the kernel (KVM: EINVAL). */
	mp.mp_state = KVM_MP_STATE_HALTED;
	REC(ioctl(v0->fd, KVM_SET_MP_STATE, &mp));
	mp.mp_state = KVM_MP_STATE_UNINITIALIZED;
	REC(ioctl(v1->fd, KVM_SET_MP_STATE, &mp));
	mp.mp_state = 1000;
	EXPECT_ERRNO(ioctl(v0->fd, KVM_SET_MP_STATE, &mp), EINVAL);
	EXPECT_RET(ioctl(v0->fd, KVM_GET_MP_STATE, &mp), 0);
	EXPECT_RET(mp.mp_state, KVM_MP_STATE_RUNNABLE);
	vm_free(vm);
	ksft_pass("KVM_GET/SET_MP_STATE");
}

static void run(struct test_dev *dev)
{
	test_window(dev);
	test_mp_state(dev);
}

int main(void)
{
	return ksft_run_devices("interrupts", 4, run);
}
