// SPDX-License-Identifier: GPL-2.0
/*
 * A 16550A UART as COM1 (0x3F8-0x3FF, IRQ 4), after the National
 * Semiconductor PC16550D datasheet.  Transmitted bytes go to stdout at once
 * (the transmitter is always empty); bytes read from stdin wait in the
 * receive buffer.  Interrupts: received data available, transmitter holding
 * register empty, line status, modem status, with the IIR priorities of the
 * datasheet.  Loopback (MCR bit 4) works as Linux's 8250 probe expects.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../bus.h"
#include "../evloop.h"
#include "../util.h"
#include "../vm.h"
#include "devices.h"

#define COM1_BASE	0x3f8
#define COM1_IRQ	4

#define UART_IER_RDI	0x01
#define UART_IER_THRI	0x02
#define UART_IER_RLSI	0x04
#define UART_IER_MSI	0x08

#define UART_IIR_NONE	0x01
#define UART_IIR_MSI	0x00
#define UART_IIR_THRI	0x02
#define UART_IIR_RDI	0x04
#define UART_IIR_RLSI	0x06
#define UART_IIR_FIFO	0xc0

#define UART_FCR_FE	0x01
#define UART_FCR_RFR	0x02	/* clear the receive FIFO */

#define UART_LCR_DLAB	0x80

#define UART_MCR_LOOP	0x10

#define UART_LSR_DR	0x01
#define UART_LSR_OE	0x02
#define UART_LSR_BI	0x10
#define UART_LSR_THRE	0x20
#define UART_LSR_TEMT	0x40

#define UART_MSR_DCD	0x80
#define UART_MSR_DSR	0x20
#define UART_MSR_CTS	0x10
#define UART_MSR_DELTA	0x0f

/* Bytes from stdin wait "on the wire" in a buffer larger than the chip's
 * 16-byte FIFO, so that a pasted line is not lost; stdin is not read while
 * it is full.  They enter the FIFO as the guest makes room, and not in
 * loopback mode, where the receiver is cut off from the wire. */
#define RX_BUF		4096
#define FIFO		16

struct uart {
	struct vm *vm;
	struct ev_handler *stdin_ev;
	bool stdin_open;
	uint8_t rx[RX_BUF];		/* the wire */
	unsigned int rx_head, rx_count;
	uint8_t fifo[FIFO];		/* the receive FIFO */
	unsigned int fifo_head, fifo_count;
	uint8_t ier, iir, fcr, lcr, mcr, lsr, msr, scr;
	uint8_t dll, dlm;
	bool thr_ipending;	/* THRE interrupt pending (cleared by IIR read) */
};

static void update_irq(struct uart *u)
{
	uint8_t iir = UART_IIR_NONE;

	if ((u->ier & UART_IER_RLSI) && (u->lsr & (UART_LSR_OE | UART_LSR_BI)))
		iir = UART_IIR_RLSI;
	else if ((u->ier & UART_IER_RDI) && (u->lsr & UART_LSR_DR))
		iir = UART_IIR_RDI;
	else if ((u->ier & UART_IER_THRI) && u->thr_ipending)
		iir = UART_IIR_THRI;
	else if ((u->ier & UART_IER_MSI) && (u->msr & UART_MSR_DELTA))
		iir = UART_IIR_MSI;
	u->iir = iir | (u->fcr & UART_FCR_FE ? UART_IIR_FIFO : 0);
	/* OUT2 gates the interrupt line on a PC; Linux sets it. */
	irq_set(u->vm, COM1_IRQ, iir != UART_IIR_NONE && (u->mcr & 0x08) &&
				 !(u->mcr & UART_MCR_LOOP));
}

static void fifo_push(struct uart *u, uint8_t c)
{
	if (u->fifo_count == FIFO) {
		u->lsr |= UART_LSR_OE;
		return;
	}
	u->fifo[(u->fifo_head + u->fifo_count++) % FIFO] = c;
	u->lsr |= UART_LSR_DR;
}

/* Move bytes from the wire into the FIFO. */
static void receive(struct uart *u)
{
	bool was_full = u->rx_count == RX_BUF;

	while (!(u->mcr & UART_MCR_LOOP) && u->rx_count &&
	       u->fifo_count < FIFO) {
		fifo_push(u, u->rx[u->rx_head]);
		u->rx_head = (u->rx_head + 1) % RX_BUF;
		u->rx_count--;
	}
	/* Room on the wire again: read stdin once more. */
	if (was_full && u->rx_count < RX_BUF && u->stdin_open)
		ev_enable(u->vm, u->stdin_ev, true);
}

static void wire_push(struct uart *u, uint8_t c)
{
	if (u->rx_count < RX_BUF)
		u->rx[(u->rx_head + u->rx_count++) % RX_BUF] = c;
}

static uint8_t rx_pop(struct uart *u)
{
	uint8_t c = 0;

	if (u->fifo_count) {
		c = u->fifo[u->fifo_head];
		u->fifo_head = (u->fifo_head + 1) % FIFO;
		u->fifo_count--;
	}
	if (!u->fifo_count)
		u->lsr &= ~UART_LSR_DR;
	receive(u);
	return c;
}

static void transmit(struct uart *u, uint8_t c)
{
	if (u->mcr & UART_MCR_LOOP) {
		fifo_push(u, c);
	} else {
		ssize_t n;

		do {
			n = write(STDOUT_FILENO, &c, 1);
		} while (n < 0 && errno == EINTR);
	}
	u->lsr |= UART_LSR_THRE | UART_LSR_TEMT;
	u->thr_ipending = true;
}

/* In loopback, the modem control outputs come back as the status inputs:
 * RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD. */
static uint8_t modem_status(struct uart *u)
{
	uint8_t m = u->mcr;

	if (u->mcr & UART_MCR_LOOP)
		return (m & 0x02) << 3 | (m & 0x01) << 5 | (m & 0x04) << 4 |
		       (m & 0x08) << 4;
	return u->msr;
}

static void uart_write(struct uart *u, unsigned int reg, uint8_t val)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (reg) {
	case 0:
		if (dlab) {
			u->dll = val;
			return;
		}
		transmit(u, val);
		break;
	case 1:
		if (dlab) {
			u->dlm = val;
			return;
		}
		/* Enabling THRI with the holding register empty raises it. */
		if ((val & UART_IER_THRI) && !(u->ier & UART_IER_THRI) &&
		    (u->lsr & UART_LSR_THRE))
			u->thr_ipending = true;
		u->ier = val & 0x0f;
		break;
	case 2:
		if (val & UART_FCR_RFR) {
			u->fifo_count = 0;
			u->lsr &= ~UART_LSR_DR;
			receive(u);
		}
		u->fcr = val & 0xc9;
		break;
	case 3:
		u->lcr = val;
		return;
	case 4:
		u->mcr = val & 0x1f;
		receive(u);
		break;
	case 7:
		u->scr = val;
		return;
	default:	/* LSR and MSR are read-only */
		return;
	}
	update_irq(u);
}

static uint8_t uart_read(struct uart *u, unsigned int reg)
{
	bool dlab = u->lcr & UART_LCR_DLAB;
	uint8_t v;

	switch (reg) {
	case 0:
		if (dlab)
			return u->dll;
		v = rx_pop(u);
		update_irq(u);
		return v;
	case 1:
		return dlab ? u->dlm : u->ier;
	case 2:
		v = u->iir;
		if ((v & 0x0f) == UART_IIR_THRI) {
			u->thr_ipending = false;
			update_irq(u);
		}
		return v;
	case 3:
		return u->lcr;
	case 4:
		return u->mcr;
	case 5:
		v = u->lsr;
		u->lsr &= ~(UART_LSR_OE | UART_LSR_BI);
		update_irq(u);
		return v;
	case 6:
		v = modem_status(u);
		u->msr &= ~UART_MSR_DELTA;
		return v;
	default:
		return u->scr;
	}
}

static void uart_io(void *dev, uint64_t off, uint8_t *data, unsigned int size,
		    bool write)
{
	struct uart *u = dev;

	for (unsigned int i = 0; i < size && off + i < 8; i++) {
		if (write)
			uart_write(u, off + i, data[i]);
		else
			data[i] = uart_read(u, off + i);
	}
}

static void on_stdin(void *opaque, int fd)
{
	struct uart *u = opaque;
	uint8_t buf[256];
	ssize_t n;

	vm_lock(u->vm);
	n = read(fd, buf, RX_BUF - u->rx_count < sizeof(buf) ?
			  RX_BUF - u->rx_count : sizeof(buf));
	if (n <= 0 && !(n < 0 && (errno == EINTR || errno == EAGAIN))) {
		/* End of input: the guest simply gets no more. */
		u->stdin_open = false;
		ev_enable(u->vm, u->stdin_ev, false);
	}
	for (ssize_t i = 0; i < n; i++)
		wire_push(u, buf[i]);
	if (u->rx_count == RX_BUF)
		ev_enable(u->vm, u->stdin_ev, false);
	receive(u);
	update_irq(u);
	vm_unlock(u->vm);
}

void uart_init(struct vm *vm)
{
	struct uart *u = calloc(1, sizeof(*u));

	if (!u)
		die("out of memory");
	u->vm = vm;
	u->iir = UART_IIR_NONE;
	u->lsr = UART_LSR_THRE | UART_LSR_TEMT;
	/* A terminal is attached: carrier, data set ready, clear to send. */
	u->msr = UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
	u->dll = 12;	/* 9600 baud */
	u->stdin_ev = ev_add(vm, STDIN_FILENO, on_stdin, u);
	u->stdin_open = u->stdin_ev;
	if (!u->stdin_open) {
		/* A file (or /dev/null) cannot be polled: it is all there
		 * already, so it goes into the buffer now. */
		uint8_t c;

		while (u->rx_count < RX_BUF && read(STDIN_FILENO, &c, 1) == 1)
			wire_push(u, c);
		receive(u);
	}
	bus_register(&vm->pio, COM1_BASE, 8, "COM1 16550A", uart_io, u);
}
