// SPDX-License-Identifier: GPL-2.0
/* STUB: replaced by the local APIC model. */
#include "ember.h"
#include "apic_bus.h"
#include "lapic.h"

int ember_lapic_create(struct ember_vcpu *vcpu) { return -ENOSYS; }
void ember_lapic_free(struct ember_vcpu *vcpu) { }
void ember_lapic_reset(struct ember_vcpu *vcpu, bool init) { }
int ember_lapic_accept(struct ember_vcpu *vcpu, const struct ember_apic_irq *irq) { return 0; }
bool ember_lapic_match_dest(struct ember_vcpu *vcpu, struct ember_vcpu *src,
			    const struct ember_apic_irq *irq) { return false; }
int ember_lapic_compare_prio(struct ember_vcpu *a, struct ember_vcpu *b) { return 0; }
int ember_lapic_has_interrupt(struct ember_vcpu *vcpu) { return -1; }
void ember_lapic_ack_interrupt(struct ember_vcpu *vcpu, int vector) { }
bool ember_lapic_accept_pic_intr(struct ember_vcpu *vcpu) { return false; }
bool ember_lapic_enabled(struct ember_vcpu *vcpu) { return false; }
int ember_lapic_mmio_read(struct ember_vcpu *vcpu, u64 gpa, int len, void *val) { return -EOPNOTSUPP; }
int ember_lapic_mmio_write(struct ember_vcpu *vcpu, u64 gpa, int len,
			   const void *val) { return -EOPNOTSUPP; }
bool ember_lapic_mmio_in_range(struct ember_vcpu *vcpu, u64 gpa) { return false; }
int ember_lapic_x2apic_msr_read(struct ember_vcpu *vcpu, u32 msr, u64 *data) { return 1; }
int ember_lapic_x2apic_msr_write(struct ember_vcpu *vcpu, u32 msr, u64 data) { return 1; }
int ember_lapic_set_base(struct ember_vcpu *vcpu, u64 value, bool host) { return 1; }
u64 ember_lapic_get_base(struct ember_vcpu *vcpu) { return 0; }
u64 ember_lapic_get_tsc_deadline(struct ember_vcpu *vcpu) { return 0; }
void ember_lapic_set_tsc_deadline(struct ember_vcpu *vcpu, u64 data) { }
u64 ember_lapic_get_cr8(struct ember_vcpu *vcpu) { return 0; }
void ember_lapic_set_tpr(struct ember_vcpu *vcpu, u64 cr8) { }
bool ember_lapic_take_init(struct ember_vcpu *vcpu) { return false; }
int ember_lapic_take_sipi(struct ember_vcpu *vcpu) { return -1; }
bool ember_lapic_events_pending(struct ember_vcpu *vcpu) { return false; }
int ember_lapic_get_state(struct ember_vcpu *vcpu, struct kvm_lapic_state *s) { return -ENXIO; }
int ember_lapic_set_state(struct ember_vcpu *vcpu,
			  const struct kvm_lapic_state *s) { return -ENXIO; }
