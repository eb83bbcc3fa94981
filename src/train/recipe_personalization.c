/*
 * recipe_personalization.c
 *	  user-personalization: EASE over the whole, recency-weighted history,
 *	  plus item transitions from the newest events, plus the session term,
 *	  with every hyperparameter chosen from the training data alone.
 *
 * The item-item matrices are dense (EASE, recipe_ease.c; transitions,
 * recipe_transition.c) or sparse, at most `neighbors` weights per item
 * (recipe_sparse.c), as the `neighbors` parameter says; by default dense
 * for catalogues up to 6,000 warm items (plain EASE) or 3,000
 * (user-personalization) that fit rec.train_memory_limit, sparse above.  The version's params record the
 * structure used.
 *
 * Tuning holds out the newest 10% of the events of up to TUNE_USERS users
 * (the workshop's time split, applied inside the training data) and, when
 * most of them show sessions (a gap of REC_SESSION_GAP), also each one's
 * last session (the next-session split), trains on the events before both,
 * and scores a candidate by its NDCG@10 against plain EASE's (lambda 100, no
 * recency, transitions or session term) on each split, the lesser of the
 * two: the newest events inside a session reward recency and transitions
 * that a whole next session does not.  Plain EASE is itself a candidate, and
 * what departs from it must gain PLAIN_MARGIN, so that the default is not
 * below plain EASE where nothing else helps.  It walks the parameters one
 * group at a time, keeping what raises the score: EASE's lambda (one solve per value
 * over one Gram matrix, stopping when a larger lambda does worse), the
 * recency weights, the transitions' regularisation (going up until a larger
 * one does worse) and decay (one solve per pair, the statistics summed once
 * per decay) with their weight (TryTransitionWeights), and the session
 * weight (scored only where a new interest shows).  The best matrices so far
 * are set aside, so that coming back to them costs no solve.  The transitions and the
 * session term are kept only when they raise NDCG@10: on data where they
 * do not help, their weight stays 0.  Parameters the caller sets are
 * left as they are (lambda, the recency weights, any transition parameter,
 * the session weight).  Scoring parameters need no
 * retraining, so most of the grid costs one scoring pass.  The final model
 * is trained on all the data with the chosen values, which the solution
 * version records.
 */
#include "rec.h"

#include "common/hashfn.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "holdout.h"
#include "recipe.h"
#include "score.h"
#include "topk.h"

#define TUNE_USERS 1000			/* most users scored per tuning step */
#define PROBE_USERS 200			/* users given a new interest to test the session weight */
#define PROBE_EVENTS 3			/* events of the new interest each probe logs */
#define PROBE_LIST 10			/* the list the new interest must enter */

/*
 * The least gain in items of the new interest in the probes' top 10 that the
 * session weight must give: two of the REC_SESSION_ITEMS it lifts, on average.
 */
#define PROBE_MIN_GAIN (REC_SESSION_ITEMS * 2.0 / 3.0)
#define TRANSITION_WEIGHTS {0.25, 0.5, 1}	/* the transitions' weights tuning tries */
#define PLAIN_EASE_LAMBDA 100	/* plain EASE's default lambda (train.c) */
#define PLAIN_MARGIN 0.02		/* the least relative gain over plain EASE tuning keeps */
#define DENSE_MAX_ITEMS 6000	/* largest catalogue trained dense by default, one matrix */
#define DEFAULT_NEIGHBORS 200	/* weights per item of the sparse model by default */
#define MIN_NEIGHBORS 20		/* fewest the memory limit may bring the default down to */

/*
 * The sparse transitions keep half as many weights per item as EASE (the
 * items that precede an item are fewer than those it co-occurs with), and
 * tuning solves with half the neighbours: each solve costs N^3 / 3 per item,
 * so both cost an eighth, and the chosen values carry over to the full model.
 */
#define HALF_NEIGHBORS(n) ((n) > 0 ? Max(MIN_NEIGHBORS, (n) / 2) : 0)

/* Return the weights per item the sparse transitions keep for a model of `neighbors` */
int
RecTransitionNeighbors(int neighbors)
{
	return HALF_NEIGHBORS(neighbors);
}

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

/*
 * Choose the structure of the item-item matrices: 0 for dense, else the
 * neighbours per item.  A requested value (0 or more) is used as it is; by
 * default (-1) a catalogue of at most DENSE_MAX_ITEMS / matrices warm items (the
 * sparse solves beat the dense inverses above that, and user-personalization's
 * tuning solves several times) whose
 * `matrices` dense n x n matrices fit rec.train_memory_limit (and the 1 GB a
 * stored model may take) is dense, a larger one sparse with
 * DEFAULT_NEIGHBORS, fewer if the memory limit needs.
 */
int
RecChooseNeighbors(const RecDataset *ds, int requested, int matrices)
{
	double		limit = (double) rec_train_memory_mb * 1024 * 1024;
	double		dense_bytes = (double) matrices * ds->n_warm * ds->n_warm * sizeof(float);
	int			n = DEFAULT_NEIGHBORS;

	if (requested >= 0)
		return requested;
	if (ds->n_warm <= DENSE_MAX_ITEMS / matrices && dense_bytes * 1.5 <= limit &&
		dense_bytes <= (double) MaxAllocSize * 0.95)
		return 0;
	/*
	 * Fewer neighbours while the memory does not hold them, or holds fewer
	 * than 4N Gram entries per item: with fewer, many neighbourhood systems
	 * miss pairs and need a larger lambda, which costs more than neighbours.
	 * The first matrix's weights are kept while the second is built.
	 */
	while (n > MIN_NEIGHBORS &&
		   (RecSparseMemory(ds, n) + (matrices - 1) * (double) ds->n_warm * n * 16 > limit ||
			RecSparseKeepPerRow(n, ds->n_warm) < Min(4 * n, ds->n_warm - 1)))
		n = Max(MIN_NEIGHBORS, n * 3 / 4);
	return n;
}

/*
 * One of a model's item-item matrices (EASE's or the transitions'), dense or
 * sparse, moved out of the model: tuning sets the best so far aside, so that
 * coming back to it costs no solve.
 */
typedef struct Weights
{
	bool		set;
	double		lambda;			/* what it was solved with */
	double		decay;			/* the transitions': their decay (0 for EASE) */
	float	   *dense;
	int32	   *off;
	int32	   *idx;
	float	   *val;
	int64		nnz;
} Weights;

/* The item-item statistics a model is solved from: a dense Gram matrix or pruned sparse ones */
typedef struct Fit
{
	const RecDataset *ds;
	int			neighbors;		/* 0: dense */
	float	   *gram;			/* dense: X'X */
	RecSparseRows g;			/* sparse: pruned X'X */
	bool		have_stats;		/* transition statistics computed */
	double		stats_decay;	/* the decay they were computed with */
	float	   *txx;			/* dense: transition X'X */
	float	   *txy;			/* dense: transition X'Y */
	RecSparseRows xx;			/* sparse: pruned transition X'X */
	RecSparseRows xy;			/* sparse: pruned transition X'Y, by target */
	bool		keep_systems;	/* sparse: keep the systems across lambdas (tuning) */
	RecSparseCache ease_cache;	/* EASE's systems */
	RecSparseCache trans_cache; /* the transitions' systems, for stats_decay */
	Weights		current[2];		/* what the model holds, by WEIGHTS_* (keys only) */
	Weights		kept[2];		/* set aside, as current */
	RecMatrixPool pool;			/* dense: the n_warm x n_warm matrices freed, for the next */
} Fit;

#define WEIGHTS_EASE 0
#define WEIGHTS_TRANSITIONS 1

/* Give the model the matrix in w (none if w is empty); w is left empty */
static void
PutWeights(RecModel *m, int which, Weights *w)
{
	if (which == WEIGHTS_EASE)
	{
		m->dense = w->dense;
		m->nb_off = w->off;
		m->nb_idx = w->idx;
		m->nb_sim = w->val;
		m->nnz_neighbors = w->nnz;
	}
	else
	{
		m->trans = w->dense;
		m->tr_off = w->off;
		m->tr_idx = w->idx;
		m->tr_val = w->val;
		m->nnz_trans = (int32) w->nnz;
		m->n_trans = w->set ? m->n_warm : 0;
	}
	memset(w, 0, sizeof(Weights));
}

/* Move the model's EASE or transition matrix (which) into w, leaving the model without */
static void
TakeWeights(RecModel *m, int which, Weights *w)
{
	Weights		none;

	memset(&none, 0, sizeof(Weights));
	if (which == WEIGHTS_EASE)
	{
		w->set = m->dense != NULL || m->nb_off != NULL;
		w->dense = m->dense;
		w->off = m->nb_off;
		w->idx = m->nb_idx;
		w->val = m->nb_sim;
		w->nnz = m->nnz_neighbors;
	}
	else
	{
		w->set = m->n_trans > 0;
		w->dense = m->trans;
		w->off = m->tr_off;
		w->idx = m->tr_idx;
		w->val = m->tr_val;
		w->nnz = m->nnz_trans;
	}
	PutWeights(m, which, &none);
}

/* Free the matrix in w, a dense one into the fit's pool */
static void
FreeWeights(Fit *f, Weights *w)
{
	if (w->dense)
		RecMatrixGive(&f->pool, w->dense);
	if (w->off)
	{
		pfree(w->off);
		pfree(w->idx);
		pfree(w->val);
	}
	memset(w, 0, sizeof(Weights));
}

/*
 * Prepare the model's matrix `which` for (lambda, decay): true if it holds
 * it now (it did, or it was set aside), false if the caller must solve it.
 * What the model held is set aside when it is (keep_lambda, keep_decay), the
 * best so far (replacing what was), else freed.
 */
static bool
SwitchWeights(Fit *f, RecModel *m, int which, double lambda, double decay,
			  double keep_lambda, double keep_decay)
{
	Weights    *cur = &f->current[which];
	Weights    *kept = &f->kept[which];
	Weights		old;
	bool		have = false;

	if (cur->set && cur->lambda == lambda && cur->decay == decay)
		return true;
	TakeWeights(m, which, &old);
	old.lambda = cur->lambda;
	old.decay = cur->decay;
	if (kept->set && kept->lambda == lambda && kept->decay == decay)
	{
		PutWeights(m, which, kept);
		have = true;
	}
	if (old.set && old.lambda == keep_lambda && old.decay == keep_decay)
	{
		FreeWeights(f, kept);
		*kept = old;
	}
	else
		FreeWeights(f, &old);
	cur->set = have;
	cur->lambda = lambda;
	cur->decay = decay;
	return have;
}

/* Compute the Gram matrix of a dataset, dense or pruned */
static void
FitStart(Fit *f, const RecDataset *ds, int neighbors, bool keep_systems)
{
	memset(f, 0, sizeof(Fit));
	f->ds = ds;
	f->neighbors = neighbors;
	f->keep_systems = keep_systems;
	RecMatrixPoolInit(&f->pool, ds->n_warm);
	if (neighbors == 0)
		f->gram = RecGram(ds);
	else
		RecSparseGram(ds, neighbors, &f->g);
}

/* Return the mean diagonal of the Gram matrix (events per item), at least 1 */
static double
FitMeanPopularity(const Fit *f)
{
	int			n = f->ds->n_warm;
	double		sum = 0;
	int			i;

	for (i = 0; i < n; i++)
		sum += f->neighbors ? f->g.diag[i] : f->gram[(Size) i * n + i];
	return Max(1.0, sum / Max(n, 1));
}

/*
 * Set the model's EASE weights for lambda, replacing any; those of
 * keep_lambda (the best so far while tuning, else 0) are set aside to come
 * back to without a solve.
 */
static void
FitEase(Fit *f, RecModel *m, double lambda, double keep_lambda)
{
	if (SwitchWeights(f, m, WEIGHTS_EASE, lambda, 0, keep_lambda, 0))
		return;
	if (f->neighbors == 0)
		m->dense = RecEaseSolve(f->gram, f->ds->n_warm, lambda, &f->pool);
	else
		RecSparseEaseInto(m, &f->g, f->neighbors, lambda, f->keep_systems ? &f->ease_cache : NULL);
	f->current[WEIGHTS_EASE].set = true;
}

/* Remove the model's transitions */
static void
DropTransitions(Fit *f, RecModel *m)
{
	SwitchWeights(f, m, WEIGHTS_TRANSITIONS, -1, -1, -1, -1);
	f->current[WEIGHTS_TRANSITIONS].lambda = 0;
	f->current[WEIGHTS_TRANSITIONS].decay = 0;
}

/* Free the transition statistics and the systems solved from them, if any */
static void
FreeTransitionStats(Fit *f)
{
	if (f->have_stats && f->neighbors == 0)
	{
		RecMatrixGive(&f->pool, f->txx);
		RecMatrixGive(&f->pool, f->txy);
	}
	else if (f->have_stats)
	{
		RecFreeSparseRows(&f->xx);
		RecFreeSparseRows(&f->xy);
	}
	RecFreeSparseCache(&f->trans_cache);
	f->have_stats = false;
}

/* The transitions tuning sets aside: those of p, the best so far, if it has any */
#define KEPT_TRANSITIONS(p) \
	((p)->transition_weight > 0 ? (p)->transition_decay : -1), \
	((p)->transition_weight > 0 ? TransitionLambda(p) : -1)

/*
 * Set the model's transitions for a decay, window and lambda, replacing
 * any; those of (keep_decay, keep_lambda) are set aside as FitEase's.
 */
static void
FitTransitions(Fit *f, RecModel *m, double decay, int window, double lambda,
			   double keep_decay, double keep_lambda)
{
	if (SwitchWeights(f, m, WEIGHTS_TRANSITIONS, lambda, decay, keep_lambda, keep_decay))
		return;
	if (!f->have_stats || f->stats_decay != decay)
	{
		FreeTransitionStats(f);
		if (f->neighbors == 0)
			RecTransitionStats(f->ds, decay, window, &f->txx, &f->txy, &f->pool);
		else
			RecSparseTransitionStats(f->ds, decay, window, HALF_NEIGHBORS(f->neighbors), &f->xx, &f->xy);
		f->have_stats = true;
		f->stats_decay = decay;
	}
	if (f->neighbors == 0)
	{
		m->trans = RecTransitionSolveStats(f->txx, f->txy, f->ds->n_warm, lambda, &f->pool);
		m->n_trans = f->ds->n_warm;
	}
	else
		RecSparseTransitionsInto(m, &f->xx, &f->xy, HALF_NEIGHBORS(f->neighbors), lambda,
								 f->keep_systems ? &f->trans_cache : NULL);
	f->current[WEIGHTS_TRANSITIONS].set = true;
}

/* Free the statistics and what was set aside */
static void
FitEnd(Fit *f)
{
	if (f->gram)
		pfree(f->gram);
	if (f->neighbors)
		RecFreeSparseRows(&f->g);
	FreeTransitionStats(f);
	RecFreeSparseCache(&f->ease_cache);
	FreeWeights(f, &f->kept[WEIGHTS_EASE]);
	FreeWeights(f, &f->kept[WEIGHTS_TRANSITIONS]);
	RecMatrixPoolFree(&f->pool);
}

/*
 * The inner splits tuning scores on: the time split, and the session split
 * when the data has sessions, with plain EASE's NDCG@10 on each, which a
 * candidate's is measured against.
 */
typedef struct Splits
{
	const RecDataset *ds;
	RecSplit	time;			/* the newest 10% of each user's events */
	RecSplit	session;		/* each user's last session */
	bool		sessions;		/* the session split is scored */
	double		time0;			/* plain EASE's NDCG@10 on the time split */
	double		session0;		/* and on the session split */
	double		ndcg10;			/* the time split's NDCG@10 of the best so far */
	double		last;			/* the score of the last candidate tried */
	/* each evaluated user's NDCG@10 on each split (time, session) */
	double	   *users[2];		/* of the last candidate scored */
	double	   *best_users[2];	/* of the best so far */
	double	   *plain_users[2]; /* of plain EASE */
	/* if not NULL, the users whose lists can differ from the best's: only they are scored */
	bool	   *differ[2];
} Splits;

/*
 * Evaluate model m on split `which` (0: time, 1: session) into mean, each
 * user's NDCG@10 into sp->users[which]; when sp->differ[which] is set, only
 * the users whose lists can differ from the best's are scored, the others
 * keeping the best's NDCG@10 (the mean is then the same as a whole pass's).
 */
static void
ScoreSplit(RecModel *m, Splits *sp, int which, RecListMetrics *mean)
{
	const RecSplit *split = which == 0 ? &sp->time : &sp->session;

	if (sp->differ[which])
		memcpy(sp->users[which], sp->best_users[which], sizeof(double) * Max(split->n_eval, 1));
	RecEvaluateSplitUsers(m, sp->ds, split, sp->differ[which], sp->users[which], mean);
}

/*
 * Return the score of model m served with q: its NDCG@10 on the time split
 * against plain EASE's or, when the data has sessions, the lesser of that and
 * the same ratio on the session split, so that a parameter is kept only when
 * it helps both the rest of a session and the next session; *ndcg10 gets the
 * time split's NDCG@10.
 */
static double
Score(RecModel *m, Splits *sp, const RecParams *q, double *ndcg10)
{
	RecListMetrics mean;
	double		score;

	SetServe(m, q);
	ScoreSplit(m, sp, 0, &mean);
	*ndcg10 = mean.ndcg10;
	score = mean.ndcg10 / Max(sp->time0, 1e-9);
	if (sp->sessions)
	{
		RecListMetrics next;

		ScoreSplit(m, sp, 1, &next);
		score = Min(score, next.ndcg10 / Max(sp->session0, 1e-9));
		elog(DEBUG1, "tuning: next session NDCG@10 %.5f", next.ndcg10);
	}
	return score;
}

/* Swap two per-user arrays of the splits */
static void
SwapUsers(double **a, double **b)
{
	double	   *t = *a;

	*a = *b;
	*b = t;
}

/* Score candidate parameters q with model m; adopt them into p if they beat best */
static bool
Try(RecModel *m, Splits *sp, const RecParams *q, RecParams *p, double *best)
{
	double		ndcg10;
	double		score = Score(m, sp, q, &ndcg10);

	sp->last = score;

	elog(DEBUG1, "tuning (at %.3f s): lambda %g, recency %g/%g, transitions %g (decay %g, lambda %g), session %g: NDCG@10 %.5f, score %.5f",
		 (double) (GetCurrentTimestamp() - GetCurrentStatementStartTimestamp()) / USECS_PER_SEC, q->lambda, q->recency_half_life, q->recency_floor, q->transition_weight, q->transition_decay,
		 q->transition_lambda, q->session_weight, ndcg10, score);
	if (score <= *best)
		return false;
	*best = score;
	sp->ndcg10 = ndcg10;
	SwapUsers(&sp->users[0], &sp->best_users[0]);
	SwapUsers(&sp->users[1], &sp->best_users[1]);
	*p = *q;
	return true;
}

/*
 * Try the transition weights (TRANSITION_WEIGHTS) with the model's
 * transitions, served otherwise as q: all of them when first is -1, else
 * weight `first` (the best at the first regularisation) and, only when it
 * beats the best so far, the weights either side of it: the best weight
 * moves little with the regularisation, as both parts of a list are scaled
 * to their best score (RecDenseRows).  Return the weight that scored best.
 */
static int
TryTransitionWeights(RecModel *m, Splits *sp, const RecParams *q, RecParams *p, double *best,
					 int first)
{
	static const double weights[] = TRANSITION_WEIGHTS;
	int			n = (int) lengthof(weights);
	int			order[lengthof(weights)];
	int			n_order = 0;
	RecParams	t = *q;
	double		top = -1;
	int			top_k = Max(first, 0);
	int			i;

	if (first < 0)
		for (i = 0; i < n; i++)
			order[n_order++] = i;
	else
		order[n_order++] = first;
	for (i = 0; i < n_order; i++)
	{
		int			k = order[i];
		bool		adopted;

		t.transition_weight = weights[k];
		adopted = Try(m, sp, &t, p, best);
		if (sp->last > top)
		{
			top = sp->last;
			top_k = k;
		}
		/* the first one adopted: its neighbours too */
		if (adopted && first >= 0 && k == first)
		{
			if (k > 0)
				order[n_order++] = k - 1;
			if (k + 1 < n)
				order[n_order++] = k + 1;
		}
	}
	return top_k;
}

/*
 * A simulated new interest: an inner-split user logs the PROBE_EVENTS most
 * popular items of a category absent from their history (the workshop's
 * real-time experiment, run inside the training data).
 */
typedef struct Probe
{
	RecHistory	before;			/* the user's input history */
	RecHistory	after;			/* the same plus the new interest's events */
	int32		category;		/* the new interest */
} Probe;

/* True if the item is in category c */
static bool
InCategory(const RecModel *m, int32 item, int32 c)
{
	int32		e;

	for (e = m->cat_off[item]; e < m->cat_off[item + 1]; e++)
		if (m->cat_idx[e] == c)
			return true;
	return false;
}

/*
 * Build up to PROBE_USERS probes from the evaluated users of the split,
 * each with a category it never touched among those with enough warm items
 * to show after its PROBE_EVENTS most popular are logged; return how many.
 */
static int
BuildProbes(const RecModel *m, const RecDataset *ds, const RecSplit *split, Probe *probes)
{
	int			n_cat = m->n_categories;
	int32	   *top = palloc(sizeof(int32) * Max(n_cat, 1) * PROBE_EVENTS);
	int		   *n_in = palloc0(sizeof(int) * Max(n_cat, 1));
	bool	   *touched = palloc(sizeof(bool) * Max(n_cat, 1));
	int32	   *eligible = palloc(sizeof(int32) * Max(n_cat, 1));
	int			stride = Max(1, split->n_eval / PROBE_USERS);
	int			n_probes = 0;
	int			i,
				j,
				c;

	if (n_cat == 0)
		return 0;
	/* each category's warm items and its PROBE_EVENTS most popular, best first */
	for (i = 0; i < m->n_warm; i++)
		for (j = m->cat_off[i]; j < m->cat_off[i + 1]; j++)
		{
			int			k;

			c = m->cat_idx[j];
			k = Min(n_in[c], PROBE_EVENTS);
			n_in[c]++;
			while (k > 0 && m->popularity[top[c * PROBE_EVENTS + k - 1]] < m->popularity[i])
			{
				if (k < PROBE_EVENTS)
					top[c * PROBE_EVENTS + k] = top[c * PROBE_EVENTS + k - 1];
				k--;
			}
			if (k < PROBE_EVENTS)
				top[c * PROBE_EVENTS + k] = i;
		}

	for (i = 0; i < split->n_eval && n_probes < PROBE_USERS; i += stride)
	{
		int			u = split->eval_users[i];
		int64		first = ds->user_off[u];
		int			n;
		int64		e;
		int			n_eligible = 0;
		Probe	   *p = &probes[n_probes];

		memset(touched, false, sizeof(bool) * n_cat);
		for (e = first; e < first + split->input_len[u]; e++)
			for (j = m->cat_off[ds->ev_item[e]]; j < m->cat_off[ds->ev_item[e] + 1]; j++)
				touched[m->cat_idx[j]] = true;
		for (c = 0; c < n_cat; c++)
			if (!touched[c] && n_in[c] >= PROBE_EVENTS + PROBE_LIST / 2)
				eligible[n_eligible++] = c;
		RecSplitHistory(ds, split, i, &p->before);
		n = p->before.n;
		if (n_eligible == 0 || n == 0)
			continue;
		p->category = eligible[hash_bytes_uint32((uint32) ds->user_ids[u]) % n_eligible];
		p->after.n = n + PROBE_EVENTS;
		p->after.items = palloc(sizeof(int32) * p->after.n);
		p->after.times = palloc(sizeof(float8) * p->after.n);
		p->after.weights = NULL;
		p->after.in_context = NULL;
		memcpy(p->after.items, p->before.items, sizeof(int32) * n);
		memcpy(p->after.times, p->before.times, sizeof(float8) * n);
		if (p->before.weights)
		{
			p->after.weights = palloc(sizeof(float) * p->after.n);
			memcpy(p->after.weights, p->before.weights, sizeof(float) * n);
		}
		for (j = 0; j < PROBE_EVENTS; j++)
		{
			p->after.items[n + j] = top[p->category * PROBE_EVENTS + j];
			p->after.times[n + j] = p->before.times[n - 1] + 60.0 * (j + 1);
			if (p->after.weights)
				p->after.weights[n + j] = 1;
		}
		n_probes++;
	}
	pfree(top);
	pfree(n_in);
	pfree(touched);
	pfree(eligible);
	return n_probes;
}

/*
 * Count the items of category c in the top PROBE_LIST of a history (its items
 * excluded); row is its row of a block (RecBlockRow), or NULL
 */
static int
CategoryInList(const RecModel *m, const RecHistory *h, const float *row, int32 c)
{
	RecScores	s;
	RecScored	best[PROBE_LIST];
	int			fill_start;
	int			fill_end;
	int			found;
	int			count = 0;
	int			i;

	RecScoreHistory(m, h, row, NULL, &s, NULL);
	for (i = 0; i < h->n; i++)
		if (h->items[i] >= 0)
			RecExclude(h->items[i]);
	found = RecListTopK(&s, NULL, 0, PROBE_LIST, best, &fill_start, &fill_end);
	for (i = 0; i < found; i++)
		count += InCategory(m, best[i].idx, c);
	return count;
}

/*
 * Score the probes' histories, before and after, as one block (RecScoreBlock)
 * under the serving values set now: what a block scores does not depend on
 * the session weight, so ProbeGain serves every weight from these rows.
 */
static void
ScoreProbes(const RecModel *m, const Probe *probes, int n_probes, RecBlock *rows)
{
	RecHistory *hs = palloc(sizeof(RecHistory) * Max(2 * n_probes, 1));
	int			i;

	for (i = 0; i < n_probes; i++)
	{
		hs[2 * i] = probes[i].before;
		hs[2 * i + 1] = probes[i].after;
	}
	RecScoreBlock(m, hs, 2 * n_probes, rows);
	pfree(hs);
}

/*
 * Return the mean gain, over the probes, in items of the new interest in
 * the top PROBE_LIST once its events are logged, serving with q, which
 * differs from the values the probes' rows were scored with (ScoreProbes)
 * in its session weight alone.
 */
static double
ProbeGain(RecModel *m, const RecParams *q, const Probe *probes, int n_probes, const RecBlock *rows)
{
	double		gain = 0;
	int			i;

	SetServe(m, q);
	for (i = 0; i < n_probes; i++)
	{
		CHECK_FOR_INTERRUPTS();
		gain += CategoryInList(m, &probes[i].after, RecBlockRow(rows, 2 * i + 1), probes[i].category) -
			CategoryInList(m, &probes[i].before, RecBlockRow(rows, 2 * i), probes[i].category);
	}
	return n_probes > 0 ? gain / n_probes : 0;
}

/* Choose lambda, recency, transition and session parameters on an inner split */
static void
Tune(const RecDataset *ds, RecParams *p)
{
	static const double lambda_scales[] = {1, 2, 4, 8};
	static const double half_lives[] = {0, 3, 5, 10, 20};
	static const double floors[] = {0.02, 0.2};
	static const double transition_scales[] = {1, 10, 30};
	static const double decays[] = {0.6};
	static const double sessions[] = {0, 0.25, 0.5, 0.75, 1, 1.5, 2};
	bool	   *sample = palloc(sizeof(bool) * Max(ds->n_users, 1));
	int			keep_one_in = Max(1, ds->n_users / TUNE_USERS);
	Splits		sp;
	RecSplit	train;
	RecDataset *inner;
	RecModel   *m;
	Fit			fit;
	double		mean_pop;
	double		best = -1;
	double		lambda_recency;
	double		largest_lambda = 0;	/* the largest the lambda scan solved */
	RecParams	q;
	double		exploration = p->exploration_weight;
	RecParams	given = *p;		/* the values before tuning */
	RecParams	plain;			/* plain EASE's values */
	int			u,
				i,
				j;

	/* the inner holdout leaves out the users the offline metrics score */
	/*
	 * One in keep_one_in of the users, by the hash digits above the one the
	 * offline holdout takes: the same digit would leave no user at all
	 * whenever keep_one_in is a multiple of 10 (10,000 to 10,999 users...)
	 */
	for (u = 0; u < ds->n_users; u++)
		sample[u] = (RecUserHash(ds->user_ids[u]) / 10) % keep_one_in == 0 &&
			!RecInOfflineHoldout(ds->user_ids[u]);
	memset(&sp, 0, sizeof(Splits));
	sp.ds = ds;
	RecTimeSplit(ds, sample, &sp.time);
	if (sp.time.n_eval == 0)
		return;

	/*
	 * The session split counts when most of the sampled users show a last
	 * session; the inner model trains on the events before both holdouts.
	 */
	RecSessionSplit(ds, sample, &sp.session);
	sp.sessions = sp.session.n_eval >= sp.time.n_eval / 2;
	train.n_eval = 0;
	train.eval_users = NULL;
	train.input_len = palloc(sizeof(int64) * Max(ds->n_users, 1));
	for (u = 0; u < ds->n_users; u++)
		train.input_len[u] = sp.sessions ? Min(sp.time.input_len[u], sp.session.input_len[u])
			: sp.time.input_len[u];
	elog(DEBUG1, "tuning: %d users on the time split, %d on the session split%s",
		 sp.time.n_eval, sp.session.n_eval, sp.sessions ? "" : " (not scored)");
	for (i = 0; i < 2; i++)
	{
		int			n_eval = Max(i == 0 ? sp.time.n_eval : sp.session.n_eval, 1);

		sp.users[i] = palloc(sizeof(double) * n_eval);
		sp.best_users[i] = palloc(sizeof(double) * n_eval);
		sp.plain_users[i] = palloc(sizeof(double) * n_eval);
	}
	inner = RecSplitInputs(ds, &train);
	m = RecNewModel(inner, p->neighbors ? REC_KIND_ITEM_SPARSE : REC_KIND_ITEM_DENSE);
	FitStart(&fit, inner, HALF_NEIGHBORS(p->neighbors), true);
	mean_pop = FitMeanPopularity(&fit);

	/* plain WEIGHTS_EASE, the point every score is measured against */
	q = *p;
	q.lambda = p->given_lambda ? p->lambda : PLAIN_EASE_LAMBDA;
	q.recency_half_life = 0;
	q.recency_floor = 1;
	q.transition_weight = 0;
	q.session_weight = 0;
	q.exploration_weight = 0;
	plain = q;
	FitEase(&fit, m, q.lambda, 0);
	sp.time0 = sp.session0 = 1;
	{
		RecListMetrics mean;

		SetServe(m, &q);
		ScoreSplit(m, &sp, 0, &mean);
		sp.time0 = mean.ndcg10;
		if (sp.sessions)
		{
			ScoreSplit(m, &sp, 1, &mean);
			sp.session0 = mean.ndcg10;
		}
		SwapUsers(&sp.users[0], &sp.plain_users[0]);
		SwapUsers(&sp.users[1], &sp.plain_users[1]);
	}
	elog(DEBUG1, "tuning: plain EASE (lambda %g): NDCG@10 %.5f on the time split, %.5f on the session split",
		 q.lambda, sp.time0, sp.session0);

	/* new items are not in the inner holdout: tune without exploring them */
	p->exploration_weight = 0;

	/* lambda, with the current recency and neither transitions nor session; stop when worse */
	for (i = 0; i < (p->given_lambda ? 1 : (int) lengthof(lambda_scales)); i++)
	{
		q = *p;
		if (!p->given_lambda)
			q.lambda = lambda_scales[i] * mean_pop;
		q.transition_weight = 0;
		q.session_weight = 0;
		FitEase(&fit, m, q.lambda, p->lambda);
		largest_lambda = q.lambda;
		if (!Try(m, &sp, &q, p, &best) && i > 0)
			break;
	}
	FitEase(&fit, m, p->lambda, p->lambda);

	/*
	 * recency of the history weights: the half-life, then its floor.  The
	 * half-lives go up from none; the recency the lambda scan served is not
	 * scored again (its score is the scan's best), nor is the best so far,
	 * and the score being unimodal in the half-life, the first half-life
	 * that scores below the one before it ends the search.
	 */
	lambda_recency = p->recency_half_life;
	{
		double		scan_floor = p->recency_floor;
		double		scan_score = best;
		double		before = -1;	/* the score of the half-life before, once one is scored */

		for (i = 0; i < (p->given_recency ? 0 : (int) lengthof(half_lives)); i++)
		{
			double		score;

			q = *p;
			q.recency_half_life = half_lives[i];
			q.recency_floor = half_lives[i] > 0 ? 0.05 : 1;
			if (q.recency_half_life == lambda_recency && q.recency_floor == scan_floor)
				score = scan_score;
			else if (q.recency_half_life == p->recency_half_life && q.recency_floor == p->recency_floor)
				score = best;
			else
			{
				Try(m, &sp, &q, p, &best);
				score = sp.last;
			}
			if (q.recency_half_life > 0)
			{
				if (score < before)
					break;
				before = score;
			}
		}
	}
	for (j = 0; j < (int) lengthof(floors) && p->recency_half_life > 0 && !p->given_recency; j++)
	{
		q = *p;
		q.recency_floor = floors[j];
		if (q.recency_floor != p->recency_floor)
			Try(m, &sp, &q, p, &best);
	}

	/*
	 * lambda again around the chosen one when the recency weights changed:
	 * first on the side the scan was still gaining on (up when it chose its
	 * largest lambda), the other side only if that one did not gain, the
	 * score being unimodal in lambda
	 */
	if (p->recency_half_life != lambda_recency && !p->given_lambda)
	{
		double		chosen = p->lambda;
		bool		up_first = chosen >= largest_lambda;

		for (i = 0; i < 2; i++)
		{
			q = *p;
			q.lambda = chosen * ((i == 0) == up_first ? 2 : 0.5);
			FitEase(&fit, m, q.lambda, p->lambda);
			if (Try(m, &sp, &q, p, &best))
				break;
		}
		FitEase(&fit, m, p->lambda, p->lambda);
	}

	/*
	 * Plain EASE itself, so that tuning can always fall back to it: what
	 * departs from it must gain PLAIN_MARGIN on every split, more than the
	 * inner split's noise.  Its score is 1 by construction (every score is a
	 * ratio to its own NDCG@10), so it is neither solved nor scored again.
	 */
	if (!p->given_recency && best < 1 + PLAIN_MARGIN)
	{
		FitEase(&fit, m, plain.lambda, 0);
		*p = plain;
		best = 1 + PLAIN_MARGIN;
		sp.ndcg10 = sp.time0;
		SwapUsers(&sp.best_users[0], &sp.plain_users[0]);
		SwapUsers(&sp.best_users[1], &sp.plain_users[1]);
		elog(DEBUG1, "tuning: plain EASE kept (no candidate gained %g)", PLAIN_MARGIN);
	}

	/*
	 * Transitions: their regularisation at the default decay, going up until
	 * a larger one does worse, then another decay at the best
	 * regularisation, each with a few weights (TryTransitionWeights); kept
	 * only when some weight beats none.
	 */
	{
		RecParams	base = *p;
		RecParams	given_transitions = *p;
		double		chosen_lambda = 0;
		int			weight = -1;

		/* the caller's transition values, all of them */
		given_transitions.transition_weight = given.transition_weight;
		given_transitions.transition_decay = given.transition_decay;
		given_transitions.transition_window = given.transition_window;
		given_transitions.transition_lambda = given.transition_lambda;

		for (j = 0; j < (p->given_transitions ? 0 : (int) lengthof(transition_scales)); j++)
		{
			q = base;
			q.transition_lambda = transition_scales[j] * base.lambda;
			FitTransitions(&fit, m, q.transition_decay, q.transition_window, q.transition_lambda,
						   KEPT_TRANSITIONS(p));
			weight = TryTransitionWeights(m, &sp, &q, p, &best, weight);
			if (p->transition_weight > 0 && p->transition_lambda == q.transition_lambda)
				chosen_lambda = q.transition_lambda;
			else if (j > 0)
				break;			/* a larger regularisation did worse: stop */
		}
		for (i = 0; i < (int) lengthof(decays) && chosen_lambda > 0; i++)
		{
			q = base;
			q.transition_lambda = chosen_lambda;
			q.transition_decay = decays[i];
			FitTransitions(&fit, m, q.transition_decay, q.transition_window, q.transition_lambda,
						   KEPT_TRANSITIONS(p));
			TryTransitionWeights(m, &sp, &q, p, &best, weight);
		}
		if (p->given_transitions)
			*p = given_transitions;
		if (p->transition_weight > 0)
			FitTransitions(&fit, m, p->transition_decay, p->transition_window,
						   TransitionLambda(p), KEPT_TRANSITIONS(p));
		else
			DropTransitions(&fit, m);
	}

	/*
	 * The session weight: the best NDCG@10 among the weights under which a
	 * new interest shows (PROBE_MIN_GAIN of its items enter the probes' top
	 * 10), or the most responsive weight when none does.  A time split alone
	 * never rewards following a new interest, so it would turn the term off.
	 * The weights go up from 0: a weight is scored on the splits only once it
	 * is responsive (a weight that is not is chosen by its gain alone), and
	 * the search stops at the first responsive weight that scores no better
	 * than the one before it, as a larger weight departs further from the
	 * collaborative list.
	 */
	if (p->given_session)
		p->session_weight = given.session_weight;
	else
	{
		Probe	   *probes = palloc(sizeof(Probe) * PROBE_USERS);
		int			n_probes = BuildProbes(m, ds, &sp.time, probes);
		RecParams	chosen = *p;
		double		best_gain = -1;
		double		best_score = -1;
		double		chosen_ndcg = sp.ndcg10;

		/*
		 * The best so far has no session term, and the items the term lifts
		 * do not depend on its weight: the users it lifts nothing for have
		 * the best's lists under every weight, so only the others are scored
		 * (the means are those of whole passes).
		 */
		RecBlock	probe_rows;

		q = *p;
		SetServe(m, &q);
		ScoreProbes(m, probes, n_probes, &probe_rows);
		for (j = 0; j < (sp.sessions ? 2 : 1) && p->session_weight == 0; j++)
		{
			const RecSplit *split = j == 0 ? &sp.time : &sp.session;

			sp.differ[j] = palloc(sizeof(bool) * Max(split->n_eval, 1));
			for (u = 0; u < split->n_eval; u++)
			{
				RecHistory	h;

				RecSplitHistory(ds, split, u, &h);
				sp.differ[j][u] = RecSessionLifts(m, &h);
			}
		}
		for (i = 0; i < (n_probes > 0 ? (int) lengthof(sessions) : 0); i++)
		{
			double		ndcg10;
			double		score;
			double		gain;

			q.session_weight = sessions[i];
			gain = ProbeGain(m, &q, probes, n_probes, &probe_rows);
			elog(DEBUG1, "tuning (at %.3f s): session %g: new interest +%.2f in the top %d (%d probes)",
				 (double) (GetCurrentTimestamp() - GetCurrentStatementStartTimestamp()) / USECS_PER_SEC,
				 q.session_weight, gain, PROBE_LIST, n_probes);
			if (gain < PROBE_MIN_GAIN)
			{
				if (best_gain < PROBE_MIN_GAIN && gain > best_gain)
				{
					chosen = q;
					best_gain = gain;
				}
				continue;
			}
			score = Score(m, &sp, &q, &ndcg10);
			elog(DEBUG1, "tuning: session %g: NDCG@10 %.5f, score %.5f", q.session_weight, ndcg10, score);
			if (best_gain >= PROBE_MIN_GAIN && score <= best_score)
				break;
			chosen = q;
			best_gain = gain;
			best_score = score;
			chosen_ndcg = ndcg10;
		}
		RecBlockFree(&probe_rows);
		if (best_gain >= 0 && best_score < 0)
			best_score = Score(m, &sp, &chosen, &chosen_ndcg);	/* none responsive */
		sp.differ[0] = sp.differ[1] = NULL;
		if (best_gain >= 0)
		{
			*p = chosen;
			sp.ndcg10 = chosen_ndcg;
		}
		p->tuned_probes = n_probes;
		p->tuned_probe_gain = best_gain;
	}
	FitEnd(&fit);
	p->tuned_ndcg10 = sp.ndcg10;
	p->tuned_users = sp.time.n_eval;
	p->exploration_weight = exploration;
}

/*
 * Train user-personalization (or its EASE part alone, for plain EASE: no
 * tuning and no transitions), tuning it first when asked, dense or sparse
 * as RecChooseNeighbors decides; p->neighbors gets the structure used.
 */
static RecModel *
TrainItemModel(const RecDataset *ds, RecParams *p, bool with_transitions)
{
	RecModel   *m;
	Fit			fit;

	p->neighbors = RecChooseNeighbors(ds, p->neighbors, with_transitions ? 2 : 1);
	if (with_transitions && p->tune)
	{
		/* the tuning phase: its inner split, model and trials go at once when it ends */
		MemoryContext tune_cxt = AllocSetContextCreate(CurrentMemoryContext, "rec training: tune",
													   ALLOCSET_DEFAULT_SIZES);
		MemoryContext old = MemoryContextSwitchTo(tune_cxt);

		Tune(ds, p);
		MemoryContextSwitchTo(old);
		MemoryContextDelete(tune_cxt);
	}
	m = RecNewModel(ds, p->neighbors ? REC_KIND_ITEM_SPARSE : REC_KIND_ITEM_DENSE);
	FitStart(&fit, ds, p->neighbors, false);
	FitEase(&fit, m, p->lambda, 0);
	if (with_transitions && p->transition_weight > 0)
		FitTransitions(&fit, m, p->transition_decay, p->transition_window, TransitionLambda(p),
					   -1, -1);
	FitEnd(&fit);
	if (with_transitions)
		SetServe(m, p);
	return m;
}

/* Train user-personalization */
RecModel *
RecTrainPersonalization(const RecDataset *ds, RecParams *p)
{
	return TrainItemModel(ds, p, true);
}

/* Train plain EASE over the warm items, dense or sparse */
RecModel *
RecTrainEase(const RecDataset *ds, RecParams *p)
{
	return TrainItemModel(ds, p, false);
}
