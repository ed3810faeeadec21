// SPDX-License-Identifier: GPL-2.0
/*
 * GSI routing and the ioctls on top of it: without an in-kernel irqchip,
 * KVM_IRQ_LINE(_STATUS) is -ENXIO and KVM_SET_GSI_ROUTING, KVM_SIGNAL_MSI
 * and KVM_IRQFD are -EINVAL; with KVM_CREATE_IRQCHIP, KVM_SET_GSI_ROUTING's
 * checks (limits, flags, one route per irqchip and GSI, an MSI alone on
 * its GSI, pins), the statuses KVM_IRQ_LINE_STATUS and KVM_SIGNAL_MSI
 * return, KVM_IRQFD's errnos (bad fds, flags, one GSI per eventfd:
 * -EBUSY), deassign, resample, eventfds closed while assigned.  Then a
 * guest receives them: KVM_IRQ_LINE and irqfds on IOAPIC and MSI routes
 * reach its IDT, and a level-triggered irqfd is lowered and its
 * resamplefd signalled when the guest EOIs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm_util.h"

#define APIC_GPA	0xfee00000ul
#define APIC_SVR	0xf0
#define APIC_EOI	0xb0
#define IOAPIC_GPA	0xfec00000ul
#define IOAPIC_REDTBL(pin)	(0x10 + 2 * (pin))

#define VEC_EDGE	0x50	/* IOAPIC pin EDGE_PIN, edge */
#define VEC_MSI		0x51	/* MSI route MSI_GSI */
#define VEC_LEVEL	0x52	/* IOAPIC pin LEVEL_PIN, level */
#define EDGE_PIN	5
#define LEVEL_PIN	6
#define MSI_GSI		24
#define SPIN		2000000

static struct kvm_irq_routing *routing_alloc(int n)
{
	struct kvm_irq_routing *r = calloc(1, sizeof(*r) +
					   n * sizeof(r->entries[0]));

	TEST_ASSERT(r, "calloc");
	r->nr = n;
	return r;
}

static struct kvm_irq_routing_entry ioapic_route(uint32_t gsi, uint32_t pin)
{
	return (struct kvm_irq_routing_entry){
		.gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
		.u.irqchip = { .irqchip = KVM_IRQCHIP_IOAPIC, .pin = pin },
	};
}

static struct kvm_irq_routing_entry pic_route(uint32_t gsi, uint32_t chip,
					      uint32_t pin)
{
	return (struct kvm_irq_routing_entry){
		.gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
		.u.irqchip = { .irqchip = chip, .pin = pin },
	};
}

static struct kvm_irq_routing_entry msi_route(uint32_t gsi, uint32_t vector)
{
	return (struct kvm_irq_routing_entry){
		.gsi = gsi, .type = KVM_IRQ_ROUTING_MSI,
		.u.msi = { .address_lo = APIC_GPA, .data = vector },
	};
}

/* KVM_SET_GSI_ROUTING with the @n entries given. */
static long set_routing(struct kvm_vm *vm, int n,
			const struct kvm_irq_routing_entry *e)
{
	struct kvm_irq_routing *r = routing_alloc(n);
	long ret;

	memcpy(r->entries, e, n * sizeof(*e));
	ret = ioctl(vm->fd, KVM_SET_GSI_ROUTING, r);
	free(r);
	return ret;
}

/* A routing header at the end of a page whose next page is unmapped. */
static struct kvm_irq_routing *unmapped_entries(void)
{
	char *p = mmap(NULL, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	TEST_ASSERT(p != MAP_FAILED, "mmap");
	munmap(p + PAGE_SIZE, PAGE_SIZE);
	return (struct kvm_irq_routing *)(p + PAGE_SIZE -
					  sizeof(struct kvm_irq_routing));
}

#define SET_ROUTING(vm, ...)						\
	({								\
		const struct kvm_irq_routing_entry __e[] = { __VA_ARGS__ }; \
		set_routing(vm, sizeof(__e) / sizeof(__e[0]), __e);	\
	})

static long irq_line(struct kvm_vm *vm, unsigned long ioctl_nr, uint32_t irq,
		     uint32_t level, int32_t *status)
{
	struct kvm_irq_level l = { .irq = irq, .level = level };
	long r;

	l.status = 0x5a5a;	/* KVM_IRQ_LINE leaves it: checked below */
	r = ioctl(vm->fd, ioctl_nr, &l);
	if (status)
		*status = l.status;
	return r;
}

/* KVM_IRQ_LINE_STATUS, recording the status under @key. */
static int32_t line_status(struct kvm_vm *vm, const char *key, uint32_t irq,
			   uint32_t level)
{
	int32_t status;
	long r = irq_line(vm, KVM_IRQ_LINE_STATUS, irq, level, &status);

	TEST_ASSERT(!r, "KVM_IRQ_LINE_STATUS %u: %s", irq, strerrorname(errno));
	rec(key, "%d", status);
	return status;
}

static long signal_msi(struct kvm_vm *vm, uint32_t addr, uint32_t data,
		       uint32_t flags)
{
	struct kvm_msi msi = { .address_lo = addr, .data = data,
			       .flags = flags };

	return ioctl(vm->fd, KVM_SIGNAL_MSI, &msi);
}

static long irqfd(struct kvm_vm *vm, int fd, uint32_t gsi, uint32_t flags,
		  int resamplefd)
{
	struct kvm_irqfd a = { .fd = fd, .gsi = gsi, .flags = flags,
			       .resamplefd = resamplefd };

	return ioctl(vm->fd, KVM_IRQFD, &a);
}

static int new_efd(void)
{
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	TEST_ASSERT(efd >= 0, "eventfd: %s", strerrorname(errno));
	return efd;
}

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

static void efd_signal(int efd)
{
	uint64_t one = 1;

	TEST_ASSERT(write(efd, &one, sizeof(one)) == sizeof(one),
		    "eventfd write: %s", strerrorname(errno));
}

#define DEASSIGN	KVM_IRQFD_FLAG_DEASSIGN
#define RESAMPLE	KVM_IRQFD_FLAG_RESAMPLE

static void test_no_irqchip(struct test_dev *dev)
{
	struct kvm_vm *vm = vm_create_bare(dev);
	int efd = new_efd(), nfd = open("/dev/null", O_RDWR);
	struct kvm_irq_routing empty = { .nr = 0 };
	int32_t status;

	TEST_ASSERT(nfd >= 0, "/dev/null");
	EXPECT_ERRNO(irq_line(vm, KVM_IRQ_LINE, 4, 1, NULL), ENXIO);
	EXPECT_ERRNO(irq_line(vm, KVM_IRQ_LINE_STATUS, 4, 1, &status), ENXIO);
	EXPECT_ERRNO(ioctl(vm->fd, KVM_IRQ_LINE, (void *)8), EFAULT);
	EXPECT_ERRNO(ioctl(vm->fd, KVM_IRQ_LINE_STATUS, (void *)8), EFAULT);

	EXPECT_ERRNO(ioctl(vm->fd, KVM_SET_GSI_ROUTING, &empty), EINVAL);
	EXPECT_ERRNO(SET_ROUTING(vm, ioapic_route(0, 0)), EINVAL);
	EXPECT_ERRNO(ioctl(vm->fd, KVM_SET_GSI_ROUTING, (void *)8), EFAULT);

	EXPECT_ERRNO(signal_msi(vm, APIC_GPA, 0x30, 0), EINVAL);
	EXPECT_ERRNO(ioctl(vm->fd, KVM_SIGNAL_MSI, (void *)8), EFAULT);

	EXPECT_ERRNO(irqfd(vm, efd, 4, 0, 0), EINVAL);
	EXPECT_ERRNO(irqfd(vm, efd, 4, RESAMPLE, efd), EINVAL);
	EXPECT_ERRNO(irqfd(vm, efd, 4, 4, 0), EINVAL);
	EXPECT_ERRNO(irqfd(vm, -1, 4, 0, 0), EINVAL);
	/* Deassign does not need an irqchip: nothing to find is fine. */
	EXPECT_RET(irqfd(vm, efd, 4, DEASSIGN, 0), 0);
	EXPECT_ERRNO(irqfd(vm, -1, 4, DEASSIGN, 0), EBADF);
	EXPECT_ERRNO(irqfd(vm, nfd, 4, DEASSIGN, 0), EINVAL);
	EXPECT_ERRNO(ioctl(vm->fd, KVM_IRQFD, (void *)8), EFAULT);
	vm_free(vm);
	close(efd);
	close(nfd);
	ksft_pass("no irqchip: KVM_IRQ_LINE -ENXIO; GSI routing, MSI, irqfd "
		  "-EINVAL");
}

static void test_set_routing(struct test_dev *dev)
{
	struct kvm_vm *vm = vm_create_bare(dev);
	struct kvm_irq_routing *r;
	struct kvm_irq_routing_entry e;
	int i;

	EXPECT_RET(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0), 0);

	/* The header: how many, and flags. */
	r = routing_alloc(1);
	r->entries[0] = ioapic_route(0, 0);
	r->nr = 4097;
	EXPECT_ERRNO(ioctl(vm->fd, KVM_SET_GSI_ROUTING, r), EINVAL);
	r->nr = 1;
	r->flags = 1;
	EXPECT_ERRNO(ioctl(vm->fd, KVM_SET_GSI_ROUTING, r), EINVAL);
	r->flags = 0;
	EXPECT_RET(ioctl(vm->fd, KVM_SET_GSI_ROUTING, r), 0);
	free(r);
	/* Entries in a page that is not there. */
	r = unmapped_entries();
	r->nr = 1;
	EXPECT_ERRNO(ioctl(vm->fd, KVM_SET_GSI_ROUTING, r), EFAULT);
	r->nr = 0;
	EXPECT_RET(ioctl(vm->fd, KVM_SET_GSI_ROUTING, r), 0);
	munmap((void *)((uintptr_t)r & ~(PAGE_SIZE - 1)), PAGE_SIZE);
	r = routing_alloc(4096);
	for (i = 0; i < 4096; i++)
		r->entries[i] = msi_route(i, 0x30);
	EXPECT_RET(ioctl(vm->fd, KVM_SET_GSI_ROUTING, r), 0);
	free(r);

	/* GSIs: 0-4095. */
	EXPECT_ERRNO(SET_ROUTING(vm, ioapic_route(4096, 0)), EINVAL);
	EXPECT_ERRNO(SET_ROUTING(vm, ioapic_route(0, 0), ioapic_route(~0u, 1)),
		     EINVAL);
	EXPECT_RET(SET_ROUTING(vm, ioapic_route(4095, 0)), 0);

	/* Entry flags: only KVM_MSI_VALID_DEVID, only on MSI routes. */
	e = ioapic_route(1, 1);
	e.flags = 1;
	EXPECT_ERRNO(SET_ROUTING(vm, e), EINVAL);
	e = msi_route(1, 0x30);
	e.flags = KVM_MSI_VALID_DEVID;
	EXPECT_RET(SET_ROUTING(vm, e), 0);
	e.flags = 2;
	EXPECT_ERRNO(SET_ROUTING(vm, e), EINVAL);

	/* One route per irqchip and GSI; an MSI is alone on its GSI. */
	EXPECT_ERRNO(SET_ROUTING(vm, ioapic_route(2, 2), ioapic_route(2, 3)),
		     EINVAL);
	EXPECT_RET(SET_ROUTING(vm, ioapic_route(2, 2),
			       pic_route(2, KVM_IRQCHIP_PIC_MASTER, 2)), 0);
	EXPECT_RET(SET_ROUTING(vm, pic_route(2, KVM_IRQCHIP_PIC_MASTER, 2),
			       pic_route(2, KVM_IRQCHIP_PIC_SLAVE, 2),
			       ioapic_route(2, 2)), 0);
	EXPECT_ERRNO(SET_ROUTING(vm, pic_route(2, KVM_IRQCHIP_PIC_MASTER, 2),
				 pic_route(2, KVM_IRQCHIP_PIC_MASTER, 3)),
		     EINVAL);
	EXPECT_ERRNO(SET_ROUTING(vm, ioapic_route(3, 3), msi_route(3, 0x30)),
		     EINVAL);
	EXPECT_ERRNO(SET_ROUTING(vm, msi_route(3, 0x30), ioapic_route(3, 3)),
		     EINVAL);
	EXPECT_ERRNO(SET_ROUTING(vm, msi_route(3, 0x30), msi_route(3, 0x31)),
		     EINVAL);
	/* Two GSIs on one pin are fine. */
	EXPECT_RET(SET_ROUTING(vm, ioapic_route(3, 3), ioapic_route(4, 3)), 0);

	/* Chips and pins. */
	EXPECT_ERRNO(SET_ROUTING(vm, pic_route(5, 3, 0)), EINVAL);
	EXPECT_ERRNO(SET_ROUTING(vm, pic_route(5, KVM_IRQCHIP_PIC_MASTER, 8)),
		     EINVAL);
	EXPECT_ERRNO(SET_ROUTING(vm, pic_route(5, KVM_IRQCHIP_PIC_SLAVE, 8)),
		     EINVAL);
	EXPECT_RET(SET_ROUTING(vm, pic_route(5, KVM_IRQCHIP_PIC_SLAVE, 7)), 0);
	EXPECT_ERRNO(SET_ROUTING(vm, ioapic_route(5, 24)), EINVAL);
	EXPECT_ERRNO(SET_ROUTING(vm, ioapic_route(5, ~0u)), EINVAL);
	EXPECT_RET(SET_ROUTING(vm, ioapic_route(5, 23)), 0);

	/* Types: irqchip and MSI (S390 adapter routes are not x86's). */
	e = ioapic_route(6, 6);
	e.type = 0;
	EXPECT_ERRNO(SET_ROUTING(vm, e), EINVAL);
	e.type = KVM_IRQ_ROUTING_S390_ADAPTER;
	EXPECT_ERRNO(SET_ROUTING(vm, e), EINVAL);
	e.type = 99;
	EXPECT_ERRNO(SET_ROUTING(vm, e), EINVAL);

	/* Empty is a table too. */
	EXPECT_RET(ioctl(vm->fd, KVM_SET_GSI_ROUTING,
			 &(struct kvm_irq_routing){ .nr = 0 }), 0);
	EXPECT_ERRNO(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0), EEXIST);
	vm_free(vm);
	ksft_pass("KVM_SET_GSI_ROUTING: limits, flags, duplicates, chips, "
		  "pins, types");
}

static void test_statuses(struct test_dev *dev)
{
	struct kvm_vm *vm = vm_create_bare(dev);
	int32_t status;

	EXPECT_RET(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0), 0);

	/* The default routing: 0-15 to a PIC and the IOAPIC, 16-23 IOAPIC. */
	line_status(vm, "gsi 4 up", 4, 1);
	line_status(vm, "gsi 4 up again", 4, 1);
	line_status(vm, "gsi 4 down", 4, 0);
	line_status(vm, "gsi 4 down again", 4, 0);
	line_status(vm, "gsi 4 up after down", 4, 1);
	line_status(vm, "gsi 12 up", 12, 1);
	line_status(vm, "gsi 16 up", 16, 1);
	line_status(vm, "gsi 16 up again", 16, 1);
	line_status(vm, "gsi 23 up", 23, 1);
	line_status(vm, "gsi 23 level 7", 23, 7);
	line_status(vm, "gsi 23 down", 23, 0);
	EXPECT_RET(line_status(vm, "gsi 24: no route", 24, 1), -1);
	EXPECT_RET(line_status(vm, "gsi 4095: no route", 4095, 1), -1);
	EXPECT_RET(line_status(vm, "gsi 2^32-1", ~0u, 1), -1);

	/* KVM_IRQ_LINE does not write the status back. */
	EXPECT_RET(irq_line(vm, KVM_IRQ_LINE, 7, 1, &status), 0);
	EXPECT_RET(status, 0x5a5a);
	EXPECT_RET(irq_line(vm, KVM_IRQ_LINE, 100, 1, &status), 0);

	/* MSIs: to APIC ID 0, which no vCPU has yet. */
	EXPECT_RET(SET_ROUTING(vm, msi_route(30, 0x30), ioapic_route(4, 4),
			       ioapic_route(31, 4)), 0);
	line_status(vm, "msi route up", 30, 1);
	line_status(vm, "msi route down", 30, 0);
	line_status(vm, "gsi 4: the IOAPIC alone", 4, 1);
	line_status(vm, "gsi 31 on the same pin", 31, 1);
	EXPECT_RET(line_status(vm, "gsi 5: no route now", 5, 1), -1);
	EXPECT_ERRNO(signal_msi(vm, APIC_GPA, 0x30, 2), EINVAL);
	REC(signal_msi(vm, APIC_GPA, 0x30, 0));
	REC(signal_msi(vm, APIC_GPA, 0x30, KVM_MSI_VALID_DEVID));
	vm_free(vm);
	ksft_pass("KVM_IRQ_LINE_STATUS, KVM_SIGNAL_MSI: statuses");
}

static void test_irqfd(struct test_dev *dev)
{
	struct kvm_vm *vm = vm_create_bare(dev);
	int nfd = open("/dev/null", O_RDWR);
	int e1 = new_efd(), e2 = new_efd(), e3 = new_efd(), e4 = new_efd();
	int r1 = new_efd(), r2 = new_efd(), d;
	int many[64], i;

	TEST_ASSERT(nfd >= 0, "/dev/null");
	EXPECT_RET(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0), 0);

	EXPECT_ERRNO(irqfd(vm, e1, 4, 4, 0), EINVAL);
	EXPECT_ERRNO(irqfd(vm, e1, 4, 1u << 31, 0), EINVAL);
	EXPECT_ERRNO(irqfd(vm, -1, 4, 0, 0), EBADF);
	EXPECT_ERRNO(irqfd(vm, 1000000, 4, 0, 0), EBADF);
	EXPECT_ERRNO(irqfd(vm, nfd, 4, 0, 0), EINVAL);
	EXPECT_ERRNO(irqfd(vm, vm->fd, 4, 0, 0), EINVAL);
	EXPECT_ERRNO(irqfd(vm, e1, 4, RESAMPLE, -1), EBADF);
	EXPECT_ERRNO(irqfd(vm, e1, 4, RESAMPLE, nfd), EINVAL);
	EXPECT_ERRNO(irqfd(vm, nfd, 4, RESAMPLE, r1), EINVAL);

	/* One GSI per eventfd; several eventfds per GSI. */
	EXPECT_RET(irqfd(vm, e1, 4, 0, 0), 0);
	EXPECT_ERRNO(irqfd(vm, e1, 4, 0, 0), EBUSY);
	EXPECT_ERRNO(irqfd(vm, e1, 5, 0, 0), EBUSY);
	EXPECT_ERRNO(irqfd(vm, e1, 5, RESAMPLE, r1), EBUSY);
	EXPECT_RET(irqfd(vm, e2, 4, 0, 0), 0);
	/* Deassign: (fd, gsi) or nothing; never an error for a good fd. */
	EXPECT_RET(irqfd(vm, e1, 5, DEASSIGN, 0), 0);
	EXPECT_ERRNO(irqfd(vm, e1, 6, 0, 0), EBUSY);
	EXPECT_RET(irqfd(vm, e1, 4, DEASSIGN | RESAMPLE, 0), 0);
	EXPECT_RET(irqfd(vm, e1, 6, 0, 0), 0);
	EXPECT_RET(irqfd(vm, e1, 6, DEASSIGN, 0), 0);
	EXPECT_RET(irqfd(vm, e1, 6, DEASSIGN, 0), 0);
	EXPECT_RET(irqfd(vm, e1, 6, 0, 0), 0);
	/* Any GSI, routed or not. */
	EXPECT_RET(irqfd(vm, e3, 100000, 0, 0), 0);
	EXPECT_RET(irqfd(vm, e3, 100000, DEASSIGN, 0), 0);
	EXPECT_RET(irqfd(vm, e3, ~0u, 0, 0), 0);
	efd_signal(e3);
	EXPECT_RET(irqfd(vm, e3, ~0u, DEASSIGN, 0), 0);
	/* The irqfd took the count of a signal while assigned. */
	EXPECT_RET(efd_count(e3), 0);

	/* Resample: the resamplers of a GSI share the line. */
	EXPECT_RET(irqfd(vm, e3, 10, RESAMPLE, r1), 0);
	EXPECT_RET(irqfd(vm, e4, 10, RESAMPLE, r2), 0);
	EXPECT_ERRNO(irqfd(vm, e4, 11, RESAMPLE, r2), EBUSY);
	efd_signal(e3);
	line_status(vm, "gsi 10 from userspace, resample irqfd up", 10, 1);
	line_status(vm, "gsi 10 from userspace down", 10, 0);
	EXPECT_RET(irqfd(vm, e3, 10, DEASSIGN, 0), 0);
	EXPECT_RET(irqfd(vm, e4, 10, DEASSIGN, 0), 0);
	/* Never EOIed: no resample. */
	EXPECT_RET(efd_count(r1) + efd_count(r2), 0);
	/* The resamplefd may be the irqfd's own eventfd. */
	EXPECT_RET(irqfd(vm, e3, 12, RESAMPLE, e3), 0);
	EXPECT_RET(irqfd(vm, e3, 12, DEASSIGN, 0), 0);

	/*
	 * The eventfd closed while assigned (EPOLLHUP): the irqfd goes by
	 * itself, and the eventfd's number can be assigned again.
	 */
	d = dup(e2);
	TEST_ASSERT(d >= 0, "dup");
	close(e2);
	EXPECT_ERRNO(irqfd(vm, d, 4, 0, 0), EBUSY);
	close(d);
	e2 = new_efd();
	EXPECT_RET(irqfd(vm, e2, 4, 0, 0), 0);

	/* Many, then the VM goes with them assigned. */
	for (i = 0; i < 64; i++) {
		many[i] = new_efd();
		EXPECT_RET(irqfd(vm, many[i], i, i & 1 ? RESAMPLE : 0, r1), 0);
	}
	for (i = 0; i < 64; i += 2)
		EXPECT_RET(irqfd(vm, many[i], i, DEASSIGN, 0), 0);
	for (i = 0; i < 64; i++)
		efd_signal(many[i]);
	vm_free(vm);
	for (i = 0; i < 64; i++)
		close(many[i]);
	close(nfd);
	close(e1);
	close(e2);
	close(e3);
	close(e4);
	close(r1);
	close(r2);
	ksft_pass("KVM_IRQFD: errnos, one GSI per eventfd, deassign, resample, "
		  "close");
}

/* ---- the guest's side ---- */

static volatile uint64_t n_edge, n_msi, n_level;
static volatile uint64_t eoi_in_level_handler = 1;

static void apic_write(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(APIC_GPA + reg) = v;
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)IOAPIC_GPA = reg;
	*(volatile uint32_t *)(IOAPIC_GPA + 0x10) = v;
}

static void edge_handler(struct ex_regs *r)
{
	(void)r;
	n_edge++;
	apic_write(APIC_EOI, 0);
}

static void msi_handler(struct ex_regs *r)
{
	(void)r;
	n_msi++;
	apic_write(APIC_EOI, 0);
}

static void level_handler(struct ex_regs *r)
{
	(void)r;
	n_level++;
	/* The host looks at the resamplefd before the EOI. */
	GUEST_SYNC2(0x100 + n_level, n_level);
	apic_write(APIC_EOI, 0);
}

/* Waits (a while) for *@n to reach @want, then tells the host. */
static void wait_for(volatile uint64_t *n, uint64_t want, uint64_t tag)
{
	uint64_t i;

	for (i = 0; i < SPIN && *n < want; i++)
		__asm__ volatile("pause");
	GUEST_SYNC2(tag, *n);
}

static void guest_irqs(void)
{
	/* The PICs masked: only the IOAPIC and MSIs reach the LAPIC. */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	apic_write(APIC_SVR, 0x1ff);	/* software-enabled */
	ioapic_write(IOAPIC_REDTBL(EDGE_PIN), VEC_EDGE);
	ioapic_write(IOAPIC_REDTBL(EDGE_PIN) + 1, 0);	/* APIC ID 0 */
	ioapic_write(IOAPIC_REDTBL(LEVEL_PIN), VEC_LEVEL | 1u << 15);
	ioapic_write(IOAPIC_REDTBL(LEVEL_PIN) + 1, 0);
	sti();
	GUEST_SYNC(1);
	wait_for(&n_edge, 1, 2);	/* KVM_IRQ_LINE */
	wait_for(&n_edge, 2, 3);	/* irqfd on the IOAPIC route */
	wait_for(&n_msi, 1, 4);		/* irqfd on the MSI route */
	wait_for(&n_edge, 3, 5);	/* signalled before assign */
	wait_for(&n_edge, 4, 6);	/* deassigned: nothing */
	wait_for(&n_level, 1, 7);	/* resample irqfd */
	wait_for(&n_level, 2, 8);	/* again, after the resample */
	wait_for(&n_level, 3, 9);	/* once only: lowered at the EOI */
	cli();
	GUEST_DONE();
}

static void expect_sync(struct kvm_vcpu *v, uint64_t tag, uint64_t n,
			const char *what)
{
	struct ucall uc;

	TEST_ASSERT(vcpu_run_ucall(v, &uc) == UCALL_SYNC, "%s: no sync", what);
	rec(what, "sync 0x%lx %lu", (unsigned long)uc.args[0],
	    (unsigned long)uc.args[1]);
	TEST_ASSERT(uc.args[0] == tag && uc.args[1] == n,
		    "%s: guest says 0x%lx, %lu; expected 0x%lx, %lu", what,
		    (unsigned long)uc.args[0], (unsigned long)uc.args[1],
		    (unsigned long)tag, (unsigned long)n);
}

static void test_guest_edge(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest_irqchip(dev, 1, guest_irqs, &v);
	int e1 = new_efd(), e2 = new_efd(), e3 = new_efd();
	int r = new_efd(), l1 = new_efd();

	vm_install_exception_handler(vm, VEC_EDGE, edge_handler);
	vm_install_exception_handler(vm, VEC_MSI, msi_handler);
	vm_install_exception_handler(vm, VEC_LEVEL, level_handler);
	EXPECT_RET(SET_ROUTING(vm, ioapic_route(EDGE_PIN, EDGE_PIN),
			       ioapic_route(LEVEL_PIN, LEVEL_PIN),
			       msi_route(MSI_GSI, VEC_MSI)), 0);
	vcpu_run_expect_sync(v, 1);

	/* KVM_IRQ_LINE: a rising edge on the IOAPIC pin. */
	line_status(vm, "edge pin up", EDGE_PIN, 1);
	line_status(vm, "edge pin down", EDGE_PIN, 0);
	expect_sync(v, 2, 1, "KVM_IRQ_LINE");

	EXPECT_RET(irqfd(vm, e1, EDGE_PIN, 0, 0), 0);
	efd_signal(e1);
	expect_sync(v, 3, 2, "irqfd, IOAPIC route");
	EXPECT_RET(irqfd(vm, e2, MSI_GSI, 0, 0), 0);
	efd_signal(e2);
	expect_sync(v, 4, 1, "irqfd, MSI route");
	/* A signal that came before the assign counts too. */
	efd_signal(e3);
	EXPECT_RET(irqfd(vm, e1, EDGE_PIN, DEASSIGN, 0), 0);
	EXPECT_RET(irqfd(vm, e3, EDGE_PIN, 0, 0), 0);
	expect_sync(v, 5, 3, "irqfd signalled before assign");
	EXPECT_RET(irqfd(vm, e3, EDGE_PIN, DEASSIGN, 0), 0);
	efd_signal(e1);
	efd_signal(e3);
	expect_sync(v, 6, 3, "deassigned irqfds inject nothing");
	ksft_pass("KVM_IRQ_LINE and irqfds (IOAPIC, MSI) reach the guest's IDT");

	/*
	 * Resample: the line stays up until the guest's EOI, which lowers
	 * it and signals the resamplefd (once).
	 */
	EXPECT_RET(irqfd(vm, l1, LEVEL_PIN, RESAMPLE, r), 0);
	efd_signal(l1);
	expect_sync(v, 0x101, 1, "level: in the handler");
	EXPECT_RET(efd_count(r), 0);
	expect_sync(v, 7, 1, "level: after the EOI");
	EXPECT_RET(efd_count(r), 1);
	efd_signal(l1);
	expect_sync(v, 0x102, 2, "level again: in the handler");
	expect_sync(v, 8, 2, "level again: after the EOI");
	EXPECT_RET(efd_count(r), 1);
	expect_sync(v, 9, 2, "level: no second interrupt");
	EXPECT_RET(efd_count(r), 0);
	vcpu_run_expect_done(v);
	EXPECT_RET(irqfd(vm, l1, LEVEL_PIN, DEASSIGN, 0), 0);
	vm_free(vm);
	close(e1);
	close(e2);
	close(e3);
	close(r);
	close(l1);
	ksft_pass("resample: lowered and the resamplefd signalled at the EOI");
}

static void run(struct test_dev *dev)
{
	test_no_irqchip(dev);
	test_set_routing(dev);
	test_statuses(dev);
	test_irqfd(dev);
	test_guest_edge(dev);
}

int main(void)
{
	return ksft_run_devices("irq_routing", 6, run);
}
