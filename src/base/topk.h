/*
 * topk.h
 *	  Bounded selection of the best-scored items.
 */
#ifndef REC_TOPK_H
#define REC_TOPK_H

typedef struct RecScored
{
	int32		idx;			/* dense item index */
	float		score;			/* its score */
} RecScored;

extern int	RecTopK(const float *scores, int n, const bool *excluded, int k, RecScored *out);
extern int	RecTopKItems(const int32 *items, const float *scores, int n, int k, RecScored *out);

#endif							/* REC_TOPK_H */
