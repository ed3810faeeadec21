#!/bin/sh
# --cpus N: every vCPU starts at the entry point with its index in RDI/EDI,
# with the in-kernel irqchip (vmrun makes the APs runnable: they would
# otherwise wait for INIT/SIPI) and with --irqchip=user.
. ./vmrun_lib.sh
for d in $devices; do
	for irqchip in kernel user; do
		run $d 0 --irqchip $irqchip --cpus 4 "$GUESTS/hello64.elf"
		for i in 0 1 2 3; do expect "^hello: 64-bit, vCPU $i of 4"; done
		expect '^hello: all 4 vCPUs'
		run $d 0 --irqchip $irqchip --cpus 2 "$GUESTS/hello32.elf"
		expect '^hello: 32-bit, vCPU 1 of 2'
		run $d 0 --irqchip $irqchip --cpus 3 --load 0x100000 "$GUESTS/hello64.bin"
		expect '^hello: all 3 vCPUs'
	done
done
finish
