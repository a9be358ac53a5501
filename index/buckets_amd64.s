//go:build !purego

#include "textflag.h"

// Prefetches are PREFETCHT1, into L2: see prefetch_amd64.go.

// AHEAD is how many items ahead the loops prefetch: prefetchAhead.
#define AHEAD 64

// PROBEAHEAD is how many keys ahead the probe prefetches. It prefetches
// each directory block once, and about two keys share one, so it looks
// further ahead than the other loops for as many lines in flight.
#define PROBEAHEAD 128

// func compactBuckets(ends []uint8, base []uint32, k uint32, group uint, masks []uint32, lo, hi []uint32) int
//
// Register use: AX ends, SI base, CX group (CL shifts by it), BX masks, DI
// lo, R8 hi, R9 buckets written, R10 mask index, R14 the block prefetched
// last, R13 a key, R11 its group's first code, DX and R15 its bucket's end
// and start.
TEXT ·compactBuckets(SB), NOSPLIT, $0-144
	MOVQ ends_base+0(FP), AX
	MOVQ base_base+24(FP), SI
	MOVQ group+56(FP), CX
	MOVQ masks_base+64(FP), BX
	MOVQ lo_base+88(FP), DI
	MOVQ hi_base+112(FP), R8
	XORQ R9, R9
	XORQ R10, R10
	CMPQ R10, masks_len+72(FP)
	JEQ done

	// Prefetch the blocks of the first PROBEAHEAD keys, each block once: R14
	// holds the block prefetched last, and masks come ordered by block.
	// A block's group offsets lie on one line of base; it is prefetched
	// unless the last block's were on it too.
	MOVQ $-1, R14
first:
	MOVL (BX)(R10*4), DX
	XORL k+48(FP), DX
	MOVL DX, R13
	SHRL $6, DX
	CMPQ DX, R14
	JEQ firstnext
	MOVQ DX, R11
	SHLQ $6, R11
	PREFETCHT1 (AX)(R11*1)
	MOVQ DX, R11
	XORQ R14, R11
	MOVQ DX, R14
	SHLQ $2, R11
	SHRQ CL, R11 // zero if block>>(group-2), its line of base, is the last block's
	JEQ firstnext
	SHRL CL, R13
	PREFETCHT1 (SI)(R13*4)
firstnext:
	INCQ R10
	CMPQ R10, masks_len+72(FP)
	JAE start
	CMPQ R10, $PROBEAHEAD
	JB first
start:
	XORQ R10, R10

loop:
	// Prefetch the block of the key PROBEAHEAD places on, unless it is the
	// block prefetched last.
	LEAQ PROBEAHEAD(R10), DX
	CMPQ DX, masks_len+72(FP)
	JAE load
	MOVL (BX)(DX*4), DX
	XORL k+48(FP), DX
	MOVL DX, R13
	SHRL $6, DX
	CMPQ DX, R14
	JEQ load
	MOVQ DX, R11
	SHLQ $6, R11
	PREFETCHT1 (AX)(R11*1)
	MOVQ DX, R11
	XORQ R14, R11
	MOVQ DX, R14
	SHLQ $2, R11
	SHRQ CL, R11
	JEQ load
	SHRL CL, R13
	PREFETCHT1 (SI)(R13*4)

load:
	MOVL (BX)(R10*4), R13
	XORL k+48(FP), R13   // the key k^masks[i]
	MOVL R13, R12
	SHRL CL, R12         // its group
	MOVL (SI)(R12*4), R11 // the group's first code
	MOVBLZX (AX)(R13*1), DX
	ADDL R11, DX         // hi: where the key's bucket ends
	// lo: where the bucket before it in the group ends, or the group's
	// start for its first key. R12 is all ones unless the key is first,
	// so the first key reads its own byte, masked away, and never the
	// group before, maybe another line.
	SHLL CL, R12
	XORL R13, R12        // the key's place in its group
	CMPL R12, $1
	SBBQ R12, R12
	NOTQ R12
	LEAQ (R13)(R12*1), R15
	MOVBLZX (AX)(R15*1), R15
	ANDL R12, R15
	ADDL R11, R15
	MOVL R15, (DI)(R9*4)
	MOVL DX, (R8)(R9*4)
	// Keep the slot only if the bucket is non-empty, without a branch:
	// the carry is set when lo < hi.
	CMPL R15, DX
	ADCQ $0, R9

	INCQ R10
	CMPQ R10, masks_len+72(FP)
	JB loop

done:
	MOVQ R9, ret+136(FP)
	RET

// func nearCandsPOPCNT(codes []code, cand []uint32, q *code, r int, near []uint32) int
//
// Register use: AX codes, BX cand, CX len(cand), DI near, R8 positions
// written, R9 candidate index, R10-R13 q, DX the candidate's code, SI and
// R15 its distance.
TEXT ·nearCandsPOPCNT(SB), NOSPLIT, $0-96
	MOVQ codes_base+0(FP), AX
	MOVQ cand_base+24(FP), BX
	MOVQ cand_len+32(FP), CX
	MOVQ q+48(FP), DX
	MOVQ 0(DX), R10
	MOVQ 8(DX), R11
	MOVQ 16(DX), R12
	MOVQ 24(DX), R13
	MOVQ near_base+64(FP), DI
	XORQ R8, R8
	XORQ R9, R9
	TESTQ CX, CX
	JEQ vdone

vloop:
	// Prefetch the code of the candidate AHEAD places on.
	LEAQ AHEAD(R9), DX
	CMPQ DX, CX
	JAE vload
	MOVL (BX)(DX*4), DX
	SHLQ $5, DX
	PREFETCHT1 (AX)(DX*1)

vload:
	MOVL (BX)(R9*4), DX
	SHLQ $5, DX
	ADDQ AX, DX
	MOVQ 0(DX), R15
	XORQ R10, R15
	POPCNTQ R15, R15
	MOVQ 8(DX), SI
	XORQ R11, SI
	POPCNTQ SI, SI
	ADDQ SI, R15
	MOVQ 16(DX), SI
	XORQ R12, SI
	POPCNTQ SI, SI
	ADDQ SI, R15
	MOVQ 24(DX), SI
	XORQ R13, SI
	POPCNTQ SI, SI
	ADDQ SI, R15
	// Keep the position only if the distance is within r, without a
	// branch: the carry is set when r < distance.
	MOVL R9, (DI)(R8*4)
	MOVQ r+56(FP), SI
	CMPQ SI, R15
	SBBQ $-1, R8

	INCQ R9
	CMPQ R9, CX
	JB vloop

vdone:
	MOVQ R8, ret+88(FP)
	RET

// func gatherPositions(pos, lo, hi, out []uint32) int
//
// Register use: AX pos, R11 len(pos), BX lo, CX len(lo), SI hi, DI out,
// R12 len(out), R8 positions written, R9 bucket index, DX the bucket's
// start, R10 its size.
TEXT ·gatherPositions(SB), NOSPLIT, $0-104
	MOVQ pos_base+0(FP), AX
	MOVQ pos_len+8(FP), R11
	MOVQ lo_base+24(FP), BX
	MOVQ lo_len+32(FP), CX
	MOVQ hi_base+48(FP), SI
	MOVQ out_base+72(FP), DI
	MOVQ out_len+80(FP), R12
	XORQ R8, R8
	XORQ R9, R9
	TESTQ CX, CX
	JEQ gdone

	// Prefetch the first AHEAD buckets.
gfirst:
	MOVL (BX)(R9*4), DX
	PREFETCHT1 (AX)(DX*4)
	INCQ R9
	CMPQ R9, CX
	JAE gstart
	CMPQ R9, $AHEAD
	JB gfirst
gstart:
	XORQ R9, R9

gloop:
	// Prefetch the bucket AHEAD places on.
	LEAQ AHEAD(R9), DX
	CMPQ DX, CX
	JAE gload
	MOVL (BX)(DX*4), DX
	PREFETCHT1 (AX)(DX*4)

gload:
	MOVL (BX)(R9*4), DX
	MOVL (SI)(R9*4), R10
	SUBL DX, R10
	// Most buckets hold one to four codes: copy four positions at once
	// when they are all within pos and out and on the bucket's first
	// line, and keep the bucket's. The line after is not prefetched, and
	// a load that reached into it would wait for memory.
	CMPL R10, $4
	JA gslow
	MOVL DX, R13
	ANDL $15, R13
	CMPL R13, $12
	JA gslow
	LEAQ 4(DX), R13
	CMPQ R13, R11
	JA gslow
	LEAQ 4(R8), R13
	CMPQ R13, R12
	JA gslow
	MOVOU (AX)(DX*4), X0
	MOVOU X0, (DI)(R8*4)
	ADDQ R10, R8
	JMP gnext

gslow:
	TESTL R10, R10
	JEQ gnext
gone:
	MOVL (AX)(DX*4), R13
	MOVL R13, (DI)(R8*4)
	INCQ DX
	INCQ R8
	DECL R10
	JNE gone

gnext:
	INCQ R9
	CMPQ R9, CX
	JB gloop

gdone:
	MOVQ R8, ret+96(FP)
	RET
