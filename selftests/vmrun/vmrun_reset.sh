#!/bin/sh
# The keyboard controller's reset line and port 0xCF9 stop vmrun (status 0);
# so does a guest whose every vCPU halts with interrupts off.
. ./vmrun_lib.sh
for d in $devices; do
	run $d 0 --verbose "$GUESTS/kbd_reset.bin" --load 0x100000
	expect 'reset the machine \(keyboard controller reset line\)'
	run $d 0 --verbose --load 0x100000 "$GUESTS/cf9_reset.bin"
	expect 'reset the machine \(port 0xCF9\)'
	run $d 0 --verbose --load 0x100000 "$GUESTS/halt.bin"
	expect 'all vCPUs halted with interrupts disabled'
done
finish
