/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entry of the 64-bit test guests (ELF64 or flat at 1 MiB): RDI = vCPU
 * index, RSI = number of vCPUs, as vmrun starts them.  A 16 KiB stack per
 * vCPU, then guest_main(index, count).  Also the interrupt stubs for
 * vectors 0-47 (tlib.c installs them): each pushes an error code (0 if the
 * CPU did not), its vector, then the registers, and calls isr_dispatch().
 */
	.code64
	.section .text.start, "ax"
	.globl _start
_start:
	cmp	$16, %rdi
	jae	1f
	lea	1(%rdi), %rax
	shl	$14, %rax
	lea	stacks(%rip), %rsp
	add	%rax, %rsp
	call	guest_main
1:	cli
	hlt
	jmp	1b

	.text
	.balign 16
	.globl isr_stubs
isr_stubs:
	.set vec, 0
	.rept 48
	.balign 16
	.if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17)
	.else
	pushq	$0
	.endif
	pushq	$vec
	jmp	isr_common
	.set vec, vec + 1
	.endr

	.weak	isr_dispatch	/* tlib.c; hello.c takes no interrupts */
isr_common:
	push	%rax
	push	%rbx
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%rbp
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, %rdi
	call	isr_dispatch
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rbp
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rbx
	pop	%rax
	add	$16, %rsp
	iretq

	.bss
	.balign 4096
stacks:
	.space	16384 * 16

	.section .note.GNU-stack, "", @progbits
