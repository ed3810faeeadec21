/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A PVH guest: the "Xen" ELF note XEN_ELFNOTE_PHYS32_ENTRY (18) names the
 * 32-bit entry point; the PVH ABI enters it in protected mode, paging off,
 * with EBX = the physical address of struct hvm_start_info.
 */
	.section .note.Xen, "a", @note
	.balign 4
	.long	4, 4, 18
	.asciz	"Xen"
	.long	pvh_entry

	.code32
	.section .text.start, "ax"
	.globl pvh_entry
pvh_entry:
	lea	stack_top, %esp
	push	%ebx
	call	pvh_main
1:	cli
	hlt
	jmp	1b

	.bss
	.balign 16
	.space	16384
stack_top:

	.section .note.GNU-stack, "", @progbits
