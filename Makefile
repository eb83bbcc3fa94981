EXTENSION = rec
EXTVERSION = 0.2.0
MODULE_big = rec
OBJS = \
	src/rec.o \
	src/linalg.o \
	src/parallel.o \
	src/topk.o \
	src/keys.o \
	src/dataset.o \
	src/collect.o \
	src/history.o \
	src/catalog.o \
	src/model.o \
	src/model_store.o \
	src/model_file.o \
	src/score.o \
	src/score_sparse.o \
	src/explain.o \
	src/new_items.o \
	src/recipe_popularity.o \
	src/recipe_sims.o \
	src/recipe_ease.o \
	src/recipe_transition.o \
	src/recipe_sparse.o \
	src/recipe_personalization.o \
	src/holdout.o \
	src/train.o \
	src/recommend.o \
	src/batch.o \
	src/events.o \
	src/metrics.o \
	src/evaluate.o \
	src/filter.o \
	src/filter_parse.o \
	src/user_metadata.o

DATA = $(wildcard sql/$(EXTENSION)--*.sql)
PGFILEDESC = "rec - recommendations inside PostgreSQL"

TESTS = $(wildcard sql/*.sql)
REGRESS = $(filter-out $(EXTENSION)--%,$(patsubst sql/%.sql,%,$(TESTS)))
REGRESS_OPTS = --inputdir=. --load-extension=$(EXTENSION)

BLAS_CFLAGS := $(shell pkg-config --cflags openblas 2>/dev/null)
BLAS_LIBS := $(shell pkg-config --libs openblas 2>/dev/null || echo -lopenblas)
PG_CPPFLAGS = -I$(srcdir)/src $(BLAS_CFLAGS)
PG_CFLAGS = -O2 -ftree-vectorize -fno-math-errno
SHLIB_LINK = $(BLAS_LIBS)

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

.PHONY: prove
prove:
	pg_prove --ext .sql -v test/ 2>&1

# every object depends on every header: PGXS tracks no header dependencies
$(OBJS): $(wildcard $(srcdir)/src/*.h)
