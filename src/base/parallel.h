/*
 * parallel.h
 *	  Running pure computation over ranges on several threads while training.
 */
#ifndef REC_PARALLEL_H
#define REC_PARALLEL_H

#define REC_MAX_WORKERS 64		/* threads a parallel loop runs on, at most */

/* Work on items [first, last) with the scratch of worker `worker`; no palloc, no ereport */
typedef void (*RecRangeFunc) (void *arg, int first, int last, int worker);

extern int	RecTrainWorkers(int n_items, int min_per_worker);
extern void RecParallelFor(int n, int workers, int block, RecRangeFunc fn, void *arg);

#endif							/* REC_PARALLEL_H */
