#!/bin/sh
# The Linux guest (this machine's kernel, busybox initramfs) on one vCPU:
# with --irqchip=user (vmrun's 8259As and 8254, no APICs, no ACPI) it boots
# to init, runs a command and leaves through the debug-exit port with its
# status; with the in-kernel irqchip (the default) it boots from vmrun's
# ACPI tables, uses the IOAPIC and powers off (vmrun_lib.sh: linux_boot).
. ./vmrun_lib.sh
need_linux
kver=$(uname -r)
for d in $devices; do
	t0=$(cut -d' ' -f1 /proc/uptime)
	run $d 3 --irqchip user --mem 256M --initrd "$VMRUN_DIR/initrd.gz" \
		--append "$LINUX_APPEND noapic nolapic acpi=off vmrun.run=uname,-r;exit,3" \
		"$VMRUN_DIR/vmlinuz"
	t1=$(cut -d' ' -f1 /proc/uptime)
	echo "# $d: Linux with 1 vCPU (--irqchip=user): boot and command took $(echo "$t0 $t1" | awk '{ printf "%.0f", $2 - $1 }') s"
	expect '^vmrun-initramfs: init reached'
	expect "^$kver"
	expect '^vmrun-initramfs: exit status 3'
	linux_boot $d 1
done
finish
