// SPDX-License-Identifier: GPL-2.0
/*
 * The ACPI fixed-hardware PM1 registers the FADT points at (ACPI 6.4,
 * 4.8.3.1 and 4.8.3.2): PM1_STS and PM1_EN at ACPI_PM1_EVT_PORT, PM1_CNT at
 * ACPI_PM1_CNT_PORT.  No event ever happens (no power button, no RTC alarm,
 * no SCI), so status bits stay clear and the enable bits are only kept for
 * the guest to read back.  The one thing that does something: writing
 * SLP_EN with SLP_TYP = ACPI_S5_SLP_TYP (soft off, the DSDT's \_S5), which
 * is how Linux powers off; vmrun then stops with status 0.  Other sleep
 * types are not offered (the DSDT has no \_S1-\_S4) and are ignored.
 */
#include <stdlib.h>

#include "../bus.h"
#include "../util.h"
#include "../vm.h"
#include "devices.h"

#define PM1_CNT_SCI_EN		(1U << 0)	/* always: no SMI_CMD */
#define PM1_CNT_SLP_TYP_SHIFT	10
#define PM1_CNT_SLP_TYP		(7U << PM1_CNT_SLP_TYP_SHIFT)
#define PM1_CNT_SLP_EN		(1U << 13)	/* write-only */

struct acpi_pm {
	struct vm *vm;
	uint16_t sts, en, cnt;
};

/* PM1_STS (bytes 0-1, write 1 to clear) and PM1_EN (bytes 2-3). */
static void pm1_evt_io(void *dev, uint64_t off, uint8_t *data,
		       unsigned int size, bool write)
{
	struct acpi_pm *pm = dev;

	for (unsigned int i = 0; i < size && off + i < ACPI_PM1_EVT_LEN; i++) {
		unsigned int byte = off + i, shift = 8 * (byte & 1);
		uint16_t *reg = byte < 2 ? &pm->sts : &pm->en;

		if (!write)
			data[i] = *reg >> shift;
		else if (reg == &pm->sts)
			*reg &= ~(data[i] << shift);
		else
			*reg = (*reg & ~(0xff << shift)) | data[i] << shift;
	}
}

static void pm1_cnt_io(void *dev, uint64_t off, uint8_t *data,
		       unsigned int size, bool write)
{
	struct acpi_pm *pm = dev;
	uint16_t cnt = pm->cnt;

	for (unsigned int i = 0; i < size && off + i < ACPI_PM1_CNT_LEN; i++) {
		unsigned int shift = 8 * (off + i);

		if (!write)
			data[i] = (pm->cnt | PM1_CNT_SCI_EN) >> shift;
		else
			cnt = (cnt & ~(0xff << shift)) | data[i] << shift;
	}
	if (!write)
		return;
	pm->cnt = cnt & ~PM1_CNT_SLP_EN;
	if ((cnt & PM1_CNT_SLP_EN) &&
	    (cnt & PM1_CNT_SLP_TYP) >> PM1_CNT_SLP_TYP_SHIFT == ACPI_S5_SLP_TYP) {
		verbose("the guest powered off (ACPI S5)");
		vm_stop(pm->vm, 0);
	}
}

void acpi_pm_init(struct vm *vm)
{
	struct acpi_pm *pm = calloc(1, sizeof(*pm));

	if (!pm)
		die("out of memory");
	pm->vm = vm;
	bus_register(&vm->pio, ACPI_PM1_EVT_PORT, ACPI_PM1_EVT_LEN,
		     "ACPI PM1 event", pm1_evt_io, pm);
	bus_register(&vm->pio, ACPI_PM1_CNT_PORT, ACPI_PM1_CNT_LEN,
		     "ACPI PM1 control", pm1_cnt_io, pm);
}
