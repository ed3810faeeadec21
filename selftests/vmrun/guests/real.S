/* SPDX-License-Identifier: GPL-2.0 */
/* A real-mode flat binary at 0x7c00: prints from 16-bit code, checks that
 * it runs at CS:IP = 0:7c00-ish with EDI = 0 (vCPU index), exits 42. */
	.code16
	.globl _start
_start:
	cli
	xor	%ax, %ax
	mov	%ax, %ds
	mov	%ax, %ss
	mov	$0x7000, %sp
	mov	$msg_ok, %si
	test	%edi, %edi
	jz	1f
	mov	$msg_bad, %si
1:	lodsb
	test	%al, %al
	jz	2f
	mov	$0x3f8, %dx
	out	%al, %dx
	jmp	1b
2:	mov	$42, %al
	mov	$0x501, %dx
	out	%al, %dx
3:	hlt
	jmp	3b
msg_ok:	.asciz	"real mode: hello from 16-bit code\r\n"
msg_bad: .asciz	"real mode: FAIL: EDI is not 0\r\n"
