/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The world switch: from the host into the guest and back.
 *
 * int vmx_enter_guest(unsigned long *gprs, unsigned long *host_rsp,
 *		       bool launched)
 *
 *   @gprs      the guest's general-purpose registers, indexed as in
 *              vmx_regs.h; loaded before VM entry, saved after VM exit
 *   @host_rsp  the HOST_RSP value last written to the current VMCS; the
 *              field is rewritten only when the stack pointer differs
 *   @launched  VMRESUME if true, VMLAUNCH if false
 *
 * Returns VMX_ENTER_EXIT after a VM exit, VMX_ENTER_FAIL when the
 * instruction failed (VM_INSTRUCTION_ERROR says why; the guest registers
 * are then not saved), VMX_ENTER_FAULT when it faulted because VMX is off.
 *
 * Everything else the guest owns (RSP, RIP, RFLAGS, segment and control
 * registers) is in the VMCS; CR2 is switched by the caller with interrupts
 * off.  Called with interrupts disabled.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>
#include <asm/segment.h>
#include <asm/unwind_hints.h>
#include "vmx_regs.h"

#define GPR(r)	(VCPU_REGS_##r * 8)

.text

SYM_FUNC_START(vmx_enter_guest)
	push %rbp
	mov  %rsp, %rbp
	push %r15
	push %r14
	push %r13
	push %r12
	push %rbx

	/* @gprs: at (%rsp) whenever the guest exits, i.e. at HOST_RSP. */
	push %rdi

	cmp  %rsp, (%rsi)
	je   .Lhost_rsp_ok
	mov  %rsp, (%rsi)
	mov  $VMCS_ENC_HOST_RSP, %r8d
	vmwrite %rsp, %r8
.Lhost_rsp_ok:

	/* CF=1: VMRESUME.  Below, only VERW touches the flags, and only ZF. */
	bt   $0, %edx

	mov  %rdi, %rax
	mov  GPR(RCX)(%rax), %rcx
	mov  GPR(RDX)(%rax), %rdx
	mov  GPR(RBX)(%rax), %rbx
	mov  GPR(RBP)(%rax), %rbp
	mov  GPR(RSI)(%rax), %rsi
	mov  GPR(RDI)(%rax), %rdi
	mov  GPR(R8)(%rax),  %r8
	mov  GPR(R9)(%rax),  %r9
	mov  GPR(R10)(%rax), %r10
	mov  GPR(R11)(%rax), %r11
	mov  GPR(R12)(%rax), %r12
	mov  GPR(R13)(%rax), %r13
	mov  GPR(R14)(%rax), %r14
	mov  GPR(R15)(%rax), %r15
	mov  GPR(RAX)(%rax), %rax

	/*
	 * MDS, TAA, MMIO stale data, RFDS: clear the CPU buffers last, when
	 * the host clears them on its way to userspace (vmx_spec.c).  VERW
	 * clobbers ZF.
	 */
	CLEAR_CPU_BUFFERS

	UNWIND_HINT_SAVE
	jc   .Lvmresume
.Lvmlaunch:
	vmlaunch
	jmp  .Lvmfail
.Lvmresume:
	vmresume
	jmp  .Lvmfail

	_ASM_EXTABLE(.Lvmlaunch, .Lvmfault)
	_ASM_EXTABLE(.Lvmresume, .Lvmfault)

/* HOST_RIP: the CPU arrives here on every VM exit, with RSP = HOST_RSP. */
SYM_INNER_LABEL(vmx_vmexit, SYM_L_GLOBAL)
	UNWIND_HINT_RESTORE
	ENDBR

	push %rax
	mov  8(%rsp), %rax
	pop  GPR(RAX)(%rax)
	mov  %rcx, GPR(RCX)(%rax)
	mov  %rdx, GPR(RDX)(%rax)
	mov  %rbx, GPR(RBX)(%rax)
	mov  %rbp, GPR(RBP)(%rax)
	mov  %rsi, GPR(RSI)(%rax)
	mov  %rdi, GPR(RDI)(%rax)
	mov  %r8,  GPR(R8)(%rax)
	mov  %r9,  GPR(R9)(%rax)
	mov  %r10, GPR(R10)(%rax)
	mov  %r11, GPR(R11)(%rax)
	mov  %r12, GPR(R12)(%rax)
	mov  %r13, GPR(R13)(%rax)
	mov  %r14, GPR(R14)(%rax)
	mov  %r15, GPR(R15)(%rax)
	mov  $VMX_ENTER_EXIT, %ebx

.Lout:
	pop  %rax		/* @gprs */

	/* No guest value may linger in a register the host will use. */
	xor  %eax, %eax
	xor  %ecx, %ecx
	xor  %edx, %edx
	xor  %esi, %esi
	xor  %edi, %edi
	xor  %r8d, %r8d
	xor  %r9d, %r9d
	xor  %r10d, %r10d
	xor  %r11d, %r11d
	xor  %r12d, %r12d
	xor  %r13d, %r13d
	xor  %r14d, %r14d
	xor  %r15d, %r15d

	/* The guest must not steer the host's returns (RSB underflow). */
	FILL_RETURN_BUFFER %rcx, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT, \
			   X86_FEATURE_RSB_VMEXIT_LITE

	/* Nor its branch history (BHI), where the host clears it. */
	CLEAR_BRANCH_HISTORY_VMEXIT

	mov  %ebx, %eax
	pop  %rbx
	pop  %r12
	pop  %r13
	pop  %r14
	pop  %r15
	pop  %rbp
	RET

.Lvmfail:
	mov  $VMX_ENTER_FAIL, %ebx
	jmp  .Lout
.Lvmfault:
	mov  $VMX_ENTER_FAULT, %ebx
	jmp  .Lout
SYM_FUNC_END(vmx_enter_guest)

/*
 * void vmx_do_nmi(void *handler)
 *
 * Deliver an NMI that caused a VM exit to the host's own NMI handler: build
 * the frame the CPU would have pushed (SS, RSP, RFLAGS, CS, RIP) and call
 * it; it returns with IRET.
 */
SYM_FUNC_START(vmx_do_nmi)
	push %rbp
	mov  %rsp, %rbp
	and  $-16, %rsp
	push $__KERNEL_DS
	push %rbp
	pushf
	push $__KERNEL_CS
	CALL_NOSPEC rdi
	mov  %rbp, %rsp
	pop  %rbp
	RET
SYM_FUNC_END(vmx_do_nmi)
