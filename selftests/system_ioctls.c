// SPDX-License-Identifier: GPL-2.0
/*
 * The system and VM ioctls a VMM calls before it runs anything:
 * KVM_GET_VCPU_MMAP_SIZE, KVM_GET_SUPPORTED_CPUID and KVM_GET_MSR_INDEX_LIST
 * with their E2BIG probes, the capabilities a guest-running device must
 * claim, KVM_CREATE_VCPU's id checks, KVM_SET_TSS_ADDR and
 * KVM_SET_IDENTITY_MAP_ADDR, KVM_GET_CLOCK and KVM_SET_CLOCK (QEMU's
 * kvmclock device calls them whenever a machine is created or starts),
 * KVM_SET_VAPIC_ADDR and KVM_TPR_ACCESS_REPORTING turned off (QEMU does
 * at each reset).  Counts that may legitimately differ (how many
 * CPUID leaves or MSRs) are printed, not compared; the protocol is.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kvm_util.h"

static void test_mmap_size(struct test_dev *dev)
{
	struct kvm_vm *vm = vm_create_bare(dev);
	long sz = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	struct kvm_vcpu *v;
	void *p;

	printf("# %s: KVM_GET_VCPU_MMAP_SIZE = %ld\n", dev->name, sz);
	rec("mmap size >= 2 pages, page multiple", "%d",
	    sz >= 2 * (long)PAGE_SIZE && sz % PAGE_SIZE == 0);
	TEST_ASSERT(sz >= 2 * (long)PAGE_SIZE && sz % PAGE_SIZE == 0,
		    "KVM_GET_VCPU_MMAP_SIZE %ld", sz);
	/* A VM fd answers it too; an argument is not allowed. */
	REC(ioctl(vm->fd, KVM_GET_VCPU_MMAP_SIZE, 0) == sz);
	REC(ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 1));
	v = vm_vcpu_add(vm, 0);
	/* The pio data page is inside it; mapping more than it fails. */
	p = mmap(NULL, sz + PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 v->fd, 0);
	rec("mmap size + 1 page", "%s", p == MAP_FAILED ? strerrorname(errno)
							: "mapped");
	if (p != MAP_FAILED)
		munmap(p, sz + PAGE_SIZE);
	/* Offset 0 is kvm_run: a fresh vCPU has no exit reason yet. */
	EXPECT_RET(v->run->exit_reason, 0);
	vm_free(vm);
	ksft_pass("KVM_GET_VCPU_MMAP_SIZE: %ld, and mmap of the vCPU fd", sz);
}

static struct kvm_cpuid2 *cpuid_alloc(int n)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) +
				      n * sizeof(struct kvm_cpuid_entry2));

	TEST_ASSERT(c, "calloc");
	c->nent = n;
	return c;
}

static void test_supported_cpuid(struct test_dev *dev)
{
	int fd = open(dev->path, O_RDWR | O_CLOEXEC);
	struct kvm_cpuid2 *c = cpuid_alloc(256);
	struct kvm_cpuid_entry2 *e;
	uint32_t n, i;

	TEST_ASSERT(fd >= 0, "open");
	/* Too small: E2BIG, nent left as it was. */
	c->nent = 1;
	EXPECT_ERRNO(ioctl(fd, KVM_GET_SUPPORTED_CPUID, c), E2BIG);
	EXPECT_RET(c->nent, 1);
	c->nent = 0;
	EXPECT_ERRNO(ioctl(fd, KVM_GET_SUPPORTED_CPUID, c), E2BIG);

	c->nent = 256;
	EXPECT_RET(ioctl(fd, KVM_GET_SUPPORTED_CPUID, c), 0);
	n = c->nent;
	printf("# %s: %u CPUID entries\n", dev->name, n);
	TEST_ASSERT(n > 2 && n < 256, "nent %u", n);
	e = cpuid_find(c, 0, 0);
	TEST_ASSERT(e && e->eax >= 1, "no leaf 0");
	e = cpuid_find(c, 0x80000000, 0);
	TEST_ASSERT(e && e->eax >= 0x80000001, "no leaf 0x80000000");
	e = cpuid_find(c, 0x80000001, 0);
	rec("leaf 0x80000001 LM", "%d", e && (e->edx >> 29 & 1));
	TEST_ASSERT(e && (e->edx >> 29 & 1), "long mode not supported");
	for (i = 0; i < n; i++)
		TEST_ASSERT(!c->entries[i].padding[0] &&
			    !(c->entries[i].flags &
			      ~(uint32_t)KVM_CPUID_FLAG_SIGNIFCANT_INDEX),
			    "entry %u: flags 0x%x", i, c->entries[i].flags);

	/* Exactly enough works; one fewer is E2BIG. */
	c->nent = n;
	EXPECT_RET(ioctl(fd, KVM_GET_SUPPORTED_CPUID, c), 0);
	rec("nent with exactly enough", "%d", c->nent == n);
	c->nent = n - 1;
	EXPECT_ERRNO(ioctl(fd, KVM_GET_SUPPORTED_CPUID, c), E2BIG);
	/* A bad pointer. */
	EXPECT_ERRNO(ioctl(fd, KVM_GET_SUPPORTED_CPUID, NULL), EFAULT);
	free(c);
	close(fd);
	ksft_pass("KVM_GET_SUPPORTED_CPUID: E2BIG probes, %u entries", n);
}

static void test_msr_index_list(struct test_dev *dev)
{
	static const uint32_t want[] = {
		MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK,
		MSR_KERNEL_GS_BASE, MSR_TSC_AUX, MSR_IA32_TSC,
		MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP,
		MSR_IA32_SYSENTER_EIP, MSR_IA32_MISC_ENABLE, MSR_IA32_CR_PAT,
		MSR_EFER, MSR_FS_BASE, MSR_GS_BASE,
	};
	int fd = open(dev->path, O_RDWR | O_CLOEXEC);
	struct kvm_msr_list probe = { .nmsrs = 0 }, *list;
	uint32_t n, i, j;

	TEST_ASSERT(fd >= 0, "open");
	/* nmsrs too small: E2BIG, with nmsrs set to what is needed. */
	EXPECT_ERRNO(ioctl(fd, KVM_GET_MSR_INDEX_LIST, &probe), E2BIG);
	n = probe.nmsrs;
	printf("# %s: %u MSRs in KVM_GET_MSR_INDEX_LIST\n", dev->name, n);
	TEST_ASSERT(n > 10 && n < 4096, "nmsrs %u", n);
	list = calloc(1, sizeof(*list) + (n + 8) * sizeof(uint32_t));
	TEST_ASSERT(list, "calloc");
	list->nmsrs = n - 1;
	EXPECT_ERRNO(ioctl(fd, KVM_GET_MSR_INDEX_LIST, list), E2BIG);
	rec("nmsrs after E2BIG", "%d", list->nmsrs == n);
	list->nmsrs = n + 8;
	EXPECT_RET(ioctl(fd, KVM_GET_MSR_INDEX_LIST, list), 0);
	rec("nmsrs after success", "%d", list->nmsrs == n);
	TEST_ASSERT(list->nmsrs == n, "nmsrs %u, probe said %u", list->nmsrs,
		    n);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		for (j = 0; j < n && list->indices[j] != want[i]; j++)
			;
		rec("MSR listed", "0x%x %s", want[i], j < n ? "yes" : "no");
	}
	EXPECT_ERRNO(ioctl(fd, KVM_GET_MSR_INDEX_LIST, NULL), EFAULT);
	free(list);
	close(fd);
	ksft_pass("KVM_GET_MSR_INDEX_LIST: E2BIG probe, %u MSRs", n);
}

static void test_extensions(struct test_dev *dev)
{
	static const struct {
		long cap;
		const char *name;
	} caps[] = {
#define CAP(c)	{ c, #c }
		CAP(KVM_CAP_USER_MEMORY), CAP(KVM_CAP_NR_VCPUS),
		CAP(KVM_CAP_MAX_VCPUS), CAP(KVM_CAP_NR_MEMSLOTS),
		CAP(KVM_CAP_SET_TSS_ADDR), CAP(KVM_CAP_EXT_CPUID),
		CAP(KVM_CAP_IMMEDIATE_EXIT), CAP(KVM_CAP_READONLY_MEM),
		CAP(KVM_CAP_SET_IDENTITY_MAP_ADDR), CAP(KVM_CAP_MP_STATE),
#undef CAP
	};
	int fd = open(dev->path, O_RDWR | O_CLOEXEC);
	long r, nr, max;
	unsigned int i;

	TEST_ASSERT(fd >= 0, "open");
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		r = ioctl(fd, KVM_CHECK_EXTENSION, caps[i].cap);
		rec(caps[i].name, "%s", r > 0 ? "yes" : ret_name(r));
		TEST_ASSERT(r > 0, "%s: %ld", caps[i].name, r);
	}
	nr = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	max = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	printf("# %s: NR_VCPUS %ld MAX_VCPUS %ld NR_MEMSLOTS %d\n", dev->name,
	       nr, max, ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS));
	TEST_ASSERT(nr <= max && nr >= 2, "NR_VCPUS %ld > MAX_VCPUS %ld", nr,
		    max);
	close(fd);
	ksft_pass("KVM_CHECK_EXTENSION: the capabilities of a guest runner");
}

static void test_create_vcpu(struct test_dev *dev)
{
	struct kvm_vm *vm = vm_create_bare(dev);
	int a, b;

	EXPECT_RET(__vm_create_vcpu(vm, -1), -EINVAL);
	EXPECT_RET(__vm_create_vcpu(vm, 0x7fffffff), -EINVAL);
	REC(__vm_create_vcpu(vm, ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION,
					KVM_CAP_MAX_VCPU_ID)));
	a = __vm_create_vcpu(vm, 0);
	TEST_ASSERT(a >= 0, "vCPU 0: %s", ret_name(a));
	TEST_ASSERT(fcntl(a, F_GETFD) & FD_CLOEXEC, "vCPU fd not O_CLOEXEC");
	EXPECT_RET(__vm_create_vcpu(vm, 0), -EEXIST);
	/* Linux 6.1 truncates the id to 32 bits (vCPU 0: EEXIST); later
	 * kernels say EINVAL. */
	REC(__vm_create_vcpu(vm, 1l << 32));
	/* Ids need not be dense. */
	b = __vm_create_vcpu(vm, 3);
	TEST_ASSERT(b >= 0, "vCPU 3: %s", ret_name(b));
	EXPECT_RET(__vm_create_vcpu(vm, 3), -EEXIST);
	/* A vCPU fd is not a VM fd; closing one vCPU frees nothing else. */
	REC(ioctl(a, KVM_CREATE_VCPU, 1));
	close(a);
	EXPECT_RET(__vm_create_vcpu(vm, 0), -EEXIST);
	close(b);
	vm_free(vm);
	ksft_pass("KVM_CREATE_VCPU: bad and duplicate ids");
}

static void test_tss_identity(struct test_dev *dev)
{
	struct kvm_vm *vm = vm_create_bare(dev);
	uint64_t ident = 0xfffbc000;
	struct kvm_vcpu *v;

	EXPECT_RET(ioctl(vm->fd, KVM_SET_TSS_ADDR, 0xfffbd000ul), 0);
	EXPECT_RET(ioctl(vm->fd, KVM_SET_IDENTITY_MAP_ADDR, &ident), 0);
	REC(ioctl(vm->fd, KVM_SET_IDENTITY_MAP_ADDR, NULL));
	v = vm_vcpu_add(vm, 0);
	/* Too late for the identity map once a vCPU exists (KVM: EINVAL). */
	REC(ioctl(vm->fd, KVM_SET_IDENTITY_MAP_ADDR, &ident));
	if (!dev_is_pvm(dev))
		REC(ioctl(vm->fd, KVM_SET_TSS_ADDR, 0xfffff000ul));
	/* The vCPU still works: reset state is readable. */
	EXPECT_RET(ioctl(v->fd, KVM_GET_REGS, &(struct kvm_regs){ 0 }), 0);
	vm_free(vm);
	ksft_pass("KVM_SET_TSS_ADDR and KVM_SET_IDENTITY_MAP_ADDR are accepted");
}

/* The VM's clock in ns (KVM_GET_CLOCK), asserting that the ioctl works. */
static uint64_t vm_clock(struct kvm_vm *vm, uint32_t *flags)
{
	struct kvm_clock_data d;

	memset(&d, 0xff, sizeof(d));
	TEST_ASSERT(!ioctl(vm->fd, KVM_GET_CLOCK, &d), "KVM_GET_CLOCK: %m");
	if (flags)
		*flags = d.flags;
	return d.clock;
}

static void test_clock(struct test_dev *dev)
{
	const uint64_t sec = 1000000000ull, base = 1000 * sec;
	struct kvm_vm *vm = vm_create_bare(dev);
	struct kvm_clock_data d;
	struct timespec ts;
	uint64_t c0, c1;
	uint32_t flags;

	/* A new VM's clock starts at 0 and runs with the host's. */
	c0 = vm_clock(vm, &flags);
	usleep(20000);
	c1 = vm_clock(vm, NULL);
	printf("# %s: KVM_GET_CLOCK %lu ns after the VM was made, flags %#x\n",
	       dev->name, (unsigned long)c0, flags);
	TEST_ASSERT(c0 < 10 * sec, "a new VM's clock is at %lu ns",
		    (unsigned long)c0);
	TEST_ASSERT(c1 >= c0 + 20000000 && c1 < c0 + 10 * sec,
		    "20 ms later the clock went from %lu to %lu ns",
		    (unsigned long)c0, (unsigned long)c1);

	/* KVM_SET_CLOCK: the clock goes on from the value set. */
	memset(&d, 0, sizeof(d));
	d.clock = base;
	EXPECT_RET(ioctl(vm->fd, KVM_SET_CLOCK, &d), 0);
	c0 = vm_clock(vm, NULL);
	TEST_ASSERT(c0 >= base && c0 < base + 10 * sec, "set %lu, read %lu",
		    (unsigned long)base, (unsigned long)c0);
	/* Unknown flags are refused, the clock unchanged. */
	d.flags = 1;
	EXPECT_RET(ioctl(vm->fd, KVM_SET_CLOCK, &d), -EINVAL);
	d.flags = 1u << 4;
	EXPECT_RET(ioctl(vm->fd, KVM_SET_CLOCK, &d), -EINVAL);
	c1 = vm_clock(vm, NULL);
	TEST_ASSERT(c1 >= c0 && c1 < base + 10 * sec, "after refused sets %lu",
		    (unsigned long)c1);
	/* KVM_CLOCK_REALTIME: the real time passed since @realtime counts. */
	clock_gettime(CLOCK_REALTIME, &ts);
	d.flags = KVM_CLOCK_REALTIME;
	d.clock = base;
	d.realtime = (uint64_t)ts.tv_sec * sec + ts.tv_nsec - 100 * sec;
	EXPECT_RET(ioctl(vm->fd, KVM_SET_CLOCK, &d), 0);
	c0 = vm_clock(vm, NULL);
	TEST_ASSERT(c0 >= base + 100 * sec && c0 < base + 110 * sec,
		    "realtime 100 s ago: clock %lu", (unsigned long)c0);
	/* ... and a realtime in the future does not take it back. */
	d.realtime = (uint64_t)ts.tv_sec * sec + ts.tv_nsec + 100 * sec;
	EXPECT_RET(ioctl(vm->fd, KVM_SET_CLOCK, &d), 0);
	c0 = vm_clock(vm, NULL);
	TEST_ASSERT(c0 >= base && c0 < base + 10 * sec,
		    "realtime in the future: clock %lu", (unsigned long)c0);
	/* Another VM's clock is its own. */
	d.flags = 0;
	EXPECT_RET(ioctl(vm->fd, KVM_SET_CLOCK, &d), 0);
	{
		struct kvm_vm *vm2 = vm_create_bare(dev);

		TEST_ASSERT(vm_clock(vm2, NULL) < 10 * sec, "second VM");
		vm_free(vm2);
	}
	vm_free(vm);
	ksft_pass("KVM_GET_CLOCK / KVM_SET_CLOCK: from 0, from the value "
		  "set, KVM_CLOCK_REALTIME, bad flags");
}

/*
 * KVM_SET_VAPIC_ADDR and KVM_TPR_ACCESS_REPORTING as QEMU calls them at
 * each reset of a vCPU with an in-kernel LAPIC: turned off (what a vCPU
 * starts with).  Turning them on is not compared: ember has neither.
 */
static void test_vapic_off(struct test_dev *dev)
{
	struct kvm_tpr_access_ctl tac;
	struct kvm_vapic_addr va = { 0 };
	struct kvm_vm *vm = vm_create_bare(dev);
	struct kvm_vcpu *v = vm_vcpu_add(vm, 0);

	memset(&tac, 0, sizeof(tac));
	EXPECT_ERRNO(ioctl(v->fd, KVM_SET_VAPIC_ADDR, &va), EINVAL);
	EXPECT_RET(ioctl(v->fd, KVM_TPR_ACCESS_REPORTING, &tac), 0);
	tac.flags = 1;
	EXPECT_ERRNO(ioctl(v->fd, KVM_TPR_ACCESS_REPORTING, &tac), EINVAL);
	vm_free(vm);

	vm = vm_create_bare(dev);
	EXPECT_RET(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0), 0);
	v = vm_vcpu_add(vm, 0);
	EXPECT_RET(ioctl(v->fd, KVM_SET_VAPIC_ADDR, &va), 0);
	memset(&tac, 0, sizeof(tac));
	EXPECT_RET(ioctl(v->fd, KVM_TPR_ACCESS_REPORTING, &tac), 0);
	EXPECT_RET(ioctl(v->fd, KVM_GET_REGS, &(struct kvm_regs){ 0 }), 0);
	vm_free(vm);
	ksft_pass("KVM_SET_VAPIC_ADDR 0 (in-kernel LAPIC only) and "
		  "KVM_TPR_ACCESS_REPORTING off");
}

static void run(struct test_dev *dev)
{
	test_mmap_size(dev);
	test_supported_cpuid(dev);
	test_msr_index_list(dev);
	test_extensions(dev);
	test_create_vcpu(dev);
	test_tss_identity(dev);
	test_clock(dev);
	test_vapic_off(dev);
}

int main(void)
{
	return ksft_run_devices("system_ioctls", 8, run);
}
