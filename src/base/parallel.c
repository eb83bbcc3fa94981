/*
 * parallel.c
 *	  Running pure computation over ranges on several threads while training.
 *
 * A backend is single-threaded as far as PostgreSQL is concerned: a worker
 * thread must not palloc, ereport, take locks or see a signal.  So workers
 * only run functions that read shared inputs and write disjoint parts of
 * preallocated outputs, with every signal blocked.  Work is handed out in
 * small chunks from an atomic counter, so a thread the machine deschedules
 * holds up nobody; the backend's own thread takes chunks too and, seeing an
 * interrupt pending, stops the workers, joins them and then services it
 * (what is left runs on the backend's thread if the interrupt did not end
 * the query).  Each item's result is computed the same way whichever thread
 * computes it, so the output does not depend on the number of threads.
 */
#include "rec.h"

#include <pthread.h>
#include <signal.h>

#include "miscadmin.h"
#include "port/atomics.h"

#include "linalg.h"
#include "parallel.h"

/* One parallel loop */
typedef struct Loop
{
	RecRangeFunc fn;
	void	   *arg;
	int			n;				/* items [0, n) */
	int			chunk;			/* items taken at a time */
	pg_atomic_uint32 next;		/* first item not yet taken */
	pg_atomic_uint32 stop;		/* 1: take no more */
} Loop;

/* A worker's place in a loop */
typedef struct Worker
{
	Loop	   *loop;
	int			index;			/* which scratch it uses */
} Worker;

/* Take the next chunk of a loop into [*first, *last); false when none is left */
static bool
TakeChunk(Loop *loop, int *first, int *last)
{
	uint32		start;

	if (pg_atomic_read_u32(&loop->stop))
		return false;
	start = pg_atomic_fetch_add_u32(&loop->next, (uint32) loop->chunk);
	if (start >= (uint32) loop->n)
		return false;
	*first = (int) start;
	*last = (int) Min((int64) start + loop->chunk, (int64) loop->n);
	return true;
}

/* Thread entry: run chunks until none is left or the loop stops */
static void *
RunWorker(void *p)
{
	Worker	   *w = p;
	int			first,
				last;

	while (TakeChunk(w->loop, &first, &last))
		w->loop->fn(w->loop->arg, first, last, w->index);
	return NULL;
}

/*
 * Return how many workers to use for n items: rec.threads (0: one per CPU),
 * but at least min_per_worker items each, at most REC_MAX_WORKERS.
 */
int
RecTrainWorkers(int n_items, int min_per_worker)
{
	int			workers = RecTrainThreads();

	workers = Min(workers, n_items / Max(min_per_worker, 1));
	return Max(1, Min(workers, REC_MAX_WORKERS));
}

/*
 * Run fn over [0, n) in chunks of `chunk` items on `workers` threads (the
 * calling thread is worker 0), each worker with its own scratch index.  A
 * worker that cannot be started leaves its share to the others.
 */
void
RecParallelFor(int n, int workers, int chunk, RecRangeFunc fn, void *arg)
{
	Loop		loop;
	Worker		ws[REC_MAX_WORKERS];
	pthread_t	threads[REC_MAX_WORKERS];
	bool		started[REC_MAX_WORKERS];
	sigset_t	all,
				old;
	int			first,
				last;
	int			w;

	workers = Max(1, Min(workers, REC_MAX_WORKERS));
	loop.fn = fn;
	loop.arg = arg;
	loop.n = n;
	loop.chunk = Max(chunk, 1);
	pg_atomic_init_u32(&loop.next, 0);
	pg_atomic_init_u32(&loop.stop, 0);

	/* the workers inherit a mask that blocks every signal */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (w = 1; w < workers; w++)
	{
		ws[w].loop = &loop;
		ws[w].index = w;
		started[w] = pthread_create(&threads[w], NULL, RunWorker, &ws[w]) == 0;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	while (!InterruptPending && TakeChunk(&loop, &first, &last))
		fn(arg, first, last, 0);
	pg_atomic_write_u32(&loop.stop, 1);
	for (w = 1; w < workers; w++)
		if (started[w])
			pthread_join(threads[w], NULL);

	/* every worker has stopped: service the interrupt, then finish here */
	pg_atomic_write_u32(&loop.stop, 0);
	CHECK_FOR_INTERRUPTS();
	while (TakeChunk(&loop, &first, &last))
	{
		CHECK_FOR_INTERRUPTS();
		fn(arg, first, last, 0);
	}
}
