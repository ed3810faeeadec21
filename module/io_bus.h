/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel I/O bus: address ranges on which in-kernel device models
 * (IOAPIC, PIC, PIT) and ioeventfds sit.  Every port I/O and MMIO exit asks
 * the bus before it goes to userspace.
 */
#ifndef EMBER_IO_BUS_H
#define EMBER_IO_BUS_H

#include <linux/types.h>

struct ember_vm;
struct ember_vcpu;
struct ember_io_device;

enum ember_bus {
	EMBER_PIO_BUS,
	EMBER_MMIO_BUS,
	/*
	 * What KVM_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY registers on: s390's
	 * bus, which x86 never reads; KVM accepts such ioeventfds on x86
	 * all the same, and so does ember.
	 */
	EMBER_VIRTIO_CCW_NOTIFY_BUS,
	EMBER_NR_BUSES,
};

/* As many devices as KVM allows on one bus (NR_IOBUS_DEVS). */
#define EMBER_IO_BUS_MAX_DEVS	1000

/*
 * A device's accessors return 0 when they handled the access, and
 * -EOPNOTSUPP when it is not theirs after all (an ioeventfd whose datamatch
 * differs): the bus then asks the next device on the range.  They run on
 * the vCPU's thread, inside srcu_read_lock(&vm->srcu), and may take
 * spinlocks but not sleep.  @vcpu is the vCPU whose exit it is.
 */
struct ember_io_device_ops {
	int (*read)(struct ember_vcpu *vcpu, struct ember_io_device *dev,
		    u64 addr, int len, void *val);
	int (*write)(struct ember_vcpu *vcpu, struct ember_io_device *dev,
		     u64 addr, int len, const void *val);
	/* Called once the device is off the bus and no reader can see it. */
	void (*destructor)(struct ember_io_device *dev);
};

struct ember_io_device {
	const struct ember_io_device_ops *ops;
};

/*
 * Put @dev on @bus at [@addr, @addr + @len).  Ranges may overlap (several
 * ioeventfds on one port); an access goes to the devices whose range holds
 * all of it.  Caller holds vm->slots_lock.  -ENOSPC past
 * EMBER_IO_BUS_MAX_DEVS, -ENOMEM.
 */
int ember_io_bus_register(struct ember_vm *vm, enum ember_bus bus, u64 addr,
			  int len, struct ember_io_device *dev);
/*
 * The same for an ioeventfd: not counted against EMBER_IO_BUS_MAX_DEVS,
 * as KVM does not count them (their number is bounded by the process's
 * fds).  A length of 0 takes any access that starts at @addr.
 */
int ember_io_bus_register_uncounted(struct ember_vm *vm, enum ember_bus bus,
				    u64 addr, int len,
				    struct ember_io_device *dev);
/*
 * Take every range of @dev off @bus and wait until no reader sees it (the
 * destructor is not called).  Caller holds vm->slots_lock.
 */
void ember_io_bus_unregister(struct ember_vm *vm, enum ember_bus bus,
			     struct ember_io_device *dev);
/*
 * An access by @vcpu: 0 if a device took it, -EOPNOTSUPP if none did (the
 * exit goes on to userspace).  Takes vm->srcu itself.
 */
int ember_io_bus_write(struct ember_vcpu *vcpu, enum ember_bus bus, u64 addr,
		       int len, const void *val);
int ember_io_bus_read(struct ember_vcpu *vcpu, enum ember_bus bus, u64 addr,
		      int len, void *val);
/* VM teardown: every device off every bus, destructors called. */
void ember_io_bus_destroy(struct ember_vm *vm);

#endif /* EMBER_IO_BUS_H */
