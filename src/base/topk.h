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

extern void RecTopKInsert(RecScored *heap, int *size, int k, int32 idx, float score);
extern void RecTopKFinish(RecScored *heap, int size);
extern int	RecTopK(const float *scores, int n, const bool *excluded, int k, RecScored *out);
extern int	RecTopKItems(const int32 *items, const float *scores, int n, int k, RecScored *out);

/*
 * Offer item idx scored score (not NaN) to a bounded selection of the k best
 * (a min-heap of *size <= k entries; start with *size = 0, end with
 * RecTopKFinish): candidates are offered as they are produced, and the few
 * that beat the worst one kept are inserted.  Ties go to the lower index,
 * so the selection does not depend on the order of the offers.
 */
static inline void
RecTopKOffer(RecScored *heap, int *size, int k, int32 idx, float score)
{
	if (*size < k ||
		(k > 0 && (score > heap[0].score || (score == heap[0].score && idx < heap[0].idx))))
		RecTopKInsert(heap, size, k, idx, score);
}

#endif							/* REC_TOPK_H */
