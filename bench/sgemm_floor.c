/*
 * sgemm_floor.c
 *	  The physical floor of batch scoring for a dense item-item model: what
 *	  bare OpenBLAS does for the same shapes, with no database around it.
 *
 * For every user (in blocks of --block rows, as rec's batch does) it fills
 * the dense history block X[block x n_items] from the users' event lists,
 * multiplies it by B[n_items x n_items] with cblas_sgemm (--products times,
 * for models that add a second matrix of the same shape), excludes the
 * user's own items and keeps the top k per row with a bounded heap.
 * --sparse instead scores each user as the sum of its items' rows of B
 * (cblas_saxpy per event), the work of the one-user serving path.
 *
 * User history lengths are read from stdin, one per line (the real
 * distribution: `SELECT count(*) FROM rec.interactions GROUP BY user_id`);
 * items are drawn uniformly with a fixed seed.  B is random.  Only the
 * scoring loop is timed; the figure is printed as "seconds <s>".
 *
 *   gcc -O2 -o sgemm_floor sgemm_floor.c $(pkg-config --cflags --libs openblas)
 *   ... | ./sgemm_floor --items 3706 --k 25 [--block 256] [--threads 1]
 *                       [--products 1] [--sparse]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>

typedef struct Scored
{
	float		score;
	int			idx;
} Scored;

static double
Now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

/* xorshift64*: fixed, portable pseudo-random numbers */
static unsigned long long rng = 0x9E3779B97F4A7C15ULL;
static unsigned long long
Next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

/* Restore the min-heap below position i (heap[0] is the worst kept) */
static void
SiftDown(Scored *h, int n, int i)
{
	for (;;)
	{
		int			l = 2 * i + 1,
					r = l + 1,
					m = i;
		Scored		t;

		if (l < n && h[l].score < h[m].score)
			m = l;
		if (r < n && h[r].score < h[m].score)
			m = r;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

/* Keep the k best of row[0..n-1] in heap; return how many */
static int
TopK(const float *row, int n, int k, Scored *heap)
{
	int			size = 0;
	int			i;

	for (i = 0; i < n; i++)
	{
		if (size < k)
		{
			int			j = size++;

			heap[j].score = row[i];
			heap[j].idx = i;
			while (j > 0 && heap[j].score < heap[(j - 1) / 2].score)
			{
				Scored		t = heap[j];

				heap[j] = heap[(j - 1) / 2];
				heap[(j - 1) / 2] = t;
				j = (j - 1) / 2;
			}
		}
		else if (row[i] > heap[0].score)
		{
			heap[0].score = row[i];
			heap[0].idx = i;
			SiftDown(heap, size, 0);
		}
	}
	return size;
}

int
main(int argc, char **argv)
{
	int			n_items = 0,
				k = 25,
				block = 256,
				threads = 1,
				products = 1,
				sparse = 0;
	int			n_users = 0,
				cap = 1024;
	long	   *len = malloc(sizeof(long) * cap);
	long	   *off;
	int		   *items;
	long		nnz = 0,
				v;
	float	   *b;
	float	   *x;
	float	   *s;
	Scored	   *heap;
	double		t0,
				t1,
				checksum = 0;
	int			i,
				u,
				p;

	for (i = 1; i < argc; i++)
	{
		if (strcmp(argv[i], "--items") == 0 && i + 1 < argc)
			n_items = atoi(argv[++i]);
		else if (strcmp(argv[i], "--k") == 0 && i + 1 < argc)
			k = atoi(argv[++i]);
		else if (strcmp(argv[i], "--block") == 0 && i + 1 < argc)
			block = atoi(argv[++i]);
		else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
			threads = atoi(argv[++i]);
		else if (strcmp(argv[i], "--products") == 0 && i + 1 < argc)
			products = atoi(argv[++i]);
		else if (strcmp(argv[i], "--sparse") == 0)
			sparse = 1;
		else
		{
			fprintf(stderr, "usage: sgemm_floor --items N [--k 25] [--block 256] [--threads 1] [--products 1] [--sparse] < lengths\n");
			return 2;
		}
	}
	if (n_items <= 0 || k <= 0 || block <= 0 || products <= 0)
	{
		fprintf(stderr, "sgemm_floor: --items, --k, --block and --products must be positive\n");
		return 2;
	}
	while (scanf("%ld", &v) == 1)
	{
		if (n_users == cap)
			len = realloc(len, sizeof(long) * (cap *= 2));
		len[n_users++] = v < n_items ? v : n_items;
		nnz += len[n_users - 1];
	}
	openblas_set_num_threads(threads);

	/* each user's distinct items, uniformly drawn */
	off = malloc(sizeof(long) * (n_users + 1));
	items = malloc(sizeof(int) * (nnz > 0 ? nnz : 1));
	{
		char	   *seen = calloc(n_items, 1);

		off[0] = 0;
		for (u = 0; u < n_users; u++)
		{
			long		e;

			for (e = 0; e < len[u]; e++)
			{
				int			it;

				do
					it = (int) (Next() % (unsigned long long) n_items);
				while (seen[it]);
				seen[it] = 1;
				items[off[u] + e] = it;
			}
			off[u + 1] = off[u] + len[u];
			for (e = off[u]; e < off[u + 1]; e++)
				seen[items[e]] = 0;
		}
		free(seen);
	}

	b = malloc(sizeof(float) * (size_t) n_items * n_items * products);
	for (size_t j = 0; j < (size_t) n_items * n_items * products; j++)
		b[j] = (float) ((Next() >> 11) * (1.0 / 9007199254740992.0)) - 0.5f;
	x = malloc(sizeof(float) * (size_t) block * n_items);
	s = malloc(sizeof(float) * (size_t) block * n_items * products);
	heap = malloc(sizeof(Scored) * k);

	t0 = Now();
	for (u = 0; u < n_users; u += block)
	{
		int			nb = n_users - u < block ? n_users - u : block;
		int			r;

		if (sparse)
		{
			for (r = 0; r < nb; r++)
			{
				float	   *row = s + (size_t) r * n_items;
				long		e;

				memset(row, 0, sizeof(float) * n_items);
				for (p = 0; p < products; p++)
					for (e = off[u + r]; e < off[u + r + 1]; e++)
						cblas_saxpy(n_items, 1.0f, b + (size_t) p * n_items * n_items +
									(size_t) items[e] * n_items, 1, row, 1);
			}
		}
		else
		{
			memset(x, 0, sizeof(float) * (size_t) nb * n_items);
			for (r = 0; r < nb; r++)
			{
				long		e;

				for (e = off[u + r]; e < off[u + r + 1]; e++)
					x[(size_t) r * n_items + items[e]] = 1.0f;
			}
			for (p = 0; p < products; p++)
				cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, nb, n_items, n_items,
							1.0f, x, n_items, b + (size_t) p * n_items * n_items, n_items,
							0.0f, s + (size_t) p * nb * n_items, n_items);
			/* the products add up into the first */
			for (p = 1; p < products; p++)
				cblas_saxpy(nb * n_items, 1.0f, s + (size_t) p * nb * n_items, 1, s, 1);
		}
		for (r = 0; r < nb; r++)
		{
			float	   *row = s + (size_t) r * n_items;
			long		e;
			int			found;

			for (e = off[u + r]; e < off[u + r + 1]; e++)
				row[items[e]] = -1e30f;		/* exclude the user's own items */
			found = TopK(row, n_items, k, heap);
			for (i = 0; i < found; i++)
				checksum += heap[i].idx;
		}
	}
	t1 = Now();

	printf("users %d items %d events %ld k %d block %d threads %d products %d %s\n",
		   n_users, n_items, nnz, k, block, threads, products, sparse ? "sparse" : "dense");
	printf("checksum %.0f\n", checksum);
	printf("seconds %.6f\n", t1 - t0);
	return 0;
}
