#!/bin/sh
# The CMOS RTC shows today's date (UTC) in BCD.
. ./vmrun_lib.sh
for d in $devices; do
	today=$(date -u +%Y-%m-%d)
	run $d 0 "$GUESTS/rtc.elf"
	expect "^rtc: $today [0-9][0-9]:[0-9][0-9]:[0-9][0-9] UTC"
done
finish
