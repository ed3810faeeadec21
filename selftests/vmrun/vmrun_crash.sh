#!/bin/sh
# A triple fault ends the run with the exit reason, the registers and
# status 1.
. ./vmrun_lib.sh
for d in $devices; do
	run $d 1 --load 0x100000 "$GUESTS/triple_fault.bin"
	expect '^vmrun: vCPU 0: triple fault'
	expect '^  rip [0-9a-f]{16} rflags'
	expect 'rax 0000000000001234'
	expect '^  cr0 '
done
finish
