EXTENSION = rec
EXTVERSION = 0.2.0
MODULE_big = rec
# src/ in layers, bottom up; a layer includes only layers below it
# (scripts/check-layers, run by scripts/test, enforces it)
REC_LAYERS = base catalog data store serve eval train
OBJS = \
	src/base/rec.o src/base/linalg.o src/base/parallel.o src/base/topk.o \
	src/catalog/catalog.o src/catalog/keys.o \
	src/data/dataset.o src/data/collect.o src/data/events.o src/data/deletion.o \
	src/store/model.o src/store/model_keys.o src/store/model_store.o src/store/model_file.o \
	src/serve/score.o src/serve/score_sparse.o src/serve/explain.o src/serve/new_items.o src/serve/history.o src/serve/trending.o \
	src/serve/filter.o src/serve/filter_cache.o src/serve/filter_parse.o src/serve/user_metadata.o \
	src/serve/recommend.o src/serve/batch.o src/serve/segments.o \
	src/eval/metrics.o src/eval/metrics_beyond.o src/eval/holdout.o src/eval/evaluate.o \
	src/train/recipe_popularity.o src/train/recipe_sims.o src/train/recipe_ease.o \
	src/train/recipe_transition.o src/train/recipe_sparse.o src/train/recipe_personalization.o \
	src/train/recipe_affinity.o src/train/recipe_trending.o \
	src/train/train.o src/train/refresh.o

# The SQL API is written once, by topic, in sql/src/*.sql (in this order: each
# file may use the objects of the files before it); the install script of the
# current version is built from them. The scripts of released versions and the
# upgrade scripts (sql/rec--A--B.sql) are written by hand and committed.
SQL_SRC = $(addprefix sql/src/,schema.sql tables.sql dataset_groups.sql training.sql filters.sql \
	campaigns.sql ab_tests.sql serving.sql batch.sql segments.sql events.sql metrics.sql evaluation.sql)
DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql
DATA = $(filter-out $(DATA_built),$(wildcard sql/$(EXTENSION)--*.sql))
PGFILEDESC = "rec - recommendations inside PostgreSQL"

TESTS = $(wildcard test/regress/sql/*.sql)
REGRESS = $(patsubst test/regress/sql/%.sql,%,$(TESTS))
REGRESS_OPTS = --inputdir=test/regress --load-extension=$(EXTENSION)

BLAS_CFLAGS := $(shell pkg-config --cflags openblas 2>/dev/null)
BLAS_LIBS := $(shell pkg-config --libs openblas 2>/dev/null || echo -lopenblas)
# -Wall -Wextra on rec's own code, with gcc (objects) and clang (JIT bitcode), as
# Debian builds PostgreSQL; PostgreSQL's headers are system headers here
# (-isystem), as their unused parameters are not rec's to fix
PG_CPPFLAGS = $(addprefix -I$(srcdir)/src/,$(REC_LAYERS)) $(BLAS_CFLAGS) \
	-isystem $(includedir_server) -isystem $(includedir_internal)
PG_CFLAGS = -O2 -ftree-vectorize -fno-math-errno -Wall -Wextra
SHLIB_LINK = $(BLAS_LIBS)

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)
BITCODE_CFLAGS += -Wall -Wextra

.PHONY: prove
prove:
	pg_prove --ext .sql -v test/ 2>&1

sql/$(EXTENSION)--$(EXTVERSION).sql: $(SQL_SRC)
	{ printf '%s\n' '-- rec $(EXTVERSION), built by make from sql/src/*.sql: edit those, not this file' \
		'\echo Use "CREATE EXTENSION rec" to load this file. \quit'; \
	  for f in $^; do printf '\n-- %s\n\n' "$$f"; cat "$$f"; done; } > $@

# every object depends on every header: PGXS tracks no header dependencies
$(OBJS): $(wildcard $(srcdir)/src/*/*.h)
