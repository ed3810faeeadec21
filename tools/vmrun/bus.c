// SPDX-License-Identifier: GPL-2.0
#include "bus.h"

#include <inttypes.h>
#include <string.h>

#include "util.h"

void bus_register(struct bus *bus, uint64_t base, uint64_t len,
		  const char *name, bus_io_fn io, void *dev)
{
	for (int i = 0; i < bus->nr; i++) {
		struct bus_range *r = &bus->ranges[i];

		if (base < r->base + r->len && r->base < base + len)
			die("internal error: %s %s at %#" PRIx64 " overlaps %s",
			    bus->kind, name, base, r->name);
	}
	if (bus->nr == BUS_MAX_RANGES)
		die("internal error: too many %s ranges", bus->kind);
	bus->ranges[bus->nr++] = (struct bus_range){ base, len, name, io, dev };
}

static void log_unclaimed(struct bus *bus, uint64_t addr, unsigned int size,
			  bool write, const uint8_t *data)
{
	/* MMIO is reported per page, ports one by one. */
	uint64_t key = bus->kind[0] == 'M' ? addr & ~0xfffULL : addr;

	if (!verbose_on)
		return;
	for (int i = 0; i < bus->nr_logged; i++)
		if (bus->logged[i] == key)
			return;
	if (bus->nr_logged < BUS_MAX_LOGGED)
		bus->logged[bus->nr_logged++] = key;
	else if (bus->nr_logged++ == BUS_MAX_LOGGED)
		verbose("more unclaimed %s accesses: not logged", bus->kind);
	if (bus->nr_logged > BUS_MAX_LOGGED)
		return;
	if (write)
		verbose("unclaimed %s %#" PRIx64 ": write of %u byte(s), %#x (ignored)",
			bus->kind, addr, size, bus_value(data, size));
	else
		verbose("unclaimed %s %#" PRIx64 ": read of %u byte(s) (all-ones)",
			bus->kind, addr, size);
}

void bus_access(struct bus *bus, uint64_t addr, uint8_t *data,
		unsigned int size, bool write)
{
	if (!write)
		memset(data, 0xff, size);
	for (int i = 0; i < bus->nr; i++) {
		struct bus_range *r = &bus->ranges[i];

		if (addr >= r->base && addr - r->base < r->len) {
			r->io(r->dev, addr - r->base, data, size, write);
			return;
		}
	}
	log_unclaimed(bus, addr, size, write, data);
}
