/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VM and its vCPUs, as vmrun sees them through the KVM ABI.
 *
 * Threads: one per vCPU (vcpu.c), plus the main thread, which runs the event
 * loop (evloop.c: timers, stdin, signals) until the VM stops, then stops and
 * joins the vCPU threads.  vm->lock serialises every device model, both
 * buses, the interrupt lines (irq.c) and the halt bookkeeping; vm->wake is
 * signalled when the userspace PIC raises its output or the VM stops, for a
 * vCPU waiting in HLT (--irqchip=user only: with the in-kernel irqchip the
 * hypervisor halts the vCPU itself).
 */
#ifndef VMRUN_VM_H
#define VMRUN_VM_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "bus.h"

#define MAX_VCPUS	64
/* Guest RAM is one slot from GPA 0; above 3 GiB starts the MMIO hole. */
#define MAX_MEM		(3ULL << 30)

enum cpu_mode { MODE_REAL, MODE_32, MODE_64 };

/*
 * Where the interrupt controllers are.  IRQCHIP_KERNEL (the default): the
 * hypervisor's (KVM_CREATE_IRQCHIP: 8259A pair, IOAPIC, a local APIC per
 * vCPU; KVM_CREATE_PIT2: the 8254), devices raise GSIs with KVM_IRQ_LINE,
 * HLT and INIT/SIPI are handled in the kernel.  IRQCHIP_USER: vmrun's own
 * 8259A pair and 8254 (devices/pic.c, pit.c), no APICs, the PIC's output
 * injected into vCPU 0 with KVM_INTERRUPT.
 */
enum irqchip { IRQCHIP_KERNEL, IRQCHIP_USER };

/* How every vCPU starts: filled in by the image loader. */
struct boot {
	enum cpu_mode mode;
	uint64_t entry;
	uint64_t rsi;		/* bzImage: the zero page (boot_params) */
	uint64_t rbx;		/* PVH: hvm_start_info */
	bool pass_index;	/* RDI = vCPU index, RSI = number of vCPUs */
	bool smp;		/* the image kind supports --cpus > 1 */
	bool linux_acpi;	/* a Linux kernel: gets ACPI tables (acpi.c) */
};

struct vcpu {
	struct vm *vm;
	int index;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool started;		/* thread was created (and not yet joined) */
	atomic_bool in_run;	/* in (or about to enter) KVM_RUN: kick it */
};

struct pic;

struct vm {
	const char *device;
	int sys_fd;		/* the device: /dev/ember or /dev/kvm */
	int fd;			/* the VM */
	int run_size;		/* mmap size of struct kvm_run */

	uint8_t *mem;		/* guest RAM, GPA 0 .. mem_size */
	uint64_t mem_size;

	int nr_vcpus;
	struct vcpu vcpus[MAX_VCPUS];
	struct boot boot;
	enum irqchip irqchip;

	pthread_mutex_t lock;	/* devices, buses, irq_lines, intr_line,
				 * nr_halted */
	pthread_cond_t wake;	/* intr_line rose, or the VM is stopping */
	struct bus pio, mmio;
	uint32_t irq_lines;	/* IRQCHIP_KERNEL: GSI levels last set */
	struct pic *pic;	/* IRQCHIP_USER: the 8259A pair */
	bool intr_line;		/* IRQCHIP_USER: the master PIC's INT output */
	int nr_halted;		/* IRQCHIP_USER: vCPUs halted for good */

	int epoll_fd;		/* the event loop's (evloop.c) */

	atomic_bool stop_claimed;	/* the first vm_stop() sets the status */
	atomic_bool stopping;
	int stop_status;
	int stop_fd;		/* eventfd: wakes the main thread to stop */
};

/* vm.c */
void vm_open(struct vm *vm, const char *device);
/* Guest RAM is allocated (and the image loaded into it) before the device
 * is opened, so that a bad image fails the same way on every device. */
void vm_alloc_memory(struct vm *vm, uint64_t size);
void vm_map_memory(struct vm *vm);
/* Guest RAM at [gpa, gpa + len), or NULL if it is not all RAM. */
void *vm_gpa(struct vm *vm, uint64_t gpa, uint64_t len);
/* Ask the VM to stop with this exit status; the first call wins. */
void vm_stop(struct vm *vm, int status);
/* The guest asked for a reset (keyboard controller or port 0xCF9). */
void vm_reset(struct vm *vm, const char *how);
void vm_lock(struct vm *vm);
void vm_unlock(struct vm *vm);

/* vcpu.c */
void vcpus_create(struct vm *vm, int nr);
void vcpus_start(struct vm *vm);
/* The main thread, once the VM is stopping: every vCPU thread out of
 * KVM_RUN and joined. */
void vcpus_stop(struct vm *vm);
void vcpu_kick(struct vcpu *vcpu);
_Noreturn void vcpu_crash(struct vcpu *vcpu, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* cpu_setup.c: the GDT and identity page tables in guest memory, and the
 * registers each vCPU starts with. */
#define GDT_ADDR	0x1000
#define PML4_ADDR	0x2000
#define PDPT_ADDR	0x3000
#define PD_ADDR		0x4000	/* 4 pages: 4 GiB in 2 MiB pages */
#define TABLES_END	0x8000
#define SEL_CODE32	0x08
#define SEL_CODE64	0x10	/* __BOOT_CS of the Linux boot protocol */
#define SEL_DATA	0x18	/* __BOOT_DS */
void cpu_setup_tables(struct vm *vm);
void cpu_setup_vcpu(struct vcpu *vcpu);

/* cpuid.c */
void cpuid_setup(struct vcpu *vcpu);

/* irq.c: interrupts from devices, to the in-kernel irqchip or through the
 * userspace PIC into vCPU 0. */
const char *irqchip_name(enum irqchip irqchip);
/* IRQCHIP_KERNEL: the irqchip and the PIT, before any vCPU exists. */
void irqchip_create(struct vm *vm);
void irq_set(struct vm *vm, int irq, int level);
void irq_output(struct vm *vm, bool level);
void irq_before_run(struct vcpu *vcpu);
bool irq_wait_halted(struct vcpu *vcpu);

/* acpi.c: the ACPI tables that describe the machine to a Linux guest with
 * the in-kernel irqchip (the vCPUs' local APICs, the IOAPIC, power off). */
void acpi_setup(struct vm *vm);

#endif
