/*
 * recipe_sims.c
 *	  sims: item-item co-occurrence with a popularity discount.
 *
 * With c_ij the number of users who interacted with both i and j and n_i
 * the users of i, the similarity of j to i is c_ij / (n_i^(1-d) n_j^d),
 * where d is the popularity discount (0.5 gives cosine; larger values favour
 * less popular neighbours).  With a proximity half-life h, a pair of events
 * d positions apart in a user's history counts floor + (1 - floor) *
 * 2^(-(d-1)/h) instead of 1, so items taken up one after the other count
 * most.  Each item keeps its best neighbours.  The
 * co-occurrence row of one item is built at a time from the item -> users
 * and user -> items lists, so memory grows with the catalogue, not its square.
 */
#include "rec.h"

#include <math.h>

#include "miscadmin.h"

#include "recipe.h"
#include "topk.h"

#define PROXIMITY_TABLE 4096	/* distances beyond this weigh like this one */

/* Train sims over the warm items */
RecModel *
RecTrainSims(const RecDataset *ds, RecParams *p)
{
	RecModel   *m = RecNewModel(ds, REC_KIND_ITEM_SPARSE);
	int			n = ds->n_warm;
	int			keep = Min(p->neighbors, Max(n - 1, 1));
	int64	   *uoff = palloc0(sizeof(int64) * (ds->n_users + 1));
	int32	  **uitems = palloc(sizeof(int32 *) * Max(ds->n_users, 1));
	int64	   *ioff = palloc0(sizeof(int64) * (n + 1));
	int32	   *iusers;
	int32	   *iupos;
	int32	   *mark = palloc0(sizeof(int32) * Max(ds->n_items, 1));
	float	   *acc = palloc0(sizeof(float) * Max(n, 1));
	int32	   *touched = palloc(sizeof(int32) * Max(n, 1));
	float	   *sims = palloc(sizeof(float) * Max(n, 1));
	float	   *proximity = NULL;
	RecScored  *best = palloc(sizeof(RecScored) * Max(keep, 1));
	int64		nnz_cap;
	int			u,
				i;

	RecCheckMemory((double) n * keep * 8 + (double) ds->n_events * 16,
				   "the sims neighbour lists");

	/* distinct items per user, and the transposed item -> users lists */
	for (u = 0; u < ds->n_users; u++)
	{
		int			len;

		uitems[u] = RecUniqueUserItems(ds, u, mark, u + 1, &len);
		uoff[u + 1] = uoff[u] + len;
		for (i = 0; i < len; i++)
			ioff[uitems[u][i] + 1]++;
	}
	for (i = 0; i < n; i++)
		ioff[i + 1] += ioff[i];
	iusers = palloc_extended(sizeof(int32) * Max(ioff[n], 1), MCXT_ALLOC_HUGE);
	iupos = palloc_extended(sizeof(int32) * Max(ioff[n], 1), MCXT_ALLOC_HUGE);
	{
		int64	   *next = palloc(sizeof(int64) * (n + 1));

		memcpy(next, ioff, sizeof(int64) * (n + 1));
		for (u = 0; u < ds->n_users; u++)
			for (i = 0; i < uoff[u + 1] - uoff[u]; i++)
			{
				iupos[next[uitems[u][i]]] = i;
				iusers[next[uitems[u][i]]++] = u;
			}
		pfree(next);
	}
	if (p->proximity_half_life > 0)
	{
		int			d;

		proximity = palloc(sizeof(float) * PROXIMITY_TABLE);
		for (d = 0; d < PROXIMITY_TABLE; d++)
			proximity[d] = (float) (p->proximity_floor + (1 - p->proximity_floor) *
									exp2(-(double) Max(d - 1, 0) / p->proximity_half_life));
	}

	nnz_cap = (int64) n * keep;
	m->nb_off = palloc0(sizeof(int32) * (n + 1));
	m->nb_idx = palloc_extended(sizeof(int32) * Max(nnz_cap, 1), MCXT_ALLOC_HUGE);
	m->nb_sim = palloc_extended(sizeof(float) * Max(nnz_cap, 1), MCXT_ALLOC_HUGE);

	for (i = 0; i < n; i++)
	{
		int			n_touched = 0;
		double		ni = (double) (ioff[i + 1] - ioff[i]);
		int64		k;
		int			t,
					found;

		CHECK_FOR_INTERRUPTS();
		for (k = ioff[i]; k < ioff[i + 1]; k++)
		{
			int			v = iusers[k];
			int			len = (int) (uoff[v + 1] - uoff[v]);
			int			e;

			for (e = 0; e < len; e++)
			{
				int32		j = uitems[v][e];

				if (acc[j] == 0.0f)
					touched[n_touched++] = j;
				acc[j] += proximity ? proximity[Min(abs(e - iupos[k]), PROXIMITY_TABLE - 1)] : 1.0f;
			}
		}
		for (t = 0; t < n_touched; t++)
		{
			int32		j = touched[t];
			double		nj = (double) (ioff[j + 1] - ioff[j]);

			sims[t] = (j == i) ? NAN :
				(float) (acc[j] / (pow(ni, 1.0 - p->popularity_discount) *
								   pow(nj, p->popularity_discount)));
			acc[j] = 0.0f;
		}
		found = RecTopK(sims, n_touched, NULL, keep, best);
		m->nb_off[i + 1] = m->nb_off[i] + found;
		for (t = 0; t < found; t++)
		{
			m->nb_idx[m->nb_off[i] + t] = touched[best[t].idx];
			m->nb_sim[m->nb_off[i] + t] = best[t].score;
		}
	}
	m->nnz_neighbors = m->nb_off[n];
	return m;
}
