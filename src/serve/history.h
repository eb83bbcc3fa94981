/*
 * history.h
 *	  A user's current history, read at request time.
 */
#ifndef REC_HISTORY_H
#define REC_HISTORY_H

#include "catalog.h"
#include "keys.h"
#include "model.h"
#include "score.h"

#define REC_CONTEXT_LIFT 4.0f	/* weight of a history event recorded in the asked context */

extern void RecReadHistory(const RecBinding *binding, const RecKey *user, const RecModel *m,
						   Jsonb *context, RecHistory *h);
extern void RecReadShown(const char *campaign, const RecKey *user, const RecModel *m,
						 const RecHistory *h, RecShown *shown);

/* trending.c: the events of a trending-now model's two newest windows */
extern void RecReadTrend(const RecBinding *binding, const RecModel *m, RecTrend *t);

#endif							/* REC_HISTORY_H */
