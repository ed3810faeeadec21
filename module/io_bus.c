// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel I/O bus: who in the kernel answers a port or MMIO address
 * before an exit goes to userspace.
 *
 * A bus is one array of ranges sorted by start address, published in
 * vm->buses[] and read under srcu_read_lock(&vm->srcu) by the vCPU that
 * exits.  A change (under vm->slots_lock) builds a changed copy, publishes
 * it, waits for the readers of the old one (synchronize_srcu) and frees it:
 * readers take no lock at all, and a device taken off the bus is seen by no
 * reader once ember_io_bus_unregister() returns.
 *
 * Ranges may overlap (several ioeventfds on one port with different data,
 * an ioeventfd inside a device's range).  An access goes to every device
 * whose range holds all of it, in order of start address, until one takes
 * it.  To find them without walking the whole array, each entry also keeps
 * the highest address reached by it and every entry before it ("reach",
 * which only grows along the array): the candidates for an access at @addr
 * are the entries from the first whose reach is at or past @addr to the
 * last that starts at or below it, two binary searches apart.
 *
 * A range of length 0 is an address, not a range: it takes any access that
 * starts there, whatever its length (an ioeventfd of length 0, as in KVM).
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/srcu.h>

#include "ember.h"
#include "io_bus.h"

struct ember_io_range {
	u64 addr;
	u64 last;		/* last address in the range; addr if len 0 */
	u64 reach;		/* max(last) of this and every earlier entry */
	int len;
	bool counted;		/* against EMBER_IO_BUS_MAX_DEVS */
	/*
	 * NULL once taken off when no smaller copy could be allocated
	 * (ember_io_bus_unregister); written with WRITE_ONCE then.
	 */
	struct ember_io_device *dev;
};

struct ember_io_bus {
	int nr;			/* entries in range[], NULL ones included */
	int nr_counted;
	struct ember_io_range range[];
};

/* Writers: vm->slots_lock held. */
static struct ember_io_bus *bus_get_locked(struct ember_vm *vm,
					   enum ember_bus idx)
{
	return rcu_dereference_protected(vm->buses[idx],
					 lockdep_is_held(&vm->slots_lock));
}

static void bus_fix_reach(struct ember_io_bus *b)
{
	u64 reach = 0;
	int i;

	for (i = 0; i < b->nr; i++) {
		reach = max(reach, b->range[i].last);
		b->range[i].reach = reach;
	}
}

/* Publish @new in place of @old, wait for @old's readers, free @old. */
static void bus_replace(struct ember_vm *vm, enum ember_bus idx,
			struct ember_io_bus *old, struct ember_io_bus *new)
{
	rcu_assign_pointer(vm->buses[idx], new);
	synchronize_srcu_expedited(&vm->srcu);
	kvfree(old);
}

static int bus_register(struct ember_vm *vm, enum ember_bus idx, u64 addr,
			int len, struct ember_io_device *dev, bool counted)
{
	struct ember_io_bus *old, *new;
	struct ember_io_range r = {
		.addr = addr, .len = len, .dev = dev, .counted = counted,
		.last = addr + (len ? len - 1 : 0),
	};
	int i, n = 0, nr_counted, nr_old;

	lockdep_assert_held(&vm->slots_lock);
	if (!dev || len < 0 || r.last < addr || idx >= EMBER_NR_BUSES)
		return -EINVAL;

	old = bus_get_locked(vm, idx);
	nr_old = old ? old->nr : 0;
	nr_counted = old ? old->nr_counted : 0;
	if (counted && nr_counted >= EMBER_IO_BUS_MAX_DEVS)
		return -ENOSPC;

	/* ioeventfds are not counted: as many as the process has fds. */
	new = kvmalloc(struct_size(new, range, nr_old + 1), GFP_KERNEL_ACCOUNT);
	if (!new)
		return -ENOMEM;

	/*
	 * Copy the live entries, the new one after those that start at the
	 * same address and end no later (so, among equals, in the order of
	 * registration).
	 */
	for (i = 0; i < nr_old; i++) {
		const struct ember_io_range *o = &old->range[i];

		if (!o->dev)
			continue;
		if (r.dev && (o->addr > r.addr ||
			      (o->addr == r.addr && o->last > r.last))) {
			new->range[n++] = r;
			r.dev = NULL;
		}
		new->range[n++] = *o;
	}
	if (r.dev)
		new->range[n++] = r;
	new->nr = n;
	new->nr_counted = nr_counted + counted;
	bus_fix_reach(new);

	bus_replace(vm, idx, old, new);
	return 0;
}

int ember_io_bus_register(struct ember_vm *vm, enum ember_bus bus, u64 addr,
			  int len, struct ember_io_device *dev)
{
	return bus_register(vm, bus, addr, len, dev, true);
}

int ember_io_bus_register_uncounted(struct ember_vm *vm, enum ember_bus bus,
				    u64 addr, int len,
				    struct ember_io_device *dev)
{
	return bus_register(vm, bus, addr, len, dev, false);
}

void ember_io_bus_unregister(struct ember_vm *vm, enum ember_bus idx,
			     struct ember_io_device *dev)
{
	struct ember_io_bus *old, *new;
	int i, n = 0, gone = 0, gone_counted = 0;

	lockdep_assert_held(&vm->slots_lock);
	if (idx >= EMBER_NR_BUSES)
		return;
	old = bus_get_locked(vm, idx);
	if (!old)
		return;
	for (i = 0; i < old->nr; i++) {
		if (old->range[i].dev == dev) {
			gone++;
			gone_counted += old->range[i].counted;
		}
	}
	if (!gone)
		return;

	new = kvmalloc(struct_size(new, range, old->nr - gone),
		       GFP_KERNEL_ACCOUNT);
	if (!new) {
		/*
		 * No memory for a smaller copy: hide the device's entries in
		 * the published array instead.  Readers skip a NULL device;
		 * the next register leaves them out of its copy.
		 */
		for (i = 0; i < old->nr; i++)
			if (old->range[i].dev == dev)
				WRITE_ONCE(old->range[i].dev, NULL);
		old->nr_counted -= gone_counted;
		synchronize_srcu_expedited(&vm->srcu);
		return;
	}
	for (i = 0; i < old->nr; i++)
		if (old->range[i].dev && old->range[i].dev != dev)
			new->range[n++] = old->range[i];
	new->nr = n;
	new->nr_counted = old->nr_counted - gone_counted;
	bus_fix_reach(new);
	bus_replace(vm, idx, old, new);
}

static bool range_holds(const struct ember_io_range *r, u64 addr, u64 last)
{
	if (!r->len)
		return addr == r->addr;
	return addr >= r->addr && last <= r->last;
}

/*
 * Try every device whose range holds [@addr, @addr + @len): 0 as soon as
 * one took the access, else -EOPNOTSUPP.  Inside srcu_read_lock(&vm->srcu).
 */
static int bus_access(struct ember_vcpu *vcpu, const struct ember_io_bus *b,
		      u64 addr, int len, const void *wval, void *rval)
{
	u64 last = addr + len - 1;
	int lo, hi, l, h;

	if (len <= 0 || last < addr)
		return -EOPNOTSUPP;

	/* hi: the first entry that starts past @addr. */
	l = 0;
	h = b->nr;
	while (l < h) {
		int mid = l + (h - l) / 2;

		if (b->range[mid].addr <= addr)
			l = mid + 1;
		else
			h = mid;
	}
	hi = l;
	/* lo: the first entry that reaches @addr. */
	l = 0;
	h = hi;
	while (l < h) {
		int mid = l + (h - l) / 2;

		if (b->range[mid].reach < addr)
			l = mid + 1;
		else
			h = mid;
	}
	lo = l;

	for (; lo < hi; lo++) {
		const struct ember_io_range *r = &b->range[lo];
		struct ember_io_device *dev = READ_ONCE(r->dev);
		int ret;

		if (!dev || !range_holds(r, addr, last))
			continue;
		if (wval)
			ret = dev->ops->write ?
			      dev->ops->write(vcpu, dev, addr, len, wval) :
			      -EOPNOTSUPP;
		else
			ret = dev->ops->read ?
			      dev->ops->read(vcpu, dev, addr, len, rval) :
			      -EOPNOTSUPP;
		if (!ret)
			return 0;
	}
	return -EOPNOTSUPP;
}

static int io_bus_access(struct ember_vcpu *vcpu, enum ember_bus idx,
			 u64 addr, int len, const void *wval, void *rval)
{
	struct ember_vm *vm = vcpu->vm;
	const struct ember_io_bus *b;
	int srcu_idx, r = -EOPNOTSUPP;

	if (idx >= EMBER_NR_BUSES)
		return -EOPNOTSUPP;
	srcu_idx = srcu_read_lock(&vm->srcu);
	b = srcu_dereference(vm->buses[idx], &vm->srcu);
	if (b)
		r = bus_access(vcpu, b, addr, len, wval, rval);
	srcu_read_unlock(&vm->srcu, srcu_idx);
	return r;
}

int ember_io_bus_write(struct ember_vcpu *vcpu, enum ember_bus bus, u64 addr,
		       int len, const void *val)
{
	return io_bus_access(vcpu, bus, addr, len, val, NULL);
}

int ember_io_bus_read(struct ember_vcpu *vcpu, enum ember_bus bus, u64 addr,
		      int len, void *val)
{
	return io_bus_access(vcpu, bus, addr, len, NULL, val);
}

void ember_io_bus_destroy(struct ember_vm *vm)
{
	int idx, i, j;

	for (idx = 0; idx < EMBER_NR_BUSES; idx++) {
		/* The VM is going: no vCPU runs, no reader is left. */
		struct ember_io_bus *b = rcu_dereference_protected(vm->buses[idx],
								   true);

		if (!b)
			continue;
		RCU_INIT_POINTER(vm->buses[idx], NULL);
		for (i = 0; i < b->nr; i++) {
			struct ember_io_device *dev = b->range[i].dev;

			if (!dev)
				continue;
			/* A device on several ranges is destroyed once. */
			for (j = 0; j < i; j++)
				if (b->range[j].dev == dev)
					break;
			if (j == i && dev->ops->destructor)
				dev->ops->destructor(dev);
		}
		kvfree(b);
	}
}
