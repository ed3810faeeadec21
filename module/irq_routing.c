// SPDX-License-Identifier: GPL-2.0
/*
 * GSI routing: what raising a global system interrupt line does (module/
 * irq.h), and the VM ioctls of interrupts from outside the vCPUs, with
 * KVM's checks and errnos (virt/kvm/kvm_main.c, irqchip.c, eventfd.c;
 * arch/x86/kvm/x86.c, irq_comm.c in Linux 6.1).
 *
 * The routing table is one allocation: the table, its per-GSI lists, then
 * the routes.  A change builds a whole new table (KVM_SET_GSI_ROUTING
 * replaces everything), publishes it under vm->irq_lock and frees the old
 * one after an SRCU grace period of vm->irq_srcu.  Readers (KVM_IRQ_LINE,
 * irqfd wakeups with interrupts off, EOI notifications) only take
 * srcu_read_lock(), which never sleeps.
 */
#include <linux/bitops.h>
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "ember.h"
#include "arch.h"
#include "io_bus.h"
#include "irq.h"

/* Under irq_srcu, or with irq_lock held. */
static struct ember_irq_routing_table *irq_routing(struct ember_vm *vm)
{
	return srcu_dereference_check(vm->irq_routing, &vm->irq_srcu,
				      lockdep_is_held(&vm->irq_lock));
}

int ember_set_irq(struct ember_vm *vm, int irq_source_id, u32 gsi, int level,
		  bool line_status)
{
	struct ember_irq_routing_table *rt;
	struct ember_irq_route *e;
	int ret = -1, idx;

	idx = srcu_read_lock(&vm->irq_srcu);
	rt = irq_routing(vm);
	if (rt && gsi < rt->nr_rt_entries) {
		gsi = array_index_nospec(gsi, rt->nr_rt_entries);
		/*
		 * A GSI may reach both PICs' pin and the IOAPIC's: the guest
		 * uses one of them.  Each route that did not ignore the
		 * interrupt adds its count (KVM's sum of the statuses).
		 */
		hlist_for_each_entry_srcu(e, &rt->map[gsi], link,
					  srcu_read_lock_held(&vm->irq_srcu)) {
			int r = e->set(e, vm, irq_source_id, level,
				       line_status);

			if (r < 0)
				continue;
			ret = r + (ret < 0 ? 0 : ret);
		}
	}
	srcu_read_unlock(&vm->irq_srcu, idx);
	return ret;
}

/* kvm_send_userspace_msi(): the checks, then one rising edge. */
int ember_set_msi(struct ember_vm *vm, const struct kvm_msi *msi)
{
	if (!ember_arch_irqchip_in_kernel(vm) ||
	    (msi->flags & ~KVM_MSI_VALID_DEVID))
		return -EINVAL;
	return ember_arch_deliver_msi(vm, msi->address_lo, msi->address_hi,
				      msi->data);
}

static void free_routing_table(struct ember_irq_routing_table *rt)
{
	kvfree(rt);	/* the routes are in the same allocation */
}

/*
 * One entry into @rt: KVM's rules (setup_routing_entry): a GSI reaches
 * each irqchip at most once, and an MSI route is the GSI's only route.
 */
static int setup_route(struct ember_vm *vm, struct ember_irq_routing_table *rt,
		       struct ember_irq_route *e,
		       const struct kvm_irq_routing_entry *ue)
{
	u32 gsi = array_index_nospec(ue->gsi, rt->nr_rt_entries);
	struct ember_irq_route *ei;
	int r;

	if (ue->flags & ~(ue->type == KVM_IRQ_ROUTING_MSI ?
			  KVM_MSI_VALID_DEVID : 0))
		return -EINVAL;
	hlist_for_each_entry(ei, &rt->map[gsi], link)
		if (ei->type != KVM_IRQ_ROUTING_IRQCHIP ||
		    ue->type != KVM_IRQ_ROUTING_IRQCHIP ||
		    ue->u.irqchip.irqchip == ei->irqchip.irqchip)
			return -EINVAL;

	e->gsi = gsi;
	e->type = ue->type;
	r = ember_arch_set_irq_route(vm, e, ue);
	if (r)
		return r;
	if (e->type == KVM_IRQ_ROUTING_IRQCHIP) {
		/* The backend checked the pin; the table's bounds are ours. */
		if (e->irqchip.irqchip >= EMBER_NR_IRQCHIPS ||
		    e->irqchip.pin >= EMBER_IRQCHIP_NUM_PINS)
			return -EINVAL;
		rt->chip[e->irqchip.irqchip][e->irqchip.pin] = gsi;
	}
	hlist_add_head(&e->link, &rt->map[gsi]);
	return 0;
}

int ember_set_irq_routing(struct ember_vm *vm,
			  const struct kvm_irq_routing_entry *ue,
			  unsigned int nr, unsigned int flags)
{
	struct ember_irq_routing_table *new, *old;
	struct ember_irq_route *routes;
	u32 i, j, nr_rt_entries = 0;
	size_t size;
	int r;

	if (nr > EMBER_MAX_IRQ_ROUTES || flags)
		return -EINVAL;
	for (i = 0; i < nr; i++) {
		if (ue[i].gsi >= EMBER_MAX_IRQ_ROUTES)
			return -EINVAL;
		nr_rt_entries = max(nr_rt_entries, ue[i].gsi);
	}
	nr_rt_entries++;

	/* At most 4096 lists and 4096 routes: no overflow. */
	size = struct_size(new, map, nr_rt_entries);
	new = kvzalloc(size + nr * sizeof(*routes), GFP_KERNEL_ACCOUNT);
	if (!new)
		return -ENOMEM;
	routes = (void *)new + size;
	new->nr_rt_entries = nr_rt_entries;
	for (i = 0; i < EMBER_NR_IRQCHIPS; i++)
		for (j = 0; j < EMBER_IRQCHIP_NUM_PINS; j++)
			new->chip[i][j] = -1;
	for (i = 0; i < nr; i++) {
		r = setup_route(vm, new, &routes[i], &ue[i]);
		if (r) {
			free_routing_table(new);
			return r;
		}
	}

	mutex_lock(&vm->irq_lock);
	old = rcu_dereference_protected(vm->irq_routing,
					lockdep_is_held(&vm->irq_lock));
	rcu_assign_pointer(vm->irq_routing, new);
	ember_irqfd_routing_update(vm);
	mutex_unlock(&vm->irq_lock);

	synchronize_srcu_expedited(&vm->irq_srcu);
	free_routing_table(old);
	return 0;
}

void ember_free_irq_routing(struct ember_vm *vm)
{
	/* VM teardown: no reader is left. */
	free_routing_table(rcu_dereference_protected(vm->irq_routing, true));
	RCU_INIT_POINTER(vm->irq_routing, NULL);
}

void ember_register_irq_ack_notifier(struct ember_vm *vm,
				     struct ember_irq_ack_notifier *ian)
{
	mutex_lock(&vm->irq_lock);
	hlist_add_head_rcu(&ian->link, &vm->irq_ack_notifier_list);
	mutex_unlock(&vm->irq_lock);
}

void ember_unregister_irq_ack_notifier(struct ember_vm *vm,
				       struct ember_irq_ack_notifier *ian)
{
	mutex_lock(&vm->irq_lock);
	hlist_del_init_rcu(&ian->link);
	mutex_unlock(&vm->irq_lock);
	synchronize_srcu(&vm->irq_srcu);
}

/* The GSI wired to (@irqchip, @pin), or -1.  Under irq_srcu. */
static int chip_pin_to_gsi(struct ember_vm *vm, unsigned int irqchip,
			   unsigned int pin)
{
	struct ember_irq_routing_table *rt = irq_routing(vm);

	if (!rt || irqchip >= EMBER_NR_IRQCHIPS ||
	    pin >= EMBER_IRQCHIP_NUM_PINS)
		return -1;
	irqchip = array_index_nospec(irqchip, EMBER_NR_IRQCHIPS);
	pin = array_index_nospec(pin, EMBER_IRQCHIP_NUM_PINS);
	return rt->chip[irqchip][pin];
}

void ember_notify_acked_irq(struct ember_vm *vm, unsigned int irqchip,
			    unsigned int pin)
{
	struct ember_irq_ack_notifier *ian;
	int gsi, idx;

	idx = srcu_read_lock(&vm->irq_srcu);
	gsi = chip_pin_to_gsi(vm, irqchip, pin);
	if (gsi != -1)
		hlist_for_each_entry_srcu(ian, &vm->irq_ack_notifier_list, link,
					  srcu_read_lock_held(&vm->irq_srcu))
			if (ian->gsi == gsi)
				ian->irq_acked(ian);
	srcu_read_unlock(&vm->irq_srcu, idx);
}

void ember_register_irq_mask_notifier(struct ember_vm *vm,
				      struct ember_irq_mask_notifier *imn)
{
	mutex_lock(&vm->irq_lock);
	hlist_add_head_rcu(&imn->link, &vm->irq_mask_notifier_list);
	mutex_unlock(&vm->irq_lock);
}

void ember_unregister_irq_mask_notifier(struct ember_vm *vm,
					struct ember_irq_mask_notifier *imn)
{
	mutex_lock(&vm->irq_lock);
	hlist_del_init_rcu(&imn->link);
	mutex_unlock(&vm->irq_lock);
	synchronize_srcu(&vm->irq_srcu);
}

void ember_fire_mask_notifiers(struct ember_vm *vm, unsigned int irqchip,
			       unsigned int pin, bool masked)
{
	struct ember_irq_mask_notifier *imn;
	int gsi, idx;

	idx = srcu_read_lock(&vm->irq_srcu);
	gsi = chip_pin_to_gsi(vm, irqchip, pin);
	if (gsi != -1)
		hlist_for_each_entry_srcu(imn, &vm->irq_mask_notifier_list,
					  link,
					  srcu_read_lock_held(&vm->irq_srcu))
			if (imn->gsi == gsi)
				imn->func(imn, masked);
	srcu_read_unlock(&vm->irq_srcu, idx);
}

bool ember_irq_has_notifier(struct ember_vm *vm, unsigned int irqchip,
			    unsigned int pin)
{
	struct ember_irq_ack_notifier *ian;
	bool found = false;
	int gsi, idx;

	idx = srcu_read_lock(&vm->irq_srcu);
	gsi = chip_pin_to_gsi(vm, irqchip, pin);
	if (gsi != -1)
		hlist_for_each_entry_srcu(ian, &vm->irq_ack_notifier_list, link,
					  srcu_read_lock_held(&vm->irq_srcu))
			if (ian->gsi == gsi) {
				found = true;
				break;
			}
	srcu_read_unlock(&vm->irq_srcu, idx);
	return found;
}

int ember_request_irq_source_id(struct ember_vm *vm)
{
	int id;

	mutex_lock(&vm->irq_lock);
	id = find_first_zero_bit(&vm->irq_sources_bitmap,
				 EMBER_MAX_IRQ_SOURCE_IDS);
	if (id >= EMBER_MAX_IRQ_SOURCE_IDS)
		id = -EFAULT;		/* KVM's errno for "all taken" */
	else
		__set_bit(id, &vm->irq_sources_bitmap);
	mutex_unlock(&vm->irq_lock);
	return id;
}

void ember_free_irq_source_id(struct ember_vm *vm, int irq_source_id)
{
	/* The two fixed ids are never freed. */
	if (irq_source_id <= EMBER_IRQFD_RESAMPLE_IRQ_SOURCE_ID ||
	    irq_source_id >= EMBER_MAX_IRQ_SOURCE_IDS)
		return;
	mutex_lock(&vm->irq_lock);
	__clear_bit(irq_source_id, &vm->irq_sources_bitmap);
	mutex_unlock(&vm->irq_lock);
}

/* KVM_IRQ_LINE, KVM_IRQ_LINE_STATUS: kvm_vm_ioctl_irq_line(). */
static long vm_irq_line(struct ember_vm *vm, void __user *argp,
			bool line_status)
{
	struct kvm_irq_level irq;

	if (copy_from_user(&irq, argp, sizeof(irq)))
		return -EFAULT;
	if (!ember_arch_irqchip_in_kernel(vm))
		return -ENXIO;
	irq.status = ember_set_irq(vm, EMBER_USERSPACE_IRQ_SOURCE_ID, irq.irq,
				   irq.level, line_status);
	if (line_status && copy_to_user(argp, &irq, sizeof(irq)))
		return -EFAULT;
	return 0;
}

static long vm_set_gsi_routing(struct ember_vm *vm, void __user *argp)
{
	struct kvm_irq_routing __user *urouting = argp;
	struct kvm_irq_routing_entry *entries = NULL;
	struct kvm_irq_routing routing;
	long r;

	if (copy_from_user(&routing, argp, sizeof(routing)))
		return -EFAULT;
	if (!ember_arch_irqchip_in_kernel(vm) ||
	    routing.nr > EMBER_MAX_IRQ_ROUTES || routing.flags)
		return -EINVAL;
	if (routing.nr) {
		entries = vmemdup_user(urouting->entries,
				       array_size(sizeof(*entries),
						  routing.nr));
		if (IS_ERR(entries))
			return PTR_ERR(entries);
	}
	r = ember_set_irq_routing(vm, entries, routing.nr, routing.flags);
	kvfree(entries);
	return r;
}

long ember_vm_irq_ioctl(struct ember_vm *vm, unsigned int ioctl,
			void __user *argp)
{
	switch (ioctl) {
	case KVM_IRQ_LINE:
	case KVM_IRQ_LINE_STATUS:
		return vm_irq_line(vm, argp, ioctl == KVM_IRQ_LINE_STATUS);
	case KVM_SET_GSI_ROUTING:
		return vm_set_gsi_routing(vm, argp);
	case KVM_SIGNAL_MSI: {
		struct kvm_msi msi;

		if (copy_from_user(&msi, argp, sizeof(msi)))
			return -EFAULT;
		/* The delivery count itself, as KVM returns it. */
		return ember_set_msi(vm, &msi);
	}
	case KVM_IRQFD: {
		struct kvm_irqfd args;

		if (copy_from_user(&args, argp, sizeof(args)))
			return -EFAULT;
		return ember_irqfd(vm, &args);
	}
	case KVM_IOEVENTFD: {
		struct kvm_ioeventfd args;

		if (copy_from_user(&args, argp, sizeof(args)))
			return -EFAULT;
		return ember_ioeventfd(vm, &args);
	}
	default:
		return -ENOTTY;
	}
}

int ember_irq_init(struct ember_vm *vm)
{
	int i, r;

	r = init_srcu_struct(&vm->irq_srcu);
	if (r)
		return r;
	mutex_init(&vm->irq_lock);
	RCU_INIT_POINTER(vm->irq_routing, NULL);
	INIT_HLIST_HEAD(&vm->irq_ack_notifier_list);
	INIT_HLIST_HEAD(&vm->irq_mask_notifier_list);
	/* Userspace's and the irqfd resampler's, as in KVM. */
	vm->irq_sources_bitmap = BIT(EMBER_USERSPACE_IRQ_SOURCE_ID) |
				 BIT(EMBER_IRQFD_RESAMPLE_IRQ_SOURCE_ID);
	spin_lock_init(&vm->irqfds.lock);
	INIT_LIST_HEAD(&vm->irqfds.items);
	INIT_LIST_HEAD(&vm->irqfds.resampler_list);
	mutex_init(&vm->irqfds.resampler_lock);
	INIT_LIST_HEAD(&vm->ioeventfds);
	for (i = 0; i < EMBER_NR_BUSES; i++)
		RCU_INIT_POINTER(vm->buses[i], NULL);	/* empty */
	return 0;
}

void ember_irq_destroy(struct ember_vm *vm)
{
	/* Normally done already (ember_vm_free); a no-op then. */
	ember_io_bus_destroy(vm);
	ember_free_irq_routing(vm);
	cleanup_srcu_struct(&vm->irq_srcu);
}
