/*
 * holdout.c
 *	  Time splits of a dataset, and the offline evaluation of a model on one.
 *
 * The split is the workshop's: of each evaluated user's events, ordered by
 * time, those whose rank / count is above 0.9 are the truth and the rest the
 * input.  Used for Personalize-style solution metrics and for tuning.
 */
#include "rec.h"

#include "common/hashfn.h"

#include "miscadmin.h"

#include "holdout.h"
#include "linalg.h"
#include "parallel.h"
#include "score.h"
#include "topk.h"

#define EVAL_BLOCK 256
#define EVAL_CHUNK 8			/* users a thread takes at a time */
#define EVAL_USERS_PER_WORKER 64	/* users a thread must have to be worth starting */
#define EVAL_HIT_VECTORS 10		/* the hit vectors RecScoreList's metrics take of scratch */

/*
 * A user's hash, for the samples of users that training draws: the offline
 * metrics' holdout takes its last decimal digit (RecInOfflineHoldout), the
 * tuner's sample the digits above it, so the two never depend on each other.
 */
uint32
RecUserHash(int64 user_id)
{
	return hash_bytes_uint32((uint32) user_id ^ (uint32) (user_id >> 32));
}

/*
 * True if a user is among the 10% of users the offline metrics hold out
 * (Personalize's get_solution_metrics): a hash of the id, so the same users
 * every time, and never among the users tuning scores.
 */
bool
RecInOfflineHoldout(int64 user_id)
{
	return RecUserHash(user_id) % 10 == 0;
}

/*
 * Split each candidate user (all users when candidates is NULL) with at least
 * two events: the oldest 90% are input, the newest 10% (at least one) truth.
 */
void
RecTimeSplit(const RecDataset *ds, const bool *candidates, RecSplit *split)
{
	int			u;

	split->n_eval = 0;
	split->eval_users = palloc(sizeof(int32) * Max(ds->n_users, 1));
	split->input_len = palloc(sizeof(int64) * Max(ds->n_users, 1));
	for (u = 0; u < ds->n_users; u++)
	{
		int64		len = ds->user_off[u + 1] - ds->user_off[u];

		split->input_len[u] = len;
		if (len < 2 || (candidates && !candidates[u]))
			continue;
		split->input_len[u] = Max(1, (int64) (0.9 * len));
		split->eval_users[split->n_eval++] = u;
	}
}

/*
 * Split each candidate user whose events show sessions: the truth is the
 * user's last session (the events after its last gap of at least
 * REC_SESSION_GAP seconds), when that leaves at least one event of input and
 * holds out at most half of them; other users are not evaluated.  This is
 * the split of data whose test is a whole next session, where the newest
 * events inside a session (the time split) reward recency and transitions
 * that do not carry over to the next one.
 */
void
RecSessionSplit(const RecDataset *ds, const bool *candidates, RecSplit *split)
{
	int			u;

	split->n_eval = 0;
	split->eval_users = palloc(sizeof(int32) * Max(ds->n_users, 1));
	split->input_len = palloc(sizeof(int64) * Max(ds->n_users, 1));
	for (u = 0; u < ds->n_users; u++)
	{
		int64		first = ds->user_off[u];
		int64		len = ds->user_off[u + 1] - first;
		int64		e;

		split->input_len[u] = len;
		if (len < 2 || (candidates && !candidates[u]))
			continue;
		for (e = len - 1; e >= 1 && 2 * (len - e) <= len; e--)
			if (ds->ev_time[first + e] - ds->ev_time[first + e - 1] >= REC_SESSION_GAP)
			{
				split->input_len[u] = e;
				split->eval_users[split->n_eval++] = u;
				break;
			}
	}
}

/* Return the dataset of every user's input events only, to train on */
RecDataset *
RecSplitInputs(const RecDataset *ds, const RecSplit *split)
{
	bool	   *all = palloc(sizeof(bool) * Max(ds->n_users, 1));
	RecDataset *inputs;

	memset(all, true, sizeof(bool) * ds->n_users);
	inputs = RecSubsetUsers(ds, all, split->input_len);
	pfree(all);
	return inputs;
}

/* The history evaluated user k of a split is scored from: its newest input events */
void
RecSplitHistory(const RecDataset *ds, const RecSplit *split, int k, RecHistory *h)
{
	int			u = split->eval_users[k];
	int64		first = ds->user_off[u];
	int64		n = Min(split->input_len[u], rec_max_history);

	h->n = (int) n;
	h->items = ds->ev_item + first + split->input_len[u] - n;
	h->times = ds->ev_time + first + split->input_len[u] - n;
	h->weights = ds->ev_weight ? ds->ev_weight + first + split->input_len[u] - n : NULL;
	h->in_context = NULL;
}

/*
 * Recommend REC_HOLDOUT_K items to every evaluated user from its input
 * (input items excluded) and average the metrics against its truth; return
 * the catalogue coverage (distinct items recommended / warm items).
 */
double
RecEvaluateSplit(const RecModel *m, const RecDataset *ds, const RecSplit *split,
				 RecListMetrics *mean)
{
	return RecEvaluateSplitUsers(m, ds, split, NULL, NULL, mean);
}

/* One block of a split's evaluation, its users scored on one thread or several (EvalUsers) */
typedef struct EvalBlock
{
	const RecModel *m;
	const RecDataset *ds;
	const RecSplit *split;
	int			start;			/* the block's first user: its place in the split */
	const RecHistory *hs;		/* the histories of the users scored */
	const int  *slot;			/* [block] each user's history in hs, or -1: not scored */
	const RecBlock *block;		/* their rows (RecScoreBlock) */
	int			depth;			/* the length of each list: REC_HOLDOUT_K, or 10 for NDCG@10 alone */
	int64	   *truth;			/* per worker: [max_truth] */
	int64		max_truth;		/* the most truth events of a user */
	RecListMetrics *one;		/* [block] each scored user's metrics */
	int32	   *listed;			/* [block x REC_HOLDOUT_K] the items recommended to it */
	int		   *n_listed;		/* [block] how many */
} EvalBlock;

/*
 * Score users [first, last) of a block with worker's accumulator: the list
 * recommend() would serve from each one's input (input items excluded), its
 * metrics against its truth.  Pure computation when on a worker thread
 * (RecPrepareWorkers): each user's results go to its own place.
 */
static void
EvalUsers(void *arg, int first, int last, int worker)
{
	EvalBlock  *e = arg;
	const RecModel *m = e->m;
	const RecDataset *ds = e->ds;
	int64	   *truth = e->truth + (Size) worker * e->max_truth;
	int			b;

	RecAccumulatorEnter(worker);
	for (b = first; b < last; b++)
	{
		int			k = e->slot[b];
		int			u = e->split->eval_users[e->start + b];
		int64		from = ds->user_off[u];
		int64		len = ds->user_off[u + 1] - from;
		RecScored	best[REC_HOLDOUT_K];
		int64		rec_ids[REC_HOLDOUT_K];
		RecScores	s;
		int			fill_start;
		int			fill_end;
		int			n_truth = 0;
		int			found;
		int64		ev;
		int			i;

		if (k < 0)
			continue;
		RecScratchReset();
		RecScoreHistory(m, &e->hs[k], RecBlockRow(e->block, k), NULL, &s, NULL);
		for (ev = from; ev < from + e->split->input_len[u]; ev++)
			RecExclude(ds->ev_item[ev]);
		found = RecListTopK(&s, NULL, 0, e->depth, best, &fill_start, &fill_end);
		for (i = 0; i < found; i++)
		{
			rec_ids[i] = m->item_ids[best[i].idx];
			e->listed[(Size) b * REC_HOLDOUT_K + i] = best[i].idx;
		}
		e->n_listed[b] = found;
		for (ev = from + e->split->input_len[u]; ev < from + len; ev++)
			truth[n_truth++] = ds->item_ids[ds->ev_item[ev]];
		if (e->depth == REC_HOLDOUT_K)
			RecScoreList(rec_ids, found, truth, n_truth, &e->one[b]);
		else
		{
			RecRelevantSet rel;

			RecRelevantSetInit(&rel, truth, n_truth);
			memset(&e->one[b], 0, sizeof(RecListMetrics));
			e->one[b].ndcg10 = RecNdcgAtK(rec_ids, found, &rel, 10);
			RecRelevantSetFree(&rel);
		}
	}
	RecAccumulatorLeave(worker);
}

/*
 * RecEvaluateSplit, or with user_ndcg10 (tuning), each evaluated user's
 * NDCG@10 into user_ndcg10[k] (k: its place in the split) and mean's
 * NDCG@10 alone, from lists of 10 (the first 10 of REC_HOLDOUT_K: the same
 * NDCG@10).  With only (and user_ndcg10), only the users k with only[k] are
 * scored: the others' NDCG@10 is taken from user_ndcg10 as it is, and
 * summed with the scored users' in the same order as a whole pass, so the
 * mean equals a whole pass's when the others' lists are the same as when
 * their NDCG@10 was kept; the coverage is the scored users'.  The users of
 * a block are scored on BLAS's threads (rec.threads while training), each
 * on its own accumulator, and their metrics summed in the split's order, so
 * the means do not depend on the thread count.
 */
double
RecEvaluateSplitUsers(const RecModel *m, const RecDataset *ds, const RecSplit *split,
					  const bool *only, double *user_ndcg10, RecListMetrics *mean)
{
	RecHistory *hs = palloc(sizeof(RecHistory) * EVAL_BLOCK);
	int		   *slot = palloc(sizeof(int) * EVAL_BLOCK);
	RecListMetrics *one = palloc(sizeof(RecListMetrics) * EVAL_BLOCK);
	int32	   *listed = palloc(sizeof(int32) * EVAL_BLOCK * REC_HOLDOUT_K);
	int		   *n_listed = palloc(sizeof(int) * EVAL_BLOCK);
	bool	   *covered = palloc0(sizeof(bool) * Max(m->n_items, 1));
	int			workers = Min(RecTrainWorkers(split->n_eval, EVAL_USERS_PER_WORKER), RecBlasThreads());
	int64		max_truth = 1;
	int64	   *truth;
	int			n_covered = 0;
	int			start;
	int			k;

	Assert(only == NULL || user_ndcg10 != NULL);
	for (k = 0; k < split->n_eval; k++)
	{
		int			u = split->eval_users[k];

		max_truth = Max(max_truth, ds->user_off[u + 1] - ds->user_off[u] - split->input_len[u]);
	}
	truth = palloc_extended(sizeof(int64) * (Size) max_truth * workers, MCXT_ALLOC_HUGE);
	if (workers > 1)
		RecPrepareWorkers(m, workers, MAXALIGN(sizeof(int64) * (Size) max_truth) +
						  EVAL_HIT_VECTORS * MAXALIGN(sizeof(bool) * REC_HOLDOUT_K));

	memset(mean, 0, sizeof(RecListMetrics));
	for (start = 0; start < split->n_eval; start += EVAL_BLOCK)
	{
		int			nb = Min(EVAL_BLOCK, split->n_eval - start);
		int			n_scored = 0;
		RecBlock	block;
		EvalBlock	e;
		int			b;
		int			i;

		CHECK_FOR_INTERRUPTS();
		for (b = 0; b < nb; b++)
		{
			slot[b] = -1;
			if (only == NULL || only[start + b])
			{
				slot[b] = n_scored;
				RecSplitHistory(ds, split, start + b, &hs[n_scored++]);
			}
		}
		RecScoreBlock(m, hs, n_scored, &block);

		e.m = m;
		e.ds = ds;
		e.split = split;
		e.start = start;
		e.hs = hs;
		e.slot = slot;
		e.block = &block;
		e.depth = user_ndcg10 ? 10 : REC_HOLDOUT_K;
		e.truth = truth;
		e.max_truth = max_truth;
		e.one = one;
		e.listed = listed;
		e.n_listed = n_listed;
		if (workers > 1 && RecBlockThreadSafe(m, &block))
			RecParallelFor(nb, workers, EVAL_CHUNK, EvalUsers, &e);
		else
			EvalUsers(&e, 0, nb, 0);

		/* in the split's order, whichever thread scored each user */
		for (b = 0; b < nb; b++)
		{
			if (slot[b] < 0)
			{
				mean->ndcg10 += user_ndcg10[start + b];
				continue;
			}
			for (i = 0; i < n_listed[b]; i++)
			{
				int32		item = listed[(Size) b * REC_HOLDOUT_K + i];

				if (!covered[item])
				{
					covered[item] = true;
					n_covered++;
				}
			}
			if (user_ndcg10)
				user_ndcg10[start + b] = one[b].ndcg10;
			mean->mrr25 += one[b].mrr25;
			mean->ndcg5 += one[b].ndcg5;
			mean->ndcg10 += one[b].ndcg10;
			mean->ndcg25 += one[b].ndcg25;
			mean->p5 += one[b].p5;
			mean->p10 += one[b].p10;
			mean->p25 += one[b].p25;
			mean->recall10 += one[b].recall10;
			mean->recall25 += one[b].recall25;
			mean->hit10 += one[b].hit10;
		}
		RecBlockFree(&block);
	}
	if (split->n_eval > 0)
	{
		double		n = split->n_eval;

		mean->mrr25 /= n;
		mean->ndcg5 /= n;
		mean->ndcg10 /= n;
		mean->ndcg25 /= n;
		mean->p5 /= n;
		mean->p10 /= n;
		mean->p25 /= n;
		mean->recall10 /= n;
		mean->recall25 /= n;
		mean->hit10 /= n;
	}
	pfree(hs);
	pfree(slot);
	pfree(one);
	pfree(listed);
	pfree(n_listed);
	pfree(covered);
	pfree(truth);
	return (double) n_covered / Max(ds->n_warm, 1);
}
