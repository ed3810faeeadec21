#!/bin/sh
# The 16550A: registers, loopback, THRE and receive interrupts (a line
# typed on vmrun's stdin a second after the guest started), its IRQ 4
# raised with KVM_IRQ_LINE on the in-kernel 8259A (the default) and on
# vmrun's own (--irqchip=user).
. ./vmrun_lib.sh
for d in $devices; do
	for irqchip in kernel user; do
		rm -f /tmp/vmrun-fifo
		mkfifo /tmp/vmrun-fifo
		(sleep 1; echo "hello uart") >/tmp/vmrun-fifo &
		stdin=/tmp/vmrun-fifo run $d 0 --irqchip $irqchip "$GUESTS/uart.elf"
		wait
		expect '^uart: registers and loopback ok'
		expect '^uart: THRE interrupt ok'
		expect '^uart: received "hello uart" in [1-9]'
	done
done
finish
