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
	REC_REASON_CATEGORY			/* similar_items: shares categories with a cold item */
} RecReason;

#define REC_SESSION_NOVELTY 8.0f	/* a session category must beat 8x its earlier share */
#define REC_SESSION_ITEMS 3		/* items of the new categories lifted by the session term */

extern float RecNormalizeScores(float *row, int n);
extern void RecHistoryWeights(const RecModel *m, const RecHistory *h, float *w);
extern float *RecCategoryProfile(const RecModel *m, const RecHistory *h, const float *w);
extern float RecExplorationAffinity(const RecModel *m, const float *profile, int32 item);
extern void RecModelScoreBlock(const RecModel *m, const RecHistory *hs, int nh, float *scores,
							   bool *personalized);
/* What explaining the scores of one history needs, computed once */
typedef struct RecExplainer
{
	const RecModel *m;
	const RecHistory *h;
	float	   *w;				/* recency weight of each event */
	float	   *tw;				/* transition weight of each event */
	float		scale;			/* factor applied to the EASE part */
	float		trans_scale;	/* factor applied to the transition part */
	float		norm;			/* factor NormalizeRow applied to the whole row */
} RecExplainer;

extern void RecExplainerInit(RecExplainer *ex, const RecModel *m, const RecHistory *h);
extern bool RecModelScore(const RecModel *m, const RecHistory *h, float *scores, bool *lifted,
						  RecExplainer *ex);
extern void RecContributions(const RecExplainer *ex, int32 item, float *contrib);
extern RecReason RecExplainItem(const RecExplainer *ex, bool personalized, const bool *lifted,
								int32 item, int32 *because);
extern void RecExplainList(const RecExplainer *ex, bool personalized, const bool *lifted,
						   const RecScored *rows, int n, RecReason *reasons, int32 *because);
extern const char *RecReasonName(RecReason reason);
extern void RecTransitionWeights(const RecModel *m, const RecHistory *h, float *w);
extern bool RecScorable(const RecModel *m, const RecHistory *h);

/*
 * One history scored over the items it touches (score_sparse.c): the
 * per-backend accumulator holds the scores of the touched items; every other
 * item scores 0 (a known item) or -infinity (an item known only from
 * metadata), as on the whole-catalogue path.  Valid until the next call.
 */
typedef struct RecSparseScores
{
	const RecModel *m;
	bool		personalized;	/* else the popularity fallback */
	int			n_touched;		/* items with a score of their own */
	const int32 *touched;		/* [n_touched] those items */
	const bool *lifted;			/* [n_items] true for the items the session term lifted */
} RecSparseScores;

extern bool RecServesSparse(const RecModel *m);
extern bool RecScoreSparse(const RecModel *m, const RecHistory *h, RecSparseScores *s,
						   RecExplainer *ex);
extern float RecSparseScoreOf(const RecSparseScores *s, int32 item);
extern void RecExcludeBegin(int n_items);
extern void RecExclude(int32 item);
extern bool RecExcluded(int32 item);
extern int	RecSparseTopK(const RecSparseScores *s, const int32 *include, int n_include, int k,
						  RecScored *out, int *fill_start, int *fill_end);
extern const int32 *RecPopularityOrder(const RecModel *m);
extern void RecSparseExplainList(const RecExplainer *ex, const RecSparseScores *s,
								 const RecScored *rows, int n, RecReason *reasons, int32 *because);
extern void RecCategorySimilar(const RecModel *m, int32 item, float *scores);

#endif							/* REC_SCORE_H */
