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
#include <math.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "linalg.h"

extern void spotrf_(const char *uplo, const int *n, float *a, const int *lda, int *info);
extern void spotri_(const char *uplo, const int *n, float *a, const int *lda, int *info);
extern void sposv_(const char *uplo, const int *n, const int *nrhs, float *a,
				   const int *lda, float *b, const int *ldb, int *info);

/* RecAxpyRows's kernel with FMA (AxpyRowsFma), when the CPU has it: set once, in RecBlasInit */
#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_AXPY_ROWS_FMA 1
static bool axpy_rows_fma = false;
#endif

/* OpenBLAS's own entry points for its environment and its thread pool */
extern void openblas_read_env(void);
extern int	blas_thread_shutdown_(void);

/*
 * How long an idle OpenBLAS thread spins before it sleeps, as the exponent of
 * a count of CPU cycles.  OpenBLAS's default, 2^28 cycles, is about 0.1 s: a
 * tuning alternates solves with scoring passes on rec's own threads, and a
 * spinning BLAS thread took the core a scoring thread needed (and, after a
 * training, a core from the other backends).  2^20 cycles is under a
 * millisecond, far longer than the gaps between one solve's BLAS calls.
 */
#define BLAS_THREAD_TIMEOUT "20"

/*
 * Choose RecAxpyRows's kernel for this CPU, and make OpenBLAS's idle threads
 * sleep soon, unless the server's environment sets OPENBLAS_THREAD_TIMEOUT
 * itself.  OpenBLAS reads its environment when
 * it is loaded, before this library's _PG_init, so the setting is read again
 * and the pool stopped; the next threaded BLAS call starts it with the new
 * timeout.  The environment is restored at once.
 */
void
RecBlasInit(void)
{
#ifdef HAVE_AXPY_ROWS_FMA
	axpy_rows_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
	if (getenv("OPENBLAS_THREAD_TIMEOUT") != NULL)
		return;
	setenv("OPENBLAS_THREAD_TIMEOUT", BLAS_THREAD_TIMEOUT, 1);
	openblas_read_env();
	unsetenv("OPENBLAS_THREAD_TIMEOUT");
	blas_thread_shutdown_();
}

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

/*
 * The rows' sum of RecAxpyRows on a CPU with FMA: each product fused with
 * its addition (one rounding), which is what BLAS's axpy computes there,
 * vectorised by the compiler for AVX2.
 */
/* True if row i of RecAxpyRows is added: one of the matrix's rows, with a weight */
#define AXPY_ROW_ADDED(items, w, i, n_rows) \
	((items)[i] >= 0 && (items)[i] < (n_rows) && (w)[i] != 0)

#ifdef HAVE_AXPY_ROWS_FMA
#define AXPY_ROWS_LANES 8		/* floats in an AVX register */
#define AXPY_ROWS_REGS 8		/* registers of y kept while the rows are added */

__attribute__((target("avx2,fma")))
static void
AxpyRowsFma(int len, const float *a, Size stride, int n_rows,
			const int32 *items, const float *w, int n, float *y)
{
	int			j = 0;
	int			i;
	int			r;

	/* AXPY_ROWS_REGS x 8 columns at a time, in registers across every row */
	for (; j + AXPY_ROWS_LANES * AXPY_ROWS_REGS <= len; j += AXPY_ROWS_LANES * AXPY_ROWS_REGS)
	{
		__m256		acc[AXPY_ROWS_REGS];

		_Pragma("GCC unroll 8")
		for (r = 0; r < AXPY_ROWS_REGS; r++)
			acc[r] = _mm256_loadu_ps(y + j + r * AXPY_ROWS_LANES);
		for (i = 0; i < n; i++)
		{
			const float *x;
			__m256		wi;

			if (!AXPY_ROW_ADDED(items, w, i, n_rows))
				continue;
			x = a + (Size) items[i] * stride + j;
			wi = _mm256_set1_ps(w[i]);
			_Pragma("GCC unroll 8")
			for (r = 0; r < AXPY_ROWS_REGS; r++)
				acc[r] = _mm256_fmadd_ps(wi, _mm256_loadu_ps(x + r * AXPY_ROWS_LANES), acc[r]);
		}
		_Pragma("GCC unroll 8")
		for (r = 0; r < AXPY_ROWS_REGS; r++)
			_mm256_storeu_ps(y + j + r * AXPY_ROWS_LANES, acc[r]);
	}
	/* then 8 columns at a time, then one */
	for (; j + AXPY_ROWS_LANES <= len; j += AXPY_ROWS_LANES)
	{
		__m256		acc = _mm256_loadu_ps(y + j);

		for (i = 0; i < n; i++)
			if (AXPY_ROW_ADDED(items, w, i, n_rows))
				acc = _mm256_fmadd_ps(_mm256_set1_ps(w[i]),
									  _mm256_loadu_ps(a + (Size) items[i] * stride + j), acc);
		_mm256_storeu_ps(y + j, acc);
	}
	for (; j < len; j++)
	{
		float		acc = y[j];

		for (i = 0; i < n; i++)
			if (AXPY_ROW_ADDED(items, w, i, n_rows))
				acc = fmaf(w[i], a[(Size) items[i] * stride + j], acc);
		y[j] = acc;
	}
}
#endif

/*
 * y[0, len) += w[i] * a's row items[i] (rows of `stride` floats), for each
 * i of [0, n) in order whose item is one of a's n_rows rows and whose weight
 * is not 0.  The same sums, to the bit, as BLAS's axpy row after row, but
 * one call for the rows: a block of histories sums them a slice of columns
 * at a time (RecDenseRows), and a call per row and slice would cost more
 * than the slice's arithmetic.
 */
void
RecAxpyRows(int len, const float *a, Size stride, int n_rows,
			const int32 *items, const float *w, int n, float *y)
{
	int			i;

#ifdef HAVE_AXPY_ROWS_FMA
	if (axpy_rows_fma)
	{
		AxpyRowsFma(len, a, stride, n_rows, items, w, n, y);
		return;
	}
#endif
	for (i = 0; i < n; i++)
		if (AXPY_ROW_ADDED(items, w, i, n_rows))
			cblas_saxpy(len, w[i], a + (Size) items[i] * stride, 1, y, 1);
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
