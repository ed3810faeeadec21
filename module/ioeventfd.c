// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_IOEVENTFD: a guest write to a port or MMIO address signals an
 * eventfd instead of exiting to userspace, with KVM's ABI and errnos
 * (virt/kvm/eventfd.c in Linux 6.1).  Each ioeventfd is a device on the
 * I/O bus at its address; a write it does not match (another length, or
 * other data with KVM_IOEVENTFD_FLAG_DATAMATCH) is left to the next device
 * on the bus, and then to userspace.  Reads are never an ioeventfd's.
 * No irqchip is needed.
 *
 * The ioeventfds of a VM are on vm->ioeventfds, under vm->slots_lock like
 * the buses they are on.
 */
#include <linux/eventfd.h>
#include <linux/slab.h>
#include <asm/unaligned.h>

#include "ember.h"
#include "io_bus.h"
#include "irq.h"

struct ember_ioeventfd {
	struct list_head list;		/* on vm->ioeventfds; slots_lock */
	u64 addr;
	int length;			/* 0: any write at addr */
	u64 datamatch;
	bool wildcard;			/* no KVM_IOEVENTFD_FLAG_DATAMATCH */
	enum ember_bus bus;
	struct eventfd_ctx *eventfd;
	struct ember_io_device dev;
};

static struct ember_ioeventfd *to_ioeventfd(struct ember_io_device *dev)
{
	return container_of(dev, struct ember_ioeventfd, dev);
}

/* Is a write of @len bytes of @val at @addr this ioeventfd's? */
static bool ioeventfd_matches(const struct ember_ioeventfd *p, u64 addr,
			      int len, const void *val)
{
	u64 v;

	if (addr != p->addr)
		return false;
	if (!p->length)
		return true;
	if (len != p->length)
		return false;
	if (p->wildcard)
		return true;
	switch (len) {
	case 1:
		v = *(const u8 *)val;
		break;
	case 2:
		v = get_unaligned((const u16 *)val);
		break;
	case 4:
		v = get_unaligned((const u32 *)val);
		break;
	case 8:
		v = get_unaligned((const u64 *)val);
		break;
	default:
		return false;
	}
	return v == p->datamatch;
}

/* The vCPU's thread, inside srcu_read_lock(&vm->srcu). */
static int ioeventfd_write(struct ember_vcpu *vcpu, struct ember_io_device *dev,
			   u64 addr, int len, const void *val)
{
	struct ember_ioeventfd *p = to_ioeventfd(dev);

	if (!ioeventfd_matches(p, addr, len, val))
		return -EOPNOTSUPP;
	eventfd_signal(p->eventfd, 1);
	return 0;
}

static void ioeventfd_free(struct ember_ioeventfd *p)
{
	eventfd_ctx_put(p->eventfd);
	list_del(&p->list);
	kfree(p);
}

/* VM teardown (ember_io_bus_destroy): off the bus, no reader left. */
static void ioeventfd_destructor(struct ember_io_device *dev)
{
	ioeventfd_free(to_ioeventfd(dev));
}

static const struct ember_io_device_ops ioeventfd_ops = {
	.write		= ioeventfd_write,
	.destructor	= ioeventfd_destructor,
};

/*
 * Would @p catch a write that an ioeventfd already there catches?  Same
 * bus and address, and either has no length, or the lengths are equal and
 * either has no datamatch or the data are equal.
 */
static bool ioeventfd_collides(struct ember_vm *vm,
			       const struct ember_ioeventfd *p)
{
	struct ember_ioeventfd *q;

	lockdep_assert_held(&vm->slots_lock);
	list_for_each_entry(q, &vm->ioeventfds, list)
		if (q->bus == p->bus && q->addr == p->addr &&
		    (!q->length || !p->length ||
		     (q->length == p->length &&
		      (q->wildcard || p->wildcard ||
		       q->datamatch == p->datamatch))))
			return true;
	return false;
}

static enum ember_bus ioeventfd_bus(u32 flags)
{
	if (flags & KVM_IOEVENTFD_FLAG_PIO)
		return EMBER_PIO_BUS;
	if (flags & KVM_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY)
		return EMBER_VIRTIO_CCW_NOTIFY_BUS;
	return EMBER_MMIO_BUS;
}

/* KVM's order of checks: kvm_assign_ioeventfd(). */
static int ioeventfd_assign(struct ember_vm *vm, struct kvm_ioeventfd *args)
{
	struct eventfd_ctx *eventfd;
	struct ember_ioeventfd *p;
	int r;

	/* A natural width, or 0 for any write at the address. */
	switch (args->len) {
	case 0:
	case 1:
	case 2:
	case 4:
	case 8:
		break;
	default:
		return -EINVAL;
	}
	if (args->addr + args->len < args->addr)
		return -EINVAL;
	if (args->flags & ~KVM_IOEVENTFD_VALID_FLAG_MASK)
		return -EINVAL;
	if (!args->len && (args->flags & KVM_IOEVENTFD_FLAG_DATAMATCH))
		return -EINVAL;

	eventfd = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(eventfd))
		return PTR_ERR(eventfd);

	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p) {
		r = -ENOMEM;
		goto out_put;
	}
	INIT_LIST_HEAD(&p->list);
	p->addr = args->addr;
	p->length = args->len;
	p->bus = ioeventfd_bus(args->flags);
	p->eventfd = eventfd;
	p->dev.ops = &ioeventfd_ops;
	if (args->flags & KVM_IOEVENTFD_FLAG_DATAMATCH)
		p->datamatch = args->datamatch;
	else
		p->wildcard = true;

	mutex_lock(&vm->slots_lock);
	r = -EEXIST;
	if (ioeventfd_collides(vm, p))
		goto out_unlock;
	r = ember_io_bus_register_uncounted(vm, p->bus, p->addr, p->length,
					    &p->dev);
	if (r)
		goto out_unlock;
	list_add_tail(&p->list, &vm->ioeventfds);
	mutex_unlock(&vm->slots_lock);
	return 0;

out_unlock:
	mutex_unlock(&vm->slots_lock);
	kfree(p);
out_put:
	eventfd_ctx_put(eventfd);
	return r;
}

/* The one ioeventfd assigned with these very arguments, or -ENOENT. */
static int ioeventfd_deassign(struct ember_vm *vm, struct kvm_ioeventfd *args)
{
	bool wildcard = !(args->flags & KVM_IOEVENTFD_FLAG_DATAMATCH);
	enum ember_bus bus = ioeventfd_bus(args->flags);
	struct ember_ioeventfd *p;
	struct eventfd_ctx *eventfd;
	int r = -ENOENT;

	eventfd = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(eventfd))
		return PTR_ERR(eventfd);

	mutex_lock(&vm->slots_lock);
	list_for_each_entry(p, &vm->ioeventfds, list) {
		if (p->bus != bus || p->eventfd != eventfd ||
		    p->addr != args->addr || p->length != args->len ||
		    p->wildcard != wildcard ||
		    (!wildcard && p->datamatch != args->datamatch))
			continue;
		/* No vCPU sees it once this returns. */
		ember_io_bus_unregister(vm, bus, &p->dev);
		ioeventfd_free(p);
		r = 0;
		break;
	}
	mutex_unlock(&vm->slots_lock);
	eventfd_ctx_put(eventfd);
	return r;
}

int ember_ioeventfd(struct ember_vm *vm, struct kvm_ioeventfd *args)
{
	if (args->flags & KVM_IOEVENTFD_FLAG_DEASSIGN)
		return ioeventfd_deassign(vm, args);
	return ioeventfd_assign(vm, args);
}
