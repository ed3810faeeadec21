// SPDX-License-Identifier: GPL-2.0
/*
 * Decode the guest instruction behind an MMIO access (SDM Vol. 2A, ch. 2).
 *
 * Handled, with any legacy prefixes (66, 67, 26/2E/36/3E/64/65, F0, F2/F3)
 * and, in 64-bit mode, REX:
 *
 *   00-03 08-0B 10-13 18-1B 20-23 28-2B 30-33 38-3B  ADD OR ADC SBB AND SUB
 *                                                    XOR CMP, mem/reg forms
 *   80 81 83 /0-/7   the same with an immediate
 *   84 85, F6 /0 F7 /0   TEST mem, reg / imm
 *   88 89 8A 8B      MOV mem <-> reg
 *   C6 /0 C7 /0      MOV mem, imm
 *   A0-A3            MOV AL/rAX <-> moffs
 *   A4 A5 AA AB AC AD    MOVS STOS LODS (REP reported)
 *   63               MOVSXD (64-bit mode only; ARPL elsewhere)
 *   0F B6 0F B7 0F BE 0F BF   MOVZX MOVSX
 *   0F C3            MOVNTI
 *
 * Everything else, including SSE/AVX moves and VEX/EVEX, is -EOPNOTSUPP.
 * The effective address is not computed, but ModRM, SIB and displacement
 * (16-bit and 32/64-bit forms, RIP-relative) are skipped to get the length.
 */
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/bits.h>
#include <linux/string.h>

#include "insn_decode.h"

/* Opcode properties. */
#define D_MODRM		BIT(0)	/* a ModRM byte follows, memory form only */
#define D_BYTE		BIT(1)	/* byte operands (else operand size) */
#define D_READ		BIT(2)	/* memory is read */
#define D_WRITE		BIT(3)	/* memory is written */
#define D_MEMFIRST	BIT(4)	/* memory is the first operand */
#define D_REG		BIT(5)	/* ModRM.reg is the other operand */
#define D_ACC		BIT(6)	/* AL/rAX is the other operand */
#define D_IMM8		BIT(7)	/* an 8-bit immediate follows */
#define D_IMMZ		BIT(8)	/* a 16- or 32-bit immediate follows */
#define D_GRP1		BIT(9)	/* ModRM.reg is the ALU op */
#define D_SLASH0	BIT(10)	/* ModRM.reg must be 0 */
#define D_MOFFS		BIT(11)	/* an address-size offset follows */
#define D_STRING	BIT(12)
#define D_ONLY64	BIT(13)	/* valid only in 64-bit mode */
#define D_NP		BIT(14)	/* no 66/F2/F3 prefix allowed */
#define D_OP32		BIT(15)	/* no 16-bit form: 32 bits, 64 with REX.W */

struct insn_desc {
	u16 flags;
	u8 op;		/* enum insn_op */
	u8 msize;	/* fixed memory operand size, 0: from the operand size */
	u8 ext;		/* enum insn_ext */
};

/* The four ALU forms of 00-3B, by opcode bits 1:0. */
static const u16 alu_forms[4] = {
	D_MODRM | D_BYTE | D_READ | D_WRITE | D_MEMFIRST | D_REG,	/* Eb,Gb */
	D_MODRM | D_READ | D_WRITE | D_MEMFIRST | D_REG,		/* Ev,Gv */
	D_MODRM | D_BYTE | D_READ | D_REG,				/* Gb,Eb */
	D_MODRM | D_READ | D_REG,					/* Gv,Ev */
};

#define RMW	(D_MODRM | D_READ | D_WRITE | D_MEMFIRST)

static const struct insn_desc one_byte[256] = {
	[0x63] = { D_MODRM | D_READ | D_REG | D_ONLY64, INSN_OP_MOVSX, 4,
		   INSN_EXT_SIGN },
	[0x80] = { RMW | D_GRP1 | D_BYTE | D_IMM8, INSN_OP_ADD },
	[0x81] = { RMW | D_GRP1 | D_IMMZ, INSN_OP_ADD },
	[0x83] = { RMW | D_GRP1 | D_IMM8, INSN_OP_ADD },
	[0x84] = { D_MODRM | D_BYTE | D_READ | D_MEMFIRST | D_REG,
		   INSN_OP_TEST },
	[0x85] = { D_MODRM | D_READ | D_MEMFIRST | D_REG, INSN_OP_TEST },
	[0x88] = { D_MODRM | D_BYTE | D_WRITE | D_MEMFIRST | D_REG,
		   INSN_OP_MOV },
	[0x89] = { D_MODRM | D_WRITE | D_MEMFIRST | D_REG, INSN_OP_MOV },
	[0x8a] = { D_MODRM | D_BYTE | D_READ | D_REG, INSN_OP_MOV },
	[0x8b] = { D_MODRM | D_READ | D_REG, INSN_OP_MOV },
	[0xa0] = { D_MOFFS | D_BYTE | D_READ | D_ACC, INSN_OP_MOV },
	[0xa1] = { D_MOFFS | D_READ | D_ACC, INSN_OP_MOV },
	[0xa2] = { D_MOFFS | D_BYTE | D_WRITE | D_MEMFIRST | D_ACC,
		   INSN_OP_MOV },
	[0xa3] = { D_MOFFS | D_WRITE | D_MEMFIRST | D_ACC, INSN_OP_MOV },
	[0xa4] = { D_STRING | D_BYTE | D_READ | D_WRITE | D_MEMFIRST,
		   INSN_OP_MOVS },
	[0xa5] = { D_STRING | D_READ | D_WRITE | D_MEMFIRST, INSN_OP_MOVS },
	[0xaa] = { D_STRING | D_BYTE | D_WRITE | D_MEMFIRST | D_ACC,
		   INSN_OP_STOS },
	[0xab] = { D_STRING | D_WRITE | D_MEMFIRST | D_ACC, INSN_OP_STOS },
	[0xac] = { D_STRING | D_BYTE | D_READ | D_ACC, INSN_OP_LODS },
	[0xad] = { D_STRING | D_READ | D_ACC, INSN_OP_LODS },
	[0xc6] = { D_MODRM | D_SLASH0 | D_BYTE | D_WRITE | D_MEMFIRST | D_IMM8,
		   INSN_OP_MOV },
	[0xc7] = { D_MODRM | D_SLASH0 | D_WRITE | D_MEMFIRST | D_IMMZ,
		   INSN_OP_MOV },
	[0xf6] = { D_MODRM | D_SLASH0 | D_BYTE | D_READ | D_MEMFIRST | D_IMM8,
		   INSN_OP_TEST },
	[0xf7] = { D_MODRM | D_SLASH0 | D_READ | D_MEMFIRST | D_IMMZ,
		   INSN_OP_TEST },
};

static const struct insn_desc two_byte[256] = {
	[0xb6] = { D_MODRM | D_READ | D_REG, INSN_OP_MOVZX, 1, INSN_EXT_ZERO },
	[0xb7] = { D_MODRM | D_READ | D_REG, INSN_OP_MOVZX, 2, INSN_EXT_ZERO },
	[0xbe] = { D_MODRM | D_READ | D_REG, INSN_OP_MOVSX, 1, INSN_EXT_SIGN },
	[0xbf] = { D_MODRM | D_READ | D_REG, INSN_OP_MOVSX, 2, INSN_EXT_SIGN },
	[0xc3] = { D_MODRM | D_WRITE | D_MEMFIRST | D_REG | D_NP | D_OP32,
		   INSN_OP_MOV },
};

/* Bytes pos..pos+n-1 must exist: -ENODATA if not given, -EINVAL if > 15. */
static int need(unsigned int pos, unsigned int n, unsigned int avail)
{
	if (pos + n > INSN_MAX_LEN)
		return -EINVAL;
	if (pos + n > avail)
		return -ENODATA;
	return 0;
}

/* Little-endian, sign-extended to 64 bits (n = 1, 2, 4 or 8). */
static u64 get_sle(const u8 *p, unsigned int n)
{
	u64 v = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		v |= (u64)p[i] << (8 * i);
	if (n < 8 && (v & BIT_ULL(8 * n - 1)))
		v |= ~0ULL << (8 * n);
	return v;
}

/*
 * Bytes of SIB and displacement after a memory-form ModRM byte at
 * bytes[pos - 1]; the SIB byte, if any, is bytes[pos].
 */
static int modrm_extra(const u8 *bytes, unsigned int pos, unsigned int avail,
		       u8 modrm, unsigned int asize, unsigned int *extra)
{
	unsigned int mod = modrm >> 6, rm = modrm & 7;
	int ret;

	if (asize == 2) {
		/* [BX+SI] ... [BX], disp16 alone for mod 0 rm 6 */
		if (mod == 1)
			*extra = 1;
		else if (mod == 2 || rm == 6)
			*extra = 2;
		else
			*extra = 0;
		return 0;
	}

	*extra = 0;
	if (rm == 4) {
		/* SIB; base 5 with mod 0 means disp32, no base */
		ret = need(pos, 1, avail);
		if (ret)
			return ret;
		*extra = 1;
		if (mod == 0 && (bytes[pos] & 7) == 5)
			*extra += 4;
	} else if (mod == 0 && rm == 5) {
		*extra = 4;	/* disp32, RIP-relative in 64-bit mode */
	}
	if (mod == 1)
		*extra += 1;
	else if (mod == 2)
		*extra += 4;
	return 0;
}

int insn_decode_mmio(const u8 *bytes, unsigned int avail, enum insn_mode mode,
		     struct insn_mmio *out)
{
	bool opsize = false, adsize = false, rep = false;
	struct insn_desc alu = { 0 };
	const struct insn_desc *d;
	unsigned int pos, osize, asize, extra, n;
	u8 rex = 0, opc, modrm = 0;
	u16 flags;
	int ret;

	if (mode != INSN_MODE_16 && mode != INSN_MODE_32 &&
	    mode != INSN_MODE_64)
		return -EINVAL;
	if (avail > INSN_MAX_LEN)
		avail = INSN_MAX_LEN;

	memset(out, 0, sizeof(*out));
	out->seg = INSN_SEG_NONE;

	/*
	 * Prefixes.  REX counts only right before the opcode: a legacy prefix
	 * after it makes it void.
	 */
	for (pos = 0; ; pos++) {
		ret = need(pos, 1, avail);
		if (ret)
			return ret;
		opc = bytes[pos];
		switch (opc) {
		case 0x66:
			opsize = true;
			break;
		case 0x67:
			adsize = true;
			break;
		case 0x26:
			out->seg = INSN_SEG_ES;
			break;
		case 0x2e:
			out->seg = INSN_SEG_CS;
			break;
		case 0x36:
			out->seg = INSN_SEG_SS;
			break;
		case 0x3e:
			out->seg = INSN_SEG_DS;
			break;
		case 0x64:
			out->seg = INSN_SEG_FS;
			break;
		case 0x65:
			out->seg = INSN_SEG_GS;
			break;
		case 0xf0:
			out->lock = true;
			break;
		case 0xf2:
		case 0xf3:
			rep = true;
			break;
		default:
			if (mode == INSN_MODE_64 && (opc & 0xf0) == 0x40) {
				rex = opc;
				continue;
			}
			goto opcode;
		}
		rex = 0;
	}

opcode:
	pos++;
	if (opc == 0x0f) {
		ret = need(pos, 1, avail);
		if (ret)
			return ret;
		d = &two_byte[bytes[pos++]];
	} else if (opc < 0x40 && (opc & 7) < 4) {
		alu.flags = alu_forms[opc & 3];
		alu.op = INSN_OP_ADD + (opc >> 3);
		d = &alu;
	} else {
		d = &one_byte[opc];
	}
	flags = d->flags;
	if (!flags)
		return -EOPNOTSUPP;
	if ((flags & D_ONLY64) && mode != INSN_MODE_64)
		return -EOPNOTSUPP;
	if ((flags & D_NP) && (opsize || rep))
		return -EOPNOTSUPP;

	out->op = d->op;
	if (out->op == INSN_OP_CMP || out->op == INSN_OP_TEST)
		flags &= ~D_WRITE;

	/* Operand and address size, SDM Vol. 1, 3.6 and Vol. 2A, 2.2.1.2. */
	if (mode == INSN_MODE_64) {
		osize = (rex & 0x08) ? 8 : opsize ? 2 : 4;
		asize = adsize ? 4 : 8;
	} else if (mode == INSN_MODE_32) {
		osize = opsize ? 2 : 4;
		asize = adsize ? 2 : 4;
	} else {
		osize = opsize ? 4 : 2;
		asize = adsize ? 4 : 2;
	}
	if (flags & D_OP32)
		osize = (rex & 0x08) ? 8 : 4;
	out->addr_size = asize;
	out->reg_size = (flags & D_BYTE) ? 1 : osize;
	out->size = d->msize ? d->msize : out->reg_size;
	out->ext = d->ext;
	/* MOVSXD without REX.W is a plain 16/32-bit load */
	if (out->size > out->reg_size)
		out->size = out->reg_size;

	if (flags & D_MODRM) {
		ret = need(pos, 1, avail);
		if (ret)
			return ret;
		modrm = bytes[pos++];
		if ((modrm >> 6) == 3)
			return -EOPNOTSUPP;	/* register operand, no memory */
		if (flags & D_GRP1) {
			out->op = INSN_OP_ADD + ((modrm >> 3) & 7);
			if (out->op == INSN_OP_CMP)
				flags &= ~D_WRITE;
		}
		if ((flags & D_SLASH0) && (modrm & 0x38))
			return -EOPNOTSUPP;
		ret = modrm_extra(bytes, pos, avail, modrm, asize, &extra);
		if (ret)
			return ret;
		ret = need(pos, extra, avail);
		if (ret)
			return ret;
		pos += extra;
	} else if (flags & D_MOFFS) {
		ret = need(pos, asize, avail);
		if (ret)
			return ret;
		pos += asize;
	}

	if (flags & (D_IMM8 | D_IMMZ)) {
		n = (flags & D_IMM8) ? 1 : (osize == 2 ? 2 : 4);
		ret = need(pos, n, avail);
		if (ret)
			return ret;
		out->imm = get_sle(bytes + pos, n);
		out->has_imm = true;
		pos += n;
	}

	if (flags & D_REG) {
		out->has_reg = true;
		out->reg = ((modrm >> 3) & 7) | ((rex & 0x04) ? 8 : 0);
		/* without any REX, byte registers 4-7 are AH, CH, DH, BH */
		if (out->reg_size == 1 && !rex && out->reg >= 4) {
			out->reg -= 4;
			out->high8 = true;
		}
	} else if (flags & D_ACC) {
		out->has_reg = true;
		out->reg = 0;
	}

	out->read = flags & D_READ;
	out->write = flags & D_WRITE;
	out->mem_first = flags & D_MEMFIRST;
	out->string = flags & D_STRING;
	out->rep = out->string && rep;
	out->len = pos;
	return 0;
}
