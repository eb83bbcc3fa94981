/*
 * linalg.c
 *	  Dense kernels over OpenBLAS: the only file that includes cblas.h or
 *	  calls LAPACK.
 *
 * All matrices are row-major.  LAPACK is column-major, but every matrix
 * handed to it here is symmetric, so the transpose it sees is the same
 * matrix; only the triangle it fills must be mirrored.
 */
#include "rec.h"

#include <cblas.h>

#include "linalg.h"

extern void spotrf_(const char *uplo, const int *n, float *a, const int *lda, int *info);
extern void spotri_(const char *uplo, const int *n, float *a, const int *lda, int *info);
extern void sposv_(const char *uplo, const int *n, const int *nrhs, float *a,
				   const int *lda, float *b, const int *ldb, int *info);

/* Set the number of BLAS threads; 0 means one per CPU */
void
RecSetBlasThreads(int threads)
{
	if (threads <= 0)
		threads = openblas_get_num_procs();
	openblas_set_num_threads(threads);
}

/* Return the BLAS threads set now: one while serving, rec.threads while training */
int
RecBlasThreads(void)
{
	return openblas_get_num_threads();
}

/* Return the threads training may use: rec.threads, or one per CPU when 0 */
int
RecTrainThreads(void)
{
	return rec_threads > 0 ? rec_threads : Max(openblas_get_num_procs(), 1);
}

/* c[m x n] = a[m x k] * b[k x n] */
void
RecGemm(int m, int n, int k, const float *a, const float *b, float *c)
{
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k,
				1.0f, a, k, b, n, 0.0f, c, n);
}

/* y += alpha * x */
void
RecAxpy(int n, float alpha, const float *x, float *y)
{
	cblas_saxpy(n, alpha, x, 1, y, 1);
}

/* Return x . y */
float
RecDot(int n, const float *x, const float *y)
{
	return cblas_sdot(n, x, 1, y, 1);
}

/* y[m] = a[m x n] * x[n] */
void
RecGemv(int m, int n, const float *a, const float *x, float *y)
{
	cblas_sgemv(CblasRowMajor, CblasNoTrans, m, n, 1.0f, a, n, x, 1, 0.0f, y, 1);
}

/* Replace symmetric positive definite a[n x n] by its inverse; false if not SPD */
bool
RecInvertSpd(float *a, int n)
{
	int			info = 0;
	int			i,
				j;

	spotrf_("U", &n, a, &n, &info);
	if (info != 0)
		return false;
	spotri_("U", &n, a, &n, &info);
	if (info != 0)
		return false;

	/* column-major upper is row-major lower: mirror it into the upper part */
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			a[(size_t) i * n + j] = a[(size_t) j * n + i];
	return true;
}

/* Solve a x = b for symmetric positive definite a; b[nrhs x n] rows are overwritten */
bool
RecSolveSpd(float *a, float *b, int n, int nrhs)
{
	int			info = 0;

	sposv_("U", &n, &nrhs, a, &n, b, &n, &info);
	return info == 0;
}

/* Write the transpose of a[n x n] into b[n x n], in tiles that stay in cache */
void
RecTranspose(const float *a, float *b, int n)
{
	const int	tile = 32;
	int			i0,
				j0,
				i,
				j;

	for (i0 = 0; i0 < n; i0 += tile)
		for (j0 = 0; j0 < n; j0 += tile)
			for (i = i0; i < Min(i0 + tile, n); i++)
				for (j = j0; j < Min(j0 + tile, n); j++)
					b[(size_t) j * n + i] = a[(size_t) i * n + j];
}
