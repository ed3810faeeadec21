// SPDX-License-Identifier: GPL-2.0
/*
 * debug-exit N: leave vmrun with exit status N, by writing N to vmrun's
 * debug-exit port (0x501).  For the Linux guest's initramfs; freestanding,
 * so that it is a few hundred bytes instead of a static libc.
 */
#define DEBUG_EXIT_PORT 0x501
#define SYS_write 1
#define SYS_ioperm 173
#define SYS_exit 60

static long syscall3(long n, long a, long b, long c)
{
	long ret;

	__asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}

static void say(const char *s)
{
	int n = 0;

	while (s[n])
		n++;
	syscall3(SYS_write, 2, (long)s, n);
}

void __attribute__((used)) start_c(long *sp)
{
	int argc = sp[0];
	char **argv = (char **)(sp + 1);
	unsigned char status = 0;

	if (argc > 1)
		for (const char *p = argv[1]; *p >= '0' && *p <= '9'; p++)
			status = status * 10 + *p - '0';
	if (syscall3(SYS_ioperm, DEBUG_EXIT_PORT, 1, 1) < 0) {
		say("debug-exit: ioperm failed (not root?)\n");
		syscall3(SYS_exit, 1, 0, 0);
	}
	__asm__ volatile("outb %0, %1" : : "a"(status), "Nd"(DEBUG_EXIT_PORT));
	say("debug-exit: still running: not under vmrun?\n");
	syscall3(SYS_exit, 1, 0, 0);
}

__asm__(".globl _start\n_start:\n\tmov %rsp, %rdi\n\tand $-16, %rsp\n\tcall start_c\n");
