// SPDX-License-Identifier: GPL-2.0
/*
 * Ways out of KVM_RUN other than the guest asking: a triple fault
 * (KVM_EXIT_SHUTDOWN), a VM entry that fails on a guest state KVM_SET_SREGS
 * accepted (KVM_EXIT_FAIL_ENTRY), a signal to the vCPU thread while the guest
 * spins (-EINTR, KVM_EXIT_INTR), kvm_run.immediate_exit, and a guest that
 * spins forever on the same CPU as another host thread, which must still
 * get to run.  Spinning guests run with IF=1 (see TESTVM.md on Bochs).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <asm/ldt.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "kvm_util.h"

static volatile uint64_t spin_stop, spin_count;

static void guest_spin(void)
{
	sti();
	while (!spin_stop)
		spin_count++;
}

/* The same with interrupts off: no guest interrupt can stop it. */
static void guest_spin_cli(void)
{
	cli();
	while (!spin_stop)
		spin_count++;
	sti();
}

extern const char ud2_code[];
__asm__(".pushsection .text\n"
	"ud2_code: ud2\n"
	".popsection\n");

static void test_triple_fault(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest(dev, 1, NULL, &v);
	struct kvm_sregs s;

	vcpu_setup_long_mode(v, (uintptr_t)ud2_code);
	vcpu_sregs_get(v, &s);
	s.idt.limit = 0;	/* #UD -> #GP -> #DF -> shutdown */
	vcpu_sregs_set(v, &s);
	vcpu_run(v);
	rec_exit("triple fault", v);
	vcpu_assert_exit(v, KVM_EXIT_SHUTDOWN);
	vm_free(vm);
	ksft_pass("a triple fault is KVM_EXIT_SHUTDOWN");
}

static void guest_nothing(void)
{
}

static void guest_sync_twice(void)
{
	GUEST_SYNC(1);
	GUEST_SYNC(2);
}

/*
 * A VMRESUME that fails on bad guest state leaves the VMCS launched (SDM
 * Vol. 3C 27.8): once userspace repairs the state, the vCPU runs on.  A
 * hypervisor that took it for unlaunched would VMLAUNCH it and fail
 * forever.
 */
static void test_fail_resume(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest(dev, 1, guest_sync_twice, &v);
	struct kvm_sregs good, bad;
	int i, r;

	vcpu_run_expect_sync(v, 1);	/* launched */
	vcpu_sregs_get(v, &good);
	bad = good;
	bad.tr.type = 9;
	vcpu_sregs_set(v, &bad);
	if (dev_is_pvm(dev)) {
		vm_free(vm);
		ksft_skip("kvm_pvm has no VM-entry checks to fail");
		return;
	}
	for (i = 0; i < 2; i++) {
		r = __vcpu_run(v);
		TEST_ASSERT(!r, "KVM_RUN %s", ret_name(r));
		vcpu_assert_exit(v, KVM_EXIT_FAIL_ENTRY);
		rec("failed VMRESUME", "0x%llx",
		    v->run->fail_entry.hardware_entry_failure_reason);
		TEST_ASSERT((v->run->fail_entry.hardware_entry_failure_reason &
			     0xffff) == 33, "reason 0x%llx",
			    v->run->fail_entry.hardware_entry_failure_reason);
	}
	vcpu_sregs_set(v, &good);
	vcpu_run_expect_sync(v, 2);
	vcpu_run_expect_done(v);
	vm_free(vm);
	ksft_pass("after a failed VMRESUME and repaired state, the vCPU runs "
		  "on");
}

static sigjmp_buf ldt_jmp;

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(ldt_jmp, 1);
}

/*
 * A VM exit leaves LDTR unusable (SDM Vol. 3C 28.5.2).  A VMM thread that
 * has an LDT of its own (modify_ldt(2): Wine, DOSEMU, 16-bit code) must
 * find it loaded again when KVM_RUN returns: a selector into it loads.
 */
static void test_host_ldt(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest(dev, 1, guest_sync_twice, &v);
	struct user_desc d = {
		.entry_number = 0, .base_addr = 0, .limit = 0xfffff,
		.seg_32bit = 1, .contents = 0, .limit_in_pages = 1,
		.useable = 1,
	};
	struct sigaction sa, old;
	uint16_t ldtr0, ldtr1, gs0;
	int loaded;

	TEST_ASSERT(!syscall(SYS_modify_ldt, 1, &d, sizeof(d)),
		    "modify_ldt: %s", strerror(errno));
	__asm__ volatile("sldt %0" : "=r"(ldtr0));
	vcpu_run_expect_sync(v, 1);
	__asm__ volatile("sldt %0" : "=r"(ldtr1));

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_segv;
	TEST_ASSERT(!sigaction(SIGSEGV, &sa, &old), "sigaction");
	/* GS: userspace does not use it (FS holds the thread's TLS). */
	__asm__ volatile("mov %%gs, %0" : "=r"(gs0));
	loaded = 0;
	if (!sigsetjmp(ldt_jmp, 1)) {
		/* Selector 7: LDT entry 0, RPL 3.  Then GS back as it was. */
		__asm__ volatile("mov %0, %%gs; mov %1, %%gs"
				 : : "r"(7), "r"(gs0));
		loaded = 1;
	}
	sigaction(SIGSEGV, &old, NULL);
	printf("# %s: LDTR 0x%x before KVM_RUN, 0x%x after; LDT selector "
	       "%s\n", dev->name, ldtr0, ldtr1, loaded ? "loads" : "faults");
	rec("LDT usable after KVM_RUN", "%d", loaded);
	TEST_ASSERT(ldtr1 == ldtr0, "LDTR 0x%x before KVM_RUN, 0x%x after",
		    ldtr0, ldtr1);
	TEST_ASSERT(loaded, "the thread's LDT is gone after KVM_RUN");
	vcpu_run_expect_sync(v, 2);
	vcpu_run_expect_done(v);
	vm_free(vm);
	ksft_pass("the VMM thread's LDT is loaded again after KVM_RUN");
}

static void test_fail_entry(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest(dev, 1, guest_nothing, &v);
	struct kvm_sregs s;
	long r;

	/*
	 * SDM 27.3.1.2: in IA-32e mode TR must be a busy 64-bit TSS (type
	 * 11); an available one (type 9) fails VM entry.  KVM does not check
	 * it at KVM_SET_SREGS.
	 */
	vcpu_sregs_get(v, &s);
	s.tr.type = 9;
	r = rec_ret("SET_SREGS with an available TSS", ioctl(v->fd,
							    KVM_SET_SREGS, &s));
	if (r) {
		printf("# %s: KVM_SET_SREGS refused it: %s\n", dev->name,
		       ret_name(r));
		vm_free(vm);
		ksft_pass("an invalid TR type is refused at KVM_SET_SREGS");
		return;
	}
	r = __vcpu_run(v);
	rec("KVM_RUN", "%s", ret_name(r));
	rec_exit("invalid TR type", v);
	printf("# %s: KVM_RUN %s, exit %s, hardware_entry_failure_reason "
	       "0x%llx\n", dev->name, ret_name(r),
	       exit_reason_name(v->run->exit_reason),
	       v->run->fail_entry.hardware_entry_failure_reason);
	if (dev_is_pvm(dev)) {
		/* Not VMX: no such check. */
		vm_free(vm);
		ksft_skip("kvm_pvm has no VM-entry checks to fail");
		return;
	}
	TEST_ASSERT(!r, "KVM_RUN %s", ret_name(r));
	vcpu_assert_exit(v, KVM_EXIT_FAIL_ENTRY);
	/* Basic exit reason 33: VM-entry failure, invalid guest state. */
	rec("hardware_entry_failure_reason", "0x%llx",
	    v->run->fail_entry.hardware_entry_failure_reason);
	TEST_ASSERT((v->run->fail_entry.hardware_entry_failure_reason &
		     0xffff) == 33, "reason 0x%llx",
		    v->run->fail_entry.hardware_entry_failure_reason);
	vm_free(vm);
	ksft_pass("an invalid TR type is KVM_EXIT_FAIL_ENTRY (reason 33)");
}

static volatile sig_atomic_t signals;

static void on_alarm(int sig)
{
	(void)sig;
	signals++;
}

static void arm_timer(long ms)
{
	struct itimerval it = { .it_value = { ms / 1000, ms % 1000 * 1000 } };

	TEST_ASSERT(!setitimer(ITIMER_REAL, &it, NULL), "setitimer");
}

static void catch_alarm(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: KVM_RUN ends */
	TEST_ASSERT(!sigaction(SIGALRM, &sa, NULL), "sigaction");
}

static void test_signal(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest(dev, 1, guest_spin, &v);
	uint64_t count1, count2;
	int r, i;

	catch_alarm();
	for (i = 0; i < 2; i++) {
		arm_timer(100);
		r = __vcpu_run(v);
		rec("KVM_RUN with a signal", "%s exit %s", ret_name(r),
		    exit_reason_name(v->run->exit_reason));
		TEST_ASSERT(r == -EINTR, "KVM_RUN: %s (exit %s)", ret_name(r),
			    exit_reason_name(v->run->exit_reason));
		vcpu_assert_exit(v, KVM_EXIT_INTR);
		TEST_ASSERT(signals == i + 1, "%d signals", (int)signals);
	}
	count1 = GUEST_VAR(vm, spin_count);
	TEST_ASSERT(count1 > 0, "the guest did not spin");
	/* It goes on where it was. */
	arm_timer(50);
	TEST_ASSERT(__vcpu_run(v) == -EINTR, "third run");
	count2 = GUEST_VAR(vm, spin_count);
	TEST_ASSERT(count2 > count1, "no progress: %lu, %lu",
		    (unsigned long)count1, (unsigned long)count2);
	GUEST_VAR(vm, spin_stop) = 1;
	vcpu_run_expect_done(v);
	vm_free(vm);
	ksft_pass("a signal ends KVM_RUN of a spinning guest: EINTR, "
		  "KVM_EXIT_INTR");
}

static void test_immediate_exit(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest(dev, 1, guest_spin, &v);
	struct kvm_regs r0, r1;
	int r;

	vcpu_regs_get(v, &r0);
	v->run->immediate_exit = 1;
	r = __vcpu_run(v);
	rec("immediate_exit", "%s exit %s", ret_name(r),
	    exit_reason_name(v->run->exit_reason));
	/* exit_reason: KVM leaves whatever was there (here: none yet). */
	TEST_ASSERT(r == -EINTR, "KVM_RUN: %s", ret_name(r));
	vcpu_regs_get(v, &r1);
	TEST_ASSERT(r1.rip == r0.rip && !GUEST_VAR(vm, spin_count),
		    "the guest ran: rip 0x%llx -> 0x%llx", r0.rip, r1.rip);
	/* Twice: it stays set until userspace clears it. */
	TEST_ASSERT(__vcpu_run(v) == -EINTR, "second immediate exit");
	v->run->immediate_exit = 0;
	GUEST_VAR(vm, spin_stop) = 1;
	vcpu_run_expect_done(v);
	vm_free(vm);
	ksft_pass("immediate_exit = 1: KVM_RUN is EINTR without entering");
}

static void no_stall(struct test_dev *dev, void (*guest)(void))
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest(dev, 1, guest, &v);
	struct busy_thread other;
	uint64_t before;
	int r;

	/* The vCPU thread and a busy host thread share CPU 0. */
	pin_to(0);
	catch_alarm();
	busy_thread_start(&other, 0);
	before = other.count;
	arm_timer(400);
	r = __vcpu_run(v);
	TEST_ASSERT(r == -EINTR, "KVM_RUN %s", ret_name(r));
	printf("# %s: the other thread counted %lu while the guest spun %lu\n",
	       dev->name, (unsigned long)(other.count - before),
	       (unsigned long)GUEST_VAR(vm, spin_count));
	TEST_ASSERT(other.count - before > 1000,
		    "the host thread sharing the CPU made no progress");
	TEST_ASSERT(GUEST_VAR(vm, spin_count) > 1000, "the guest did not run");
	busy_thread_stop(&other);
	GUEST_VAR(vm, spin_stop) = 1;
	vcpu_run_expect_done(v);
	vm_free(vm);
}

static void test_no_stall(struct test_dev *dev)
{
	no_stall(dev, guest_spin);
	ksft_pass("a guest spinning forever leaves a host thread on its CPU "
		  "time to run");
}

/*
 * With RFLAGS.IF=0 in the guest, Bochs turns no host interrupt into a VM
 * exit (shared/TESTVM.md): only a hypervisor that arms the VMX-preemption
 * timer as a backstop keeps its CPU.  kvm_intel does not, and would stall
 * the test machine's CPU, so this runs on ember only.
 */
static void test_no_stall_cli(struct test_dev *dev)
{
	if (dev_is_kvm(dev)) {
		ksft_skip("a guest spinning with IF=0 stalls kvm_intel's CPU under Bochs");
		return;
	}
	no_stall(dev, guest_spin_cli);
	ksft_pass("a guest spinning with interrupts off still leaves a host "
		  "thread on its CPU time to run, and a signal ends KVM_RUN");
}

static void run(struct test_dev *dev)
{
	test_triple_fault(dev);
	test_fail_entry(dev);
	test_fail_resume(dev);
	test_host_ldt(dev);
	test_signal(dev);
	test_immediate_exit(dev);
	test_no_stall(dev);
	test_no_stall_cli(dev);
}

int main(void)
{
	return ksft_run_devices("exits", 8, run);
}
