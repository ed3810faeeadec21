/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Decode the guest instruction that made a memory access, for MMIO
 * emulation: the hypervisor knows the guest-physical address of the access,
 * the decoder says how long the instruction is, how many bytes it reads or
 * writes, and where the other operand comes from or goes to.
 *
 * Pure C, no allocation, no global state: built into ember.ko and into the
 * userspace unit test (selftests/unit/).
 */
#ifndef EMBER_X86_INSN_DECODE_H
#define EMBER_X86_INSN_DECODE_H

#include <linux/types.h>

/* An x86 instruction is at most 15 bytes long (SDM Vol. 2A, 2.3.11). */
#define INSN_MAX_LEN	15

/*
 * Default operand and address size of the code segment, derived by the
 * caller: INSN_MODE_64 if EFER.LMA=1 and CS.L=1; otherwise INSN_MODE_32 if
 * CR0.PE=1 and CS.D=1 (and not virtual-8086 mode); otherwise INSN_MODE_16
 * (real mode, virtual-8086 mode, 16-bit protected or compatibility mode).
 */
enum insn_mode {
	INSN_MODE_16,
	INSN_MODE_32,
	INSN_MODE_64,
};

/*
 * What the instruction does with the memory operand.  The first eight are
 * numbered as the ModRM.reg field of opcodes 80/81/83 ("group 1") and as
 * bits 5:3 of opcodes 00-3B, so INSN_OP_ADD + n is the n-th of them.
 */
enum insn_op {
	INSN_OP_ADD,
	INSN_OP_OR,
	INSN_OP_ADC,
	INSN_OP_SBB,
	INSN_OP_AND,
	INSN_OP_SUB,
	INSN_OP_XOR,
	INSN_OP_CMP,	/* flags only: memory is read, not written */
	INSN_OP_TEST,	/* flags only: memory is read, not written */
	INSN_OP_MOV,	/* MOV 88-8B, C6/C7, A0-A3; MOVNTI 0F C3 */
	INSN_OP_MOVZX,	/* 0F B6, 0F B7 */
	INSN_OP_MOVSX,	/* 0F BE, 0F BF, MOVSXD 63 (64-bit mode) */
	INSN_OP_STOS,	/* AA, AB: store rAX at ES:rDI */
	INSN_OP_LODS,	/* AC, AD: load rAX from seg:rSI */
	INSN_OP_MOVS,	/* A4, A5: copy seg:rSI to ES:rDI */
};

/* How a load is widened to the register operand (reg_size > size). */
enum insn_ext {
	INSN_EXT_NONE,
	INSN_EXT_ZERO,	/* MOVZX */
	INSN_EXT_SIGN,	/* MOVSX, MOVSXD */
};

/* Segment override prefix, numbered as the segment registers (Sreg). */
enum insn_seg {
	INSN_SEG_NONE = -1,
	INSN_SEG_ES,	/* 26 */
	INSN_SEG_CS,	/* 2E */
	INSN_SEG_SS,	/* 36 */
	INSN_SEG_DS,	/* 3E */
	INSN_SEG_FS,	/* 64 */
	INSN_SEG_GS,	/* 65 */
};

/*
 * The decoded instruction.  Operands are named in Intel order: for
 * "op mem, reg" the memory operand is first (mem_first); for "op reg, mem"
 * it is second.
 *
 * Register results: writing a register of reg_size 4 in 64-bit mode zeroes
 * bits 63:32; a write of reg_size 1 or 2 leaves the other bits alone (for a
 * high8 register, the byte written is bits 15:8).  That is for the caller.
 */
struct insn_mmio {
	u8 len;		/* instruction length, 1..15: the caller adds it to RIP */
	u8 op;		/* enum insn_op */
	u8 size;	/* bytes of memory read or written: 1, 2, 4, 8
			 * (for string instructions: per element)
			 */
	u8 reg_size;	/* size of the register or immediate operand, 1..8;
			 * differs from size only for MOVZX/MOVSX/MOVSXD
			 */
	u8 ext;		/* enum insn_ext: how a load of size bytes becomes
			 * reg_size bytes
			 */
	u8 addr_size;	/* effective address size: 2, 4 or 8 (also the width
			 * of rCX, rSI, rDI for string instructions)
			 */
	s8 seg;		/* enum insn_seg: the last segment override prefix, as
			 * encoded (in 64-bit mode only FS and GS have effect;
			 * for STOS/MOVS it does not apply to the ES:rDI operand)
			 */
	u8 reg;		/* GPR number 0..15 (RAX, RCX, RDX, RBX, RSP, RBP, RSI,
			 * RDI, R8..R15) of the register operand, if has_reg
			 */
	bool read;	/* the memory operand is read */
	bool write;	/* the memory operand is written (stores and
			 * read-modify-write)
			 */
	bool mem_first;	/* memory is the first operand: the destination of a
			 * store or an ALU op, the left side of CMP/TEST
			 */
	bool has_reg;	/* reg is the other operand */
	bool high8;	/* reg (0..3) names AH, CH, DH or BH: bits 15:8 */
	bool has_imm;	/* imm is the other operand */
	bool string;	/* STOS, LODS or MOVS */
	bool rep;	/* F3 or F2 prefix on a string instruction */
	bool lock;	/* F0 prefix */
	u64 imm;	/* immediate, sign-extended to 64 bits: the operand is its
			 * low reg_size bytes
			 */
};

/*
 * Decode the instruction in bytes[0..avail-1] (bytes beyond INSN_MAX_LEN are
 * never looked at).  Returns 0 and fills *out, or:
 *   -ENODATA     the instruction continues past avail (< 15) bytes: fetch
 *                more and call again
 *   -EINVAL      the instruction would be longer than 15 bytes (the CPU
 *                raises #GP for that), or mode is not an enum insn_mode
 *   -EOPNOTSUPP  not one of the instructions listed in insn_decode.c, or
 *                one without a memory operand (ModRM.mod = 3)
 */
int insn_decode_mmio(const u8 *bytes, unsigned int avail, enum insn_mode mode,
		     struct insn_mmio *out);

#endif /* EMBER_X86_INSN_DECODE_H */
