/*
 * recipe_affinity.c
 *	  The offline metrics of the user segment recipes (item-affinity,
 *	  item-attribute-affinity), as Personalize defines them.
 *
 * Each user's newest 20% of events (rounded; none for a user with fewer
 * than three) are held out and a model is trained on the rest.  For an
 * item, its relevant users are those with a held-out event on it and no
 * training event on it (the segment leaves out the item's existing users);
 * for an attribute (a category of the items metadata), those with a
 * held-out event on one of its items.  Each segment is the top K users by
 * the affinity rec.users_for_item and rec.users_for_attributes serve
 * (segments.c), with K 1% of the users (at least 1).  hit_at_k is the mean
 * number of relevant users in a segment, recall_at_k the mean share of the
 * relevant users it holds, over at most SEGMENT_EVAL_MAX items or
 * attributes with relevant users (every n-th, in index order, when there
 * are more).
 */
#include "rec.h"

#include <math.h>

#include "miscadmin.h"

#include "recipe.h"
#include "segments.h"
#include "topk.h"

#define SEGMENT_EVAL_MAX 500	/* items or attributes a training measures (a batch segment job's most) */

/* Lists of dense indices per row, CSR */
typedef struct Lists
{
	int64	   *off;			/* [n + 1] */
	int32	   *idx;
} Lists;

/* Build lists from (row, value) pairs */
static void
BuildLists(int n, const int32 *rows, const int32 *vals, int64 n_pairs, Lists *l)
{
	int64	   *next;
	int64		e;
	int			i;

	l->off = palloc0(sizeof(int64) * (n + 1));
	l->idx = palloc_extended(sizeof(int32) * Max(n_pairs, 1), MCXT_ALLOC_HUGE);
	for (e = 0; e < n_pairs; e++)
		l->off[rows[e] + 1]++;
	for (i = 0; i < n; i++)
		l->off[i + 1] += l->off[i];
	next = palloc(sizeof(int64) * (n + 1));
	memcpy(next, l->off, sizeof(int64) * (n + 1));
	for (e = 0; e < n_pairs; e++)
		l->idx[next[rows[e]]++] = vals[e];
	pfree(next);
}

/* Measure the segment recipes; append the metrics as a JSON object to buf ("null": nothing to measure) */
void
RecSegmentMetrics(const RecDataset *ds, const RecParams *p, bool attributes, StringInfo buf)
{
	int64	   *keep = palloc(sizeof(int64) * Max(ds->n_users, 1));
	bool	   *all = palloc(sizeof(bool) * Max(ds->n_users, 1));
	int32	   *mark = palloc(sizeof(int32) * Max(ds->n_items, 1));
	int32	   *tr_rows = palloc_extended(sizeof(int32) * Max(ds->n_events, 1), MCXT_ALLOC_HUGE);
	int32	   *tr_vals = palloc_extended(sizeof(int32) * Max(ds->n_events, 1), MCXT_ALLOC_HUGE);
	int32	   *te_rows = palloc_extended(sizeof(int32) * Max(ds->n_events, 1), MCXT_ALLOC_HUGE);
	int32	   *te_vals = palloc_extended(sizeof(int32) * Max(ds->n_events, 1), MCXT_ALLOC_HUGE);
	int64		n_tr = 0;
	int64		n_te = 0;
	int64		te_cap = Max(ds->n_events, 1);
	Lists		cat_items;		/* category -> its warm items */
	int			n_rows = attributes ? ds->n_categories : ds->n_items;
	Lists		item_users;		/* item -> its training users */
	Lists		relevant;		/* item or category -> relevant users */
	RecParams	q = *p;
	RecModel   *m;
	float	   *score = palloc0(sizeof(float) * Max(ds->n_users, 1));
	int32	   *touched = palloc(sizeof(int32) * Max(ds->n_users, 1));
	float	   *touched_score = palloc(sizeof(float) * Max(ds->n_users, 1));
	int32	   *seen = palloc0(sizeof(int32) * Max(ds->n_users, 1));
	int			k = Max(1, (int) rint(ds->n_users * 0.01));
	RecScored  *best = palloc(sizeof(RecScored) * k);
	int			n_candidates = 0;
	int			step;
	int			evaluated = 0;
	double		hits = 0;
	double		recall = 0;
	int			u,
				r;

	memset(mark, -1, sizeof(int32) * Max(ds->n_items, 1));
	for (u = 0; u < ds->n_users; u++)
	{
		int64		len = ds->user_off[u + 1] - ds->user_off[u];
		int64		e;

		all[u] = true;
		keep[u] = len - (2 * len + 5) / 10;
		/* distinct training items of the user, then the held-out ones it had not */
		for (e = ds->user_off[u]; e < ds->user_off[u] + keep[u]; e++)
			if (mark[ds->ev_item[e]] != u)
			{
				mark[ds->ev_item[e]] = u;
				tr_rows[n_tr] = ds->ev_item[e];
				tr_vals[n_tr++] = u;
			}
		for (; e < ds->user_off[u + 1]; e++)
		{
			int32		item = ds->ev_item[e];

			if (attributes)
			{
				int32		c;

				for (c = ds->cat_off[item]; c < ds->cat_off[item + 1]; c++)
				{
					if (n_te == te_cap)
					{
						te_cap *= 2;
						te_rows = repalloc_huge(te_rows, sizeof(int32) * te_cap);
						te_vals = repalloc_huge(te_vals, sizeof(int32) * te_cap);
					}
					te_rows[n_te] = ds->cat_idx[c];
					te_vals[n_te++] = u;
				}
			}
			else if (mark[item] != u && mark[item] != -2 - u)
			{
				mark[item] = -2 - u;	/* held out, and not a training item */
				te_rows[n_te] = item;
				te_vals[n_te++] = u;
			}
		}
	}
	if (n_rows == 0 || n_te == 0)
	{
		appendStringInfoString(buf, "null");
		return;
	}
	BuildLists(ds->n_items, tr_rows, tr_vals, n_tr, &item_users);
	BuildLists(n_rows, te_rows, te_vals, n_te, &relevant);
	if (attributes)
	{
		int32	   *cats = palloc(sizeof(int32) * Max(ds->cat_off[ds->n_warm], 1));
		int32	   *items = palloc(sizeof(int32) * Max(ds->cat_off[ds->n_warm], 1));
		int32		j;
		int32		c;

		for (j = 0; j < ds->n_warm; j++)
			for (c = ds->cat_off[j]; c < ds->cat_off[j + 1]; c++)
			{
				cats[c] = ds->cat_idx[c];
				items[c] = j;
			}
		BuildLists(n_rows, cats, items, ds->cat_off[ds->n_warm], &cat_items);
	}
	m = RecTrainSims(RecSubsetUsers(ds, all, keep), &q);

	for (r = 0; r < n_rows; r++)
		n_candidates += relevant.off[r + 1] > relevant.off[r];
	step = Max(1, (n_candidates + SEGMENT_EVAL_MAX - 1) / SEGMENT_EVAL_MAX);
	n_candidates = 0;
	for (r = 0; r < n_rows; r++)
	{
		RecSegmentWeights sw;
		int			n_touched = 0;
		int			n_relevant = 0;
		int			found;
		int			in_top = 0;
		int			i;
		int64		e;

		if (relevant.off[r + 1] == relevant.off[r] || n_candidates++ % step != 0)
			continue;
		CHECK_FOR_INTERRUPTS();
		if (attributes)
			RecAttributeSegmentWeights(m, cat_items.idx + cat_items.off[r],
									   (int) (cat_items.off[r + 1] - cat_items.off[r]), &sw);
		else
			RecItemSegmentWeights(m, r, &sw);

		/* the affinity of every user who has one of the weighted items */
		for (i = 0; i < sw.n; i++)
			for (e = item_users.off[sw.items[i]]; e < item_users.off[sw.items[i] + 1]; e++)
			{
				int32		v = item_users.idx[e];

				if (score[v] == 0.0f)
					touched[n_touched++] = v;
				score[v] += sw.w[i];
			}
		/* an item's existing users are not in its segment */
		if (!attributes)
			for (e = item_users.off[r]; e < item_users.off[r + 1]; e++)
				score[item_users.idx[e]] = -INFINITY;
		for (i = 0; i < n_touched; i++)
		{
			touched_score[i] = score[touched[i]] > 0 ? score[touched[i]] : NAN;
			score[touched[i]] = 0.0f;
		}
		if (!attributes)
			for (e = item_users.off[r]; e < item_users.off[r + 1]; e++)
				score[item_users.idx[e]] = 0.0f;
		found = RecTopK(touched_score, n_touched, NULL, k, best);

		evaluated++;
		for (e = relevant.off[r]; e < relevant.off[r + 1]; e++)
			if (seen[relevant.idx[e]] != evaluated)
			{
				seen[relevant.idx[e]] = evaluated;
				n_relevant++;
			}
		for (i = 0; i < found; i++)
			in_top += seen[touched[best[i].idx]] == evaluated;
		hits += in_top;
		recall += (double) in_top / n_relevant;
		pfree(sw.items);
		pfree(sw.w);
	}
	appendStringInfo(buf, "{\"hit_at_k\": %.6f, \"recall_at_k\": %.6f, \"k\": %d, \"%s\": %d}",
					 hits / evaluated, recall / evaluated, k,
					 attributes ? "evaluated_attributes" : "evaluated_items", evaluated);
}
