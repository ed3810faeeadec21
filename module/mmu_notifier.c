// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory follows the process's mappings.
 *
 * The backend maps a page of the process into the guest when the guest
 * first touches it, and keeps no reference on it.  Whenever the kernel is
 * about to take a page away from the process, or change it (munmap,
 * MADV_DONTNEED, copy-on-write after fork, mprotect, swap-out, migration,
 * THP split or collapse, KSM), it calls invalidate_range_start on the
 * process's notifiers first: ember then unmaps the range from the guest and
 * flushes it from every CPU before the page can be reused.
 *
 * A guest fault looks the page up without mmu_lock (that may sleep) and
 * maps it under mmu_lock; an invalidation that ran or is running in
 * between makes it map nothing and retry (ember_mmu_invalidate_retry):
 * invalidate_range_start opens the window (invalidate_in_progress, with the
 * range), invalidate_range_end closes it and moves invalidate_seq.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>

#include "ember.h"
#include "arch.h"

static struct ember_vm *mn_to_vm(struct mmu_notifier *mn)
{
	return container_of(mn, struct ember_vm, mmu_notifier);
}

/*
 * Unmap the guest pages backed by process addresses [start, end), in every
 * slot that maps them (two slots may share memory), invalid ones included:
 * their pages stay mapped until the slot change unmaps them.  Inside
 * srcu_read_lock(&vm->srcu), mmu_lock held.
 */
static void unmap_hva_range(struct ember_vm *vm, unsigned long start,
			    unsigned long end, bool may_yield)
{
	struct ember_memslots *slots;
	int i;

	lockdep_assert_held(&vm->mmu_lock);
restart:
	slots = ember_memslots(vm);
	for (i = 0; i < slots->nr; i++) {
		struct ember_memslot *s = &slots->slots[i];
		unsigned long s_end = s->userspace_addr +
				      s->npages * PAGE_SIZE;
		unsigned long lo = max(start, s->userspace_addr);
		unsigned long hi = min(end, s_end);

		if (lo >= hi)
			continue;
		/*
		 * Should the backend drop mmu_lock, new slots may be
		 * published meanwhile; start over with them (unmapping is
		 * idempotent, and faults into the range keep retrying until
		 * the end).
		 */
		if (ember_arch_unmap_gfn_range(vm, s,
				s->base_gfn + ((lo - s->userspace_addr) >> PAGE_SHIFT),
				s->base_gfn + ((hi - s->userspace_addr +
						PAGE_SIZE - 1) >> PAGE_SHIFT),
				may_yield))
			goto restart;
	}
}

static int ember_mn_invalidate_range_start(struct mmu_notifier *mn,
				const struct mmu_notifier_range *range)
{
	struct ember_vm *vm = mn_to_vm(mn);
	int idx;

	/* Neither SRCU readers nor mmu_lock sleep: non-blocking callers too. */
	idx = srcu_read_lock(&vm->srcu);
	spin_lock(&vm->mmu_lock);
	if (!vm->invalidate_in_progress++) {
		vm->invalidate_start = range->start;
		vm->invalidate_end = range->end;
	} else {
		vm->invalidate_start = min(vm->invalidate_start, range->start);
		vm->invalidate_end = max(vm->invalidate_end, range->end);
	}
	unmap_hva_range(vm, range->start, range->end,
			mmu_notifier_range_blockable(range));
	spin_unlock(&vm->mmu_lock);
	srcu_read_unlock(&vm->srcu, idx);
	return 0;
}

static void ember_mn_invalidate_range_end(struct mmu_notifier *mn,
				const struct mmu_notifier_range *range)
{
	struct ember_vm *vm = mn_to_vm(mn);

	spin_lock(&vm->mmu_lock);
	/* A fault that looked up a page meanwhile sees the new seq. */
	vm->invalidate_seq++;
	vm->invalidate_in_progress--;
	spin_unlock(&vm->mmu_lock);
}

/* The address space goes away (exit, or unregister): unmap it all. */
static void ember_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct ember_vm *vm = mn_to_vm(mn);
	int idx;

	idx = srcu_read_lock(&vm->srcu);
	spin_lock(&vm->mmu_lock);
	vm->invalidate_seq++;
	unmap_hva_range(vm, 0, ULONG_MAX, true);
	spin_unlock(&vm->mmu_lock);
	srcu_read_unlock(&vm->srcu, idx);
}

static const struct mmu_notifier_ops ember_mmu_notifier_ops = {
	.invalidate_range_start	= ember_mn_invalidate_range_start,
	.invalidate_range_end	= ember_mn_invalidate_range_end,
	.release		= ember_mn_release,
};

/* On the VM's address space (current->mm, at KVM_CREATE_VM). */
int ember_mmu_notifier_register(struct ember_vm *vm)
{
	vm->mmu_notifier.ops = &ember_mmu_notifier_ops;
	return mmu_notifier_register(&vm->mmu_notifier, vm->mm);
}

/*
 * At VM destruction: after this, no callback runs or will run, and the
 * guest maps nothing (release ran, now or when the process exited).
 */
void ember_mmu_notifier_unregister(struct ember_vm *vm)
{
	mmu_notifier_unregister(&vm->mmu_notifier, vm->mm);
}
