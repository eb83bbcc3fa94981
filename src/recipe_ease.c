/*
 * recipe_ease.c
 *	  EASE (Steck, 2019): a dense item-item model with a closed-form solution.
 *
 * With X the binary user x item matrix and G = X'X + lambda I, the weights
 * minimising |X - XB|^2 + lambda |B|^2 subject to diag(B) = 0 are
 * B = I - P diag(1 / diag(P)) with P = G^-1, that is B[i][j] = -P[i][j] / P[j][j]
 * off the diagonal.  A user is scored as sum_h w_h B[h][:], so the model
 * folds in a user's current history with no retraining.  G and B share one
 * n x n buffer: memory is 4 n^2 bytes, which bounds the catalogue.
 */
#include "rec.h"

#include "miscadmin.h"

#include "linalg.h"
#include "recipe.h"

/* Train EASE over the warm items */
RecModel *
RecTrainEase(const RecDataset *ds, const RecParams *p)
{
	RecModel   *m = RecNewModel(ds, REC_KIND_ITEM_DENSE);
	int			n = ds->n_warm;
	float	   *g;
	int32	   *mark;
	int			u;
	int			i,
				j;

	RecCheckMemory((double) n * n * sizeof(float) + (double) ds->n_events * 16,
				   "the EASE item x item matrix");
	g = palloc_extended(sizeof(float) * (Size) n * n + 1, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	mark = palloc0(sizeof(int32) * Max(ds->n_items, 1));

	/* Gram matrix of the binary user x item matrix */
	for (u = 0; u < ds->n_users; u++)
	{
		int			len;
		int32	   *items = RecUniqueUserItems(ds, u, mark, u + 1, &len);

		for (i = 0; i < len; i++)
		{
			float	   *row = g + (Size) items[i] * n;

			for (j = 0; j < len; j++)
				row[items[j]] += 1.0f;
		}
		pfree(items);
		CHECK_FOR_INTERRUPTS();
	}
	for (i = 0; i < n; i++)
		g[(Size) i * n + i] += (float) p->lambda;

	if (!RecInvertSpd(g, n))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("EASE Gram matrix is not positive definite"),
				 errhint("Use a larger lambda.")));
	CHECK_FOR_INTERRUPTS();

	/* B[i][j] = -P[i][j] / P[j][j], zero diagonal; the diagonal is read before it is cleared */
	{
		float	   *inv_diag = palloc(sizeof(float) * Max(n, 1));

		for (j = 0; j < n; j++)
			inv_diag[j] = 1.0f / g[(Size) j * n + j];
		for (i = 0; i < n; i++)
		{
			float	   *row = g + (Size) i * n;

			for (j = 0; j < n; j++)
				row[j] = -row[j] * inv_diag[j];
			row[i] = 0.0f;
		}
		pfree(inv_diag);
	}
	m->dense = g;
	pfree(mark);
	return m;
}

/* Add each history item's weighted row of B to the scores */
void
RecEaseScore(const RecModel *m, const RecHistory *h, const float *w, float *scores)
{
	int			i;

	for (i = 0; i < h->n; i++)
		if (h->items[i] >= 0 && h->items[i] < m->n_warm)
			RecAxpy(m->n_warm, w[i], m->dense + (Size) h->items[i] * m->n_warm, scores);
}
