// SPDX-License-Identifier: GPL-2.0
/*
 * EPT: the guest-physical address space of a VM, filled on demand.
 *
 * Each EPT violation on guest RAM looks up the page of the process behind
 * it and maps it: 2 MiB at once where the slot covers the whole aligned
 * 2 MiB, guest and host addresses are aligned alike, and the process maps
 * the address with a page of 2 MiB or more; 4 KiB otherwise.  The EPT holds
 * no reference on what it maps: the MMU notifier (module/mmu_notifier.c)
 * unmaps a range, here, before the process's mapping of it changes, and a
 * fault that raced with that maps nothing and lets the guest fault again.
 *
 * 4-level tables, write-back, accessed/dirty flags off (SDM Vol. 3C 29.3).
 * The tables change under vm->mmu_lock, a spinlock: a fault takes the
 * table pages it may need from a per-vCPU cache filled before the lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <asm/io.h>

#include "arch.h"
#include "host_mm.h"
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
/* Entries a walk of a slot visits before it looks whether to yield. */
#define EPT_WALK_BATCH		64

static bool ept_present(u64 e)
{
	return e & VMX_EPT_RWX_MASK;
}

static bool ept_leaf(u64 e, int level)
{
	return level == 1 || (e & EPT_LARGE);
}

static u64 *ept_table(u64 e)
{
	return __va(e & EPT_PTE_ADDR_MASK);
}

/*
 * MAXPHYADDR, as KVM's limit for slots, and at most the 48 bits that a
 * 4-level EPT translates (SDM Vol. 3C 29.3.2).
 */
u64 ember_arch_gfn_limit(void)
{
	unsigned int bits = boot_cpu_data.x86_phys_bits;

	/* The CPU's own, as KVM takes it, not the kernel's (MKTME) view. */
	if (boot_cpu_data.extended_cpuid_level >= 0x80000008)
		bits = cpuid_eax(0x80000008) & 0xff;
	return 1ull << (min(bits, 48u) - PAGE_SHIFT);
}

int ember_arch_vm_init(struct ember_vm *vm)
{
	vm->arch.ept_root = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vm->arch.ept_root)
		return -ENOMEM;
	vm->arch.eptp = __pa(vm->arch.ept_root) | VMX_EPTP_MT_WB |
			VMX_EPTP_PWL_4;
	x86_vm_init_clock(vm);
	return 0;
}

/*
 * Entries just cleared or write-protected may still be cached in the TLB
 * of a CPU where a vCPU of @vm runs, or last ran.  Each vCPU flushes
 * before its next entry (a request), and those in the guest right now are
 * kicked out of it first; this returns once none of them can use what was
 * cleared.  A CPU where no vCPU of the VM is loaded is flushed when one
 * comes back to it (ember_arch_vcpu_load): no IPI goes to CPUs the VM
 * does not use.
 */
static void ept_flush_all(struct ember_vm *vm)
{
	ember_make_all_vcpus_request(vm, EMBER_REQ_TLB_FLUSH);
}

/*
 * The guest may have written the page of the writable leaf @e without the
 * process's page tables knowing: tell the page, so that reclaim writes it
 * back rather than dropping it.  The page is still the process's here (it
 * is unmapped from the guest before it is unmapped from the process).
 */
static void ept_mark_dirty(u64 e)
{
	struct page *page;

	if (!(e & VMX_EPT_WRITABLE_MASK))
		return;
	page = pfn_to_page((e & EPT_PTE_ADDR_MASK) >> PAGE_SHIFT);
	if (!PageReserved(page) && !is_zone_device_page(page))
		SetPageDirty(page);	/* the head, for a huge page */
}

/* Clear the leaf @e, which maps at @level.  The caller flushes. */
static void ept_zap_leaf(struct ember_vm *vm, u64 *e, int level)
{
	u64 old = *e;

	*e = 0;
	ept_mark_dirty(old);
	if (level == 2)
		vm->stats.pages_2m--;
	else
		vm->stats.pages_4k--;
}

/* Frees the tables below @table, which map nothing any more. */
static void ept_free_table(u64 *table, int level)
{
	int i;

	for (i = 0; level > 1 && i < EPT_ENTRIES; i++)
		if (ept_present(table[i]) && !ept_leaf(table[i], level))
			ept_free_table(ept_table(table[i]), level - 1);
	free_page((unsigned long)table);
}

/*
 * By now the MMU notifier's release has unmapped every page (it runs when
 * the process exits, or at the latest when the VM unregisters it).
 */
void ember_arch_vm_destroy(struct ember_vm *vm)
{
	if (!vm->arch.ept_root)
		return;
	/*
	 * Translations tagged with this EPTP may outlive the tables on CPUs
	 * the vCPUs left; they are never used, as any vCPU (of this VM or of
	 * one whose root gets the same page) flushes the EPTP when it is
	 * first loaded on a CPU.
	 */
	ept_free_table(vm->arch.ept_root, EPT_LEVELS);
	vm->arch.ept_root = NULL;
}

/* The per-vCPU cache of zeroed table pages, one per level below the root. */
static int ept_cache_fill(struct ember_arch_vcpu *a)
{
	while (a->ept_cache_n < ARRAY_SIZE(a->ept_cache)) {
		void *t = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);

		if (!t)
			return -ENOMEM;
		a->ept_cache[a->ept_cache_n++] = t;
	}
	return 0;
}

void ept_cache_free(struct ember_arch_vcpu *a)
{
	while (a->ept_cache_n)
		free_page((unsigned long)a->ept_cache[--a->ept_cache_n]);
}

/*
 * The leaf entry mapping guest page @gfn, or NULL; *level is its level
 * (1 = 4 KiB, 2 = 2 MiB).  *next is the first guest page past that entry,
 * or past the hole when nothing maps @gfn, so that walks over sparse
 * ranges skip whole missing tables rather than every page.
 */
static u64 *ept_lookup(struct ember_vm *vm, u64 gfn, int *level, u64 *next)
{
	u64 *table = vm->arch.ept_root;
	int l;

	for (l = EPT_LEVELS; l >= 1; l--) {
		int shift = 9 * (l - 1);
		u64 *e = &table[(gfn >> shift) & 511];

		*next = ((gfn >> shift) + 1) << shift;
		if (!ept_present(*e))
			return NULL;
		if (ept_leaf(*e, l)) {
			*level = l;
			return e;
		}
		table = ept_table(*e);
	}
	return NULL;
}

/*
 * The entry for @gfn at @level (1 = 4 KiB, 2 = 2 MiB), creating tables on
 * the way from the vCPU's cache.  A 2 MiB leaf met on the way to level 1 is
 * returned as it is; *level then says 2.
 */
static u64 *ept_walk(struct ember_vm *vm, struct ember_arch_vcpu *a, u64 gfn,
		     int *level)
{
	u64 *table = vm->arch.ept_root;
	int l;

	for (l = EPT_LEVELS; l > *level; l--) {
		u64 *e = &table[(gfn >> (9 * (l - 1))) & 511];

		if (!ept_present(*e)) {
			u64 *t = a->ept_cache[--a->ept_cache_n];

			*e = __pa(t) | VMX_EPT_RWX_MASK;
		} else if (ept_leaf(*e, l)) {
			*level = l;
			return e;
		}
		table = ept_table(*e);
	}
	return &table[(gfn >> (9 * (*level - 1))) & 511];
}

/*
 * Replace the table of 4 KiB entries at @e by nothing, so that a 2 MiB
 * page can take its place (the process's memory there became one huge
 * page, or dirty logging stopped).
 */
static void ept_zap_table(struct ember_vm *vm, u64 *e)
{
	u64 *table = ept_table(*e);
	int i;

	*e = 0;
	for (i = 0; i < EPT_ENTRIES; i++)
		if (ept_present(table[i]))
			ept_zap_leaf(vm, &table[i], 1);
	ept_flush_all(vm);
	free_page((unsigned long)table);
}

/*
 * Does the table of 4 KiB entries at @e map anything executable?  Then it
 * was split for an instruction fetch (iTLB multihit, vmx_spec.c) and must
 * not become an executable-less 2 MiB page again, or the next fetch would
 * split it again, and so on.
 */
static bool ept_table_has_exec(u64 e)
{
	u64 *table = ept_table(e);
	int i;

	for (i = 0; i < EPT_ENTRIES; i++)
		if (table[i] & VMX_EPT_EXECUTABLE_MASK)
			return true;
	return false;
}

/*
 * Map guest page @gfn to host page @pfn, 4 KiB or (@level 2) the 2 MiB
 * around both.  Under mmu_lock, after the invalidation check.  With the
 * iTLB multihit mitigation a 2 MiB page is never executable (SDM Vol. 3A
 * 4.10.2.3: a fetch from a page whose size changes can machine-check on
 * affected CPUs); a fetch from it maps 4 KiB.
 */
static void ept_install(struct ember_vcpu *vcpu, u64 gfn, u64 pfn, int level,
			bool writable, bool exec)
{
	struct ember_vm *vm = vcpu->vm;
	bool nx_huge = vmx_spec_nx_huge_pages();
	u64 perm = VMX_EPT_READABLE_MASK | VMX_EPT_EXECUTABLE_MASK |
		   (writable ? VMX_EPT_WRITABLE_MASK : 0);
	int at = level;
	u64 *e;

	if (nx_huge && level == 2) {
		perm &= ~VMX_EPT_EXECUTABLE_MASK;
		if (exec)
			level = at = 1;
	}
	e = ept_walk(vm, &vcpu->arch, gfn, &at);
	if (nx_huge && level == 2 && ept_present(*e) && !(*e & EPT_LARGE) &&
	    ept_table_has_exec(*e)) {
		/* Stay within the split table: map 4 KiB, executable. */
		perm |= VMX_EPT_EXECUTABLE_MASK;
		level = at = 1;
		e = ept_walk(vm, &vcpu->arch, gfn, &at);
	}

	if (level == 2 && ept_present(*e) && !(*e & EPT_LARGE))
		ept_zap_table(vm, e);
	if (ept_present(*e)) {
		/*
		 * Mapped already, by another vCPU or read-only, and at the
		 * same size: the same page, unless the notifier unmapped it
		 * in between.  Only the permission grows, which needs no
		 * flush: the EPT violation flushed the translations of this
		 * address (SDM Vol. 3C 29.4.3.1).  Otherwise start afresh.
		 */
		u64 base = at == 2 ? (pfn - (gfn & (HUGE_PAGES - 1))) : pfn;

		if (at == level &&
		    (*e & EPT_PTE_ADDR_MASK) == base << PAGE_SHIFT) {
			*e |= perm;
			return;
		}
		ept_zap_leaf(vm, e, at);
		ept_flush_all(vm);
		at = level;
		e = ept_walk(vm, &vcpu->arch, gfn, &at);
	}
	if (level == 2) {
		*e = ((pfn & ~(u64)(HUGE_PAGES - 1)) << PAGE_SHIFT) | perm |
		     EPT_LEAF_ATTRS | EPT_LARGE;
		vm->stats.pages_2m++;
	} else {
		*e = (pfn << PAGE_SHIFT) | perm | EPT_LEAF_ATTRS;
		vm->stats.pages_4k++;
	}
}

/* May guest page @gfn of @slot be mapped as part of a 2 MiB page? */
static bool ept_huge_fits(struct ember_memslot *slot, u64 gfn)
{
	u64 base = gfn & ~(u64)(HUGE_PAGES - 1);

	return (vmx_caps.ept_vpid & VMX_EPT_2MB_PAGE_BIT) &&
	       !slot->dirty_bitmap &&	/* logging tracks 4 KiB pages */
	       base >= slot->base_gfn &&
	       base + HUGE_PAGES <= slot->base_gfn + slot->npages &&
	       !(ember_gfn_to_hva(slot, base) & (PMD_SIZE - 1));
}

/*
 * Map guest page @gfn of @slot for a guest access.  A read maps the page
 * writable only if the process already maps it so; a later write faults
 * again and upgrades.  A logging slot maps a page writable once written.
 * Returns 0 (mapped, or raced with an invalidation: the guest faults again)
 * or -errno (-EFAULT: the process's memory is not there).
 */
static int ept_fault(struct ember_vcpu *vcpu, struct ember_memslot *slot,
		     u64 gfn, bool write, bool exec)
{
	struct ember_vm *vm = vcpu->vm;
	unsigned long hva = ember_gfn_to_hva(slot, gfn);
	bool may_write = !(slot->flags & KVM_MEM_READONLY) &&
			 !slot->dirty_bitmap;
	unsigned long seq;
	struct page *page;
	bool writable;
	int r, level;

	/* Being deleted or moved: nothing may map it; fault again after. */
	if (slot->flags & EMBER_MEMSLOT_INVALID)
		return 0;
	r = ept_cache_fill(&vcpu->arch);
	if (r)
		return r;
	seq = READ_ONCE(vm->invalidate_seq);
	smp_rmb();	/* the page lookup comes after the seq: pairs with mmu_lock */
	r = host_page_get(hva, write, may_write, &page, &writable);
	if (r == -EINTR)
		return 0;	/* KVM_RUN sees the signal before re-entry */
	if (r)
		return r;

	spin_lock(&vm->mmu_lock);
	if (ember_mmu_invalidate_retry(vm, seq, hva))
		goto out;
	level = ept_huge_fits(slot, gfn) && host_maps_2m(vm->mm, hva) ? 2 : 1;
	ept_install(vcpu, gfn, page_to_pfn(page), level, writable, exec);
	if (write && slot->dirty_bitmap)
		__set_bit(gfn - slot->base_gfn, slot->dirty_bitmap);
out:
	spin_unlock(&vm->mmu_lock);
	put_page(page);
	return 0;
}

/*
 * An access to guest-physical memory that is not RAM.  The instruction at
 * RIP made it only if the CPU was neither delivering an event (the guest's
 * IDT, GDT or stack in MMIO: SDM Vol. 3C 28.2.4) nor walking the guest's
 * page tables (EPT violation qualification bit 7 set, bit 8 clear: SDM
 * Table 28-7); neither can be emulated, and userspace is told so rather
 * than shown an access the instruction did not make.
 */
static int ept_mmio(struct ember_vcpu *vcpu, u64 gpa, unsigned long qual,
		    bool write)
{
	struct kvm_run *run = vcpu->run;

	if (vmx_exit_during_delivery(vcpu)) {
		run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
		run->internal.suberror = KVM_INTERNAL_ERROR_DELIVERY_EV;
		run->internal.ndata = 4;
		run->internal.data[0] = vmcs_read32(IDT_VECTORING_INFO_FIELD);
		run->internal.data[1] = vcpu->arch.exit_reason;
		run->internal.data[2] = qual;
		run->internal.data[3] = gpa;
		return 0;
	}
	if ((qual & EPT_VIOLATION_GVA_IS_VALID) &&
	    !(qual & EPT_VIOLATION_GVA_TRANSLATED)) {
		run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
		run->internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
		run->internal.ndata = 2;
		run->internal.data[0] = qual;
		run->internal.data[1] = gpa;
		return 0;
	}
	return vmx_handle_mmio(vcpu, gpa, write);
}

int ept_handle_violation(struct ember_vcpu *vcpu, u64 gpa, unsigned long qual)
{
	struct ember_vm *vm = vcpu->vm;
	bool write = qual & EPT_VIOLATION_ACC_WRITE;
	struct ember_memslot *slot;
	int r, idx;

	idx = srcu_read_lock(&vm->srcu);
	slot = ember_memslot_find(vm, gpa >> PAGE_SHIFT);
	if (!slot || (write && (slot->flags & KVM_MEM_READONLY))) {
		srcu_read_unlock(&vm->srcu, idx);
		return ept_mmio(vcpu, gpa, qual, write);
	}
	r = ept_fault(vcpu, slot, gpa >> PAGE_SHIFT, write,
		      qual & EPT_VIOLATION_ACC_INSTR);
	srcu_read_unlock(&vm->srcu, idx);
	return r ? r : 1;
}

/*
 * Dirty logging: clear the write permission of each mapped page of @slot
 * selected by @mask (NULL: all), unmapping 2 MiB pages (they fault back in
 * as 4 KiB pages), then flush.
 */
/* Write-protect the leaf @e maps at @level; returns whether it changed. */
static bool ept_write_protect_leaf(struct ember_vm *vm, u64 *e, int level)
{
	if (level == 2) {
		ept_zap_leaf(vm, e, 2);
		return true;
	}
	if (!(*e & VMX_EPT_WRITABLE_MASK))
		return false;
	ept_mark_dirty(*e);
	*e &= ~VMX_EPT_WRITABLE_MASK;
	return true;
}

/*
 * With @mask (KVM_GET_DIRTY_LOG) only the pages whose bit is set are
 * visited, so the cost follows what the guest wrote, not the slot's size;
 * without it (logging starts) every mapped entry of the slot is.
 */
void ember_arch_write_protect(struct ember_vm *vm, struct ember_memslot *slot,
			      const unsigned long *mask)
{
	u64 gfn, next, end = slot->base_gfn + slot->npages;
	unsigned int changed = 0, visited = 0;
	unsigned long bit = 0;
	int level;

	lockdep_assert_held(&vm->mmu_lock);
	for (gfn = slot->base_gfn; gfn < end; gfn = next) {
		u64 *e;

		if (mask) {
			bit = find_next_bit(mask, slot->npages, bit);
			if (bit >= slot->npages)
				break;
			gfn = slot->base_gfn + bit++;
		}
		e = ept_lookup(vm, gfn, &level, &next);
		if (mask)
			next = gfn + 1;
		/* A large slot: let others have the lock and the CPU. */
		if (++visited % EPT_WALK_BATCH == 0 &&
		    (need_resched() || spin_needbreak(&vm->mmu_lock))) {
			if (changed)
				ept_flush_all(vm);
			changed = 0;
			cond_resched_lock(&vm->mmu_lock);
		}
		if (e && ept_write_protect_leaf(vm, e, level))
			changed++;
	}
	if (changed)
		ept_flush_all(vm);
}

bool ember_arch_unmap_gfn_range(struct ember_vm *vm,
				struct ember_memslot *slot, u64 start, u64 end,
				bool may_yield)
{
	unsigned int zapped = 0;
	bool yielded = false;
	u64 gfn, next;
	int level;

	lockdep_assert_held(&vm->mmu_lock);
	for (gfn = start; gfn < end; gfn = next) {
		u64 *e = ept_lookup(vm, gfn, &level, &next);

		if (!e)
			continue;
		ept_zap_leaf(vm, e, level);
		if (++zapped % EPT_WALK_BATCH == 0 && may_yield &&
		    (need_resched() || spin_needbreak(&vm->mmu_lock))) {
			ept_flush_all(vm);
			cond_resched_lock(&vm->mmu_lock);
			yielded = true;
			zapped = 0;
		}
	}
	if (zapped)
		ept_flush_all(vm);
	return yielded;
}
