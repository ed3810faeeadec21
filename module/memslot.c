// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory slots (KVM_SET_USER_MEMORY_REGION), with KVM's rules and
 * errnos: create, move, change flags, delete.  Guest memory is the
 * process's own memory; the backend maps it into the guest on demand.
 *
 * The slots are read under SRCU (vm->srcu), so that a reader that sleeps
 * (a guest fault waiting for the process's memory, for as long as
 * userfaultfd or FUSE want) holds up no other reader.  A change, under
 * slots_lock, copies the whole array, changes the copy, publishes it and
 * frees the old one once synchronize_srcu() says no reader can still see
 * it; a dirty bitmap no published slot points to any more goes the same
 * way.
 *
 * Deleting or moving a slot must also take its pages out of the EPT, and
 * no fault may map them there again.  As in KVM, that takes two arrays:
 * first one where the slot is still there but marked
 * EMBER_MEMSLOT_INVALID, and a grace period; a fault that finds the slot
 * invalid maps nothing and lets the guest fault again, and every fault
 * that found it valid has finished, so the slot is unmapped for good.
 * Only then is the final array published.  Publishing the final array at
 * once, then unmapping after the grace period, would not do: between the
 * two the MMU notifier, which unmaps by slot, would no longer see the old
 * slot, and a page the process frees meanwhile would stay mapped in the
 * guest until the unmap.  The invalid slot keeps it seen.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "ember.h"
#include "arch.h"

static unsigned long dirty_bitmap_bytes(u64 npages)
{
	return ALIGN(npages, BITS_PER_LONG) / 8;
}

/* The whole of @slot leaves the guest's address space.  mmu_lock held. */
static void memslot_unmap(struct ember_vm *vm, struct ember_memslot *slot)
{
	ember_arch_unmap_gfn_range(vm, slot, slot->base_gfn,
				   slot->base_gfn + slot->npages, true);
}

#define EMBER_MEM_FLAGS		(KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY)
/* Same bound as KVM: the page count must fit in 31 bits. */
#define EMBER_MEM_MAX_NR_PAGES	((1UL << 31) - 1)

struct ember_memslot *ember_memslot_find(struct ember_vm *vm, u64 gfn)
{
	struct ember_memslots *slots = ember_memslots(vm);
	struct ember_memslot *s;
	int lo = 0, hi = slots->nr;

	/* Slots do not overlap: the last one starting at or below @gfn. */
	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (slots->slots[mid].base_gfn <= gfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	s = &slots->slots[lo - 1];
	return gfn - s->base_gfn < s->npages ? s : NULL;
}

/* Slot @id in @slots, or NULL if it is not in use. */
static struct ember_memslot *memslot_by_id(struct ember_memslots *slots,
					   u16 id)
{
	int i;

	for (i = 0; i < slots->nr; i++)
		if (slots->slots[i].id == id)
			return &slots->slots[i];
	return NULL;
}

static bool memslot_overlaps(struct ember_memslots *slots, u16 id, u64 base,
			     u64 npages)
{
	int i;

	for (i = 0; i < slots->nr; i++) {
		struct ember_memslot *s = &slots->slots[i];

		if (s->id != id && base < s->base_gfn + s->npages &&
		    s->base_gfn < base + npages)
			return true;
	}
	return false;
}

static struct ember_memslots *memslots_alloc(int nr)
{
	struct ember_memslots *slots;

	return kvmalloc(struct_size(slots, slots, nr), GFP_KERNEL_ACCOUNT);
}

/*
 * @to: the slots of @from but the one with id @drop (if any), and @add (if
 * not NULL) at its place.  @to has room for them.
 */
static void memslots_copy(struct ember_memslots *to,
			  const struct ember_memslots *from, int drop,
			  const struct ember_memslot *add)
{
	int i, n = 0;

	for (i = 0; i < from->nr; i++) {
		const struct ember_memslot *s = &from->slots[i];

		if (add && add->base_gfn < s->base_gfn) {
			to->slots[n++] = *add;
			add = NULL;
		}
		if (s->id != drop)
			to->slots[n++] = *s;
	}
	if (add)
		to->slots[n++] = *add;
	to->nr = n;
}

/*
 * Make @slots the VM's slots; return the array they replace once no reader
 * can see it any more.  slots_lock held.
 */
static struct ember_memslots *memslots_publish(struct ember_vm *vm,
					       struct ember_memslots *slots)
{
	struct ember_memslots *old = ember_memslots(vm);

	lockdep_assert_held(&vm->slots_lock);
	spin_lock(&vm->mmu_lock);
	rcu_assign_pointer(vm->memslots, slots);
	spin_unlock(&vm->mmu_lock);
	synchronize_srcu_expedited(&vm->srcu);
	return old;
}

enum memslot_change { MEMSLOT_CREATE, MEMSLOT_DELETE, MEMSLOT_MOVE,
		      MEMSLOT_FLAGS };

/*
 * KVM_SET_USER_MEMORY_REGION: check @mem as KVM does, then publish the
 * slots with the change made (see the top of the file).
 */
int ember_set_memory_region(struct ember_vm *vm,
			    const struct kvm_userspace_memory_region *mem)
{
	struct ember_memslot *old, new = {}, invalid;
	struct ember_memslots *slots, *cur;
	unsigned long *old_bitmap = NULL;
	enum memslot_change change;
	u16 id = (u16)mem->slot;
	int r;

	lockdep_assert_held(&vm->slots_lock);

	if (mem->flags & ~EMBER_MEM_FLAGS)
		return -EINVAL;
	if ((mem->memory_size | mem->guest_phys_addr) & ~PAGE_MASK)
		return -EINVAL;
	/* A tagged address would alias another (KVM checks the same). */
	if ((mem->userspace_addr & ~PAGE_MASK) ||
	    mem->userspace_addr != untagged_addr(mem->userspace_addr) ||
	    !access_ok((void __user *)(unsigned long)mem->userspace_addr,
		       mem->memory_size))
		return -EINVAL;
	/* Address space 0 only: ember has no SMM address space. */
	if ((mem->slot >> 16) || id >= EMBER_MAX_MEMSLOTS)
		return -EINVAL;
	if (mem->guest_phys_addr + mem->memory_size < mem->guest_phys_addr)
		return -EINVAL;
	if ((mem->memory_size >> PAGE_SHIFT) > EMBER_MEM_MAX_NR_PAGES)
		return -EINVAL;

	cur = ember_memslots(vm);
	old = memslot_by_id(cur, id);
	new.id = id;
	new.base_gfn = mem->guest_phys_addr >> PAGE_SHIFT;
	new.npages = mem->memory_size >> PAGE_SHIFT;
	new.userspace_addr = mem->userspace_addr;
	new.flags = mem->flags;

	if (!new.npages) {
		if (!old)
			return -EINVAL;
		change = MEMSLOT_DELETE;
	} else if (old) {
		if (new.userspace_addr != old->userspace_addr ||
		    new.npages != old->npages ||
		    ((new.flags ^ old->flags) & KVM_MEM_READONLY))
			return -EINVAL;
		if (new.base_gfn != old->base_gfn)
			change = MEMSLOT_MOVE;
		else if (new.flags != old->flags)
			change = MEMSLOT_FLAGS;	/* logging on or off */
		else
			return 0;
	} else {
		change = MEMSLOT_CREATE;
	}

	/*
	 * Guest-physical addresses the backend cannot map (beyond
	 * MAXPHYADDR, as KVM refuses them, and beyond the EPT's reach,
	 * where they would alias low ones): -EINVAL for a new or moved slot.
	 */
	if ((change == MEMSLOT_CREATE || change == MEMSLOT_MOVE) &&
	    new.base_gfn + new.npages > ember_arch_gfn_limit())
		return -EINVAL;
	if ((change == MEMSLOT_CREATE || change == MEMSLOT_MOVE) &&
	    memslot_overlaps(cur, id, new.base_gfn, new.npages))
		return -EEXIST;

	/*
	 * A logging slot gets a fresh log whenever it is created, moved or
	 * starts logging; the old one, if any, goes with the old slot.
	 */
	if (change != MEMSLOT_DELETE &&
	    (new.flags & KVM_MEM_LOG_DIRTY_PAGES)) {
		new.dirty_bitmap = kvzalloc(dirty_bitmap_bytes(new.npages),
					    GFP_KERNEL_ACCOUNT);
		if (!new.dirty_bitmap)
			return -ENOMEM;
	}
	r = -ENOMEM;
	slots = memslots_alloc(cur->nr + (change == MEMSLOT_CREATE));
	if (!slots)
		goto out_free_bitmap;
	if (old)
		old_bitmap = old->dirty_bitmap;

	if (change == MEMSLOT_DELETE || change == MEMSLOT_MOVE) {
		invalid = *old;
		invalid.flags |= EMBER_MEMSLOT_INVALID;
		memslots_copy(slots, cur, id, &invalid);
		memslots_publish(vm, slots);
		spin_lock(&vm->mmu_lock);
		memslot_unmap(vm, &invalid);
		spin_unlock(&vm->mmu_lock);
		/* No reader sees cur now: it takes the final slots. */
		swap(slots, cur);
	}
	memslots_copy(slots, cur, id,
		      change == MEMSLOT_DELETE ? NULL : &new);
	kvfree(memslots_publish(vm, slots));

	/*
	 * Every reader sees the new flags now: logging write-protects the
	 * slot; stopping it unmaps the slot, so that it faults back in 2 MiB
	 * at a time where the process's memory allows (logging maps 4 KiB
	 * pages only).
	 */
	if (change == MEMSLOT_FLAGS) {
		spin_lock(&vm->mmu_lock);
		if (new.dirty_bitmap)
			ember_arch_write_protect(vm, &new, NULL);
		else
			memslot_unmap(vm, &new);
		spin_unlock(&vm->mmu_lock);
	}
	kvfree(old_bitmap);
	return 0;

out_free_bitmap:
	kvfree(new.dirty_bitmap);
	return r;
}

/*
 * KVM_GET_DIRTY_LOG: the pages of a logging slot written since the last
 * call, then clear them and write-protect those pages again.  slots_lock
 * keeps the slot and its bitmap; guest faults and copies meanwhile set
 * bits under mmu_lock, and those set after the copy stay for the next call.
 */
int ember_get_dirty_log(struct ember_vm *vm, struct kvm_dirty_log *log)
{
	struct ember_memslot *slot;
	unsigned long *snap;
	unsigned long bytes;
	u16 id = (u16)log->slot;
	int r;

	if ((log->slot >> 16) || id >= EMBER_MAX_MEMSLOTS)
		return -EINVAL;
	lockdep_assert_held(&vm->slots_lock);
	slot = memslot_by_id(ember_memslots(vm), id);
	if (!slot || !slot->dirty_bitmap)
		return -ENOENT;

	bytes = dirty_bitmap_bytes(slot->npages);
	snap = kvmalloc(bytes, GFP_KERNEL_ACCOUNT);
	if (!snap)
		return -ENOMEM;
	spin_lock(&vm->mmu_lock);
	memcpy(snap, slot->dirty_bitmap, bytes);
	spin_unlock(&vm->mmu_lock);
	r = 0;
	if (copy_to_user(log->dirty_bitmap, snap, bytes)) {
		r = -EFAULT;
	} else if (!bitmap_empty(snap, slot->npages)) {
		spin_lock(&vm->mmu_lock);
		bitmap_andnot(slot->dirty_bitmap, slot->dirty_bitmap, snap,
			      slot->npages);
		ember_arch_write_protect(vm, slot, snap);
		spin_unlock(&vm->mmu_lock);
	}
	kvfree(snap);
	return r;
}

/* At VM creation: no slots yet. */
int ember_memslots_init(struct ember_vm *vm)
{
	struct ember_memslots *slots = memslots_alloc(0);

	if (!slots)
		return -ENOMEM;
	slots->nr = 0;
	RCU_INIT_POINTER(vm->memslots, slots);
	return 0;
}

/* At VM destruction, when no reader is left. */
void ember_memslots_free(struct ember_vm *vm)
{
	struct ember_memslots *slots = rcu_dereference_protected(vm->memslots,
								 true);
	int i;

	for (i = 0; i < slots->nr; i++)
		kvfree(slots->slots[i].dirty_bitmap);
	kvfree(slots);
}

/*
 * Copy to or from guest-physical memory, page by page through the slots.
 * Returns 0, or -EFAULT where no slot (or no writable slot) backs @gpa.
 * The caller is inside srcu_read_lock(&vm->srcu) (the copy may fault and
 * wait for the process's memory) and runs in the VM's address space.  A
 * slot being deleted or moved is still used: a copy maps nothing into the
 * guest, and the change waits for it before the memory can go.
 */
static int guest_copy(struct ember_vm *vm, u64 gpa, void *buf,
		      unsigned int len, bool write)
{
	lockdep_assert(srcu_read_lock_held(&vm->srcu));
	while (len) {
		unsigned int off = offset_in_page(gpa);
		unsigned int n = min_t(unsigned int, len, PAGE_SIZE - off);
		struct ember_memslot *s = ember_memslot_find(vm,
							     gpa >> PAGE_SHIFT);
		void __user *hva;

		if (!s || (write && (s->flags & KVM_MEM_READONLY)))
			return -EFAULT;
		hva = (void __user *)(ember_gfn_to_hva(s, gpa >> PAGE_SHIFT) +
				      off);
		if (write ? copy_to_user(hva, buf, n) : copy_from_user(buf, hva, n))
			return -EFAULT;
		/* Writes on the guest's behalf count for dirty logging too. */
		if (write && s->dirty_bitmap) {
			spin_lock(&vm->mmu_lock);
			__set_bit((gpa >> PAGE_SHIFT) - s->base_gfn,
				  s->dirty_bitmap);
			spin_unlock(&vm->mmu_lock);
		}
		gpa += n;
		buf += n;
		len -= n;
	}
	return 0;
}

int ember_read_guest(struct ember_vm *vm, u64 gpa, void *buf,
		     unsigned int len)
{
	return guest_copy(vm, gpa, buf, len, false);
}

int ember_write_guest(struct ember_vm *vm, u64 gpa, const void *buf,
		      unsigned int len)
{
	return guest_copy(vm, gpa, (void *)buf, len, true);
}
