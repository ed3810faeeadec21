// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of module/io_bus.c: ranges registered and unregistered at
 * random, overlapping or not, and every access checked against a plain
 * walk over what is registered (which devices are asked, in which order,
 * and who takes it).  The kernel's SRCU, locks and allocator are stood in
 * for below; struct ember_vm is reduced to what the bus uses.  TAP output;
 * exit 0 if every case passes, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>

#include "kernel_compat.h"

/* The kernel primitives io_bus.c uses. */
#define __rcu
#define GFP_KERNEL_ACCOUNT	0
#define kvmalloc(size, gfp)	(fail_alloc ? NULL : malloc(size))
#define kvfree(p)		free(p)
#define struct_size(p, member, n) \
	(sizeof(*(p)) + (size_t)(n) * sizeof((p)->member[0]))
#define max(a, b)		((a) > (b) ? (a) : (b))
#define READ_ONCE(x)		(x)
#define WRITE_ONCE(x, v)	((x) = (v))
#define rcu_assign_pointer(p, v)	((p) = (v))
#define RCU_INIT_POINTER(p, v)		((p) = (v))
#define rcu_dereference_protected(p, c)	((void)(c), (p))
#define srcu_dereference(p, s)		(p)
#define lockdep_is_held(l)		(*(l) > 0)
#define lockdep_assert_held(l)		do { if (!*(l)) abort(); } while (0)
#define srcu_read_lock(s)		((*(s))++, 0)
#define srcu_read_unlock(s, i)		((void)(i), (*(s))--)
#define synchronize_srcu_expedited(s) \
	do { if (*(s)) abort(); grace_periods++; } while (0)

static bool fail_alloc;
static int grace_periods;

/* ember.h, as far as the bus needs it. */
#define EMBER_H
#include "../../module/io_bus.h"
struct ember_vm {
	int srcu;		/* readers inside */
	int slots_lock;		/* held */
	struct ember_io_bus __rcu *buses[EMBER_NR_BUSES];
};
struct ember_vcpu {
	struct ember_vm *vm;
};

#include "../../module/io_bus.c"

#define NDEV	64

struct tdev {
	struct ember_io_device dev;
	int id;
	bool on;
	u64 addr;
	int len;
	bool takes;		/* returns 0, else -EOPNOTSUPP */
	int destroyed;
};

static struct tdev devs[NDEV];
static int asked[NDEV * 2], nasked;
static int failures, cases;

static int tdev_write(struct ember_vcpu *vcpu, struct ember_io_device *dev,
		      u64 addr, int len, const void *val)
{
	struct tdev *t = (struct tdev *)dev;

	(void)addr, (void)len, (void)val;
	if (!vcpu->vm->srcu)
		abort();	/* outside the read section */
	asked[nasked++] = t->id;
	return t->takes ? 0 : -EOPNOTSUPP;
}

static int tdev_read(struct ember_vcpu *vcpu, struct ember_io_device *dev,
		     u64 addr, int len, void *val)
{
	*(u64 *)val = ((struct tdev *)dev)->id;
	return tdev_write(vcpu, dev, addr, len, NULL);
}

static void tdev_destroy(struct ember_io_device *dev)
{
	((struct tdev *)dev)->destroyed++;
}

static const struct ember_io_device_ops tdev_ops = {
	.read = tdev_read, .write = tdev_write, .destructor = tdev_destroy,
};

static void check(bool ok, const char *what)
{
	cases++;
	if (!ok) {
		failures++;
		printf("# FAIL: %s\n", what);
	}
}

static bool holds(const struct tdev *t, u64 addr, int len)
{
	if (!t->len)
		return addr == t->addr;
	return addr >= t->addr && addr + len - 1 <= t->addr + t->len - 1;
}

/* The devices the bus must ask, in order: by start, end, registration. */
static int expect[NDEV], nexpect;
static int reg_order[NDEV], nreg;

static void expected(u64 addr, int len)
{
	int i, j;

	nexpect = 0;
	for (i = 0; i < nreg; i++) {
		const struct tdev *t = &devs[reg_order[i]];

		if (t->on && holds(t, addr, len))
			expect[nexpect++] = t->id;
	}
	/* Stable insertion sort by (addr, last). */
	for (i = 1; i < nexpect; i++) {
		int v = expect[i];
		const struct tdev *a = &devs[v];

		for (j = i; j > 0; j--) {
			const struct tdev *b = &devs[expect[j - 1]];
			u64 alast = a->addr + (a->len ? a->len - 1 : 0);
			u64 blast = b->addr + (b->len ? b->len - 1 : 0);

			if (b->addr < a->addr ||
			    (b->addr == a->addr && blast <= alast))
				break;
			expect[j] = expect[j - 1];
		}
		expect[j] = v;
	}
}

static void access_check(struct ember_vcpu *vcpu, u64 addr, int len,
			 bool read)
{
	int i, r, want = -EOPNOTSUPP, nwant = nexpect;
	u64 val = ~0ull, one = 1;
	char what[128];

	expected(addr, len);
	nwant = nexpect;
	for (i = 0; i < nexpect; i++) {
		if (devs[expect[i]].takes) {
			want = 0;
			nwant = i + 1;
			break;
		}
	}
	nasked = 0;
	r = read ? ember_io_bus_read(vcpu, EMBER_PIO_BUS, addr, len, &val) :
		   ember_io_bus_write(vcpu, EMBER_PIO_BUS, addr, len, &one);
	snprintf(what, sizeof(what), "%s %#llx/%d: r %d want %d, asked %d want %d",
		 read ? "read" : "write", (unsigned long long)addr, len, r, want,
		 nasked, nwant);
	check(r == want && nasked == nwant &&
	      !memcmp(asked, expect, nwant * sizeof(int)) &&
	      (!read || r || val == (u64)expect[nwant - 1]), what);
}

static unsigned int rnd(unsigned int n)
{
	return (unsigned int)random() % n;
}

int main(void)
{
	struct ember_vm vm = { 0 };
	struct ember_vcpu vcpu = { .vm = &vm };
	int i, round, r;

	printf("TAP version 13\n1..1\n");
	srandom(1);
	vm.slots_lock = 1;

	for (i = 0; i < NDEV; i++) {
		devs[i].dev.ops = &tdev_ops;
		devs[i].id = i;
	}

	/* Random registrations, removals and accesses in a small space. */
	for (round = 0; round < 20000; round++) {
		struct tdev *t = &devs[rnd(NDEV)];
		int op = rnd(10);

		if (op < 3 && !t->on) {
			static const int lens[] = { 0, 1, 2, 4, 8, 3, 16, 64 };

			t->addr = rnd(128);
			t->len = lens[rnd(8)];
			t->takes = rnd(3) != 0;
			r = rnd(2) ? ember_io_bus_register(&vm, EMBER_PIO_BUS,
							   t->addr, t->len,
							   &t->dev) :
				     ember_io_bus_register_uncounted(&vm,
							EMBER_PIO_BUS, t->addr,
							t->len, &t->dev);
			check(r == 0, "register");
			t->on = true;
			for (i = 0; i < nreg && reg_order[i] != t->id; i++)
				;
			if (i < nreg) {
				memmove(&reg_order[i], &reg_order[i + 1],
					(nreg - i - 1) * sizeof(int));
				nreg--;
			}
			reg_order[nreg++] = t->id;
		} else if (op < 5 && t->on) {
			/* Now and then, as if memory ran out. */
			fail_alloc = rnd(4) == 0;
			ember_io_bus_unregister(&vm, EMBER_PIO_BUS, &t->dev);
			fail_alloc = false;
			t->on = false;
		} else {
			static const int lens[] = { 1, 2, 4, 8 };

			access_check(&vcpu, rnd(140), lens[rnd(4)], rnd(2));
		}
	}

	/* A device on two ranges goes with one unregister, both of them. */
	for (i = 0; i < NDEV; i++) {
		if (devs[i].on)
			ember_io_bus_unregister(&vm, EMBER_PIO_BUS, &devs[i].dev);
		devs[i].on = false;
	}
	nreg = 0;
	r = ember_io_bus_register(&vm, EMBER_PIO_BUS, 0x10, 4, &devs[0].dev);
	r |= ember_io_bus_register(&vm, EMBER_PIO_BUS, 0x20, 4, &devs[0].dev);
	check(!r, "two ranges");
	nasked = 0;
	ember_io_bus_unregister(&vm, EMBER_PIO_BUS, &devs[0].dev);
	check(ember_io_bus_write(&vcpu, EMBER_PIO_BUS, 0x20, 1, &r) ==
	      -EOPNOTSUPP && nasked == 0, "both ranges gone");

	/* Bad arguments. */
	check(ember_io_bus_register(&vm, EMBER_MMIO_BUS, ~0ull - 2, 8,
				    &devs[1].dev) == -EINVAL, "wrapping range");
	check(ember_io_bus_register(&vm, EMBER_MMIO_BUS, 0, -1,
				    &devs[1].dev) == -EINVAL, "negative length");
	check(ember_io_bus_write(&vcpu, EMBER_MMIO_BUS, ~0ull, 4, &r) ==
	      -EOPNOTSUPP, "wrapping access, empty bus");
	r = ember_io_bus_register(&vm, EMBER_MMIO_BUS, ~0ull - 7, 8,
				  &devs[1].dev);
	check(!r, "range at the top");
	devs[1].takes = true;
	check(ember_io_bus_write(&vcpu, EMBER_MMIO_BUS, ~0ull - 3, 4, &r) == 0,
	      "access at the top");
	check(ember_io_bus_write(&vcpu, EMBER_MMIO_BUS, ~0ull - 1, 4, &r) ==
	      -EOPNOTSUPP, "wrapping access");

	/* The limit counts devices, not ioeventfds. */
	for (i = 0; i < EMBER_IO_BUS_MAX_DEVS; i++) {
		r = ember_io_bus_register(&vm, EMBER_PIO_BUS, i, 1,
					  &devs[2].dev);
		if (r)
			break;
	}
	check(!r, "EMBER_IO_BUS_MAX_DEVS devices");
	check(ember_io_bus_register(&vm, EMBER_PIO_BUS, 0, 1, &devs[3].dev) ==
	      -ENOSPC, "one more: -ENOSPC");
	check(ember_io_bus_register_uncounted(&vm, EMBER_PIO_BUS, 0, 1,
					      &devs[3].dev) == 0,
	      "an ioeventfd past the limit");
	ember_io_bus_unregister(&vm, EMBER_PIO_BUS, &devs[3].dev);
	fail_alloc = true;
	ember_io_bus_unregister(&vm, EMBER_PIO_BUS, &devs[2].dev);
	fail_alloc = false;
	check(ember_io_bus_register(&vm, EMBER_PIO_BUS, 0, 1, &devs[3].dev) == 0,
	      "room again after an unregister without memory");

	/* Destroy: each device once. */
	for (i = 0; i < NDEV; i++)
		devs[i].destroyed = 0;
	ember_io_bus_register(&vm, EMBER_PIO_BUS, 0x40, 1, &devs[3].dev);
	ember_io_bus_destroy(&vm);
	check(devs[3].destroyed == 1 && devs[1].destroyed == 1 &&
	      devs[2].destroyed == 0, "destructors, once each");
	check(!vm.buses[0] && !vm.buses[1], "buses gone");

	printf("# %d cases, %d grace periods\n", cases, grace_periods);
	printf("%s 1 io_bus: lookups match a plain walk\n",
	       failures ? "not ok" : "ok");
	return failures ? 1 : 0;
}
