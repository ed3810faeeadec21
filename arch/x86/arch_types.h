/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The backend's part of a VM and of a vCPU.  The core embeds these and
 * never looks inside.
 */
#ifndef EMBER_X86_ARCH_TYPES_H
#define EMBER_X86_ARCH_TYPES_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/types.h>
#include <asm/fpu/api.h>

#include "vmx_regs.h"

struct vmcs;
struct kvm_cpuid_entry2;
struct vmx_perf_lists;
struct ember_lapic;
struct ember_ioapic;
struct ember_pic;
struct ember_pit;

/* Variable-range MTRRs a vCPU has (MTRRcap.VCNT), as in KVM. */
#define EMBER_NR_VAR_MTRR	8
/* Machine-check banks a vCPU can have (KVM_CAP_MCE), as in KVM. */
#define EMBER_MAX_MCE_BANKS	32

/* The routing table's interrupt controllers: PIC master, slave, IOAPIC. */
#define EMBER_NR_IRQCHIPS	3
#define EMBER_IRQCHIP_NUM_PINS	24

struct ember_arch_vm {
	u64 *ept_root;		/* EPT PML4 page; vm->mmu_lock */
	u64 eptp;

	/*
	 * KVM_CREATE_IRQCHIP: the PICs and the IOAPIC, and a LAPIC in each
	 * vCPU created after it.  irqchip_in_kernel is set (release) once
	 * they and the default routing exist, and never cleared.
	 */
	bool irqchip_in_kernel;
	struct ember_pic *pic;
	struct ember_ioapic *ioapic;
	struct ember_pit *pit;		/* KVM_CREATE_PIT2; vm->lock */

	/*
	 * KVM_SET/GET_CLOCK: the VM's clock is the host's boot time plus
	 * this (ns).  MSR_KVM_WALL_CLOCK(_NEW), kept for the VMM (msr.c).
	 * Each is one 64-bit word, written and read whole (READ/WRITE_ONCE).
	 */
	s64 kvmclock_offset;
	u64 kvm_wall_clock;
};

/* An exit to userspace that the next KVM_RUN must finish (SDM-free). */
enum vmx_pending_io {
	VMX_IO_NONE,
	VMX_IO_PIO_IN,		/* copy run->io data into RAX */
	VMX_IO_PIO_STRING,	/* continue a string/rep port instruction */
	VMX_IO_MMIO_READ,	/* copy run->mmio.data into a register */
	VMX_IO_MMIO_WRITE,	/* nothing to copy: just skip the instruction */
};

struct vmx_pending {
	enum vmx_pending_io kind;
	u8 size;		/* bytes per element */
	u8 reg;			/* destination GPR (MMIO read) */
	bool high8;		/* AH/CH/DH/BH */
	u8 ext;			/* MMIO read: 0 none, 1 zero-, 2 sign-extend */
	u8 dst_size;		/* MMIO read: destination width */
	u32 count;		/* elements in this exit (string PIO) */
	bool in;		/* string PIO direction */
	bool rep;
	u8 addr_size;		/* string PIO: 2, 4 or 8 */
	u64 la;			/* string PIO: linear address of element 0 */
	u8 insn_len;		/* MMIO: instruction length */
};

/* An event for VM entry, in the VM-entry interruption-information format. */
struct vmx_event {
	u32 info;		/* INTR_INFO_VALID_MASK set: there is one */
	u32 error_code;
	u32 insn_len;		/* software interrupts and exceptions */
};

enum vmx_event_source {
	VMX_EVENT_NONE, VMX_EVENT_INJECTED, VMX_EVENT_EXCEPTION, VMX_EVENT_NMI,
	VMX_EVENT_IRQ,
};

/* vmx_events.c: what the guest is to be given at the next VM entries. */
struct vmx_event_queue {
	struct vmx_event injected;	/* delivery an exit interrupted */
	struct vmx_event exception;	/* raised by ember, not delivered */
	/*
	 * The interrupt for the next entries: KVM_INTERRUPT's vector, or one
	 * acknowledged from the in-kernel LAPIC/PIC; -1 if none.
	 */
	int irq;
	enum vmx_event_source inflight;	/* in the VMCS for this entry */
	bool exit_in_delivery;		/* the last exit interrupted one */
	bool entry_info_set;		/* the VMCS field may be valid */
	bool triple_fault;		/* a fault while delivering #DF */
	/* NMIs: sent by anyone (atomic), then queued for VM entry. */
	atomic_t nmi_queued;
	bool nmi_pending;		/* taken from nmi_queued */
};

struct ember_arch_vcpu {
	unsigned long gprs[VCPU_NR_GPRS];	/* vmenter.S */
	unsigned long host_rsp;			/* vmenter.S */
	unsigned long cr2;

	struct vmcs *vmcs;
	int cpu;		/* CPU where the VMCS is active, or -1 */
	bool launched;		/* VMRESUME, not VMLAUNCH, next */
	struct list_head loaded_link;	/* on that CPU's list */
	u16 vpid;

	/* What the guest believes; the hardware values are derived. */
	unsigned long cr0, cr4;
	u64 efer;
	/*
	 * IA32_APIC_BASE, with or without an in-kernel LAPIC; written by the
	 * vCPU's thread (WRITE_ONCE), read by interrupt senders (READ_ONCE).
	 */
	u64 apic_base;
	u64 cr8;		/* TPR, without an in-kernel LAPIC */
	struct ember_lapic *lapic;	/* with one (KVM_CREATE_IRQCHIP) */
	u64 misc_enable;
	/*
	 * msr.c: MSRs kept without an effect of their own.  KVM's
	 * paravirtual ones, for the VMM only (ember has none of their
	 * features and tells no guest about them); the MTRRs (EPT decides
	 * the memory type, not them).
	 */
	struct {
		u64 system_time;	/* MSR_KVM_SYSTEM_TIME(_NEW) */
		u64 async_pf_en, async_pf_int, steal_time, pv_eoi_en;
		u64 poll_control;
	} kvm_pv;
	struct {
		u64 deftype;
		u64 fixed[11];
		u64 var[2 * EMBER_NR_VAR_MTRR];	/* base, mask, base, ... */
	} mtrr;
	/* mce.c: machine-check MSRs, banks of CTL, STATUS, ADDR, MISC. */
	u64 mcg_cap, mcg_ctl, mcg_status;
	u64 mce_banks[EMBER_MAX_MCE_BANKS * 4];
	u64 tsc_offset;
	u64 tsc_aux;
	unsigned long db[4], dr6, dr7;	/* virtual: never loaded */

	/* MSRs outside the VMCS: in hardware while guest_msrs_loaded. */
	u64 star, lstar, cstar, sfmask, kernel_gs_base;
	struct {
		u64 star, lstar, cstar, sfmask, kernel_gs_base, tsc_aux;
		unsigned long fs_base;
		u16 fs_sel, gs_sel, ds_sel, es_sel;
		unsigned long cr3, cr4;	/* as last written to the VMCS */
		u64 debugctl;
		u16 ldt_sel;
	} host;
	bool loaded;		/* between vcpu_load and vcpu_put */
	bool in_run;		/* inside KVM_RUN */
	bool ran;		/* has entered the guest once */
	bool rdtscp;		/* RDTSCP and TSC_AUX are the guest's */
	bool guest_msrs_loaded;

	struct fpu_guest fpu;
	struct kvm_cpuid_entry2 *cpuid;
	int cpuid_nent;

	struct vmx_event_queue events;
	u32 mp_state;
	u32 exec_ctls;		/* primary processor-based controls */

	struct vmx_pending io;
	void *pio_page;
	/* vmx_perf.c: the host's perf MSRs switched at entry and exit. */
	struct vmx_perf_lists *perf_lists;
	int perf_nr;
	/* Zeroed EPT table pages for the next fault, filled before mmu_lock. */
	void *ept_cache[3];
	unsigned int ept_cache_n;
	unsigned long exit_qual;
	u32 exit_reason;
	u32 exit_intr_info;	/* VM_EXIT_INTR_INFO of an exception exit */
	bool l1d_flush_needed;	/* vmx_spec.c: host code ran since entry */
	int last_entry_cpu;
};

#endif /* EMBER_X86_ARCH_TYPES_H */
