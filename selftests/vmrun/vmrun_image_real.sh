#!/bin/sh
# A flat binary entered in real mode at 0x7c00 (exits with status 42).
. ./vmrun_lib.sh
for d in $devices; do
	run $d 42 --mode real --load 0x7c00 "$GUESTS/real.bin"
	expect '^real mode: hello from 16-bit code'
done
finish
