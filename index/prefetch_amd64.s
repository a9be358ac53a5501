//go:build !purego

#include "textflag.h"

// The prefetches are PREFETCHT1: see prefetch_amd64.go.

// func prefetchCodes(codes []code, idx []uint32)
TEXT ·prefetchCodes(SB), NOSPLIT, $0-48
	MOVQ codes_base+0(FP), AX
	MOVQ idx_base+24(FP), BX
	MOVQ idx_len+32(FP), CX
	TESTQ CX, CX
	JEQ done
loop:
	MOVL (BX), DX
	SHLQ $5, DX
	PREFETCHT1 (AX)(DX*1)
	ADDQ $4, BX
	DECQ CX
	JNE loop
done:
	RET

// func prefetchWords(words []uint32, idx []uint32)
TEXT ·prefetchWords(SB), NOSPLIT, $0-48
	MOVQ words_base+0(FP), AX
	MOVQ idx_base+24(FP), BX
	MOVQ idx_len+32(FP), CX
	TESTQ CX, CX
	JEQ done
loop:
	MOVL (BX), DX
	PREFETCHT1 (AX)(DX*4)
	ADDQ $4, BX
	DECQ CX
	JNE loop
done:
	RET
