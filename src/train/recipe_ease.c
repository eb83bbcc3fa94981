/*
 * recipe_ease.c
 *	  EASE (Steck, 2019): a dense item-item model with a closed-form solution.
 *
 * With X the binary user x item matrix and G = X'X + lambda I, the weights
 * minimising |X - XB|^2 + lambda |B|^2 subject to diag(B) = 0 are
 * B = I - P diag(1 / diag(P)) with P = G^-1, that is B[i][j] = -P[i][j] / P[j][j]
 * off the diagonal.  A user is scored as sum_h w_h B[h][:], so the model
 * folds in a user's current history with no retraining.  G, P and B share
 * one n x n buffer: memory is 4 n^2 bytes, which bounds the catalogue.
 */
#include "rec.h"

#include "miscadmin.h"

#include "linalg.h"
#include "recipe.h"

/* Return the Gram matrix X'X of the binary user x warm item matrix */
float *
RecGram(const RecDataset *ds)
{
	int			n = ds->n_warm;
	float	   *g;
	int32	   *mark;
	float	   *scratch;
	int			u;

	RecCheckMemory((double) n * n * sizeof(float) * 2 + (double) ds->n_events * 16,
				   "the item x item matrix");
	g = palloc_extended(sizeof(float) * (Size) n * n + 1, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	mark = palloc0(sizeof(int32) * Max(ds->n_items, 1));
	scratch = ds->ev_weight ? palloc0(sizeof(float) * Max(ds->n_items, 1)) : NULL;
	for (u = 0; u < ds->n_users; u++)
	{
		int			len;
		int32	   *items = RecUniqueUserItems(ds, u, mark, u + 1, &len);
		int			i,
					j;

		if (scratch)
		{
			/* weighted by event type: x_ui is the user's largest weight on i */
			float	   *w = palloc(sizeof(float) * Max(len, 1));

			RecUserItemWeights(ds, u, items, len, scratch, w);
			for (i = 0; i < len; i++)
			{
				float	   *row = g + (Size) items[i] * n;

				for (j = 0; j < len; j++)
					row[items[j]] += w[i] * w[j];
			}
			pfree(w);
		}
		else
			for (i = 0; i < len; i++)
			{
				float	   *row = g + (Size) items[i] * n;

				for (j = 0; j < len; j++)
					row[items[j]] += 1.0f;
			}
		pfree(items);
		CHECK_FOR_INTERRUPTS();
	}
	pfree(mark);
	return g;
}

/* Start an empty pool of n x n matrices */
void
RecMatrixPoolInit(RecMatrixPool *pool, int n)
{
	memset(pool, 0, sizeof(RecMatrixPool));
	pool->n = n;
}

/* Return an n x n matrix, zeroed if asked: one the pool keeps, or a new one */
float *
RecMatrixTake(RecMatrixPool *pool, int n, bool zero)
{
	Size		bytes = sizeof(float) * (Size) n * n + 1;
	float	   *a;

	if (pool == NULL || pool->n_free == 0)
		return palloc_extended(bytes, MCXT_ALLOC_HUGE | (zero ? MCXT_ALLOC_ZERO : 0));
	Assert(pool->n == n);
	a = pool->free[--pool->n_free];
	if (zero)
		memset(a, 0, bytes);
	return a;
}

/* Give back a matrix of RecMatrixTake: the pool keeps it if it has room, else it is freed */
void
RecMatrixGive(RecMatrixPool *pool, float *a)
{
	if (pool != NULL && pool->n_free < REC_POOL_MATRICES)
		pool->free[pool->n_free++] = a;
	else
		pfree(a);
}

/* Free the matrices a pool keeps */
void
RecMatrixPoolFree(RecMatrixPool *pool)
{
	while (pool->n_free > 0)
		pfree(pool->free[--pool->n_free]);
}

/*
 * Return the EASE weights for a Gram matrix and lambda, in a matrix of the
 * pool (RecMatrixTake); gram is left unchanged
 */
float *
RecEaseSolve(const float *gram, int n, double lambda, RecMatrixPool *pool)
{
	float	   *b = RecMatrixTake(pool, n, false);
	float	   *inv_diag = palloc(sizeof(float) * Max(n, 1));
	int			i,
				j;

	memcpy(b, gram, sizeof(float) * (Size) n * n);
	for (i = 0; i < n; i++)
		b[(Size) i * n + i] += (float) lambda;
	if (!RecInvertSpd(b, n))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("EASE Gram matrix is not positive definite"),
				 errhint("Use a larger lambda.")));
	CHECK_FOR_INTERRUPTS();

	/* B[i][j] = -P[i][j] / P[j][j], zero diagonal; the diagonal is read before it is cleared */
	for (j = 0; j < n; j++)
		inv_diag[j] = 1.0f / b[(Size) j * n + j];
	for (i = 0; i < n; i++)
	{
		float	   *row = b + (Size) i * n;

		for (j = 0; j < n; j++)
			row[j] = -row[j] * inv_diag[j];
		row[i] = 0.0f;
	}
	pfree(inv_diag);
	return b;
}
