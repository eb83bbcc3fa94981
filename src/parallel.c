/*
 * parallel.c
 *	  Running pure computation over ranges on several threads while training.
 *
 * A backend is single-threaded as far as PostgreSQL is concerned: a worker
 * thread must not palloc, ereport, take locks or see a signal.  So workers
 * only run functions that read shared inputs and write disjoint parts of
 * preallocated outputs, with every signal blocked, and the backend's own
 * thread takes a share of each block itself and checks for interrupts
 * between blocks, once every worker has joined.  Each item's result is
 * computed the same way whichever thread computes it, so the output does not
 * depend on the number of threads.
 */
#include "rec.h"

#include <pthread.h>
#include <signal.h>

#include "miscadmin.h"

#include "linalg.h"
#include "parallel.h"

#define MAX_WORKERS 64

/* One worker's share of a block */
typedef struct Share
{
	RecRangeFunc fn;
	void	   *arg;
	int			first;
	int			last;
	int			worker;
} Share;

/* Thread entry: run one share */
static void *
RunShare(void *p)
{
	Share	   *s = p;

	s->fn(s->arg, s->first, s->last, s->worker);
	return NULL;
}

/*
 * Return how many workers to use for n items: rec.threads (0: one per CPU),
 * but at least min_per_worker items each, at most MAX_WORKERS.
 */
int
RecTrainWorkers(int n_items, int min_per_worker)
{
	int			workers = RecTrainThreads();

	workers = Min(workers, n_items / Max(min_per_worker, 1));
	return Max(1, Min(workers, MAX_WORKERS));
}

/*
 * Run fn over [0, n) in blocks of `block` items, each block split into
 * `workers` contiguous shares run at once (the calling thread runs share 0),
 * checking for interrupts between blocks.  A worker that cannot be started
 * has its share run by the calling thread.
 */
void
RecParallelFor(int n, int workers, int block, RecRangeFunc fn, void *arg)
{
	Share		shares[MAX_WORKERS];
	pthread_t	threads[MAX_WORKERS];
	bool		started[MAX_WORKERS];
	sigset_t	all,
				old;
	int			start;
	int			w;

	workers = Max(1, Min(workers, MAX_WORKERS));
	block = Max(block, workers);
	for (start = 0; start < n; start += block)
	{
		int			end = Min(n, start + block);
		int			len = end - start;

		CHECK_FOR_INTERRUPTS();
		for (w = 0; w < workers; w++)
		{
			shares[w].fn = fn;
			shares[w].arg = arg;
			shares[w].first = start + (int) ((int64) len * w / workers);
			shares[w].last = start + (int) ((int64) len * (w + 1) / workers);
			shares[w].worker = w;
			started[w] = false;
		}
		if (workers > 1)
		{
			/* the workers inherit a mask that blocks every signal */
			sigfillset(&all);
			pthread_sigmask(SIG_SETMASK, &all, &old);
			for (w = 1; w < workers; w++)
				started[w] = pthread_create(&threads[w], NULL, RunShare, &shares[w]) == 0;
			pthread_sigmask(SIG_SETMASK, &old, NULL);
		}
		RunShare(&shares[0]);
		for (w = 1; w < workers; w++)
		{
			if (started[w])
				pthread_join(threads[w], NULL);
			else
				RunShare(&shares[w]);
		}
	}
}
