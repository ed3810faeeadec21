/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The I/O buses.  Each device model registers the port range or MMIO range it
 * owns; the run loop hands every PIO and MMIO exit to the owner of the first
 * byte accessed (as kvmtool does).  An access nobody owns reads all-ones and
 * its writes are dropped; with --verbose each such port (or MMIO page) is
 * logged once.
 *
 * Device callbacks run with vm->lock held: a device needs no lock of its own
 * as long as everything else that touches it (its timers, stdin) takes
 * vm->lock too.
 */
#ifndef VMRUN_BUS_H
#define VMRUN_BUS_H

#include <stdbool.h>
#include <stdint.h>

/* An access of `size` bytes at `offset` into the device's range.  For a read
 * the device fills data[0..size-1]; it is preset to all-ones. */
typedef void (*bus_io_fn)(void *dev, uint64_t offset, uint8_t *data,
			  unsigned int size, bool write);

struct bus_range {
	uint64_t base, len;
	const char *name;
	bus_io_fn io;
	void *dev;
};

#define BUS_MAX_RANGES 32
#define BUS_MAX_LOGGED 64

struct bus {
	const char *kind;		/* "port" or "MMIO" */
	struct bus_range ranges[BUS_MAX_RANGES];
	int nr;
	uint64_t logged[BUS_MAX_LOGGED];	/* unclaimed addresses reported */
	int nr_logged;
};

struct vm;

void bus_register(struct bus *bus, uint64_t base, uint64_t len,
		  const char *name, bus_io_fn io, void *dev);
/* Caller holds vm->lock. */
void bus_access(struct bus *bus, uint64_t addr, uint8_t *data,
		unsigned int size, bool write);

/* Convenience for device models: little-endian value of an access. */
static inline uint32_t bus_value(const uint8_t *data, unsigned int size)
{
	uint32_t v = 0;

	for (unsigned int i = 0; i < size && i < 4; i++)
		v |= (uint32_t)data[i] << (8 * i);
	return v;
}

static inline void bus_set_value(uint8_t *data, unsigned int size, uint32_t v)
{
	for (unsigned int i = 0; i < size; i++)
		data[i] = i < 4 ? v >> (8 * i) : 0;
}

#endif
