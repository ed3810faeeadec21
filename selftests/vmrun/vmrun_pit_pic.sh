#!/bin/sh
# The 8254 on IRQ 0 through the 8259As (timed against the RTC), and
# channel 2 through port 0x61: the hypervisor's (the default in-kernel
# irqchip and PIT, the PIC's output on vCPU 0's LINT0) and vmrun's own
# (--irqchip=user).
. ./vmrun_lib.sh
for d in $devices; do
	for irqchip in kernel user; do
		run $d 0 --irqchip $irqchip "$GUESTS/pit.elf"
		expect '^pit: 100 ticks at 100 Hz took [0-4] s'
		expect '^pit: channel 2 counted .* and reached 0'
	done
done
finish
