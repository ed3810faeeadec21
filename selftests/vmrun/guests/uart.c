// SPDX-License-Identifier: GPL-2.0
/*
 * The 16550A: scratch register, divisor latch, loopback (data and modem
 * lines), the THRE interrupt, then the receive interrupt: what arrives on
 * vmrun's stdin up to a newline is echoed back, and the test exits 0.
 */
#include "tlib.h"

#define RBR 0
#define IER 1
#define IIR 2
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define MSR 6
#define SCR 7

static volatile int thre_irqs, rx_irqs;
static char line[64];
static volatile int len;
static volatile int done;

/* What arrived from vmrun's stdin so far (LSR data ready). */
static void drain(void)
{
	while (inb(COM1 + LSR) & 1) {
		char c = inb(COM1 + RBR);

		if (c == '\n' || c == '\r')
			done = 1;
		else if (len < (int)sizeof(line) - 1)
			line[len++] = c;
	}
}

static void com1_irq(void)
{
	uint8_t iir = inb(COM1 + IIR);

	switch (iir & 0x0f) {
	case 0x02:
		thre_irqs++;
		break;
	case 0x04:
		rx_irqs++;
		drain();
		break;
	}
}

void guest_main(void)
{
	outb(COM1 + SCR, 0x5a);
	CHECK(inb(COM1 + SCR) == 0x5a, "scratch register");
	outb(COM1 + LCR, 0x80);
	outb(COM1 + 0, 0x01);
	outb(COM1 + 1, 0x00);
	CHECK(inb(COM1 + 0) == 1 && inb(COM1 + 1) == 0, "divisor latch");
	outb(COM1 + LCR, 0x03);
	CHECK(inb(COM1 + LSR) & 0x60, "transmitter empty");

	/* stdin may have arrived already; loopback then cuts it off. */
	drain();
	outb(COM1 + MCR, 0x1a);		/* loopback, RTS, OUT2 */
	CHECK((inb(COM1 + MSR) & 0xf0) == 0x90, "loopback modem lines %x",
	      inb(COM1 + MSR));
	outb(COM1, 'Q');
	CHECK(inb(COM1 + LSR) & 1, "loopback data ready");
	CHECK(inb(COM1 + RBR) == 'Q', "loopback data");
	CHECK(!(inb(COM1 + LSR) & 1), "receive buffer drained");
	outb(COM1 + MCR, 0x0b);		/* DTR, RTS, OUT2 */
	outb(COM1 + FCR, 0x07);
	CHECK((inb(COM1 + IIR) & 0xc0) == 0xc0, "FIFO bits in IIR");
	print("uart: registers and loopback ok\n");

	idt_init();
	irq_handler(4, com1_irq);
	pic_init(1 << 4);
	outb(COM1 + IER, 0x02);		/* THRE */
	sti();
	for (int i = 0; i < 1000000 && !thre_irqs; i++)
		pause();
	CHECK(thre_irqs, "no THRE interrupt");
	print("uart: THRE interrupt ok\n");

	outb(COM1 + IER, 0x01);		/* receive data */
	print("uart: waiting for a line on stdin\n");
	while (!done)
		sti_hlt();
	line[len] = 0;
	print("uart: received \"%s\" in %d interrupt(s)\n", line, rx_irqs);
	debug_exit(0);
}
