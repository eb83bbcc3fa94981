/*
 * recipe_sparse.c
 *	  Sparse EASE and sparse item transitions: the item-item models of
 *	  user-personalization at catalogue scale, in memory linear in the
 *	  catalogue.
 *
 * Dense EASE's column j is the ridge regression of item j on every other
 * item: B[:, j] = (G_{-j,-j} + lambda I)^-1 G_{-j,j}, with G = X'X.
 * Neighbourhood-restricted EASE (Steck, "Markov Random Fields for
 * Collaborative Filtering", NeurIPS 2019) keeps, for each target j, only the
 * N items S(j) most related to it and solves the N x N system
 *     (G_SS + lambda I) b = G_Sj
 * so that item j gets at most N incoming weights B[s][j] = b_s.  With S(j)
 * every other item this is dense EASE exactly.
 *
 * G is never held whole.  A streamed pass counts each item's co-occurrence
 * row with a sparse accumulator (item -> users -> items, like sims) and
 * keeps its top m entries by cosine (c_ij / sqrt(n_i n_j)), sorted best
 * first, m between 2N and 8N as the memory limit allows: the first N of row
 * j are S(j), and the entries of G_SS are looked up in the kept rows of S's
 * members (a pair neither row kept counts 0, the MRF approximation).  Such a
 * G_SS can be indefinite; see RecSparseSolve.  Histories longer than GRAM_HISTORY_CAP distinct items
 * contribute their newest GRAM_HISTORY_CAP.  Memory: 8 n m bytes for the
 * pruned Gram, 8 n N for the weights.
 *
 * Transitions (recipe_transition.c) are the same kind of regression, of the
 * next item on the decayed window of events before it:
 *     T[:, j] = (XX_SS + lambda I)^-1 XY_Sj
 * with S(j) the N items that most often precede j (by XY / sqrt(diag XX)).
 * Both XX's rows and XY's columns are accumulated per item over an item ->
 * events index, window^2 work per event, and pruned as they are made.
 *
 * The solves of one pruned matrix can be repeated for several lambdas
 * (tuning), each N^3 / 3 per item.
 */
#include "rec.h"

#include <math.h>

#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "linalg.h"
#include "parallel.h"
#include "recipe.h"
#include "topk.h"

#define GRAM_HISTORY_CAP 2000	/* distinct items of one history counted in the Gram */
#define Square(x) ((x) * (x))
#define SOLVE_RETRIES 4			/* doublings of lambda tried when a system is not SPD */
#define SOLVE_MAX_WORKERS 16	/* threads solving neighbourhoods at once */

/*
 * Return the number of Gram entries kept per item for N neighbours: as many
 * as half of rec.train_memory_limit holds, between 2N and 8N (and the
 * whole row for small catalogues, where the systems are then exact).
 */
int
RecSparseKeepPerRow(int neighbors, int n)
{
	double		budget = (double) rec_train_memory_mb * 1024 * 1024 / 2 / (8.0 * Max(n, 1));
	int			keep = (int) Min(Max(budget, 2.0 * neighbors), 8.0 * neighbors);

	return Min(Max(keep, neighbors + 1), Max(n - 1, 1));
}

/* Bytes a sparse model of n items with N neighbours needs while training */
double
RecSparseMemory(const RecDataset *ds, int neighbors)
{
	double		n = ds->n_warm;
	double		m = RecSparseKeepPerRow(neighbors, ds->n_warm);

	/* pruned rows, the weights and their transpose, the event indexes (freed before the solves) */
	return n * m * 8 + n * neighbors * 16 + (double) ds->n_events * 12;
}

/* Allocate the arrays of a sparse matrix of n rows with room for cap entries */
static void
AllocRows(RecSparseRows *r, int n, int64 cap)
{
	r->n = n;
	r->off = palloc0(sizeof(int64) * (n + 1));
	r->idx = palloc_extended(sizeof(int32) * Max(cap, 1), MCXT_ALLOC_HUGE);
	r->val = palloc_extended(sizeof(float) * Max(cap, 1), MCXT_ALLOC_HUGE);
	r->diag = palloc0(sizeof(float) * Max(n, 1));
}

/* Free the systems a cache keeps */
void
RecFreeSparseCache(RecSparseCache *cache)
{
	if (cache->off)
		pfree(cache->off);
	if (cache->sys)
		pfree(cache->sys);
	memset(cache, 0, sizeof(RecSparseCache));
}

/* Free a sparse matrix's arrays */
void
RecFreeSparseRows(RecSparseRows *r)
{
	pfree(r->off);
	pfree(r->idx);
	pfree(r->val);
	pfree(r->diag);
}

/*
 * Store row i at r's entry `at`: the best `keep` of the n_touched
 * accumulated entries by acc[j] / sqrt(norm[j]) (rank), storing acc[j];
 * clear acc and return how many were kept.
 */
static int
KeepRow(RecSparseRows *r, int i, int64 at, const int32 *touched, int n_touched, float *acc,
		const float *norm, int keep, float *rank, RecScored *best)
{
	int			t;
	int			found;

	for (t = 0; t < n_touched; t++)
	{
		int32		j = touched[t];

		rank[t] = (j == i || acc[j] <= 0) ? NAN : acc[j] / sqrtf(Max(norm[j], 1e-12f));
	}
	found = RecTopK(rank, n_touched, NULL, keep, best);
	for (t = 0; t < found; t++)
	{
		r->idx[at + t] = touched[best[t].idx];
		r->val[at + t] = acc[touched[best[t].idx]];
	}
	for (t = 0; t < n_touched; t++)
		acc[touched[t]] = 0.0f;
	return found;
}

/* Pack rows stored at row * stride (count[row] entries each) into r's CSR, in order */
static void
PackRows(RecSparseRows *r, int64 stride, const int32 *count)
{
	int			i;

	r->off[0] = 0;
	for (i = 0; i < r->n; i++)
	{
		if (r->off[i] != (int64) i * stride)
		{
			memmove(r->idx + r->off[i], r->idx + (int64) i * stride, sizeof(int32) * count[i]);
			memmove(r->val + r->off[i], r->val + (int64) i * stride, sizeof(float) * count[i]);
		}
		r->off[i + 1] = r->off[i] + count[i];
	}
}

/* The inputs, output and per-worker scratch of RecSparseGram's rows */
typedef struct GramJob
{
	const int64 *ioff;			/* item -> users */
	const int32 *iusers;
	const int64 *uoff;			/* user -> distinct items */
	const int32 *uitems;
	const float *uweights;		/* parallel to uitems, or NULL: all weigh 1 */
	const float *iweights;		/* parallel to iusers */
	RecSparseRows *g;			/* out: row i at i * keep */
	int			keep;
	int32	   *count;			/* out: entries kept per row */
	float	   *acc[SOLVE_MAX_WORKERS]; /* [n] co-occurrence counts, zero between rows */
	int32	   *touched[SOLVE_MAX_WORKERS]; /* [n] */
	float	   *rank[SOLVE_MAX_WORKERS];	/* [n] */
	RecScored  *best[SOLVE_MAX_WORKERS];	/* [keep] */
} GramJob;

/* Count and prune the Gram rows [first, last) with worker w's scratch */
static void
GramRows(void *arg, int first, int last, int w)
{
	GramJob    *job = arg;

	/* locals: the stores into acc and touched cannot change them (see score_sparse.c's AddRow) */
	float	   *pg_restrict acc = job->acc[w];
	int32	   *pg_restrict touched = job->touched[w];
	const int32 *pg_restrict uitems = job->uitems;
	const int64 *pg_restrict uoff = job->uoff;
	const float *iweights = job->iweights;
	const float *uweights = job->uweights;
	int			i;

	for (i = first; i < last; i++)
	{
		int			n_touched = 0;
		int64		k;

		for (k = job->ioff[i]; k < job->ioff[i + 1]; k++)
		{
			int			u = job->iusers[k];
			int64		e;

			if (iweights == NULL)
			{
				for (e = uoff[u]; e < uoff[u + 1]; e++)
				{
					int32		j = uitems[e];

					if (acc[j] == 0.0f)
						touched[n_touched++] = j;
					acc[j] += 1.0f;
				}
				continue;
			}
			for (e = uoff[u]; e < uoff[u + 1]; e++)
			{
				int32		j = uitems[e];
				float		v = iweights[k] * uweights[e];

				/* a weight of 0 (underflowed) would list j again: n slots overflow */
				if (v == 0.0f)
					continue;
				if (acc[j] == 0.0f)
					touched[n_touched++] = j;
				acc[j] += v;
			}
		}
		job->count[i] = KeepRow(job->g, i, (int64) i * job->keep, touched, n_touched, acc,
								job->g->diag, job->keep, job->rank[w], job->best[w]);
	}
}

/*
 * Return the pruned Gram matrix of the binary user x warm item matrix: per
 * item its `keep` best co-occurring items (by cosine) with their counts,
 * best first, and the diagonal (users per item).
 */
void
RecSparseGram(const RecDataset *ds, int neighbors, RecSparseRows *g)
{
	int			n = ds->n_warm;
	int			keep = RecSparseKeepPerRow(neighbors, n);
	int64	   *uoff = palloc0(sizeof(int64) * (ds->n_users + 1));
	int32	   *uitems;
	int64	   *ioff = palloc0(sizeof(int64) * (n + 1));
	int32	   *iusers;
	int32	   *mark = palloc0(sizeof(int32) * Max(ds->n_items, 1));
	float	   *uweights = NULL;	/* parallel to uitems, with event weights */
	float	   *iweights = NULL;	/* parallel to iusers */
	float	   *scratch = NULL;
	int			workers = Min(RecTrainWorkers(n, 16), SOLVE_MAX_WORKERS);
	GramJob		job;
	int			u,
				i,
				w;

	RecCheckMemory(RecSparseMemory(ds, neighbors), "the sparse item x item matrix");

	/* distinct items per user (the newest GRAM_HISTORY_CAP), flattened */
	uitems = palloc_extended(sizeof(int32) * Max(ds->n_events, 1), MCXT_ALLOC_HUGE);
	if (ds->ev_weight)
	{
		/* weighted by event type: each user's largest weight on each item */
		uweights = palloc_extended(sizeof(float) * Max(ds->n_events, 1), MCXT_ALLOC_HUGE);
		scratch = palloc0(sizeof(float) * Max(ds->n_items, 1));
	}
	for (u = 0; u < ds->n_users; u++)
	{
		int			len;
		int32	   *items = RecUniqueUserItems(ds, u, mark, u + 1, &len);
		int			first = Max(0, len - GRAM_HISTORY_CAP);

		memcpy(uitems + uoff[u], items + first, sizeof(int32) * (len - first));
		if (uweights)
			RecUserItemWeights(ds, u, items + first, len - first, scratch, uweights + uoff[u]);
		uoff[u + 1] = uoff[u] + (len - first);
		for (i = first; i < len; i++)
			ioff[items[i] + 1]++;
		pfree(items);
	}
	pfree(mark);
	for (i = 0; i < n; i++)
		ioff[i + 1] += ioff[i];
	iusers = palloc_extended(sizeof(int32) * Max(ioff[n], 1), MCXT_ALLOC_HUGE);
	if (uweights)
		iweights = palloc_extended(sizeof(float) * Max(ioff[n], 1), MCXT_ALLOC_HUGE);
	{
		int64	   *next = palloc(sizeof(int64) * (n + 1));
		int64		k;

		memcpy(next, ioff, sizeof(int64) * (n + 1));
		for (u = 0; u < ds->n_users; u++)
			for (k = uoff[u]; k < uoff[u + 1]; k++)
			{
				if (iweights)
					iweights[next[uitems[k]]] = uweights[k];
				iusers[next[uitems[k]]++] = u;
			}
		pfree(next);
	}

	AllocRows(g, n, (int64) n * keep);
	for (i = 0; i < n; i++)
	{
		int64		k;

		g->diag[i] = (float) (ioff[i + 1] - ioff[i]);
		if (iweights)
			for (g->diag[i] = 0, k = ioff[i]; k < ioff[i + 1]; k++)
				g->diag[i] += iweights[k] * iweights[k];
	}

	/* the rows on rec.threads threads, each at its own slot, then packed */
	memset(&job, 0, sizeof(GramJob));
	job.ioff = ioff;
	job.iusers = iusers;
	job.uoff = uoff;
	job.uitems = uitems;
	job.uweights = uweights;
	job.iweights = iweights;
	job.g = g;
	job.keep = keep;
	job.count = palloc(sizeof(int32) * Max(n, 1));
	for (w = 0; w < workers; w++)
	{
		job.acc[w] = palloc0(sizeof(float) * Max(n, 1));
		job.touched[w] = palloc(sizeof(int32) * Max(n, 1));
		job.rank[w] = palloc(sizeof(float) * Max(n, 1));
		job.best[w] = palloc(sizeof(RecScored) * Max(keep, 1));
	}
	RecParallelFor(n, workers, 4, GramRows, &job);
	PackRows(g, keep, job.count);
	for (w = 0; w < workers; w++)
	{
		pfree(job.acc[w]);
		pfree(job.touched[w]);
		pfree(job.rank[w]);
		pfree(job.best[w]);
	}
	pfree(job.count);
	pfree(uoff);
	pfree(uitems);
	pfree(ioff);
	pfree(iusers);
	if (uweights)
	{
		pfree(uweights);
		pfree(iweights);
		pfree(scratch);
	}
}

/* The inputs, outputs and per-worker scratch of RecSparseTransitionStats' rows */
typedef struct TransitionJob
{
	const RecDataset *ds;
	int			window;
	const float *w;				/* [window] weight of the event r + 1 places before a target */
	const double *pair;			/* [window x window] see RecSparseTransitionStats */
	const int32 *ev_user;		/* [n_events] each event's user */
	const int64 *ioff;			/* item -> events */
	const int64 *iev;
	RecSparseRows *xx;			/* out: row i at i * keep */
	RecSparseRows *xy;			/* out: row i at i * near */
	int			keep;
	int			near;
	int32	   *count_x;		/* out: entries kept per row of xx */
	int32	   *count_y;		/* ... of xy */
	float	   *acc_x[SOLVE_MAX_WORKERS];	/* [n], zero between rows */
	float	   *acc_y[SOLVE_MAX_WORKERS];	/* [n], zero between rows */
	int32	   *touch_x[SOLVE_MAX_WORKERS]; /* [n] */
	int32	   *touch_y[SOLVE_MAX_WORKERS]; /* [n] */
	float	   *rank[SOLVE_MAX_WORKERS];	/* [n] */
	RecScored  *best[SOLVE_MAX_WORKERS];	/* [keep] */
} TransitionJob;

/* Accumulate and prune the transition rows [first, last) with worker w's scratch */
static void
TransitionRows(void *arg, int first, int last, int wk)
{
	TransitionJob *job = arg;
	const RecDataset *ds = job->ds;
	int			window = job->window;
	const float *w = job->w;
	const double *pair = job->pair;
	float	   *acc_x = job->acc_x[wk];
	float	   *acc_y = job->acc_y[wk];
	int32	   *touch_x = job->touch_x[wk];
	int32	   *touch_y = job->touch_y[wk];
	int			i;

	for (i = first; i < last; i++)
	{
		int			n_x = 0;
		int			n_y = 0;
		int64		k;

		for (k = job->ioff[i]; k < job->ioff[i + 1]; k++)
		{
			int64		q = job->iev[k];
			int64		start = ds->user_off[job->ev_user[q]];
			int64		end = ds->user_off[job->ev_user[q] + 1];
			int64		p;

			/* X'Y: the events before q in its window predict item i */
			for (p = Max(start, q - window); p < q; p++)
			{
				int32		j = ds->ev_item[p];

				/* a decay of 0, or one underflowing, weighs 0: j would be listed again */
				if (w[q - 1 - p] == 0.0f)
					continue;
				if (acc_y[j] == 0.0f)
					touch_y[n_y++] = j;
				acc_y[j] += w[q - 1 - p];
			}
			/* X'X row i: events within window - 1 of q share the windows of later targets */
			for (p = Max(start, q - window + 1); p <= Min(end - 1, q + window - 1); p++)
			{
				int64		lo = Min(p, q);
				int64		hi = Max(p, q);
				int			last_target = (int) Min((int64) window - 1 - (hi - lo), end - 2 - hi);
				int32		j = ds->ev_item[p];

				if (last_target < 0 || p == q || (float) pair[(hi - lo) * window + last_target] == 0.0f)
					continue;
				if (acc_x[j] == 0.0f)
					touch_x[n_x++] = j;
				acc_x[j] += (float) pair[(hi - lo) * window + last_target];
			}
		}
		job->count_x[i] = KeepRow(job->xx, i, (int64) i * job->keep, touch_x, n_x, acc_x,
								  job->xx->diag, job->keep, job->rank[wk], job->best[wk]);
		job->count_y[i] = KeepRow(job->xy, i, (int64) i * job->near, touch_y, n_y, acc_y,
								  job->xx->diag, job->near, job->rank[wk], job->best[wk]);
	}
}

/*
 * Return the pruned transition statistics: xx, the rows of X'X (the decayed
 * windows before each event), and xy, per target item the items preceding
 * it with their weight in X'Y, best first.  See recipe_transition.c for X
 * and Y.
 */
void
RecSparseTransitionStats(const RecDataset *ds, double decay, int window, int neighbors,
						 RecSparseRows *xx, RecSparseRows *xy)
{
	int			n = ds->n_warm;
	int			keep = RecSparseKeepPerRow(neighbors, n);
	int			near = Min(neighbors, Max(n - 1, 1));
	float	   *w = palloc(sizeof(float) * window);
	double	   *pair = palloc0(sizeof(double) * window * window);	/* [d][r] */
	int32	   *ev_user = palloc_extended(sizeof(int32) * Max(ds->n_events, 1), MCXT_ALLOC_HUGE);
	int64	   *ioff = palloc0(sizeof(int64) * (n + 1));
	int64	   *iev = palloc_extended(sizeof(int64) * Max(ds->n_events, 1), MCXT_ALLOC_HUGE);
	int			workers = Min(RecTrainWorkers(n, 16), SOLVE_MAX_WORKERS);
	TransitionJob job;
	int			u,
				i,
				d,
				r,
				wk;
	int64		e;

	RecCheckMemory(RecSparseMemory(ds, neighbors) + n * (double) neighbors * 8,
				   "the sparse item transition model");

	/* w[r]: weight of the event r + 1 places before a target */
	for (r = 0; r < window; r++)
		w[r] = (r == 0) ? 1.0f : w[r - 1] * (float) decay;
	/* pair[d][R] = sum_{r=0}^{R} w[r + d] w[r]: two events d apart, R + 1 targets after both */
	for (d = 0; d < window; d++)
	{
		double		sum = 0;

		for (r = 0; r + d < window; r++)
		{
			sum += (double) w[r + d] * w[r];
			pair[d * window + r] = sum;
		}
	}

	/* item -> events index */
	for (u = 0; u < ds->n_users; u++)
		for (e = ds->user_off[u]; e < ds->user_off[u + 1]; e++)
		{
			ev_user[e] = u;
			ioff[ds->ev_item[e] + 1]++;
		}
	for (i = 0; i < n; i++)
		ioff[i + 1] += ioff[i];
	{
		int64	   *next = palloc(sizeof(int64) * (n + 1));

		memcpy(next, ioff, sizeof(int64) * (n + 1));
		for (e = 0; e < ds->n_events; e++)
			if (ds->ev_item[e] < n)
				iev[next[ds->ev_item[e]]++] = e;
		pfree(next);
	}

	AllocRows(xx, n, (int64) n * keep);
	AllocRows(xy, n, (int64) n * near);

	/* the diagonal of X'X first: preceding items are ranked by it */
	for (e = 0; e < ds->n_events; e++)
	{
		int64		end = ds->user_off[ev_user[e] + 1];
		int			last = (int) Min((int64) window - 1, end - 2 - e);

		if (last >= 0 && ds->ev_item[e] < n)
			xx->diag[ds->ev_item[e]] += (float) pair[last];
	}

	/* the rows on rec.threads threads, each at its own slots, then packed */
	memset(&job, 0, sizeof(TransitionJob));
	job.ds = ds;
	job.window = window;
	job.w = w;
	job.pair = pair;
	job.ev_user = ev_user;
	job.ioff = ioff;
	job.iev = iev;
	job.xx = xx;
	job.xy = xy;
	job.keep = keep;
	job.near = near;
	job.count_x = palloc(sizeof(int32) * Max(n, 1));
	job.count_y = palloc(sizeof(int32) * Max(n, 1));
	for (wk = 0; wk < workers; wk++)
	{
		job.acc_x[wk] = palloc0(sizeof(float) * Max(n, 1));
		job.acc_y[wk] = palloc0(sizeof(float) * Max(n, 1));
		job.touch_x[wk] = palloc(sizeof(int32) * Max(n, 1));
		job.touch_y[wk] = palloc(sizeof(int32) * Max(n, 1));
		job.rank[wk] = palloc(sizeof(float) * Max(n, 1));
		job.best[wk] = palloc(sizeof(RecScored) * Max(keep, 1));
	}
	RecParallelFor(n, workers, 4, TransitionRows, &job);
	PackRows(xx, keep, job.count_x);
	PackRows(xy, near, job.count_y);
	for (wk = 0; wk < workers; wk++)
	{
		pfree(job.acc_x[wk]);
		pfree(job.acc_y[wk]);
		pfree(job.touch_x[wk]);
		pfree(job.touch_y[wk]);
		pfree(job.rank[wk]);
		pfree(job.best[wk]);
	}
	pfree(job.count_x);
	pfree(job.count_y);
	pfree(w);
	pfree(pair);
	pfree(ev_user);
	pfree(ioff);
	pfree(iev);
}

/* The inputs, outputs and per-worker scratch of one RecSparseSolve */
typedef struct SolveJob
{
	const RecSparseRows *a;
	const RecSparseRows *targets;
	double		lambda;
	RecSparseCache *cache;		/* systems kept across lambdas, or NULL */
	const int64 *col_off;		/* [n + 1] where each target's weights go */
	int32	   *from;			/* out: the neighbour of each weight */
	float	   *weight;			/* out: the weight */
	int32	   *pos[SOLVE_MAX_WORKERS];	/* [n] each item's place in the current S, else -1 */
	float	   *sys[SOLVE_MAX_WORKERS];	/* cap x cap: the system */
	float	   *copy[SOLVE_MAX_WORKERS];	/* cap^2 */
	float	   *rhs[SOLVE_MAX_WORKERS]; /* cap */
	int			retried[SOLVE_MAX_WORKERS];
	int			unsolved[SOLVE_MAX_WORKERS];
} SolveJob;

/*
 * Fill sys (k x k) with A_SS for a target's neighbourhood S =
 * members[0..k-1]: each member's kept row is scanned for partners in S
 * (pos[item] is the item's place in S, -1 outside it; most entries are
 * outside, a branch the processor predicts well) and written into the
 * member's own row of sys, in order; then sys is made symmetric, a pair
 * being kept by either row or both with the same count (the larger of the
 * two, as both rows' entries would give it).  Writing the rows one at a
 * time keeps the scan's stores on one row, not on a column k floats apart.
 */
static void
BuildSystem(const RecSparseRows *a, const int32 *members, int k, int32 *pos, float *sys)
{
	const int32 *pg_restrict where = pos;	/* locals: the stores into sys cannot change them */
	int			s,
				o;

	for (s = 0; s < k; s++)
		pos[members[s]] = s;
	memset(sys, 0, sizeof(float) * (Size) k * k);
	for (s = 0; s < k; s++)
	{
		int32		item = members[s];
		float	   *pg_restrict row = sys + (Size) s * k;
		const int32 *pg_restrict ip = a->idx + a->off[item];
		const int32 *end = a->idx + a->off[item + 1];
		const float *pg_restrict vp = a->val + a->off[item];

		for (; ip < end; ip++, vp++)
		{
			int32		other = where[*ip];

			if (other >= 0)
				row[other] = Max(row[other], *vp);
		}
		row[s] = a->diag[item];	/* over the row's own entry, if it kept one */
	}
	for (s = 0; s < k; s++)
		for (o = s + 1; o < k; o++)
		{
			float		v = Max(sys[(Size) s * k + o], sys[(Size) o * k + s]);

			sys[(Size) s * k + o] = v;
			sys[(Size) o * k + s] = v;
		}
	for (s = 0; s < k; s++)
		pos[members[s]] = -1;
}

/* Solve the targets [first, last) of a job with worker w's scratch */
static void
SolveTargets(void *arg, int first_target, int last_target, int w)
{
	SolveJob   *job = arg;
	const RecSparseRows *a = job->a;
	const RecSparseRows *targets = job->targets;
	RecSparseCache *cache = job->cache;
	float	   *sys = job->sys[w];
	float	   *copy = job->copy[w];
	float	   *rhs = job->rhs[w];
	int			j,
				s;

	for (j = first_target; j < last_target; j++)
	{
		int64		first = targets->off[j];
		int			k = (int) (job->col_off[j + 1] - job->col_off[j]);
		double		lam = job->lambda;
		bool		solved = false;
		float	   *kept;
		int			attempt;

		if (k == 0)
			continue;
		kept = (cache && cache->sys) ? cache->sys + cache->off[j] : NULL;
		if (kept && cache->filled)
			memcpy(sys, kept, sizeof(float) * (Size) k * k);
		else
		{
			BuildSystem(a, targets->idx + first, k, job->pos[w], sys);
			if (kept)
				memcpy(kept, sys, sizeof(float) * (Size) k * k);
		}
		for (attempt = 0; attempt <= SOLVE_RETRIES && !solved; attempt++, lam *= 2)
		{
			/* the factorisation overwrites sys: keep a copy for another attempt */
			if (attempt == 0)
				memcpy(copy, sys, sizeof(float) * (Size) k * k);
			else
				memcpy(sys, copy, sizeof(float) * (Size) k * k);
			for (s = 0; s < k; s++)
			{
				sys[(Size) s * k + s] += (float) lam;
				rhs[s] = targets->val[first + s];
			}
			solved = RecSolveSpd(sys, rhs, k, 1);
			job->retried[w] += !solved;
		}
		job->unsolved[w] += !solved;
		if (!solved)
		{
			/* last resort: the neighbours' own regressions, without their covariances */
			for (s = 0; s < k; s++)
				rhs[s] = targets->val[first + s] / (a->diag[targets->idx[first + s]] + (float) job->lambda);
		}
		for (s = 0; s < k; s++)
		{
			job->from[job->col_off[j] + s] = targets->idx[first + s];
			job->weight[job->col_off[j] + s] = rhs[s];
		}
	}
}

/*
 * Solve, for every target item j, (A_SS + lambda I) b = rhs, with S(j) and
 * rhs the first `neighbors` entries of targets' row j and A_SS looked up in
 * a's kept rows (and diagonal); return the weights as rows by source item
 * (row s: the items j that s predicts, with b_s), the form serving (score_sparse.c)
 * reads, in *off_out, *idx_out, *val_out.  With a cache, the systems are
 * kept (when they fit a quarter of rec.train_memory_limit) on the first call
 * and reused by the next, which differ in lambda only.  A system that is not positive
 * definite (the pairs that neither row kept count 0) is solved again with
 * twice the lambda, up to SOLVE_RETRIES times, and after that without its
 * off-diagonal entries: each neighbour's weight is its own ridge regression.
 * The targets are solved on rec.threads threads (parallel.c); each target's
 * weights are the same whichever thread solves it.
 */
int64
RecSparseSolve(const RecSparseRows *a, const RecSparseRows *targets, int neighbors,
			   double lambda, RecSparseCache *cache, int32 **off_out, int32 **idx_out, float **val_out)
{
	int			n = a->n;
	int			cap = Min(neighbors, Max(n - 1, 1));
	int			workers = Min(RecTrainWorkers(n, 64), SOLVE_MAX_WORKERS);
	int64	   *col_off = palloc0(sizeof(int64) * (n + 1));
	SolveJob	job;
	int32	   *off;
	int32	   *idx;
	float	   *val;
	int64		nnz;
	int			retried = 0;
	int			unsolved = 0;
	int			j,
				w,
				t;

	TimestampTz started = GetCurrentTimestamp();

	/* keep the systems for the next lambda if they fit a quarter of the memory limit */
	if (cache && cache->sys == NULL)
	{
		double		bytes = 0;

		for (j = 0; j < n; j++)
			bytes += 4.0 * Square(Min((int64) cap, targets->off[j + 1] - targets->off[j]));
		if (bytes <= (double) rec_train_memory_mb * 1024 * 1024 / 4 && bytes < (double) MaxAllocHugeSize)
		{
			cache->off = palloc0(sizeof(int64) * (n + 1));
			for (j = 0; j < n; j++)
				cache->off[j + 1] = cache->off[j] +
					Square(Min((int64) cap, targets->off[j + 1] - targets->off[j]));
			cache->sys = palloc_extended(sizeof(float) * Max(cache->off[n], 1), MCXT_ALLOC_HUGE);
			cache->filled = false;
		}
	}

	/* where each target's weights go: its first min(cap, row length) entries */
	for (j = 0; j < n; j++)
		col_off[j + 1] = col_off[j] + Min((int64) cap, targets->off[j + 1] - targets->off[j]);
	memset(&job, 0, sizeof(SolveJob));
	job.a = a;
	job.targets = targets;
	job.lambda = lambda;
	job.cache = cache;
	job.col_off = col_off;
	job.from = palloc_extended(sizeof(int32) * Max(col_off[n], 1), MCXT_ALLOC_HUGE);
	job.weight = palloc_extended(sizeof(float) * Max(col_off[n], 1), MCXT_ALLOC_HUGE);
	for (w = 0; w < workers; w++)
	{
		job.pos[w] = palloc(sizeof(int32) * Max(n, 1));
		for (j = 0; j < n; j++)
			job.pos[w][j] = -1;
		job.sys[w] = palloc(sizeof(float) * (Size) cap * cap);
		job.copy[w] = palloc(sizeof(float) * (Size) cap * cap);
		job.rhs[w] = palloc(sizeof(float) * Max(cap, 1));
	}

	/* many small factorisations: one BLAS thread each, the targets spread over the workers */
	RecSetBlasThreads(1);
	RecParallelFor(n, workers, 8, SolveTargets, &job);
	RecSetBlasThreads(rec_threads);
	for (w = 0; w < workers; w++)
	{
		retried += job.retried[w];
		unsolved += job.unsolved[w];
		pfree(job.pos[w]);
		pfree(job.sys[w]);
		pfree(job.copy[w]);
		pfree(job.rhs[w]);
	}
	if (cache && cache->sys)
		cache->filled = true;
	elog(DEBUG1, "sparse solve: %d items, %d neighbours, lambda %g, %d threads: %d retries, %d solved without covariances, %.3f s",
		 n, cap, lambda, workers, retried, unsolved, (double) (GetCurrentTimestamp() - started) / USECS_PER_SEC);

	/* transpose: by target -> by source */
	nnz = col_off[n];
	off = palloc0(sizeof(int32) * (n + 1));
	idx = palloc_extended(sizeof(int32) * Max(nnz, 1), MCXT_ALLOC_HUGE);
	val = palloc_extended(sizeof(float) * Max(nnz, 1), MCXT_ALLOC_HUGE);
	for (t = 0; t < nnz; t++)
		off[job.from[t] + 1]++;
	for (j = 0; j < n; j++)
		off[j + 1] += off[j];
	{
		int32	   *next = palloc(sizeof(int32) * (n + 1));

		memcpy(next, off, sizeof(int32) * (n + 1));
		for (j = 0; j < n; j++)
		{
			int64		e;

			for (e = col_off[j]; e < col_off[j + 1]; e++)
			{
				idx[next[job.from[e]]] = j;
				val[next[job.from[e]]++] = job.weight[e];
			}
		}
		pfree(next);
	}
	pfree(job.from);
	pfree(job.weight);
	pfree(col_off);
	*off_out = off;
	*idx_out = idx;
	*val_out = val;
	return nnz;
}

/* Set a model's EASE weights from a pruned Gram matrix (sparse kind) */
void
RecSparseEaseInto(RecModel *m, const RecSparseRows *g, int neighbors, double lambda,
				  RecSparseCache *cache)
{
	m->nnz_neighbors = RecSparseSolve(g, g, neighbors, lambda, cache, &m->nb_off, &m->nb_idx, &m->nb_sim);
}

/* Set a model's transition weights from pruned transition statistics (sparse kind) */
void
RecSparseTransitionsInto(RecModel *m, const RecSparseRows *xx, const RecSparseRows *xy,
						 int neighbors, double lambda, RecSparseCache *cache)
{
	m->n_trans = m->n_warm;
	m->nnz_trans = RecSparseSolve(xx, xy, neighbors, lambda, cache, &m->tr_off, &m->tr_idx, &m->tr_val);
}
