/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The seam between ember's arch-neutral core (module/) and its hardware
 * backend (arch/x86/).  The core owns objects, file descriptors and the
 * policy of when virtualization is on; the backend owns the hardware.
 * Nothing else crosses this line.
 */
#ifndef EMBER_ARCH_H
#define EMBER_ARCH_H

#include <linux/seq_file.h>

/*
 * Check that this CPU can run ember and record its capabilities.  Logs one
 * line saying why not and returns -errno if it cannot.  Called once at load.
 */
int ember_arch_init(void);
void ember_arch_exit(void);

/*
 * Turn virtualization on (VMXON) or off (VMXOFF) on the calling CPU.
 * Called with preemption disabled, on the CPU concerned.  enable returns
 * -EBUSY when another hypervisor already holds the CPU; disable only undoes
 * what enable did on this CPU and is safe to call when it did nothing.
 */
int ember_arch_cpu_enable(void);
void ember_arch_cpu_disable(void);

/* debugfs views: the capabilities found, and the state of each CPU. */
void ember_arch_show_caps(struct seq_file *m);
void ember_arch_show_cpus(struct seq_file *m);

#endif /* EMBER_ARCH_H */
