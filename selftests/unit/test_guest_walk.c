// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of arch/x86/guest_walk.c: page tables built by hand in a fake
 * guest memory, walked in every paging mode.  TAP output; exit 0 if every
 * case passes, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../../arch/x86/guest_walk.c"

#define MEM_SIZE	(8u << 20)
#define PT_BASE		0x100000u	/* page tables are allocated from here */

#define CR0_PE		BIT_ULL(0)
#define CR0_WP		BIT_ULL(16)
#define CR0_PG		BIT_ULL(31)
#define CR4_PSE		BIT_ULL(4)
#define CR4_PAE		BIT_ULL(5)
#define CR4_LA57	BIT_ULL(12)
#define CR4_SMEP	BIT_ULL(20)
#define CR4_SMAP	BIT_ULL(21)
#define EFER_LME	BIT_ULL(8)
#define EFER_LMA	BIT_ULL(10)
#define EFER_NXE	BIT_ULL(11)
#define RFLAGS_AC	BIT_ULL(18)

#define P	BIT_ULL(0)
#define RW	BIT_ULL(1)
#define US	BIT_ULL(2)
#define PS	BIT_ULL(7)
#define XD	BIT_ULL(63)
#define PRW	(P | RW)
#define PRWU	(P | RW | US)

#define PF_P	GW_PF_PRESENT
#define PF_W	GW_PF_WRITE
#define PF_U	GW_PF_USER
#define PF_R	GW_PF_RSVD
#define PF_I	GW_PF_FETCH

static u8 mem[MEM_SIZE];
static u64 next_pt;
static unsigned int reads;
static int fail_reads_with;	/* read_gpa() returns this, if nonzero */

static int read_gpa(void *opaque, u64 gpa, void *buf, unsigned int len)
{
	(void)opaque;
	reads++;
	if (fail_reads_with)
		return fail_reads_with;
	if (gpa >= MEM_SIZE || len > MEM_SIZE - gpa)
		return -ENXIO;
	memcpy(buf, mem + gpa, len);
	return 0;
}

static u64 alloc_pt(void)
{
	u64 pt = next_pt;

	next_pt += 4096;
	memset(mem + pt, 0, 4096);
	return pt;
}

static u64 get64(u64 gpa)
{
	u64 v;

	memcpy(&v, mem + gpa, 8);
	return v;
}

static void put64(u64 gpa, u64 v)
{
	memcpy(mem + gpa, &v, 8);
}

static void put32(u64 gpa, u32 v)
{
	memcpy(mem + gpa, &v, 4);
}

static struct guest_walk_ctx ctx;

static void reset(void)
{
	memset(mem, 0, PT_BASE + (1u << 20));
	next_pt = PT_BASE;
	fail_reads_with = 0;
	memset(&ctx, 0, sizeof(ctx));
	ctx.read_gpa = read_gpa;
}

/* ------------------------------------------------------------------ */
/* Builders.  upper: the flags of the non-leaf entries on the way. */

static void setup_4level(void)
{
	reset();
	ctx.cr0 = CR0_PE | CR0_PG | CR0_WP;
	ctx.cr4 = CR4_PAE;
	ctx.efer = EFER_LME | EFER_LMA | EFER_NXE;
	ctx.cr3 = alloc_pt();
}

/* Map la to pa in 4-level paging, leaf at level (1: 4K, 2: 2M, 3: 1G). */
static u64 map_4level(u64 la, u64 pa, int level, u64 leaf, u64 upper)
{
	u64 table = ctx.cr3 & GW_ADDR_MASK, e;
	int l;

	for (l = 4; l > level; l--) {
		e = table + ((la >> (12 + 9 * (l - 1))) & 511) * 8;
		if (!(get64(e) & P))
			put64(e, alloc_pt() | upper);
		else
			put64(e, (get64(e) & GW_ADDR_MASK) | upper);
		table = get64(e) & GW_ADDR_MASK;
	}
	e = table + ((la >> (12 + 9 * (level - 1))) & 511) * 8;
	put64(e, pa | leaf | (level > 1 ? PS : 0));
	return e;	/* the leaf entry's address, to corrupt it */
}

static u64 entry_4level(u64 la, int level)
{
	u64 table = ctx.cr3 & GW_ADDR_MASK, e = 0;
	int l;

	for (l = 4; l >= level; l--) {
		e = table + ((la >> (12 + 9 * (l - 1))) & 511) * 8;
		table = get64(e) & GW_ADDR_MASK;
	}
	return e;
}

static void setup_pae(void)
{
	reset();
	ctx.cr0 = CR0_PE | CR0_PG | CR0_WP;
	ctx.cr4 = CR4_PAE;
	ctx.efer = EFER_NXE;
	ctx.cr3 = alloc_pt() + 0x20;	/* PDPT: 32-byte aligned */
}

static u64 map_pae(u32 la, u64 pa, bool big, u64 leaf, u64 upper)
{
	u64 pdpte = (ctx.cr3 & 0xffffffe0) + (la >> 30) * 8, pd, e, pt;

	if (!(get64(pdpte) & P))
		put64(pdpte, alloc_pt() | P);
	pd = get64(pdpte) & GW_ADDR_MASK;
	e = pd + ((la >> 21) & 511) * 8;
	if (big) {
		put64(e, pa | leaf | PS);
		return e;
	}
	if (!(get64(e) & P))
		put64(e, alloc_pt() | upper);
	else
		put64(e, (get64(e) & GW_ADDR_MASK) | upper);
	pt = get64(e) & GW_ADDR_MASK;
	e = pt + ((la >> 12) & 511) * 8;
	put64(e, pa | leaf);
	return e;
}

static void setup_32(void)
{
	reset();
	ctx.cr0 = CR0_PE | CR0_PG | CR0_WP;
	ctx.cr4 = CR4_PSE;
	ctx.cr3 = alloc_pt();
}

static u64 map_32(u32 la, u32 pa, u32 leaf, u32 upper)
{
	u64 pde = ctx.cr3 + (la >> 22) * 4, pt;
	u32 v;

	memcpy(&v, mem + pde, 4);
	if (!(v & P))
		v = alloc_pt() | upper;
	else
		v = (v & 0xfffff000) | upper;
	put32(pde, v);
	pt = v & 0xfffff000;
	put32(pt + ((la >> 12) & 1023) * 4, pa | leaf);
	return pt + ((la >> 12) & 1023) * 4;
}

/* ------------------------------------------------------------------ */

static int failed;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			printf("#   %s:%d: %s\n", __FILE__, __LINE__,	\
			       #cond);					\
			failed = 1;					\
		}							\
	} while (0)

/* Walk and expect success at gpa. */
#define OK(lin, acc, want_gpa, want_size)				\
	do {								\
		struct guest_walk_result r_;				\
		int ret_ = guest_walk(&ctx, lin, acc, &r_);		\
		if (ret_ || r_.gpa != (u64)(want_gpa) ||		\
		    r_.page_size != (u64)(want_size)) {			\
			printf("#   %s:%d: walk %#llx: %d gpa %#llx size %#llx err %#x\n", \
			       __FILE__, __LINE__,			\
			       (unsigned long long)(lin), ret_,		\
			       (unsigned long long)r_.gpa,		\
			       (unsigned long long)r_.page_size,	\
			       r_.error_code);				\
			failed = 1;					\
		}							\
	} while (0)

/* Walk and expect a #PF with this error code. */
#define PF(lin, acc, want_err)						\
	do {								\
		struct guest_walk_result r_;				\
		int ret_ = guest_walk(&ctx, lin, acc, &r_);		\
		if (ret_ != -EFAULT || r_.error_code != (want_err) ||	\
		    r_.la != (u64)(lin)) {				\
			printf("#   %s:%d: walk %#llx: %d err %#x, want #PF %#x\n", \
			       __FILE__, __LINE__,			\
			       (unsigned long long)(lin), ret_,		\
			       r_.error_code, (unsigned int)(want_err)); \
			failed = 1;					\
		}							\
	} while (0)

#define RET(lin, acc, want_ret)						\
	do {								\
		struct guest_walk_result r_;				\
		int ret_ = guest_walk(&ctx, lin, acc, &r_);		\
		if (ret_ != (want_ret)) {				\
			printf("#   %s:%d: walk %#llx: %d, want %d\n",	\
			       __FILE__, __LINE__,			\
			       (unsigned long long)(lin), ret_, want_ret); \
			failed = 1;					\
		}							\
	} while (0)

/* ------------------------------------------------------------------ */

static void t_paging_off(void)
{
	reset();
	ctx.cr0 = CR0_PE;
	OK(0x12345678, 0, 0x12345678, 4096);
	OK(0x12345678, GW_WRITE | GW_USER, 0x12345678, 4096);
	OK(0x100001234ULL, GW_FETCH, 0x1234, 4096);
	ctx.read_gpa = NULL;	/* not needed with paging off */
	OK(0xfff, 0, 0xfff, 4096);
}

static void t_4level_sizes(void)
{
	setup_4level();
	map_4level(0x7f0000001000ULL, 0x345000, 1, PRWU, PRWU);
	map_4level(0x40200000, 0x80000000, 2, PRWU, PRWU);
	map_4level(0x8000000000ULL, 0x1c0000000ULL, 3, PRWU, PRWU);
	map_4level(0xffffffff80001000ULL, 0x7000, 1, PRW, PRW);
	OK(0x7f0000001234ULL, 0, 0x345234, 4096);
	OK(0x7f0000001fffULL, GW_WRITE | GW_USER, 0x345fff, 4096);
	OK(0x40200000 + 0x12345, 0, 0x80012345, 2u << 20);
	OK(0x8000000000ULL + 0x1234567, GW_USER, 0x1c1234567ULL, 1u << 30);
	OK(0xffffffff80001234ULL, GW_WRITE, 0x7234, 4096);
	PF(0x7f0000002000ULL, 0, 0);			/* PTE not present */
	PF(0x7f0000002000ULL, GW_WRITE | GW_USER, PF_W | PF_U);
	PF(0x100000000000ULL, GW_USER, PF_U);		/* PML4E not present */
}

static void t_4level_write(void)
{
	struct guest_walk_result r;

	setup_4level();
	map_4level(0x1000, 0x5000, 1, P | US, PRWU);		/* RO leaf */
	map_4level(0x40000000, 0x6000, 1, PRWU, P | US);	/* RO PDE/PDPTE/PML4E */
	PF(0x1000, GW_WRITE, PF_P | PF_W);
	PF(0x1000, GW_WRITE | GW_USER, PF_P | PF_W | PF_U);
	PF(0x40000000, GW_WRITE, PF_P | PF_W);
	OK(0x1000, 0, 0x5000, 4096);
	OK(0x1000, GW_USER, 0x5000, 4096);
	CHECK(guest_walk(&ctx, 0x1000, 0, &r) == 0 && !r.writable &&
	      r.executable);
	ctx.cr0 &= ~CR0_WP;	/* supervisor may write read-only pages */
	OK(0x1000, GW_WRITE, 0x5000, 4096);
	OK(0x40000000, GW_WRITE, 0x6000, 4096);
	CHECK(guest_walk(&ctx, 0x1000, 0, &r) == 0 && r.writable);
	PF(0x1000, GW_WRITE | GW_USER, PF_P | PF_W | PF_U);
}

static void t_4level_user(void)
{
	setup_4level();
	map_4level(0x1000, 0x5000, 1, PRW, PRWU);		/* supervisor leaf */
	map_4level(0x200000, 0x6000, 1, PRWU, PRW);		/* supervisor PDE.. */
	map_4level(0x40000000, 0x7000, 1, PRWU, PRWU);		/* user */
	PF(0x1000, GW_USER, PF_P | PF_U);
	PF(0x1000, GW_USER | GW_WRITE, PF_P | PF_U | PF_W);
	PF(0x200000, GW_USER, PF_P | PF_U);
	OK(0x1000, 0, 0x5000, 4096);
	OK(0x200000, GW_WRITE, 0x6000, 4096);
	OK(0x40000000, GW_USER | GW_WRITE, 0x7000, 4096);
	PF(0x1000, GW_USER | GW_FETCH, PF_P | PF_U | PF_I);
}

static void t_4level_nx(void)
{
	struct guest_walk_result r;

	setup_4level();
	map_4level(0x1000, 0x5000, 1, PRWU | XD, PRWU);
	map_4level(0x8000000000ULL, 0x6000, 1, PRWU, PRWU | XD);
	map_4level(0x2000, 0x7000, 1, PRWU, PRWU);
	PF(0x1000, GW_FETCH, PF_P | PF_I);
	PF(0x1000, GW_FETCH | GW_USER, PF_P | PF_I | PF_U);
	PF(0x8000000000ULL, GW_FETCH, PF_P | PF_I);	/* XD in upper levels */
	OK(0x1000, GW_WRITE, 0x5000, 4096);
	OK(0x2000, GW_FETCH, 0x7000, 4096);
	CHECK(guest_walk(&ctx, 0x1000, 0, &r) == 0 && !r.executable &&
	      r.writable);
	PF(0x3000, GW_FETCH, PF_I);		/* not present, NXE: I/D set */
	/* without NXE, XD is a reserved bit */
	ctx.efer &= ~EFER_NXE;
	PF(0x1000, 0, PF_P | PF_R);
	PF(0x1000, GW_FETCH, PF_P | PF_R);	/* no I/D without NXE/SMEP */
	PF(0x8000000000ULL, GW_WRITE, PF_P | PF_R | PF_W);
	OK(0x2000, GW_FETCH, 0x7000, 4096);
	PF(0x3000, GW_FETCH, 0);
}

static void t_4level_rsvd(void)
{
	u64 e;

	setup_4level();
	map_4level(0x1000, 0x5000, 1, PRWU, PRWU);
	map_4level(0x40000000, 0x80000000, 2, PRWU, PRWU);
	map_4level(0x8000000000ULL, 0x40000000, 3, PRWU, PRWU);

	e = entry_4level(0x1000, 4);			/* PS in a PML4E */
	put64(e, get64(e) | PS);
	PF(0x1000, 0, PF_P | PF_R);
	PF(0x1000, GW_USER | GW_WRITE, PF_P | PF_R | PF_U | PF_W);
	put64(e, get64(e) & ~PS);
	OK(0x1000, 0, 0x5000, 4096);

	e = entry_4level(0x40000000, 2);		/* 2M: bits 20:13 */
	put64(e, get64(e) | BIT_ULL(13));
	PF(0x40000000, 0, PF_P | PF_R);
	put64(e, (get64(e) & ~BIT_ULL(13)) | BIT_ULL(12));	/* PAT: fine */
	OK(0x40000000, 0, 0x80000000, 2u << 20);

	e = entry_4level(0x8000000000ULL, 3);		/* 1G: bits 29:13 */
	put64(e, get64(e) | BIT_ULL(29));
	PF(0x8000000000ULL, 0, PF_P | PF_R);
	put64(e, get64(e) & ~BIT_ULL(29));
	OK(0x8000000000ULL, 0, 0x40000000, 1u << 30);

	/* address bits beyond MAXPHYADDR */
	e = entry_4level(0x1000, 1);
	put64(e, get64(e) | BIT_ULL(40));
	OK(0x1000, 0, 0x10000005000ULL, 4096);		/* 0 means 52 */
	ctx.maxphyaddr = 46;
	OK(0x1000, 0, 0x10000005000ULL, 4096);
	ctx.maxphyaddr = 39;
	PF(0x1000, 0, PF_P | PF_R);
	put64(e, get64(e) & ~BIT_ULL(40));

	/* bits 62:52 are ignored (available, protection keys) */
	put64(e, get64(e) | BIT_ULL(55) | BIT_ULL(62));
	OK(0x1000, 0, 0x5000, 4096);
}

static void t_4level_smep_smap(void)
{
	struct guest_walk_result r;

	setup_4level();
	map_4level(0x1000, 0x5000, 1, PRWU, PRWU);	/* user page */
	map_4level(0x2000, 0x6000, 1, PRW, PRWU);	/* supervisor page */
	OK(0x1000, GW_FETCH, 0x5000, 4096);		/* no SMEP */
	OK(0x1000, GW_WRITE, 0x5000, 4096);		/* no SMAP */
	ctx.cr4 |= CR4_SMEP;
	PF(0x1000, GW_FETCH, PF_P | PF_I);
	OK(0x1000, GW_FETCH | GW_USER, 0x5000, 4096);
	OK(0x2000, GW_FETCH, 0x6000, 4096);
	OK(0x1000, 0, 0x5000, 4096);
	ctx.efer &= ~EFER_NXE;
	PF(0x3000, GW_FETCH, PF_I);		/* SMEP alone reports I/D */
	ctx.cr4 |= CR4_SMAP;
	PF(0x1000, 0, PF_P);
	PF(0x1000, GW_WRITE, PF_P | PF_W);
	OK(0x1000, GW_USER | GW_WRITE, 0x5000, 4096);
	OK(0x2000, GW_WRITE, 0x6000, 4096);
	ctx.rflags = RFLAGS_AC;
	OK(0x1000, 0, 0x5000, 4096);
	OK(0x1000, GW_WRITE, 0x5000, 4096);
	PF(0x1000, GW_FETCH, PF_P | PF_I);	/* AC does not lift SMEP */
	CHECK(guest_walk(&ctx, 0x1000, 0, &r) == 0 && r.writable &&
	      !r.executable);
}

static void t_4level_misc(void)
{
	setup_4level();
	map_4level(0x1000, 0x5000, 1, PRWU, PRWU);
	map_4level(0xffff800000000000ULL, 0x6000, 1, PRW, PRW);
	OK(0xffff800000000123ULL, 0, 0x6123, 4096);
	RET(0x0000800000000000ULL, 0, -ERANGE);
	RET(0xfff0000000000000ULL, 0, -ERANGE);
	ctx.cr4 |= CR4_LA57;
	RET(0x1000, 0, -EOPNOTSUPP);
	ctx.cr4 &= ~CR4_LA57;
	ctx.cr4 &= ~CR4_PAE;			/* LMA without PAE */
	RET(0x1000, 0, -EINVAL);
	ctx.cr4 |= CR4_PAE;
	ctx.cr3 |= 0xfff;			/* PCID, PWT, PCD: ignored */
	OK(0x1000, 0, 0x5000, 4096);
	/* tables outside guest RAM, and read_gpa() errors */
	ctx.cr3 = 0x40000000;
	RET(0x1000, 0, -ENXIO);
	ctx.cr3 = PT_BASE;
	fail_reads_with = -EFAULT;		/* -EFAULT means #PF only */
	RET(0x1000, 0, -EIO);
	fail_reads_with = -EAGAIN;
	RET(0x1000, 0, -EAGAIN);
	fail_reads_with = 0;
	ctx.read_gpa = NULL;
	RET(0x1000, 0, -EINVAL);
}

static void t_pae(void)
{
	u64 e, pdptrs[4];

	setup_pae();
	map_pae(0x1000, 0x5000, false, PRWU, PRWU);
	map_pae(0xc0200000, 0x80000000, true, PRWU, PRWU);
	map_pae(0x40001000, 0x6000, false, P, PRW);
	OK(0x1234, GW_USER | GW_WRITE, 0x5234, 4096);
	OK(0xc0212345, GW_FETCH, 0x80012345, 2u << 20);
	OK(0x100001234ULL, 0, 0x5234, 4096);		/* la is 32 bits */
	PF(0x80000000, 0, 0);				/* PDPTE not present */
	PF(0x80000000, GW_FETCH, PF_I);
	PF(0x2000, GW_WRITE, PF_W);			/* PTE not present */
	PF(0x40001000, GW_WRITE, PF_P | PF_W);
	PF(0x40001000, GW_USER, PF_P | PF_U);
	OK(0x40001000, 0, 0x6000, 4096);

	e = map_pae(0x3000, 0x7000, false, PRWU | XD, PRWU);
	PF(0x3000, GW_FETCH, PF_P | PF_I);
	ctx.efer &= ~EFER_NXE;
	PF(0x3000, 0, PF_P | PF_R);
	PF(0x3000, GW_FETCH, PF_P | PF_R);		/* no I/D w/o NXE */
	ctx.efer |= EFER_NXE;
	put64(e, (get64(e) & ~XD) | BIT_ULL(55));	/* 62:M reserved */
	PF(0x3000, 0, PF_P | PF_R);
	put64(e, get64(e) & ~BIT_ULL(55));
	OK(0x3000, GW_FETCH, 0x7000, 4096);

	/* 2M: bits 20:13 reserved */
	e = map_pae(0x400000, 0x200000, true, PRWU, PRWU);
	put64(e, get64(e) | BIT_ULL(20));
	PF(0x400000, 0, PF_P | PF_R);

	/* PDPTE: R/W and U/S are reserved in PAE paging */
	e = ctx.cr3 & 0xffffffe0;
	put64(e, get64(e) | RW);
	PF(0x1000, 0, PF_P | PF_R);
	put64(e, get64(e) & ~RW);
	put64(e, get64(e) | BIT_ULL(5));		/* bits 8:5 too */
	PF(0x1000, 0, PF_P | PF_R);
	put64(e, get64(e) & ~BIT_ULL(5));
	OK(0x1000, 0, 0x5000, 4096);

	/* PDPTEs as loaded by the CPU win over memory */
	pdptrs[0] = 0;
	pdptrs[1] = get64(e + 8);
	pdptrs[2] = 0;
	pdptrs[3] = get64(e + 24);
	ctx.pdptrs = pdptrs;
	PF(0x1000, 0, 0);
	OK(0xc0212345, 0, 0x80012345, 2u << 20);
	pdptrs[0] = get64(e);
	OK(0x1234, 0, 0x5234, 4096);
	put64(e, 0);
	OK(0x1234, 0, 0x5234, 4096);
}

static void t_32bit(void)
{
	u32 pde;

	setup_32();
	map_32(0x1000, 0x5000, PRWU, PRWU);
	map_32(0xc0001000, 0x6000, P, PRW);
	OK(0x1234, GW_USER | GW_WRITE, 0x5234, 4096);
	OK(0x1234, GW_FETCH, 0x5234, 4096);
	OK(0x100001234ULL, 0, 0x5234, 4096);		/* la is 32 bits */
	PF(0x2000, 0, 0);
	PF(0x400000, GW_USER | GW_WRITE, PF_U | PF_W);
	PF(0x2000, GW_FETCH, 0);			/* no I/D without SMEP */
	PF(0xc0001000, GW_WRITE, PF_P | PF_W);
	PF(0xc0001000, GW_USER, PF_P | PF_U);
	OK(0xc0001000, GW_FETCH, 0x6000, 4096);
	ctx.cr0 &= ~CR0_WP;
	OK(0xc0001000, GW_WRITE, 0x6000, 4096);
	ctx.cr4 |= CR4_SMEP;
	PF(0x1000, GW_FETCH, PF_P | PF_I);
	PF(0x2000, GW_FETCH, PF_I);
	ctx.cr4 &= ~CR4_SMEP;

	/* 4M pages */
	pde = 0x80000000 | PRWU | PS;
	put32(ctx.cr3 + (0x80000000u >> 22) * 4, pde);
	OK(0x80123456, 0, 0x80123456, 4u << 20);
	OK(0x803fffff, GW_USER, 0x803fffff, 4u << 20);
	/* PSE-36: PDE bits 20:13 are address bits 39:32 */
	put32(ctx.cr3 + 0x200 * 4, pde | (0x3u << 13));
	OK(0x80123456, 0, 0x380123456ULL, 4u << 20);
	ctx.maxphyaddr = 36;
	OK(0x80123456, 0, 0x380123456ULL, 4u << 20);
	put32(ctx.cr3 + 0x200 * 4, pde | (0x10u << 13));  /* bit 36 */
	PF(0x80123456, 0, PF_P | PF_R);
	ctx.maxphyaddr = 0;
	OK(0x80123456, 0, 0x1080123456ULL, 4u << 20);
	put32(ctx.cr3 + 0x200 * 4, pde | BIT(21));	/* always reserved */
	PF(0x80123456, 0, PF_P | PF_R);
	put32(ctx.cr3 + 0x200 * 4, pde);

	/* without CR4.PSE, PS is ignored: the PDE points to a page table */
	ctx.cr4 &= ~CR4_PSE;
	map_32(0x10000000, 0x7000, PRWU, PRWU);
	memcpy(&pde, mem + ctx.cr3 + (0x10000000u >> 22) * 4, 4);
	pde |= PS;
	put32(ctx.cr3 + (0x10000000u >> 22) * 4, pde);
	OK(0x10000123, 0, 0x7123, 4096);
	/* with it, the same PDE maps 4M (the table address as frame) */
	ctx.cr4 |= CR4_PSE;
	OK(0x10000123, 0,
	   (pde & 0xffc00000) | ((u64)((pde >> 13) & 0xff) << 32) | 0x123,
	   4u << 20);
}

static void t_read_linear(void)
{
	struct guest_walk_result r;
	u8 buf[64];
	unsigned int i;

	setup_4level();
	/* two adjacent linear pages on non-adjacent guest-physical pages */
	map_4level(0x7000, 0x300000, 1, PRWU, PRWU);
	map_4level(0x8000, 0x200000, 1, PRWU, PRWU);
	for (i = 0; i < 4096; i++) {
		mem[0x300000 + i] = i & 0xff;
		mem[0x200000 + i] = (i & 0xff) ^ 0xff;
	}
	CHECK(guest_read_linear(&ctx, 0x7ff0, buf, 32, 0, &r) == 0);
	for (i = 0; i < 16; i++)
		CHECK(buf[i] == (u8)(0xf0 + i));
	for (i = 0; i < 16; i++)
		CHECK(buf[16 + i] == (u8)(i ^ 0xff));
	CHECK(r.gpa == 0x200000);
	/* into a page that is not mapped */
	CHECK(guest_read_linear(&ctx, 0x8ff8, buf, 16, GW_FETCH, &r) ==
	      -EFAULT);
	CHECK(r.la == 0x9000 && r.error_code == PF_I);
	/* the first page fails first */
	CHECK(guest_read_linear(&ctx, 0x6ff8, buf, 16, GW_USER, &r) ==
	      -EFAULT);
	CHECK(r.la == 0x6ff8 && r.error_code == PF_U);
	/* whole pages, len 0 */
	CHECK(guest_read_linear(&ctx, 0x7000, buf, 0, 0, &r) == 0);
	/* a mapping to guest-physical memory read_gpa() does not have */
	map_4level(0xa000, 0x40000000, 1, PRWU, PRWU);
	CHECK(guest_read_linear(&ctx, 0xaff0, buf, 16, 0, &r) == -ENXIO);

	/* paging off */
	reset();
	ctx.cr0 = CR0_PE;
	memcpy(mem + 0x1ffe, "\x11\x22\x33\x44", 4);
	CHECK(guest_read_linear(&ctx, 0x1ffe, buf, 4, 0, &r) == 0);
	CHECK(!memcmp(buf, "\x11\x22\x33\x44", 4));

	/* 32-bit paging wraps at 4G */
	setup_32();
	map_32(0xfffff000, 0x300000, PRWU, PRWU);
	map_32(0x0, 0x200000, PRWU, PRWU);
	mem[0x300fff] = 0xaa;
	mem[0x200000] = 0xbb;
	CHECK(guest_read_linear(&ctx, 0xffffffff, buf, 2, 0, &r) == 0);
	CHECK(buf[0] == 0xaa && buf[1] == 0xbb);
}

static const struct {
	void (*fn)(void);
	const char *name;
} tests[] = {
	{ t_paging_off, "paging off: gpa = la" },
	{ t_4level_sizes, "4-level: 4K, 2M, 1G pages; not present" },
	{ t_4level_write, "4-level: R/W with and without CR0.WP" },
	{ t_4level_user, "4-level: U/S at every level" },
	{ t_4level_nx, "4-level: XD with and without EFER.NXE" },
	{ t_4level_rsvd, "4-level: reserved bits" },
	{ t_4level_smep_smap, "4-level: SMEP, SMAP, RFLAGS.AC" },
	{ t_4level_misc, "4-level: canonical, LA57, CR3, read errors" },
	{ t_pae, "PAE: 4K and 2M pages, PDPTEs, XD, reserved bits" },
	{ t_32bit, "32-bit: 4K and 4M pages, PSE-36, CR4.PSE, WP, SMEP" },
	{ t_read_linear, "guest_read_linear across pages" },
};

int main(void)
{
	unsigned int i, n = sizeof(tests) / sizeof(tests[0]);
	int any = 0;

	printf("TAP version 13\n1..%u\n", n);
	for (i = 0; i < n; i++) {
		failed = 0;
		tests[i].fn();
		any |= failed;
		printf("%sok %u %s\n", failed ? "not " : "", i + 1,
		       tests[i].name);
	}
	return any ? 1 : 0;
}
