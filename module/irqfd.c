// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_IRQFD: an eventfd whose signal raises a GSI, with KVM's ABI and
 * errnos (virt/kvm/eventfd.c in Linux 6.1).
 *
 * An irqfd hooks a wait-queue entry onto its eventfd: the wakeup callback
 * runs where the eventfd is signalled (another thread's write(), a
 * device's eventfd_signal(), even hard-interrupt context), with the
 * eventfd's wait-queue lock held and interrupts off.  It injects from
 * there: ember_set_irq() takes only srcu_read_lock() and the routes'
 * set() only spinlocks.  An edge (the default) is a pulse of the line; a
 * level (KVM_IRQFD_FLAG_RESAMPLE) stays up, for the irqfd resampler source
 * id, until the guest EOIs the GSI: then it is lowered and the resample
 * eventfd is signalled, and userspace re-raises it if the device still
 * wants service.  The resamplers of one GSI share one ack notifier.
 *
 * Going away cannot happen in the wakeup callback (it may not sleep, and
 * unhooking takes the wait-queue lock it holds), so it happens on a
 * workqueue: an irqfd is first taken off vm->irqfds.items ("deactivated":
 * by deassign, by the eventfd's close, EPOLLHUP, or by the VM's end), then
 * its work unhooks it and frees it.  Deassign and VM teardown wait for
 * that work, so when they return no callback of theirs runs any more.
 *
 * Locks: vm->irqfds.lock (a spinlock, also taken in the wakeup callback)
 * guards irqfds.items; vm->irqfds.resampler_lock (a mutex) the resampler
 * list and each resampler's irqfd list, which the ack notifier reads under
 * vm->irq_srcu.  Order: resampler_lock, then irq_lock; a wait-queue lock,
 * then irqfds.lock.
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "ember.h"
#include "arch.h"
#include "irq.h"

/*
 * Every VM's irqfd shutdowns, so that deassign and VM teardown can wait
 * for all that are queued (an irqfd may free itself meanwhile, so there is
 * no single work to wait for).
 */
static struct workqueue_struct *irqfd_cleanup_wq;

struct ember_irqfd_resampler {
	struct ember_vm *vm;
	struct list_head irqfds;	/* resampler_lock; read under irq_srcu */
	struct ember_irq_ack_notifier notifier;
	struct list_head link;		/* on vm->irqfds.resampler_list */
};

struct ember_irqfd {
	struct ember_vm *vm;
	u32 gsi;
	struct eventfd_ctx *eventfd;
	/* On vm->irqfds.items while active; empty once deactivated. */
	struct list_head list;
	struct ember_irqfd_resampler *resampler;	/* level-triggered */
	struct eventfd_ctx *resamplefd;
	struct list_head resampler_link;
	wait_queue_entry_t wait;
	poll_table pt;
	struct work_struct shutdown;
};

static void irqfd_inject(struct ember_irqfd *irqfd)
{
	struct ember_vm *vm = irqfd->vm;

	if (irqfd->resampler) {
		ember_set_irq(vm, EMBER_IRQFD_RESAMPLE_IRQ_SOURCE_ID,
			      irqfd->gsi, 1, false);
	} else {
		ember_set_irq(vm, EMBER_USERSPACE_IRQ_SOURCE_ID, irqfd->gsi, 1,
			      false);
		ember_set_irq(vm, EMBER_USERSPACE_IRQ_SOURCE_ID, irqfd->gsi, 0,
			      false);
	}
}

/*
 * The guest EOIed the GSI: lower the shared line once (several lowerings
 * could race with a new raise), then tell every resample eventfd.
 */
static void irqfd_resampler_ack(struct ember_irq_ack_notifier *ian)
{
	struct ember_irqfd_resampler *resampler =
		container_of(ian, struct ember_irqfd_resampler, notifier);
	struct ember_vm *vm = resampler->vm;
	struct ember_irqfd *irqfd;
	int idx;

	ember_set_irq(vm, EMBER_IRQFD_RESAMPLE_IRQ_SOURCE_ID, ian->gsi, 0,
		      false);
	idx = srcu_read_lock(&vm->irq_srcu);
	list_for_each_entry_srcu(irqfd, &resampler->irqfds, resampler_link,
				 srcu_read_lock_held(&vm->irq_srcu))
		eventfd_signal(irqfd->resamplefd, 1);
	srcu_read_unlock(&vm->irq_srcu, idx);
}

/* @irqfd leaves its resampler; the last one out takes the resampler. */
static void irqfd_resampler_shutdown(struct ember_irqfd *irqfd)
{
	struct ember_irqfd_resampler *resampler = irqfd->resampler;
	struct ember_vm *vm = irqfd->vm;

	mutex_lock(&vm->irqfds.resampler_lock);
	list_del_rcu(&irqfd->resampler_link);
	synchronize_srcu(&vm->irq_srcu);
	if (list_empty(&resampler->irqfds)) {
		list_del(&resampler->link);
		ember_unregister_irq_ack_notifier(vm, &resampler->notifier);
		ember_set_irq(vm, EMBER_IRQFD_RESAMPLE_IRQ_SOURCE_ID,
			      resampler->notifier.gsi, 0, false);
		kfree(resampler);
	}
	mutex_unlock(&vm->irqfds.resampler_lock);
}

static void irqfd_shutdown(struct work_struct *work)
{
	struct ember_irqfd *irqfd =
		container_of(work, struct ember_irqfd, shutdown);
	u64 cnt;

	/* An assign that an EPOLLHUP overtook has finished (see there). */
	synchronize_srcu(&irqfd->vm->irq_srcu);
	/* Unhooked: no callback runs now or later. */
	eventfd_ctx_remove_wait_queue(irqfd->eventfd, &irqfd->wait, &cnt);
	if (irqfd->resampler) {
		irqfd_resampler_shutdown(irqfd);
		eventfd_ctx_put(irqfd->resamplefd);
	}
	eventfd_ctx_put(irqfd->eventfd);
	kfree(irqfd);
}

static bool irqfd_is_active(struct ember_irqfd *irqfd)
{
	return !list_empty(&irqfd->list);
}

/* Caller holds vm->irqfds.lock and has seen @irqfd active. */
static void irqfd_deactivate(struct ember_irqfd *irqfd)
{
	lockdep_assert_held(&irqfd->vm->irqfds.lock);
	list_del_init(&irqfd->list);
	queue_work(irqfd_cleanup_wq, &irqfd->shutdown);
}

/* The eventfd's wait-queue lock is held, interrupts are off. */
static int irqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode, int sync,
			void *key)
{
	struct ember_irqfd *irqfd = container_of(wait, struct ember_irqfd,
						 wait);
	struct ember_vm *vm = irqfd->vm;
	__poll_t flags = key_to_poll(key);
	int ret = 0;

	if (flags & EPOLLIN) {
		u64 cnt;

		eventfd_ctx_do_read(irqfd->eventfd, &cnt);
		/* Being deassigned: its GSI is no longer the user's wish. */
		if (irqfd_is_active(irqfd))
			irqfd_inject(irqfd);
		ret = 1;
	}
	if (flags & EPOLLHUP) {
		unsigned long iflags;

		/*
		 * The eventfd is being closed.  Whoever deactivated it first
		 * (deassign, the VM's end) queued its shutdown already; that
		 * shutdown cannot free it before this returns, as unhooking
		 * takes the wait-queue lock held here.
		 */
		spin_lock_irqsave(&vm->irqfds.lock, iflags);
		if (irqfd_is_active(irqfd))
			irqfd_deactivate(irqfd);
		spin_unlock_irqrestore(&vm->irqfds.lock, iflags);
	}
	return ret;
}

static void irqfd_ptable_queue_proc(struct file *file, wait_queue_head_t *wqh,
				    poll_table *pt)
{
	struct ember_irqfd *irqfd = container_of(pt, struct ember_irqfd, pt);

	/* First in line, and exclusive: the irqfd consumes the count. */
	add_wait_queue_priority(wqh, &irqfd->wait);
}

/* Join (or start) the resampler of @irqfd's GSI. */
static int irqfd_resampler_join(struct ember_irqfd *irqfd)
{
	struct ember_vm *vm = irqfd->vm;
	struct ember_irqfd_resampler *resampler;

	mutex_lock(&vm->irqfds.resampler_lock);
	list_for_each_entry(resampler, &vm->irqfds.resampler_list, link) {
		if (resampler->notifier.gsi == irqfd->gsi) {
			irqfd->resampler = resampler;
			break;
		}
	}
	if (!irqfd->resampler) {
		resampler = kzalloc(sizeof(*resampler), GFP_KERNEL_ACCOUNT);
		if (!resampler) {
			mutex_unlock(&vm->irqfds.resampler_lock);
			return -ENOMEM;
		}
		resampler->vm = vm;
		INIT_LIST_HEAD(&resampler->irqfds);
		resampler->notifier.gsi = irqfd->gsi;
		resampler->notifier.irq_acked = irqfd_resampler_ack;
		list_add(&resampler->link, &vm->irqfds.resampler_list);
		ember_register_irq_ack_notifier(vm, &resampler->notifier);
		irqfd->resampler = resampler;
	}
	list_add_rcu(&irqfd->resampler_link, &irqfd->resampler->irqfds);
	synchronize_srcu(&vm->irq_srcu);
	mutex_unlock(&vm->irqfds.resampler_lock);
	return 0;
}

/* KVM's order of checks: kvm_irqfd_assign(). */
static int irqfd_assign(struct ember_vm *vm, struct kvm_irqfd *args)
{
	struct eventfd_ctx *eventfd = NULL, *resamplefd = NULL;
	struct ember_irqfd *irqfd, *tmp;
	__poll_t events;
	struct fd f;
	int r, idx;

	/* Both kinds need the in-kernel irqchip (there is no split one). */
	if (!ember_arch_irqchip_in_kernel(vm))
		return -EINVAL;

	irqfd = kzalloc(sizeof(*irqfd), GFP_KERNEL_ACCOUNT);
	if (!irqfd)
		return -ENOMEM;
	irqfd->vm = vm;
	irqfd->gsi = args->gsi;
	INIT_LIST_HEAD(&irqfd->list);
	INIT_LIST_HEAD(&irqfd->resampler_link);
	INIT_WORK(&irqfd->shutdown, irqfd_shutdown);

	f = fdget(args->fd);
	if (!f.file) {
		r = -EBADF;
		goto out_free;
	}
	eventfd = eventfd_ctx_fileget(f.file);
	if (IS_ERR(eventfd)) {
		r = PTR_ERR(eventfd);
		goto out_fdput;
	}
	irqfd->eventfd = eventfd;

	if (args->flags & KVM_IRQFD_FLAG_RESAMPLE) {
		resamplefd = eventfd_ctx_fdget(args->resamplefd);
		if (IS_ERR(resamplefd)) {
			r = PTR_ERR(resamplefd);
			goto out_put_eventfd;
		}
		irqfd->resamplefd = resamplefd;
		r = irqfd_resampler_join(irqfd);
		if (r)
			goto out_put_resamplefd;
	}

	init_waitqueue_func_entry(&irqfd->wait, irqfd_wakeup);
	init_poll_funcptr(&irqfd->pt, irqfd_ptable_queue_proc);

	spin_lock_irq(&vm->irqfds.lock);
	list_for_each_entry(tmp, &vm->irqfds.items, list) {
		if (tmp->eventfd == eventfd) {
			/* One eventfd raises one GSI. */
			spin_unlock_irq(&vm->irqfds.lock);
			r = -EBUSY;
			goto out_resampler;
		}
	}
	/*
	 * From here the irqfd can be deactivated (deassign, the VM's end)
	 * and, once hooked below, see EPOLLHUP: its shutdown waits for this
	 * SRCU read section, so that it does not unhook or free it before
	 * this function is done with it.
	 */
	idx = srcu_read_lock(&vm->irq_srcu);
	list_add_tail(&irqfd->list, &vm->irqfds.items);
	spin_unlock_irq(&vm->irqfds.lock);

	/* Hook onto the eventfd; a signal that came before counts too. */
	events = vfs_poll(f.file, &irqfd->pt);
	if (events & EPOLLIN)
		irqfd_inject(irqfd);

	srcu_read_unlock(&vm->irq_srcu, idx);
	/* Held to here, so that no EPOLLHUP comes before the hook. */
	fdput(f);
	return 0;

out_resampler:
	if (irqfd->resampler)
		irqfd_resampler_shutdown(irqfd);
out_put_resamplefd:
	if (resamplefd)
		eventfd_ctx_put(resamplefd);
out_put_eventfd:
	eventfd_ctx_put(eventfd);
out_fdput:
	fdput(f);
out_free:
	kfree(irqfd);
	return r;
}

/* Every irqfd of (fd, gsi) goes; none of them injects once this returns. */
static int irqfd_deassign(struct ember_vm *vm, struct kvm_irqfd *args)
{
	struct ember_irqfd *irqfd, *tmp;
	struct eventfd_ctx *eventfd;

	eventfd = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(eventfd))
		return PTR_ERR(eventfd);

	spin_lock_irq(&vm->irqfds.lock);
	list_for_each_entry_safe(irqfd, tmp, &vm->irqfds.items, list)
		if (irqfd->eventfd == eventfd && irqfd->gsi == args->gsi)
			irqfd_deactivate(irqfd);
	spin_unlock_irq(&vm->irqfds.lock);
	eventfd_ctx_put(eventfd);

	flush_workqueue(irqfd_cleanup_wq);
	return 0;
}

int ember_irqfd(struct ember_vm *vm, struct kvm_irqfd *args)
{
	if (args->flags & ~(KVM_IRQFD_FLAG_DEASSIGN | KVM_IRQFD_FLAG_RESAMPLE))
		return -EINVAL;
	if (args->flags & KVM_IRQFD_FLAG_DEASSIGN)
		return irqfd_deassign(vm, args);
	return irqfd_assign(vm, args);
}

void ember_irqfd_release(struct ember_vm *vm)
{
	struct ember_irqfd *irqfd, *tmp;

	spin_lock_irq(&vm->irqfds.lock);
	list_for_each_entry_safe(irqfd, tmp, &vm->irqfds.items, list)
		irqfd_deactivate(irqfd);
	spin_unlock_irq(&vm->irqfds.lock);

	/*
	 * Also the shutdowns an EPOLLHUP queued before: irqfds hold no
	 * reference on the VM, so none may be left once it goes.
	 */
	flush_workqueue(irqfd_cleanup_wq);
}

void ember_irqfd_routing_update(struct ember_vm *vm)
{
	/*
	 * Nothing to rebind: an irqfd looks its GSI's routes up at each
	 * signal, under irq_srcu, so it follows the new table at once.
	 */
	lockdep_assert_held(&vm->irq_lock);
}

int ember_irqfd_module_init(void)
{
	irqfd_cleanup_wq = alloc_workqueue("ember-irqfd-cleanup", 0, 0);
	return irqfd_cleanup_wq ? 0 : -ENOMEM;
}

void ember_irqfd_module_exit(void)
{
	destroy_workqueue(irqfd_cleanup_wq);
}
