#!/bin/sh
# The 16550A: registers, loopback, THRE and receive interrupts (a line
# typed on vmrun's stdin a second after the guest started).
. ./vmrun_lib.sh
for d in $devices; do
	rm -f /tmp/vmrun-fifo
	mkfifo /tmp/vmrun-fifo
	(sleep 1; echo "hello uart") >/tmp/vmrun-fifo &
	stdin=/tmp/vmrun-fifo run $d 0 "$GUESTS/uart.elf"
	wait
	expect '^uart: registers and loopback ok'
	expect '^uart: THRE interrupt ok'
	expect '^uart: received "hello uart" in [1-9]'
done
finish
