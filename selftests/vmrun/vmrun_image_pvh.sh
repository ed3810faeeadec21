#!/bin/sh
# An ELF with a PVH entry note: hvm_start_info, command line, initrd module.
. ./vmrun_lib.sh
echo "initrd contents" > /tmp/vmrun-initrd
for d in $devices; do
	run $d 0 --append "pvh test cmdline" --initrd /tmp/vmrun-initrd "$GUESTS/pvh.elf"
	expect 'pvh: start info version 1, cmdline "pvh test cmdline", 4 memory map entries'
	expect 'pvh: module 0: 16 bytes: initrd contents'
done
finish
