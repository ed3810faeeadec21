// SPDX-License-Identifier: GPL-2.0
/*
 * A debug-exit port for tests: a write of N to port 0x501, of any width,
 * ends vmrun with exit status N (its low 8 bits).  Reads give all-ones, as
 * if nothing were there, so a guest cannot mistake it for anything else.
 */
#include "../bus.h"
#include "../util.h"
#include "../vm.h"
#include "devices.h"

static void debug_exit_io(void *dev, uint64_t off, uint8_t *data,
			  unsigned int size, bool write)
{
	struct vm *vm = dev;

	(void)off;
	if (!write)
		return;
	verbose("the guest wrote %#x to the debug-exit port",
		bus_value(data, size));
	vm_stop(vm, data[0]);
}

void debug_exit_init(struct vm *vm)
{
	bus_register(&vm->pio, DEBUG_EXIT_PORT, 1, "debug exit",
		     debug_exit_io, vm);
}
