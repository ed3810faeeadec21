#!/bin/sh
# Flat binaries at --load, entered in 64-bit and 32-bit mode.
. ./vmrun_lib.sh
for d in $devices; do
	run $d 0 --load 0x100000 "$GUESTS/hello64.bin"
	expect '^hello: 64-bit, vCPU 0 of 1'
	run $d 0 --format flat --mode 32 "$GUESTS/hello32.bin"
	expect '^hello: 32-bit, vCPU 0 of 1'
done
finish
