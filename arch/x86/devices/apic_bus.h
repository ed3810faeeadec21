/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The system bus between the interrupt sources and the local APICs: an
 * interrupt message (from an IPI, the IOAPIC or an MSI) goes to every LAPIC
 * its destination names (SDM Vol. 3A 11.6.2, 11.11).
 */
#ifndef EMBER_X86_APIC_BUS_H
#define EMBER_X86_APIC_BUS_H

#include <linux/types.h>

struct ember_vm;
struct ember_vcpu;

/* The ICR's destination shorthand (bits 19:18); <asm/apicdef.h> lacks these. */
#define APIC_SHORT_MASK		0xc0000
#define APIC_DEST_NOSHORT	0x0

/* An interrupt message, with the ICR's encodings (<asm/apicdef.h>). */
struct ember_apic_irq {
	u32 vector;
	u32 delivery_mode;	/* APIC_DM_FIXED, _LOWEST, _NMI, _INIT, ... */
	bool dest_logical;	/* APIC_DEST_LOGICAL */
	bool level;		/* asserted (an INIT de-assert has it clear) */
	bool trig_level;	/* level-triggered (sets TMR) */
	u32 shorthand;		/* APIC_DEST_NOSHORT, _SELF, _ALLINC, _ALLBUT */
	u32 dest_id;		/* 8 bits in xAPIC mode, 32 in x2APIC */
};

/*
 * Deliver @irq from @src (NULL: the IOAPIC or an MSI) to the LAPICs it
 * addresses; lowest priority goes to one of them.  Any context.  Returns
 * the number of LAPICs that took it, or -1 if none did (KVM's
 * KVM_IRQ_LINE_STATUS meaning).
 */
int ember_apic_deliver(struct ember_vm *vm, struct ember_vcpu *src,
		       const struct ember_apic_irq *irq);
/* An MSI's address and data as an interrupt message (SDM 11.11.1, .2). */
void ember_apic_msi_to_irq(u32 address_lo, u32 address_hi, u32 data,
			   struct ember_apic_irq *irq);

#endif /* EMBER_X86_APIC_BUS_H */
