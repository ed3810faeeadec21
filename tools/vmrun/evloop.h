/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The main thread's event loop: the file descriptors devices wait on (timers,
 * stdin), SIGINT/SIGTERM/SIGHUP (through a signalfd) and the VM's stop
 * request.  Callbacks run in the main thread without vm->lock: a device
 * takes it itself.
 */
#ifndef VMRUN_EVLOOP_H
#define VMRUN_EVLOOP_H

#include <stdbool.h>

struct vm;

struct ev_handler;
typedef void (*ev_fn)(void *opaque, int fd);

void ev_init(struct vm *vm);
/* NULL if the fd cannot be waited for (a regular file, /dev/null). */
struct ev_handler *ev_add(struct vm *vm, int fd, ev_fn fn, void *opaque);
/* Stop or resume waiting for the fd to be readable; any thread may call
 * it (e.g. a device whose input buffer is full). */
void ev_enable(struct vm *vm, struct ev_handler *h, bool on);
/* Blocks the signals the loop takes; call before starting any thread. */
void ev_block_signals(void);
/* Until the VM stops, then stops the vCPU threads (vcpus_stop()); returns
 * the exit status. */
int ev_run(struct vm *vm);

#endif
