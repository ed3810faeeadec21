/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entry of the demo guest, in 64-bit mode as vmrun starts an ELF64 image:
 * RDI = this vCPU's index, RSI = the number of vCPUs.  Each vCPU gets its own
 * 16 KiB stack, then guest_main(index, count) runs in C.
 */
#define STACK_SIZE 16384
#define MAX_CPUS 64

	.code64
	.section .text.start, "ax"
	.globl _start
_start:
	cmp	$MAX_CPUS, %rdi
	jae	halt
	mov	%rdi, %rax
	inc	%rax
	shl	$14, %rax		/* (index + 1) * STACK_SIZE */
	lea	stacks(%rip), %rsp
	add	%rax, %rsp
	call	guest_main
halt:
	cli
	hlt
	jmp	halt

	.bss
	.balign 4096
stacks:
	.space	STACK_SIZE * MAX_CPUS

	.section .note.GNU-stack, "", @progbits
