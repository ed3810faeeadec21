#!/bin/sh
# User errors: one line on stderr and a non-zero status, on every device.
. ./vmrun_lib.sh
G=$GUESTS
for d in $devices; do
	run $d 1 "$G/hello64.elf" --device /dev/vmrun-no-such-device
	one_line_error '/dev/vmrun-no-such-device: no such device'
	run $d 1 --mem 2M --load 0x1ff800 "$G/hello64.bin"
	one_line_error 'image too large for --mem 2M'
	run $d 2 "$G/not-an-image"
	one_line_error 'unknown image format'
	run $d 2 "$G/old-bzimage"
	one_line_error 'bzImage too old: boot protocol 2.04'
	run $d 2 --mem 12Q "$G/hello64.elf"
	one_line_error "^vmrun: --mem '12Q'"
	run $d 2 --cpus 0 "$G/hello64.elf"
	one_line_error "^vmrun: --cpus '0'"
	run $d 2 --mode 17 "$G/hello64.elf"
	one_line_error "^vmrun: --mode '17'"
	run $d 2 --format exe "$G/hello64.elf"
	one_line_error "^vmrun: --format 'exe'"
	run $d 2 --load 0x10zz "$G/hello64.bin"
	one_line_error "^vmrun: --load '0x10zz'"
	if [ -f "$VMRUN_DIR/vmlinuz" ]; then
		run $d 2 --irqchip user --cpus 2 "$VMRUN_DIR/vmlinuz"
		one_line_error 'with --irqchip=user a Linux bzImage boots on one vCPU'
	fi
	run $d 2 --irqchip pic "$G/hello64.elf"
	one_line_error "^vmrun: --irqchip 'pic': want kernel or user"
	run $d 2 --cpus 65 "$G/hello64.elf"
	one_line_error "^vmrun: --cpus '65': want 1 to 64"

	run $d 1 "$G/no-such-file"
	one_line_error 'no-such-file: No such file'
done
# Not device-specific.
out=$("$VMRUN" --help 2>&1); rc=$?
[ $rc = 0 ] && ok "--help: status 0" || not_ok "--help: status $rc"
for o in device mem cpus irqchip format load entry mode initrd append verbose probe help; do
	expect "^  --$o"
done
for dflt in '/dev/ember' '128M' 'default 1' 'default kernel' 'default auto' '0x100000' 'default empty' 'default none'; do
	expect "$dflt"
done
if [ ! -e /dev/ember ]; then
	out=$("$VMRUN" "$G/hello64.elf" 2>&1)
	expect 'ember is not loaded \(load it with .insmod ember.ko.'
fi
finish nodevice
