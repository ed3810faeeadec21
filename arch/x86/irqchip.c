// SPDX-License-Identifier: GPL-2.0
/*
 * The PC's interrupt controllers as one in-kernel irqchip, with KVM's ABI:
 * KVM_CREATE_IRQCHIP makes the two 8259A PICs and the IOAPIC (and every
 * vCPU created afterwards a local APIC) and the default GSI routing;
 * KVM_GET/SET_IRQCHIP move their state; routes of KVM_IRQ_LINE,
 * KVM_SET_GSI_ROUTING and irqfds end here as PIC or IOAPIC pins or MSIs.
 *
 * Wiring, as on a PC and as KVM wires it: GSIs 0-15 reach both a PIC pin
 * and the IOAPIC pin of the same number, 16-23 the IOAPIC only; the PICs'
 * INTR goes to LINT0 of every LAPIC (taken where LVT0 says ExtINT), the
 * IOAPIC and MSIs send interrupt messages to the LAPICs (apic_bus.c).
 */
#include <linux/kvm.h>
#include <asm/msr.h>

#include "arch.h"
#include "irq.h"
#include "irqchip.h"
#include "apic_bus.h"
#include "ioapic.h"
#include "lapic.h"
#include "pic.h"
#include "pit.h"

#define PIC_NUM_PINS	16

static int set_pic_irq(struct ember_irq_route *e, struct ember_vm *vm,
		       int irq_source_id, int level, bool line_status)
{
	return ember_pic_set_irq(vm, e->irqchip.pin, irq_source_id, level);
}

static int set_ioapic_irq(struct ember_irq_route *e, struct ember_vm *vm,
			  int irq_source_id, int level, bool line_status)
{
	return ember_ioapic_set_irq(vm, e->irqchip.pin, irq_source_id, level,
				    line_status);
}

int ember_arch_deliver_msi(struct ember_vm *vm, u32 address_lo,
			   u32 address_hi, u32 data)
{
	struct ember_apic_irq irq;

	ember_apic_msi_to_irq(address_lo, address_hi, data, &irq);
	return ember_apic_deliver(vm, NULL, &irq);
}

/* An MSI is an edge: only its rising edge sends the message. */
static int set_msi(struct ember_irq_route *e, struct ember_vm *vm,
		   int irq_source_id, int level, bool line_status)
{
	if (!level)
		return -1;
	return ember_arch_deliver_msi(vm, e->msi.address_lo, e->msi.address_hi,
				      e->msi.data);
}

bool ember_arch_irqchip_in_kernel(struct ember_vm *vm)
{
	return ember_irqchip_in_kernel(vm);
}

/* KVM's checks (arch/x86/kvm/irq_comm.c, kvm_set_routing_entry). */
int ember_arch_set_irq_route(struct ember_vm *vm, struct ember_irq_route *e,
			     const struct kvm_irq_routing_entry *ue)
{
	switch (ue->type) {
	case KVM_IRQ_ROUTING_IRQCHIP:
		e->irqchip.pin = ue->u.irqchip.pin;
		switch (ue->u.irqchip.irqchip) {
		case KVM_IRQCHIP_PIC_SLAVE:
			e->irqchip.pin += PIC_NUM_PINS / 2;
			fallthrough;
		case KVM_IRQCHIP_PIC_MASTER:
			if (ue->u.irqchip.pin >= PIC_NUM_PINS / 2)
				return -EINVAL;
			e->set = set_pic_irq;
			break;
		case KVM_IRQCHIP_IOAPIC:
			if (ue->u.irqchip.pin >= KVM_IOAPIC_NUM_PINS)
				return -EINVAL;
			e->set = set_ioapic_irq;
			break;
		default:
			return -EINVAL;
		}
		e->irqchip.irqchip = ue->u.irqchip.irqchip;
		return 0;
	case KVM_IRQ_ROUTING_MSI:
		e->set = set_msi;
		e->msi.address_lo = ue->u.msi.address_lo;
		e->msi.address_hi = ue->u.msi.address_hi;
		e->msi.data = ue->u.msi.data;
		return 0;
	default:
		return -EINVAL;		/* Hyper-V SINT, Xen: not ember's */
	}
}

#define IOAPIC_ROUTE(n) { .gsi = (n), .type = KVM_IRQ_ROUTING_IRQCHIP, \
	.u.irqchip = { .irqchip = KVM_IRQCHIP_IOAPIC, .pin = (n) } }
#define PIC_ROUTE(n) { .gsi = (n), .type = KVM_IRQ_ROUTING_IRQCHIP, \
	.u.irqchip = { .irqchip = (n) < 8 ? KVM_IRQCHIP_PIC_MASTER : \
				  KVM_IRQCHIP_PIC_SLAVE, .pin = (n) % 8 } }
#define ISA_ROUTES(n) IOAPIC_ROUTE(n), PIC_ROUTE(n)

static const struct kvm_irq_routing_entry default_routes[] = {
	ISA_ROUTES(0), ISA_ROUTES(1), ISA_ROUTES(2), ISA_ROUTES(3),
	ISA_ROUTES(4), ISA_ROUTES(5), ISA_ROUTES(6), ISA_ROUTES(7),
	ISA_ROUTES(8), ISA_ROUTES(9), ISA_ROUTES(10), ISA_ROUTES(11),
	ISA_ROUTES(12), ISA_ROUTES(13), ISA_ROUTES(14), ISA_ROUTES(15),
	IOAPIC_ROUTE(16), IOAPIC_ROUTE(17), IOAPIC_ROUTE(18),
	IOAPIC_ROUTE(19), IOAPIC_ROUTE(20), IOAPIC_ROUTE(21),
	IOAPIC_ROUTE(22), IOAPIC_ROUTE(23),
};

/* KVM_CREATE_IRQCHIP: KVM's order of checks and its errnos. */
int x86_create_irqchip(struct ember_vm *vm)
{
	int r;

	mutex_lock(&vm->lock);
	r = -EEXIST;
	if (vm->arch.irqchip_in_kernel)
		goto out;
	r = -EINVAL;
	if (vm->nr_vcpus)
		goto out;

	r = ember_pic_create(vm);
	if (r)
		goto out;
	r = ember_ioapic_create(vm);
	if (r)
		goto out_pic;
	r = ember_set_irq_routing(vm, default_routes,
				  ARRAY_SIZE(default_routes), 0);
	if (r)
		goto out_ioapic;
	/* Readers that see the flag see the chips and the routes. */
	smp_store_release(&vm->arch.irqchip_in_kernel, true);
	mutex_unlock(&vm->lock);
	return 0;

out_ioapic:
	ember_ioapic_destroy(vm);
out_pic:
	ember_pic_destroy(vm);
out:
	mutex_unlock(&vm->lock);
	return r;
}

void ember_arch_vm_destroy_devices(struct ember_vm *vm)
{
	/* The PIT's timer injects through the others: it goes first. */
	ember_pit_destroy(vm);
	ember_ioapic_destroy(vm);
	ember_pic_destroy(vm);
}

int x86_get_irqchip(struct ember_vm *vm, struct kvm_irqchip *chip)
{
	if (!ember_irqchip_in_kernel(vm))
		return -ENXIO;
	switch (chip->chip_id) {
	case KVM_IRQCHIP_PIC_MASTER:
	case KVM_IRQCHIP_PIC_SLAVE:
		return ember_pic_get_state(vm, chip->chip_id, &chip->chip.pic);
	case KVM_IRQCHIP_IOAPIC:
		return ember_ioapic_get_state(vm, &chip->chip.ioapic);
	default:
		return -EINVAL;
	}
}

int x86_set_irqchip(struct ember_vm *vm, const struct kvm_irqchip *chip)
{
	if (!ember_irqchip_in_kernel(vm))
		return -ENXIO;
	switch (chip->chip_id) {
	case KVM_IRQCHIP_PIC_MASTER:
	case KVM_IRQCHIP_PIC_SLAVE:
		return ember_pic_set_state(vm, chip->chip_id, &chip->chip.pic);
	case KVM_IRQCHIP_IOAPIC:
		return ember_ioapic_set_state(vm, &chip->chip.ioapic);
	default:
		return -EINVAL;
	}
}

/* Is the PICs' INTR for this vCPU (its LINT0 is ExtINT)? */
static bool pic_intr_for(struct ember_vcpu *vcpu)
{
	return ember_lapic_accept_pic_intr(vcpu) &&
	       ember_pic_has_interrupt(vcpu->vm);
}

bool x86_irqchip_has_interrupt(struct ember_vcpu *vcpu)
{
	if (!ember_lapic_in_kernel(vcpu))
		return false;
	return pic_intr_for(vcpu) || ember_lapic_has_interrupt(vcpu) >= 0;
}

/*
 * INTA: an ExtINT from the PICs comes before the LAPIC's own (it is not
 * subject to PPR, SDM Vol. 3A 11.8.3 and 11.5.1).  -1 if the PICs withdrew
 * theirs meanwhile or nothing is pending.
 */
int x86_irqchip_get_interrupt(struct ember_vcpu *vcpu)
{
	int v;

	if (!ember_lapic_in_kernel(vcpu))
		return -1;
	if (pic_intr_for(vcpu))
		return ember_pic_read_irq(vcpu->vm);
	v = ember_lapic_has_interrupt(vcpu);
	if (v >= 0)
		ember_lapic_ack_interrupt(vcpu, v);
	return v;
}

void x86_irqchip_pic_intr(struct ember_vm *vm)
{
	int i, n = smp_load_acquire(&vm->nr_vcpus);

	for (i = 0; i < n; i++) {
		struct ember_vcpu *vcpu = vm->vcpus[i];

		if (!ember_lapic_accept_pic_intr(vcpu))
			continue;
		ember_make_request(EMBER_REQ_EVENT, vcpu);
		ember_vcpu_kick(vcpu);
	}
}

void x86_queue_nmi(struct ember_vcpu *vcpu)
{
	atomic_inc(&vcpu->arch.events.nmi_queued);
	ember_make_request(EMBER_REQ_EVENT, vcpu);
	ember_vcpu_kick(vcpu);
}

u64 x86_guest_tsc(struct ember_vcpu *vcpu)
{
	return rdtsc() + vcpu->arch.tsc_offset;
}
