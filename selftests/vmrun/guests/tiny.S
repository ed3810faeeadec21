/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tiny 64-bit flat guests, one per -DWHAT=: exit42 (debug-exit port),
 * kbd_reset (i8042 command 0xFE), cf9_reset (0x06 to port 0xCF9),
 * triple_fault (an exception with an empty IDT), halt (cli; hlt),
 * bad_mmio (a read of MMIO nobody owns, then exit 0).
 */
	.code64
	.globl _start
_start:
#if WHAT == 1			/* exit42 */
	mov	$42, %al
	mov	$0x501, %dx
	out	%al, %dx
#elif WHAT == 2			/* kbd_reset */
	mov	$0xfe, %al
	out	%al, $0x64
#elif WHAT == 3			/* cf9_reset */
	mov	$0x06, %al
	mov	$0xcf9, %dx
	out	%al, %dx
#elif WHAT == 4			/* triple_fault */
	lidt	empty_idt(%rip)
	mov	$0x1234, %rax
	int3
#elif WHAT == 5			/* halt */
#endif
1:	cli
	hlt
	jmp	1b
	.balign 8
empty_idt:
	.word	0
	.quad	0
