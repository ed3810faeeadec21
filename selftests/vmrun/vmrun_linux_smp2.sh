#!/bin/sh
# SMP Linux with 2 vCPUs (vmrun_linux_smp has 4): run by make check only
# when T names it (tests.extra.list), to keep the default run short.
. ./vmrun_lib.sh
need_linux
for d in $devices; do
	linux_boot $d 2
done
finish
