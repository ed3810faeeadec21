// SPDX-License-Identifier: GPL-2.0
/*
 * The process's side of a guest page.  ember looks pages up with
 * get_user_pages (a short-term reference, dropped once the EPT entry is
 * written; the MMU notifier keeps the entry honest afterwards) and reads the
 * process's page tables to know the size of the page behind an address.
 */
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/sched/signal.h>

#include "host_mm.h"

int host_page_get(unsigned long hva, bool write, bool may_write,
		  struct page **page, bool *writable)
{
	int r;

	/*
	 * A read takes the page writable if the process maps it so already
	 * (one fault instead of two), but does not fault it in writable:
	 * that would allocate, or break copy-on-write, for a read.
	 */
	if (!write && may_write &&
	    get_user_page_fast_only(hva, FOLL_WRITE, page)) {
		*writable = true;
		return 0;
	}
	r = get_user_pages_fast(hva, 1, write ? FOLL_WRITE : 0, page);
	if (r != 1)
		return signal_pending(current) ? -EINTR : -EFAULT;
	*writable = write;
	return 0;
}

bool host_maps_2m(struct mm_struct *mm, unsigned long hva)
{
	unsigned long flags;
	bool huge = false;
	pgd_t pgd;
	p4d_t p4d;
	pud_t pud;
	pmd_t pmd;

	/*
	 * As GUP-fast: with interrupts off, page tables cannot be freed under
	 * us (their freeing waits for an IPI or an RCU grace period), and
	 * each level is read once.
	 */
	local_irq_save(flags);
	pgd = READ_ONCE(*pgd_offset(mm, hva));
	if (pgd_none(pgd) || !pgd_present(pgd))
		goto out;
	p4d = READ_ONCE(*p4d_offset(&pgd, hva));
	if (p4d_none(p4d) || !p4d_present(p4d))
		goto out;
	pud = READ_ONCE(*pud_offset(&p4d, hva));
	if (pud_none(pud) || !pud_present(pud))
		goto out;
	if (pud_large(pud)) {		/* 1 GiB: any 2 MiB of it will do */
		huge = true;
		goto out;
	}
	pmd = READ_ONCE(*pmd_offset(&pud, hva));
	huge = pmd_present(pmd) && pmd_large(pmd);
out:
	local_irq_restore(flags);
	return huge;
}
