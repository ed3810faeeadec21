/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EMBER_X86_CPUID_H
#define EMBER_X86_CPUID_H

#include <linux/kvm.h>
#include <asm/processor.h>

#include "ember.h"


/* The guest's CPUID entry for @function/@index (KVM_SET_CPUID2), or NULL. */
struct kvm_cpuid_entry2 *guest_cpuid_find(struct ember_vcpu *vcpu,
					  u32 function, u32 index);
bool guest_cpuid_has(struct ember_vcpu *vcpu, u32 function, u32 index,
		     enum cpuid_regs_idx reg, int bit);

#endif /* EMBER_X86_CPUID_H */
