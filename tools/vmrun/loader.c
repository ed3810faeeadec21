// SPDX-License-Identifier: GPL-2.0
#include "loader.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define LOW_RESERVED_START	GDT_ADDR
#define LOW_RESERVED_END	(ZERO_PAGE_ADDR + 0x1000)

void *loader_place(struct vm *vm, const struct load_opts *o, uint64_t gpa,
		   uint64_t size, const char *what, bool low_ok)
{
	void *p = vm_gpa(vm, gpa, size);

	if (!p)
		die("%s: image too large for --mem %s: it needs memory up to %#" PRIx64 ", the guest has %#" PRIx64,
		    what, o->mem_arg, gpa + size, vm->mem_size);
	if (!low_ok && size && gpa < LOW_RESERVED_END &&
	    gpa + size > LOW_RESERVED_START)
		die("%s: loads at %#" PRIx64 "-%#" PRIx64 ", over vmrun's GDT, page tables and boot data at %#x-%#x; load it elsewhere",
		    what, gpa, gpa + size, LOW_RESERVED_START,
		    LOW_RESERVED_END);
	return p;
}

uint64_t loader_cmdline(struct vm *vm, const struct load_opts *o,
			uint64_t max_len)
{
	size_t len;

	if (!o->append)
		return 0;
	len = strlen(o->append);
	if (len >= max_len || len >= CMDLINE_MAX)
		usage_error("--append: command line of %zu bytes, the kernel takes at most %" PRIu64,
			    len, (max_len < CMDLINE_MAX ? max_len : CMDLINE_MAX) - 1);
	memcpy(vm_gpa(vm, CMDLINE_ADDR, len + 1), o->append, len + 1);
	return CMDLINE_ADDR;
}

void loader_initrd(struct vm *vm, const struct load_opts *o, uint64_t floor,
		   uint64_t limit, uint64_t *addr, uint64_t *size)
{
	size_t n;
	void *data;
	uint64_t top = vm->mem_size < limit ? vm->mem_size : limit;

	*addr = *size = 0;
	if (!o->initrd)
		return;
	data = read_file(o->initrd, &n);
	if (n > top || ((top - n) & ~0xfffULL) < floor)
		die("%s: initrd too large for --mem %s: %zu bytes do not fit between %#" PRIx64 " and %#" PRIx64,
		    o->initrd, o->mem_arg, n, floor, top);
	*addr = (top - n) & ~0xfffULL;
	*size = n;
	memcpy(vm_gpa(vm, *addr, n), data, n);
	free(data);
}

int loader_memory_map(struct vm *vm, struct e820_range *map)
{
	/* Low RAM up to the EBDA, the BIOS area (the ACPI tables' too), then
	 * RAM above 1 MiB. */
	map[0] = (struct e820_range){ 0, 0x9fc00, E820_RAM };
	map[1] = (struct e820_range){ 0x9fc00, 0x400, E820_RESERVED };
	map[2] = (struct e820_range){ 0xe0000, 0x20000, E820_RESERVED };
	map[3] = (struct e820_range){ 0x100000, vm->mem_size - 0x100000,
				      E820_RAM };
	return 4;
}

void image_load(struct vm *vm, const char *path, const struct load_opts *o)
{
	struct image img = { .path = path };
	enum image_format format = o->format;
	size_t size;

	img.data = read_file(path, &size);
	img.size = size;
	if (format == FORMAT_AUTO) {
		if (elf_detect(&img))
			format = FORMAT_ELF;
		else if (bzimage_detect(&img))
			format = FORMAT_BZIMAGE;
		else if (o->has_load)
			format = FORMAT_FLAT;
		else
			usage_error("%s: unknown image format (neither ELF nor a Linux bzImage); for a flat binary give --load ADDR or --format flat",
				    path);
	}
	switch (format) {
	case FORMAT_FLAT:
		load_flat(vm, &img, o);
		break;
	case FORMAT_ELF:
		if (!elf_detect(&img))
			usage_error("%s: --format elf, but this is not an ELF file",
				    path);
		load_elf(vm, &img, o);
		break;
	default:
		if (!bzimage_detect(&img))
			usage_error("%s: --format bzimage, but this is not a Linux kernel image (no HdrS setup header)",
				    path);
		load_bzimage(vm, &img, o);
		break;
	}
	if (format != FORMAT_BZIMAGE && o->initrd && !vm->boot.rbx)
		usage_error("--initrd: only for a Linux bzImage or a PVH ELF kernel");
	if (vm->boot.mode != MODE_REAL)
		cpu_setup_tables(vm);
	free((void *)img.data);
}
