#!/bin/sh
# The in-kernel 8254 on IOAPIC pin 0, as vmrun's ACPI tables say, and still
# after the 8259A dance of Linux's check_timer() (guests/pit_ioapic.c).
. ./vmrun_lib.sh
for d in $devices; do
	run $d 0 "$GUESTS/pit_ioapic.elf"
	expect '^pit_ioapic: 10 ticks on IOAPIC pin 0$'
	expect "^pit_ioapic: 10 ticks on IOAPIC pin 0 after check_timer's sequence"
done
finish
