#!/bin/sh
# The Linux guest (this machine's kernel, busybox initramfs) boots to init,
# runs a command and leaves through the debug-exit port with its status.
. ./vmrun_lib.sh
RUN_TIMEOUT=${LINUX_TIMEOUT:-600}
if [ ! -f "$VMRUN_DIR/vmlinuz" ] || [ ! -f "$VMRUN_DIR/initrd.gz" ]; then
	echo "no vmlinuz or initrd.gz in $VMRUN_DIR"
	exit 4
fi
kver=$(uname -r)
for d in $devices; do
	t0=$(cut -d' ' -f1 /proc/uptime)
	run $d 3 --mem 256M --initrd "$VMRUN_DIR/initrd.gz" \
		--append "console=ttyS0 noapic nolapic acpi=off pci=off tsc=reliable i8042.noaux io_delay=none panic=-1 quiet vmrun.run=uname,-r;exit,3" \
		"$VMRUN_DIR/vmlinuz"
	t1=$(cut -d' ' -f1 /proc/uptime)
	echo "$d: Linux boot + command took $t0 -> $t1 s of uptime"
	expect '^vmrun-initramfs: init reached'
	expect "^$kver"
	expect '^vmrun-initramfs: exit status 3'
done
finish
