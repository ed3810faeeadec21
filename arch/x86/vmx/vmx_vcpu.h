/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the VMX backend's files share about a running vCPU.
 */
#ifndef EMBER_X86_VMX_VCPU_H
#define EMBER_X86_VMX_VCPU_H

#include <linux/types.h>

#include "ember.h"

/* Debug registers' fixed bits (SDM Vol. 3B 18.2.3, 18.2.4). */
#define DR6_ACTIVE_LOW	0xffff0ff0ul
#define DR6_VOLATILE	0x0001e80ful
#define DR6_TRAP_BITS	0x0000000ful	/* B0-B3 */
#define DR6_BD		BIT(13)
#define DR6_BS		BIT(14)
#define DR6_BT		BIT(15)
#define DR6_RTM		BIT(16)		/* active low */
#define DR7_FIXED_1	0x00000400ul
#define DR7_VOLATILE	0xffff2bfful

/* vmenter.S */
extern void vmx_vmexit(void);
int vmx_enter_guest(unsigned long *gprs, unsigned long *host_rsp,
		    bool launched);
void vmx_do_nmi(void *handler);

/* vmx_vcpu.c */
int vmx_vcpu_global_init(void);
void vmx_vcpu_global_exit(void);
void vmx_vcpu_forget_cpu(struct ember_vcpu *vcpu);
void vmx_flush_ept(u64 eptp);
void vmx_flush_guest_tlb(struct ember_vcpu *vcpu);
void vmx_guest_msrs_load(struct ember_vcpu *vcpu);
void vmx_guest_msrs_put(struct ember_vcpu *vcpu);

/* vmx_state.c: the guest's architectural state in the VMCS. */
void vmx_vcpu_reset(struct ember_vcpu *vcpu, bool init);
void vmx_deliver_sipi(struct ember_vcpu *vcpu, u8 vector);
int vmx_set_cr0(struct ember_vcpu *vcpu, unsigned long cr0);
int vmx_set_cr4(struct ember_vcpu *vcpu, unsigned long cr4);
int vmx_set_efer(struct ember_vcpu *vcpu, u64 efer);
bool vmx_cr0_valid(unsigned long cr0);
bool vmx_cr4_valid(struct ember_vcpu *vcpu, unsigned long cr4);
bool vmx_efer_valid(struct ember_vcpu *vcpu, u64 efer);
int vmx_read_pdptrs(struct ember_vcpu *vcpu, unsigned long cr3, u64 *pdpte);
void vmx_write_pdptrs(const u64 *pdpte);
int vmx_load_pdptrs(struct ember_vcpu *vcpu);
int vmx_get_regs(struct ember_vcpu *vcpu, struct kvm_regs *regs);
int vmx_set_regs(struct ember_vcpu *vcpu, const struct kvm_regs *regs);
int vmx_get_sregs(struct ember_vcpu *vcpu, struct kvm_sregs *sregs);
int vmx_set_sregs(struct ember_vcpu *vcpu, const struct kvm_sregs *sregs);
/* CPU mode of the guest's code segment: 2, 4 or 8 (address/operand). */
int vmx_guest_cs_bytes(struct ember_vcpu *vcpu);
u32 vmx_preemption_timer_value(void);

/* vmx_events.c: the event queue (exceptions, interrupts) for VM entry. */
void vmx_queue_exception(struct ember_vcpu *vcpu, u8 vector, bool has_error,
			 u32 error_code);
static inline void vmx_inject_ud(struct ember_vcpu *vcpu)
{
	vmx_queue_exception(vcpu, 6, false, 0);
}

static inline void vmx_inject_gp(struct ember_vcpu *vcpu, u32 error_code)
{
	vmx_queue_exception(vcpu, 13, true, error_code);
}

bool vmx_interrupt_allowed(struct ember_vcpu *vcpu);
void vmx_events_commit(struct ember_vcpu *vcpu);
void vmx_events_complete(struct ember_vcpu *vcpu);
bool vmx_exit_during_delivery(struct ember_vcpu *vcpu);
int vmx_pending_external_interrupt(struct ember_vcpu *vcpu);
void vmx_events_reset(struct ember_vcpu *vcpu);

/* vmx_run.c */
void vmx_skip_instruction(struct ember_vcpu *vcpu);
void vmx_handle_requests(struct ember_vcpu *vcpu);

/* vmx_irq.c: halting, INIT and SIPI with an in-kernel irqchip. */
void vmx_accept_apic_events(struct ember_vcpu *vcpu);
int vmx_wait_runnable(struct ember_vcpu *vcpu);
int vmx_run_uninitialized(struct ember_vcpu *vcpu);
int vmx_halt(struct ember_vcpu *vcpu);
void vmx_set_exec_ctls(struct ember_vcpu *vcpu, u32 ctls);

/* vmx_exit.c: returns 1 to re-enter the guest, 0 for userspace, -errno. */
int vmx_handle_exit(struct ember_vcpu *vcpu);

/* io.c: port and MMIO exits to userspace and their completion. */
int vmx_handle_io(struct ember_vcpu *vcpu);
int vmx_handle_mmio(struct ember_vcpu *vcpu, u64 gpa, bool write);
int vmx_complete_userspace_io(struct ember_vcpu *vcpu);

/* vmx_spec.c: transient-execution mitigations. */
int vmx_spec_init(void);
void vmx_spec_exit(void);
bool vmx_spec_nx_huge_pages(void);
void vmx_spec_before_entry(struct ember_vcpu *vcpu);
void vmx_spec_after_exit(void);
void vmx_spec_vcpu_switch(void);

/* vmx_perf.c */
void vmx_perf_init(void);
int vmx_perf_vcpu_init(struct ember_vcpu *vcpu);
void vmx_perf_vcpu_free(struct ember_vcpu *vcpu);
void vmx_perf_vcpu_setup(struct ember_vcpu *vcpu);
void vmx_perf_before_entry(struct ember_vcpu *vcpu);

/* ept.c */
void ept_cache_free(struct ember_arch_vcpu *a);
int ept_handle_violation(struct ember_vcpu *vcpu, u64 gpa,
			 unsigned long qual);

/* cpuid.c */
void vmx_emulate_cpuid(struct ember_vcpu *vcpu);
int vmx_set_cpuid2(struct ember_vcpu *vcpu,
		   struct kvm_cpuid2 __user *ucpuid);
int vmx_get_cpuid2(struct ember_vcpu *vcpu,
		   struct kvm_cpuid2 __user *ucpuid);
long x86_get_supported_cpuid(struct kvm_cpuid2 __user *ucpuid);

/* msr.c: 0, or 1 when the MSR is not one ember emulates (#GP). */
int vmx_get_msr(struct ember_vcpu *vcpu, u32 index, u64 *data, bool host);
int vmx_set_msr(struct ember_vcpu *vcpu, u32 index, u64 data, bool host);
void x86_msrs_reset(struct ember_vcpu *vcpu, bool init);
long x86_get_msr_index_list(struct kvm_msr_list __user *ulist);
void x86_vm_init_clock(struct ember_vm *vm);
int vmx_msrs_ioctl(struct ember_vcpu *vcpu, struct kvm_msrs __user *umsrs,
		   bool set);

#endif /* EMBER_X86_VMX_VCPU_H */
