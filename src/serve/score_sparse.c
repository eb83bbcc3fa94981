/*
 * score_sparse.c
 *	  Scoring one history for serving, for every kind of model: the one
 *	  scoring contract (RecServeKind), the session term, exploration,
 *	  normalisation, exclusions, selection and the reasons of a list.
 *
 * A call sums the history's rows into a per-backend accumulator: one 8-byte
 * cell per item (generation stamp, score), allocated once per backend for
 * the largest catalogue served and never cleared, so that a touch is one
 * small access; a cell belongs to the current call when its stamp is the
 * current generation.  The touched items are listed as they are first
 * touched (or, when a sparse walk is longer than the catalogue, summed
 * without stamps and listed by one pass: SumRowsFlat).  Only the inner loop
 * over a model's rows depends on its kind (RecServeKind): a model whose rows
 * are sparse (sims, sparse EASE, sparse transitions) touches the neighbours
 * of the history's items, so that serving costs history x neighbours, not
 * the catalogue; a dense model
 * (EASE weights) scores its rows with BLAS, a block of users with one matrix
 * product, and touches every item seen in training, in index order;
 * popularity touches nothing.  The transition scaling, the session term,
 * exploration, normalisation, selection and the explanation then run once,
 * over the touched items or the history's rows, never over the catalogue.
 *
 * Every item not touched scores 0 if it was seen in training, -infinity if
 * it is known only from metadata.  So the positive total that normalisation
 * divides by is the whole catalogue's (untouched items add nothing).
 *
 * Selection takes the positive scores first (a top-k over the touched items),
 * then the items that score 0 in popularity order (the popularity fill, from
 * an order derived once per backend and model), then the negative scores,
 * then the -infinity ones by index.  Exclusions are marks in a
 * generation-stamped array, checked on candidates.
 */
#include "rec.h"

#include <math.h>

#include "utils/memutils.h"

#include "model.h"
#include "parallel.h"
#include "score.h"
#include "topk.h"

/* What serving derives from a model once per backend, kept beside it */
typedef struct RecServeIndex
{
	int32	   *pop_order;		/* [n_items] items by popularity, highest first, ties by index */
	int32	   *pop_rank;		/* [n_items] each item's position in pop_order */
	float		pop_factor;		/* what normalisation multiplies popularity by */
	const RecServeKind *kind;	/* what differs for the model's kind */
	int32	   *cat_off;		/* [n_categories + 1] category -> items CSR */
	int32	   *cat_items;		/* the items of each category, by index (warm ones first) */
	float		cat_log_max;	/* logf(1 + the largest popularity, at least 1) */
	float	   *log_pop;		/* [n_warm] logf(1 + popularity), for the session term */
	int32	   *young;			/* cold items young enough to explore, by index */
	int			n_young;
	float		young_cutoff;	/* the exploration_age_cutoff young was listed for */
} RecServeIndex;

/*
 * One item's entry in the accumulator, 8 bytes aligned to 8: a touch is one
 * access, and eight cells share a cache line, so that the accumulator of a
 * 4,000-item catalogue stays in the first-level cache and that of a
 * 200,000-item one in the second.  What only some items need lives beside
 * it: the transition part of the items the transition rows touch (tacc_of),
 * and the list row of the items being explained (row_of).
 */
typedef struct Cell
{
	uint32		stamp;			/* == touch_gen: touched in the current call */
	float		acc;			/* its score */
} Cell;

#define CELL_ALIGN 8
#define PREFETCH_MIN_ITEMS 131072	/* an accumulator of 1 MB: AddRow prefetches its cells */

/*
 * The accumulator and marks, sized for the largest catalogue served: the
 * backend's, and one for each worker thread that scores a training's
 * evaluation (RecAccumulatorEnter); each thread reaches its own through
 * accum, a thread-local variable.
 */
typedef struct Accumulator
{
	int			acc_size;
	Cell	   *cell;			/* cell_mem, aligned */
	void	   *cell_mem;
	uint32		touch_gen;
	int32	   *touched;		/* the touched items, in order of first touch */
	int			n_touched;
	uint32	   *mark_stamp;		/* == mark_gen: marked within one step */
	uint32		mark_gen;
	uint32	   *excl_stamp;		/* == excl_gen: excluded from the current list */
	uint32	   *shown_stamp;	/* == touch_gen: moved down for its impressions in this call */
	float	   *tacc_of;		/* a touched item's transition part, until combined */
	float	   *flat;			/* all 0 between calls: a walk's scores by item (SumRowsFlat) */
	int32	   *row_of;			/* an explained item's list row (valid while mark_stamp is mark_gen) */
	uint32		excl_gen;
	bool	   *lifted_flag;	/* true for the session term's lifted items */
	int32		lifted_items[REC_SESSION_ITEMS];	/* which, to clear them at the next call */
	int			n_lifted;
	/* a worker's scratch (RecScratchAlloc): [arena, arena_end), next free at arena_next */
	char	   *arena;
	char	   *arena_next;
	char	   *arena_end;
} Accumulator;

static __thread Accumulator accum;
static Accumulator *worker_accum[REC_MAX_WORKERS];	/* [1..): the workers', between their calls */

/* Allocate n elements of size bytes in TopMemoryContext, zeroed if asked */
static void *
AllocBackend(int n, Size size, bool zero)
{
	return MemoryContextAllocExtended(TopMemoryContext, mul_size(size, Max(n, 1)),
									  MCXT_ALLOC_HUGE | (zero ? MCXT_ALLOC_ZERO : 0));
}

/* Free an accumulator's arrays (not its scratch arena), leaving it covering no item */
static void
FreeAccumulator(Accumulator *a)
{
	if (a->acc_size > 0)
	{
		pfree(a->cell_mem);
		pfree(a->touched);
		pfree(a->mark_stamp);
		pfree(a->excl_stamp);
		pfree(a->shown_stamp);
		pfree(a->tacc_of);
		pfree(a->flat);
		pfree(a->row_of);
		pfree(a->lifted_flag);
	}
	a->acc_size = 0;
}

/* Make the accumulator cover n items (once per backend and catalogue size) */
static void
EnsureAccumulator(int n)
{
	if (n <= accum.acc_size)
		return;
	FreeAccumulator(&accum);
	accum.n_lifted = 0;
	accum.n_touched = 0;
	accum.touch_gen = accum.mark_gen = accum.excl_gen = 0;
	StaticAssertStmt(sizeof(Cell) == CELL_ALIGN, "an accumulator cell is 8 bytes");
	accum.cell_mem = AllocBackend(n + 1, sizeof(Cell), true);
	accum.cell = (Cell *) TYPEALIGN(CELL_ALIGN, accum.cell_mem);
	accum.touched = AllocBackend(n, sizeof(int32), false);
	accum.mark_stamp = AllocBackend(n, sizeof(uint32), true);
	accum.excl_stamp = AllocBackend(n, sizeof(uint32), true);
	accum.shown_stamp = AllocBackend(n, sizeof(uint32), true);
	accum.tacc_of = AllocBackend(n, sizeof(float), false);
	accum.flat = AllocBackend(n, sizeof(float), true);
	accum.row_of = AllocBackend(n, sizeof(int32), false);
	accum.lifted_flag = AllocBackend(n, sizeof(bool), true);
	accum.acc_size = n;
}

/* Start a new generation of a stamp array (clearing it when the counter wraps) */
static void
NextGeneration(uint32 *gen, uint32 *stamp)
{
	if (++(*gen) == 0)
	{
		memset(stamp, 0, sizeof(uint32) * (Size) accum.acc_size);
		*gen = 1;
	}
}

static const RecServeIndex *ServeIndex(const RecModel *m);

/* A worker's allocation its arena had no room for, freed at the next RecScratchReset */
typedef struct Overflow
{
	struct Overflow *next;
	double		align;			/* what follows is aligned for any scratch */
} Overflow;

static __thread Overflow *overflow;

/*
 * Allocate size bytes of scratch while scoring: palloc on the backend's
 * thread, the worker's arena on a worker thread (RecAccumulatorEnter), where
 * nothing may palloc; free it with RecScratchFree.  The arena is sized for
 * every allocation of one list (RecPrepareWorkers); should it still run out,
 * the rest comes from malloc, freed at the next RecScratchReset.
 */
void *
RecScratchAlloc(Size size, bool zero)
{
	char	   *p;

	if (accum.arena == NULL)
		return zero ? palloc0(size) : palloc(size);
	size = MAXALIGN(size);
	if (size <= (Size) (accum.arena_end - accum.arena_next))
	{
		p = accum.arena_next;
		accum.arena_next += size;
	}
	else
	{
		Overflow   *o = malloc(offsetof(Overflow, align) + size);

		if (o == NULL)
			abort();			/* a worker cannot raise an error */
		o->next = overflow;
		overflow = o;
		p = (char *) &o->align;
	}
	if (zero)
		memset(p, 0, size);
	return p;
}

/* Free scratch of RecScratchAlloc (on a worker, RecScratchReset frees it all) */
void
RecScratchFree(void *p)
{
	if (accum.arena == NULL)
		pfree(p);
}

/* On a worker, free all its scratch: done before each list */
void
RecScratchReset(void)
{
	while (overflow)
	{
		Overflow   *o = overflow;

		overflow = o->next;
		free(o);
	}
	accum.arena_next = accum.arena;
}

/*
 * Prepare an accumulator and a scratch arena for each of workers - 1 worker
 * threads (worker 0 is the backend's thread) to score lists of model m on,
 * with extra bytes of scratch per list beyond scoring's own, and derive the
 * model's serving index, which the workers then only read.  Called on the
 * backend's thread before the parallel loop (RecParallelFor); the
 * accumulators are kept for the next loops, until RecReleaseWorkers.
 */
void
RecPrepareWorkers(const RecModel *m, int workers, Size extra)
{
	const RecServeIndex *ix = ServeIndex(m);
	Size		n_pairs = ix->cat_off[m->n_categories];
	Size		arena_size;
	int			w;

	/* RecScoreHistory's weights, the session term's and exploration's, the selection's */
	arena_size = 2 * MAXALIGN(sizeof(float) * Max(rec_max_history, 1)) +
		2 * MAXALIGN(sizeof(float) * Max(m->n_categories, 1)) +
		MAXALIGN(sizeof(int32) * Max(n_pairs, 1)) + MAXALIGN(sizeof(float) * Max(n_pairs, 1)) +
		MAXALIGN(sizeof(int32) * Max(m->n_items, 1)) + MAXALIGN(sizeof(float) * Max(m->n_items, 1)) +
		MAXALIGN(extra) + 1024;
	EnsureAccumulator(m->n_items);
	for (w = 1; w < Min(workers, REC_MAX_WORKERS); w++)
	{
		Accumulator mine = accum;

		if (worker_accum[w] == NULL)
			worker_accum[w] = MemoryContextAllocZero(TopMemoryContext, sizeof(Accumulator));
		accum = *worker_accum[w];
		accum.arena = NULL;		/* EnsureAccumulator allocates on this thread */
		EnsureAccumulator(m->n_items);
		if ((Size) (worker_accum[w]->arena_end - worker_accum[w]->arena) < arena_size)
		{
			if (worker_accum[w]->arena)
				pfree(worker_accum[w]->arena);
			worker_accum[w]->arena = MemoryContextAllocHuge(TopMemoryContext, arena_size);
			worker_accum[w]->arena_end = worker_accum[w]->arena + arena_size;
		}
		accum.arena = accum.arena_next = worker_accum[w]->arena;
		accum.arena_end = worker_accum[w]->arena_end;
		*worker_accum[w] = accum;
		accum = mine;
	}
}

/*
 * Free the workers' accumulators and arenas (RecPrepareWorkers) once a
 * training is over, so that a backend keeps only its own between trainings.
 */
void
RecReleaseWorkers(void)
{
	int			w;

	for (w = 1; w < REC_MAX_WORKERS; w++)
	{
		if (worker_accum[w] == NULL)
			continue;
		FreeAccumulator(worker_accum[w]);
		if (worker_accum[w]->arena)
			pfree(worker_accum[w]->arena);
		pfree(worker_accum[w]);
		worker_accum[w] = NULL;
	}
}

/* On worker thread `worker` of a loop RecPrepareWorkers prepared, take its accumulator */
void
RecAccumulatorEnter(int worker)
{
	if (worker > 0)
		accum = *worker_accum[worker];
}

/* ... and give it back, for the worker of the next loop */
void
RecAccumulatorLeave(int worker)
{
	if (worker > 0)
	{
		RecScratchReset();
		*worker_accum[worker] = accum;
	}
}

/*
 * Give item a score of its own in the current call of accumulator a,
 * starting at 0 (a loop takes &accum once: each use of the thread-local
 * variable is a call in a loadable module)
 */
static inline void
TouchIn(Accumulator *a, int32 item)
{
	Cell	   *c = &a->cell[item];

	if (c->stamp != a->touch_gen)
	{
		c->stamp = a->touch_gen;
		c->acc = 0.0f;
		a->tacc_of[item] = 0.0f;
		a->touched[a->n_touched++] = item;
	}
}

/* TouchIn on this thread's accumulator */
static inline void
Touch(int32 item)
{
	TouchIn(&accum, item);
}

/*
 * Add one entry of a sparse matrix (item *ip, value *vp), times wi, into
 * the accumulator (AddRow): start its cell if this call has not touched it
 * (listing it at list[(*nt)++], its transition part tacc[*ip] at 0), and
 * add to its score, or to its transition part if trans.
 */
static pg_attribute_always_inline void
AddEntry(Cell *pg_restrict cells, float *pg_restrict tacc, int32 *pg_restrict list, int *nt,
		 uint32 gen, const int32 *pg_restrict ip, const float *pg_restrict vp, float wi, bool trans)
{
	int32		item = *ip;
	Cell	   *c = &cells[item];
	float		v = wi * *vp;

	if (unlikely(c->stamp != gen))	/* a first touch: a few in a hundred entries */
	{
		c->stamp = gen;
		c->acc = 0.0f;
		tacc[item] = 0.0f;
		list[(*nt)++] = item;
	}
	if (trans)
		tacc[item] += v;
	else
		c->acc += v;
}

/*
 * Add wi times entries [from, to) of a sparse matrix (idx, val) into the
 * accumulator (its scores, or its transition parts if trans).  This is
 * serving's inner loop, a few instructions per entry: it works on local
 * copies of the accumulator's fields (accum), which the compiler can then
 * keep in registers (through accum, each store into a cell could change them,
 * as PostgreSQL builds with -fno-strict-aliasing, and each would be read
 * again for every entry).  Callers pass a constant trans, so each use
 * compiles to a loop of its own.  The loop is unrolled by hand, eight
 * entries a turn read at constant offsets of two pointers (the loop's own
 * count, test and index arithmetic were a fifth of its instructions); a
 * row's entries are distinct items, taken in order, so the cells and the
 * order of the touched list are those of one entry at a time.
 */
static pg_attribute_always_inline void
AddRow(const int32 *pg_restrict idx, const float *pg_restrict val, int32 from, int32 to,
	   float wi, bool trans)
{
	Cell	   *pg_restrict cells = accum.cell;
	float	   *pg_restrict tacc = accum.tacc_of;
	int32	   *pg_restrict list = accum.touched;
	uint32		gen = accum.touch_gen;
	int			nt = accum.n_touched;
	const int32 *ip = idx + from;
	const float *vp = val + from;
	int32		turns = (to - from) / 8;
	int32		rest = (to - from) % 8;
	bool		prefetch = accum.acc_size >= PREFETCH_MIN_ITEMS;

	for (; turns > 0; turns--, ip += 8, vp += 8)
	{
		/*
		 * on a wide catalogue (an accumulator of megabytes, where a touch
		 * waits on its cell) ask for the cells of the turn after next now
		 */
		if (prefetch && turns > 2)
		{
			__builtin_prefetch(&cells[ip[16]], 1);
			__builtin_prefetch(&cells[ip[17]], 1);
			__builtin_prefetch(&cells[ip[18]], 1);
			__builtin_prefetch(&cells[ip[19]], 1);
			__builtin_prefetch(&cells[ip[20]], 1);
			__builtin_prefetch(&cells[ip[21]], 1);
			__builtin_prefetch(&cells[ip[22]], 1);
			__builtin_prefetch(&cells[ip[23]], 1);
		}
		AddEntry(cells, tacc, list, &nt, gen, ip, vp, wi, trans);
		AddEntry(cells, tacc, list, &nt, gen, ip + 1, vp + 1, wi, trans);
		AddEntry(cells, tacc, list, &nt, gen, ip + 2, vp + 2, wi, trans);
		AddEntry(cells, tacc, list, &nt, gen, ip + 3, vp + 3, wi, trans);
		AddEntry(cells, tacc, list, &nt, gen, ip + 4, vp + 4, wi, trans);
		AddEntry(cells, tacc, list, &nt, gen, ip + 5, vp + 5, wi, trans);
		AddEntry(cells, tacc, list, &nt, gen, ip + 6, vp + 6, wi, trans);
		AddEntry(cells, tacc, list, &nt, gen, ip + 7, vp + 7, wi, trans);
	}
	for (; rest > 0; rest--, ip++, vp++)
		AddEntry(cells, tacc, list, &nt, gen, ip, vp, wi, trans);
	accum.n_touched = nt;
}

/* Order item indices by popularity, highest first, then by index */
static const float *sort_popularity;

static int
ComparePopularity(const void *a, const void *b)
{
	int32		x = *(const int32 *) a;
	int32		y = *(const int32 *) b;

	if (sort_popularity[x] != sort_popularity[y])
		return sort_popularity[x] > sort_popularity[y] ? -1 : 1;
	return (x > y) - (x < y);
}

/* List the cold items exploration may score: younger than the cutoff, or of unknown age */
static void
ListYoung(const RecModel *m, RecServeIndex *ix)
{
	int			i;

	ix->n_young = 0;
	for (i = m->n_warm; i < m->n_items; i++)
		if (isnan(m->item_age[i]) || !(m->item_age[i] > m->serve.exploration_age_cutoff))
			ix->young[ix->n_young++] = i;
	ix->young_cutoff = m->serve.exploration_age_cutoff;
}

static void SumSparseRows(const RecModel *m, const RecHistory *h, const float *row, float *w,
						  float *tw, RecExplainer *ex);
static void ExplainSparseRows(const RecExplainer *ex, const RecScored *rows, const int *explained,
							  int n, int32 *because);
static float *DenseScoreBlock(const RecModel *m, const RecHistory *hs, int nh);
static void SumDenseRows(const RecModel *m, const RecHistory *h, const float *row, float *w,
						 float *tw, RecExplainer *ex);
static void ExplainDenseRows(const RecExplainer *ex, const RecScored *rows, const int *explained,
							 int n, int32 *because);

/* The kinds of model (RecModelKind) and their inner loops */
static const RecServeKind popularity_kind = {"popularity", NULL, NULL, NULL};
static const RecServeKind sparse_kind = {"sparse", NULL, SumSparseRows, ExplainSparseRows};
static const RecServeKind dense_kind = {"dense", DenseScoreBlock, SumDenseRows, ExplainDenseRows};

/* Return a model's serving index, derived on first use in its memory context */
static const RecServeIndex *
ServeIndex(const RecModel *m)
{
	MemoryContext old;
	RecServeIndex *ix;
	double		total = 0;
	int			i,
				c;

	if (m->serving)
	{
		ix = m->serving;
		if (ix->young_cutoff != m->serve.exploration_age_cutoff)
			ListYoung(m, ix);	/* a model being tuned may change it */
		return ix;
	}
	old = MemoryContextSwitchTo(GetMemoryChunkContext((void *) m));
	ix = palloc0(sizeof(RecServeIndex));
	ix->kind = m->kind == REC_KIND_ITEM_DENSE ? &dense_kind :
		m->kind == REC_KIND_ITEM_SPARSE ? &sparse_kind : &popularity_kind;

	/* popularity order, and the factor RecNormalizeScores gives the popularity row */
	ix->pop_order = palloc_extended(mul_size(sizeof(int32), Max(m->n_items, 1)), MCXT_ALLOC_HUGE);
	ix->pop_rank = palloc_extended(mul_size(sizeof(int32), Max(m->n_items, 1)), MCXT_ALLOC_HUGE);
	for (i = 0; i < m->n_items; i++)
		ix->pop_order[i] = i;
	sort_popularity = m->popularity;
	qsort(ix->pop_order, m->n_items, sizeof(int32), ComparePopularity);
	for (i = 0; i < m->n_items; i++)
	{
		ix->pop_rank[ix->pop_order[i]] = i;
		if (m->popularity[i] > 0 && !isinf(m->popularity[i]))
			total += m->popularity[i];
	}
	ix->pop_factor = total <= 0 ? 1.0f : (float) (1.0 / total);

	/*
	 * category -> items (warm ones first: by index), the warm items'
	 * log-popularity for the session term, the largest popularity for
	 * RecScoreCategories
	 */
	ix->log_pop = palloc_extended(mul_size(sizeof(float), Max(m->n_warm, 1)), MCXT_ALLOC_HUGE);
	for (i = 0; i < m->n_warm; i++)
		ix->log_pop[i] = logf(1.0f + m->popularity[i]);
	{
		float		max_pop = 0;

		for (i = 0; i < m->n_items; i++)
			max_pop = Max(max_pop, m->popularity[i]);
		ix->cat_log_max = logf(1.0f + Max(max_pop, 1));
	}
	ix->cat_off = palloc0(sizeof(int32) * (m->n_categories + 1));
	for (i = 0; i < m->n_items; i++)
		for (c = m->cat_off[i]; c < m->cat_off[i + 1]; c++)
			ix->cat_off[m->cat_idx[c] + 1]++;
	for (c = 0; c < m->n_categories; c++)
		ix->cat_off[c + 1] += ix->cat_off[c];
	ix->cat_items = palloc(sizeof(int32) * Max(ix->cat_off[m->n_categories], 1));
	{
		int32	   *next = palloc(sizeof(int32) * Max(m->n_categories, 1));

		memcpy(next, ix->cat_off, sizeof(int32) * m->n_categories);
		for (i = 0; i < m->n_items; i++)
			for (c = m->cat_off[i]; c < m->cat_off[i + 1]; c++)
				ix->cat_items[next[m->cat_idx[c]]++] = i;
		pfree(next);
	}

	ix->young = palloc(sizeof(int32) * Max(m->n_items - m->n_warm, 1));
	ListYoung(m, ix);
	MemoryContextSwitchTo(old);
	((RecModel *) m)->serving = ix;
	return ix;
}

/* Return what differs for a model's kind, chosen once per model */
const RecServeKind *
RecServeKindOf(const RecModel *m)
{
	return ServeIndex(m)->kind;
}

/* Return a model's items by popularity, highest first, ties by index */
const int32 *
RecPopularityOrder(const RecModel *m)
{
	return ServeIndex(m)->pop_order;
}

/*
 * The sparse kind's neighbour rows, when they have at least as many entries
 * as the catalogue has warm items (a long history on a small catalogue):
 * each entry is added to its item's place in flat, with no test of a stamp
 * and no branch, and the touched items are then found by one pass over the
 * warm items, which leaves flat all 0 again.  So the call costs what the walk
 * costs, never more than twice, however large the catalogue.  The touched
 * items are listed in index order, and each score is the same sum, in the
 * same order of events, as AddRow's; an item whose sum is exactly 0 is left
 * untouched (it scores 0 either way, and RecExplainList explains it as it
 * does a touched one).  While one row is added, the next event's row is
 * asked for, a line of each array per turn.
 */
static void
SumRowsFlat(const RecModel *m, const RecHistory *h, const float *w)
{
	float	   *pg_restrict flat = accum.flat;	/* locals: see AddRow */
	const int32 *nb_idx = m->nb_idx;
	const float *nb_sim = m->nb_sim;
	Cell	   *pg_restrict cells = accum.cell;
	float	   *pg_restrict tacc = accum.tacc_of;
	int32	   *pg_restrict list = accum.touched;
	uint32		gen = accum.touch_gen;
	int			nt = accum.n_touched;
	int			i;
	int32		j;

	for (i = 0; i < h->n; i++)
	{
		int32		item = h->items[i];
		int32		next = i + 1 < h->n ? h->items[i + 1] : -1;
		const int32 *ip;
		const float *vp;
		const int32 *end;
		const int32 *pf_idx;
		const float *pf_sim;
		const int32 *pf_end;
		float		wi = w[i];

		if (item < 0 || item >= m->n_warm)
			continue;
		ip = nb_idx + m->nb_off[item];
		vp = nb_sim + m->nb_off[item];
		end = nb_idx + m->nb_off[item + 1];
		if (next < 0 || next >= m->n_warm)
			next = item;		/* nothing to ask for: an empty range */
		pf_idx = nb_idx + m->nb_off[next];
		pf_sim = nb_sim + m->nb_off[next];
		pf_end = next == item ? pf_idx : nb_idx + m->nb_off[next + 1];
		/* unrolled as AddRow is; a row's items are distinct */
		for (; end - ip >= 8; ip += 8, vp += 8)
		{
			if (pf_idx < pf_end)
			{
				__builtin_prefetch(pf_idx);
				__builtin_prefetch(pf_sim);
				pf_idx += 16;
				pf_sim += 16;
			}
			flat[ip[0]] += wi * vp[0];
			flat[ip[1]] += wi * vp[1];
			flat[ip[2]] += wi * vp[2];
			flat[ip[3]] += wi * vp[3];
			flat[ip[4]] += wi * vp[4];
			flat[ip[5]] += wi * vp[5];
			flat[ip[6]] += wi * vp[6];
			flat[ip[7]] += wi * vp[7];
		}
		for (; ip < end; ip++, vp++)
			flat[ip[0]] += wi * vp[0];
		for (; pf_idx < pf_end; pf_idx += 16, pf_sim += 16)
		{
			__builtin_prefetch(pf_idx);
			__builtin_prefetch(pf_sim);
		}
	}
	/*
	 * TouchIn's start of a cell, written out on the locals: through accum,
	 * each store reloaded its fields (about 100,000 instructions a 1x call)
	 */
	for (j = 0; j < m->n_warm; j++)
	{
		float		v = flat[j];

		if (v == 0)
			continue;
		if (cells[j].stamp != gen)
		{
			cells[j].stamp = gen;
			cells[j].acc = 0.0f;
			tacc[j] = 0.0f;
			list[nt++] = j;
		}
		cells[j].acc += v;
		flat[j] = 0.0f;
	}
	accum.n_touched = nt;
}

/*
 * The sparse kind: sum the history's neighbour rows (and transition rows)
 * into the accumulator, and bring the two parts to one scale as the dense
 * kind does (RecDenseRows): the collaborative part's best score to 1, the
 * transitions' to transition_weight.
 */
static void
SumSparseRows(const RecModel *m, const RecHistory *h,
			  pg_attribute_unused() const float *row, float *w, float *tw, RecExplainer *ex)
{
	float		top = 0;
	float		trans_top = 0;
	float		scale;
	float		trans_scale;
	int64		entries = 0;
	int			i;

	if (m->n_trans)
		RecTransitionWeights(m, h, tw);
	/* a walk longer than the catalogue: its pass over the catalogue costs less than its tests */
	for (i = 0; i < h->n; i++)
		if (h->items[i] >= 0 && h->items[i] < m->n_warm)
			entries += m->nb_off[h->items[i] + 1] - m->nb_off[h->items[i]];
	if (entries >= m->n_warm)
		SumRowsFlat(m, h, w);
	else
		for (i = 0; i < h->n; i++)
		{
			int32		item = h->items[i];

			if (item < 0 || item >= m->n_warm)
				continue;
			AddRow(m->nb_idx, m->nb_sim, m->nb_off[item], m->nb_off[item + 1], w[i], false);
		}
	if (m->n_trans == 0)
		return;

	for (i = 0; i < h->n; i++)
	{
		int32		item = h->items[i];

		if (item < 0 || item >= m->n_trans || tw[i] == 0)
			continue;
		AddRow(m->tr_idx, m->tr_val, m->tr_off[item], m->tr_off[item + 1], tw[i], true);
	}
	for (i = 0; i < accum.n_touched; i++)
	{
		if (i + 16 < accum.n_touched && accum.acc_size >= PREFETCH_MIN_ITEMS)
			__builtin_prefetch(&accum.cell[accum.touched[i + 16]], 1);
		top = Max(top, accum.cell[accum.touched[i]].acc);
		trans_top = Max(trans_top, accum.tacc_of[accum.touched[i]]);
	}
	scale = top > 0 ? 1.0f / top : 1.0f;
	trans_scale = trans_top > 0 ? m->serve.transition_weight / trans_top : 1.0f;
	for (i = 0; i < accum.n_touched; i++)
	{
		int32		j = accum.touched[i];

		accum.cell[j].acc *= scale;
		accum.cell[j].acc += accum.tacc_of[j] * trans_scale;
	}
	if (ex)
	{
		ex->scale = scale;
		ex->trans_scale = trans_scale;
	}
}

/* The dense kind: a block's rows together (RecDenseRows), when worth it */
static float *
DenseScoreBlock(const RecModel *m, const RecHistory *hs, int nh)
{
	float	   *rows;

	if (!RecDenseBlockWorth(m, hs, nh))
		return NULL;
	RecCheckMemory((double) nh * m->n_warm * sizeof(float) * 3, "scoring a block of users");
	rows = palloc_extended(sizeof(float) * (Size) nh * Max(m->n_warm, 1), MCXT_ALLOC_HUGE);
	RecDenseRows(m, hs, nh, rows, NULL);
	return rows;
}

/*
 * The dense kind: the history's row (scored now, or by DenseScoreBlock)
 * into the accumulator, every item seen in training touched in index order.
 */
static void
SumDenseRows(const RecModel *m, const RecHistory *h, const float *row,
			 pg_attribute_unused() float *w, pg_attribute_unused() float *tw, RecExplainer *ex)
{
	Accumulator *a = &accum;
	float	   *own = NULL;
	int32		i;

	if (row == NULL)
	{
		own = palloc_extended(sizeof(float) * Max(m->n_warm, 1), MCXT_ALLOC_HUGE);
		RecDenseRows(m, h, 1, own, ex);
		row = own;
	}
	if (a->n_touched == 0)
	{
		/*
		 * the first to touch in this call, as usual: every item is TouchIn's
		 * first touch, in index order, written here without its test per
		 * item (a held-out user's list is mostly this copy on a small
		 * catalogue)
		 */
		Cell	   *pg_restrict cells = a->cell;
		int32	   *pg_restrict touched = a->touched;
		uint32		gen = a->touch_gen;

		for (i = 0; i < m->n_warm; i++)
		{
			cells[i].stamp = gen;
			cells[i].acc = row[i];
			touched[i] = i;
		}
		memset(a->tacc_of, 0, sizeof(float) * m->n_warm);
		a->n_touched = m->n_warm;
	}
	else
		for (i = 0; i < m->n_warm; i++)
		{
			TouchIn(a, i);
			a->cell[i].acc = row[i];
		}
	if (own)
		pfree(own);
}

/* Return the best score among the touched items seen in training (at least 0) */
static float
TopWarmScore(const RecModel *m)
{
	float		top = 0;
	int			i;

	for (i = 0; i < accum.n_touched; i++)
		if (accum.touched[i] < m->n_warm)
			top = Max(top, accum.cell[accum.touched[i]].acc);
	return top;
}

/*
 * Choose the items the session term lifts (SessionTerm), at most
 * REC_SESSION_ITEMS into chosen[] with their drift * q, best first; return
 * how many.  The session term: items in categories that the newest events
 * visit far more than the user's whole history does.  With p_s(c) the share of
 * the newest session_events events that are in category c (an event counts
 * in each of its item's categories) and p_h(c) the share of the events before
 * them, category c has drifted by n_s(c) = session_events * (p_s(c) - 8 p_h(c))
 * events (the factor 8 keeps the ordinary ups and downs of a user's usual
 * categories out); an item's drift is min(1, n_s - 2) for its most drifted
 * category: three events of a new category make a new interest, fewer are
 * strays.  Offline, one or two events into a category new to the user are
 * common and following them costs NDCG (MovieLens 100K, bench/quality:
 * counting two as half an interest cost 0.0004 more; with the default
 * session of 3 events, a session all in the new category is what counts).
 * The item gains
 *     session_weight * top * drift(i) * q(i)
 * where top is the best collaborative score of the list, so the term is on
 * the scale of the user's own scores, and q(i) = log(1 + pop(i)) / log(1 +
 * the largest pop among drifting items) puts the best-known items of the new
 * category first, even in a rare category.  Only the REC_SESSION_ITEMS best of
 * them are lifted: enough to show the new taste, not so many that the new
 * category floods the list.  A user who keeps to their usual
 * categories is scored as the collaborative model scored them; one who turns
 * to a new category sees it at once.  The candidates are the warm items of
 * the categories the session turned to, not the catalogue.
 */
static int
SessionChoose(const RecModel *m, const RecServeIndex *ix, const RecHistory *h, RecScored *chosen)
{
	int			n_session = Min(h->n, (int) m->serve.session_events);
	float	   *share;
	int32	   *cand;
	float	   *drift;
	int			n_cand = 0;
	int			n_chosen = 0;
	int64		room = 0;
	float		max_pop = 0;
	int			n_before = 0;
	int			i;
	int			c;
	int32		t;

	if (m->n_categories == 0 || n_session <= 0)
		return 0;

	/* category shares: of the session, minus REC_SESSION_NOVELTY times of the events before it */
	for (i = 0; i < h->n - n_session; i++)
		n_before += h->items[i] >= 0;
	if (n_before == 0)
		return 0;
	share = RecScratchAlloc(sizeof(float) * m->n_categories, true);
	for (i = 0; i < h->n; i++)
	{
		int32		item = h->items[i];
		bool		in_session = i >= h->n - n_session;

		if (item < 0 || m->cat_off[item + 1] == m->cat_off[item])
			continue;
		for (c = m->cat_off[item]; c < m->cat_off[item + 1]; c++)
			share[m->cat_idx[c]] += in_session ? 1.0f / n_session :
				-REC_SESSION_NOVELTY / n_before;
	}

	/* the drifting items: the warm items of a category with a positive share, once each */
	for (c = 0; c < m->n_categories; c++)
		if (share[c] > 0)
			room += ix->cat_off[c + 1] - ix->cat_off[c];
	if (room == 0)
	{
		RecScratchFree(share);
		return 0;
	}
	cand = RecScratchAlloc(sizeof(int32) * room, false);
	drift = RecScratchAlloc(sizeof(float) * room, false);
	NextGeneration(&accum.mark_gen, accum.mark_stamp);
	for (c = 0; c < m->n_categories; c++)
	{
		if (!(share[c] > 0))
			continue;
		for (t = ix->cat_off[c]; t < ix->cat_off[c + 1]; t++)
		{
			int32		item = ix->cat_items[t];
			float		d = 0;
			int			e;

			if (item >= m->n_warm)
				break;			/* the cold items of the category, which follow */
			if (accum.mark_stamp[item] == accum.mark_gen)
				continue;
			accum.mark_stamp[item] = accum.mark_gen;
			for (e = m->cat_off[item]; e < m->cat_off[item + 1]; e++)
				d = Max(d, share[m->cat_idx[e]]);
			d = Max(0.0f, Min(1.0f, d * n_session - 2));
			if (d > 0)
			{
				max_pop = Max(max_pop, m->popularity[item]);
				cand[n_cand] = item;
				drift[n_cand++] = d;
			}
		}
	}

	if (max_pop > 0)
	{
		float		log_max = logf(1.0f + max_pop);

		/* lift what the user has not had yet */
		NextGeneration(&accum.mark_gen, accum.mark_stamp);
		for (i = 0; i < h->n; i++)
			if (h->items[i] >= 0 && h->items[i] < m->n_warm)
				accum.mark_stamp[h->items[i]] = accum.mark_gen;
		for (t = 0; t < n_cand; t++)
			drift[t] = accum.mark_stamp[cand[t]] == accum.mark_gen ? NAN :
				drift[t] * ix->log_pop[cand[t]] / log_max;
		n_chosen = RecTopKItems(cand, drift, n_cand, REC_SESSION_ITEMS, chosen);
	}
	RecScratchFree(share);
	RecScratchFree(cand);
	RecScratchFree(drift);
	return n_chosen;
}

/* Add the session term (see SessionChoose) to the list being scored */
static void
SessionTerm(const RecModel *m, const RecServeIndex *ix, const RecHistory *h)
{
	RecScored	chosen[REC_SESSION_ITEMS];
	int			n_chosen;
	float		top;
	int			i;

	if (m->serve.session_weight <= 0)
		return;
	n_chosen = SessionChoose(m, ix, h, chosen);
	if (n_chosen == 0)
		return;
	top = TopWarmScore(m);
	if (top <= 0)
		top = 1;
	for (i = 0; i < n_chosen; i++)
	{
		int32		item = chosen[i].idx;

		Touch(item);
		accum.cell[item].acc += m->serve.session_weight * top * chosen[i].score;
		accum.lifted_flag[item] = true;
		accum.lifted_items[accum.n_lifted++] = item;
	}
}

/*
 * True if the session term lifts some item for history h under any positive
 * session_weight (the items it lifts do not depend on the weight, only how
 * far): with it off, or for a history it lifts nothing for, the list is
 * the same for every weight.
 */
bool
RecSessionLifts(const RecModel *m, const RecHistory *h)
{
	RecScored	chosen[REC_SESSION_ITEMS];

	EnsureAccumulator(m->n_items);
	return SessionChoose(m, ServeIndex(m), h, chosen) > 0;
}

/*
 * Score the items known only from metadata (cold items): exploration, as
 * Personalize's exploration_weight does it.  An item younger than the age
 * cutoff (or of unknown age) scores
 *     top * exploration_weight * affinity(i) / best affinity * freshness(i)
 * where top is the best score of the list, affinity is the summed share of
 * the item's categories in the user's recency-weighted history, and
 * freshness falls from 1 for an item created at the newest event to 0 at the
 * cutoff.  So with weight 1 the best-matching new item competes with the
 * best known one, with the default 0.3 it reaches a list of 25 only for users
 * whose own scores fall off fast, and with 0 there is no exploration.  Other
 * cold items keep -infinity by not being touched.
 */
static void
Exploration(const RecModel *m, const RecServeIndex *ix, const RecHistory *h, const float *w)
{
	float	   *profile;
	float		top;
	float		best = 0;
	int			first = accum.n_touched;
	int			i;

	if (m->serve.exploration_weight <= 0 || m->n_categories == 0 || m->n_items == m->n_warm ||
		ix->n_young == 0)
		return;

	profile = RecCategoryProfile(m, h, w);
	top = TopWarmScore(m);
	if (top <= 0)
		top = 1;

	/* affinity times freshness first */
	for (i = 0; i < ix->n_young; i++)
	{
		int32		item = ix->young[i];
		float		score = RecExplorationAffinity(m, profile, item);

		if (score < 0)
			continue;
		Touch(item);
		accum.cell[item].acc = score;
		best = Max(best, score);
	}
	for (i = first; i < accum.n_touched && best > 0; i++)
		if (!isinf(accum.cell[accum.touched[i]].acc))
			accum.cell[accum.touched[i]].acc *= top * m->serve.exploration_weight / best;
	RecScratchFree(profile);
}

/* Start a call: no item touched, none lifted, none excluded; return the model's serving index */
static const RecServeIndex *
BeginCall(const RecModel *m, RecScores *s)
{
	int			i;

	EnsureAccumulator(m->n_items);
	for (i = 0; i < accum.n_lifted; i++)
		accum.lifted_flag[accum.lifted_items[i]] = false;
	accum.n_lifted = 0;
	accum.n_touched = 0;
	if (++accum.touch_gen == 0)
	{
		for (i = 0; i < accum.acc_size; i++)
			accum.cell[i].stamp = accum.shown_stamp[i] = 0;
		accum.touch_gen = 1;
	}
	NextGeneration(&accum.excl_gen, accum.excl_stamp);
	s->m = m;
	s->lifted = accum.lifted_flag;
	return ServeIndex(m);
}

/*
 * Bring the touched items' scores to rec's one scale: divide by the sum of
 * the positive finite scores (the untouched items add nothing), so that an
 * item's score is its share of the positive score mass over the whole
 * catalogue (the positive scores sum to 1, as Personalize's do, and the
 * popularity fallback scores an item by its share of all events).  Return
 * the factor applied.
 */
static float
Normalize(void)
{
	Cell	   *pg_restrict cells = accum.cell;	/* locals: see AddRow */
	const int32 *list = accum.touched;
	int			nt = accum.n_touched;
	double		total = 0;
	float		factor;
	int			i;

	/*
	 * the positive finite scores: the positive ones, without a branch (about
	 * half a dense model's scores are negative, in no order a branch could
	 * predict), then again without the infinite or NaN ones if there were any
	 */
	for (i = 0; i < nt; i++)
	{
		float		v = cells[list[i]].acc;
		uint32		bits;

		/* v if its sign bit is clear, else +0 (the compiler branches on v > 0) */
		memcpy(&bits, &v, sizeof(bits));
		bits &= ~(uint32) ((int32) bits >> 31);
		memcpy(&v, &bits, sizeof(v));
		total += v;
	}
	if (!isfinite(total))
	{
		total = 0;
		for (i = 0; i < nt; i++)
		{
			float		v = cells[list[i]].acc;

			if (v > 0 && v < INFINITY)
				total += v;
		}
	}
	if (total <= 0)
		return 1.0f;
	factor = (float) (1.0 / total);
	if (factor > 0 && factor < INFINITY)
	{
		/* an infinite score times a positive finite factor stays itself */
		for (i = 0; i < nt; i++)
			cells[list[i]].acc *= factor;
	}
	else
		for (i = 0; i < nt; i++)
			if (!isinf(cells[list[i]].acc))
				cells[list[i]].acc *= factor;
	return factor;
}

/*
 * Move down what the user was shown again and again without acting on it
 * (Personalize's impressions): an item shown n >= 2 times since the user's
 * last event on it keeps impression_decay^(n - 1) of a positive score (the
 * model's training parameter; 0 or 1 turns it off).  An item the user acted
 * on since is not in shown (RecReadShown).
 */
static void
DemoteShown(const RecModel *m, const RecShown *shown)
{
	float		decay = m->serve.impression_decay;
	int			i;

	if (shown == NULL || !(decay > 0 && decay < 1))
		return;
	for (i = 0; i < shown->n; i++)
	{
		int32		item = shown->items[i];
		Cell	   *c = &accum.cell[item];

		if (shown->times[i] < 2 || c->stamp != accum.touch_gen || !(c->acc > 0) || isinf(c->acc))
			continue;
		c->acc *= (float) pow(decay, shown->times[i] - 1);
		accum.shown_stamp[item] = accum.touch_gen;
	}
}

/*
 * Score a block of histories for RecScoreHistory: a kind that scores several
 * histories at once (a dense model, one matrix product) does it here, the
 * others later, history by history.
 */
void
RecScoreBlock(const RecModel *m, const RecHistory *hs, int nh, RecBlock *block)
{
	const RecServeKind *kind = RecServeKindOf(m);

	block->stride = m->n_warm;
	block->rows = kind->score_block ? kind->score_block(m, hs, nh) : NULL;
}

/*
 * True if the histories of a block (RecScoreBlock) can be scored on worker
 * threads (RecPrepareWorkers): what is left to compute allocates only
 * scratch, as a dense model's rows are in the block.
 */
bool
RecBlockThreadSafe(const RecModel *m, const RecBlock *block)
{
	return RecServeKindOf(m)->score_block == NULL || block->rows != NULL;
}

/* Return history b's row of a block (RecScoreBlock), or NULL if it is scored alone */
const float *
RecBlockRow(const RecBlock *block, int b)
{
	return block->rows ? block->rows + (Size) b * block->stride : NULL;
}

/* Free what RecScoreBlock allocated */
void
RecBlockFree(RecBlock *block)
{
	if (block->rows)
		pfree(block->rows);
	block->rows = NULL;
}

/*
 * Score one history (see the top of this file); return whether it was
 * personalized (else popularity).  row is the history's row of a block
 * (RecBlockRow), or NULL; shown, if not NULL, what the user was shown
 * (DemoteShown).  ex, if not NULL, is prepared to explain the list
 * (RecExplainList, RecContributions).  Exclusions start empty (RecExclude).
 */
bool
RecScoreHistory(const RecModel *m, const RecHistory *h, const float *row, const RecShown *shown,
				RecScores *s, RecExplainer *ex)
{
	const RecServeIndex *ix = BeginCall(m, s);

	s->personalized = ix->kind->sum_rows != NULL && RecScorable(m, h);
	if (ex)
		RecExplainerInit(ex, m, h);
	if (s->personalized)
	{
		float	   *w = ex ? ex->w : RecScratchAlloc(sizeof(float) * Max(h->n, 1), false);
		float	   *tw = ex ? ex->tw : RecScratchAlloc(sizeof(float) * Max(h->n, 1), false);
		float		factor;

		if (!ex)
			RecHistoryWeights(m, h, w);
		ix->kind->sum_rows(m, h, row, w, tw, ex);
		SessionTerm(m, ix, h);
		Exploration(m, ix, h, w);
		DemoteShown(m, shown);
		factor = Normalize();
		if (ex)
			ex->norm = factor;
		else
		{
			RecScratchFree(w);
			RecScratchFree(tw);
		}
	}
	else if (ex)
		ex->norm = ix->pop_factor;
	s->n_touched = accum.n_touched;
	s->touched = accum.touched;
	return s->personalized;
}

/*
 * Score the items of a trending-now list (RecReadTrend): each item with
 * events in the current window gets its rise, brought to rec's one scale
 * (Normalize); every other item scores as in any list (0, the popularity
 * fill, or -infinity).  Return true (a list of its own, never the fallback).
 */
bool
RecScoreTrending(const RecModel *m, const RecTrend *t, RecScores *s)
{
	int			i;

	(void) BeginCall(m, s);
	s->personalized = true;
	for (i = 0; i < t->n; i++)
	{
		Touch(t->items[i]);
		accum.cell[t->items[i]].acc = t->rise[i];
	}
	Normalize();
	s->n_touched = accum.n_touched;
	s->touched = accum.touched;
	return true;
}

/* Order int32 ascending */
static int
CompareInt32(const void *a, const void *b)
{
	int32		x = *(const int32 *) a;
	int32		y = *(const int32 *) b;

	return (x > y) - (x < y);
}

/*
 * Score the items by how much they share the categories of one item (an
 * item known only from metadata, whose similar items are found this way):
 * the Jaccard overlap of their categories, times 0.5 + 0.5 q(j) with q the
 * log-popularity share, so that among equally similar items the known ones
 * come first.  The item has n_mine categories, of which cats[0..n_cats) are
 * the model's.  Only the items of those categories are touched (in index
 * order); the others score as in any list.  Return true (a list of its own).
 */
bool
RecScoreCategories(const RecModel *m, const int32 *cats, int n_cats, int n_mine, RecScores *s)
{
	const RecServeIndex *ix = BeginCall(m, s);
	bool	   *mine;
	int32	   *cand;
	int			n_cand = 0;
	int64		room = 0;
	int			c;
	int32		t;
	int			i;

	s->personalized = true;
	mine = palloc0(sizeof(bool) * Max(m->n_categories, 1));
	for (c = 0; c < n_cats; c++)
	{
		if (mine[cats[c]])
			continue;			/* a category listed twice: its items once */
		mine[cats[c]] = true;
		room += ix->cat_off[cats[c] + 1] - ix->cat_off[cats[c]];
	}
	cand = palloc(sizeof(int32) * Max(room, 1));
	memset(mine, 0, sizeof(bool) * Max(m->n_categories, 1));
	for (c = 0; c < n_cats; c++)
	{
		int32		cat = cats[c];

		if (mine[cat])
			continue;
		mine[cat] = true;

		for (t = ix->cat_off[cat]; t < ix->cat_off[cat + 1]; t++)
			cand[n_cand++] = ix->cat_items[t];
	}
	qsort(cand, n_cand, sizeof(int32), CompareInt32);
	for (i = 0; i < n_cand; i++)
	{
		int32		j = cand[i];
		int			shared = 0;
		int			n_theirs = m->cat_off[j + 1] - m->cat_off[j];

		if (i > 0 && cand[i - 1] == j)
			continue;
		for (c = m->cat_off[j]; c < m->cat_off[j + 1]; c++)
			shared += mine[m->cat_idx[c]];
		Touch(j);
		accum.cell[j].acc = (float) shared / (n_mine + n_theirs - shared) *
			(0.5f + 0.5f * logf(1.0f + m->popularity[j]) / ix->cat_log_max);
	}
	pfree(cand);
	pfree(mine);
	Normalize();
	s->n_touched = accum.n_touched;
	s->touched = accum.touched;
	return true;
}

/* Return the score of any item in the list RecScoreHistory scored last */
float
RecScoreOf(const RecScores *s, int32 item)
{
	const RecModel *m = s->m;

	if (!s->personalized)
	{
		float		p = m->popularity[item];

		return isinf(p) ? p : p * ((const RecServeIndex *) m->serving)->pop_factor;
	}
	if (accum.cell[item].stamp == accum.touch_gen)
		return accum.cell[item].acc;
	return item < m->n_warm ? 0.0f : -INFINITY;
}

/* Leave an item out of the list RecScoreHistory scored last */
void
RecExclude(int32 item)
{
	if (item >= 0 && item < accum.acc_size)
		accum.excl_stamp[item] = accum.excl_gen;
}

/* True if impressions moved an item of the list RecScoreHistory scored last down */
bool
RecDemoted(int32 item)
{
	return item >= 0 && item < accum.acc_size && accum.shown_stamp[item] == accum.touch_gen;
}

/* True if an item is left out of the list RecScoreHistory scored last */
bool
RecExcluded(int32 item)
{
	return accum.excl_stamp[item] == accum.excl_gen;
}

/*
 * Select the k best items of the list RecScoreHistory scored last, or of the
 * included items only (distinct indices), leaving out the excluded ones,
 * into out[] best first; return how many were found.  The order is the one
 * RecTopK gives over the whole catalogue, except that the items scoring 0
 * come most popular first: rows [*fill_start, *fill_end) are that
 * popularity fill.
 */
int
RecListTopK(const RecScores *s, const int32 *include, int n_include, int k,
			  RecScored *out, int *fill_start, int *fill_end)
{
	const RecModel *m = s->m;
	const RecServeIndex *ix = ServeIndex(m);
	const int32 *cand = include ? include : s->personalized ? s->touched : NULL;
	int			n_cand = include ? n_include : s->personalized ? s->n_touched : 0;
	int32	   *ci = RecScratchAlloc(sizeof(int32) * Max(n_cand, 1), false);
	float	   *cs = RecScratchAlloc(sizeof(float) * Max(n_cand, 1), false);
	int			found = 0;
	int			nc;
	int			i;

	/* the positive scores */
	if (cand == NULL)
	{
		/* popularity alone: its order is the order of the scores */
		for (i = 0; i < m->n_items && found < k; i++)
		{
			int32		item = ix->pop_order[i];
			float		v;

			if (RecExcluded(item))
				continue;
			if (!((v = RecScoreOf(s, item)) > 0))
				break;
			out[found].idx = item;
			out[found++].score = v;
		}
	}
	else
	{
		/*
		 * the touched items' scores are their cells' (RecScoreOf), read
		 * through locals (see AddRow): this loop runs over most of a small
		 * catalogue, and offers each candidate to the selection as it goes
		 */
		const Cell *cells = accum.cell;
		const uint32 *excl = accum.excl_stamp;
		uint32		eg = accum.excl_gen;
		bool		all_touched = (cand == s->touched);
		float		worst = -INFINITY;	/* the worst kept, once k are */

		for (i = 0; i < n_cand; i++)
		{
			int32		item = cand[i];
			float		v = all_touched ? cells[item].acc : RecScoreOf(s, item);

			/*
			 * once k are kept, what scores below the worst of them is out:
			 * tested first, as it is rarely false, where v > 0 is a coin
			 * toss on a dense model's scores
			 */
			if (v < worst)
				continue;
			if (v > 0 && excl[item] != eg)
			{
				RecTopKOffer(out, &found, k, item, v);
				if (found == k)
					worst = out[0].score;
			}
		}
		RecTopKFinish(out, found);
	}

	/* the items scoring 0, most popular first */
	*fill_start = found;
	if (found < k && include)
	{
		/* ranked by popularity: minus the position in pop_order, exact in a float below 2^24 items */
		for (i = 0, nc = 0; i < n_cand; i++)
			if (RecScoreOf(s, cand[i]) == 0 && !RecExcluded(cand[i]))
			{
				ci[nc] = cand[i];
				cs[nc++] = -(float) ix->pop_rank[cand[i]];
			}
		nc = RecTopKItems(ci, cs, nc, k - found, out + found);
		for (i = found; i < found + nc; i++)
			out[i].score = 0.0f;
		found += nc;
	}
	else
		for (i = 0; i < m->n_items && found < k; i++)
		{
			int32		item = ix->pop_order[i];

			if (!RecExcluded(item) && RecScoreOf(s, item) == 0)
			{
				out[found].idx = item;
				out[found++].score = 0.0f;
			}
		}
	*fill_end = found;

	/* the negative scores */
	if (found < k && cand)
	{
		for (i = 0, nc = 0; i < n_cand; i++)
		{
			float		v = RecScoreOf(s, cand[i]);

			if (v < 0 && !isinf(v) && !RecExcluded(cand[i]))
			{
				ci[nc] = cand[i];
				cs[nc++] = v;
			}
		}
		found += RecTopKItems(ci, cs, nc, k - found, out + found);
	}

	/* then -infinity, by index */
	if (found < k && include)
	{
		for (i = 0, nc = 0; i < n_cand; i++)
			if (isinf(RecScoreOf(s, cand[i])) && RecScoreOf(s, cand[i]) < 0 &&
				!RecExcluded(cand[i]))
			{
				ci[nc] = cand[i];
				cs[nc++] = -INFINITY;
			}
		found += RecTopKItems(ci, cs, nc, k - found, out + found);
	}
	else
		for (i = 0; i < m->n_items && found < k; i++)
		{
			float		v = RecScoreOf(s, i);

			if (isinf(v) && v < 0 && !RecExcluded(i))
			{
				out[found].idx = i;
				out[found++].score = v;
			}
		}
	RecScratchFree(ci);
	RecScratchFree(cs);
	return found;
}

/*
 * Set (or add, if add) weight times entries [from, to) of a sparse matrix
 * (idx, val) into the contributions of the marked items (marks[item] ==
 * gen, at their rows row[item]), listing each row reached in hit[(*n_hit)++]
 * (a row reached twice is listed twice): ExplainSparseRows' inner loop, one
 * load and test per entry, through restrict locals (see AddRow).
 */
static pg_attribute_always_inline void
ContributeEntry(int32 item, float v, float weight, const uint32 *pg_restrict marks, uint32 gen,
				const int32 *pg_restrict row, float *pg_restrict contrib, int *pg_restrict hit,
				int *n_hit, bool add)
{
	if (likely(marks[item] != gen))	/* most entries are not of a listed item */
		return;
	if (add)
		contrib[row[item]] += weight * v;
	else
		contrib[row[item]] = weight * v;
	hit[(*n_hit)++] = row[item];
}

static pg_attribute_always_inline void
ContributeRow(const int32 *pg_restrict idx, const float *pg_restrict val, int32 from, int32 to,
			  float weight, const uint32 *pg_restrict marks, uint32 gen,
			  const int32 *pg_restrict row, float *pg_restrict contrib, int *pg_restrict hit,
			  int *n_hit, bool add)
{
	const int32 *ip = idx + from;
	const float *vp = val + from;
	int32		turns = (to - from) / 4;
	int32		rest = (to - from) % 4;
	int			nh = *n_hit;

	/* unrolled as AddRow is: four entries a turn */
	for (; turns > 0; turns--, ip += 4, vp += 4)
	{
		ContributeEntry(ip[0], vp[0], weight, marks, gen, row, contrib, hit, &nh, add);
		ContributeEntry(ip[1], vp[1], weight, marks, gen, row, contrib, hit, &nh, add);
		ContributeEntry(ip[2], vp[2], weight, marks, gen, row, contrib, hit, &nh, add);
		ContributeEntry(ip[3], vp[3], weight, marks, gen, row, contrib, hit, &nh, add);
	}
	for (; rest > 0; rest--, ip++, vp++)
		ContributeEntry(ip[0], vp[0], weight, marks, gen, row, contrib, hit, &nh, add);
	*n_hit = nh;
}

/*
 * The sparse kind: the history item behind each listed row.  The listed
 * items are marked (mark_stamp, their rows in row_of), and the history's
 * rows walked once more: each entry is one test of a mark, and each listed
 * item a row reaches gets that event's contribution, its transition part
 * too for an event of the transition window.  The scoring pass keeps no
 * explanation of its own, so that its touch is one 8-byte cell.  The
 * contributions are computed as RecContributions computes them and compared
 * in the order of the events, so the answers are those of RecTopContributor.
 */
static void
ExplainSparseRows(const RecExplainer *ex, const RecScored *rows, const int *explained, int n,
				  int32 *because)
{
	const RecModel *m = ex->m;
	const RecHistory *h = ex->h;
	const uint32 *marks = accum.mark_stamp;	/* locals: see AddRow */
	const int32 *row = accum.row_of;
	uint32		gen;
	float	   *contrib;
	float	   *best;
	int		   *hit;			/* the rows an event reached: an item is in a row at most once */
	int			n_rows = 0;
	int			i;
	int			r;
	int32		k;

	for (k = 0; k < n; k++)
		n_rows = Max(n_rows, explained[k] + 1);
	best = palloc0(sizeof(float) * Max(n_rows, 1));
	contrib = palloc0(sizeof(float) * Max(n_rows, 1));
	hit = palloc(sizeof(int) * 2 * Max(n, 1));
	NextGeneration(&accum.mark_gen, accum.mark_stamp);
	gen = accum.mark_gen;
	for (k = 0; k < n; k++)
	{
		accum.mark_stamp[rows[explained[k]].idx] = gen;
		accum.row_of[rows[explained[k]].idx] = explained[k];
	}

	for (i = 0; i < h->n; i++)
	{
		int32		from = h->items[i];
		int			n_hit = 0;

		if (from < 0 || from >= m->n_warm)
			continue;
		ContributeRow(m->nb_idx, m->nb_sim, m->nb_off[from], m->nb_off[from + 1],
					  ex->scale * ex->w[i], marks, gen, row, contrib, hit, &n_hit, false);
		if (m->n_trans && from < m->n_trans && ex->tw[i] != 0)
			ContributeRow(m->tr_idx, m->tr_val, m->tr_off[from], m->tr_off[from + 1],
						  ex->trans_scale * ex->tw[i], marks, gen, row, contrib, hit, &n_hit, true);
		/* the rows the event reached (a row it did not reach gets 0, no gain) */
		for (k = 0; k < n_hit; k++)
		{
			float		v;

			r = hit[k];
			v = contrib[r] * ex->norm;
			if (v > best[r])
			{
				best[r] = v;
				because[r] = from;
			}
			contrib[r] = 0;
		}
	}
	pfree(hit);
	pfree(contrib);
	pfree(best);
}

/* The dense kind: the history item behind each listed row, one lookup per event */
static void
ExplainDenseRows(const RecExplainer *ex, const RecScored *rows, const int *explained, int n,
				 int32 *because)
{
	int			k;

	for (k = 0; k < n; k++)
		because[explained[k]] = RecTopContributor(ex, rows[explained[k]].idx);
}

/*
 * Say why each row of a list RecScoreHistory scored last is there, and which
 * history item (model index, or -1) is behind it (RecExplainItem): the
 * popularity fallback, a session item, an explored item; for an item the
 * model ranked, the event that contributes most, found by the model kind's
 * walk over the rows ('impressed' if impressions moved it down).
 */
void
RecExplainList(const RecExplainer *ex, const RecScores *s, const RecScored *rows, int n,
			   RecReason *reasons, int32 *because)
{
	const RecModel *m = ex->m;
	int		   *explained = palloc(sizeof(int) * Max(n, 1));
	int			n_explained = 0;
	int			r;

	for (r = 0; r < n; r++)
	{
		int32		item = rows[r].idx;

		if (!s->personalized || item >= m->n_warm || s->lifted[item])
			reasons[r] = RecExplainItem(ex, s->personalized, s->lifted, item, &because[r]);
		else
		{
			reasons[r] = REC_REASON_PERSONALIZED;
			because[r] = -1;	/* unless an event contributes (explain_rows) */
			explained[n_explained++] = r;
		}
	}
	if (n_explained > 0)
		RecServeKindOf(m)->explain_rows(ex, rows, explained, n_explained, because);
	for (r = 0; r < n; r++)
		if (reasons[r] == REC_REASON_PERSONALIZED && accum.shown_stamp[rows[r].idx] == accum.touch_gen)
			reasons[r] = REC_REASON_IMPRESSED;	/* its because item brought it, impressions moved it down */
	pfree(explained);
}
