// SPDX-License-Identifier: GPL-2.0
/*
 * EPT: the guest-physical address space of a VM, filled on demand.
 *
 * Each EPT violation on guest RAM pins the page of the process behind it
 * and maps it: 2 MiB at once where the slot covers the whole aligned 2 MiB,
 * guest and host addresses are aligned alike, and the host backs it with
 * one physically contiguous huge page; 4 KiB otherwise.  A pinned page
 * cannot be freed or reused while EPT can reach it.  Removing a mapping
 * clears the entry, flushes every CPU (INVEPT), and only then unpins.
 *
 * 4-level tables, write-back, accessed/dirty flags off (SDM Vol. 3C 29.3).
 * Everything here runs under vm->mmu_lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <asm/io.h>

#include "arch.h"
#include "vmcs.h"
#include "vmx.h"
#include "vmx_vcpu.h"

#define EPT_LEVELS		4
#define EPT_ENTRIES		512
#define EPT_PTE_ADDR_MASK	GENMASK_ULL(51, 12)
#define EPT_LARGE		BIT_ULL(7)
#define EPT_LEAF_ATTRS		((VMX_EPTP_MT_WB << VMX_EPT_MT_EPTE_SHIFT) | \
				 VMX_EPT_IPAT_BIT)
#define HUGE_PAGES		(PMD_SIZE / PAGE_SIZE)

static bool ept_present(u64 e)
{
	return e & VMX_EPT_RWX_MASK;
}

static u64 *ept_table(u64 e)
{
	return __va(e & EPT_PTE_ADDR_MASK);
}

int ember_arch_vm_init(struct ember_vm *vm)
{
	vm->arch.ept_root = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vm->arch.ept_root)
		return -ENOMEM;
	vm->arch.eptp = __pa(vm->arch.ept_root) | VMX_EPTP_MT_WB |
			VMX_EPTP_PWL_4;
	return 0;
}

static void ept_flush_this_cpu(void *eptp)
{
	vmx_flush_ept(*(u64 *)eptp);
}

/* Every CPU is in VMX operation while a VM exists: flush them all. */
static void ept_flush_all(struct ember_vm *vm)
{
	on_each_cpu(ept_flush_this_cpu, &vm->arch.eptp, 1);
}

static void ept_unpin(u64 e, int level)
{
	struct page *page = pfn_to_page((e & EPT_PTE_ADDR_MASK) >> PAGE_SHIFT);
	unsigned long i, n = level == 2 ? HUGE_PAGES : 1;

	for (i = 0; i < n; i++)
		unpin_user_page(page + i);
}

/* Frees the tables below @table and unpins what they map. */
static void ept_free_table(u64 *table, int level)
{
	int i;

	for (i = 0; i < EPT_ENTRIES; i++) {
		u64 e = table[i];

		if (!ept_present(e))
			continue;
		if (level == 1 || (e & EPT_LARGE))
			ept_unpin(e, level);
		else
			ept_free_table(ept_table(e), level - 1);
	}
	free_page((unsigned long)table);
}

void ember_arch_vm_destroy(struct ember_vm *vm)
{
	if (!vm->arch.ept_root)
		return;
	/* No translation tagged with this EPTP may outlive its tables. */
	ept_flush_all(vm);
	ept_free_table(vm->arch.ept_root, EPT_LEVELS);
	vm->arch.ept_root = NULL;
}

/*
 * The leaf entry mapping guest page @gfn, or NULL; *level is its level
 * (1 = 4 KiB, 2 = 2 MiB).  When nothing maps @gfn, *next is the first
 * guest page past the hole, so that walks over sparse ranges skip whole
 * missing tables rather than every page.
 */
static u64 *ept_lookup(struct ember_vm *vm, u64 gfn, int *level, u64 *next)
{
	u64 *table = vm->arch.ept_root;
	int l;

	for (l = EPT_LEVELS; l >= 1; l--) {
		int shift = 9 * (l - 1);
		u64 *e = &table[(gfn >> shift) & 511];

		if (!ept_present(*e)) {
			*next = ((gfn >> shift) + 1) << shift;
			return NULL;
		}
		if (l == 1 || (*e & EPT_LARGE)) {
			*level = l;
			*next = ((gfn >> shift) + 1) << shift;
			return e;
		}
		table = ept_table(*e);
	}
	return NULL;
}

/*
 * The entry for @gpa at @level (1 = 4 KiB, 2 = 2 MiB), creating tables on
 * the way; NULL if a table cannot be allocated.  With @create false, NULL
 * where nothing is mapped.  A 2 MiB leaf in the way is returned as is.
 */
static u64 *ept_walk(struct ember_vm *vm, u64 gpa, int level, bool create)
{
	u64 *table = vm->arch.ept_root;
	int l;

	for (l = EPT_LEVELS; l > level; l--) {
		u64 *e = &table[(gpa >> (12 + 9 * (l - 1))) & 511];

		if (!ept_present(*e)) {
			u64 *t;

			if (!create)
				return NULL;
			t = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
			if (!t)
				return NULL;
			*e = __pa(t) | VMX_EPT_RWX_MASK;
		} else if (*e & EPT_LARGE) {
			return e;
		}
		table = ept_table(*e);
	}
	return &table[(gpa >> (12 + 9 * (level - 1))) & 511];
}

/* Pins @n pages at @hva; all or nothing.  Returns 0 or -EFAULT. */
static int pin_pages(unsigned long hva, int n, bool write, struct page **pages)
{
	unsigned int flags = FOLL_LONGTERM | (write ? FOLL_WRITE : 0);
	int got = pin_user_pages_fast(hva, n, flags, pages);

	if (got == n)
		return 0;
	if (got > 0)
		unpin_user_pages(pages, got);
	return -EFAULT;
}

/*
 * Is the 2 MiB around @gfn mappable as one page?  If so, returns the
 * first of its 512 pages, all pinned; NULL otherwise.
 */
static struct page *ept_try_huge(struct ember_memslot *slot, u64 gfn,
				 bool write)
{
	u64 base = gfn & ~(u64)(HUGE_PAGES - 1);
	unsigned long hva = slot->userspace_addr +
			    (base - slot->base_gfn) * PAGE_SIZE;
	struct page *probe, **pages, *first = NULL;
	unsigned long i;
	bool huge;

	if (!(vmx_caps.ept_vpid & VMX_EPT_2MB_PAGE_BIT) ||
	    base < slot->base_gfn ||
	    base + HUGE_PAGES > slot->base_gfn + slot->npages ||
	    (hva & (PMD_SIZE - 1)))
		return NULL;
	/* Cheap test first: is the faulting page part of a huge page? */
	if (pin_pages(hva + (gfn - base) * PAGE_SIZE, 1, write, &probe))
		return NULL;
	huge = PageTransCompound(probe) &&
	       compound_order(compound_head(probe)) >= PMD_SHIFT - PAGE_SHIFT;
	unpin_user_page(probe);
	if (!huge)
		return NULL;

	pages = kmalloc_array(HUGE_PAGES, sizeof(*pages), GFP_KERNEL);
	if (!pages || pin_pages(hva, HUGE_PAGES, write, pages))
		goto out;
	/* One physically contiguous, aligned 2 MiB, as the process maps it. */
	for (i = 0; i < HUGE_PAGES; i++)
		if (pages[i] != pages[0] + i)
			break;
	if (i == HUGE_PAGES && !(page_to_pfn(pages[0]) & (HUGE_PAGES - 1)))
		first = pages[0];
	else
		unpin_user_pages(pages, HUGE_PAGES);
out:
	kfree(pages);
	return first;
}

/*
 * Map guest page @gfn of @slot.  A read maps the page read-only when the
 * process may not write it (or the slot is read-only); a later write
 * faults again and upgrades.  Returns 0 or -errno (-EFAULT: the process's
 * memory is not there).
 */
static int ept_map(struct ember_vm *vm, struct ember_memslot *slot, u64 gfn,
		   bool write)
{
	bool ro_slot = slot->flags & KVM_MEM_READONLY;
	unsigned long hva = slot->userspace_addr +
			    (gfn - slot->base_gfn) * PAGE_SIZE;
	struct page *single, *huge = NULL;
	bool writable = !ro_slot;
	u64 *e, perm;

	/* A logged slot maps 4 KiB pages, writable only once written. */
	if (slot->dirty_bitmap) {
		if (write)
			__set_bit(gfn - slot->base_gfn, slot->dirty_bitmap);
		else
			writable = false;
	} else {
		huge = ept_try_huge(slot, gfn, writable);
	}
	if (huge) {
		e = ept_walk(vm, gfn << PAGE_SHIFT, 2, true);
		if (e && !ept_present(*e)) {
			perm = VMX_EPT_READABLE_MASK | VMX_EPT_EXECUTABLE_MASK |
			       (writable ? VMX_EPT_WRITABLE_MASK : 0);
			*e = page_to_phys(huge) | perm | EPT_LEAF_ATTRS |
			     EPT_LARGE;
			vm->stats.pages_2m++;
			return 0;
		}
		/* No table, or mapped meanwhile at a smaller size. */
		ept_unpin(page_to_phys(huge), 2);
		if (!e)
			return -ENOMEM;
	}

	if (pin_pages(hva, 1, writable || (write && !ro_slot), &single)) {
		/* A read of memory the process may only read: map it RO. */
		if (write || !writable || pin_pages(hva, 1, false, &single))
			return -EFAULT;
		writable = false;
	}
	e = ept_walk(vm, gfn << PAGE_SHIFT, 1, true);
	if (!e) {
		unpin_user_page(single);
		return -ENOMEM;
	}
	if (ept_present(*e) && (*e & EPT_LARGE)) {
		unpin_user_page(single);	/* mapped whole meanwhile */
		return 0;
	}
	if (ept_present(*e)) {
		/* A read-only mapping being upgraded for a write. */
		u64 old = *e;

		*e = 0;
		ept_flush_all(vm);
		ept_unpin(old, 1);
		vm->stats.pages_4k--;
	}
	if (write && slot->dirty_bitmap)
		writable = true;
	perm = VMX_EPT_READABLE_MASK | VMX_EPT_EXECUTABLE_MASK |
	       (writable ? VMX_EPT_WRITABLE_MASK : 0);
	*e = page_to_phys(single) | perm | EPT_LEAF_ATTRS;
	vm->stats.pages_4k++;
	return 0;
}

int ept_handle_violation(struct ember_vcpu *vcpu, u64 gpa, unsigned long qual)
{
	struct ember_vm *vm = vcpu->vm;
	bool write = qual & EPT_VIOLATION_ACC_WRITE;
	struct ember_memslot *slot;
	int r;

	mutex_lock(&vm->mmu_lock);
	slot = ember_memslot_find(vm, gpa >> PAGE_SHIFT);
	if (!slot || (write && (slot->flags & KVM_MEM_READONLY))) {
		mutex_unlock(&vm->mmu_lock);
		return vmx_handle_mmio(vcpu, gpa, write);
	}
	r = ept_map(vm, slot, gpa >> PAGE_SHIFT, write);
	mutex_unlock(&vm->mmu_lock);
	return r ? r : 1;
}

/*
 * Dirty logging: clear the write permission of each mapped page of @slot
 * selected by @mask (NULL: all), splitting 2 MiB pages by unmapping them
 * (they fault back in as 4 KiB pages), then flush.
 */
void ember_arch_write_protect(struct ember_vm *vm, struct ember_memslot *slot,
			      const unsigned long *mask)
{
	u64 gfn, next, end = slot->base_gfn + slot->npages, changed = 0;
	int level;

	lockdep_assert_held(&vm->mmu_lock);
	for (gfn = slot->base_gfn; gfn < end; gfn = next) {
		u64 *e = ept_lookup(vm, gfn, &level, &next);

		if (!e)
			continue;
		if (mask && level == 1 && !test_bit(gfn - slot->base_gfn, mask))
			continue;
		if (level == 2) {
			u64 old = *e;

			*e = 0;
			ept_flush_all(vm);
			ept_unpin(old, 2);
			vm->stats.pages_2m--;
			continue;
		}
		if (*e & VMX_EPT_WRITABLE_MASK) {
			*e &= ~VMX_EPT_WRITABLE_MASK;
			changed++;
		}
	}
	if (changed)
		ept_flush_all(vm);
}

struct ept_zapped {
	u64 *entries;		/* cleared leaf entries, to unpin */
	u8 *levels;
	unsigned int n, cap;
};

static int zapped_add(struct ept_zapped *z, u64 e, int level)
{
	if (z->n == z->cap) {
		unsigned int cap = z->cap ? z->cap * 2 : 64;
		u64 *ne = krealloc_array(z->entries, cap, sizeof(*ne), GFP_KERNEL);
		u8 *nl;

		if (!ne)
			return -ENOMEM;
		z->entries = ne;
		nl = krealloc_array(z->levels, cap, sizeof(*nl), GFP_KERNEL);
		if (!nl)
			return -ENOMEM;
		z->levels = nl;
		z->cap = cap;
	}
	z->entries[z->n] = e;
	z->levels[z->n++] = level;
	return 0;
}

/*
 * Unmap guest pages [gfn, gfn + n) of a slot that goes away or moves.
 * Should memory for the bookkeeping run out, the flush happens per entry.
 */
void ember_arch_memslot_remove(struct ember_vm *vm, struct ember_memslot *slot)
{
	struct ept_zapped z = { 0 };
	u64 gfn, next, end = slot->base_gfn + slot->npages;
	unsigned int i;
	int level;

	lockdep_assert_held(&vm->mmu_lock);
	for (gfn = slot->base_gfn; gfn < end; gfn = next) {
		u64 *e = ept_lookup(vm, gfn, &level, &next);
		u64 old;

		if (!e)
			continue;
		old = *e;
		*e = 0;
		if (zapped_add(&z, old, level)) {
			ept_flush_all(vm);
			ept_unpin(old, level);
		}
		if (level == 2)
			vm->stats.pages_2m--;
		else
			vm->stats.pages_4k--;
	}
	if (z.n) {
		ept_flush_all(vm);
		for (i = 0; i < z.n; i++)
			ept_unpin(z.entries[i], z.levels[i]);
	}
	kfree(z.entries);
	kfree(z.levels);
}
