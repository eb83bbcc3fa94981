/*
 * score.h
 *	  Scoring a history over a model's catalogue, and explaining a score.
 */
#ifndef REC_SCORE_H
#define REC_SCORE_H

#include "model.h"
#include "topk.h"

/* Why an item of a list is there */
typedef enum RecReason
{
	REC_REASON_PERSONALIZED,	/* the collaborative model */
	REC_REASON_POPULAR,			/* the popularity fallback */
	REC_REASON_SESSION,			/* lifted by the session term */
	REC_REASON_EXPLORATION,		/* a new item explored through its categories */
	REC_REASON_SIMILAR,			/* similar_items: the model's row of the item */
	REC_REASON_CATEGORY,		/* similar_items: shares categories with a cold item */
	REC_REASON_IMPRESSED,		/* moved down: shown again and again without the user acting */
	REC_REASON_TRENDING			/* trending-now: its events rise fastest */
} RecReason;

/* The items with events in a trending-now model's current window (RecReadTrend) */
typedef struct RecTrend
{
	int			n;
	int32	   *items;			/* [n] model indices, distinct */
	float	   *rise;			/* [n] each one's rise (RecTrendRise) */
} RecTrend;

/* The items shown to a user since the user's last event on each (rec.log_impression) */
typedef struct RecShown
{
	int			n;
	int32	   *items;			/* [n] model indices, distinct */
	int32	   *times;			/* [n] how many times each was shown */
} RecShown;

#define REC_SESSION_NOVELTY 8.0f	/* a session category must beat 8x its earlier share */
#define REC_SESSION_ITEMS 3		/* items of the new categories lifted by the session term */

extern void RecHistoryWeights(const RecModel *m, const RecHistory *h, float *w);
extern void RecTransitionWeights(const RecModel *m, const RecHistory *h, float *w);
extern float *RecCategoryProfile(const RecModel *m, const RecHistory *h, const float *w);
extern float RecExplorationAffinity(const RecModel *m, const float *profile, int32 item);
extern bool RecScorable(const RecModel *m, const RecHistory *h);

/* What explaining the scores of one history needs, filled by the scoring pass */
typedef struct RecExplainer
{
	const RecModel *m;
	const RecHistory *h;
	float	   *w;				/* recency weight of each event */
	float	   *tw;				/* transition weight of each event */
	float		scale;			/* factor applied to the collaborative part */
	float		trans_scale;	/* factor applied to the transition part */
	float		norm;			/* factor normalisation applied to the whole list */
} RecExplainer;

extern void RecExplainerInit(RecExplainer *ex, const RecModel *m, const RecHistory *h);
extern void RecContributions(const RecExplainer *ex, int32 item, float *contrib);
extern int32 RecTopContributor(const RecExplainer *ex, int32 item);
extern RecReason RecExplainItem(const RecExplainer *ex, bool personalized, const bool *lifted,
								int32 item, int32 *because);
extern const char *RecReasonName(RecReason reason);

/* score.c: the dense kind's collaborative rows (EASE weights and transitions) */
extern bool RecDenseBlockWorth(const RecModel *m, const RecHistory *hs, int nh);
extern void RecDenseRows(const RecModel *m, const RecHistory *hs, int nh, float *rows,
						 RecExplainer *ex);

/*
 * One history scored for serving (score_sparse.c): the per-backend
 * accumulator holds the scores of the touched items; every other item scores
 * 0 (an item seen in training) or -infinity (an item known only from
 * metadata).  Valid until the next call.
 */
typedef struct RecScores
{
	const RecModel *m;
	bool		personalized;	/* else the popularity fallback */
	int			n_touched;		/* items with a score of their own */
	const int32 *touched;		/* [n_touched] those items */
	const bool *lifted;			/* [n_items] true for the items the session term lifted */
} RecScores;

/*
 * What differs between the kinds of model, chosen once per model (as
 * pgvector's IvfflatTypeInfo): the inner loops over a model's rows.  Every
 * other step of serving (weights, session term, exploration, normalisation,
 * exclusions, selection, filters, promotions, the reasons of a list) is
 * written once, over the accumulator.
 */
typedef struct RecServeKind
{
	const char *name;
	/* the collaborative rows of a block of histories at once ([nh x n_warm]), or NULL: per history */
	float	   *(*score_block) (const RecModel *m, const RecHistory *hs, int nh);
	/* sum one history's collaborative part into the accumulator (row: its row from score_block, or NULL) */
	void		(*sum_rows) (const RecModel *m, const RecHistory *h, const float *row, float *w,
							 float *tw, RecExplainer *ex);
	/* the history item behind each listed row (rows[explained[0..n)]) the model ranked */
	void		(*explain_rows) (const RecExplainer *ex, const RecScored *rows,
								 const int *explained, int n, int32 *because);
} RecServeKind;

/* A block of histories scored together (RecScoreBlock), read per history with RecBlockRow */
typedef struct RecBlock
{
	float	   *rows;			/* [nh x stride], or NULL: each history is scored alone */
	int			stride;
} RecBlock;

extern const RecServeKind *RecServeKindOf(const RecModel *m);
extern void RecScoreBlock(const RecModel *m, const RecHistory *hs, int nh, RecBlock *block);
extern const float *RecBlockRow(const RecBlock *block, int b);
extern void RecBlockFree(RecBlock *block);
extern bool RecScoreHistory(const RecModel *m, const RecHistory *h, const float *row,
							const RecShown *shown, RecScores *s, RecExplainer *ex);
extern bool RecSessionLifts(const RecModel *m, const RecHistory *h);
extern void *RecScratchAlloc(Size size, bool zero);
extern void RecScratchFree(void *p);
extern void RecScratchReset(void);
extern void RecPrepareWorkers(const RecModel *m, int workers, Size extra);
extern void RecReleaseWorkers(void);
extern void RecAccumulatorEnter(int worker);
extern void RecAccumulatorLeave(int worker);
extern bool RecBlockThreadSafe(const RecModel *m, const RecBlock *block);
extern bool RecScoreCategories(const RecModel *m, const int32 *cats, int n_cats, int n_mine,
							   RecScores *s);
extern double RecTrendRise(int64 c, int64 e, int64 total_c, int64 total_e);
extern bool RecScoreTrending(const RecModel *m, const RecTrend *t, RecScores *s);
extern float RecScoreOf(const RecScores *s, int32 item);
extern void RecExclude(int32 item);
extern bool RecExcluded(int32 item);
extern bool RecDemoted(int32 item);
extern int	RecListTopK(const RecScores *s, const int32 *include, int n_include, int k,
						RecScored *out, int *fill_start, int *fill_end);
extern const int32 *RecPopularityOrder(const RecModel *m);
extern void RecExplainList(const RecExplainer *ex, const RecScores *s, const RecScored *rows,
						   int n, RecReason *reasons, int32 *because);

/* new_items.c: items added to the items relation after training */
struct RecKey;
extern bool RecReadNewItem(const RecModel *m, const RecBinding *b, const struct RecKey *key,
						   int32 **cats, int *n_cats, int *n_mine);

#endif							/* REC_SCORE_H */
