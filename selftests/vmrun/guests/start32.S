/* SPDX-License-Identifier: GPL-2.0 */
/* Entry of the 32-bit test guests: EDI = vCPU index, ESI = vCPU count. */
	.code32
	.section .text.start, "ax"
	.globl _start
_start:
	cmp	$16, %edi
	jae	1f
	lea	1(%edi), %eax
	shl	$14, %eax
	lea	stacks(%eax), %esp
	push	%esi
	push	%edi
	call	guest_main
1:	cli
	hlt
	jmp	1b

	.bss
	.balign 4096
stacks:
	.space	16384 * 16

	.section .note.GNU-stack, "", @progbits
