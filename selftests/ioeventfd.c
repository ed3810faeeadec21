// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_IOEVENTFD: a guest write to an ioeventfd's port or MMIO address
 * counts on its eventfd and makes no exit to userspace; a write it does not
 * match (another length, other data with a datamatch, another address)
 * and every read still exit, as before; deassign puts the exits back.
 * KVM_IOEVENTFD's checks and errnos, collisions (-EEXIST), many ioeventfds,
 * the eventfd closed while assigned, and ioeventfds assigned and deassigned
 * while the guest writes to their port (no write lost, none counted
 * twice).  No in-kernel irqchip: ioeventfds do not need one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvm_util.h"

#define MMIO_GPA	0xd0000000ul	/* no slot there */
#define PIO_PORT	0x300
#define RACE_PORT	0x310
#define RACE_WRITES	3000

/* What the guest does next, posted by the host (guest_ops()). */
enum { G_OUT = 1, G_IN, G_WRITE, G_READ, G_OUTS, G_INS, G_LOOP };
struct gop {
	uint64_t op, addr, size, val, count;
};
static struct gop mailbox;
static uint8_t strbuf[64];

static void guest_ops(struct gop *m)
{
	volatile struct gop *op = m;

	GUEST_SYNC(0);
	for (;;) {
		uint64_t a = op->addr, v = op->val, s = op->size, n = op->count;
		uint64_t r = 0, i;
		void *p = strbuf;

		switch (op->op) {
		case G_OUT:
			if (s == 1)
				outb(a, v);
			else if (s == 2)
				outw(a, v);
			else
				outl(a, v);
			break;
		case G_IN:
			r = s == 1 ? inb(a) : s == 2 ? inw(a) : inl(a);
			break;
		case G_WRITE:
			if (s == 1)
				*(volatile uint8_t *)a = v;
			else if (s == 2)
				*(volatile uint16_t *)a = v;
			else if (s == 4)
				*(volatile uint32_t *)a = v;
			else
				*(volatile uint64_t *)a = v;
			break;
		case G_READ:
			r = s == 1 ? *(volatile uint8_t *)a :
			    s == 2 ? *(volatile uint16_t *)a :
			    s == 4 ? *(volatile uint32_t *)a :
				     *(volatile uint64_t *)a;
			break;
		case G_OUTS:
			__asm__ volatile("rep outsb" : "+S"(p), "+c"(n)
					 : "d"((uint16_t)a) : "memory");
			r = n + ((uint8_t *)p - strbuf) * 0x100;
			break;
		case G_INS:
			__asm__ volatile("rep insb" : "+D"(p), "+c"(n)
					 : "d"((uint16_t)a) : "memory");
			r = n + ((uint8_t *)p - strbuf) * 0x100 +
			    ((uint64_t)strbuf[0] << 16);
			break;
		case G_LOOP:
			for (i = 0; i < n; i++)
				outb(a, i);
			break;
		default:
			GUEST_ASSERT_EQ(op->op, 0);
		}
		GUEST_SYNC(r);
	}
}

/*
 * Posts one operation and runs to its SYNC.  Every exit on the way is
 * recorded and counted (IN and MMIO reads get 0xa5 bytes); returns the
 * count, the guest's result in *@ret.
 */
static int run_op(struct kvm_vcpu *v, const char *key, uint64_t op,
		  uint64_t addr, uint64_t size, uint64_t val, uint64_t count,
		  uint64_t *ret)
{
	struct kvm_run *run = v->run;
	struct ucall uc;
	int exits = 0;
	char k[96];

	GUEST_VAR(v->vm, mailbox) = (struct gop){ op, addr, size, val, count };
	for (;;) {
		vcpu_run(v);
		if (get_ucall(v, &uc) != UCALL_NONE)
			break;
		snprintf(k, sizeof(k), "%s: exit %d", key, exits);
		rec_exit(k, v);
		TEST_ASSERT(++exits < 4 * RACE_WRITES, "%s: exits without end",
			    key);
		if (run->exit_reason == KVM_EXIT_IO &&
		    run->io.direction == KVM_EXIT_IO_IN)
			memset((char *)run + run->io.data_offset, 0xa5,
			       run->io.size * run->io.count);
		else if (run->exit_reason == KVM_EXIT_MMIO &&
			 !run->mmio.is_write)
			memset(run->mmio.data, 0xa5, sizeof(run->mmio.data));
		else
			TEST_ASSERT(run->exit_reason == KVM_EXIT_IO ||
				    run->exit_reason == KVM_EXIT_MMIO,
				    "%s: exit %s", key,
				    exit_reason_name(run->exit_reason));
	}
	TEST_ASSERT(uc.cmd == UCALL_SYNC, "%s: guest %s at %s:%lu: %s", key,
		    uc.cmd == UCALL_ABORT ? "assertion" : "exception",
		    uc.file ? uc.file : "-", (unsigned long)uc.line,
		    uc.text ? uc.text : "-");
	if (ret)
		*ret = uc.args[0];
	snprintf(k, sizeof(k), "%s: exits", key);
	rec(k, "%d", exits);
	return exits;
}

/* What an eventfd counted since the last call (0 if nothing). */
static uint64_t efd_count(int efd)
{
	uint64_t n = 0;

	if (read(efd, &n, sizeof(n)) < 0) {
		TEST_ASSERT(errno == EAGAIN, "eventfd read: %s",
			    strerrorname(errno));
		return 0;
	}
	return n;
}

static int new_efd(void)
{
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	TEST_ASSERT(efd >= 0, "eventfd: %s", strerrorname(errno));
	return efd;
}

static long ioeventfd(struct kvm_vm *vm, int fd, uint64_t addr, uint32_t len,
		      uint32_t flags, uint64_t datamatch)
{
	struct kvm_ioeventfd a = {
		.datamatch = datamatch, .addr = addr, .len = len, .fd = fd,
		.flags = flags,
	};

	return ioctl(vm->fd, KVM_IOEVENTFD, &a);
}

#define PIO		KVM_IOEVENTFD_FLAG_PIO
#define DM		KVM_IOEVENTFD_FLAG_DATAMATCH
#define DEASSIGN	KVM_IOEVENTFD_FLAG_DEASSIGN
#define CCW		KVM_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY

static void test_errnos(struct test_dev *dev)
{
	struct kvm_vm *vm = vm_create_bare(dev);
	int e1 = new_efd(), e2 = new_efd(), i;
	int nfd = open("/dev/null", O_RDWR);
	long r = 0;

	TEST_ASSERT(nfd >= 0, "/dev/null");
	/* The checks before the fd is looked at. */
	EXPECT_ERRNO(ioeventfd(vm, e1, 0x100, 3, PIO, 0), EINVAL);
	EXPECT_ERRNO(ioeventfd(vm, e1, 0x100, 16, PIO, 0), EINVAL);
	EXPECT_ERRNO(ioeventfd(vm, e1, ~0ull, 1, 0, 0), EINVAL);
	EXPECT_ERRNO(ioeventfd(vm, e1, ~0ull - 3, 8, 0, 0), EINVAL);
	EXPECT_ERRNO(ioeventfd(vm, e1, 0x100, 1, 1u << 5, 0), EINVAL);
	EXPECT_ERRNO(ioeventfd(vm, e1, 0x100, 0, PIO | DM, 0), EINVAL);
	EXPECT_ERRNO(ioeventfd(vm, -1, 0x100, 3, PIO, 0), EINVAL);
	/* The fd. */
	EXPECT_ERRNO(ioeventfd(vm, -1, 0x100, 1, PIO, 0), EBADF);
	EXPECT_ERRNO(ioeventfd(vm, 1000000, 0x100, 1, PIO, 0), EBADF);
	EXPECT_ERRNO(ioeventfd(vm, nfd, 0x100, 1, PIO, 0), EINVAL);
	EXPECT_ERRNO(ioeventfd(vm, vm->fd, 0x100, 1, PIO, 0), EINVAL);
	/* Length 0 at the very top does not wrap; bit 4 is accepted. */
	EXPECT_RET(ioeventfd(vm, e1, ~0ull, 0, 0, 0), 0);
	EXPECT_RET(ioeventfd(vm, e1, 0x2000, 4, 1u << 4, 0), 0);

	/* Collisions: same bus and address, and the writes overlap. */
	EXPECT_RET(ioeventfd(vm, e1, 0x100, 2, PIO, 0), 0);
	EXPECT_ERRNO(ioeventfd(vm, e2, 0x100, 2, PIO, 0), EEXIST);
	EXPECT_ERRNO(ioeventfd(vm, e2, 0x100, 2, PIO | DM, 5), EEXIST);
	EXPECT_ERRNO(ioeventfd(vm, e2, 0x100, 0, PIO, 0), EEXIST);
	EXPECT_RET(ioeventfd(vm, e2, 0x100, 1, PIO, 0), 0);
	EXPECT_RET(ioeventfd(vm, e2, 0x100, 4, PIO | DM, 7), 0);
	EXPECT_RET(ioeventfd(vm, e2, 0x100, 4, PIO | DM, 8), 0);
	EXPECT_ERRNO(ioeventfd(vm, e1, 0x100, 4, PIO | DM, 8), EEXIST);
	EXPECT_ERRNO(ioeventfd(vm, e1, 0x100, 4, PIO, 0), EEXIST);
	EXPECT_RET(ioeventfd(vm, e2, 0x101, 2, PIO, 0), 0);
	/* Another bus: MMIO, and the virtio-ccw one (x86 never reads it). */
	EXPECT_RET(ioeventfd(vm, e1, 0x100, 2, 0, 0), 0);
	EXPECT_RET(ioeventfd(vm, e1, 0x100, 2, CCW, 0), 0);
	EXPECT_ERRNO(ioeventfd(vm, e2, 0x100, 0, CCW, 0), EEXIST);
	/* PIO wins over the virtio-ccw flag. */
	EXPECT_RET(ioeventfd(vm, e1, 0x180, 2, CCW | PIO | DM, 1), 0);
	EXPECT_RET(ioeventfd(vm, e1, 0x180, 2, PIO | DM | DEASSIGN, 1), 0);

	/* Deassign: the very arguments of an assign, or -ENOENT. */
	EXPECT_ERRNO(ioeventfd(vm, -1, 0x100, 2, PIO | DEASSIGN, 0), EBADF);
	EXPECT_ERRNO(ioeventfd(vm, nfd, 0x100, 2, PIO | DEASSIGN, 0), EINVAL);
	EXPECT_ERRNO(ioeventfd(vm, e2, 0x100, 2, PIO | DEASSIGN, 0), ENOENT);
	EXPECT_ERRNO(ioeventfd(vm, e1, 0x100, 3, PIO | DEASSIGN, 0), ENOENT);
	EXPECT_ERRNO(ioeventfd(vm, e1, 0x100, 2, PIO | DM | DEASSIGN, 0),
		     ENOENT);
	EXPECT_ERRNO(ioeventfd(vm, e2, 0x100, 4, PIO | DM | DEASSIGN, 9),
		     ENOENT);
	EXPECT_ERRNO(ioeventfd(vm, e2, 0x100, 4, PIO | DEASSIGN, 0), ENOENT);
	EXPECT_RET(ioeventfd(vm, e2, 0x100, 4, PIO | DM | DEASSIGN, 8), 0);
	EXPECT_ERRNO(ioeventfd(vm, e2, 0x100, 4, PIO | DM | DEASSIGN, 8),
		     ENOENT);
	EXPECT_RET(ioeventfd(vm, e1, 0x100, 2, PIO | DEASSIGN, 0), 0);
	EXPECT_RET(ioeventfd(vm, e1, 0x100, 2, CCW | DEASSIGN, 0), 0);
	EXPECT_RET(ioeventfd(vm, e2, 0x100, 2, PIO, 0), 0);
	/* Flags a deassign does not look at. */
	EXPECT_RET(ioeventfd(vm, e2, 0x100, 2, PIO | DEASSIGN | (1u << 7), 0),
		   0);
	EXPECT_ERRNO(ioeventfd(vm, e2, 0x100, 0, PIO | DM | DEASSIGN, 0),
		     ENOENT);

	/*
	 * More ioeventfds than the bus holds devices (1000): KVM does not
	 * count them.  One eventfd, many ports.
	 */
	for (i = 0; i < 1010 && !r; i++)
		r = ioeventfd(vm, e1, 0x4000 + i, 1, PIO, 0) ? -errno : 0;
	rec("1010 ioeventfds", "%d: %s", i, ret_name(r));
	TEST_ASSERT(!r, "ioeventfd %d: %s", i, ret_name(r));

	/* A bad pointer. */
	EXPECT_ERRNO(ioctl(vm->fd, KVM_IOEVENTFD, (void *)8), EFAULT);
	vm_free(vm);
	close(nfd);
	close(e1);
	close(e2);
	ksft_pass("KVM_IOEVENTFD: checks, errnos, collisions, many ioeventfds");
}

static void test_pio(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest(dev, 1, guest_ops, &v);
	int e1 = new_efd(), e2 = new_efd(), e3 = new_efd();
	uint64_t r;

	vcpu_args_set(v, 1, (uint64_t)(uintptr_t)&mailbox);
	vcpu_run_expect_sync(v, 0);

	/* Before: an exit, as always. */
	EXPECT_RET(run_op(v, "out before", G_OUT, PIO_PORT, 1, 1, 0, NULL), 1);

	EXPECT_RET(ioeventfd(vm, e1, PIO_PORT, 1, PIO, 0), 0);
	EXPECT_RET(ioeventfd(vm, e2, PIO_PORT + 2, 2, PIO | DM, 0x1234), 0);
	EXPECT_RET(ioeventfd(vm, e3, PIO_PORT + 8, 0, PIO, 0), 0);

	/* Matching writes count and do not exit. */
	EXPECT_RET(run_op(v, "outb", G_OUT, PIO_PORT, 1, 0x11, 0, NULL), 0);
	EXPECT_RET(run_op(v, "outb 2", G_OUT, PIO_PORT, 1, 0x22, 0, NULL), 0);
	EXPECT_RET(efd_count(e1), 2);
	EXPECT_RET(run_op(v, "outw match", G_OUT, PIO_PORT + 2, 2, 0x1234, 0,
			  NULL), 0);
	EXPECT_RET(efd_count(e2), 1);
	EXPECT_RET(run_op(v, "len 0: outb", G_OUT, PIO_PORT + 8, 1, 1, 0, NULL),
		   0);
	EXPECT_RET(run_op(v, "len 0: outw", G_OUT, PIO_PORT + 8, 2, 1, 0, NULL),
		   0);
	EXPECT_RET(run_op(v, "len 0: outl", G_OUT, PIO_PORT + 8, 4, 1, 0, NULL),
		   0);
	EXPECT_RET(efd_count(e3), 3);

	/* Writes it does not match exit, with their data. */
	EXPECT_RET(run_op(v, "outw other data", G_OUT, PIO_PORT + 2, 2, 0x4321,
			  0, NULL), 1);
	EXPECT_RET(run_op(v, "outb at a datamatch", G_OUT, PIO_PORT + 2, 1,
			  0x34, 0, NULL), 1);
	EXPECT_RET(run_op(v, "outl at a datamatch", G_OUT, PIO_PORT + 2, 4,
			  0x1234, 0, NULL), 1);
	EXPECT_RET(run_op(v, "outw at a byte", G_OUT, PIO_PORT, 2, 0, 0, NULL),
		   1);
	EXPECT_RET(run_op(v, "outb inside a word", G_OUT, PIO_PORT + 3, 1, 0,
			  0, NULL), 1);
	EXPECT_RET(efd_count(e1) + efd_count(e2) + efd_count(e3), 0);

	/* Reads are never an ioeventfd's: they exit, and get their data. */
	EXPECT_RET(run_op(v, "inb", G_IN, PIO_PORT, 1, 0, 0, &r), 1);
	EXPECT_RET(r, 0xa5);
	EXPECT_RET(run_op(v, "inl len 0", G_IN, PIO_PORT + 8, 4, 0, 0, &r), 1);
	EXPECT_RET(r, 0xa5a5a5a5);

	/* String forms: each element of OUTS counts; INS exits. */
	EXPECT_RET(run_op(v, "rep outsb", G_OUTS, PIO_PORT, 1, 0, 5, &r), 0);
	EXPECT_RET(r, 5 * 0x100);
	EXPECT_RET(efd_count(e1), 5);
	run_op(v, "rep insb", G_INS, PIO_PORT, 1, 0, 3, &r);
	EXPECT_RET(r, 3 * 0x100 + (0xa5 << 16));
	EXPECT_RET(efd_count(e1), 0);

	/* Deassigned: the exits come back. */
	EXPECT_RET(ioeventfd(vm, e1, PIO_PORT, 1, PIO | DEASSIGN, 0), 0);
	EXPECT_RET(run_op(v, "outb after deassign", G_OUT, PIO_PORT, 1, 3, 0,
			  NULL), 1);
	EXPECT_RET(efd_count(e1), 0);

	/*
	 * The eventfd closed while assigned: the ioeventfd keeps it, and a
	 * dup of the fd still reads it and deassigns it.
	 */
	{
		int dup_fd = dup(e2);

		TEST_ASSERT(dup_fd >= 0, "dup");
		close(e2);
		EXPECT_RET(run_op(v, "outw after close", G_OUT, PIO_PORT + 2,
				  2, 0x1234, 0, NULL), 0);
		EXPECT_RET(efd_count(dup_fd), 1);
		EXPECT_RET(ioeventfd(vm, dup_fd, PIO_PORT + 2, 2,
				     PIO | DM | DEASSIGN, 0x1234), 0);
		close(dup_fd);
	}
	/* Closed and never deassigned: the VM's end frees it. */
	close(e3);
	EXPECT_RET(run_op(v, "outb len 0 after close", G_OUT, PIO_PORT + 8, 1,
			  1, 0, NULL), 0);
	vm_free(vm);
	close(e1);
	ksft_pass("PIO: matching writes count without exits; others exit");
}

static void test_mmio(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest(dev, 1, guest_ops, &v);
	int e1 = new_efd(), e2 = new_efd(), e3 = new_efd();
	uint64_t r;

	vcpu_args_set(v, 1, (uint64_t)(uintptr_t)&mailbox);
	vcpu_run_expect_sync(v, 0);

	EXPECT_RET(run_op(v, "write before", G_WRITE, MMIO_GPA, 4, 1, 0, NULL),
		   1);
	EXPECT_RET(ioeventfd(vm, e1, MMIO_GPA, 4, 0, 0), 0);
	EXPECT_RET(ioeventfd(vm, e2, MMIO_GPA + 0x1000, 8, DM,
			     0x1122334455667788ull), 0);
	EXPECT_RET(ioeventfd(vm, e3, MMIO_GPA + 0x2000, 0, 0, 0), 0);

	EXPECT_RET(run_op(v, "write", G_WRITE, MMIO_GPA, 4, 7, 0, NULL), 0);
	EXPECT_RET(run_op(v, "write 2", G_WRITE, MMIO_GPA, 4, 8, 0, NULL), 0);
	EXPECT_RET(efd_count(e1), 2);
	EXPECT_RET(run_op(v, "write 8 match", G_WRITE, MMIO_GPA + 0x1000, 8,
			  0x1122334455667788ull, 0, NULL), 0);
	EXPECT_RET(efd_count(e2), 1);
	EXPECT_RET(run_op(v, "len 0: write 1", G_WRITE, MMIO_GPA + 0x2000, 1, 1,
			  0, NULL), 0);
	EXPECT_RET(run_op(v, "len 0: write 2", G_WRITE, MMIO_GPA + 0x2000, 2, 1,
			  0, NULL), 0);
	EXPECT_RET(run_op(v, "len 0: write 4", G_WRITE, MMIO_GPA + 0x2000, 4, 1,
			  0, NULL), 0);
	EXPECT_RET(run_op(v, "len 0: write 8", G_WRITE, MMIO_GPA + 0x2000, 8, 1,
			  0, NULL), 0);
	EXPECT_RET(efd_count(e3), 4);

	EXPECT_RET(run_op(v, "write 8 other data", G_WRITE, MMIO_GPA + 0x1000,
			  8, 0x1122334455667789ull, 0, NULL), 1);
	EXPECT_RET(run_op(v, "write 4 at a datamatch", G_WRITE,
			  MMIO_GPA + 0x1000, 4, 0x55667788, 0, NULL), 1);
	EXPECT_RET(run_op(v, "write 1 at a dword", G_WRITE, MMIO_GPA, 1, 7, 0,
			  NULL), 1);
	EXPECT_RET(run_op(v, "write 2 inside a dword", G_WRITE, MMIO_GPA + 2,
			  2, 7, 0, NULL), 1);
	EXPECT_RET(run_op(v, "write past len 0", G_WRITE, MMIO_GPA + 0x2004, 4,
			  1, 0, NULL), 1);
	EXPECT_RET(efd_count(e1) + efd_count(e2) + efd_count(e3), 0);

	EXPECT_RET(run_op(v, "read", G_READ, MMIO_GPA, 4, 0, 0, &r), 1);
	EXPECT_RET(r, 0xa5a5a5a5);
	EXPECT_RET(efd_count(e1), 0);

	EXPECT_RET(ioeventfd(vm, e1, MMIO_GPA, 4, DEASSIGN, 0), 0);
	EXPECT_RET(run_op(v, "write after deassign", G_WRITE, MMIO_GPA, 4, 7, 0,
			  NULL), 1);
	EXPECT_RET(ioeventfd(vm, e3, MMIO_GPA + 0x2000, 0, DEASSIGN, 0), 0);
	EXPECT_RET(run_op(v, "len 0 after deassign", G_WRITE,
			  MMIO_GPA + 0x2000, 4, 1, 0, NULL), 1);
	EXPECT_RET(efd_count(e1) + efd_count(e3), 0);
	vm_free(vm);
	close(e1);
	close(e2);
	close(e3);
	ksft_pass("MMIO: matching writes count without exits; others exit");
}

struct race {
	struct kvm_vm *vm;
	int efd;
	volatile bool stop;
	int toggles;
};

static void *race_thread(void *arg)
{
	struct race *rc = arg;

	while (!rc->stop) {
		TEST_ASSERT(!ioeventfd(rc->vm, rc->efd, RACE_PORT, 1, PIO, 0),
			    "assign: %s", strerrorname(errno));
		TEST_ASSERT(!ioeventfd(rc->vm, rc->efd, RACE_PORT, 1,
				       PIO | DEASSIGN, 0),
			    "deassign: %s", strerrorname(errno));
		rc->toggles++;
	}
	return NULL;
}

/*
 * The guest writes RACE_WRITES times to a port while another thread
 * assigns and deassigns an ioeventfd there: each write is counted once,
 * on the eventfd or as an exit.  How they split is timing, so only the
 * total is recorded.
 */
static void test_race(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest(dev, 1, guest_ops, &v);
	struct race rc = { .vm = vm, .efd = new_efd() };
	struct kvm_run *run = v->run;
	struct ucall uc;
	uint64_t exits = 0, counted;
	pthread_t t;

	vcpu_args_set(v, 1, (uint64_t)(uintptr_t)&mailbox);
	vcpu_run_expect_sync(v, 0);
	GUEST_VAR(vm, mailbox) = (struct gop){ G_LOOP, RACE_PORT, 1, 0,
					       RACE_WRITES };
	TEST_ASSERT(!pthread_create(&t, NULL, race_thread, &rc), "thread");
	for (;;) {
		vcpu_run(v);
		if (get_ucall(v, &uc) != UCALL_NONE)
			break;
		TEST_ASSERT(run->exit_reason == KVM_EXIT_IO &&
			    run->io.port == RACE_PORT && run->io.count == 1,
			    "exit %s", exit_reason_name(run->exit_reason));
		exits++;
	}
	rc.stop = true;
	pthread_join(t, NULL);
	TEST_ASSERT(uc.cmd == UCALL_SYNC, "guest: %lu", (unsigned long)uc.cmd);
	counted = efd_count(rc.efd);
	rec("race: writes", "%lu", (unsigned long)(exits + counted));
	TEST_ASSERT(exits + counted == RACE_WRITES,
		    "%lu exits + %lu counted, %d writes (%d toggles)",
		    (unsigned long)exits, (unsigned long)counted, RACE_WRITES,
		    rc.toggles);
	printf("# %s: %lu exits, %lu counted, %d toggles\n", dev->name,
	       (unsigned long)exits, (unsigned long)counted, rc.toggles);
	vm_free(vm);
	close(rc.efd);
	ksft_pass("assign/deassign racing the guest's writes: none lost");
}

static void run(struct test_dev *dev)
{
	test_errnos(dev);
	test_pio(dev);
	test_mmio(dev);
	test_race(dev);
}

int main(void)
{
	return ksft_run_devices("ioeventfd", 4, run);
}
