#!/bin/sh
# A write of N to the debug-exit port ends vmrun with status N.
. ./vmrun_lib.sh
for d in $devices; do
	run $d 42 --load 0x100000 "$GUESTS/exit42.bin"
done
finish
