#!/bin/sh
# SMP Linux: 4 vCPUs with the in-kernel irqchip, started by the guest's
# INIT/SIPI from vmrun's ACPI tables; all come up, and the guest powers off
# (vmrun_lib.sh: linux_boot).  LINUX_CPUS changes the number.
. ./vmrun_lib.sh
need_linux
for d in $devices; do
	linux_boot $d "${LINUX_CPUS:-4}"
done
finish
