// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory is the process's memory, and follows what the process and
 * the kernel do to it while the VM runs, without any slot change: pages
 * dropped (MADV_DONTNEED), mappings replaced (mmap MAP_FIXED) or protected
 * (mprotect), copy-on-write after fork, huge pages split, memory returned
 * to the system by munmap, a process that exits with its VM still open, and
 * invalidations racing with guest faults.  A hypervisor that pins guest
 * memory, or misses an invalidation, shows the guest a stale page here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kvm_util.h"

#define SLOT_SIZE	0x10000ul
#define DATA_GPA	0x40000000ul
#define HUGE_GPA	0x80000000ul
#define BIG_GPA		0xc0000000ul
#define BIG_SIZE	(32ul << 20)

static uint64_t guest_read(struct kvm_vcpu *v, uint64_t gpa)
{
	return vcpu_memop(v, OP_READ, gpa, 8, 0);
}

static void guest_write(struct kvm_vcpu *v, uint64_t gpa, uint64_t val)
{
	vcpu_memop(v, OP_WRITE, gpa, 8, val);
}

/*
 * Free memory in KiB: MemFree, plus the pages freed onto the per-CPU lists
 * (/proc/zoneinfo "count:"), which MemFree leaves out and which hold freed
 * huge pages too.
 */
static long free_kb(void)
{
	const char *text = read_text("/proc/meminfo");
	const char *p = text ? strstr(text, "MemFree:") : NULL;
	long kb, pcp = 0, n;
	char line[256];
	FILE *f;

	TEST_ASSERT(p, "no MemFree in /proc/meminfo");
	kb = atol(p + strlen("MemFree:"));
	f = fopen("/proc/zoneinfo", "r");
	TEST_ASSERT(f, "/proc/zoneinfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " count: %ld", &n) == 1)
			pcp += n;
	fclose(f);
	return kb + pcp * (long)(PAGE_SIZE / 1024);
}

static void test_dontneed(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_memop(dev, &v);
	uint64_t *mem = vm_add_slot(vm, 1, DATA_GPA, SLOT_SIZE, 0);

	guest_write(v, DATA_GPA, 0x1111);
	guest_write(v, DATA_GPA + PAGE_SIZE, 0x2222);
	TEST_ASSERT(mem[0] == 0x1111, "host sees 0x%lx", (unsigned long)mem[0]);

	/* The process drops page 0: the guest must see a fresh zero page. */
	TEST_ASSERT(!madvise(mem, PAGE_SIZE, MADV_DONTNEED), "madvise");
	rec("page 0 after MADV_DONTNEED", "0x%lx",
	    (unsigned long)guest_read(v, DATA_GPA));
	TEST_ASSERT(guest_read(v, DATA_GPA) == 0,
		    "the guest still sees the dropped page");
	TEST_ASSERT(guest_read(v, DATA_GPA + PAGE_SIZE) == 0x2222,
		    "page 1 changed");
	/* ...and the page it writes now is the process's new page. */
	guest_write(v, DATA_GPA + 8, 0x3333);
	TEST_ASSERT(mem[1] == 0x3333, "host sees 0x%lx after the guest's write",
		    (unsigned long)mem[1]);
	mem[2] = 0x4444;
	TEST_ASSERT(guest_read(v, DATA_GPA + 16) == 0x4444, "host write");
	vm_free(vm);
	ksft_pass("MADV_DONTNEED: the guest sees the dropped page as zeros");
}

static void test_remap(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_memop(dev, &v);
	uint64_t *mem = vm_add_slot(vm, 1, DATA_GPA, SLOT_SIZE, 0);
	int i;

	for (i = 0; i < 4; i++)
		guest_write(v, DATA_GPA + i * PAGE_SIZE, 0xaa00 + i);

	/* New memory at the same address, behind the slot's back. */
	TEST_ASSERT(mmap(mem, SLOT_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == mem,
		    "mmap MAP_FIXED: %s", strerror(errno));
	for (i = 0; i < 4; i++)
		mem[i * PAGE_SIZE / 8] = 0xbb00 + i;
	for (i = 0; i < 4; i++) {
		uint64_t val = guest_read(v, DATA_GPA + i * PAGE_SIZE);

		rec("page after mmap MAP_FIXED", "0x%lx", (unsigned long)val);
		TEST_ASSERT(val == 0xbb00ul + i, "page %d: guest reads 0x%lx",
			    i, (unsigned long)val);
	}
	guest_write(v, DATA_GPA + 3 * PAGE_SIZE + 8, 0xcc);
	TEST_ASSERT(mem[3 * PAGE_SIZE / 8 + 1] == 0xcc, "guest write lost");
	vm_free(vm);
	ksft_pass("mmap MAP_FIXED over slot memory: the guest sees the new "
		  "mapping");
}

static void test_mprotect(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_memop(dev, &v);
	uint64_t *mem = vm_add_slot(vm, 1, DATA_GPA, SLOT_SIZE, 0);
	int r;

	guest_write(v, DATA_GPA, 1);	/* mapped writable */
	TEST_ASSERT(!mprotect(mem, SLOT_SIZE, PROT_READ), "mprotect");
	TEST_ASSERT(guest_read(v, DATA_GPA) == 1, "read after mprotect");

	/* A write to memory the process may not write fails KVM_RUN. */
	vcpu_memop_post(v, OP_WRITE, DATA_GPA, 8, 2);
	r = __vcpu_run(v);
	rec("guest write to PROT_READ memory", "%s", ret_name(r));
	TEST_ASSERT(r == -EFAULT, "KVM_RUN gave %s, not -EFAULT", ret_name(r));
	TEST_ASSERT(mem[0] == 1, "the write went through: %lu",
		    (unsigned long)mem[0]);

	/* Writable again: the same write, retried, now lands. */
	TEST_ASSERT(!mprotect(mem, SLOT_SIZE, PROT_READ | PROT_WRITE),
		    "mprotect");
	vcpu_run_expect_sync(v, 0);
	TEST_ASSERT(mem[0] == 2, "retried write: %lu", (unsigned long)mem[0]);
	vm_free(vm);
	ksft_pass("mprotect(PROT_READ) after the guest wrote: writes fail with "
		  "EFAULT, reads go on");
}

static void test_fork(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_memop(dev, &v);
	uint64_t *mem = vm_add_slot(vm, 1, DATA_GPA, SLOT_SIZE, 0);
	int status, go[2];
	char c;
	pid_t pid;

	guest_write(v, DATA_GPA, 0xa);
	TEST_ASSERT(!pipe(go), "pipe");
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (pid == 0) {
		struct kvm_regs regs;
		int bad = 0;

		/* The VM is not the child's: its ioctls fail with EIO. */
		if (ioctl(vm->fd, KVM_CHECK_EXTENSION, 0) != -1 ||
		    errno != EIO)
			bad |= 1;
		if (ioctl(v->fd, KVM_GET_REGS, &regs) != -1 || errno != EIO)
			bad |= 2;
		if (ioctl(v->fd, KVM_RUN, 0) != -1 || errno != EIO)
			bad |= 4;
		/* Wait for the parent's and the guest's writes... */
		if (read(go[0], &c, 1) != 1)
			bad |= 8;
		/* ...which the child's copy does not see. */
		if (mem[0] != 0xa || mem[1] != 0)
			bad |= 16;
		_exit(bad);
	}
	/* The parent writes first: copy-on-write gives it a new page. */
	mem[0] = 0xb;
	TEST_ASSERT(guest_read(v, DATA_GPA) == 0xb,
		    "after fork, the guest sees 0x%lx, not the parent's write",
		    (unsigned long)guest_read(v, DATA_GPA));
	guest_write(v, DATA_GPA + 8, 0xc);
	TEST_ASSERT(mem[1] == 0xc, "the parent does not see the guest's write");
	TEST_ASSERT(write(go[1], "x", 1) == 1, "pipe write");
	TEST_ASSERT(waitpid(pid, &status, 0) == pid, "waitpid");
	rec("child", "status 0x%x", status);
	TEST_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "child: status 0x%x (1, 2, 4: an ioctl did not fail with "
		    "EIO; 16: the child saw the parent's memory)", status);
	close(go[0]);
	close(go[1]);
	vm_free(vm);
	ksft_pass("fork: the guest follows the parent's copy-on-write pages; "
		  "the child cannot use the VM");
}

static void test_thp_split(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_memop(dev, &v);
	uint64_t *huge = vm_add_slot(vm, 2, HUGE_GPA, HPAGE_SIZE, VM_MEM_HUGE);
	long before, after;
	int i;

	for (i = 0; i < 512; i++)
		huge[i * 512] = i + 1;
	for (i = 0; i < 512; i += 51)
		TEST_ASSERT(guest_read(v, HUGE_GPA + i * PAGE_SIZE) ==
			    (uint64_t)i + 1, "page %d", i);
	before = vm_debugfs_stat(vm, "pages_2m");

	/* Drop one 4 KiB page: the host splits its 2 MiB mapping. */
	TEST_ASSERT(!madvise(huge + 100 * 512, PAGE_SIZE, MADV_DONTNEED),
		    "madvise");
	TEST_ASSERT(guest_read(v, HUGE_GPA + 100 * PAGE_SIZE) == 0,
		    "the guest still sees the dropped 4 KiB page");
	for (i = 0; i < 512; i += 17)
		if (i != 100)
			TEST_ASSERT(guest_read(v, HUGE_GPA + i * PAGE_SIZE) ==
				    (uint64_t)i + 1, "page %d after the split",
				    i);
	after = vm_debugfs_stat(vm, "pages_2m");
	rec("pages_2m before/after the split", "%ld/%ld", before, after);
	printf("# %s: pages_2m %ld before the split, %ld after\n", dev->name,
	       before, after);
	if (before >= 0) {
		TEST_ASSERT(before >= 1, "pages_2m before: %ld", before);
		TEST_ASSERT(after == before - 1, "pages_2m after: %ld", after);
	}
	guest_write(v, HUGE_GPA + 100 * PAGE_SIZE + 8, 0x77);
	TEST_ASSERT(huge[100 * 512 + 1] == 0x77, "guest write after the split");
	vm_free(vm);
	ksft_pass("a 2 MiB page split by the host: the guest sees the new 4 KiB "
		  "page and keeps the rest");
}

/*
 * Memory the guest touched goes back to the system when the process
 * unmaps it, while the VM and its slot live on: the hypervisor holds no
 * reference on it.
 */
static void test_munmap_frees(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_memop(dev, &v);
	char *mem = vm_add_slot(vm, 3, BIG_GPA, BIG_SIZE, VM_MEM_HUGE);
	long free0, free1, free2, used, back;
	uint64_t off;

	free0 = free_kb();
	for (off = 0; off < BIG_SIZE; off += HPAGE_SIZE)
		guest_write(v, BIG_GPA + off, off + 1);
	free1 = free_kb();
	TEST_ASSERT(*(uint64_t *)(mem + BIG_SIZE - HPAGE_SIZE) ==
		    BIG_SIZE - HPAGE_SIZE + 1, "guest write lost");
	TEST_ASSERT(!munmap(mem, BIG_SIZE), "munmap");
	free2 = free_kb();
	used = free0 - free1;
	back = free2 - free1;
	printf("# %s: guest touches took %ld KiB, munmap gave back %ld KiB\n",
	       dev->name, used, back);
	rec("munmap gives the guest's memory back", "%s",
	    back >= used * 3 / 4 ? "yes" : "no");
	TEST_ASSERT(used >= 16 * 1024, "the guest's writes took %ld KiB only "
		    "(no THP?)", used);
	TEST_ASSERT(back >= used * 3 / 4, "munmap gave back %ld of %ld KiB",
		    back, used);

	/* The slot now has no memory: a guest access fails, as in KVM. */
	vcpu_memop_post(v, OP_READ, BIG_GPA, 8, 0);
	rec("access after munmap", "%s", ret_name(__vcpu_run(v)));
	vm_free(vm);
	ksft_pass("munmap of touched guest memory frees it while the VM lives");
}

/*
 * A process exits with its VM open, after the guest touched memory: the
 * address space goes first (the notifier's release), the VM after it.
 * The kernel log of the run tells whether that went well.
 */
static void test_exit_with_vm(struct test_dev *dev)
{
	int status;
	pid_t pid = fork();

	TEST_ASSERT(pid >= 0, "fork");
	if (pid == 0) {
		struct kvm_vcpu *v;
		struct kvm_vm *vm = vm_create_memop(dev, &v);

		vm_add_slot(vm, 1, DATA_GPA, SLOT_SIZE, 0);
		vm_add_slot(vm, 2, HUGE_GPA, HPAGE_SIZE, VM_MEM_HUGE);
		guest_write(v, DATA_GPA, 1);
		guest_write(v, HUGE_GPA, 2);
		_exit(0);	/* no vm_free: the kernel closes it all */
	}
	TEST_ASSERT(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0, "child: status 0x%x", status);
	ksft_pass("a process exits with its VM open and guest memory mapped");
}

/* Invalidations racing with guest faults on the same page. */
struct racer {
	uint64_t *page;
	volatile int stop;
	long rounds;
};

static void *dontneed_loop(void *arg)
{
	struct racer *r = arg;

	while (!r->stop) {
		madvise(r->page, PAGE_SIZE, MADV_DONTNEED);
		r->rounds++;
	}
	return NULL;
}

static void test_race(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_memop(dev, &v);
	struct racer r = { .page = vm_add_slot(vm, 1, DATA_GPA, SLOT_SIZE, 0) };
	pthread_t thread;
	uint64_t i, val;

	TEST_ASSERT(!pthread_create(&thread, NULL, dontneed_loop, &r),
		    "pthread_create");
	for (i = 1; i <= 500; i++) {
		guest_write(v, DATA_GPA, i);
		val = guest_read(v, DATA_GPA);
		TEST_ASSERT(val == i || val == 0,
			    "round %lu: the guest reads %lu", (unsigned long)i,
			    (unsigned long)val);
	}
	r.stop = 1;
	pthread_join(thread, NULL);
	printf("# %s: %ld MADV_DONTNEED during 500 write/read rounds\n",
	       dev->name, r.rounds);
	/* Quiet again: guest and process agree on the page. */
	guest_write(v, DATA_GPA, 0x5eed);
	TEST_ASSERT(r.page[0] == 0x5eed, "host reads 0x%lx",
		    (unsigned long)r.page[0]);
	r.page[1] = 0xfeed;
	TEST_ASSERT(guest_read(v, DATA_GPA + 8) == 0xfeed, "guest read");
	vm_free(vm);
	ksft_pass("guest faults racing with MADV_DONTNEED of the same page");
}

static void run(struct test_dev *dev)
{
	test_dontneed(dev);
	test_remap(dev);
	test_mprotect(dev);
	test_fork(dev);
	test_thp_split(dev);
	test_munmap_frees(dev);
	test_exit_with_vm(dev);
	test_race(dev);
}

int main(void)
{
	return ksft_run_devices("host_memory", 8, run);
}
