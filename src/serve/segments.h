/*
 * segments.h
 *	  User segments (Personalize's Item-Affinity and Item-Attribute-Affinity):
 *	  the users most likely to take to an item, or to items with given
 *	  attributes, from an item-item neighbour model (segments.c).
 */
#ifndef REC_SEGMENTS_H
#define REC_SEGMENTS_H

#include "model.h"

#define REC_MAX_SEGMENT 1000000 /* largest k a segment function accepts */

/*
 * The weight each history item gives a user's affinity: a user's affinity
 * is the sum of the weights of the distinct items in the user's history
 */
typedef struct RecSegmentWeights
{
	int			n;				/* items with a weight */
	int32	   *items;			/* [n] their model indices, ascending */
	float	   *w;				/* [n] their weights */
} RecSegmentWeights;

extern void RecItemSegmentWeights(const RecModel *m, int32 item, RecSegmentWeights *sw);
extern void RecAttributeSegmentWeights(const RecModel *m, const int32 *items, int n_items,
									   RecSegmentWeights *sw);

#endif							/* REC_SEGMENTS_H */
