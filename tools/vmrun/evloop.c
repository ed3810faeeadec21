// SPDX-License-Identifier: GPL-2.0
#include "evloop.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "util.h"
#include "vm.h"

struct ev_handler {
	int fd;
	ev_fn fn;
	void *opaque;
};

struct ev_handler *ev_add(struct vm *vm, int fd, ev_fn fn, void *opaque)
{
	struct ev_handler *h = malloc(sizeof(*h));
	struct epoll_event ev = { .events = EPOLLIN };

	if (!h)
		die("out of memory");
	*h = (struct ev_handler){ fd, fn, opaque };
	ev.data.ptr = h;
	if (epoll_ctl(vm->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		free(h);
		if (errno == EPERM)	/* a regular file, /dev/null */
			return NULL;
		die("epoll_ctl: %s", strerror(errno));
	}
	return h;
}

void ev_init(struct vm *vm)
{
	vm->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (vm->epoll_fd < 0)
		die("epoll_create1: %s", strerror(errno));
}

void ev_enable(struct vm *vm, struct ev_handler *h, bool on)
{
	struct epoll_event ev = { .events = on ? EPOLLIN : 0, .data.ptr = h };

	epoll_ctl(vm->epoll_fd, EPOLL_CTL_MOD, h->fd, &ev);
}

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };

void ev_block_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < ARRAY_SIZE(stop_signals); i++)
		sigaddset(&set, stop_signals[i]);
	sigaddset(&set, SIGUSR1);	/* vcpu.c's kick: vCPU threads only */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static void on_signal(void *opaque, int fd)
{
	struct vm *vm = opaque;
	struct signalfd_siginfo si;

	if (read(fd, &si, sizeof(si)) != sizeof(si))
		return;
	fprintf(stderr, "vmrun: stopped by %s\n", strsignal(si.ssi_signo));
	vm_stop(vm, 128 + si.ssi_signo);
}

int ev_run(struct vm *vm)
{
	sigset_t set;
	int sfd;

	sigemptyset(&set);
	for (size_t i = 0; i < ARRAY_SIZE(stop_signals); i++)
		sigaddset(&set, stop_signals[i]);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		die("signalfd: %s", strerror(errno));
	ev_add(vm, sfd, on_signal, vm);
	ev_add(vm, vm->stop_fd, NULL, NULL);

	for (;;) {
		struct epoll_event evs[8];
		int n = epoll_wait(vm->epoll_fd, evs, ARRAY_SIZE(evs), -1);

		if (n < 0 && errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
		for (int i = 0; i < n; i++) {
			struct ev_handler *h = evs[i].data.ptr;

			if (h->fn)
				h->fn(h->opaque, h->fd);
		}
		if (atomic_load(&vm->stopping))
			break;
	}
	/* Every vCPU thread out of KVM_RUN and joined (with --verbose, those
	 * still running show where they were: see vcpu.c). */
	vcpus_stop(vm);
	return vm->stop_status;
}
