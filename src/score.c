/*
 * score.c
 *	  Turning a user's history into scores for the whole catalogue, and
 *	  explaining a score by the history events behind it.
 *
 * A personalized score is the collaborative part (EASE rows or sims
 * neighbours of the recency-weighted history, plus item transitions from the
 * newest events), the session term (a few items of a category the newest
 * events turn to) and, for items known only from metadata, exploration.
 */
#include "rec.h"

#include <math.h>

#include "utils/memutils.h"

#include "linalg.h"
#include "model.h"
#include "recipe.h"
#include "score.h"
#include "topk.h"

#define GEMM_MIN_DENSITY 16		/* a block of histories scores with one sgemm when they
								 * average more than n_items / 16 events; below that, summing
								 * the rows of each event reads less memory */

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
 * Add the session term: items in categories that the newest events visit
 * far more than the user's whole history does.  With p_s(c) the share of
 * the newest session_events events that are in category c (an event counts
 * in each of its item's categories) and p_h(c) the
 * share of the events before them, category c has drifted by
 * n_s(c) = session_events * (p_s(c) - 8 p_h(c)) events (the factor 8 keeps
 * the ordinary ups and downs of a user's usual categories out); an item's
 * drift is min(1, (n_s - 1) / 2) for its most drifted category: one event
 * of a new category is not yet a new interest (offline, such strays are
 * common and following them costs NDCG), two make half of one, three a
 * whole one.  The item gains
 *     session_weight * top * drift(i) * q(i)
 * where top is the best collaborative score of the list, so the term is on
 * the scale of the user's own scores, and q(i) = log(1 + pop(i)) / log(1 +
 * the largest pop among drifting items) puts the best-known items of the new
 * category first, even in a rare category.  Only the REC_SESSION_ITEMS best of
 * them are lifted: enough to show the new taste, not so many that the new
 * category floods the list.  A user who keeps to their usual
 * categories is scored as the collaborative model scored them; one who turns
 * to a new category sees it at once.
 */
static void
AddSessionTerm(const RecModel *m, const RecHistory *h, float *scores, bool *lifted)
{
	int			n_session = Min(h->n, (int) m->serve.session_events);
	float	   *share;
	float	   *drift;
	float		top = 0;
	float		max_pop = 0;
	float		log_max;
	int			n_before = 0;
	int			i;
	int			c;

	if (m->serve.session_weight <= 0 || m->n_categories == 0 || n_session <= 0)
		return;

	/* category shares: of the session, minus REC_SESSION_NOVELTY times of the events before it */
	share = palloc0(sizeof(float) * m->n_categories);
	for (i = 0; i < h->n - n_session; i++)
		n_before += h->items[i] >= 0;
	if (n_before == 0)
	{
		pfree(share);
		return;
	}
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

	/* each warm item's drift; the largest popularity among drifting items */
	drift = palloc0(sizeof(float) * Max(m->n_warm, 1));
	for (i = 0; i < m->n_warm; i++)
	{
		for (c = m->cat_off[i]; c < m->cat_off[i + 1]; c++)
			drift[i] = Max(drift[i], share[m->cat_idx[c]]);
		drift[i] = Max(0.0f, Min(1.0f, (drift[i] * n_session - 1) / 2));
		if (drift[i] > 0)
			max_pop = Max(max_pop, m->popularity[i]);
		top = Max(top, scores[i]);
	}
	if (max_pop > 0)
	{
		RecScored	chosen[REC_SESSION_ITEMS];
		int			n_chosen;

		if (top <= 0)
			top = 1;
		log_max = logf(1.0f + max_pop);
		for (i = 0; i < m->n_warm; i++)
			drift[i] = drift[i] > 0 ? drift[i] * logf(1.0f + m->popularity[i]) / log_max : NAN;
		for (i = 0; i < h->n; i++)
			if (h->items[i] >= 0 && h->items[i] < m->n_warm)
				drift[h->items[i]] = NAN;	/* lift what the user has not had yet */
		n_chosen = RecTopK(drift, m->n_warm, NULL, REC_SESSION_ITEMS, chosen);
		for (i = 0; i < n_chosen; i++)
		{
			scores[chosen[i].idx] += m->serve.session_weight * top * chosen[i].score;
			if (lifted)
				lifted[chosen[i].idx] = true;
		}
	}
	pfree(share);
	pfree(drift);
}

/*
 * Return a history's weighted category profile, [n_categories]: each event
 * spreads its weight evenly over its item's categories.
 */
float *
RecCategoryProfile(const RecModel *m, const RecHistory *h, const float *w)
{
	float	   *profile = palloc0(sizeof(float) * Max(m->n_categories, 1));
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
 * cold items get -infinity.
 */
static void
ScoreExploration(const RecModel *m, const RecHistory *h, const float *w, float *scores)
{
	float	   *profile;
	float		top = 0;
	float		best = 0;
	float		cutoff = m->serve.exploration_age_cutoff;
	int			i;

	for (i = m->n_warm; i < m->n_items; i++)
		scores[i] = -INFINITY;
	if (m->serve.exploration_weight <= 0 || m->n_categories == 0 || m->n_items == m->n_warm)
		return;

	profile = RecCategoryProfile(m, h, w);
	for (i = 0; i < m->n_warm; i++)
		top = Max(top, scores[i]);
	if (top <= 0)
		top = 1;

	/* affinity times freshness, into the cold items' scores first */
	for (i = m->n_warm; i < m->n_items; i++)
	{
		float		age = m->item_age[i];
		float		score;

		if (!isnan(age) && age > cutoff)
			continue;
		if ((score = RecExplorationAffinity(m, profile, i)) < 0)
			continue;
		scores[i] = score;
		best = Max(best, score);
	}
	for (i = m->n_warm; i < m->n_items && best > 0; i++)
		if (!isinf(scores[i]))
			scores[i] *= top * m->serve.exploration_weight / best;
	pfree(profile);
}

/* Add each history item's weighted row of a dense n x n matrix to scores */
static void
AddRows(const float *matrix, int n, const RecHistory *h, const float *w, float *scores)
{
	int			i;

	for (i = 0; i < h->n; i++)
		if (h->items[i] >= 0 && h->items[i] < n && w[i] != 0)
			RecAxpy(n, w[i], matrix + (Size) h->items[i] * n, scores);
}

/* Add each history item's weighted row of a sparse n-row CSR (sparse transitions) to scores */
static void
AddSparseRows(const int32 *off, const int32 *idx, const float *val, int n, const RecHistory *h,
			  const float *w, float *scores)
{
	int			i;
	int32		k;

	for (i = 0; i < h->n; i++)
		if (h->items[i] >= 0 && h->items[i] < n && w[i] != 0)
			for (k = off[h->items[i]]; k < off[h->items[i] + 1]; k++)
				scores[idx[k]] += w[i] * val[k];
}

/* Add the transition rows of a history, dense or sparse, to scores */
static void
AddTransitions(const RecModel *m, const RecHistory *h, const float *tw, float *scores)
{
	if (m->kind == REC_KIND_ITEM_SPARSE)
		AddSparseRows(m->tr_off, m->tr_idx, m->tr_val, m->n_trans, h, tw, scores);
	else
		AddRows(m->trans, m->n_trans, h, tw, scores);
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

/* Weigh the newest transition_window events by transition_decay^age, the rest 0 */
void
RecTransitionWeights(const RecModel *m, const RecHistory *h, float *w)
{
	int			window = (int) m->serve.transition_window;
	float		weight = 1.0f;
	int			i;

	for (i = h->n - 1; i >= 0; i--)
	{
		w[i] = (h->n - 1 - i < window) ? weight : 0.0f;
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
 * Score the collaborative part of a block of histories into scores rows
 * (stride n_items).  Dense models score a block of several users with one
 * matrix product per matrix; the rest go history by history.
 */
static void
ScoreCollaborative(const RecModel *m, const RecHistory *hs, int nh, float *scores, RecExplainer *ex)
{
	int			n = m->n_warm;
	int64		events = 0;
	int			u;
	int			i;

	for (u = 0; u < nh; u++)
		events += hs[u].n;
	if (m->kind == REC_KIND_ITEM_DENSE && nh >= 4 && events * GEMM_MIN_DENSITY >= (int64) nh * n)
	{
		float	   *x = palloc0(sizeof(float) * (Size) nh * n);
		float	   *s = palloc(sizeof(float) * (Size) nh * n);
		float	   *t = m->n_trans ? palloc(sizeof(float) * (Size) nh * n) : NULL;

		for (u = 0; u < nh; u++)
		{
			float	   *w = palloc(sizeof(float) * Max(hs[u].n, 1));

			RecHistoryWeights(m, &hs[u], w);
			for (i = 0; i < hs[u].n; i++)
				if (hs[u].items[i] >= 0 && hs[u].items[i] < n)
					x[(Size) u * n + hs[u].items[i]] += w[i];
			pfree(w);
		}
		RecGemm(nh, n, n, x, m->dense, s);
		if (t)
		{
			memset(x, 0, sizeof(float) * (Size) nh * n);
			for (u = 0; u < nh; u++)
			{
				float	   *w = palloc(sizeof(float) * Max(hs[u].n, 1));

				RecTransitionWeights(m, &hs[u], w);
				for (i = 0; i < hs[u].n; i++)
					if (hs[u].items[i] >= 0 && hs[u].items[i] < n)
						x[(Size) u * n + hs[u].items[i]] += w[i];
				pfree(w);
			}
			RecGemm(nh, n, n, x, m->trans, t);
		}
		for (u = 0; u < nh; u++)
		{
			float	   *row = scores + (Size) u * m->n_items;

			memcpy(row, s + (Size) u * n, sizeof(float) * n);
			if (t)
			{
				float	   *trow = t + (Size) u * n;

				ScaleRow(row, n, RowScale(row, n, 1.0f));
				ScaleRow(trow, n, RowScale(trow, n, m->serve.transition_weight));
				for (i = 0; i < n; i++)
					row[i] += trow[i];
			}
		}
		pfree(x);
		pfree(s);
		if (t)
			pfree(t);
		return;
	}

	for (u = 0; u < nh; u++)
	{
		float	   *row = scores + (Size) u * m->n_items;
		float	   *w = palloc(sizeof(float) * Max(hs[u].n, 1));
		float	   *tw = palloc(sizeof(float) * Max(hs[u].n, 1));
		float		scale = 1.0f;
		float		trans_scale = 0.0f;

		RecHistoryWeights(m, &hs[u], w);
		memset(row, 0, sizeof(float) * n);
		if (m->kind == REC_KIND_ITEM_SPARSE)
			RecSimsScore(m, &hs[u], w, row);
		else
			AddRows(m->dense, n, &hs[u], w, row);
		if (m->n_trans)
		{
			float	   *trow = palloc0(sizeof(float) * Max(n, 1));

			RecTransitionWeights(m, &hs[u], tw);
			AddTransitions(m, &hs[u], tw, trow);
			scale = RowScale(row, n, 1.0f);
			trans_scale = RowScale(trow, n, m->serve.transition_weight);
			ScaleRow(row, n, scale);
			ScaleRow(trow, n, trans_scale);
			for (i = 0; i < n; i++)
				row[i] += trow[i];
			pfree(trow);
		}
		if (ex)
		{
			/* what explaining this list needs, from the pass just made */
			ex->m = m;
			ex->h = &hs[u];
			ex->w = w;
			ex->tw = tw;
			ex->scale = scale;
			ex->trans_scale = trans_scale;
			continue;
		}
		pfree(w);
		pfree(tw);
	}
}

/*
 * Bring a row of scores to rec's one scale: divide by the sum of the
 * positive finite scores, so that an item's score is its share of the
 * positive score mass over the whole catalogue (the positive scores sum to
 * 1, as Personalize's do, and the popularity fallback scores an item by its
 * share of all events).  Return the factor applied.
 */
float
RecNormalizeScores(float *row, int n)
{
	double		total = 0;
	float		factor;
	int			i;

	for (i = 0; i < n; i++)
		if (row[i] > 0 && !isinf(row[i]))
			total += row[i];
	if (total <= 0)
		return 1.0f;
	factor = (float) (1.0 / total);
	for (i = 0; i < n; i++)
		if (!isinf(row[i]))
			row[i] *= factor;
	return factor;
}

/*
 * Score a block of histories into scores[nh x n_items].  A history the
 * model cannot score from gets the popularity fallback and personalized[u]
 * false; the others get the collaborative scores plus the session term,
 * and exploration scores (or -infinity) for items known only from metadata.
 * Every row ends on the scale of RecNormalizeScores.
 */
static void
ScoreBlock(const RecModel *m, const RecHistory *hs, int nh, float *scores,
		   bool *personalized, bool *lifted, RecExplainer *ex)
{
	float	   *w;
	int			u;

	if (m->kind != REC_KIND_POPULARITY)
		ScoreCollaborative(m, hs, nh, scores, nh == 1 ? ex : NULL);
	for (u = 0; u < nh; u++)
	{
		float	   *row = scores + (Size) u * m->n_items;
		float		norm;

		personalized[u] = m->kind != REC_KIND_POPULARITY && RecScorable(m, &hs[u]);
		if (!personalized[u])
			memcpy(row, m->popularity, sizeof(float) * m->n_items);
		else
		{
			AddSessionTerm(m, &hs[u], row, nh == 1 ? lifted : NULL);
			w = palloc(sizeof(float) * Max(hs[u].n, 1));
			RecHistoryWeights(m, &hs[u], w);
			ScoreExploration(m, &hs[u], w, row);
			pfree(w);
		}
		norm = RecNormalizeScores(row, m->n_items);
		if (ex && nh == 1)
			ex->norm = norm;
	}
}

/* Score a block of histories (see ScoreBlock) */
void
RecModelScoreBlock(const RecModel *m, const RecHistory *hs, int nh, float *scores,
				   bool *personalized)
{
	ScoreBlock(m, hs, nh, scores, personalized, NULL, NULL);
}

/*
 * Score one history; return whether it was personalized (else popularity).
 * lifted, if not NULL, gets true for the items the session term lifted;
 * ex, if not NULL, is prepared to explain the list (see RecExplainerInit),
 * from the scoring pass itself.
 */
bool
RecModelScore(const RecModel *m, const RecHistory *h, float *scores, bool *lifted,
			  RecExplainer *ex)
{
	bool		personalized;

	if (ex)
		RecExplainerInit(ex, m, h);
	ScoreBlock(m, h, 1, scores, &personalized, lifted, ex);
	return personalized;
}

/*
 * Prepare to explain the scores of one history: its weights; the scales
 * ScoreCollaborative and RecNormalizeScores apply are filled in by the scoring
 * pass itself (RecModelScore), so that each item's explanation then costs
 * one lookup per event.
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
 * its transition entry, each scaled as ScoreCollaborative and RecNormalizeScores
 * scale it.
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
	float	   *contrib;
	float		best = 0;
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
	contrib = palloc(sizeof(float) * Max(h->n, 1));
	RecContributions(ex, item, contrib);
	for (i = 0; i < h->n; i++)
		if (contrib[i] > best)
		{
			best = contrib[i];
			*because = h->items[i];
		}
	pfree(contrib);
	return REC_REASON_PERSONALIZED;
}

/*
 * Say why each row of a list is there (see RecExplainItem).  A list served
 * over the touched items is explained by RecSparseExplainList (score_sparse.c)
 * in one pass over the history's neighbour rows.
 */
void
RecExplainList(const RecExplainer *ex, bool personalized, const bool *lifted,
			   const RecScored *rows, int n, RecReason *reasons, int32 *because)
{
	int			r;

	for (r = 0; r < n; r++)
		reasons[r] = RecExplainItem(ex, personalized, lifted, rows[r].idx, &because[r]);
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
	}
	return "personalized";
}

/*
 * Score every item by how much it shares the categories of one item: the
 * Jaccard overlap of their categories, times 0.5 + 0.5 q(j) with q the
 * log-popularity share, so that among equally similar items the known ones
 * come first.  This is how items known only from metadata (cold items)
 * find their similar items.
 */
void
RecCategorySimilar(const RecModel *m, int32 item, float *scores)
{
	bool	   *mine = palloc0(sizeof(bool) * Max(m->n_categories, 1));
	int			n_mine = m->cat_off[item + 1] - m->cat_off[item];
	float		max_pop = 0;
	float		log_max;
	int			i,
				c;

	for (c = m->cat_off[item]; c < m->cat_off[item + 1]; c++)
		mine[m->cat_idx[c]] = true;
	for (i = 0; i < m->n_items; i++)
		max_pop = Max(max_pop, m->popularity[i]);
	log_max = logf(1.0f + Max(max_pop, 1));
	for (i = 0; i < m->n_items; i++)
	{
		int			shared = 0;
		int			n_theirs = m->cat_off[i + 1] - m->cat_off[i];

		for (c = m->cat_off[i]; c < m->cat_off[i + 1]; c++)
			shared += mine[m->cat_idx[c]];
		scores[i] = shared == 0 ? -INFINITY :
			(float) shared / (n_mine + n_theirs - shared) *
			(0.5f + 0.5f * logf(1.0f + m->popularity[i]) / log_max);
	}
	pfree(mine);
}
