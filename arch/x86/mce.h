/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's machine-check architecture (mce.c): its MSRs, and the
 * ioctls that set it up and report an error into it.
 */
#ifndef EMBER_X86_MCE_H
#define EMBER_X86_MCE_H

#include <linux/kvm.h>
#include <linux/types.h>

struct ember_vcpu;

/* 0, or 1 if @index is not a machine-check MSR or the access is refused. */
int x86_mce_get_msr(struct ember_vcpu *vcpu, u32 index, u64 *data, bool host);
int x86_mce_set_msr(struct ember_vcpu *vcpu, u32 index, u64 data, bool host);
void x86_mce_vcpu_init(struct ember_vcpu *vcpu);

long x86_mce_cap_supported(u64 __user *argp);
int x86_mce_setup(struct ember_vcpu *vcpu, u64 mcg_cap);
int x86_mce_inject(struct ember_vcpu *vcpu, const struct kvm_x86_mce *mce);

#endif /* EMBER_X86_MCE_H */
