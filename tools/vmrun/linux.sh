#!/bin/sh
# Boot the Linux guest: the test machine's own kernel with a busybox
# initramfs.  Arguments go to the guest's command line (vmrun.run=CMD runs
# CMD and exits; without it you get a shell).  DEVICE picks the hypervisor.
#
#   ./linux.sh                           a shell on /dev/ember
#   DEVICE=/dev/kvm ./linux.sh vmrun.run=uname,-a
#
# Why the command line is what it is (vmrun has no ACPI, no IOAPIC and no
# local APIC; interrupts come from the 8259A pair, the tick from the 8254):
#   console=ttyS0      COM1 is vmrun's 16550A on stdin/stdout
#   noapic nolapic     CPUID already hides the local APIC; these make sure
#                      Linux neither looks for an IOAPIC nor enables one
#   acpi=off           there are no ACPI tables: skip the search
#   pci=off            nothing on the PCI bus: skip the config-space probe
#   tsc=reliable       no HPET or ACPI PM timer to check the TSC against,
#                      and the clocksource watchdog would only see jiffies
#   i8042.noaux        there is no mouse behind vmrun's keyboard controller
#   io_delay=none      no port 0x80 write after each PIT/PIC access: each
#                      would be one more exit to userspace
#   panic=-1           on a panic, reboot at once: vmrun stops
#   quiet              the boot log costs a VM exit per character
HERE=$(cd "$(dirname "$0")" && pwd)
DEVICE=${DEVICE:-/dev/ember}
MEM=${MEM:-256M}
exec "$HERE/vmrun" --device "$DEVICE" --mem "$MEM" --initrd "$HERE/initrd.gz" \
	--append "console=ttyS0 noapic nolapic acpi=off pci=off tsc=reliable i8042.noaux io_delay=none panic=-1 quiet $*" \
	"$HERE/vmlinuz"
