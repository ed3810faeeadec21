// SPDX-License-Identifier: GPL-2.0
/*
 * Software walk of the guest's page tables (SDM Vol. 3A, 4.3-4.7).
 *
 * One loop serves 32-bit, PAE and 4-level paging: they differ in entry width
 * (4 or 8 bytes), index width (10 or 9 bits), number of levels, which levels
 * may map a large page, and which bits are reserved.  PAE starts from one of
 * four PDPTEs instead of a table at CR3.  See guest_walk.h for what is and
 * is not checked.
 */
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/bits.h>
#include <linux/string.h>

#include "guest_walk.h"

#define GW_CR0_WP	BIT_ULL(16)
#define GW_CR0_PG	BIT_ULL(31)
#define GW_CR4_PSE	BIT_ULL(4)
#define GW_CR4_PAE	BIT_ULL(5)
#define GW_CR4_LA57	BIT_ULL(12)
#define GW_CR4_SMEP	BIT_ULL(20)
#define GW_CR4_SMAP	BIT_ULL(21)
#define GW_EFER_LMA	BIT_ULL(10)
#define GW_EFER_NXE	BIT_ULL(11)
#define GW_RFLAGS_AC	BIT_ULL(18)

#define GW_PTE_P	BIT_ULL(0)
#define GW_PTE_RW	BIT_ULL(1)
#define GW_PTE_US	BIT_ULL(2)
#define GW_PTE_PS	BIT_ULL(7)
#define GW_PTE_XD	BIT_ULL(63)
#define GW_ADDR_MASK	GENMASK_ULL(51, 12)

#define GW_PAGE_SIZE	4096u

enum gw_mode { GW_MODE_32, GW_MODE_PAE, GW_MODE_4LEVEL };

/*
 * Would an access of kind access pass, given the combined permissions of
 * the walk: us (U/S set at every level), rw (R/W set at every level), xd
 * (XD set at some level, with EFER.NXE)?  SDM Vol. 3A, 4.6.
 */
static bool gw_allowed(const struct guest_walk_ctx *ctx, u32 access,
		       bool us, bool rw, bool xd)
{
	if (access & GW_USER) {
		if (!us)
			return false;
		if ((access & GW_WRITE) && !rw)
			return false;
		return !((access & GW_FETCH) && xd);
	}
	if (access & GW_FETCH) {
		if (us && (ctx->cr4 & GW_CR4_SMEP))
			return false;
		return !xd;
	}
	if (us && (ctx->cr4 & GW_CR4_SMAP) && !(ctx->rflags & GW_RFLAGS_AC))
		return false;
	return !((access & GW_WRITE) && !rw && (ctx->cr0 & GW_CR0_WP));
}

/* Fill in a #PF: flags are GW_PF_PRESENT and/or GW_PF_RSVD. */
static int gw_fault(const struct guest_walk_ctx *ctx, u32 access,
		    enum gw_mode mode, u32 flags, struct guest_walk_result *res)
{
	u32 code = flags | (access & (GW_PF_WRITE | GW_PF_USER));

	/* I/D is reported only with SMEP or with NX in use (SDM 4.7) */
	if ((access & GW_FETCH) &&
	    ((ctx->cr4 & GW_CR4_SMEP) ||
	     (mode != GW_MODE_32 && (ctx->efer & GW_EFER_NXE))))
		code |= GW_PF_FETCH;
	res->error_code = code;
	return -EFAULT;
}

static int gw_read_entry(const struct guest_walk_ctx *ctx, u64 gpa, bool wide,
			 u64 *pte)
{
	u32 v32;
	int ret;

	if (!ctx->read_gpa)
		return -EINVAL;
	if (wide) {
		ret = ctx->read_gpa(ctx->opaque, gpa, pte, sizeof(*pte));
	} else {
		ret = ctx->read_gpa(ctx->opaque, gpa, &v32, sizeof(v32));
		*pte = v32;
	}
	return ret == -EFAULT ? -EIO : ret;
}

int guest_walk(const struct guest_walk_ctx *ctx, u64 la, u32 access,
	       struct guest_walk_result *res)
{
	unsigned int maxpa = ctx->maxphyaddr, level, shift, bits;
	bool us = true, rw = true, xd = false, wide, large = false;
	u64 table, pte, rsvd_high = 0, rsvd;
	enum gw_mode mode;
	int ret;

	memset(res, 0, sizeof(*res));
	if (!maxpa || maxpa > 52)
		maxpa = 52;
	if (maxpa < 32)
		maxpa = 32;

	if (!(ctx->cr0 & GW_CR0_PG)) {
		res->la = (u32)la;
		res->gpa = res->la;
		res->page_size = GW_PAGE_SIZE;
		res->writable = true;
		res->executable = true;
		return 0;
	}

	if (ctx->efer & GW_EFER_LMA) {
		if (!(ctx->cr4 & GW_CR4_PAE))
			return -EINVAL;
		if (ctx->cr4 & GW_CR4_LA57)
			return -EOPNOTSUPP;
		if ((u64)((s64)(la << 16) >> 16) != la)
			return -ERANGE;
		mode = GW_MODE_4LEVEL;
	} else {
		la = (u32)la;
		mode = (ctx->cr4 & GW_CR4_PAE) ? GW_MODE_PAE : GW_MODE_32;
	}
	res->la = la;

	wide = mode != GW_MODE_32;
	bits = wide ? 9 : 10;
	if (wide && !(ctx->efer & GW_EFER_NXE))
		rsvd_high |= GW_PTE_XD;
	if (mode == GW_MODE_PAE)
		rsvd_high |= GENMASK_ULL(62, maxpa);
	else if (mode == GW_MODE_4LEVEL && maxpa < 52)
		rsvd_high |= GENMASK_ULL(51, maxpa);

	if (mode == GW_MODE_PAE) {
		unsigned int i = (la >> 30) & 3;

		if (ctx->pdptrs) {
			pte = ctx->pdptrs[i];
		} else {
			ret = gw_read_entry(ctx, (ctx->cr3 & 0xffffffe0) + i * 8,
					    true, &pte);
			if (ret)
				return ret;
		}
		if (!(pte & GW_PTE_P))
			return gw_fault(ctx, access, mode, 0, res);
		/* no R/W, U/S, XD in a PAE PDPTE: those bits are reserved */
		if (pte & (GENMASK_ULL(63, maxpa) | GENMASK_ULL(8, 5) |
			   GENMASK_ULL(2, 1)))
			return gw_fault(ctx, access, mode,
					GW_PF_PRESENT | GW_PF_RSVD, res);
		table = pte & GW_ADDR_MASK;
		level = 2;
	} else if (mode == GW_MODE_4LEVEL) {
		table = ctx->cr3 & GW_ADDR_MASK;
		level = 4;
	} else {
		table = ctx->cr3 & 0xfffff000;
		level = 2;
	}

	for (;; level--) {
		shift = 12 + (level - 1) * bits;
		ret = gw_read_entry(ctx,
				    table + ((la >> shift) & (BIT(bits) - 1)) *
					    (wide ? 8 : 4),
				    wide, &pte);
		if (ret)
			return ret;
		if (!(pte & GW_PTE_P))
			return gw_fault(ctx, access, mode, 0, res);

		rsvd = rsvd_high;
		if (level == 4) {
			rsvd |= GW_PTE_PS;
		} else if (level > 1 && (pte & GW_PTE_PS)) {
			/* PS is ignored in 32-bit paging without CR4.PSE */
			large = wide || (ctx->cr4 & GW_CR4_PSE);
		}
		if (large && wide) {
			/* 2M: bits 20:13; 1G: bits 29:13 (bit 12 is PAT) */
			rsvd |= GENMASK_ULL(shift - 1, 13);
		} else if (large) {
			/* 4M: bit 21, and PSE-36 bits 20:13 beyond MAXPHYADDR */
			unsigned int pse36 = maxpa > 40 ? 40 : maxpa;

			rsvd |= BIT_ULL(21);
			if (pse36 < 40)
				rsvd |= GENMASK_ULL(20, 13 + pse36 - 32);
		}
		if (pte & rsvd)
			return gw_fault(ctx, access, mode,
					GW_PF_PRESENT | GW_PF_RSVD, res);

		us = us && (pte & GW_PTE_US);
		rw = rw && (pte & GW_PTE_RW);
		xd = xd || (wide && (ctx->efer & GW_EFER_NXE) &&
			    (pte & GW_PTE_XD));
		if (large || level == 1)
			break;
		table = wide ? pte & GW_ADDR_MASK : pte & 0xfffff000;
	}

	if (!gw_allowed(ctx, access, us, rw, xd))
		return gw_fault(ctx, access, mode, GW_PF_PRESENT, res);

	res->page_size = BIT_ULL(shift);
	if (!wide && large)
		res->gpa = (pte & 0xffc00000) | (((pte >> 13) & 0xff) << 32);
	else if (wide)
		res->gpa = pte & GW_ADDR_MASK & ~(res->page_size - 1);
	else
		res->gpa = pte & 0xfffff000;
	res->gpa |= la & (res->page_size - 1);
	res->writable = gw_allowed(ctx, (access & GW_USER) | GW_WRITE,
				   us, rw, xd);
	res->executable = gw_allowed(ctx, (access & GW_USER) | GW_FETCH,
				     us, rw, xd);
	return 0;
}

int guest_read_linear(const struct guest_walk_ctx *ctx, u64 la, void *buf,
		      unsigned int len, u32 access,
		      struct guest_walk_result *res)
{
	u8 *p = buf;
	unsigned int n;
	int ret;

	memset(res, 0, sizeof(*res));
	if (!ctx->read_gpa)
		return -EINVAL;
	while (len) {
		n = GW_PAGE_SIZE - (la & (GW_PAGE_SIZE - 1));
		if (n > len)
			n = len;
		ret = guest_walk(ctx, la, access, res);
		if (ret)
			return ret;
		ret = ctx->read_gpa(ctx->opaque, res->gpa, p, n);
		if (ret)
			return ret == -EFAULT ? -EIO : ret;
		p += n;
		len -= n;
		la += n;
		if (!(ctx->efer & GW_EFER_LMA))
			la = (u32)la;
	}
	return 0;
}
