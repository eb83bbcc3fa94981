-- Filters (src/filter.c, src/filter_parse.c): named filters in Personalize's
-- expression language, applied by the serving functions' filter argument.

CREATE FUNCTION @extschema@.create_filter(
	name text,
	expression text,
	dataset_group text DEFAULT 'default',
	replace boolean DEFAULT false)
RETURNS void
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'rec_create_filter';
COMMENT ON FUNCTION @extschema@.create_filter(text, text, text, boolean) IS
'Create a named filter over a dataset group''s item metadata and the user''s interactions, e.g. ''EXCLUDE ITEMS WHERE categories IN $genres'' or ''INCLUDE ITEMS WHERE interactions.event_type IN ("click")''. Compiled and checked once; use it with filter => in recommend, similar_items and batch_recommend, or as a promotion.';

CREATE FUNCTION @extschema@.drop_filter(name text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	DELETE FROM @extschema@.filter f WHERE f.name = drop_filter.name;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'filter "%" does not exist', name USING ERRCODE = 'undefined_object';
	END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.drop_filter(text) IS 'Drop a named filter.';
