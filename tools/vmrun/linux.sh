#!/bin/sh
# Boot the Linux guest: the test machine's own kernel with a busybox
# initramfs.  Arguments go to the guest's command line (vmrun.run=CMD runs
# CMD and exits; without it you get a shell).  DEVICE picks the hypervisor,
# CPUS the number of vCPUs (default 2), IRQCHIP where the interrupt
# controllers are (kernel, the default, or user: then one vCPU).
#
#   ./linux.sh                           a shell on /dev/ember, 2 vCPUs
#   DEVICE=/dev/kvm CPUS=4 ./linux.sh vmrun.run=cat,/proc/cpuinfo
#   IRQCHIP=user ./linux.sh              the 8259As and 8254 in vmrun
#
# Why the command line is what it is:
#   console=ttyS0      COM1 is vmrun's 16550A on stdin/stdout
#   pci=off            nothing on the PCI bus: skip the config-space probe
#   tsc=reliable       no HPET or ACPI PM timer to check the TSC against,
#                      and the clocksource watchdog would only see jiffies
#   i8042.noaux        there is no mouse behind vmrun's keyboard controller
#   io_delay=none      no port 0x80 write after each PIT/PIC access: each
#                      would be one more exit to userspace
#   panic=-1           on a panic, reboot at once: vmrun stops
#   quiet              the boot log costs a VM exit per character
#   cryptomgr.notests, initcall_blacklist=...
#                      the crypto self-tests and three initcalls that take
#                      much of the boot in an emulated machine (measured in
#                      the test machine: see /work/shared/TESTVM.md)
# and with IRQCHIP=user only (vmrun has no ACPI tables, IOAPIC or local
# APIC then: interrupts come from the 8259A pair, the tick from the 8254):
#   noapic nolapic     CPUID already hides the local APIC; these make sure
#                      Linux neither looks for an IOAPIC nor enables one
#   acpi=off           there are no ACPI tables: skip the search
# With the in-kernel irqchip (the default) Linux finds the vCPUs, the IOAPIC
# and how to power off in vmrun's ACPI tables; `poweroff -f` ends vmrun.
HERE=$(cd "$(dirname "$0")" && pwd)
DEVICE=${DEVICE:-/dev/ember}
MEM=${MEM:-256M}
IRQCHIP=${IRQCHIP:-kernel}
CPUS=${CPUS:-2}
APPEND="console=ttyS0 pci=off tsc=reliable i8042.noaux io_delay=none panic=-1 quiet"
APPEND="$APPEND cryptomgr.notests initcall_blacklist=nvme_core_init,acpi_thermal_init,crypto_kdf108_init"
if [ "$IRQCHIP" = user ]; then
	CPUS=1
	APPEND="$APPEND noapic nolapic acpi=off"
fi
exec "$HERE/vmrun" --device "$DEVICE" --mem "$MEM" --irqchip "$IRQCHIP" \
	--cpus "$CPUS" --initrd "$HERE/initrd.gz" --append "$APPEND $*" \
	"$HERE/vmlinuz"
