/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Layout of the guest's general-purpose registers as the world switch
 * (vmenter.S) saves and loads them, shared by C and assembly.  The index of
 * each register is its x86 encoding, so that decoded instructions can name
 * it directly.  RSP lives in the VMCS; its slot is unused.
 */
#ifndef EMBER_X86_VMX_REGS_H
#define EMBER_X86_VMX_REGS_H

#define VCPU_REGS_RAX	0
#define VCPU_REGS_RCX	1
#define VCPU_REGS_RDX	2
#define VCPU_REGS_RBX	3
#define VCPU_REGS_RSP	4
#define VCPU_REGS_RBP	5
#define VCPU_REGS_RSI	6
#define VCPU_REGS_RDI	7
#define VCPU_REGS_R8	8
#define VCPU_REGS_R9	9
#define VCPU_REGS_R10	10
#define VCPU_REGS_R11	11
#define VCPU_REGS_R12	12
#define VCPU_REGS_R13	13
#define VCPU_REGS_R14	14
#define VCPU_REGS_R15	15
#define VCPU_NR_GPRS	16

/* VMCS encoding of HOST_RSP (SDM Vol. 3C, Appendix B.4.4). */
#define VMCS_ENC_HOST_RSP	0x00006c14

/* Return values of vmx_enter_guest(). */
#define VMX_ENTER_EXIT		0	/* the guest ran and exited */
#define VMX_ENTER_FAIL		1	/* VMLAUNCH/VMRESUME failed */
#define VMX_ENTER_FAULT		2	/* it faulted: VMX is off */

#endif /* EMBER_X86_VMX_REGS_H */
