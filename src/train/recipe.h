/*
 * recipe.h
 *	  The training algorithms (one file each) and their parameters.
 */
#ifndef REC_RECIPE_H
#define REC_RECIPE_H

#include "lib/stringinfo.h"

#include "dataset.h"
#include "model.h"

/* Every training parameter; each recipe accepts a subset (train.c) */
typedef struct RecParams
{
	double		lambda;			/* EASE: L2 regularisation */
	double		popularity_discount;	/* sims: exponent on the neighbour's popularity */
	int			neighbors;		/* sims: neighbours kept per item; EASE-based: 0 dense, -1 automatic */
	double		proximity_half_life;	/* sims: positions apart until a pair counts half (0: off) */
	double		proximity_floor;	/* sims: least weight of a pair far apart */
	double		recency_half_life;	/* serving: events until a weight halves (0: off) */
	double		recency_floor;	/* serving: least weight of an old event */
	double		session_weight; /* serving: weight of the newest events' categories */
	int			session_events; /* serving: how many newest events form the session */
	double		impression_decay;	/* serving: factor per repeated unacted impression (0, 1: none) */
	double		transition_weight;	/* serving: weight of the transition term (0: none) */
	double		transition_decay;	/* transitions: weight ratio of consecutive events */
	int			transition_window;	/* transitions: events before the next one that count */
	double		transition_lambda;	/* transitions: L2 regularisation (0: lambda's) */
	double		exploration_weight; /* serving: weight of new items (0..1) */
	double		exploration_item_age_cutoff;	/* serving: days; older new items are not explored */
	double		trend_window;	/* trending-now: seconds of one window (0: chosen from the data) */
	bool		tune;			/* choose the parameters on an inner split first */
	bool		given_lambda;	/* set by the caller: tuning leaves lambda alone */
	bool		given_recency;	/* ... the recency weights */
	bool		given_transitions;	/* ... the transitions */
	bool		given_session;	/* ... the session weight */
	char	   *event_type;		/* train on this event type only, or NULL */
	double		event_value_threshold;	/* train on events with at least this value */
	bool		has_value_threshold;	/* event_value_threshold was given */
	char	   *event_weights;	/* weight of each event type (JSON object), or NULL */
	double		tuned_ndcg10;	/* out: NDCG@10 of the chosen parameters on the inner split */
	int			tuned_users;	/* out: users scored while tuning (0: not tuned) */
	int			tuned_probes;	/* out: simulated new interests the session weight was tested on */
	double		tuned_probe_gain;	/* out: their mean gain in the top 10 at the chosen weight */
	const char *algorithm;		/* out: the algorithm used, when not the recipe's own */
} RecParams;

/* Rows of a pruned sparse item x item matrix, each row's entries best first */
typedef struct RecSparseRows
{
	int			n;				/* rows (warm items) */
	int64	   *off;			/* [n + 1] row offsets */
	int32	   *idx;			/* column of each entry */
	float	   *val;			/* its value */
	float	   *diag;			/* [n] the diagonal, kept apart */
} RecSparseRows;

/* Neighbourhood systems kept across solves for several lambdas (tuning) */
typedef struct RecSparseCache
{
	int64	   *off;			/* [n + 1] where each target's system starts */
	float	   *sys;			/* the systems, without lambda; NULL if not kept */
	bool		filled;			/* sys holds them */
} RecSparseCache;

/*
 * The dense n x n matrices a tuning frees and allocates again at every
 * candidate (EASE weights, transition statistics and weights, a solve's
 * scratch): up to REC_POOL_MATRICES freed ones are kept for the next
 * allocation, whose memory is then mapped already (a fresh 11 MB matrix at
 * 1,682 items costs some 2,800 page faults, about 7 ms).  A NULL pool
 * allocates and frees each matrix.
 */
#define REC_POOL_MATRICES 4
typedef struct RecMatrixPool
{
	int			n;				/* the matrices are n x n */
	int			n_free;
	float	   *free[REC_POOL_MATRICES];
} RecMatrixPool;

extern RecModel *RecTrainPopularity(const RecDataset *ds, RecParams *p);
extern RecModel *RecTrainSims(const RecDataset *ds, RecParams *p);
extern RecModel *RecTrainEase(const RecDataset *ds, RecParams *p);
extern RecModel *RecTrainPersonalization(const RecDataset *ds, RecParams *p);
extern RecModel *RecTrainTrending(const RecDataset *ds, RecParams *p);
extern void RecTrendMetrics(const RecDataset *ds, const RecParams *p, StringInfo buf);

extern float *RecGram(const RecDataset *ds);
extern void RecMatrixPoolInit(RecMatrixPool *pool, int n);
extern float *RecMatrixTake(RecMatrixPool *pool, int n, bool zero);
extern void RecMatrixGive(RecMatrixPool *pool, float *a);
extern void RecMatrixPoolFree(RecMatrixPool *pool);
extern float *RecEaseSolve(const float *gram, int n, double lambda, RecMatrixPool *pool);
extern int	RecTransitionNeighbors(int neighbors);
extern float *RecTransitionSolve(const RecDataset *ds, double decay, int window, double lambda);
extern void RecTransitionStats(const RecDataset *ds, double decay, int window, float **xx,
							   float **xy, RecMatrixPool *pool);
extern float *RecTransitionSolveStats(const float *xx, const float *xy, int n, double lambda,
									  RecMatrixPool *pool);
extern double RecSparseMemory(const RecDataset *ds, int neighbors);
extern int	RecSparseKeepPerRow(int neighbors, int n);
extern void RecSparseGram(const RecDataset *ds, int neighbors, RecSparseRows *g);
extern void RecSparseTransitionStats(const RecDataset *ds, double decay, int window, int neighbors,
									 RecSparseRows *xx, RecSparseRows *xy);
extern int64 RecSparseSolve(const RecSparseRows *a, const RecSparseRows *targets, int neighbors,
							double lambda, RecSparseCache *cache, int32 **off_out, int32 **idx_out,
							float **val_out);
extern void RecSparseEaseInto(RecModel *m, const RecSparseRows *g, int neighbors, double lambda,
							  RecSparseCache *cache);
extern void RecSparseTransitionsInto(RecModel *m, const RecSparseRows *xx, const RecSparseRows *xy,
									 int neighbors, double lambda, RecSparseCache *cache);
extern void RecFreeSparseCache(RecSparseCache *cache);
extern void RecFreeSparseRows(RecSparseRows *r);
extern int	RecChooseNeighbors(const RecDataset *ds, int requested, int matrices);
extern void RecSegmentMetrics(const RecDataset *ds, const RecParams *p, bool attributes,
							  StringInfo buf);

#endif							/* REC_RECIPE_H */
