/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest images.  image_load() recognises the image by its content (ELF
 * header, or the "HdrS" setup header of a Linux bzImage), or takes --format,
 * and hands it to its loader, which copies it into guest memory and fills in
 * vm->boot.  Guest memory vmrun itself uses:
 *   0x1000-0x7fff   GDT and identity page tables (cpu_setup.c)
 *   0x8000-0x8fff   Linux zero page (boot_params) or PVH hvm_start_info
 *   0x20000-0x2ffff kernel command line
 *   0xe0000-0xeffff ACPI tables (acpi.c), for a Linux bzImage with the
 *                   in-kernel irqchip; 0xe0000-0xfffff is reserved in e820
 */
#ifndef VMRUN_LOADER_H
#define VMRUN_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vm.h"

#define ZERO_PAGE_ADDR	0x8000
#define CMDLINE_ADDR	0x20000
#define CMDLINE_MAX	0x10000
#define ACPI_RSDP_ADDR	0xe0000

enum image_format { FORMAT_AUTO, FORMAT_FLAT, FORMAT_ELF, FORMAT_BZIMAGE };

struct load_opts {
	enum image_format format;
	uint64_t load, entry;
	bool has_load, has_entry, has_mode;
	enum cpu_mode mode;
	const char *initrd;
	const char *append;
	const char *mem_arg;	/* --mem as given, for messages */
};

struct image {
	const char *path;
	const uint8_t *data;
	size_t size;
};

void image_load(struct vm *vm, const char *path, const struct load_opts *o);

/* The loaders (load_*.c). */
bool elf_detect(const struct image *img);
bool bzimage_detect(const struct image *img);
void load_flat(struct vm *vm, const struct image *img,
	       const struct load_opts *o);
void load_elf(struct vm *vm, const struct image *img,
	      const struct load_opts *o);
void load_bzimage(struct vm *vm, const struct image *img,
		  const struct load_opts *o);

/* Guest memory for [gpa, gpa + size) of `what`; dies with a clear message if
 * it does not fit in --mem or, unless `low_ok`, if it would overlap what
 * vmrun puts at 0x1000-0x8fff. */
void *loader_place(struct vm *vm, const struct load_opts *o, uint64_t gpa,
		   uint64_t size, const char *what, bool low_ok);
/* The command line at CMDLINE_ADDR; returns its address (0 if none). */
uint64_t loader_cmdline(struct vm *vm, const struct load_opts *o,
			uint64_t max_len);
/* The initrd as high as possible below `limit` and above `floor`, 4 KiB
 * aligned; sets *addr and *size (0 and 0 without --initrd). */
void loader_initrd(struct vm *vm, const struct load_opts *o, uint64_t floor,
		   uint64_t limit, uint64_t *addr, uint64_t *size);
/* The guest's memory map (what the e820 BIOS call would report). */
struct e820_range {
	uint64_t addr, size;
	uint32_t type;
};
#define E820_RAM	1
#define E820_RESERVED	2
int loader_memory_map(struct vm *vm, struct e820_range *map);

#endif
