#!/bin/sh
# Ports and MMIO nobody claims read all-ones; --verbose logs each port once.
. ./vmrun_lib.sh
for d in $devices; do
	run $d 0 --verbose "$GUESTS/unclaimed.elf"
	expect '^unclaimed: all-ones, writes ignored'
	expect_count 1 'unclaimed port 0x2f8:'
	expect_count 1 'unclaimed port 0x1234:'
	expect_count 1 'unclaimed MMIO 0xfeb00000:'
done
finish
