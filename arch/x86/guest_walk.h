/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Translate a guest linear address to a guest-physical address through the
 * guest's own page tables (SDM Vol. 3A, ch. 4), in software: for emulating
 * an instruction, the hypervisor must fetch it at the guest's RIP and find
 * its memory operands.
 *
 * Pure C, no allocation, no global state: built into ember.ko and into the
 * userspace unit test (selftests/unit/).
 */
#ifndef EMBER_X86_GUEST_WALK_H
#define EMBER_X86_GUEST_WALK_H

#include <linux/types.h>
#include <linux/bits.h>

/* #PF error code bits (SDM Vol. 3A, 4.7). */
#define GW_PF_PRESENT	BIT(0)	/* 0: not present; 1: protection/reserved */
#define GW_PF_WRITE	BIT(1)
#define GW_PF_USER	BIT(2)
#define GW_PF_RSVD	BIT(3)	/* a reserved bit was set in an entry */
#define GW_PF_FETCH	BIT(4)	/* instruction fetch (I/D) */

/*
 * Access kind, the same bits as in the error code: none of them is a
 * supervisor data read; GW_WRITE and GW_FETCH exclude each other.  GW_USER
 * is an access with CPL 3 (implicit supervisor accesses, such as descriptor
 * table reads at CPL 3, are not distinguished from explicit ones).
 */
#define GW_WRITE	GW_PF_WRITE
#define GW_USER		GW_PF_USER
#define GW_FETCH	GW_PF_FETCH

/*
 * The guest state the walk depends on, and how to read guest memory.
 *
 * read_gpa() reads len bytes of guest-physical memory at gpa (len is 4 or 8
 * for paging-structure entries, at most a page, never crossing one, for
 * guest_read_linear()) and returns 0 or a -errno, passed back to the caller
 * (-EFAULT from it becomes -EIO, to keep -EFAULT for #PF).  Paging entries
 * are read as little-endian (x86 host).
 */
struct guest_walk_ctx {
	u64 cr0;
	u64 cr3;
	u64 cr4;
	u64 efer;		/* LMA and NXE are used */
	u64 rflags;		/* AC is used, for SMAP */
	/*
	 * PAE paging: the four PDPTEs as the CPU loaded them (VMCS
	 * GUEST_PDPTR0-3 with EPT), or NULL to read them from CR3 now.
	 */
	const u64 *pdptrs;
	u8 maxphyaddr;		/* CPUID.80000008H:EAX[7:0]; 0 means 52 */
	int (*read_gpa)(void *opaque, u64 gpa, void *buf, unsigned int len);
	void *opaque;		/* first argument of read_gpa() */
};

struct guest_walk_result {
	u64 gpa;		/* 0: the guest-physical address */
	u64 page_size;		/* 0: size of the mapping, 4K/2M/4M/1G (4K
				 * with paging off)
				 */
	u64 la;			/* -EFAULT: the address for CR2 */
	u32 error_code;		/* -EFAULT: the #PF error code, GW_PF_* */
	bool writable;		/* 0: a write in the same mode (user or
				 * supervisor) would be allowed too
				 */
	bool executable;	/* 0: so would a fetch */
};

/*
 * Translate la for an access of kind access (GW_WRITE | GW_USER | GW_FETCH).
 *
 * Paging modes: off (CR0.PG = 0: gpa = la, truncated to 32 bits), 32-bit
 * (4 MiB pages with CR4.PSE, PSE-36 up to MAXPHYADDR or 40 bits), PAE
 * (2 MiB pages) and 4-level (2 MiB and 1 GiB pages).  5-level paging
 * (CR4.LA57) is not supported.  Outside 64-bit paging, la is truncated to
 * 32 bits.
 *
 * Checked: present bits; reserved bits (bits at or above MAXPHYADDR, XD
 * without EFER.NXE, PS in a PML4E, the reserved bits of large-page entries
 * and of PAE PDPTEs); U/S, R/W with CR0.WP, XD with EFER.NXE, SMEP, and
 * SMAP with RFLAGS.AC.  Not checked: protection keys (CR4.PKE/PKS), CET
 * shadow stacks, HLAT, the reserved bits of CR3, and whether the CPU has
 * 1 GiB pages.  Accessed and dirty bits are neither checked nor set: the
 * caller emulates an access the guest made, and the CPU sets them when the
 * guest retries or for the access that exited (EPT violation).
 *
 * Returns 0 and fills res->gpa, page_size, writable, executable; or
 *   -EFAULT      the access would fault: res->error_code and res->la say
 *                what to inject as #PF and put in CR2
 *   -ERANGE      la is not canonical (4-level paging): #GP or #SS
 *   -EOPNOTSUPP  CR4.LA57
 *   -EINVAL      an impossible combination (EFER.LMA with paging and
 *                without CR4.PAE), or no read_gpa
 *   any -errno from read_gpa() (but -EFAULT becomes -EIO)
 */
int guest_walk(const struct guest_walk_ctx *ctx, u64 la, u32 access,
	       struct guest_walk_result *res);

/*
 * Read len bytes at linear address la into buf, translating each page
 * separately (the range may cross pages with different mappings).  Returns
 * as guest_walk(); on -EFAULT, res->la is the linear address of the first
 * byte on the page that faulted, and nothing is guaranteed about buf.  On
 * success res describes the last page.  Only GW_USER and GW_FETCH make sense
 * in access.
 */
int guest_read_linear(const struct guest_walk_ctx *ctx, u64 la, void *buf,
		      unsigned int len, u32 access,
		      struct guest_walk_result *res);

#endif /* EMBER_X86_GUEST_WALK_H */
