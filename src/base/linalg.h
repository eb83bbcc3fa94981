/*
 * linalg.h
 *	  Dense kernels of rec; the only interface to BLAS and LAPACK.
 *
 * Matrices are row-major float arrays.
 */
#ifndef REC_LINALG_H
#define REC_LINALG_H

extern void RecBlasInit(void);
extern void RecSetBlasThreads(int threads);
extern int	RecBlasThreads(void);
extern int	RecTrainThreads(void);
extern void RecGemm(int m, int n, int k, const float *a, const float *b, float *c);
extern void RecAxpyRows(int len, const float *a, Size stride, int n_rows,
						const int32 *items, const float *w, int n, float *y);
extern float RecDot(int n, const float *x, const float *y);
extern void RecGemv(int m, int n, const float *a, const float *x, float *y);
extern bool RecInvertSpd(float *a, int n);
extern bool RecSolveSpd(float *a, float *b, int n, int nrhs);
extern void RecTranspose(const float *a, float *b, int n);

#endif							/* REC_LINALG_H */
