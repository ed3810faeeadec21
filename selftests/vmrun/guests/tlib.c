// SPDX-License-Identifier: GPL-2.0
#include "tlib.h"

struct idt_gate {
	uint16_t off0, sel;
	uint8_t ist, type;
	uint16_t off1;
	uint32_t off2, zero;
};

static struct idt_gate idt[48];
static void (*handlers[16])(void);

void idt_init(void)
{
	extern char isr_stubs[];
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr;
	uint16_t cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	for (int i = 0; i < 48; i++) {
		uint64_t a = (uint64_t)(isr_stubs + 16 * i);

		idt[i] = (struct idt_gate){ a, cs, 0, 0x8e, a >> 16, a >> 32, 0 };
	}
	idtr.limit = sizeof(idt) - 1;
	idtr.base = (uint64_t)idt;
	__asm__ volatile("lidt %0" : : "m"(idtr));
}

void pic_init(uint16_t unmask)
{
	outb(0x20, 0x11);	/* ICW1: edge, cascade, ICW4 */
	outb(0xa0, 0x11);
	outb(0x21, 0x20);	/* ICW2: vectors */
	outb(0xa1, 0x28);
	outb(0x21, 0x04);	/* ICW3: slave on IR2 */
	outb(0xa1, 0x02);
	outb(0x21, 0x01);	/* ICW4: 8086 mode */
	outb(0xa1, 0x01);
	outb(0x21, ~(unmask | 0x04) & 0xff);
	outb(0xa1, ~(unmask >> 8) & 0xff);
}

void irq_handler(int irq, void (*fn)(void))
{
	handlers[irq] = fn;
}

void isr_dispatch(struct frame *f)
{
	int irq = f->vec - 32;

	if (f->vec < 32) {
		print("FAIL: exception %u at rip %lx, error code %lx\n",
		      (unsigned int)f->vec, f->rip, f->err);
		debug_exit(0xee);
	}
	if (handlers[irq])
		handlers[irq]();
	if (irq >= 8)
		outb(0xa0, 0x20);
	outb(0x20, 0x20);
}
