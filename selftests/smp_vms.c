// SPDX-License-Identifier: GPL-2.0
/*
 * More than one of everything: vCPUs of one VM running at the same time,
 * each from its own thread, and sharing memory with locked instructions;
 * several VMs alive and running at once; VM and vCPU fds used from another
 * process (EIO); and a vCPU thread that moves between CPUs between runs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kvm_util.h"

#define NR_SMP_VCPUS	3
#define ITERS		20000
#define NR_VMS		3

static volatile uint64_t shared_counter;
static volatile uint64_t per_vcpu[MAX_VCPUS];

static uint64_t guest_sum(uint64_t seed, int n)
{
	uint64_t x = seed;

	while (n--)
		x = x * 6364136223846793005ul + 1442695040888963407ul;
	return x;
}

static void guest_smp(uint64_t id, uint64_t iters)
{
	uint64_t i;

	GUEST_SYNC(id);
	for (i = 0; i < iters; i++)
		__atomic_fetch_add(&shared_counter, 1, __ATOMIC_SEQ_CST);
	per_vcpu[id] = guest_sum(id, 1000);
	GUEST_SYNC(1000 + id);
}

static void *vcpu_thread(void *arg)
{
	struct kvm_vcpu *v = arg;

	vcpu_run_expect_sync(v, v->id);
	vcpu_run_expect_sync(v, 1000 + v->id);
	vcpu_run_expect_done(v);
	return NULL;
}

static void test_smp(struct test_dev *dev)
{
	struct kvm_vcpu *v[NR_SMP_VCPUS];
	struct kvm_vm *vm = vm_create_guest(dev, NR_SMP_VCPUS, guest_smp, v);
	pthread_t t[NR_SMP_VCPUS];
	int i;

	for (i = 0; i < NR_SMP_VCPUS; i++) {
		vcpu_args_set(v[i], 2, (uint64_t)i, (uint64_t)ITERS);
		TEST_ASSERT(!pthread_create(&t[i], NULL, vcpu_thread, v[i]),
			    "pthread_create");
	}
	for (i = 0; i < NR_SMP_VCPUS; i++)
		pthread_join(t[i], NULL);
	rec("shared counter", "%lu",
	    (unsigned long)GUEST_VAR(vm, shared_counter));
	TEST_ASSERT(GUEST_VAR(vm, shared_counter) ==
		    (uint64_t)NR_SMP_VCPUS * ITERS, "shared counter %lu",
		    (unsigned long)GUEST_VAR(vm, shared_counter));
	for (i = 0; i < NR_SMP_VCPUS; i++)
		TEST_ASSERT(GUEST_VAR(vm, per_vcpu)[i] == guest_sum(i, 1000),
			    "vCPU %d's result", i);
	vm_free(vm);
	ksft_pass("%d vCPUs run from their own threads; locked adds add up",
		  NR_SMP_VCPUS);
}

static void *vm_thread(void *arg)
{
	struct kvm_vcpu *v = arg;

	vcpu_run_expect_sync(v, 0);
	vcpu_run_expect_sync(v, 1000);
	vcpu_run_expect_done(v);
	return NULL;
}

static void test_vms(struct test_dev *dev)
{
	struct kvm_vcpu *v[NR_VMS];
	struct kvm_vm *vm[NR_VMS];
	pthread_t t[NR_VMS];
	int i;

	for (i = 0; i < NR_VMS; i++) {
		vm[i] = vm_create_guest(dev, 1, guest_smp, &v[i]);
		/* Same guest addresses, separate memory. */
		GUEST_VAR(vm[i], shared_counter) = 1000 * (i + 1);
		vcpu_args_set(v[i], 2, 0ul, (uint64_t)(i + 1) * 100);
	}
	vcpu_dump_on_failure(NULL);
	/* Interleaved from this thread... */
	for (i = 0; i < NR_VMS; i++)
		vcpu_run_expect_sync(v[i], 0);
	for (i = 0; i < NR_VMS; i++)
		vcpu_run_expect_sync(v[i], 1000);
	for (i = 0; i < NR_VMS; i++) {
		vcpu_run_expect_done(v[i]);
		TEST_ASSERT(GUEST_VAR(vm[i], shared_counter) ==
			    1000ul * (i + 1) + (i + 1) * 100ul,
			    "VM %d: counter %lu", i,
			    (unsigned long)GUEST_VAR(vm[i], shared_counter));
	}
	for (i = 0; i < NR_VMS; i++)
		vm_free(vm[i]);
	/* ... and at the same time from threads. */
	for (i = 0; i < NR_VMS; i++) {
		vm[i] = vm_create_guest(dev, 1, guest_smp, &v[i]);
		vcpu_args_set(v[i], 2, 0ul, (uint64_t)ITERS);
	}
	vcpu_dump_on_failure(NULL);
	for (i = 0; i < NR_VMS; i++)
		TEST_ASSERT(!pthread_create(&t[i], NULL, vm_thread, v[i]),
			    "pthread_create");
	for (i = 0; i < NR_VMS; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < NR_VMS; i++) {
		TEST_ASSERT(GUEST_VAR(vm[i], shared_counter) == ITERS,
			    "VM %d: counter %lu", i,
			    (unsigned long)GUEST_VAR(vm[i], shared_counter));
		vm_free(vm[i]);
	}
	ksft_pass("%d VMs at once, interleaved and from threads", NR_VMS);
}

static void test_other_process(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest(dev, 1, guest_smp, &v);
	struct kvm_regs regs;
	int status, fd[2];
	long res[5];
	pid_t pid;

	vcpu_args_set(v, 2, 0ul, 10ul);
	vcpu_run_expect_sync(v, 0);
	TEST_ASSERT(!pipe(fd), "pipe");
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (pid == 0) {
		res[0] = ioctl(v->fd, KVM_RUN, 0) ? -errno : 0;
		res[1] = ioctl(v->fd, KVM_GET_REGS, &regs) ? -errno : 0;
		res[2] = ioctl(vm->fd, KVM_CREATE_VCPU, 1) < 0 ? -errno : 0;
		res[3] = __vm_set_region(vm, 5, 0, 0x80000000ul, 0x1000,
					 addr_gpa2hva(vm, 0));
		res[4] = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
		_exit(write(fd[1], res, sizeof(res)) == sizeof(res) ? 0 : 1);
	}
	TEST_ASSERT(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		    !WEXITSTATUS(status), "child");
	TEST_ASSERT(read(fd[0], res, sizeof(res)) == sizeof(res), "read");
	close(fd[0]);
	close(fd[1]);
	rec("child: KVM_RUN", "%s", ret_name(res[0]));
	rec("child: KVM_GET_REGS", "%s", ret_name(res[1]));
	rec("child: KVM_CREATE_VCPU", "%s", ret_name(res[2]));
	rec("child: KVM_SET_USER_MEMORY_REGION", "%s", ret_name(res[3]));
	rec("child: KVM_GET_API_VERSION", "%s", ret_name(res[4]));
	TEST_ASSERT(res[0] == -EIO && res[1] == -EIO && res[2] == -EIO &&
		    res[3] == -EIO, "from a child: RUN %s GET_REGS %s "
		    "CREATE_VCPU %s", ret_name(res[0]), ret_name(res[1]),
		    ret_name(res[2]));
	TEST_ASSERT(res[4] == 12, "the device fd is anyone's");
	/* The owner carries on. */
	vcpu_run_expect_sync(v, 1000);
	vcpu_run_expect_done(v);
	vm_free(vm);
	ksft_pass("VM and vCPU fds from another process: EIO");
}

static void guest_count(void)
{
	uint64_t i, x = 1;

	for (i = 0; i < 40; i++) {
		x = x * 3 + i;
		GUEST_SYNC2(i, x);
	}
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	TEST_ASSERT(!sched_setaffinity(0, sizeof(set), &set),
		    "sched_setaffinity(%d): %s", cpu, strerror(errno));
}

static void test_migrate(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm;
	struct ucall uc;
	uint64_t i, x = 1;

	if (online_cpus() < 2) {
		ksft_skip("one CPU online: nowhere to move to");
		return;
	}
	vm = vm_create_guest(dev, 1, guest_count, &v);
	for (i = 0; i < 40; i++) {
		pin(i & 1);
		TEST_ASSERT(sched_getcpu() == (int)(i & 1), "not on CPU %d",
			    (int)(i & 1));
		x = x * 3 + i;
		TEST_ASSERT(vcpu_run_ucall(v, &uc) == UCALL_SYNC &&
			    uc.args[0] == i && uc.args[1] == x,
			    "run %lu on CPU %lu: %lu 0x%lx", (unsigned long)i,
			    (unsigned long)(i & 1), (unsigned long)uc.args[0],
			    (unsigned long)uc.args[1]);
	}
	vcpu_run_expect_done(v);
	vm_free(vm);
	ksft_pass("a vCPU thread moved between CPU 0 and 1 keeps running");
}

static void run(struct test_dev *dev)
{
	test_smp(dev);
	test_vms(dev);
	test_other_process(dev);
	test_migrate(dev);
}

int main(void)
{
	return ksft_run_devices("smp_vms", 4, run);
}
