// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory whose first touch blocks for as long as another program
 * wants: one slot is under userfaultfd (missing-page mode), and its handler
 * holds a vCPU's fault unresolved for HOLD_MS.  The rest of the VM must go
 * on meanwhile: KVM_GET_DIRTY_LOG of another slot, and a second vCPU
 * faulting on fresh memory of a third slot, each finish within
 * UNBLOCKED_MS (KVM reads its memory slots under SRCU; a hypervisor that
 * holds a slot lock across the fault parks both until the handler lets go).
 * Deleting the third slot meanwhile may wait for the blocked fault, as
 * KVM's synchronize_srcu does, but must complete once it is resolved: the
 * second vCPU, touching that slot during the deletion, then sees MMIO,
 * there and where it had mapped memory before; the first vCPU reads the
 * page the handler supplied.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kvm_util.h"

#define NPAGES		16
#define SLOT_SIZE	(NPAGES * PAGE_SIZE)
#define UFFD_GPA	0x40000000ul	/* slot 1: userfaultfd */
#define LOG_GPA		0x50000000ul	/* slot 2: dirty logging */
#define PLAIN_GPA	0x60000000ul	/* slot 3: ordinary memory */
#define HOLD_MS		1000
#define UNBLOCKED_MS	200
#define PATTERN		0x5eed000000000000ull

struct uffd_test {
	struct kvm_vm *vm;
	struct kvm_vcpu *v0, *v1;
	int uffd;
	sem_t faulted;			/* the handler has vCPU 0's fault */
	volatile int resolved;		/* ...and has resolved it */
	volatile int stop;
	uint64_t v0_val;
	/* (a) KVM_GET_DIRTY_LOG, (b) vCPU 1's fault, (c) slot 3 deleted */
	uint64_t log_us, v1_us, delete_us;
	int log_r, delete_r;
	int log_blocked, v1_blocked;	/* done while vCPU 0 still waited */
	uint64_t log_bitmap;
	void *plain;
};

#define MS(us)		(unsigned long)((us) / 1000), (unsigned long)((us) % 1000 / 100)

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void uffd_copy(int uffd, uint64_t addr, const void *page)
{
	struct uffdio_copy copy = {
		.dst = addr & ~(PAGE_SIZE - 1),
		.src = (uintptr_t)page,
		.len = PAGE_SIZE,
	};

	TEST_ASSERT(!ioctl(uffd, UFFDIO_COPY, &copy), "UFFDIO_COPY: %s",
		    strerrorname(errno));
}

/*
 * The first fault is held HOLD_MS, then resolved with a page of
 * PATTERN + index; any other one (none is expected) at once, with zeros.
 */
static void *uffd_handler(void *arg)
{
	static uint64_t page[PAGE_SIZE / 8] __attribute__((aligned(4096)));
	static const uint64_t zero[PAGE_SIZE / 8] __attribute__((aligned(4096)));
	struct uffd_test *t = arg;
	struct pollfd pfd = { .fd = t->uffd, .events = POLLIN };
	struct uffd_msg msg;
	unsigned int i;

	TEST_ASSERT(poll(&pfd, 1, 20000) == 1, "no userfault within 20 s");
	TEST_ASSERT(read(t->uffd, &msg, sizeof(msg)) == sizeof(msg),
		    "read from the userfaultfd: %s", strerrorname(errno));
	TEST_ASSERT(msg.event == UFFD_EVENT_PAGEFAULT, "uffd event %u",
		    msg.event);
	sem_post(&t->faulted);
	sleep_ms(HOLD_MS);
	for (i = 0; i < PAGE_SIZE / 8; i++)
		page[i] = PATTERN + i;
	uffd_copy(t->uffd, msg.arg.pagefault.address, page);
	t->resolved = 1;

	while (!t->stop) {
		if (poll(&pfd, 1, 10) == 1 &&
		    read(t->uffd, &msg, sizeof(msg)) == sizeof(msg) &&
		    msg.event == UFFD_EVENT_PAGEFAULT) {
			printf("# unexpected userfault at 0x%llx\n",
			       (unsigned long long)msg.arg.pagefault.address);
			uffd_copy(t->uffd, msg.arg.pagefault.address, zero);
		}
	}
	return NULL;
}

static void *vcpu0_read(void *arg)
{
	struct uffd_test *t = arg;

	t->v0_val = vcpu_memop(t->v0, OP_READ, UFFD_GPA + 8, 8, 0);
	return NULL;
}

static void *get_dirty_log(void *arg)
{
	struct uffd_test *t = arg;
	struct kvm_dirty_log log = { .slot = 2, .dirty_bitmap = &t->log_bitmap };
	uint64_t t0 = now_us();

	t->log_r = ioctl(t->vm->fd, KVM_GET_DIRTY_LOG, &log) ? -errno : 0;
	t->log_us = now_us() - t0;
	t->log_blocked = !t->resolved;
	return NULL;
}

static void *vcpu1_write(void *arg)
{
	struct uffd_test *t = arg;
	uint64_t t0 = now_us();

	vcpu_memop(t->v1, OP_WRITE, PLAIN_GPA + 5 * PAGE_SIZE, 8, 0x55);
	t->v1_us = now_us() - t0;
	t->v1_blocked = !t->resolved;
	return NULL;
}

static void *delete_slot(void *arg)
{
	struct uffd_test *t = arg;
	uint64_t t0 = now_us();

	t->delete_r = __vm_set_region(t->vm, 3, 0, PLAIN_GPA, 0, t->plain);
	t->delete_us = now_us() - t0;
	return NULL;
}

/* vCPU 1 reads @gpa, in no slot: an MMIO exit, answered with @gpa. */
static void vcpu1_read_mmio(struct uffd_test *t, uint64_t gpa,
			    const char *what)
{
	struct kvm_run *run = t->v1->run;
	struct ucall uc;

	vcpu_memop_post(t->v1, OP_READ, gpa, 8, 0);
	vcpu_run(t->v1);
	rec(what, "exit %s gpa 0x%llx len %u write %u",
	    exit_reason_name(run->exit_reason), run->mmio.phys_addr,
	    run->mmio.len, run->mmio.is_write);
	vcpu_assert_exit(t->v1, KVM_EXIT_MMIO);
	TEST_ASSERT(run->mmio.phys_addr == gpa && run->mmio.len == 8 &&
		    !run->mmio.is_write, "%s: MMIO exit at 0x%llx, len %u",
		    what, run->mmio.phys_addr, run->mmio.len);
	memcpy(run->mmio.data, &gpa, 8);
	TEST_ASSERT(vcpu_run_ucall(t->v1, &uc) == UCALL_SYNC &&
		    uc.args[0] == gpa, "%s: the guest read 0x%lx", what,
		    (unsigned long)uc.args[0]);
}

static void start(pthread_t *th, void *(*fn)(void *), struct uffd_test *t)
{
	TEST_ASSERT(!pthread_create(th, NULL, fn, t), "pthread_create");
}

static void join(pthread_t th)
{
	TEST_ASSERT(!pthread_join(th, NULL), "pthread_join");
}

static int uffd_open(void *mem, size_t len)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)mem, .len = len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	int uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (uffd < 0)
		dev_skip("userfaultfd: %s", strerrorname(errno));
	TEST_ASSERT(!ioctl(uffd, UFFDIO_API, &api), "UFFDIO_API: %s",
		    strerrorname(errno));
	TEST_ASSERT(!ioctl(uffd, UFFDIO_REGISTER, &reg), "UFFDIO_REGISTER: %s",
		    strerrorname(errno));
	return uffd;
}

static void test_blocked_fault(struct test_dev *dev)
{
	struct uffd_test t = { .log_r = 1, .delete_r = 1 };
	pthread_t handler, th0, tha, thb, thc;
	uint64_t t0, deleted_us;
	struct kvm_vcpu *v[2];
	struct timespec limit;
	int deleted_blocked;
	uint64_t *plain;
	void *uffd_mem;

	t.vm = vm_create_guest(dev, 2, NULL, v);
	t.v0 = v[0];
	t.v1 = v[1];
	vcpu_memop_init(t.v0);
	vcpu_memop_init(t.v1);
	uffd_mem = mmap(NULL, SLOT_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(uffd_mem != MAP_FAILED, "mmap: %s", strerror(errno));
	t.uffd = uffd_open(uffd_mem, SLOT_SIZE);
	vm_add_slot_hva(t.vm, 1, UFFD_GPA, SLOT_SIZE, 0, uffd_mem);
	vm_add_slot(t.vm, 2, LOG_GPA, SLOT_SIZE, KVM_MEM_LOG_DIRTY_PAGES);
	plain = vm_add_slot(t.vm, 3, PLAIN_GPA, SLOT_SIZE, 0);
	t.plain = plain;
	/* Something for (a) to find in the log. */
	vcpu_memop(t.v1, OP_WRITE, LOG_GPA + 3 * PAGE_SIZE, 8, 3);

	TEST_ASSERT(!sem_init(&t.faulted, 0, 0), "sem_init");
	start(&handler, uffd_handler, &t);
	start(&th0, vcpu0_read, &t);
	clock_gettime(CLOCK_REALTIME, &limit);
	limit.tv_sec += 20;
	TEST_ASSERT(!sem_timedwait(&t.faulted, &limit),
		    "vCPU 0's read of the slot made no userfault");

	/* vCPU 0 waits for the handler now: (a) and (b) at once. */
	start(&tha, get_dirty_log, &t);
	start(&thb, vcpu1_write, &t);
	join(tha);
	join(thb);

	printf("# %s: while vCPU 0's fault was held %d ms: KVM_GET_DIRTY_LOG "
	       "%lu.%lu ms, vCPU 1's fault on another slot %lu.%lu ms\n",
	       dev->name, HOLD_MS, MS(t.log_us), MS(t.v1_us));
	rec("KVM_GET_DIRTY_LOG during the fault", "%s, bitmap 0x%lx",
	    ret_name(t.log_r), (unsigned long)t.log_bitmap);
	rec("(a) KVM_GET_DIRTY_LOG done while vCPU 0 waited", "%s",
	    t.log_blocked ? "yes" : "no");
	rec("(b) vCPU 1's fault done while vCPU 0 waited", "%s",
	    t.v1_blocked ? "yes" : "no");
	TEST_ASSERT(!t.log_r && t.log_bitmap == 1u << 3,
		    "KVM_GET_DIRTY_LOG: %s, bitmap 0x%lx", ret_name(t.log_r),
		    (unsigned long)t.log_bitmap);
	TEST_ASSERT(plain[5 * PAGE_SIZE / 8] == 0x55, "vCPU 1's write lost");
	TEST_ASSERT(t.log_us < UNBLOCKED_MS * 1000 && t.log_blocked,
		    "KVM_GET_DIRTY_LOG took %lu.%lu ms (limit %d), %s vCPU 0's "
		    "fault was resolved", MS(t.log_us), UNBLOCKED_MS,
		    t.log_blocked ? "before" : "after");
	TEST_ASSERT(t.v1_us < UNBLOCKED_MS * 1000 && t.v1_blocked,
		    "vCPU 1's fault took %lu.%lu ms (limit %d), %s vCPU 0's "
		    "fault was resolved", MS(t.v1_us), UNBLOCKED_MS,
		    t.v1_blocked ? "before" : "after");
	ksft_pass("KVM_GET_DIRTY_LOG and another vCPU's fault go on while a "
		  "fault waits for userfaultfd");

	/*
	 * (c) Delete slot 3; (a) would wait for it now.  Meanwhile vCPU 1
	 * touches a page of it that it never mapped: whatever the deletion
	 * is waiting for, that access must not map the slot again.
	 */
	start(&thc, delete_slot, &t);
	sleep_ms(100);
	deleted_blocked = !t.resolved;
	t0 = now_us();
	vcpu1_read_mmio(&t, PLAIN_GPA + 6 * PAGE_SIZE,
			"vCPU 1 reads the slot being deleted");
	deleted_us = now_us() - t0;
	join(th0);
	join(thc);
	t.stop = 1;
	join(handler);
	printf("# %s: slot 3 deleted in %lu.%lu ms; vCPU 1's read of it, "
	       "begun %s the fault was resolved, exited after %lu.%lu ms\n",
	       dev->name, MS(t.delete_us),
	       deleted_blocked ? "before" : "after", MS(deleted_us));
	rec("slot deleted during the fault", "%s", ret_name(t.delete_r));
	rec("vCPU 0 reads", "0x%lx", (unsigned long)t.v0_val);
	TEST_ASSERT(!t.delete_r, "KVM_SET_USER_MEMORY_REGION: %s",
		    ret_name(t.delete_r));
	TEST_ASSERT(t.v0_val == PATTERN + 1, "vCPU 0 read 0x%lx",
		    (unsigned long)t.v0_val);
	/* Where vCPU 1 wrote before, nothing is mapped any more either. */
	vcpu1_read_mmio(&t, PLAIN_GPA + 5 * PAGE_SIZE,
			"vCPU 1 reads the deleted slot");
	ksft_pass("a slot deleted meanwhile is gone once the fault is "
		  "resolved; the vCPU reads the page the handler supplied");

	sem_destroy(&t.faulted);
	close(t.uffd);
	vm_free(t.vm);
	munmap(uffd_mem, SLOT_SIZE);
}

int main(void)
{
	return ksft_run_devices("uffd_memory", 2, test_blocked_fault);
}
