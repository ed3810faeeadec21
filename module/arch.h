/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The seam between ember's arch-neutral core (module/) and its hardware
 * backend (arch/x86/).  The core owns objects, file descriptors, memory
 * slots and the policy of when virtualization is on; the backend owns the
 * hardware.  Nothing else crosses this line.
 */
#ifndef EMBER_ARCH_H
#define EMBER_ARCH_H

#include <linux/seq_file.h>
#include <linux/types.h>

struct ember_vm;
struct ember_vcpu;
struct ember_memslot;
struct ember_irq_route;
struct kvm_irq_routing_entry;

/*
 * Check that this CPU can run ember and record its capabilities.  Logs one
 * line saying why not and returns -errno if it cannot.  Called once at load.
 */
int ember_arch_init(void);
void ember_arch_exit(void);

/*
 * Turn virtualization on (VMXON) or off (VMXOFF) on the calling CPU.
 * Called with interrupts disabled, on the CPU concerned.  enable returns
 * -EBUSY when another hypervisor already holds the CPU; disable only undoes
 * what enable did on this CPU and is safe to call when it did nothing.
 */
int ember_arch_cpu_enable(void);
void ember_arch_cpu_disable(void);

/* System ioctls: KVM_CHECK_EXTENSION and the ones that report the CPU. */
long ember_arch_check_extension(unsigned long cap);
long ember_arch_dev_ioctl(unsigned int ioctl, void __user *argp);

/* VMs: the guest-physical address space behind the memory slots. */
int ember_arch_vm_init(struct ember_vm *vm);
void ember_arch_vm_destroy(struct ember_vm *vm);
long ember_arch_vm_ioctl(struct ember_vm *vm, unsigned int ioctl,
			 unsigned long arg);
/*
 * VM teardown, before the vCPUs go: stop and free the backend's devices
 * (timers, interrupt controllers).  No vCPU thread runs any more.
 */
void ember_arch_vm_destroy_devices(struct ember_vm *vm);

/*
 * Interrupt routing (module/irq.h): is there an in-kernel irqchip, and
 * check a KVM_SET_GSI_ROUTING entry and fill in @e (its set() included).
 * -EINVAL for an entry the backend does not route.
 */
bool ember_arch_irqchip_in_kernel(struct ember_vm *vm);
int ember_arch_set_irq_route(struct ember_vm *vm, struct ember_irq_route *e,
			     const struct kvm_irq_routing_entry *ue);
/* KVM_SIGNAL_MSI: KVM_IRQ_LINE_STATUS-style result. */
int ember_arch_deliver_msi(struct ember_vm *vm, u32 address_lo,
			   u32 address_hi, u32 data);
/* Before KVM_RUN blocks a halted vCPU: can it run now? */
bool ember_arch_vcpu_runnable(struct ember_vcpu *vcpu);

/* The first guest page number past what the backend can map. */
u64 ember_arch_gfn_limit(void);
/*
 * Unmap guest pages [@start, @end) of @slot, and flush them from every
 * CPU before returning.  A writable page unmapped is marked dirty for the
 * process.  Caller holds vm->mmu_lock; with @may_yield, the lock may be
 * dropped for a while on a long range, and the return value says whether
 * it was (so that a caller iterating over the slots starts again).
 */
bool ember_arch_unmap_gfn_range(struct ember_vm *vm,
				struct ember_memslot *slot, u64 start, u64 end,
				bool may_yield);
/*
 * Make the next guest write to each page of @slot whose bit is set in
 * @mask (all pages if NULL) fault, for dirty logging, and flush.  Caller
 * holds vm->mmu_lock, which may be dropped for a while on a large slot;
 * the slot itself must not change meanwhile (vm->slots_lock).
 */
void ember_arch_write_protect(struct ember_vm *vm, struct ember_memslot *slot,
			      const unsigned long *mask);

/* vCPUs. */
int ember_arch_vcpu_create(struct ember_vcpu *vcpu);
void ember_arch_vcpu_free(struct ember_vcpu *vcpu);
void *ember_arch_vcpu_pio_page(struct ember_vcpu *vcpu);
/* Make the vCPU's state current on @cpu / take it off; preemption off. */
void ember_arch_vcpu_load(struct ember_vcpu *vcpu, int cpu);
void ember_arch_vcpu_put(struct ember_vcpu *vcpu);
/*
 * KVM_RUN, between load and put: returns 0 with vcpu->run->exit_reason
 * filled in, or -errno (-EINTR with KVM_EXIT_INTR for a signal).
 */
int ember_arch_vcpu_run(struct ember_vcpu *vcpu);
/* Every other vCPU ioctl, between load and put. */
long ember_arch_vcpu_ioctl(struct ember_vcpu *vcpu, unsigned int ioctl,
			   void __user *argp);

/*
 * debugfs views: the capabilities found, the state of each CPU, and the
 * transient-execution mitigations in force.
 */
void ember_arch_show_caps(struct seq_file *m);
void ember_arch_show_cpus(struct seq_file *m);
void ember_arch_show_mitigations(struct seq_file *m);

#endif /* EMBER_ARCH_H */
