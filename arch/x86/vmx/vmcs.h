/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMCS access.  The field encodings are the kernel's (enum vmcs_field in
 * <asm/vmx.h>).  Each accessor has a width; with a constant field, using
 * the wrong width is a build error (SDM Vol. 3C, Appendix B: bits 14:13 of
 * the encoding give the width).  A failed VMREAD or VMWRITE is reported by
 * one out-of-line function, never silently.
 */
#ifndef EMBER_X86_VMCS_H
#define EMBER_X86_VMCS_H

#include <linux/build_bug.h>
#include <linux/types.h>
#include <asm/asm.h>
#include <asm/vmx.h>

#define VMCS_WIDTH_16	0
#define VMCS_WIDTH_64	1
#define VMCS_WIDTH_32	2
#define VMCS_WIDTH_NAT	3

#define vmcs_check(field, width)					\
	BUILD_BUG_ON_MSG(__builtin_constant_p(field) &&			\
			 ((((field) >> 13) & 3) != (width) ||		\
			  ((field) & 0x6001) == 0x2001),		\
			 "VMCS field of the wrong width")

void vmcs_read_error(unsigned long field);
void vmcs_write_error(unsigned long field, unsigned long value);

static __always_inline unsigned long __vmcs_read(unsigned long field)
{
	unsigned long value = 0;
	bool fail = true;

	/* A fault (VMX turned off under us at reboot) leaves fail set. */
	asm volatile("1: vmread %[field], %[value]\n\t"
		     "setna %[fail]\n\t"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : [value] "+r" (value), [fail] "+qm" (fail)
		     : [field] "r" (field)
		     : "cc");
	if (unlikely(fail))
		vmcs_read_error(field);
	return value;
}

static __always_inline void __vmcs_write(unsigned long field,
					 unsigned long value)
{
	bool fail = true;

	asm volatile("1: vmwrite %[value], %[field]\n\t"
		     "setna %[fail]\n\t"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : [fail] "+qm" (fail)
		     : [field] "r" (field), [value] "rm" (value)
		     : "cc");
	if (unlikely(fail))
		vmcs_write_error(field, value);
}

#define vmcs_read16(f)	({ vmcs_check(f, VMCS_WIDTH_16); (u16)__vmcs_read(f); })
#define vmcs_read32(f)	({ vmcs_check(f, VMCS_WIDTH_32); (u32)__vmcs_read(f); })
#define vmcs_read64(f)	({ vmcs_check(f, VMCS_WIDTH_64); (u64)__vmcs_read(f); })
#define vmcs_readl(f)	({ vmcs_check(f, VMCS_WIDTH_NAT); __vmcs_read(f); })

#define vmcs_write16(f, v) \
	do { vmcs_check(f, VMCS_WIDTH_16); __vmcs_write(f, (u16)(v)); } while (0)
#define vmcs_write32(f, v) \
	do { vmcs_check(f, VMCS_WIDTH_32); __vmcs_write(f, (u32)(v)); } while (0)
#define vmcs_write64(f, v) \
	do { vmcs_check(f, VMCS_WIDTH_64); __vmcs_write(f, (u64)(v)); } while (0)
#define vmcs_writel(f, v) \
	do { vmcs_check(f, VMCS_WIDTH_NAT); __vmcs_write(f, (unsigned long)(v)); } while (0)

static inline void vmcs_set_bits32(unsigned long field, u32 mask)
{
	__vmcs_write(field, __vmcs_read(field) | mask);
}

static inline void vmcs_clear_bits32(unsigned long field, u32 mask)
{
	__vmcs_write(field, __vmcs_read(field) & ~mask);
}

static inline bool is_nmi(u32 intr_info)
{
	return (intr_info & (INTR_INFO_VALID_MASK | INTR_INFO_INTR_TYPE_MASK)) ==
	       (INTR_INFO_VALID_MASK | INTR_TYPE_NMI_INTR);
}

static inline bool is_machine_check(u32 intr_info)
{
	return (intr_info & (INTR_INFO_VALID_MASK | INTR_INFO_INTR_TYPE_MASK |
			     INTR_INFO_VECTOR_MASK)) ==
	       (INTR_INFO_VALID_MASK | INTR_TYPE_HARD_EXCEPTION | 18);
}

/* A VMX instruction failed or faulted: logged unless the machine reboots. */
void vmx_insn_failed(const char *insn, unsigned long arg);

/* The VMCS region itself: one page, revision id first (SDM 25.2). */
struct vmcs {
	u32 revision_id;
	u32 abort;
	u8 data[];
};

struct vmcs *vmcs_alloc(int cpu);
void vmcs_free(struct vmcs *vmcs);
int vmcs_clear(struct vmcs *vmcs);
int vmcs_load(struct vmcs *vmcs);

#endif /* EMBER_X86_VMCS_H */
