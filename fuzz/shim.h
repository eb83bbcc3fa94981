/*
 * fuzz/shim.h
 *	  FUZZ-ONLY: the harness side of fuzz/shim.c.
 */
#ifndef REC_FUZZ_SHIM_H
#define REC_FUZZ_SHIM_H

extern int	shim_errcode;			/* SQLSTATE of the last ERROR */
extern char shim_errmsg[256];		/* its primary message */
extern size_t shim_live_blocks;	/* palloc'd blocks not yet freed */

extern void ShimReset(void);

/*
 * Run stmt; if it raises ERROR, run on_error instead of unwinding further.
 * Like PG_TRY/PG_CATCH, locals changed inside stmt must be volatile.
 */
#define SHIM_TRY(stmt, on_error) \
	do { \
		sigjmp_buf	shim_jb_; \
		sigjmp_buf *shim_save_ = PG_exception_stack; \
		if (sigsetjmp(shim_jb_, 0) == 0) \
		{ \
			PG_exception_stack = &shim_jb_; \
			stmt; \
			PG_exception_stack = shim_save_; \
		} \
		else \
		{ \
			PG_exception_stack = shim_save_; \
			on_error; \
		} \
	} while (0)

#endif							/* REC_FUZZ_SHIM_H */
