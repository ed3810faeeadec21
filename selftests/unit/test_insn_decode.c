// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of arch/x86/insn_decode.c: hand-encoded instructions, checked
 * against objdump -D -b binary -m i386:x86-64 (or i386, i8086) when
 * written.  TAP output; exit 0 if every case passes, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../../arch/x86/insn_decode.c"

enum { M16 = INSN_MODE_16, M32 = INSN_MODE_32, M64 = INSN_MODE_64 };

/*
 * Expected flags, one letter each: R read, W write, M mem_first,
 * G has_reg, H high8, I has_imm, S string, P rep, L lock.
 */
struct vec {
	const char *name;
	int mode;
	const char *hex;
	int ret;
	u8 len, op, size, reg_size, ext, asize;
	u8 reg;
	s8 seg;		/* expected seg + 1: 0 for none */
	const char *f;
	u64 imm;
};

#define SEG(s)	.seg = INSN_SEG_##s + 1
#define OP(o)	.op = INSN_OP_##o
#define ZX	.ext = INSN_EXT_ZERO
#define SX	.ext = INSN_EXT_SIGN

static const struct vec vecs[] = {
	/* MOV 88-8B, ModRM forms */
	{ "mov [rax],ecx", M64, "89 08", 0, 2, OP(MOV), 4, 4, .asize = 8,
	  .reg = 1, .f = "WMG" },
	{ "mov rax,[rip+0x12345678]", M64, "48 8b 05 78 56 34 12", 0, 7,
	  OP(MOV), 8, 8, .asize = 8, .reg = 0, .f = "RG" },
	{ "mov [rax],cx", M64, "66 89 08", 0, 3, OP(MOV), 2, 2, .asize = 8,
	  .reg = 1, .f = "WMG" },
	{ "mov [rax],ah", M64, "88 20", 0, 2, OP(MOV), 1, 1, .asize = 8,
	  .reg = 0, .f = "WMGH" },
	{ "mov [rax],spl", M64, "40 88 20", 0, 3, OP(MOV), 1, 1, .asize = 8,
	  .reg = 4, .f = "WMG" },
	{ "mov [rax],r12b", M64, "44 88 20", 0, 3, OP(MOV), 1, 1, .asize = 8,
	  .reg = 12, .f = "WMG" },
	{ "mov bh,[rbx]", M64, "8a 3b", 0, 2, OP(MOV), 1, 1, .asize = 8,
	  .reg = 3, .f = "RGH" },
	{ "mov r15b,[rdi]", M64, "44 8a 3f", 0, 3, OP(MOV), 1, 1, .asize = 8,
	  .reg = 15, .f = "RG" },
	{ "mov ah,[rip+0]", M64, "8a 25 00 00 00 00", 0, 6, OP(MOV), 1, 1,
	  .asize = 8, .reg = 0, .f = "RGH" },
	{ "mov r15,[rip+0]", M64, "4c 8b 3d 00 00 00 00", 0, 7, OP(MOV), 8, 8,
	  .asize = 8, .reg = 15, .f = "RG" },
	{ "mov [rax],ah (32-bit)", M32, "88 20", 0, 2, OP(MOV), 1, 1,
	  .asize = 4, .reg = 0, .f = "WMGH" },
	{ "mov esi,[eax] (32-bit)", M32, "8b 30", 0, 2, OP(MOV), 4, 4,
	  .asize = 4, .reg = 6, .f = "RG" },

	/* SIB and displacement forms */
	{ "mov eax,[rsp]", M64, "8b 04 24", 0, 3, OP(MOV), 4, 4, .asize = 8,
	  .f = "RG" },
	{ "mov eax,[rsp+8]", M64, "8b 44 24 08", 0, 4, OP(MOV), 4, 4,
	  .asize = 8, .f = "RG" },
	{ "mov eax,[rsp+0x100]", M64, "8b 84 24 00 01 00 00", 0, 7, OP(MOV),
	  4, 4, .asize = 8, .f = "RG" },
	{ "mov eax,[0x12345678] (SIB, no base)", M64, "8b 04 25 78 56 34 12",
	  0, 7, OP(MOV), 4, 4, .asize = 8, .f = "RG" },
	{ "mov eax,[rbp+rcx*4+0x10]", M64, "8b 44 8d 10", 0, 4, OP(MOV), 4, 4,
	  .asize = 8, .f = "RG" },
	{ "mov eax,[r12*4+0] (REX.X)", M64, "42 8b 04 a5 00 00 00 00", 0, 8,
	  OP(MOV), 4, 4, .asize = 8, .f = "RG" },
	{ "mov eax,[r13+0]", M64, "41 8b 45 00", 0, 4, OP(MOV), 4, 4,
	  .asize = 8, .f = "RG" },
	{ "mov eax,[r12]", M64, "41 8b 04 24", 0, 4, OP(MOV), 4, 4,
	  .asize = 8, .f = "RG" },
	{ "mov eax,[rbx+rsi*1+0x12345678]", M64, "8b 84 33 78 56 34 12", 0,
	  7, OP(MOV), 4, 4, .asize = 8, .f = "RG" },
	{ "mov eax,[ebp+0] (32-bit, mod 1 rm 5)", M32, "8b 45 00", 0, 3,
	  OP(MOV), 4, 4, .asize = 4, .f = "RG" },
	{ "mov eax,[0x1000] (32-bit disp32)", M32, "8b 05 00 10 00 00", 0, 6,
	  OP(MOV), 4, 4, .asize = 4, .f = "RG" },
	{ "mov eax,[eax] (67, 64-bit)", M64, "67 8b 00", 0, 3, OP(MOV), 4, 4,
	  .asize = 4, .f = "RG" },
	{ "mov eax,[bx] (67, 32-bit)", M32, "67 8b 07", 0, 3, OP(MOV), 4, 4,
	  .asize = 2, .f = "RG" },
	{ "mov rax,gs:[0x28]", M64, "65 48 8b 04 25 28 00 00 00", 0, 9,
	  OP(MOV), 8, 8, .asize = 8, SEG(GS), .f = "RG" },
	{ "mov eax,cs:[eax] (32-bit)", M32, "2e 8b 00", 0, 3, OP(MOV), 4, 4,
	  .asize = 4, SEG(CS), .f = "RG" },
	{ "mov eax,ds:[rax]", M64, "3e 8b 00", 0, 3, OP(MOV), 4, 4,
	  .asize = 8, SEG(DS), .f = "RG" },
	{ "mov eax,fs:es:[rax] (last segment wins)", M64, "26 64 8b 00", 0, 4,
	  OP(MOV), 4, 4, .asize = 8, SEG(FS), .f = "RG" },

	/* 16-bit addressing */
	{ "mov ax,[bx] (16-bit)", M16, "8b 07", 0, 2, OP(MOV), 2, 2,
	  .asize = 2, .f = "RG" },
	{ "mov ax,[bx+si] (16-bit)", M16, "8b 00", 0, 2, OP(MOV), 2, 2,
	  .asize = 2, .f = "RG" },
	{ "mov ax,[bp+2] (16-bit)", M16, "8b 46 02", 0, 3, OP(MOV), 2, 2,
	  .asize = 2, .f = "RG" },
	{ "mov cx,[0x1234] (16-bit)", M16, "8b 0e 34 12", 0, 4, OP(MOV), 2, 2,
	  .asize = 2, .reg = 1, .f = "RG" },
	{ "mov ax,[bx+0x1234] (16-bit)", M16, "8b 87 34 12", 0, 4, OP(MOV),
	  2, 2, .asize = 2, .f = "RG" },
	{ "mov eax,[bx] (16-bit, 66)", M16, "66 8b 07", 0, 3, OP(MOV), 4, 4,
	  .asize = 2, .f = "RG" },
	{ "mov ax,[eax] (16-bit, 67)", M16, "67 8b 00", 0, 3, OP(MOV), 2, 2,
	  .asize = 4, .f = "RG" },
	{ "mov ax,[esp] (16-bit, 67 SIB)", M16, "67 8b 04 24", 0, 4, OP(MOV),
	  2, 2, .asize = 4, .f = "RG" },
	{ "mov eax,[esp+4] (16-bit, 66 67)", M16, "66 67 8b 44 24 04", 0, 6,
	  OP(MOV), 4, 4, .asize = 4, .f = "RG" },
	{ "mov ax,[0x0005] (16-bit, rm 5 is [di])", M16, "8b 05", 0, 2,
	  OP(MOV), 2, 2, .asize = 2, .f = "RG" },
	{ "mov [bx+si+0x12],dl (16-bit)", M16, "88 50 12", 0, 3, OP(MOV), 1,
	  1, .asize = 2, .reg = 2, .f = "WMG" },

	/* MOV with immediate */
	{ "mov dword [rax],0x12345678", M64, "c7 00 78 56 34 12", 0, 6,
	  OP(MOV), 4, 4, .asize = 8, .f = "WMI", .imm = 0x12345678 },
	{ "mov qword [rax],-1", M64, "48 c7 00 ff ff ff ff", 0, 7, OP(MOV), 8,
	  8, .asize = 8, .f = "WMI", .imm = ~0ULL },
	{ "mov qword [rax],0xffffffff80000000", M64, "48 c7 00 00 00 00 80",
	  0, 7, OP(MOV), 8, 8, .asize = 8, .f = "WMI",
	  .imm = 0xffffffff80000000ULL },
	{ "mov byte [rip+0x10],0x12", M64, "c6 05 10 00 00 00 12", 0, 7,
	  OP(MOV), 1, 1, .asize = 8, .f = "WMI", .imm = 0x12 },
	{ "mov dword [rip+0x10],0x12 (imm after disp)", M64,
	  "c7 05 10 00 00 00 12 00 00 00", 0, 10, OP(MOV), 4, 4, .asize = 8,
	  .f = "WMI", .imm = 0x12 },
	{ "mov word [rax],0x1234", M64, "66 c7 00 34 12", 0, 5, OP(MOV), 2, 2,
	  .asize = 8, .f = "WMI", .imm = 0x1234 },
	{ "mov word [rax+8],0xffff", M64, "66 c7 40 08 ff ff", 0, 6, OP(MOV),
	  2, 2, .asize = 8, .f = "WMI", .imm = ~0ULL },
	{ "mov byte [rax+1],0x80", M64, "c6 40 01 80", 0, 4, OP(MOV), 1, 1,
	  .asize = 8, .f = "WMI", .imm = 0xffffffffffffff80ULL },
	{ "mov word [bx],0x1234 (16-bit)", M16, "c7 07 34 12", 0, 4, OP(MOV),
	  2, 2, .asize = 2, .f = "WMI", .imm = 0x1234 },
	{ "mov dword [bx],0x12345678 (16-bit, 66)", M16,
	  "66 c7 07 78 56 34 12", 0, 7, OP(MOV), 4, 4, .asize = 2,
	  .f = "WMI", .imm = 0x12345678 },
	{ "mov dword [esp+4],1 (32-bit)", M32, "c7 44 24 04 01 00 00 00", 0,
	  8, OP(MOV), 4, 4, .asize = 4, .f = "WMI", .imm = 1 },
	{ "c7 /1 is not MOV", M64, "c7 08 00 00 00 00", .ret = -EOPNOTSUPP },
	{ "xabort (c6 f8)", M64, "c6 f8 01", .ret = -EOPNOTSUPP },

	/* moffs */
	{ "mov eax,[moffs64]", M64, "a1 88 77 66 55 44 33 22 11", 0, 9,
	  OP(MOV), 4, 4, .asize = 8, .f = "RG" },
	{ "mov [moffs64],rax", M64, "48 a3 88 77 66 55 44 33 22 11", 0, 10,
	  OP(MOV), 8, 8, .asize = 8, .f = "WMG" },
	{ "mov al,[moffs64]", M64, "a0 00 10 00 00 00 00 00 00", 0, 9,
	  OP(MOV), 1, 1, .asize = 8, .f = "RG" },
	{ "mov [moffs64],al", M64, "a2 00 10 00 00 00 00 00 00", 0, 9,
	  OP(MOV), 1, 1, .asize = 8, .f = "WMG" },
	{ "mov eax,[moffs32] (67, 64-bit)", M64, "67 a1 78 56 34 12", 0, 6,
	  OP(MOV), 4, 4, .asize = 4, .f = "RG" },
	{ "mov al,[moffs32] (32-bit)", M32, "a0 78 56 34 12", 0, 5, OP(MOV),
	  1, 1, .asize = 4, .f = "RG" },
	{ "mov [moffs32],ax (32-bit)", M32, "66 a3 78 56 34 12", 0, 6,
	  OP(MOV), 2, 2, .asize = 4, .f = "WMG" },
	{ "mov ax,[moffs16] (16-bit)", M16, "a1 34 12", 0, 3, OP(MOV), 2, 2,
	  .asize = 2, .f = "RG" },
	{ "mov ax,[moffs32] (16-bit, 67)", M16, "67 a1 78 56 34 12", 0, 6,
	  OP(MOV), 2, 2, .asize = 4, .f = "RG" },

	/* MOVZX, MOVSX, MOVSXD */
	{ "movzx ecx,byte [rax]", M64, "0f b6 08", 0, 3, OP(MOVZX), 1, 4, ZX,
	  .asize = 8, .reg = 1, .f = "RG" },
	{ "movzx rcx,word [rax]", M64, "48 0f b7 08", 0, 4, OP(MOVZX), 2, 8,
	  ZX, .asize = 8, .reg = 1, .f = "RG" },
	{ "movzx cx,byte [rax]", M64, "66 0f b6 08", 0, 4, OP(MOVZX), 1, 2, ZX,
	  .asize = 8, .reg = 1, .f = "RG" },
	{ "movzx r9d,byte [rax] (no high8)", M64, "44 0f b6 08", 0, 4,
	  OP(MOVZX), 1, 4, ZX, .asize = 8, .reg = 9, .f = "RG" },
	{ "movzx esp,byte [eax] (32-bit: reg 4 is ESP)", M32, "0f b6 20", 0,
	  3, OP(MOVZX), 1, 4, ZX, .asize = 4, .reg = 4, .f = "RG" },
	{ "movsx ecx,byte [rax]", M64, "0f be 08", 0, 3, OP(MOVSX), 1, 4, SX,
	  .asize = 8, .reg = 1, .f = "RG" },
	{ "movsx cx,byte [rax]", M64, "66 0f be 08", 0, 4, OP(MOVSX), 1, 2, SX,
	  .asize = 8, .reg = 1, .f = "RG" },
	{ "movsx rcx,word [rax]", M64, "48 0f bf 08", 0, 4, OP(MOVSX), 2, 8,
	  SX, .asize = 8, .reg = 1, .f = "RG" },
	{ "movsxd rcx,dword [rax]", M64, "48 63 08", 0, 3, OP(MOVSX), 4, 8, SX,
	  .asize = 8, .reg = 1, .f = "RG" },
	{ "movsxd ecx,dword [rax] (no REX.W)", M64, "63 08", 0, 2, OP(MOVSX),
	  4, 4, SX, .asize = 8, .reg = 1, .f = "RG" },
	{ "arpl (63 in 32-bit mode)", M32, "63 08", .ret = -EOPNOTSUPP },

	/* ALU ops, mem/reg forms */
	{ "add [rax],ecx", M64, "01 08", 0, 2, OP(ADD), 4, 4, .asize = 8,
	  .reg = 1, .f = "RWMG" },
	{ "add ecx,[rax]", M64, "03 08", 0, 2, OP(ADD), 4, 4, .asize = 8,
	  .reg = 1, .f = "RG" },
	{ "add [rax],ah", M64, "00 20", 0, 2, OP(ADD), 1, 1, .asize = 8,
	  .reg = 0, .f = "RWMGH" },
	{ "add dl,[rax]", M64, "02 10", 0, 2, OP(ADD), 1, 1, .asize = 8,
	  .reg = 2, .f = "RG" },
	{ "or [rax],ecx", M64, "09 08", 0, 2, OP(OR), 4, 4, .asize = 8,
	  .reg = 1, .f = "RWMG" },
	{ "or cl,[rax]", M64, "0a 08", 0, 2, OP(OR), 1, 1, .asize = 8,
	  .reg = 1, .f = "RG" },
	{ "adc [rax],ecx", M64, "11 08", 0, 2, OP(ADC), 4, 4, .asize = 8,
	  .reg = 1, .f = "RWMG" },
	{ "sbb ecx,[rax]", M64, "1b 08", 0, 2, OP(SBB), 4, 4, .asize = 8,
	  .reg = 1, .f = "RG" },
	{ "and [rax],rcx", M64, "48 21 08", 0, 3, OP(AND), 8, 8, .asize = 8,
	  .reg = 1, .f = "RWMG" },
	{ "and r9d,[rax]", M64, "44 23 08", 0, 3, OP(AND), 4, 4, .asize = 8,
	  .reg = 9, .f = "RG" },
	{ "sub [rax],cx", M64, "66 29 08", 0, 3, OP(SUB), 2, 2, .asize = 8,
	  .reg = 1, .f = "RWMG" },
	{ "sub ecx,[rax]", M64, "2b 08", 0, 2, OP(SUB), 4, 4, .asize = 8,
	  .reg = 1, .f = "RG" },
	{ "xor [rax],ecx", M64, "31 08", 0, 2, OP(XOR), 4, 4, .asize = 8,
	  .reg = 1, .f = "RWMG" },
	{ "xor ecx,[rax]", M64, "33 08", 0, 2, OP(XOR), 4, 4, .asize = 8,
	  .reg = 1, .f = "RG" },
	{ "cmp [rax],ecx", M64, "39 08", 0, 2, OP(CMP), 4, 4, .asize = 8,
	  .reg = 1, .f = "RMG" },
	{ "cmp [rax],ch", M64, "38 28", 0, 2, OP(CMP), 1, 1, .asize = 8,
	  .reg = 1, .f = "RMGH" },
	{ "cmp ecx,[rax]", M64, "3b 08", 0, 2, OP(CMP), 4, 4, .asize = 8,
	  .reg = 1, .f = "RG" },
	{ "cmp cl,[rax]", M64, "3a 08", 0, 2, OP(CMP), 1, 1, .asize = 8,
	  .reg = 1, .f = "RG" },
	{ "test [rax],ecx", M64, "85 08", 0, 2, OP(TEST), 4, 4, .asize = 8,
	  .reg = 1, .f = "RMG" },
	{ "test [rax],ah", M64, "84 20", 0, 2, OP(TEST), 1, 1, .asize = 8,
	  .reg = 0, .f = "RMGH" },
	{ "lock add [rax],ecx", M64, "f0 01 08", 0, 3, OP(ADD), 4, 4,
	  .asize = 8, .reg = 1, .f = "RWMGL" },
	{ "add eax,ecx (no memory)", M64, "01 c8", .ret = -EOPNOTSUPP },
	{ "add al,imm8 (04, no memory)", M64, "04 01", .ret = -EOPNOTSUPP },

	/* ALU ops with an immediate */
	{ "or byte [rax],1", M64, "80 08 01", 0, 3, OP(OR), 1, 1, .asize = 8,
	  .f = "RWMI", .imm = 1 },
	{ "and dword [rax],0xff", M64, "81 20 ff 00 00 00", 0, 6, OP(AND), 4,
	  4, .asize = 8, .f = "RWMI", .imm = 0xff },
	{ "cmp dword [rax],-1", M64, "83 38 ff", 0, 3, OP(CMP), 4, 4,
	  .asize = 8, .f = "RMI", .imm = ~0ULL },
	{ "add qword [rax],1", M64, "48 83 00 01", 0, 4, OP(ADD), 8, 8,
	  .asize = 8, .f = "RWMI", .imm = 1 },
	{ "sub word [rax],0x1234", M64, "66 81 28 34 12", 0, 5, OP(SUB), 2, 2,
	  .asize = 8, .f = "RWMI", .imm = 0x1234 },
	{ "xor byte [rip+0x100],0x80", M64, "80 35 00 01 00 00 80", 0, 7,
	  OP(XOR), 1, 1, .asize = 8, .f = "RWMI", .imm = 0xffffffffffffff80ULL },
	{ "adc dword [rax],0x10", M64, "83 10 10", 0, 3, OP(ADC), 4, 4,
	  .asize = 8, .f = "RWMI", .imm = 0x10 },
	{ "sbb qword [rax+rbx*8-8],0x7fffffff", M64,
	  "48 81 5c d8 f8 ff ff ff 7f", 0, 9, OP(SBB), 8, 8, .asize = 8,
	  .f = "RWMI", .imm = 0x7fffffff },
	{ "test byte [rax],1", M64, "f6 00 01", 0, 3, OP(TEST), 1, 1,
	  .asize = 8, .f = "RMI", .imm = 1 },
	{ "test dword [rax],0x80000000", M64, "f7 00 00 00 00 80", 0, 6,
	  OP(TEST), 4, 4, .asize = 8, .f = "RMI", .imm = 0xffffffff80000000ULL },
	{ "test word [bx],0x8000 (16-bit)", M16, "f7 07 00 80", 0, 4,
	  OP(TEST), 2, 2, .asize = 2, .f = "RMI", .imm = 0xffffffffffff8000ULL },
	{ "not byte [rax] (f6 /2)", M64, "f6 10", .ret = -EOPNOTSUPP },
	{ "or dword [bp+di-2],0x10 (16-bit, 66)", M16, "66 83 4b fe 10", 0, 5,
	  OP(OR), 4, 4, .asize = 2, .f = "RWMI", .imm = 0x10 },

	/* string instructions */
	{ "stosb", M64, "aa", 0, 1, OP(STOS), 1, 1, .asize = 8, .reg = 0,
	  .f = "WMGS" },
	{ "rep stosb", M64, "f3 aa", 0, 2, OP(STOS), 1, 1, .asize = 8,
	  .reg = 0, .f = "WMGSP" },
	{ "rep stosq", M64, "f3 48 ab", 0, 3, OP(STOS), 8, 8, .asize = 8,
	  .reg = 0, .f = "WMGSP" },
	{ "stosw", M64, "66 ab", 0, 2, OP(STOS), 2, 2, .asize = 8, .reg = 0,
	  .f = "WMGS" },
	{ "rep stosd (67: ecx, edi)", M64, "67 f3 ab", 0, 3, OP(STOS), 4, 4,
	  .asize = 4, .reg = 0, .f = "WMGSP" },
	{ "movsb", M64, "a4", 0, 1, OP(MOVS), 1, 1, .asize = 8,
	  .f = "RWMS" },
	{ "rep movsd", M64, "f3 a5", 0, 2, OP(MOVS), 4, 4, .asize = 8,
	  .f = "RWMSP" },
	{ "rep movsq fs:", M64, "64 f3 48 a5", 0, 4, OP(MOVS), 8, 8,
	  .asize = 8, SEG(FS), .f = "RWMSP" },
	{ "rep movsw (16-bit)", M16, "f3 a5", 0, 2, OP(MOVS), 2, 2,
	  .asize = 2, .f = "RWMSP" },
	{ "lodsd", M64, "ad", 0, 1, OP(LODS), 4, 4, .asize = 8, .reg = 0,
	  .f = "RGS" },
	{ "lodsb (32-bit)", M32, "ac", 0, 1, OP(LODS), 1, 1, .asize = 4,
	  .reg = 0, .f = "RGS" },

	/* MOVNTI */
	{ "movnti [rax],ecx", M64, "0f c3 08", 0, 3, OP(MOV), 4, 4,
	  .asize = 8, .reg = 1, .f = "WMG" },
	{ "movnti [rax],r9", M64, "4c 0f c3 08", 0, 4, OP(MOV), 8, 8,
	  .asize = 8, .reg = 9, .f = "WMG" },
	{ "movnti [bx],ecx (16-bit: still 32 bits)", M16, "0f c3 0f", 0, 3,
	  OP(MOV), 4, 4, .asize = 2, .reg = 1, .f = "WMG" },
	{ "66 movnti is invalid", M64, "66 0f c3 08", .ret = -EOPNOTSUPP },

	/* prefixes */
	{ "rep on mov is ignored", M64, "f2 89 08", 0, 3, OP(MOV), 4, 4,
	  .asize = 8, .reg = 1, .f = "WMG" },
	{ "REX.W beats 66", M64, "66 48 89 08", 0, 4, OP(MOV), 8, 8,
	  .asize = 8, .reg = 1, .f = "WMG" },
	{ "REX before 66 is void", M64, "48 66 89 08", 0, 4, OP(MOV), 2, 2,
	  .asize = 8, .reg = 1, .f = "WMG" },
	{ "void REX does not make spl", M64, "40 66 88 20", 0, 4, OP(MOV), 1,
	  1, .asize = 8, .reg = 0, .f = "WMGH" },
	{ "last REX counts", M64, "4c 48 89 08", 0, 4, OP(MOV), 8, 8,
	  .asize = 8, .reg = 1, .f = "WMG" },
	{ "48 is DEC in 32-bit mode", M32, "48 89 08", .ret = -EOPNOTSUPP },
	{ "13 prefixes: 15 bytes", M64,
	  "66 66 66 66 66 66 66 66 66 66 66 66 66 89 08", 0, 15, OP(MOV), 2,
	  2, .asize = 8, .reg = 1, .f = "WMG" },
	{ "14 prefixes: 16 bytes", M64,
	  "66 66 66 66 66 66 66 66 66 66 66 66 66 66 89 08", .ret = -EINVAL },
	{ "disp past byte 15", M64,
	  "66 66 66 66 66 66 66 66 66 66 66 8b 80 00 00 00 00", .ret = -EINVAL },
	{ "extra bytes after the insn", M64, "89 08 90 90 90", 0, 2, OP(MOV),
	  4, 4, .asize = 8, .reg = 1, .f = "WMG" },

	/* out of scope */
	{ "nop", M64, "90", .ret = -EOPNOTSUPP },
	{ "ud2", M64, "0f 0b", .ret = -EOPNOTSUPP },
	{ "mov eax,ecx (register form)", M64, "89 c8", .ret = -EOPNOTSUPP },
	{ "movups [rax],xmm0", M64, "0f 11 00", .ret = -EOPNOTSUPP },
	{ "movdqa [rax],xmm0", M64, "66 0f 7f 00", .ret = -EOPNOTSUPP },
	{ "movdqu xmm0,[rax]", M64, "f3 0f 6f 00", .ret = -EOPNOTSUPP },
	{ "vmovdqa [rax],xmm0", M64, "c5 f9 7f 00", .ret = -EOPNOTSUPP },
	{ "xchg [rax],ecx", M64, "87 08", .ret = -EOPNOTSUPP },
	{ "push qword [rax]", M64, "ff 30", .ret = -EOPNOTSUPP },

	/* truncated */
	{ "empty", M64, "", .ret = -ENODATA },
	{ "opcode only", M64, "89", .ret = -ENODATA },
	{ "REX only", M64, "48", .ret = -ENODATA },
	{ "prefixes only", M64, "66 f3", .ret = -ENODATA },
	{ "0f only", M64, "0f", .ret = -ENODATA },
	{ "SIB missing", M64, "8b 04", .ret = -ENODATA },
	{ "disp32 short", M64, "8b 05 00 00", .ret = -ENODATA },
	{ "disp8 missing after SIB", M64, "8b 44 24", .ret = -ENODATA },
	{ "disp16 short (16-bit)", M16, "8b 06 34", .ret = -ENODATA },
	{ "imm32 short", M64, "c7 00 78 56", .ret = -ENODATA },
	{ "moffs64 short", M64, "a1 00 00 00 00", .ret = -ENODATA },
};

static unsigned int parse_hex(const char *s, u8 *buf)
{
	unsigned int n = 0;
	char *end;

	while (*s) {
		buf[n++] = strtoul(s, &end, 16);
		s = end;
		while (*s == ' ')
			s++;
	}
	return n;
}

static bool has(const char *f, char c)
{
	return f && strchr(f, c);
}

static int check(const struct vec *v)
{
	struct insn_mmio r;
	u8 buf[32];
	unsigned int n = parse_hex(v->hex, buf);
	int ret = insn_decode_mmio(buf, n, v->mode, &r);
	int bad = 0;

#define EXPECT(what, got, want)						\
	do {								\
		if ((u64)(got) != (u64)(want)) {			\
			printf("#   %s: got %#llx, want %#llx\n", what,	\
			       (unsigned long long)(got),		\
			       (unsigned long long)(want));		\
			bad = 1;					\
		}							\
	} while (0)

	EXPECT("ret", ret, v->ret);
	if (ret || v->ret)
		return bad;
	EXPECT("len", r.len, v->len);
	EXPECT("op", r.op, v->op);
	EXPECT("size", r.size, v->size);
	EXPECT("reg_size", r.reg_size, v->reg_size);
	EXPECT("ext", r.ext, v->ext);
	EXPECT("addr_size", r.addr_size, v->asize);
	EXPECT("seg", r.seg, v->seg - 1);
	EXPECT("read", r.read, has(v->f, 'R'));
	EXPECT("write", r.write, has(v->f, 'W'));
	EXPECT("mem_first", r.mem_first, has(v->f, 'M'));
	EXPECT("has_reg", r.has_reg, has(v->f, 'G'));
	EXPECT("high8", r.high8, has(v->f, 'H'));
	EXPECT("has_imm", r.has_imm, has(v->f, 'I'));
	EXPECT("string", r.string, has(v->f, 'S'));
	EXPECT("rep", r.rep, has(v->f, 'P'));
	EXPECT("lock", r.lock, has(v->f, 'L'));
	if (r.has_reg)
		EXPECT("reg", r.reg, v->reg);
	if (r.has_imm)
		EXPECT("imm", r.imm, v->imm);
#undef EXPECT
	return bad;
}

/* Every proper prefix of a good instruction must ask for more bytes. */
static int check_prefixes_truncated(const struct vec *v)
{
	struct insn_mmio r;
	u8 buf[32];
	unsigned int n, i;
	int ret;

	parse_hex(v->hex, buf);
	for (i = 0; i < v->len; i++) {
		ret = insn_decode_mmio(buf, i, v->mode, &r);
		if (ret != -ENODATA) {
			printf("#   %u of %u bytes: %d, want -ENODATA\n", i,
			       v->len, ret);
			return 1;
		}
	}
	/* and more bytes than needed change nothing */
	n = v->len;
	memset(buf + n, 0x90, sizeof(buf) - n);
	ret = insn_decode_mmio(buf, sizeof(buf), v->mode, &r);
	if (ret || r.len != n) {
		printf("#   with trailing bytes: %d len %u\n", ret, r.len);
		return 1;
	}
	return 0;
}

int main(void)
{
	unsigned int i, n = sizeof(vecs) / sizeof(vecs[0]), t = 0, good = 0;
	struct insn_mmio r;
	u8 b[2] = { 0x89, 0x08 };
	int fail = 0, bad;

	printf("TAP version 13\n1..%u\n", n + 2);
	for (i = 0; i < n; i++) {
		bad = check(&vecs[i]);
		fail |= bad;
		printf("%sok %u %s\n", bad ? "not " : "", ++t, vecs[i].name);
	}

	bad = 0;
	for (i = 0; i < n; i++) {
		if (vecs[i].ret)
			continue;
		good++;
		if (check_prefixes_truncated(&vecs[i])) {
			printf("#   in: %s\n", vecs[i].name);
			bad = 1;
		}
	}
	fail |= bad;
	printf("%sok %u every truncation of %u good vectors is -ENODATA\n",
	       bad ? "not " : "", ++t, good);

	bad = insn_decode_mmio(b, 2, 3, &r) != -EINVAL;
	fail |= bad;
	printf("%sok %u bad mode is -EINVAL\n", bad ? "not " : "", ++t);

	return fail ? 1 : 0;
}
