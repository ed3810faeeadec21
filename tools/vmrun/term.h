/* SPDX-License-Identifier: GPL-2.0 */
/* The terminal on stdin: raw while the guest runs, restored at exit. */
#ifndef VMRUN_TERM_H
#define VMRUN_TERM_H

void term_raw(void);

#endif
