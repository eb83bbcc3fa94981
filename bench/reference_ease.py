#!/usr/bin/python3
"""bench/reference_ease.py -- REFERENCE ONLY, not part of rec.

A plain NumPy/SciPy EASE (Steck, 2019), the yardstick for rec's training
speed in bench/train: the same model rec.train(..., 'ease') fits, trained
end to end from the same PostgreSQL table, data loading included.

    bench/reference_ease.py [--lambda 100] [--solver inv|potri] [--gram auto|dense|sparse]

Reads (user_id, item_id) of rec.interactions through
`psql -c "COPY ... TO STDOUT (FORMAT binary)"` (the fastest way out of
PostgreSQL; PGHOST/PGPORT/... as usual), maps ids to dense indices, builds
the binary user x item matrix X, the Gram matrix G = X'X (float32: BLAS
sgemm over dense blocks of users of at most 512 MB, or scipy.sparse; by
default whichever its cost model says is cheaper), adds lambda
to the diagonal and inverts it:
    inv    numpy.linalg.inv (LU, LAPACK sgesv), as in Steck's published code
    potri  scipy.linalg.lapack spotrf + spotri (Cholesky), rec's own method
then B = -P / diag(P) with a zero diagonal.  Prints one line per phase and
"seconds <total>", "peak_rss_mb <ru_maxrss>", "blas <library>", plus a
checksum of B so a run can be compared with rec's model.

numpy and scipy come from Debian (python3-numpy, python3-scipy) and use the
system BLAS (libblas.so.3, an alternative that is OpenBLAS on this image);
the BLAS environment (OPENBLAS_NUM_THREADS, OPENBLAS_CORETYPE, ...) is left
as the caller has it, the same for rec's server.
"""
import argparse
import os
import resource
import subprocess
import sys
import time

import numpy as np
import scipy.linalg.lapack as lapack
import scipy.sparse as sp


def blas_library():
    """The BLAS/LAPACK shared objects this process has mapped."""
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            base = os.path.basename(path)
            if base.startswith("lib") and any(s in base for s in ("blas", "lapack", "mkl", "blis")):
                libs.add(os.path.realpath(path))
    return ", ".join(sorted(libs)) or "unknown"


def load(relation, user_col, item_col):
    """(user, item) int64 arrays from PostgreSQL via binary COPY."""
    sql = f"COPY (SELECT {user_col}::int8, {item_col}::int8 FROM {relation}) TO STDOUT (FORMAT binary)"
    raw = subprocess.run(["psql", "-X", "-q", "-c", sql], check=True, stdout=subprocess.PIPE).stdout
    # header: 11-byte signature, int32 flags, int32 extension length (+ extension)
    ext = int.from_bytes(raw[15:19], "big")
    start = 19 + ext
    row = np.dtype([("n", ">i2"), ("l1", ">i4"), ("u", ">i8"), ("l2", ">i4"), ("i", ">i8")])
    n = (len(raw) - start - 2) // row.itemsize
    rows = np.frombuffer(raw, dtype=row, count=n, offset=start)
    if n and (rows["n"] != 2).any():
        sys.exit("reference_ease: unexpected COPY row layout (NULLs?)")
    return rows["u"].astype(np.int64), rows["i"].astype(np.int64)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lambda", dest="lam", type=float, default=100.0)
    ap.add_argument("--solver", choices=("inv", "potri"), default="inv")
    ap.add_argument("--gram", choices=("auto", "dense", "sparse"), default="auto")
    ap.add_argument("--relation", default="rec.interactions")
    args = ap.parse_args()

    t = {}
    t0 = time.perf_counter()
    users, items = load(args.relation, "user_id", "item_id")
    t["load"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    _, u = np.unique(users, return_inverse=True)
    item_ids, i = np.unique(items, return_inverse=True)
    n_users, n_items = int(u.max()) + 1, len(item_ids)
    t["index"] = time.perf_counter() - t1

    t1 = time.perf_counter()
    gram = args.gram
    if gram == "auto":
        # the cheaper of the two on this kind of machine: dense costs 2 U n^2 flops
        # (~250 GFLOP/s on 2 AVX-512 cores), sparse sum(len^2) multiply-adds (~0.35 G/s in scipy)
        lens = np.bincount(u, minlength=n_users).astype(np.float64)
        dense_s = 2.0 * n_users * n_items * n_items / 2.5e11
        sparse_s = float((lens * lens).sum()) / 3.5e8
        gram = "dense" if dense_s <= sparse_s else "sparse"
    if gram == "dense":
        # X'X over dense blocks of users (one block when X fits in 512 MB): BLAS sgemm, all threads
        rows = max(1, min(n_users, (512 << 20) // (4 * n_items)))
        order = np.argsort(u, kind="stable")
        u, i = u[order], i[order]
        bounds = np.searchsorted(u, np.arange(0, n_users + rows, rows))
        g = np.zeros((n_items, n_items), dtype=np.float32)
        x = np.zeros((rows, n_items), dtype=np.float32)
        for b in range(len(bounds) - 1):
            lo, hi = bounds[b], bounds[b + 1]
            if lo == hi:
                continue
            x[:] = 0.0
            x[u[lo:hi] - b * rows, i[lo:hi]] = 1.0       # binary: repeats count once
            g += x.T @ x
        del x
    else:
        x = sp.csr_matrix((np.ones(len(u), dtype=np.float32), (u, i)), shape=(n_users, n_items))
        x.sum_duplicates()
        x.data[:] = 1.0
        g = (x.T @ x).toarray()
        del x
    g = np.ascontiguousarray(g, dtype=np.float32)
    t["gram"] = time.perf_counter() - t1

    t1 = time.perf_counter()
    g[np.diag_indices(n_items)] += np.float32(args.lam)
    if args.solver == "inv":
        p = np.linalg.inv(g)
    else:
        c, info = lapack.spotrf(g, lower=False, overwrite_a=True, clean=False)
        if info != 0:
            sys.exit(f"reference_ease: spotrf failed ({info})")
        p, info = lapack.spotri(c, lower=False, overwrite_c=True)
        if info != 0:
            sys.exit(f"reference_ease: spotri failed ({info})")
        p = np.triu(p) + np.triu(p, 1).T
    del g
    t["inverse"] = time.perf_counter() - t1

    t1 = time.perf_counter()
    b = p / (-np.diag(p))
    b[np.diag_indices(n_items)] = 0.0
    t["weights"] = time.perf_counter() - t1
    total = time.perf_counter() - t0

    print(f"reference EASE (NumPy {np.__version__}, reference only): {n_users} users, "
          f"{n_items} items, {len(u)} events, lambda {args.lam:g}, solver {args.solver}, gram {gram}")
    for k, v in t.items():
        print(f"phase_{k} {v:.4f}")
    print(f"checksum {float(np.abs(b).sum(dtype=np.float64)):.6g}")
    print(f"seconds {total:.4f}")
    print(f"peak_rss_mb {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")
    print(f"blas {blas_library()}")


if __name__ == "__main__":
    main()
