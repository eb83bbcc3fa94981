/*
 * recipe.h
 *	  The training algorithms (one file each) and their parameters.
 */
#ifndef REC_RECIPE_H
#define REC_RECIPE_H

#include "dataset.h"
#include "model.h"

/* Every training parameter; each recipe accepts a subset (train.c) */
typedef struct RecParams
{
	double		lambda;			/* EASE: L2 regularisation */
	double		popularity_discount;	/* sims: exponent on the neighbour's popularity */
	int			neighbors;		/* sims: neighbours kept per item */
	double		recency_half_life;	/* serving: events until a weight halves (0: off) */
	double		recency_floor;	/* serving: least weight of an old event */
	double		session_weight; /* serving: weight of the newest events' categories */
	int			session_events; /* serving: how many newest events form the session */
	char	   *event_type;		/* train on this event type only, or NULL */
} RecParams;

extern RecModel *RecTrainPopularity(const RecDataset *ds, const RecParams *p);
extern RecModel *RecTrainSims(const RecDataset *ds, const RecParams *p);
extern RecModel *RecTrainEase(const RecDataset *ds, const RecParams *p);

extern void RecSimsScore(const RecModel *m, const RecHistory *h, const float *w, float *scores);
extern void RecEaseScore(const RecModel *m, const RecHistory *h, const float *w, float *scores);

#endif							/* REC_RECIPE_H */
