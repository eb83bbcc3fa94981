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
 * The events are read from stdin as "user item" lines grouped by user (the
 * real data: `COPY (SELECT user_id, item_id FROM rec.interactions ORDER BY
 * user_id, ts) TO STDOUT`), so the sparsity pattern and the item popularity
 * (hence the cache behaviour of the sparse variant) are the real ones; a
 * user's repeated items count once.  Item ids are mapped to dense indices;
 * B is random.  Only the scoring loop is timed; the figure is printed as
 * "seconds <s>".
 *
 *   gcc -O2 -o sgemm_floor sgemm_floor.c $(pkg-config --cflags --libs openblas)
 *   ... | ./sgemm_floor --k 25 [--block 256] [--threads 1] [--products 1] [--sparse]
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
				n_ids = 0,
				k = 25,
				block = 256,
				threads = 1,
				products = 1,
				sparse = 0;
	int			n_users = 0;
	long		cap = 1 << 20;
	long	   *off = malloc(sizeof(long) * (cap + 1));
	int		   *items = malloc(sizeof(int) * cap);
	long		nnz = 0,
				ucap = cap;
	long long	user,
				item,
				last_user = 0;
	int		   *dense_id = NULL;	/* item id -> dense index + 1 (0: not seen) */
	long long	id_cap = 0;
	char	   *seen;
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
		if (strcmp(argv[i], "--k") == 0 && i + 1 < argc)
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
			fprintf(stderr, "usage: sgemm_floor [--k 25] [--block 256] [--threads 1] [--products 1] [--sparse] < \"user item\" lines\n");
			return 2;
		}
	}
	if (k <= 0 || block <= 0 || products <= 0)
	{
		fprintf(stderr, "sgemm_floor: --k, --block and --products must be positive\n");
		return 2;
	}

	/* the events, as a user -> dense items CSR */
	off[0] = 0;
	while (scanf("%lld %lld", &user, &item) == 2)
	{
		if (item < 0)
			continue;
		if (item >= id_cap)
		{
			long long	c = id_cap ? id_cap : 1024;

			while (c <= item)
				c *= 2;
			dense_id = realloc(dense_id, sizeof(int) * c);
			memset(dense_id + id_cap, 0, sizeof(int) * (c - id_cap));
			id_cap = c;
		}
		if (dense_id[item] == 0)
			dense_id[item] = ++n_ids;
		if (n_users == 0 || user != last_user)
		{
			if (n_users == ucap)
				off = realloc(off, sizeof(long) * ((ucap *= 2) + 1));
			n_users++;
			off[n_users] = off[n_users - 1];
			last_user = user;
		}
		if (nnz == cap)
			items = realloc(items, sizeof(int) * (cap *= 2));
		items[nnz++] = dense_id[item] - 1;
		off[n_users]++;
	}
	n_items = n_ids;
	if (n_items == 0)
	{
		fprintf(stderr, "sgemm_floor: no events on stdin\n");
		return 2;
	}

	/* a user's repeated items count once */
	seen = calloc(n_items, 1);
	{
		long		w = 0;

		for (u = 0; u < n_users; u++)
		{
			long		e,
						from = off[u];

			off[u] = w;
			for (e = from; e < off[u + 1]; e++)
				if (!seen[items[e]])
				{
					seen[items[e]] = 1;
					items[w++] = items[e];
				}
			for (e = off[u]; e < w; e++)
				seen[items[e]] = 0;
		}
		off[n_users] = w;
		nnz = w;
	}
	free(seen);
	openblas_set_num_threads(threads);

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
