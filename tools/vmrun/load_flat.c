// SPDX-License-Identifier: GPL-2.0
/*
 * A flat binary: the file as it is at --load (default 0x100000, or 0x7c00
 * in real mode), entered at --entry (default: the load address) in the
 * --mode given (default 64-bit).  Each vCPU starts there with its index in
 * RDI and the number of vCPUs in RSI.
 */
#include <inttypes.h>
#include <string.h>

#include "loader.h"
#include "util.h"

void load_flat(struct vm *vm, const struct image *img,
	       const struct load_opts *o)
{
	enum cpu_mode mode = o->has_mode ? o->mode : MODE_64;
	uint64_t load = o->has_load ? o->load :
			(mode == MODE_REAL ? 0x7c00 : 0x100000);
	uint64_t entry = o->has_entry ? o->entry : load;
	void *dst = loader_place(vm, o, load, img->size, img->path,
				 mode == MODE_REAL);

	if (mode == MODE_REAL && entry >= 0x100000)
		usage_error("--entry %#" PRIx64 ": a real-mode entry point must be below 1 MiB",
			    entry);
	if (mode != MODE_64 && entry > 0xffffffff)
		usage_error("--entry %#" PRIx64 ": above 4 GiB in a 32-bit mode",
			    entry);
	memcpy(dst, img->data, img->size);
	vm->boot = (struct boot){
		.mode = mode, .entry = entry, .pass_index = true, .smp = true,
	};
	verbose("%s: flat binary, %zu bytes at %#" PRIx64 ", entry %#" PRIx64,
		img->path, img->size, load, entry);
}
