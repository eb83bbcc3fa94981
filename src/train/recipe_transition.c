/*
 * recipe_transition.c
 *	  Item transitions: which items follow the newest events of a history.
 *
 * A closed-form linear model of the next item, in the spirit of SLIT
 * (Choi et al., 2021).  For every event t of every user the input is the
 * window of the `window` events before it, the newest weighing 1 and each
 * older one `decay` times the next; the target is the item of event t.  With
 * X the stacked inputs and Y the one-hot targets, the weights
 *     T = (X'X + lambda I)^-1 X'Y
 * minimise |Y - XT|^2 + lambda |T|^2.  X'X and X'Y are summed event by event
 * (window^2 work each), so the cost grows with the events, and the solve
 * with the cube of the catalogue, like EASE's.  Tuning sums the statistics
 * once per decay and solves them for each lambda.
 */
#include "rec.h"

#include "miscadmin.h"

#include "linalg.h"
#include "recipe.h"

/*
 * Sum the transition statistics of a dataset: *xx = X'X and *xy = X'Y,
 * dense n_warm x n_warm matrices of the pool (RecMatrixTake), row i of X'Y
 * the targets that follow item i.
 */
void
RecTransitionStats(const RecDataset *ds, double decay, int window, float **xx_out, float **xy_out,
				   RecMatrixPool *pool)
{
	int			n = ds->n_warm;
	float	   *xx;
	float	   *xy;
	float	   *w = palloc(sizeof(float) * Max(window, 1));
	int			u;
	int			i;

	RecCheckMemory((double) n * n * sizeof(float) * 3, "the dense item transition model");
	xx = RecMatrixTake(pool, n, true);
	xy = RecMatrixTake(pool, n, true);
	for (i = 0; i < window; i++)
		w[i] = (i == 0) ? 1.0f : w[i - 1] * (float) decay;

	for (u = 0; u < ds->n_users; u++)
	{
		int64		start = ds->user_off[u];
		int64		end = ds->user_off[u + 1];
		int64		e;

		for (e = start + 1; e < end; e++)
		{
			int32		target = ds->ev_item[e];
			int64		first = Max(start, e - window);
			int64		a,
						b;

			for (a = first; a < e; a++)
			{
				float		wa = w[e - 1 - a];
				float	   *row = xx + (Size) ds->ev_item[a] * n;

				xy[(Size) ds->ev_item[a] * n + target] += wa;
				for (b = first; b < e; b++)
					row[ds->ev_item[b]] += wa * w[e - 1 - b];
			}
		}
		CHECK_FOR_INTERRUPTS();
	}
	pfree(w);
	*xx_out = xx;
	*xy_out = xy;
}

/*
 * Return the transition weights T = (X'X + lambda I)^-1 X'Y [n x n] from
 * the statistics, which are left as they are: one Cholesky factorisation and
 * its solve with the n columns of X'Y, fewer operations than the inverse
 * and a product.  T and the solve's scratch are matrices of the pool.
 */
float *
RecTransitionSolveStats(const float *xx, const float *xy, int n, double lambda, RecMatrixPool *pool)
{
	float	   *a;
	float	   *t;
	int			i;

	RecCheckMemory((double) n * n * sizeof(float) * 2, "the dense item transition model");
	a = RecMatrixTake(pool, n, false);
	t = RecMatrixTake(pool, n, false);
	memcpy(a, xx, sizeof(float) * (Size) n * n);
	for (i = 0; i < n; i++)
		a[(Size) i * n + i] += (float) lambda;
	/* the solve takes right-hand sides as rows: X'Y's columns, solved into T's columns */
	RecTranspose(xy, t, n);
	if (!RecSolveSpd(a, t, n, n))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("item transition matrix is not positive definite"),
				 errhint("Use a larger lambda.")));
	CHECK_FOR_INTERRUPTS();
	/* T's columns back into rows, through a */
	RecTranspose(t, a, n);
	RecMatrixGive(pool, t);
	return a;
}

/* Return the transition weights T[n_warm x n_warm]: row i, items that follow item i */
float *
RecTransitionSolve(const RecDataset *ds, double decay, int window, double lambda)
{
	float	   *xx;
	float	   *xy;
	float	   *t;

	RecTransitionStats(ds, decay, window, &xx, &xy, NULL);
	t = RecTransitionSolveStats(xx, xy, ds->n_warm, lambda, NULL);
	pfree(xx);
	pfree(xy);
	return t;
}
