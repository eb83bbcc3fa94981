/*
 * recipe_personalization.c
 *	  user-personalization: EASE over the whole, recency-weighted history,
 *	  plus item transitions from the newest events, plus the session term,
 *	  with every hyperparameter chosen from the training data alone.
 *
 * Tuning holds out the newest 10% of the events of up to TUNE_USERS users
 * (the workshop's time split, applied inside the training data), trains on
 * the rest, and walks the parameters one group at a time, keeping what
 * raises NDCG@10 on the held-out events: EASE's lambda (one inverse per
 * value), the recency weights, the transitions' decay and regularisation
 * (one solve per pair) with their weight, and the session weight (never
 * below 0.75: reacting to a change of taste at once is a promise of the
 * recipe, not a hyperparameter).  Scoring parameters need no retraining, so
 * most of the grid costs one scoring pass.  The final model is trained on
 * all the data with the chosen values, which the solution version records.
 */
#include "rec.h"

#include "common/hashfn.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include "holdout.h"
#include "recipe.h"

#define TUNE_USERS 1000			/* most users scored per tuning step */

/* The transitions' regularisation: their own, or EASE's */
static double
TransitionLambda(const RecParams *p)
{
	return p->transition_lambda > 0 ? p->transition_lambda : p->lambda;
}

/* Copy the serving parameters of p into the model */
static void
SetServe(RecModel *m, const RecParams *p)
{
	m->serve.recency_half_life = (float) p->recency_half_life;
	m->serve.recency_floor = (float) p->recency_floor;
	m->serve.session_weight = (float) p->session_weight;
	m->serve.session_events = (float) p->session_events;
	m->serve.transition_weight = (float) p->transition_weight;
	m->serve.transition_decay = (float) p->transition_decay;
	m->serve.transition_window = (float) p->transition_window;
	m->serve.exploration_weight = (float) p->exploration_weight;
	m->serve.exploration_age_cutoff = (float) p->exploration_item_age_cutoff;
}

/* Score candidate parameters q with model m; adopt them into p if they beat best */
static bool
Try(RecModel *m, const RecDataset *ds, const RecSplit *split, const RecParams *q,
	RecParams *p, double *best)
{
	RecListMetrics mean;
	SetServe(m, q);
	RecEvaluateSplit(m, ds, split, &mean);
	if (mean.ndcg10 <= *best)
		return false;
	*best = mean.ndcg10;
	*p = *q;
	return true;
}

/* Choose lambda, recency, transition and session parameters on an inner split */
static void
Tune(const RecDataset *ds, RecParams *p)
{
	static const double lambda_scales[] = {1, 2, 4, 8};
	static const double half_lives[] = {0, 3, 5, 10, 20};
	static const double floors[] = {0.02, 0.05, 0.2};
	static const double decays[] = {0.6, 0.8};
	static const double transition_scales[] = {1, 10, 30};
	static const double weights[] = {0.25, 0.5, 0.75, 1};
	static const double sessions[] = {0.75, 1};
	bool	   *sample = palloc(sizeof(bool) * Max(ds->n_users, 1));
	int			keep_one_in = Max(1, ds->n_users / TUNE_USERS);
	RecSplit	split;
	RecDataset *inner;
	RecModel   *m;
	float	   *gram;
	float	   *kept_trans = NULL;
	double		mean_pop = 0;
	double		best = -1;
	RecParams	q;
	double		exploration = p->exploration_weight;
	int			u,
				i,
				j,
				k;

	for (u = 0; u < ds->n_users; u++)
		sample[u] = hash_bytes_uint32((uint32) ds->user_ids[u]) % keep_one_in == 0;
	RecTimeSplit(ds, sample, &split);
	if (split.n_eval == 0)
		return;
	inner = RecSplitInputs(ds, &split);
	m = RecNewModel(inner, REC_KIND_ITEM_DENSE);
	gram = RecGram(inner);
	for (i = 0; i < ds->n_warm; i++)
		mean_pop += gram[(Size) i * ds->n_warm + i];
	mean_pop = Max(1.0, mean_pop / Max(ds->n_warm, 1));

	/* new items are not in the inner holdout: tune without exploring them */
	p->exploration_weight = 0;

	/* lambda, with the current recency and neither transitions nor session */
	for (i = 0; i < lengthof(lambda_scales); i++)
	{
		q = *p;
		q.lambda = lambda_scales[i] * mean_pop;
		q.transition_weight = 0;
		q.session_weight = 0;
		m->dense = RecEaseSolve(gram, ds->n_warm, q.lambda);
		Try(m, ds, &split, &q, p, &best);
		pfree(m->dense);
	}
	m->dense = RecEaseSolve(gram, ds->n_warm, p->lambda);
	pfree(gram);

	/* recency of the history weights */
	for (i = 0; i < lengthof(half_lives); i++)
		for (j = 0; j < (half_lives[i] > 0 ? lengthof(floors) : 1); j++)
		{
			q = *p;
			q.recency_half_life = half_lives[i];
			q.recency_floor = half_lives[i] > 0 ? floors[j] : 1;
			Try(m, ds, &split, &q, p, &best);
		}

	/* transitions: one solve per decay and regularisation, then their weight */
	m->n_trans = ds->n_warm;
	for (i = 0; i < lengthof(decays); i++)
		for (j = 0; j < lengthof(transition_scales); j++)
		{
			bool		adopted = false;

			q = *p;
			q.transition_decay = decays[i];
			q.transition_lambda = transition_scales[j] * p->lambda;
			m->trans = RecTransitionSolve(inner, q.transition_decay, q.transition_window,
										  q.transition_lambda);
			for (k = 0; k < lengthof(weights); k++)
			{
				q.transition_weight = weights[k];
				adopted |= Try(m, ds, &split, &q, p, &best);
			}
			if (adopted)
			{
				if (kept_trans)
					pfree(kept_trans);
				kept_trans = m->trans;
			}
			else
				pfree(m->trans);
		}
	m->trans = kept_trans;
	m->n_trans = kept_trans ? ds->n_warm : 0;

	/* session weight, at least the smallest of the list */
	q = *p;
	q.session_weight = sessions[0];
	best = -1;
	for (i = 0; i < lengthof(sessions); i++)
	{
		q.session_weight = sessions[i];
		Try(m, ds, &split, &q, p, &best);
	}
	p->tuned_ndcg10 = best;
	p->tuned_users = split.n_eval;
	p->exploration_weight = exploration;
}

/*
 * Train user-personalization, tuning it first when asked.  A catalogue too
 * large for two dense n x n matrices (the memory limit, or the 1 GB a stored
 * model may take: about 11,500 warm items) trains the sparse item-item
 * model of the similar-items recipe instead, with the same recency and
 * session scoring; the version's params say so.
 */
RecModel *
RecTrainPersonalization(const RecDataset *ds, RecParams *p)
{
	RecModel   *m;
	float	   *gram;
	double		dense_bytes = 2.0 * ds->n_warm * ds->n_warm * sizeof(float);

	if (dense_bytes * 1.5 > (double) rec_train_memory_mb * 1024 * 1024 ||
		dense_bytes > (double) MaxAllocSize * 0.95)
	{
		p->algorithm = "sims (the catalogue is too large for EASE)";
		p->neighbors = 100;
		p->popularity_discount = 0.25;
		p->proximity_half_life = 5;
		p->proximity_floor = 0.1;
		m = RecTrainSims(ds, p);
		m->serve.recency_half_life = (float) p->recency_half_life;
		m->serve.recency_floor = (float) p->recency_floor;
		m->serve.session_weight = (float) p->session_weight;
		m->serve.session_events = (float) p->session_events;
		return m;
	}

	m = RecNewModel(ds, REC_KIND_ITEM_DENSE);
	if (p->tune)
		Tune(ds, p);
	gram = RecGram(ds);
	m->dense = RecEaseSolve(gram, ds->n_warm, p->lambda);
	pfree(gram);
	if (p->transition_weight > 0)
	{
		m->n_trans = ds->n_warm;
		m->trans = RecTransitionSolve(ds, p->transition_decay, p->transition_window,
									  TransitionLambda(p));
	}
	SetServe(m, p);
	return m;
}
