// SPDX-License-Identifier: GPL-2.0
/*
 * The ACPI tables that describe the machine to a Linux guest booted with the
 * in-kernel irqchip (ACPI 6.x, ch. 5): the vCPUs and their local APICs, the
 * IOAPIC, and a power-off that ends vmrun.
 *
 * Why ACPI and not an Intel MultiProcessor Specification table: the kernels
 * vmrun boots (Debian's cloud flavour among them) are built without
 * CONFIG_X86_MPPARSE, and ACPI is what every x86-64 Linux reads.
 *
 *   RSDP  at ACPI_RSDP_ADDR (0xE0000, where Linux also looks for it; the
 *         zero page points at it too) -> XSDT and RSDT
 *   FADT  a PC with the ACPI hardware: the PM1 event and control blocks of
 *         devices/acpi_pm.c (power off: S5), SCI on IRQ 9, no SMI command
 *         port (always in ACPI mode), no PM timer or GPE blocks, the 8042
 *         and legacy devices present, no VGA, reset through port 0xCF9
 *   FACS  (the FADT requires one; nothing in it is used)
 *   DSDT  nothing but \_S5 (the SLP_TYP value of soft-off)
 *   MADT  a local APIC per vCPU (APIC ID = vCPU index = ACPI processor
 *         UID), the IOAPIC at 0xFEC00000 (ID = number of vCPUs, GSIs 0-23),
 *         LINT1 of every local APIC as NMI, PC-AT compatible 8259As, and
 *         one interrupt source override: IRQ 9 (SCI) level-triggered,
 *         active high.
 *
 * ISA IRQ n is GSI n, IRQ 0 included: no override moves IRQ 0 to GSI 2 as
 * on most PCs, because the hypervisor's default GSI routing (which vmrun
 * keeps: KVM's irq_comm.c, ember's irqchip.c) wires GSI n to IOAPIC pin n,
 * and the PIT raises GSI 0.  (QEMU describes IRQ 0 -> GSI 2 and installs
 * its own routing of GSI 0 to pin 2 with KVM_SET_GSI_ROUTING to match.)
 * The SCI is level-triggered, and active high because the hypervisor's
 * IOAPIC takes a raised line as asserted whatever the pin's polarity: it
 * is never raised anyway.
 */
#include <stdint.h>
#include <string.h>

#include "devices/devices.h"
#include "loader.h"
#include "util.h"
#include "vm.h"

#define LAPIC_ADDR	0xfee00000U
#define IOAPIC_ADDR	0xfec00000U
#define IOAPIC_PINS	24
#define SCI_IRQ		9

/* The tables' room from ACPI_RSDP_ADDR on (loader.h: reserved in e820). */
#define ACPI_SIZE	0x10000

#define OEM_ID		"EMBER "	/* 6 characters */
#define OEM_TABLE_ID	"VMRUN   "	/* 8 */
#define CREATOR_ID	"VMRN"		/* 4 */

/* FADT flags (ACPI 6.4 Table 5.10) and IA-PC boot architecture flags
 * (Table 5.11). */
#define FADT_WBINVD		(1U << 0)
#define FADT_PROC_C1		(1U << 2)
#define FADT_PWR_BUTTON		(1U << 4)	/* no fixed-feature button */
#define FADT_SLP_BUTTON		(1U << 5)
#define FADT_RESET_REG_SUP	(1U << 10)
#define BOOT_LEGACY_DEVICES	(1U << 0)
#define BOOT_8042		(1U << 1)
#define BOOT_VGA_NOT_PRESENT	(1U << 2)

/* A table being written into guest memory. */
struct table {
	uint8_t *p;
	uint32_t gpa, len;
};

static void put8(uint8_t *p, uint8_t v)
{
	p[0] = v;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, v);
	put32(p + 4, v >> 32);
}

static uint8_t checksum(const uint8_t *p, uint32_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return -sum;
}

/* Allocation in the ACPI area, zeroed. */
struct acpi_area {
	struct vm *vm;
	uint32_t next;
};

static struct table area_alloc(struct acpi_area *a, uint32_t len,
			       uint32_t align)
{
	struct table t;

	a->next = (a->next + align - 1) & ~(align - 1);
	if (a->next + len > ACPI_RSDP_ADDR + ACPI_SIZE)
		die("ACPI tables do not fit in %#x bytes", ACPI_SIZE);
	t.gpa = a->next;
	t.len = len;
	t.p = vm_gpa(a->vm, t.gpa, len);
	memset(t.p, 0, len);
	a->next += len;
	return t;
}

/* The header every table but the RSDP and FACS starts with (5.2.6). */
#define HEADER_LEN	36

static void header(struct table *t, const char *sig, uint8_t rev)
{
	memcpy(t->p, sig, 4);
	put32(t->p + 4, t->len);
	put8(t->p + 8, rev);
	memcpy(t->p + 10, OEM_ID, 6);
	memcpy(t->p + 16, OEM_TABLE_ID, 8);
	put32(t->p + 24, 1);			/* OEM revision */
	memcpy(t->p + 28, CREATOR_ID, 4);
	put32(t->p + 32, 1);			/* creator revision */
}

static void seal(struct table *t)
{
	t->p[9] = 0;
	t->p[9] = checksum(t->p, t->len);
}

/* Generic Address Structure (5.2.3.2) of an I/O port register block of
 * `bits`, accessed `access` bytes at a time (1, 2 or 4). */
static void gas_io(uint8_t *p, uint8_t bits, uint8_t access, uint16_t port)
{
	put8(p, 1);			/* System I/O */
	put8(p + 1, bits);
	put8(p + 2, 0);			/* bit offset */
	put8(p + 3, access == 1 ? 1 : access == 2 ? 2 : 3);
	put64(p + 4, port);
}

/* DSDT: Name (_S5, Package () { S5, S5, 0, 0 }) in AML (ch. 20). */
static struct table build_dsdt(struct acpi_area *a)
{
	static const uint8_t aml[] = {
		0x08, '_', 'S', '5', '_',	/* NameOp "_S5_" */
		0x12, 0x08, 0x04,		/* PackageOp, length 8, 4 items */
		0x0a, ACPI_S5_SLP_TYP,		/* BytePrefix SLP_TYPa */
		0x0a, ACPI_S5_SLP_TYP,		/* BytePrefix SLP_TYPb */
		0x00, 0x00,			/* ZeroOp, ZeroOp (reserved) */
	};
	struct table t = area_alloc(a, HEADER_LEN + sizeof(aml), 16);

	header(&t, "DSDT", 2);
	memcpy(t.p + HEADER_LEN, aml, sizeof(aml));
	seal(&t);
	return t;
}

/* FACS (5.2.10): 64 bytes, 64-byte aligned, no checksum. */
static struct table build_facs(struct acpi_area *a)
{
	struct table t = area_alloc(a, 64, 64);

	memcpy(t.p, "FACS", 4);
	put32(t.p + 4, 64);
	put8(t.p + 32, 2);			/* version */
	return t;
}

/* FADT (5.2.9), revision 6: 276 bytes, offsets from Table 5.9. */
static struct table build_fadt(struct acpi_area *a, uint32_t facs,
			       uint32_t dsdt)
{
	struct table t = area_alloc(a, 276, 16);
	uint8_t *p = t.p;

	header(&t, "FACP", 6);
	put32(p + 36, facs);
	put32(p + 40, dsdt);
	put16(p + 46, SCI_IRQ);
	put32(p + 48, 0);			/* SMI_CMD: always ACPI mode */
	put32(p + 56, ACPI_PM1_EVT_PORT);
	put32(p + 64, ACPI_PM1_CNT_PORT);
	put8(p + 88, ACPI_PM1_EVT_LEN);
	put8(p + 89, ACPI_PM1_CNT_LEN);
	put16(p + 96, 101);			/* C2 latency > 100: no C2 */
	put16(p + 98, 1001);			/* C3 latency > 1000: no C3 */
	put16(p + 109, BOOT_LEGACY_DEVICES | BOOT_8042 | BOOT_VGA_NOT_PRESENT);
	put32(p + 112, FADT_WBINVD | FADT_PROC_C1 | FADT_PWR_BUTTON |
		       FADT_SLP_BUTTON | FADT_RESET_REG_SUP);
	gas_io(p + 116, 8, 1, RESET_CF9_PORT);
	put8(p + 128, RESET_CF9_RESET);
	put64(p + 132, facs);			/* X_FIRMWARE_CTRL */
	put64(p + 140, dsdt);			/* X_DSDT */
	/* 16-bit registers: PM1_STS and PM1_EN, PM1_CNT. */
	gas_io(p + 148, ACPI_PM1_EVT_LEN * 8, 2, ACPI_PM1_EVT_PORT);
	gas_io(p + 172, ACPI_PM1_CNT_LEN * 8, 2, ACPI_PM1_CNT_PORT);
	seal(&t);
	return t;
}

/* MADT (5.2.12). */
static struct table build_madt(struct acpi_area *a, int nr_cpus)
{
	uint32_t len = HEADER_LEN + 8 + 8 * nr_cpus + 12 + 10 + 6;
	struct table t = area_alloc(a, len, 16);
	uint8_t *p = t.p + HEADER_LEN;

	header(&t, "APIC", 1);
	put32(p, LAPIC_ADDR);
	put32(p + 4, 1);			/* PCAT_COMPAT: 8259As */
	p += 8;
	for (int i = 0; i < nr_cpus; i++, p += 8) {
		put8(p, 0);			/* processor local APIC */
		put8(p + 1, 8);
		put8(p + 2, i);			/* ACPI processor UID */
		put8(p + 3, i);			/* APIC ID */
		put32(p + 4, 1);		/* enabled */
	}
	put8(p, 1);				/* I/O APIC */
	put8(p + 1, 12);
	put8(p + 2, nr_cpus);			/* I/O APIC ID */
	put32(p + 4, IOAPIC_ADDR);
	put32(p + 8, 0);			/* GSI base */
	p += 12;
	put8(p, 2);				/* interrupt source override */
	put8(p + 1, 10);
	put8(p + 2, 0);				/* ISA */
	put8(p + 3, SCI_IRQ);
	put32(p + 4, SCI_IRQ);
	put16(p + 8, 0x1 | 0x3 << 2);		/* active high, level */
	p += 10;
	put8(p, 4);				/* local APIC NMI */
	put8(p + 1, 6);
	put8(p + 2, 0xff);			/* every processor */
	put16(p + 3, 0);			/* as the bus: edge, high */
	put8(p + 5, 1);				/* LINT1 */
	seal(&t);
	return t;
}

void acpi_setup(struct vm *vm)
{
	struct acpi_area a = { .vm = vm, .next = ACPI_RSDP_ADDR };
	struct table rsdp, rsdt, xsdt, dsdt, facs, fadt, madt;

	if (!vm_gpa(vm, ACPI_RSDP_ADDR, ACPI_SIZE))
		die("no room for the ACPI tables at %#x", ACPI_RSDP_ADDR);
	rsdp = area_alloc(&a, 36, 16);
	dsdt = build_dsdt(&a);
	facs = build_facs(&a);
	fadt = build_fadt(&a, facs.gpa, dsdt.gpa);
	madt = build_madt(&a, vm->nr_vcpus);

	rsdt = area_alloc(&a, HEADER_LEN + 2 * 4, 16);
	header(&rsdt, "RSDT", 1);
	put32(rsdt.p + HEADER_LEN, fadt.gpa);
	put32(rsdt.p + HEADER_LEN + 4, madt.gpa);
	seal(&rsdt);

	xsdt = area_alloc(&a, HEADER_LEN + 2 * 8, 16);
	header(&xsdt, "XSDT", 1);
	put64(xsdt.p + HEADER_LEN, fadt.gpa);
	put64(xsdt.p + HEADER_LEN + 8, madt.gpa);
	seal(&xsdt);

	/* RSDP (5.2.5.3), revision 2: checksum of the first 20 bytes, and
	 * an extended checksum of all 36. */
	memcpy(rsdp.p, "RSD PTR ", 8);
	memcpy(rsdp.p + 9, OEM_ID, 6);
	put8(rsdp.p + 15, 2);
	put32(rsdp.p + 16, rsdt.gpa);
	put32(rsdp.p + 20, 36);
	put64(rsdp.p + 24, xsdt.gpa);
	put8(rsdp.p + 8, checksum(rsdp.p, 20));
	put8(rsdp.p + 32, checksum(rsdp.p, 36));

	verbose("ACPI tables at %#x-%#x: %d local APICs, IOAPIC ID %d",
		ACPI_RSDP_ADDR, a.next - 1, vm->nr_vcpus, vm->nr_vcpus);
}
