#!/bin/sh
# ELF executables, 64-bit (entered in 64-bit mode) and 32-bit (protected mode).
. ./vmrun_lib.sh
for d in $devices; do
	run $d 0 "$GUESTS/hello64.elf"
	expect '^hello: 64-bit, vCPU 0 of 1'
	run $d 0 "$GUESTS/hello32.elf"
	expect '^hello: 32-bit, vCPU 0 of 1'
done
finish
