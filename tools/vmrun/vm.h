/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VM and its vCPUs, as vmrun sees them through the KVM ABI.
 *
 * Threads: one per vCPU (vcpu.c), plus the main thread, which runs the event
 * loop (evloop.c: timers, stdin, signals) until the VM stops.  vm->lock
 * serialises every device model, both buses, the PIC's output line and the
 * halt bookkeeping; vm->wake is signalled when the PIC raises its output or
 * the VM stops, for a vCPU waiting in HLT.
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

/* How every vCPU starts: filled in by the image loader. */
struct boot {
	enum cpu_mode mode;
	uint64_t entry;
	uint64_t rsi;		/* bzImage: the zero page (boot_params) */
	uint64_t rbx;		/* PVH: hvm_start_info */
	bool pass_index;	/* RDI = vCPU index, RSI = number of vCPUs */
	bool smp;		/* the image kind supports --cpus > 1 */
};

struct vcpu {
	struct vm *vm;
	int index;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
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

	pthread_mutex_t lock;	/* devices, buses, intr_line, nr_halted */
	pthread_cond_t wake;	/* intr_line rose, or the VM is stopping */
	struct bus pio, mmio;
	struct pic *pic;	/* the 8259A pair: interrupts go through it */
	bool intr_line;		/* the master PIC's INT output, to vCPU 0 */
	int nr_halted;		/* vCPUs halted for good */

	int epoll_fd;		/* the event loop's (evloop.c) */

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

/* irq.c: interrupts from devices, through the PIC, into vCPU 0. */
void irq_set(struct vm *vm, int irq, int level);
void irq_output(struct vm *vm, bool level);
void irq_before_run(struct vcpu *vcpu);
bool irq_wait_halted(struct vcpu *vcpu);

#endif
