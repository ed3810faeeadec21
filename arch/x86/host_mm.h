/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The process's side of a guest page: which page of the process backs a
 * guest access, and how the process maps it.
 */
#ifndef EMBER_X86_HOST_MM_H
#define EMBER_X86_HOST_MM_H

#include <linux/mm_types.h>
#include <linux/types.h>

/*
 * The page at @hva in the current process, with a reference the caller
 * drops with put_page().  A @write access needs the page writable, which
 * may fault it in or break copy-on-write; a read gets it writable only
 * where the process already maps it so (and @may_write), otherwise
 * read-only.  *@writable says which.  Returns 0, -EFAULT where the process
 * has no such memory, or -EINTR when a signal interrupted the lookup.
 */
int host_page_get(unsigned long hva, bool write, bool may_write,
		  struct page **page, bool *writable);

/*
 * Does @mm map @hva with one page of 2 MiB or more (a THP or a hugetlbfs
 * page)?  Only stable under the VM's mmu_lock after a fault's invalidation
 * check: any change to the mapping invalidates first.
 */
bool host_maps_2m(struct mm_struct *mm, unsigned long hva);

#endif /* EMBER_X86_HOST_MM_H */
