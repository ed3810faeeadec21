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

/*
 * uint64_t guest_run_user(uint64_t (*fn)(uint64_t) = %rdi, uint64_t arg =
 *			   %rsi, void *user_stack_top = %rdx, rflags = %rcx)
 *
 * Runs fn(arg) at CPL 3 (see kvm_util.h).  The constants are those of
 * kvm_util.h: TSS_GPA + 4 (the TSS's RSP0), SEL_UCODE64 0x53, SEL_UDATA
 * 0x5b, SEL_DATA 0x10, USER_EXIT_VECTOR 0x81.  The caller's callee-saved
 * registers and flags stay on its stack, and RSP0 points at them: events
 * at CPL 3 push their frames below, and guest_user_exit_isr pops them.
 */
	.set TSS_RSP0, 0x3004
	.globl guest_run_user
	.type guest_run_user, @function
guest_run_user:
	pushfq
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, TSS_RSP0
	/* fn returns to guest_user_exit, still at CPL 3. */
	leaq -8(%rdx), %rax
	movq $guest_user_exit, (%rax)
	/* IRETQ frame: SS, RSP, RFLAGS, CS, RIP. */
	pushq $0x5b
	pushq %rax
	pushq %rcx
	pushq $0x53
	pushq %rdi
	movq %rsi, %rdi
	iretq

	/* CPL 3, RAX = fn's return value. */
guest_user_exit:
	int $0x81
	ud2

	/* CPL 0 through the DPL-3 gate of USER_EXIT_VECTOR: RAX is kept. */
	.globl guest_user_exit_isr
guest_user_exit_isr:
	movl $0x10, %ecx
	movw %cx, %ss
	movw %cx, %ds
	movw %cx, %es
	movq TSS_RSP0, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	popfq
	ret

	.section .note.GNU-stack,"",@progbits
