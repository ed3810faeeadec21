/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's 64-bit exception and interrupt entry points, one 16-byte stub
 * per vector (the IDT of kvm_util.c points at guest_isr_stubs + 16 * vector).
 * Each pushes a zero error code where the CPU pushes none, then the vector,
 * and the common part saves the GPRs as a struct ex_regs and calls
 * guest_exception_dispatch(); the handler may change the saved RIP etc.
 */
	.text
	.align 16
	.globl guest_isr_stubs
guest_isr_stubs:
	vec = 0
	.rept 256
	.align 16
	/* Vectors with an error code: #DF #TS #NP #SS #GP #PF #AC #CP #VC #SX */
	.if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushq $0
	.endif
	pushq $vec
	jmp guest_isr_common
	vec = vec + 1
	.endr

guest_isr_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	/* 5 (CPU) + 2 + 15 quadwords on a 16-byte aligned frame: aligned. */
	movq %rsp, %rdi
	cld
	call guest_exception_dispatch
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp
	iretq

	.section .note.GNU-stack,"",@progbits
