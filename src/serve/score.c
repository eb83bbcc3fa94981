/*
 * score.c
 *	  What scoring reads from a history (recency and transition weights, the
 *	  category profile, exploration's affinity), the dense kind's
 *	  collaborative rows, and explaining a score by the history events
 *	  behind it.
 *
 * A personalized score is the collaborative part (EASE rows or sims
 * neighbours of the recency-weighted history, plus item transitions from the
 * newest events), the session term (a few items of a category the newest
 * events turn to) and, for items known only from metadata, exploration; the
 * whole of it is put together once, in score_sparse.c, for every kind of
 * model.
 */
#include "rec.h"

#include <math.h>

#include "utils/memutils.h"

#include "linalg.h"
#include "parallel.h"
#include "model.h"
#include "score.h"
#include "topk.h"

#define GEMM_MIN_DENSITY 4		/* a block of histories scores with one sgemm when they
								 * average more than n_items / 4 events; below that, summing
								 * the rows of each event a tile at a time (EaseTiles) is cheaper */
#define DENSE_ROWS_PER_WORKER 32	/* a block's histories a thread must have to be worth starting */
#define DENSE_ROWS_CHUNK 8		/* histories a thread takes at a time */
#define EASE_TILE_BYTES (512 * 1024)	/* the slice of the model's rows a block sums at a
										 * time (EaseTiles): within a core's L2 cache */
#define EASE_TILE_STEP 64		/* a tile's width is a multiple of the columns
								 * RecAxpyRows keeps in registers */
#define AXPY_ONE_THREAD_MAX 10000	/* OpenBLAS runs a saxpy (RecAxpyRows on a CPU without
									 * FMA) of at most this many floats on the calling
									 * thread, so several threads may run them at once; a
									 * longer one uses its own threads */

/*
 * Weigh each event of a history by recency: the j-th newest event weighs
 * floor + (1 - floor) * 2^(-j / half_life); a half-life of 0 weighs all 1.
 * Each weight is multiplied by the event's type weight when the history has them.
 */
void
RecHistoryWeights(const RecModel *m, const RecHistory *h, float *w)
{
	float		half = m->serve.recency_half_life;
	float		floor = m->serve.recency_floor;
	int			i;

	for (i = 0; i < h->n; i++)
	{
		int			j = h->n - 1 - i;

		w[i] = half > 0 ? floor + (1.0f - floor) * exp2f(-(float) j / half) : 1.0f;
		if (h->weights)
			w[i] *= h->weights[i];	/* the event type's weight (event_weights) */
	}
}

/*
 * Return a history's weighted category profile, [n_categories]: each event
 * spreads its weight evenly over its item's categories.
 */
float *
RecCategoryProfile(const RecModel *m, const RecHistory *h, const float *w)
{
	float	   *profile = RecScratchAlloc(sizeof(float) * Max(m->n_categories, 1), true);
	int			i,
				c;

	for (i = 0; i < h->n; i++)
	{
		int32		item = h->items[i];
		int			nc;

		if (item < 0 || (nc = m->cat_off[item + 1] - m->cat_off[item]) == 0)
			continue;
		for (c = m->cat_off[item]; c < m->cat_off[item + 1]; c++)
			profile[m->cat_idx[c]] += w[i] / nc;
	}
	return profile;
}

/*
 * Return a young cold item's exploration score before scaling: its affinity
 * to the profile times its freshness (an unknown age counts as new); -1 if it
 * shares no category with the profile.
 */
float
RecExplorationAffinity(const RecModel *m, const float *profile, int32 item)
{
	float		age = m->item_age[item];
	float		cutoff = m->serve.exploration_age_cutoff;
	float		affinity = 0;
	int			c;

	for (c = m->cat_off[item]; c < m->cat_off[item + 1]; c++)
		affinity += profile[m->cat_idx[c]];
	if (affinity <= 0)
		return -1;
	return affinity * (isnan(age) ? 1.0f : 1.0f - Max(age, 0) / Max(cutoff, 1e-3f));
}

/* Return a sparse CSR's entry (row, col), 0 if absent */
static float
SparseEntry(const int32 *off, const int32 *idx, const float *val, int32 row, int32 col)
{
	int32		k;

	for (k = off[row]; k < off[row + 1]; k++)
		if (idx[k] == col)
			return val[k];
	return 0.0f;
}

/*
 * Weigh the newest transition_window events by transition_decay^age, the rest
 * 0.  With a context, the window holds the newest events of that context
 * only: what comes next there follows the user's session in that context.
 */
void
RecTransitionWeights(const RecModel *m, const RecHistory *h, float *w)
{
	int			window = (int) m->serve.transition_window;
	float		weight = 1.0f;
	int			age = 0;
	int			i;

	for (i = h->n - 1; i >= 0; i--)
	{
		if (h->in_context && !h->in_context[i])
		{
			w[i] = 0.0f;
			continue;
		}
		w[i] = (age++ < window) ? weight : 0.0f;
		if (h->items[i] >= 0)
			weight *= m->serve.transition_decay;
	}
}

/* Return the factor that brings a row's largest value to target (1 if none is positive) */
static float
RowScale(const float *row, int n, float target)
{
	float		top = 0;
	int			i;

	for (i = 0; i < n; i++)
		top = Max(top, row[i]);
	return top > 0 ? target / top : 1.0f;
}

/* Multiply a row by a factor */
static void
ScaleRow(float *row, int n, float factor)
{
	int			i;

	for (i = 0; i < n; i++)
		row[i] *= factor;
}

/* True if a history holds an item the model can score from */
bool
RecScorable(const RecModel *m, const RecHistory *h)
{
	int			i;

	for (i = 0; i < h->n; i++)
		if (h->items[i] >= 0 && h->items[i] < m->n_warm)
			return true;
	return false;
}

/*
 * True if the EASE part of a block of histories is summed faster by one
 * matrix product than history by history: histories that average more than
 * n_warm / GEMM_MIN_DENSITY events.
 */
static bool
GemmWorth(const RecModel *m, const RecHistory *hs, int nh)
{
	int64		events = 0;
	int			u;

	if (nh < 4)
		return false;
	for (u = 0; u < nh; u++)
		events += hs[u].n;
	return events * GEMM_MIN_DENSITY >= (int64) nh * m->n_warm;
}

/*
 * Return the threads that sum the dense rows of a block of nh histories
 * (EaseTiles, DenseRowsRange): as many as BLAS has now (rec.threads while
 * training, one while serving), each with DENSE_ROWS_PER_WORKER histories
 * at least.
 */
static int
DenseRowsWorkers(const RecModel *m, int nh)
{
	if (nh <= 1 || m->n_warm > AXPY_ONE_THREAD_MAX)
		return 1;
	return Min(RecTrainWorkers(nh, DENSE_ROWS_PER_WORKER), RecBlasThreads());
}

/* Return the columns of the EASE rows a block sums at a time (EaseTiles) */
static int
EaseTileWidth(int n)
{
	int			width = EASE_TILE_BYTES / (sizeof(float) * Max(n, 1)) / EASE_TILE_STEP * EASE_TILE_STEP;

	return Min(Max(width, EASE_TILE_STEP), Max(n, 1));
}

/*
 * True if a block of histories is scored faster together (RecDenseRows)
 * than one by one: a dense model and more than one history, whose sums
 * read each slice of the model's rows once for all of them.
 */
bool
RecDenseBlockWorth(const RecModel *m, const RecHistory *hs pg_attribute_unused(), int nh)
{
	return m->kind == REC_KIND_ITEM_DENSE && nh > 1;
}

/* What the histories of a block share while their dense rows are summed (RecDenseRows) */
typedef struct DenseRows
{
	const RecModel *m;
	const RecHistory *hs;
	int			nh;
	float	   *rows;			/* [nh x n_warm] */
	float	   *w;				/* each history's weights: history u's from w_off[u] */
	int64	   *w_off;
	int			tile;			/* columns of the EASE rows summed at a time (EaseTiles) */
	int			max_n;			/* the longest history */
	float	   *scratch;		/* per worker: tw [max_n], trow [n_warm] */
	RecExplainer *ex;			/* the one history's explainer, or NULL */
} DenseRows;

/*
 * Sum the EASE rows of every history of a block over the column tiles
 * [first, last) (RecDenseRows).  A tile of the model's rows, read once from
 * memory, stays in the CPU's cache while every history of the block adds its
 * events' slices of it; history after history, each would read whole rows
 * from memory again.  Pure computation: the tiles may go to threads.
 */
static void
EaseTiles(void *arg, int first, int last, int worker pg_attribute_unused())
{
	DenseRows  *d = arg;
	int			n = d->m->n_warm;
	int			t;
	int			u;

	for (t = first; t < last; t++)
	{
		int			c0 = t * d->tile;
		int			len = Min(d->tile, n - c0);

		for (u = 0; u < d->nh; u++)
		{
			const RecHistory *h = &d->hs[u];
			float	   *slice = d->rows + (Size) u * n + c0;

			memset(slice, 0, sizeof(float) * len);
			RecAxpyRows(len, d->m->dense + c0, n, n, h->items, d->w + d->w_off[u], h->n, slice);
		}
	}
}

/*
 * Add the transition rows of histories [first, last) of a block to their
 * EASE rows (RecDenseRows), each part brought to its best score, and keep
 * what explaining the one history needs; with worker's scratch, pure
 * computation, so that the histories may go to threads.
 */
static void
DenseRowsRange(void *arg, int first, int last, int worker)
{
	DenseRows  *d = arg;
	const RecModel *m = d->m;
	int			n = m->n_warm;
	float	   *tw = d->scratch + (Size) worker * (d->max_n + n);
	float	   *trow = tw + d->max_n;
	int			u;
	int			i;

	for (u = first; u < last; u++)
	{
		const RecHistory *h = &d->hs[u];
		float	   *row = d->rows + (Size) u * n;
		float		scale = 1.0f;
		float		trans_scale = 0.0f;

		memset(tw, 0, sizeof(float) * d->max_n);
		if (m->n_trans)
		{
			memset(trow, 0, sizeof(float) * n);
			RecTransitionWeights(m, h, tw);
			RecAxpyRows(m->n_trans, m->trans, m->n_trans, m->n_trans, h->items, tw, h->n, trow);
			scale = RowScale(row, n, 1.0f);
			trans_scale = RowScale(trow, n, m->serve.transition_weight);
			ScaleRow(row, n, scale);
			ScaleRow(trow, n, trans_scale);
			for (i = 0; i < n; i++)
				row[i] += trow[i];
		}
		if (d->ex)
		{
			/* what explaining this list needs, from the pass just made */
			memcpy(d->ex->w, d->w + d->w_off[u], sizeof(float) * Max(h->n, 1));
			memcpy(d->ex->tw, tw, sizeof(float) * Max(h->n, 1));
			d->ex->scale = scale;
			d->ex->trans_scale = trans_scale;
		}
	}
}

/*
 * Score the collaborative part of a dense model for a block of histories
 * into rows [nh x n_warm]: the EASE rows of the recency-weighted history,
 * brought to a best score of 1 and plus the transition rows brought to
 * transition_weight when the model has transitions.  The EASE part of a
 * block worth it (GemmWorth) goes with one matrix product, else a tile of
 * columns at a time for the whole block (EaseTiles), the tiles spread over
 * rec.threads threads; the transitions always go history by history, as at
 * most transition_window rows each (a matrix product would multiply the
 * whole catalogue's zeros).  ex, if not NULL (nh == 1), gets the weights
 * and scales the explanation needs.
 */
void
RecDenseRows(const RecModel *m, const RecHistory *hs, int nh, float *rows, RecExplainer *ex)
{
	int			n = m->n_warm;
	int			workers = DenseRowsWorkers(m, nh);
	DenseRows	d;
	int64		total = 0;
	int			u;
	int			i;

	Assert(m->kind == REC_KIND_ITEM_DENSE);
	Assert(ex == NULL || nh == 1);
	d.m = m;
	d.hs = hs;
	d.nh = nh;
	d.rows = rows;
	d.ex = ex;
	d.max_n = 1;
	d.w_off = palloc(sizeof(int64) * (nh + 1));
	for (u = 0; u < nh; u++)
	{
		d.w_off[u] = total;
		total += hs[u].n;
		d.max_n = Max(d.max_n, hs[u].n);
	}
	d.w = palloc_extended(sizeof(float) * Max(total, 1), MCXT_ALLOC_HUGE);
	for (u = 0; u < nh; u++)
		RecHistoryWeights(m, &hs[u], d.w + d.w_off[u]);

	if (GemmWorth(m, hs, nh))
	{
		float	   *x = palloc_extended(sizeof(float) * (Size) nh * n, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);

		for (u = 0; u < nh; u++)
			for (i = 0; i < hs[u].n; i++)
				if (hs[u].items[i] >= 0 && hs[u].items[i] < n)
					x[(Size) u * n + hs[u].items[i]] += d.w[d.w_off[u] + i];
		RecGemm(nh, n, n, x, m->dense, rows);
		pfree(x);
	}
	else
	{
		int			n_tiles;

		d.tile = nh > 1 ? EaseTileWidth(n) : n;
		n_tiles = (n + d.tile - 1) / d.tile;
		if (workers > 1)
			RecParallelFor(n_tiles, Min(workers, n_tiles), 1, EaseTiles, &d);
		else
			EaseTiles(&d, 0, n_tiles, 0);
	}

	if (m->n_trans || ex)
	{
		d.scratch = palloc_extended(sizeof(float) * (Size) workers * (d.max_n + n), MCXT_ALLOC_HUGE);
		if (workers > 1 && m->n_trans)
			RecParallelFor(nh, workers, DENSE_ROWS_CHUNK, DenseRowsRange, &d);
		else
			DenseRowsRange(&d, 0, nh, 0);
		pfree(d.scratch);
	}
	pfree(d.w);
	pfree(d.w_off);
}

/*
 * Prepare to explain the scores of one history: its weights; the scales
 * the collaborative part and normalisation apply are filled in by the
 * scoring pass itself (RecScoreHistory), so that each item's explanation then
 * costs one lookup per event.
 */
void
RecExplainerInit(RecExplainer *ex, const RecModel *m, const RecHistory *h)
{
	ex->m = m;
	ex->h = h;
	ex->w = palloc(sizeof(float) * Max(h->n, 1));
	ex->tw = palloc(sizeof(float) * Max(h->n, 1));
	ex->scale = 1.0f;
	ex->trans_scale = 0.0f;
	ex->norm = 1.0f;
	RecHistoryWeights(m, h, ex->w);
	memset(ex->tw, 0, sizeof(float) * Max(h->n, 1));
}

/*
 * Fill contrib[i] with what history event i adds to the collaborative score
 * of item: its weighted row entry (EASE), neighbour similarity (sims), and
 * its transition entry, each scaled as the scoring pass (RecScoreHistory) scaled
 * it.
 */
void
RecContributions(const RecExplainer *ex, int32 item, float *contrib)
{
	const RecModel *m = ex->m;
	const RecHistory *h = ex->h;
	int			n = m->n_warm;
	int			i;

	memset(contrib, 0, sizeof(float) * h->n);
	if (m->kind == REC_KIND_POPULARITY || item < 0 || item >= n)
		return;
	for (i = 0; i < h->n; i++)
	{
		int32		from = h->items[i];
		int32		k;

		if (from < 0 || from >= n)
			continue;
		if (m->kind == REC_KIND_ITEM_SPARSE)
		{
			for (k = m->nb_off[from]; k < m->nb_off[from + 1]; k++)
				if (m->nb_idx[k] == item)
					contrib[i] = ex->scale * ex->w[i] * m->nb_sim[k];
			if (m->n_trans)
				contrib[i] += ex->trans_scale * ex->tw[i] *
					SparseEntry(m->tr_off, m->tr_idx, m->tr_val, from, item);
		}
		else
		{
			contrib[i] = ex->scale * ex->w[i] * m->dense[(Size) from * n + item];
			if (m->n_trans)
				contrib[i] += ex->trans_scale * ex->tw[i] * m->trans[(Size) from * n + item];
		}
		contrib[i] *= ex->norm;
	}
}

/*
 * Return the history item (model index) whose event contributes most to
 * item's collaborative score, the first such event on a tie; -1 if no event
 * contributes a positive amount.
 */
int32
RecTopContributor(const RecExplainer *ex, int32 item)
{
	const RecHistory *h = ex->h;
	float	   *contrib = palloc(sizeof(float) * Max(h->n, 1));
	float		best = 0;
	int32		because = -1;
	int			i;

	RecContributions(ex, item, contrib);
	for (i = 0; i < h->n; i++)
		if (contrib[i] > best)
		{
			best = contrib[i];
			because = h->items[i];
		}
	pfree(contrib);
	return because;
}

/*
 * Say why item is in a list scored from the explainer's history, and which
 * history item (model index, or -1) is behind it: for a personalized item
 * the event that contributes most, for a session item the newest event
 * sharing one of its categories.
 */
RecReason
RecExplainItem(const RecExplainer *ex, bool personalized, const bool *lifted, int32 item,
			   int32 *because)
{
	const RecModel *m = ex->m;
	const RecHistory *h = ex->h;
	int			i;

	*because = -1;
	if (!personalized)
		return REC_REASON_POPULAR;
	if (item >= m->n_warm)
		return REC_REASON_EXPLORATION;
	if (lifted && lifted[item])
	{
		for (i = h->n - 1; i >= 0 && *because < 0; i--)
		{
			int32		from = h->items[i];
			int			a,
						b;

			if (from < 0)
				continue;
			for (a = m->cat_off[from]; a < m->cat_off[from + 1]; a++)
				for (b = m->cat_off[item]; b < m->cat_off[item + 1]; b++)
					if (m->cat_idx[a] == m->cat_idx[b])
						*because = from;
		}
		return REC_REASON_SESSION;
	}
	*because = RecTopContributor(ex, item);
	return REC_REASON_PERSONALIZED;
}

/* Return the SQL name of a reason */
const char *
RecReasonName(RecReason reason)
{
	switch (reason)
	{
		case REC_REASON_PERSONALIZED:
			return "personalized";
		case REC_REASON_POPULAR:
			return "popular";
		case REC_REASON_SESSION:
			return "session";
		case REC_REASON_EXPLORATION:
			return "exploration";
		case REC_REASON_SIMILAR:
			return "similar";
		case REC_REASON_CATEGORY:
			return "category";
		case REC_REASON_IMPRESSED:
			return "impressed";
		case REC_REASON_TRENDING:
			return "trending";
	}
	return "personalized";
}
