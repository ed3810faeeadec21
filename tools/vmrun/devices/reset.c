// SPDX-License-Identifier: GPL-2.0
/*
 * The reset control register at 0xCF9 (Intel PCH datasheets, "Reset
 * Control"): writing it with bit 2 (RST_CPU) set resets the machine, and
 * vmrun stops.  Bit 1 (SYS_RST) and bit 3 (FULL_RST) only select the kind.
 */
#include <stdlib.h>

#include "../bus.h"
#include "../util.h"
#include "../vm.h"
#include "devices.h"

#define RST_CPU 0x04

struct reset_cf9 {
	struct vm *vm;
	uint8_t value;
};

static void cf9_io(void *dev, uint64_t off, uint8_t *data, unsigned int size,
		   bool write)
{
	struct reset_cf9 *r = dev;

	(void)off;
	(void)size;
	if (!write) {
		data[0] = r->value;
		return;
	}
	r->value = data[0] & 0x0e;
	if (data[0] & RST_CPU)
		vm_reset(r->vm, "port 0xCF9");
}

void reset_init(struct vm *vm)
{
	struct reset_cf9 *r = calloc(1, sizeof(*r));

	if (!r)
		die("out of memory");
	r->vm = vm;
	bus_register(&vm->pio, RESET_CF9_PORT, 1, "reset control", cf9_io, r);
}
