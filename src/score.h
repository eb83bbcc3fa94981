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

extern float RecNormalizeScores(float *row, int n);
extern void RecHistoryWeights(const RecModel *m, const RecHistory *h, float *w);
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
extern void RecCategorySimilar(const RecModel *m, int32 item, float *scores);

#endif							/* REC_SCORE_H */
