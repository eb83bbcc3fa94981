/*
 * holdout.h
 *	  Time splits of a dataset and the evaluation of a model on them.
 */
#ifndef REC_HOLDOUT_H
#define REC_HOLDOUT_H

#include "dataset.h"
#include "metrics.h"
#include "model.h"

#define REC_HOLDOUT_K 25		/* recommendations scored per held-out user */
#define REC_SESSION_GAP 1800.0	/* seconds without events that end a session */

/* Each evaluated user's oldest events are its input, the rest its truth */
typedef struct RecSplit
{
	int			n_eval;			/* users evaluated */
	int32	   *eval_users;		/* their dataset indices */
	int64	   *input_len;		/* [n_users] input events of each user (all, if not evaluated) */
} RecSplit;

extern uint32 RecUserHash(int64 user_id);
extern bool RecInOfflineHoldout(int64 user_id);
extern void RecTimeSplit(const RecDataset *ds, const bool *candidates, RecSplit *split);
extern void RecSessionSplit(const RecDataset *ds, const bool *candidates, RecSplit *split);
extern RecDataset *RecSplitInputs(const RecDataset *ds, const RecSplit *split);
extern void RecSplitHistory(const RecDataset *ds, const RecSplit *split, int k, RecHistory *h);
extern double RecEvaluateSplit(const RecModel *m, const RecDataset *ds, const RecSplit *split,
							   RecListMetrics *mean);
extern double RecEvaluateSplitUsers(const RecModel *m, const RecDataset *ds, const RecSplit *split,
									const bool *only, double *user_ndcg10, RecListMetrics *mean);

#endif							/* REC_HOLDOUT_H */
