-- Ranking metrics (src/metrics.c): functions over one list and aggregates over
-- ranked rows.  The metric functions take ids of any type (bigint, integer,
-- text, uuid): one polymorphic signature, since array literals ('{a,b}') cannot
-- choose between a bigint[] and a text[] overload.

CREATE FUNCTION rec_internal.rank_metric_trans(internal, bigint, boolean, integer)
RETURNS internal
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_rank_metric_trans';
COMMENT ON FUNCTION rec_internal.rank_metric_trans(internal, bigint, boolean, integer) IS
'Internal: transition function of precision_agg, mrr_agg and hit_agg.';

CREATE FUNCTION rec_internal.rank_metric_trans(internal, bigint, boolean, integer, integer)
RETURNS internal
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_rank_metric_trans';
COMMENT ON FUNCTION rec_internal.rank_metric_trans(internal, bigint, boolean, integer, integer) IS
'Internal: transition function of ndcg_agg and recall_agg.';

CREATE FUNCTION rec_internal.rank_metric_combine(internal, internal)
RETURNS internal
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_rank_metric_combine';
COMMENT ON FUNCTION rec_internal.rank_metric_combine(internal, internal) IS
'Internal: combine function of the metric aggregates (the union of two sets of relevant ranks).';

CREATE FUNCTION rec_internal.rank_metric_serialize(internal)
RETURNS bytea
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_rank_metric_serialize';
COMMENT ON FUNCTION rec_internal.rank_metric_serialize(internal) IS
'Internal: serialization function of the metric aggregates.';

CREATE FUNCTION rec_internal.rank_metric_deserialize(bytea, internal)
RETURNS internal
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_rank_metric_deserialize';
COMMENT ON FUNCTION rec_internal.rank_metric_deserialize(bytea, internal) IS
'Internal: deserialization function of the metric aggregates.';

CREATE FUNCTION rec_internal.precision_agg_final(internal)
RETURNS double precision
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_precision_agg_final';
COMMENT ON FUNCTION rec_internal.precision_agg_final(internal) IS 'Internal: final function of precision_agg.';

CREATE FUNCTION rec_internal.recall_agg_final(internal)
RETURNS double precision
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_recall_agg_final';
COMMENT ON FUNCTION rec_internal.recall_agg_final(internal) IS 'Internal: final function of recall_agg.';

CREATE FUNCTION rec_internal.ndcg_agg_final(internal)
RETURNS double precision
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_ndcg_agg_final';
COMMENT ON FUNCTION rec_internal.ndcg_agg_final(internal) IS 'Internal: final function of ndcg_agg.';

CREATE FUNCTION rec_internal.mrr_agg_final(internal)
RETURNS double precision
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_mrr_agg_final';
COMMENT ON FUNCTION rec_internal.mrr_agg_final(internal) IS 'Internal: final function of mrr_agg.';

CREATE FUNCTION rec_internal.hit_agg_final(internal)
RETURNS double precision
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_hit_agg_final';
COMMENT ON FUNCTION rec_internal.hit_agg_final(internal) IS 'Internal: final function of hit_agg.';

CREATE AGGREGATE @extschema@.precision_agg(rank bigint, relevant boolean, k integer) (
	SFUNC = rec_internal.rank_metric_trans, STYPE = internal, SSPACE = 32,
	FINALFUNC = rec_internal.precision_agg_final,
	COMBINEFUNC = rec_internal.rank_metric_combine,
	SERIALFUNC = rec_internal.rank_metric_serialize, DESERIALFUNC = rec_internal.rank_metric_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.precision_agg(bigint, boolean, integer) IS
'Precision at k of one group of ranked rows (one user''s list): relevant ranks <= k divided by k; equals precision_at_k() on the same list. A NULL rank is skipped, a NULL relevant is not relevant, a rank given twice counts once.';

CREATE AGGREGATE @extschema@.recall_agg(rank bigint, relevant boolean, n_relevant integer, k integer) (
	SFUNC = rec_internal.rank_metric_trans, STYPE = internal, SSPACE = 32,
	FINALFUNC = rec_internal.recall_agg_final,
	COMBINEFUNC = rec_internal.rank_metric_combine,
	SERIALFUNC = rec_internal.rank_metric_serialize, DESERIALFUNC = rec_internal.rank_metric_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.recall_agg(bigint, boolean, integer, integer) IS
'Recall at k of one group of ranked rows: relevant ranks <= k divided by n_relevant (the user''s number of distinct relevant items, the same in every row); NULL when n_relevant is 0. Equals recall_at_k() on the same list.';

CREATE AGGREGATE @extschema@.ndcg_agg(rank bigint, relevant boolean, n_relevant integer, k integer) (
	SFUNC = rec_internal.rank_metric_trans, STYPE = internal, SSPACE = 32,
	FINALFUNC = rec_internal.ndcg_agg_final,
	COMBINEFUNC = rec_internal.rank_metric_combine,
	SERIALFUNC = rec_internal.rank_metric_serialize, DESERIALFUNC = rec_internal.rank_metric_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.ndcg_agg(bigint, boolean, integer, integer) IS
'Binary NDCG at k of one group of ranked rows, with the ideal DCG over min(k, n_relevant) hits; NULL when n_relevant is 0. Equals ndcg_at_k() on the same list.';

CREATE AGGREGATE @extschema@.mrr_agg(rank bigint, relevant boolean, k integer) (
	SFUNC = rec_internal.rank_metric_trans, STYPE = internal, SSPACE = 32,
	FINALFUNC = rec_internal.mrr_agg_final,
	COMBINEFUNC = rec_internal.rank_metric_combine,
	SERIALFUNC = rec_internal.rank_metric_serialize, DESERIALFUNC = rec_internal.rank_metric_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.mrr_agg(bigint, boolean, integer) IS
'Reciprocal rank of one group of ranked rows: 1 / the first relevant rank <= k, 0 if none; equals mrr() on the same list. Average it over users for MRR.';

CREATE AGGREGATE @extschema@.hit_agg(rank bigint, relevant boolean, k integer) (
	SFUNC = rec_internal.rank_metric_trans, STYPE = internal, SSPACE = 32,
	FINALFUNC = rec_internal.hit_agg_final,
	COMBINEFUNC = rec_internal.rank_metric_combine,
	SERIALFUNC = rec_internal.rank_metric_serialize, DESERIALFUNC = rec_internal.rank_metric_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.hit_agg(bigint, boolean, integer) IS
'Hit at k of one group of ranked rows: 1 if any rank <= k is relevant, else 0; equals hit_at_k() on the same list.';

CREATE FUNCTION @extschema@.precision_at_k(recommended anycompatiblearray, relevant anycompatiblearray, k integer DEFAULT 10)
RETURNS double precision
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_precision_at_k';
COMMENT ON FUNCTION @extschema@.precision_at_k(anycompatiblearray, anycompatiblearray, integer) IS
'Precision at k: distinct relevant ids among the first k recommended, divided by k (a list shorter than k is not rescaled). A repeated id counts once, at its first position. 0 for an empty list. Ids of any type: bigint, integer, text or uuid (ids are equal when their text is; array literals are read as text).';

CREATE FUNCTION @extschema@.recall_at_k(recommended anycompatiblearray, relevant anycompatiblearray, k integer DEFAULT 10)
RETURNS double precision
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_recall_at_k';
COMMENT ON FUNCTION @extschema@.recall_at_k(anycompatiblearray, anycompatiblearray, integer) IS
'Recall at k: distinct relevant ids among the first k recommended, divided by the number of distinct relevant ids. NULL when relevant is empty, so avg() skips that user. Ids of any type: bigint, integer, text or uuid (ids are equal when their text is; array literals are read as text).';

CREATE FUNCTION @extschema@.ndcg_at_k(recommended anycompatiblearray, relevant anycompatiblearray, k integer DEFAULT 10)
RETURNS double precision
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_ndcg_at_k';
COMMENT ON FUNCTION @extschema@.ndcg_at_k(anycompatiblearray, anycompatiblearray, integer) IS
'Binary NDCG at k: sum of 1/log2(position+1) over hits in the first k, divided by the ideal value for min(k, distinct relevant) hits. A repeated id counts once, at its first position. NULL when relevant is empty, so avg() skips that user. Ids of any type: bigint, integer, text or uuid (ids are equal when their text is; array literals are read as text).';

CREATE FUNCTION @extschema@.mrr(recommended anycompatiblearray, relevant anycompatiblearray, k integer DEFAULT 25)
RETURNS double precision
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_mrr';
COMMENT ON FUNCTION @extschema@.mrr(anycompatiblearray, anycompatiblearray, integer) IS
'Reciprocal rank: 1/position of the first relevant id within the first k recommended, 0 if none. Average it over users for MRR. Ids of any type: bigint, integer, text or uuid (ids are equal when their text is; array literals are read as text).';

CREATE FUNCTION @extschema@.hit_at_k(recommended anycompatiblearray, relevant anycompatiblearray, k integer DEFAULT 10)
RETURNS double precision
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_hit_at_k';
COMMENT ON FUNCTION @extschema@.hit_at_k(anycompatiblearray, anycompatiblearray, integer) IS
'Hit at k: 1 if any of the first k recommended ids is relevant, else 0. Average it over users for the hit rate. Ids of any type: bigint, integer, text or uuid (ids are equal when their text is; array literals are read as text).';

-- Metrics beyond accuracy (src/eval/metrics_beyond.c), as Microsoft Recommenders defines them

CREATE FUNCTION rec_internal.coverage_trans(internal, bigint, bigint)
RETURNS internal
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_coverage_trans';
COMMENT ON FUNCTION rec_internal.coverage_trans(internal, bigint, bigint) IS
'Internal: transition function of coverage_agg over bigint ids.';

CREATE FUNCTION rec_internal.coverage_trans(internal, text, bigint)
RETURNS internal
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_coverage_trans';
COMMENT ON FUNCTION rec_internal.coverage_trans(internal, text, bigint) IS
'Internal: transition function of coverage_agg over text ids.';

CREATE FUNCTION rec_internal.novelty_trans(internal, bigint, bigint)
RETURNS internal
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_novelty_trans';
COMMENT ON FUNCTION rec_internal.novelty_trans(internal, bigint, bigint) IS
'Internal: transition function of novelty_agg.';

CREATE FUNCTION rec_internal.diversity_trans(internal, text[])
RETURNS internal
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_diversity_trans';
COMMENT ON FUNCTION rec_internal.diversity_trans(internal, text[]) IS
'Internal: transition function of diversity_agg.';

CREATE FUNCTION rec_internal.serendipity_trans(internal, text[], boolean, boolean)
RETURNS internal
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_serendipity_trans';
COMMENT ON FUNCTION rec_internal.serendipity_trans(internal, text[], boolean, boolean) IS
'Internal: transition function of serendipity_agg.';

CREATE FUNCTION rec_internal.gain_ndcg_trans(internal, bigint, double precision, integer)
RETURNS internal
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_gain_ndcg_trans';
COMMENT ON FUNCTION rec_internal.gain_ndcg_trans(internal, bigint, double precision, integer) IS
'Internal: transition function of gain_ndcg_agg.';

CREATE FUNCTION rec_internal.bag_metric_combine(internal, internal)
RETURNS internal
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_bag_combine';
COMMENT ON FUNCTION rec_internal.bag_metric_combine(internal, internal) IS
'Internal: combine function of coverage_agg, novelty_agg, diversity_agg, serendipity_agg and gain_ndcg_agg.';

CREATE FUNCTION rec_internal.bag_metric_serialize(internal)
RETURNS bytea
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_bag_serialize';
COMMENT ON FUNCTION rec_internal.bag_metric_serialize(internal) IS
'Internal: serialization function of coverage_agg, novelty_agg, diversity_agg, serendipity_agg and gain_ndcg_agg.';

CREATE FUNCTION rec_internal.bag_metric_deserialize(bytea, internal)
RETURNS internal
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_bag_deserialize';
COMMENT ON FUNCTION rec_internal.bag_metric_deserialize(bytea, internal) IS
'Internal: deserialization function of coverage_agg, novelty_agg, diversity_agg, serendipity_agg and gain_ndcg_agg.';

CREATE FUNCTION rec_internal.coverage_agg_final(internal)
RETURNS double precision
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_coverage_final';
COMMENT ON FUNCTION rec_internal.coverage_agg_final(internal) IS 'Internal: final function of coverage_agg.';

CREATE FUNCTION rec_internal.novelty_agg_final(internal)
RETURNS double precision
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_novelty_final';
COMMENT ON FUNCTION rec_internal.novelty_agg_final(internal) IS 'Internal: final function of novelty_agg.';

CREATE FUNCTION rec_internal.diversity_agg_final(internal)
RETURNS double precision
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_diversity_final';
COMMENT ON FUNCTION rec_internal.diversity_agg_final(internal) IS 'Internal: final function of diversity_agg.';

CREATE FUNCTION rec_internal.serendipity_agg_final(internal)
RETURNS double precision
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_serendipity_final';
COMMENT ON FUNCTION rec_internal.serendipity_agg_final(internal) IS 'Internal: final function of serendipity_agg.';

CREATE FUNCTION rec_internal.gain_ndcg_agg_final(internal)
RETURNS double precision
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'rec_gain_ndcg_final';
COMMENT ON FUNCTION rec_internal.gain_ndcg_agg_final(internal) IS 'Internal: final function of gain_ndcg_agg.';

CREATE AGGREGATE @extschema@.coverage_agg(item_id bigint, catalogue bigint) (
	SFUNC = rec_internal.coverage_trans, STYPE = internal, SSPACE = 1024,
	FINALFUNC = rec_internal.coverage_agg_final, FINALFUNC_MODIFY = READ_WRITE,
	COMBINEFUNC = rec_internal.bag_metric_combine,
	SERIALFUNC = rec_internal.bag_metric_serialize, DESERIALFUNC = rec_internal.bag_metric_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.coverage_agg(bigint, bigint) IS
'Catalogue coverage of all the recommendations aggregated (Recommenders'' catalog_coverage): distinct recommended items divided by catalogue, the number of items that could be recommended (the same in every row). NULL ids are skipped.';

CREATE AGGREGATE @extschema@.coverage_agg(item_id text, catalogue bigint) (
	SFUNC = rec_internal.coverage_trans, STYPE = internal, SSPACE = 1024,
	FINALFUNC = rec_internal.coverage_agg_final, FINALFUNC_MODIFY = READ_WRITE,
	COMBINEFUNC = rec_internal.bag_metric_combine,
	SERIALFUNC = rec_internal.bag_metric_serialize, DESERIALFUNC = rec_internal.bag_metric_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.coverage_agg(text, bigint) IS
'Catalogue coverage over text ids: distinct recommended items divided by catalogue (the same in every row). NULL ids are skipped.';

CREATE AGGREGATE @extschema@.novelty_agg(item_interactions bigint, interactions bigint) (
	SFUNC = rec_internal.novelty_trans, STYPE = internal, SSPACE = 64,
	FINALFUNC = rec_internal.novelty_agg_final,
	COMBINEFUNC = rec_internal.bag_metric_combine,
	SERIALFUNC = rec_internal.bag_metric_serialize, DESERIALFUNC = rec_internal.bag_metric_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.novelty_agg(bigint, bigint) IS
'Novelty of recommendations (Recommenders'' novelty, after Castells et al. 2011): the mean over rows of the recommended item''s self-information -log2(item_interactions / interactions), from the training data; an item without interactions (0 or NULL) adds 0. One row per recommendation.';

CREATE AGGREGATE @extschema@.diversity_agg(categories text[]) (
	SFUNC = rec_internal.diversity_trans, STYPE = internal, SSPACE = 1024,
	FINALFUNC = rec_internal.diversity_agg_final,
	COMBINEFUNC = rec_internal.bag_metric_combine,
	SERIALFUNC = rec_internal.bag_metric_serialize, DESERIALFUNC = rec_internal.bag_metric_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.diversity_agg(text[]) IS
'Intra-list diversity of one group of rows (one user''s list, one row per item with its categories; Recommenders'' user_diversity): 1 - the mean cosine similarity of its pairs of items, the cosine of two category sets being shared / sqrt(|A| |B|), 0 when either is empty. NULL under two rows. Average it over users for Recommenders'' diversity.';

CREATE AGGREGATE @extschema@.serendipity_agg(categories text[], relevant boolean, in_history boolean) (
	SFUNC = rec_internal.serendipity_trans, STYPE = internal, SSPACE = 4096,
	FINALFUNC = rec_internal.serendipity_agg_final,
	COMBINEFUNC = rec_internal.bag_metric_combine,
	SERIALFUNC = rec_internal.bag_metric_serialize, DESERIALFUNC = rec_internal.bag_metric_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.serendipity_agg(text[], boolean, boolean) IS
'Serendipity of one user''s recommendations (Recommenders'' user_serendipity, after Zhang et al. 2012): rows of the user''s history (in_history true) and of its recommendations (in_history false, relevant true when in its holdout), each with the item''s categories; the mean over recommendations of (1 - the item''s mean cosine similarity to the history items) * relevant. NULL without history or without recommendations. Average it over users for Recommenders'' serendipity.';

CREATE AGGREGATE @extschema@.gain_ndcg_agg(rank bigint, gain double precision, k integer) (
	SFUNC = rec_internal.gain_ndcg_trans, STYPE = internal, SSPACE = 1024,
	FINALFUNC = rec_internal.gain_ndcg_agg_final,
	COMBINEFUNC = rec_internal.bag_metric_combine,
	SERIALFUNC = rec_internal.bag_metric_serialize, DESERIALFUNC = rec_internal.bag_metric_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.gain_ndcg_agg(bigint, double precision, integer) IS
'NDCG at k with graded relevance (Personalize''s NDCG weighted by event type) of one group of rows: one user''s recommendations (rank) FULL JOIN its relevant items (gain, e.g. the weight of the event type). DCG sums gain / log2(rank + 1) over ranks <= k; the ideal sums the k largest gains the same way. NULL when no row has a gain > 0; with gains 0 or 1 it equals ndcg_agg.';
