/*
 * topk.c
 *	  Bounded heap selection of the k best-scored items.
 */
#include "rec.h"

#include <math.h>

#include "topk.h"

/* True if a ranks below b: lower score, or equal score and higher index */
static inline bool
Worse(const RecScored *a, const RecScored *b)
{
	return a->score < b->score || (a->score == b->score && a->idx > b->idx);
}

/* Restore the min-heap property below position i */
static void
SiftDown(RecScored *heap, int n, int i)
{
	for (;;)
	{
		int			l = 2 * i + 1;
		int			r = l + 1;
		int			m = i;
		RecScored	t;

		if (l < n && Worse(&heap[l], &heap[m]))
			m = l;
		if (r < n && Worse(&heap[r], &heap[m]))
			m = r;
		if (m == i)
			return;
		t = heap[i];
		heap[i] = heap[m];
		heap[m] = t;
		i = m;
	}
}

/* Insert a candidate better than the worst kept (RecTopKOffer) into the heap */
void
RecTopKInsert(RecScored *heap, int *size, int k, int32 idx, float score)
{
	RecScored	c;

	c.idx = idx;
	c.score = score;
	if (*size < k)
	{
		int			j = (*size)++;

		/* sift up */
		heap[j] = c;
		while (j > 0 && Worse(&heap[j], &heap[(j - 1) / 2]))
		{
			RecScored	t = heap[j];

			heap[j] = heap[(j - 1) / 2];
			heap[(j - 1) / 2] = t;
			j = (j - 1) / 2;
		}
	}
	else if (*size > 0 && Worse(&heap[0], &c))
	{
		heap[0] = c;
		SiftDown(heap, *size, 0);
	}
}

/*
 * Order a selection (RecTopKOffer) best first, in place, by heapsort: the
 * heap's root, its worst entry, goes to the end, and the rest is a heap
 * again.  The order is the one qsort would give (no two entries tie: ties
 * are broken by index), in k log k comparisons that need no call each.
 */
void
RecTopKFinish(RecScored *heap, int size)
{
	int			n;

	for (n = size - 1; n > 0; n--)
	{
		RecScored	t = heap[0];

		heap[0] = heap[n];
		heap[n] = t;
		SiftDown(heap, n, 0);
	}
}

/*
 * Select the k best of scores[0..n-1], skipping excluded items and NaN, into
 * out[] best first; return how many were found.  Ties go to the lower index.
 */
int
RecTopK(const float *scores, int n, const bool *excluded, int k, RecScored *out)
{
	int			size = 0;
	int			i;

	for (i = 0; i < n; i++)
		if (!(excluded && excluded[i]) && !isnan(scores[i]))
			RecTopKOffer(out, &size, k, i, scores[i]);
	RecTopKFinish(out, size);
	return size;
}

/*
 * Select the k best of n candidate items (items[i] scored scores[i]),
 * skipping NaN, into out[] best first (idx: the item); return how many were
 * found.  Ties go to the lower item index, as in RecTopK, so that selecting
 * over a list of candidates orders them as selecting over the catalogue would.
 */
int
RecTopKItems(const int32 *items, const float *scores, int n, int k, RecScored *out)
{
	int			size = 0;
	int			i;

	for (i = 0; i < n; i++)
		if (!isnan(scores[i]))
			RecTopKOffer(out, &size, k, items[i], scores[i]);
	RecTopKFinish(out, size);
	return size;
}
