/*
 * score_sparse.c
 *	  Scoring one history over the items it touches, so that serving costs
 *	  history x neighbours, not the catalogue.
 *
 * For a model whose rows are sparse (sims, sparse EASE, sparse transitions)
 * and for popularity, a call sums the history's neighbour rows into a
 * per-backend accumulator: one cell per item (generation stamp, score,
 * transition part, list row), allocated once per backend for the largest
 * catalogue served and never cleared, so that a touch is one cache line; a
 * cell belongs to the current call when its stamp is the current generation.
 * The touched items are listed as they are first touched, and the transition
 * scaling, the session term, exploration, normalisation, selection and the
 * explanation all run over that list or the history's rows, never over the
 * catalogue.
 *
 * Every item not touched scores what the whole-catalogue path (score.c)
 * gives it: 0 for an item seen in training, -infinity for an item known only
 * from metadata.  So the positive total that normalisation divides by is the
 * whole catalogue's (untouched items add nothing), and each score is the
 * same arithmetic in the same order as there; only the order of the terms
 * of that total differs, which can move a score by a rounding step.
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
#include "score.h"
#include "topk.h"

/* What serving derives from a model once per backend, kept beside it */
typedef struct RecServeIndex
{
	int32	   *pop_order;		/* [n_items] items by popularity, highest first, ties by index */
	int32	   *pop_rank;		/* [n_items] each item's position in pop_order */
	float		pop_factor;		/* what normalisation multiplies popularity by */
	int32	   *cat_off;		/* [n_categories + 1] category -> warm items CSR */
	int32	   *cat_items;		/* the warm items of each category, by index */
	float	   *log_pop;		/* [n_warm] logf(1 + popularity), for the session term */
	int32	   *young;			/* cold items young enough to explore, by index */
	int			n_young;
	float		young_cutoff;	/* the exploration_age_cutoff young was listed for */
} RecServeIndex;

/* One item's entry in the accumulator: one cache line access per touch */
typedef struct Cell
{
	uint32		stamp;			/* == touch_gen: touched in the current call */
	int32		row;			/* its row in the list being explained, else -1 */
	float		acc;			/* its score */
	float		tacc;			/* its transition part, until combined */
} Cell;

/* The per-backend accumulator and marks, sized for the largest catalogue served */
static int	acc_size = 0;
static Cell *cell;
static uint32 touch_gen;
static int32 *touched;			/* the touched items, in order of first touch */
static int	n_touched;
static uint32 *mark_stamp;		/* == mark_gen: marked within one step */
static uint32 mark_gen;
static uint32 *excl_stamp;		/* == excl_gen: excluded from the current list */
static uint32 excl_gen;
static bool *lifted_flag;		/* true for the session term's lifted items */
static int32 lifted_items[REC_SESSION_ITEMS];	/* which, to clear them at the next call */
static int	n_lifted;

/* Allocate n elements of size bytes in TopMemoryContext, zeroed if asked */
static void *
AllocBackend(int n, Size size, bool zero)
{
	return MemoryContextAllocExtended(TopMemoryContext, mul_size(size, Max(n, 1)),
									  MCXT_ALLOC_HUGE | (zero ? MCXT_ALLOC_ZERO : 0));
}

/* Make the accumulator cover n items (once per backend and catalogue size) */
static void
EnsureAccumulator(int n)
{
	if (n <= acc_size)
		return;
	if (acc_size > 0)
	{
		pfree(cell);
		pfree(touched);
		pfree(mark_stamp);
		pfree(excl_stamp);
		pfree(lifted_flag);
	}
	acc_size = 0;
	n_lifted = 0;
	n_touched = 0;
	touch_gen = mark_gen = excl_gen = 0;
	cell = AllocBackend(n, sizeof(Cell), true);
	touched = AllocBackend(n, sizeof(int32), false);
	mark_stamp = AllocBackend(n, sizeof(uint32), true);
	excl_stamp = AllocBackend(n, sizeof(uint32), true);
	lifted_flag = AllocBackend(n, sizeof(bool), true);
	acc_size = n;
}

/* Start a new generation of a stamp array (clearing it when the counter wraps) */
static void
NextGeneration(uint32 *gen, uint32 *stamp)
{
	if (++(*gen) == 0)
	{
		memset(stamp, 0, sizeof(uint32) * (Size) acc_size);
		*gen = 1;
	}
}

/* Give item a score of its own in the current call, starting at 0 */
static inline void
Touch(int32 item)
{
	Cell	   *c = &cell[item];

	if (c->stamp != touch_gen)
	{
		c->stamp = touch_gen;
		c->row = -1;
		c->acc = 0.0f;
		c->tacc = 0.0f;
		touched[n_touched++] = item;
	}
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

	/* category -> warm items and their log-popularity, for the session term */
	ix->log_pop = palloc_extended(mul_size(sizeof(float), Max(m->n_warm, 1)), MCXT_ALLOC_HUGE);
	for (i = 0; i < m->n_warm; i++)
		ix->log_pop[i] = logf(1.0f + m->popularity[i]);
	ix->cat_off = palloc0(sizeof(int32) * (m->n_categories + 1));
	for (i = 0; i < m->n_warm; i++)
		for (c = m->cat_off[i]; c < m->cat_off[i + 1]; c++)
			ix->cat_off[m->cat_idx[c] + 1]++;
	for (c = 0; c < m->n_categories; c++)
		ix->cat_off[c + 1] += ix->cat_off[c];
	ix->cat_items = palloc(sizeof(int32) * Max(ix->cat_off[m->n_categories], 1));
	{
		int32	   *next = palloc(sizeof(int32) * Max(m->n_categories, 1));

		memcpy(next, ix->cat_off, sizeof(int32) * m->n_categories);
		for (i = 0; i < m->n_warm; i++)
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

/* True if a model is served by this file: sparse rows, or popularity */
bool
RecServesSparse(const RecModel *m)
{
	return m->kind == REC_KIND_ITEM_SPARSE || m->kind == REC_KIND_POPULARITY;
}

/* Return a model's items by popularity, highest first, ties by index */
const int32 *
RecPopularityOrder(const RecModel *m)
{
	return ServeIndex(m)->pop_order;
}

/*
 * Sum the history's neighbour rows (and transition rows) into the
 * accumulator, and bring the two parts to one scale as ScoreCollaborative
 * does: the collaborative part's best score to 1, the transitions' to
 * transition_weight.
 */
static void
SumRows(const RecModel *m, const RecHistory *h, const float *w, float *tw, RecExplainer *ex)
{
	float		top = 0;
	float		trans_top = 0;
	float		scale;
	float		trans_scale;
	int			i;
	int32		k;

	for (i = 0; i < h->n; i++)
	{
		int32		item = h->items[i];

		if (item < 0 || item >= m->n_warm)
			continue;
		for (k = m->nb_off[item]; k < m->nb_off[item + 1]; k++)
		{
			int32		j = m->nb_idx[k];

			Touch(j);
			cell[j].acc += w[i] * m->nb_sim[k];
		}
	}
	if (m->n_trans == 0)
		return;

	RecTransitionWeights(m, h, tw);
	for (i = 0; i < h->n; i++)
	{
		int32		item = h->items[i];

		if (item < 0 || item >= m->n_trans || tw[i] == 0)
			continue;
		for (k = m->tr_off[item]; k < m->tr_off[item + 1]; k++)
		{
			int32		j = m->tr_idx[k];

			Touch(j);
			cell[j].tacc += tw[i] * m->tr_val[k];
		}
	}
	for (i = 0; i < n_touched; i++)
	{
		top = Max(top, cell[touched[i]].acc);
		trans_top = Max(trans_top, cell[touched[i]].tacc);
	}
	scale = top > 0 ? 1.0f / top : 1.0f;
	trans_scale = trans_top > 0 ? m->serve.transition_weight / trans_top : 1.0f;
	for (i = 0; i < n_touched; i++)
	{
		int32		j = touched[i];

		cell[j].acc *= scale;
		cell[j].tacc *= trans_scale;
		cell[j].acc += cell[j].tacc;
	}
	if (ex)
	{
		ex->scale = scale;
		ex->trans_scale = trans_scale;
	}
}

/* Return the best score among the touched items seen in training (at least 0) */
static float
TopWarmScore(const RecModel *m)
{
	float		top = 0;
	int			i;

	for (i = 0; i < n_touched; i++)
		if (touched[i] < m->n_warm)
			top = Max(top, cell[touched[i]].acc);
	return top;
}

/*
 * Add the session term as AddSessionTerm (score.c) does, over the warm
 * items of the categories the session turned to instead of the catalogue.
 */
static void
SessionTerm(const RecModel *m, const RecServeIndex *ix, const RecHistory *h)
{
	int			n_session = Min(h->n, (int) m->serve.session_events);
	float	   *share;
	int32	   *cand;
	float	   *drift;
	int			n_cand = 0;
	int64		room = 0;
	float		top;
	float		max_pop = 0;
	int			n_before = 0;
	int			i;
	int			c;
	int32		t;

	if (m->serve.session_weight <= 0 || m->n_categories == 0 || n_session <= 0)
		return;

	/* category shares: of the session, minus REC_SESSION_NOVELTY times of the events before it */
	for (i = 0; i < h->n - n_session; i++)
		n_before += h->items[i] >= 0;
	if (n_before == 0)
		return;
	share = palloc0(sizeof(float) * m->n_categories);
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
		pfree(share);
		return;
	}
	cand = palloc(sizeof(int32) * room);
	drift = palloc(sizeof(float) * room);
	NextGeneration(&mark_gen, mark_stamp);
	for (c = 0; c < m->n_categories; c++)
	{
		if (!(share[c] > 0))
			continue;
		for (t = ix->cat_off[c]; t < ix->cat_off[c + 1]; t++)
		{
			int32		item = ix->cat_items[t];
			float		d = 0;
			int			e;

			if (mark_stamp[item] == mark_gen)
				continue;
			mark_stamp[item] = mark_gen;
			for (e = m->cat_off[item]; e < m->cat_off[item + 1]; e++)
				d = Max(d, share[m->cat_idx[e]]);
			d = Max(0.0f, Min(1.0f, (d * n_session - 1) / 2));
			if (d > 0)
			{
				max_pop = Max(max_pop, m->popularity[item]);
				cand[n_cand] = item;
				drift[n_cand++] = d;
			}
		}
	}

	top = TopWarmScore(m);
	if (max_pop > 0)
	{
		RecScored	chosen[REC_SESSION_ITEMS];
		float		log_max = logf(1.0f + max_pop);
		int			n_chosen;

		if (top <= 0)
			top = 1;
		/* lift what the user has not had yet */
		NextGeneration(&mark_gen, mark_stamp);
		for (i = 0; i < h->n; i++)
			if (h->items[i] >= 0 && h->items[i] < m->n_warm)
				mark_stamp[h->items[i]] = mark_gen;
		for (t = 0; t < n_cand; t++)
			drift[t] = mark_stamp[cand[t]] == mark_gen ? NAN :
				drift[t] * ix->log_pop[cand[t]] / log_max;
		n_chosen = RecTopKItems(cand, drift, n_cand, REC_SESSION_ITEMS, chosen);
		for (i = 0; i < n_chosen; i++)
		{
			int32		item = chosen[i].idx;

			Touch(item);
			cell[item].acc += m->serve.session_weight * top * chosen[i].score;
			lifted_flag[item] = true;
			lifted_items[n_lifted++] = item;
		}
	}
	pfree(share);
	pfree(cand);
	pfree(drift);
}

/*
 * Score the young cold items as ScoreExploration (score.c) does; the other
 * cold items keep -infinity by not being touched.
 */
static void
Exploration(const RecModel *m, const RecServeIndex *ix, const RecHistory *h, const float *w)
{
	float	   *profile;
	float		top;
	float		best = 0;
	int			first = n_touched;
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
		cell[item].acc = score;
		best = Max(best, score);
	}
	for (i = first; i < n_touched && best > 0; i++)
		if (!isinf(cell[touched[i]].acc))
			cell[touched[i]].acc *= top * m->serve.exploration_weight / best;
	pfree(profile);
}

/*
 * Score one history over the items it touches (see the top of this file);
 * return whether it was personalized (else popularity).  ex, if not NULL, is
 * prepared to explain the list, as RecModelScore prepares it.  Exclusions
 * start empty (RecExclude).
 */
bool
RecScoreSparse(const RecModel *m, const RecHistory *h, RecSparseScores *s, RecExplainer *ex)
{
	const RecServeIndex *ix;
	int			i;

	EnsureAccumulator(m->n_items);
	ix = ServeIndex(m);
	for (i = 0; i < n_lifted; i++)
		lifted_flag[lifted_items[i]] = false;
	n_lifted = 0;
	n_touched = 0;
	if (++touch_gen == 0)
	{
		for (i = 0; i < acc_size; i++)
			cell[i].stamp = 0;
		touch_gen = 1;
	}
	NextGeneration(&excl_gen, excl_stamp);

	s->m = m;
	s->personalized = m->kind != REC_KIND_POPULARITY && RecScorable(m, h);
	s->lifted = lifted_flag;
	if (ex)
		RecExplainerInit(ex, m, h);
	if (s->personalized)
	{
		float	   *w = ex ? ex->w : palloc(sizeof(float) * Max(h->n, 1));
		float	   *tw = ex ? ex->tw : palloc(sizeof(float) * Max(h->n, 1));
		double		total = 0;
		float		factor = 1.0f;

		if (!ex)
			RecHistoryWeights(m, h, w);
		SumRows(m, h, w, tw, ex);
		SessionTerm(m, ix, h);
		Exploration(m, ix, h, w);

		/* RecNormalizeScores over the touched items: the others add nothing */
		for (i = 0; i < n_touched; i++)
		{
			float		v = cell[touched[i]].acc;

			if (v > 0 && !isinf(v))
				total += v;
		}
		if (total > 0)
		{
			factor = (float) (1.0 / total);
			for (i = 0; i < n_touched; i++)
				if (!isinf(cell[touched[i]].acc))
					cell[touched[i]].acc *= factor;
		}
		if (ex)
			ex->norm = factor;
		else
		{
			pfree(w);
			pfree(tw);
		}
	}
	else if (ex)
		ex->norm = ix->pop_factor;
	s->n_touched = n_touched;
	s->touched = touched;
	return s->personalized;
}

/* Return the score of any item in the list RecScoreSparse scored last */
float
RecSparseScoreOf(const RecSparseScores *s, int32 item)
{
	const RecModel *m = s->m;

	if (!s->personalized)
	{
		float		p = m->popularity[item];

		return isinf(p) ? p : p * ((const RecServeIndex *) m->serving)->pop_factor;
	}
	if (cell[item].stamp == touch_gen)
		return cell[item].acc;
	return item < m->n_warm ? 0.0f : -INFINITY;
}

/* Leave an item out of the list RecScoreSparse scored last */
void
RecExclude(int32 item)
{
	if (item >= 0 && item < acc_size)
		excl_stamp[item] = excl_gen;
}

/* True if an item is left out of the list RecScoreSparse scored last */
bool
RecExcluded(int32 item)
{
	return excl_stamp[item] == excl_gen;
}

/*
 * Select the k best items of the list RecScoreSparse scored last, or of the
 * included items only (distinct indices), leaving out the excluded ones,
 * into out[] best first; return how many were found.  The order is the one
 * RecTopK gives over the whole catalogue, except that the items scoring 0
 * come most popular first: rows [*fill_start, *fill_end) are that
 * popularity fill.
 */
int
RecSparseTopK(const RecSparseScores *s, const int32 *include, int n_include, int k,
			  RecScored *out, int *fill_start, int *fill_end)
{
	const RecModel *m = s->m;
	const RecServeIndex *ix = ServeIndex(m);
	const int32 *cand = include ? include : s->personalized ? s->touched : NULL;
	int			n_cand = include ? n_include : s->personalized ? s->n_touched : 0;
	int32	   *ci = palloc(sizeof(int32) * Max(n_cand, 1));
	float	   *cs = palloc(sizeof(float) * Max(n_cand, 1));
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
			if (!((v = RecSparseScoreOf(s, item)) > 0))
				break;
			out[found].idx = item;
			out[found++].score = v;
		}
	}
	else
	{
		for (i = 0, nc = 0; i < n_cand; i++)
		{
			float		v = RecSparseScoreOf(s, cand[i]);

			if (v > 0 && !RecExcluded(cand[i]))
			{
				ci[nc] = cand[i];
				cs[nc++] = v;
			}
		}
		found = RecTopKItems(ci, cs, nc, k, out);
	}

	/* the items scoring 0, most popular first */
	*fill_start = found;
	if (found < k && include)
	{
		/* ranked by popularity: minus the position in pop_order, exact in a float below 2^24 items */
		for (i = 0, nc = 0; i < n_cand; i++)
			if (RecSparseScoreOf(s, cand[i]) == 0 && !RecExcluded(cand[i]))
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

			if (!RecExcluded(item) && RecSparseScoreOf(s, item) == 0)
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
			float		v = RecSparseScoreOf(s, cand[i]);

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
			if (isinf(RecSparseScoreOf(s, cand[i])) && RecSparseScoreOf(s, cand[i]) < 0 &&
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
			float		v = RecSparseScoreOf(s, i);

			if (isinf(v) && v < 0 && !RecExcluded(i))
			{
				out[found].idx = i;
				out[found++].score = v;
			}
		}
	pfree(ci);
	pfree(cs);
	return found;
}

/* Return the list row of an item being explained, -1 if none */
static inline int
RowOf(int32 item)
{
	const Cell *c = &cell[item];

	return c->stamp == touch_gen ? c->row : -1;
}

/*
 * Say why each row of a list RecScoreSparse scored last is there, as
 * RecExplainItem (score.c) says it row by row, in one pass over the
 * history's neighbour rows: each listed item's row is kept in its
 * accumulator cell, which the scoring pass has just touched.  The
 * contributions are computed as RecContributions computes them, in the same
 * order, so the answers are the same.
 */
void
RecSparseExplainList(const RecExplainer *ex, const RecSparseScores *s, const RecScored *rows,
					 int n, RecReason *reasons, int32 *because)
{
	const RecModel *m = ex->m;
	const RecHistory *h = ex->h;
	int		   *explained;
	float	   *contrib;
	float	   *best;
	int			n_explained = 0;
	int			i;
	int			r;
	int32		k;

	if (m->kind != REC_KIND_ITEM_SPARSE || !s->personalized)
	{
		for (r = 0; r < n; r++)
			reasons[r] = RecExplainItem(ex, s->personalized, s->lifted, rows[r].idx, &because[r]);
		return;
	}

	/* rows of warm items not lifted by the session term are explained by contributions */
	explained = palloc(sizeof(int) * Max(n, 1));
	for (r = 0; r < n; r++)
	{
		int32		item = rows[r].idx;

		if (item >= m->n_warm || s->lifted[item])
			reasons[r] = RecExplainItem(ex, true, s->lifted, item, &because[r]);
		else
		{
			reasons[r] = REC_REASON_PERSONALIZED;
			because[r] = -1;
			/* an item no event touched has no contribution */
			if (cell[item].stamp == touch_gen)
			{
				cell[item].row = r;
				explained[n_explained++] = r;
			}
		}
	}

	contrib = palloc0(sizeof(float) * Max(n, 1));
	best = palloc0(sizeof(float) * Max(n, 1));
	for (i = 0; i < h->n && n_explained > 0; i++)
	{
		int32		from = h->items[i];

		if (from < 0 || from >= m->n_warm)
			continue;
		for (k = m->nb_off[from]; k < m->nb_off[from + 1]; k++)
			if ((r = RowOf(m->nb_idx[k])) >= 0)
				contrib[r] = ex->scale * ex->w[i] * m->nb_sim[k];
		if (m->n_trans)
			for (k = m->tr_off[from]; k < m->tr_off[from + 1]; k++)
				if ((r = RowOf(m->tr_idx[k])) >= 0)
					contrib[r] += ex->trans_scale * ex->tw[i] * m->tr_val[k];
		for (k = 0; k < n_explained; k++)
		{
			float		v;

			r = explained[k];
			v = contrib[r] * ex->norm;
			if (v > best[r])
			{
				best[r] = v;
				because[r] = from;
			}
			contrib[r] = 0;
		}
	}
	/* a row left set by an error is ignored (RowOf) until the cell is touched again */
	for (k = 0; k < n_explained; k++)
		cell[rows[explained[k]].idx].row = -1;
	pfree(explained);
	pfree(contrib);
	pfree(best);
}
