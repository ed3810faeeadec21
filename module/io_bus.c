// SPDX-License-Identifier: GPL-2.0
/* STUB: replaced by the I/O bus implementation. */
#include "ember.h"
#include "io_bus.h"

int ember_io_bus_register(struct ember_vm *vm, enum ember_bus bus, u64 addr,
			  int len, struct ember_io_device *dev)
{
	return -ENOSPC;
}

void ember_io_bus_unregister(struct ember_vm *vm, enum ember_bus bus,
			     struct ember_io_device *dev)
{
}

int ember_io_bus_write(struct ember_vcpu *vcpu, enum ember_bus bus, u64 addr,
		       int len, const void *val)
{
	return -EOPNOTSUPP;
}

int ember_io_bus_read(struct ember_vcpu *vcpu, enum ember_bus bus, u64 addr,
		      int len, void *val)
{
	return -EOPNOTSUPP;
}

void ember_io_bus_destroy(struct ember_vm *vm)
{
}
