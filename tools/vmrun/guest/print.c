// SPDX-License-Identifier: GPL-2.0
/* A printf to COM1 for freestanding guests, 32- or 64-bit. */
#include <stdarg.h>

#include "guest.h"

static void put_uint(unsigned long v, unsigned int base, int width, char pad)
{
	char buf[24];
	int n = 0;

	do {
		buf[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (width-- > n)
		serial_putc(pad);
	while (n)
		serial_putc(buf[--n]);
}

void print(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	for (; *fmt; fmt++) {
		int width = 0;
		char pad = ' ';
		int v;

		if (*fmt != '%') {
			if (*fmt == '\n')
				serial_putc('\r');
			serial_putc(*fmt);
			continue;
		}
		if (*++fmt == '0')
			pad = '0';
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + *fmt++ - '0';
		switch (*fmt) {
		case 's':
			serial_puts(va_arg(ap, const char *));
			break;
		case 'c':
			serial_putc(va_arg(ap, int));
			break;
		case 'd':
			v = va_arg(ap, int);
			if (v < 0) {
				serial_putc('-');
				v = -v;
			}
			put_uint(v, 10, width, pad);
			break;
		case 'u':
			put_uint(va_arg(ap, unsigned int), 10, width, pad);
			break;
		case 'x':
			put_uint(va_arg(ap, unsigned int), 16, width, pad);
			break;
		case 'l':	/* %lx */
			fmt++;
			put_uint(va_arg(ap, unsigned long), 16, width, pad);
			break;
		}
	}
	va_end(ap);
}
