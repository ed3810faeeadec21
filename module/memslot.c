// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory slots (KVM_SET_USER_MEMORY_REGION), with KVM's rules and
 * errnos: create, move, change flags, delete.  Guest memory is the
 * process's own memory; the backend maps it into the guest on demand.
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

/*
 * Start or stop dirty logging as @flags say.  Starting write-protects the
 * slot; stopping unmaps it, so that it faults back in 2 MiB at a time where
 * the process's memory allows (logging maps 4 KiB pages only).
 */
static int memslot_set_logging(struct ember_vm *vm, struct ember_memslot *slot,
			       u32 flags)
{
	bool log = flags & KVM_MEM_LOG_DIRTY_PAGES;
	unsigned long *bitmap;

	if (log && !slot->dirty_bitmap) {
		bitmap = kvzalloc(dirty_bitmap_bytes(slot->npages),
				  GFP_KERNEL_ACCOUNT);
		if (!bitmap)
			return -ENOMEM;
		spin_lock(&vm->mmu_lock);
		slot->dirty_bitmap = bitmap;
		ember_arch_write_protect(vm, slot, NULL);
		spin_unlock(&vm->mmu_lock);
	} else if (!log && slot->dirty_bitmap) {
		spin_lock(&vm->mmu_lock);
		bitmap = slot->dirty_bitmap;
		slot->dirty_bitmap = NULL;
		memslot_unmap(vm, slot);
		spin_unlock(&vm->mmu_lock);
		kvfree(bitmap);
	}
	return 0;
}

#define EMBER_MEM_FLAGS		(KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY)
/* Same bound as KVM: the page count must fit in 31 bits. */
#define EMBER_MEM_MAX_NR_PAGES	((1UL << 31) - 1)

struct ember_memslot *ember_memslot_find(struct ember_vm *vm, u64 gfn)
{
	int i;

	lockdep_assert(lockdep_is_held(&vm->slots_lock) ||
		       lockdep_is_held(&vm->mmu_lock));
	for (i = 0; i < vm->nr_active_slots; i++) {
		struct ember_memslot *s = &vm->slots[vm->active_slots[i]];

		if (gfn >= s->base_gfn && gfn - s->base_gfn < s->npages)
			return s;
	}
	return NULL;
}

static bool memslot_overlaps(struct ember_vm *vm, u16 id, u64 base,
			     u64 npages)
{
	int i;

	for (i = 0; i < vm->nr_active_slots; i++) {
		struct ember_memslot *s = &vm->slots[vm->active_slots[i]];

		if (s->id != id && base < s->base_gfn + s->npages &&
		    s->base_gfn < base + npages)
			return true;
	}
	return false;
}

static void memslot_deactivate(struct ember_vm *vm, u16 id)
{
	int i;

	for (i = 0; i < vm->nr_active_slots; i++) {
		if (vm->active_slots[i] == id) {
			vm->active_slots[i] =
				vm->active_slots[--vm->nr_active_slots];
			return;
		}
	}
}

/*
 * KVM_SET_USER_MEMORY_REGION.  Slots change under mmu_lock too, since the
 * MMU notifier reads them under it alone.
 */
int ember_set_memory_region(struct ember_vm *vm,
			    const struct kvm_userspace_memory_region *mem)
{
	struct ember_memslot *slot;
	unsigned long *bitmap;
	u64 base_gfn, npages;
	u16 id = (u16)mem->slot;

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

	slot = &vm->slots[id];
	base_gfn = mem->guest_phys_addr >> PAGE_SHIFT;
	npages = mem->memory_size >> PAGE_SHIFT;

	if (!npages) {				/* delete */
		if (!slot->npages)
			return -EINVAL;
		spin_lock(&vm->mmu_lock);
		memslot_unmap(vm, slot);
		memslot_deactivate(vm, id);
		bitmap = slot->dirty_bitmap;
		memset(slot, 0, sizeof(*slot));
		spin_unlock(&vm->mmu_lock);
		kvfree(bitmap);
		return 0;
	}

	if (slot->npages) {			/* modify */
		if (mem->userspace_addr != slot->userspace_addr ||
		    npages != slot->npages ||
		    ((mem->flags ^ slot->flags) & KVM_MEM_READONLY))
			return -EINVAL;
		if (base_gfn == slot->base_gfn) {
			int r = memslot_set_logging(vm, slot, mem->flags);

			if (!r)
				slot->flags = mem->flags;
			return r;
		}
	}

	/*
	 * Guest-physical addresses the backend cannot map (beyond
	 * MAXPHYADDR, as KVM refuses them, and beyond the EPT's reach,
	 * where they would alias low ones): -EINVAL for a new or moved slot.
	 */
	if (base_gfn + npages > ember_arch_gfn_limit())
		return -EINVAL;
	if (memslot_overlaps(vm, id, base_gfn, npages))
		return -EEXIST;

	if (slot->npages) {			/* move, with the new flags */
		int r = memslot_set_logging(vm, slot, mem->flags);

		if (r)
			return r;
		spin_lock(&vm->mmu_lock);
		memslot_unmap(vm, slot);
		slot->base_gfn = base_gfn;
		slot->flags = mem->flags;
		spin_unlock(&vm->mmu_lock);
		if (slot->dirty_bitmap)
			memset(slot->dirty_bitmap, 0,
			       dirty_bitmap_bytes(slot->npages));
		return 0;
	}

	bitmap = NULL;
	if (mem->flags & KVM_MEM_LOG_DIRTY_PAGES) {
		bitmap = kvzalloc(dirty_bitmap_bytes(npages),
				  GFP_KERNEL_ACCOUNT);
		if (!bitmap)
			return -ENOMEM;
	}
	spin_lock(&vm->mmu_lock);
	slot->id = id;
	slot->base_gfn = base_gfn;
	slot->npages = npages;
	slot->userspace_addr = mem->userspace_addr;
	slot->flags = mem->flags;
	slot->dirty_bitmap = bitmap;
	vm->active_slots[vm->nr_active_slots++] = id;
	spin_unlock(&vm->mmu_lock);
	return 0;
}

/*
 * KVM_GET_DIRTY_LOG: the pages of a logging slot written since the last
 * call, then clear them and write-protect those pages again.
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
	slot = &vm->slots[id];
	if (!slot->npages || !slot->dirty_bitmap)
		return -ENOENT;

	bytes = dirty_bitmap_bytes(slot->npages);
	snap = kvmalloc(bytes, GFP_KERNEL_ACCOUNT);
	if (!snap)
		return -ENOMEM;
	memcpy(snap, slot->dirty_bitmap, bytes);
	r = 0;
	if (copy_to_user(log->dirty_bitmap, snap, bytes))
		r = -EFAULT;
	else if (!bitmap_empty(snap, slot->npages)) {
		bitmap_zero(slot->dirty_bitmap, slot->npages);
		spin_lock(&vm->mmu_lock);
		ember_arch_write_protect(vm, slot, snap);
		spin_unlock(&vm->mmu_lock);
	}
	kvfree(snap);
	return r;
}

/* At VM destruction. */
void ember_memslots_free(struct ember_vm *vm)
{
	int i;

	for (i = 0; i < vm->nr_active_slots; i++)
		kvfree(vm->slots[vm->active_slots[i]].dirty_bitmap);
}

/*
 * Copy to or from guest-physical memory, page by page through the slots.
 * Returns 0, or -EFAULT where no slot (or no writable slot) backs @gpa.
 * The caller holds vm->slots_lock (the copy may fault, and take the
 * process's mmap_lock) and runs in the VM's address space.
 */
static int guest_copy(struct ember_vm *vm, u64 gpa, void *buf,
		      unsigned int len, bool write)
{
	lockdep_assert_held(&vm->slots_lock);
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
		if (write && s->dirty_bitmap)
			__set_bit((gpa >> PAGE_SHIFT) - s->base_gfn, s->dirty_bitmap);
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
