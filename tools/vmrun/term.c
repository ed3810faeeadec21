// SPDX-License-Identifier: GPL-2.0
/*
 * When stdin is a terminal, the guest owns it: no line editing, no echo, no
 * CR/NL translation on input, so that the guest's shell sees each key.  ISIG
 * stays on: Ctrl-C and Ctrl-\ reach vmrun, which stops the guest.  Output
 * processing stays on too (vmrun's own messages end in \n).  The settings
 * are restored by an atexit handler, whichever way vmrun ends.
 */
#include "term.h"

#include <stdbool.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved;
static bool saved_ok;

static void term_restore(void)
{
	if (saved_ok)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
}

void term_raw(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved))
		return;
	saved_ok = true;
	atexit(term_restore);
	t = saved;
	t.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR |
		       ICRNL | IXON);
	t.c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN);
	t.c_cflag = (t.c_cflag & ~(CSIZE | PARENB)) | CS8;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &t);
}
