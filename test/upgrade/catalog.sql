-- test/upgrade/catalog.sql — rec's catalog as sorted text, to compare two installs
-- (a fresh CREATE EXTENSION rec against 0.1.0 + ALTER EXTENSION rec UPDATE).
-- Prints every object of the extension and of its schemas: function definitions,
-- aggregates, comments, tables and columns, constraints, indexes, triggers, views,
-- sequences, types, casts, event triggers, privileges, configuration tables and the
-- rows the install script writes. No OIDs and no column numbers: objects are named.
-- Usage: psql -X -A -t -q -d DB -f test/upgrade/catalog.sql > catalog.txt
\pset pager off
\pset format unaligned
\pset tuples_only on
SET search_path = pg_catalog, pg_temp;

CREATE TEMP VIEW rec_ns AS
SELECT n.oid, n.nspname FROM pg_namespace n
WHERE n.nspname IN ('rec', 'rec_internal');

CREATE TEMP VIEW rec_members AS
SELECT d.classid, d.objid, d.objsubid FROM pg_depend d
JOIN pg_extension e ON d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid
WHERE e.extname = 'rec' AND d.deptype = 'e';

-- the extension itself and the objects it owns
SELECT 'extension ' || e.extname || ' ' || e.extversion || ' schema ' || e.extnamespace::regnamespace
	|| ' relocatable ' || e.extrelocatable
FROM pg_extension e WHERE e.extname = 'rec';
SELECT 'member ' || pg_describe_object(m.classid, m.objid, m.objsubid)
FROM rec_members m ORDER BY 1;
SELECT 'config ' || c::regclass || ' where ' || coalesce(w, '')
FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS u(c, w)
WHERE e.extname = 'rec' ORDER BY 1;

-- schemas and their privileges
SELECT 'schema ' || n.nspname || ' owner ' || pg_get_userbyid(s.nspowner) || ' acl ' || coalesce(s.nspacl::text, '-')
	|| ' comment ' || coalesce(obj_description(n.oid, 'pg_namespace'), '-')
FROM rec_ns n JOIN pg_namespace s ON s.oid = n.oid ORDER BY 1;

-- functions and procedures (aggregates below), with privileges and comments
SELECT 'function ' || p.oid::regprocedure || E'\n'
	|| 'acl ' || coalesce(p.proacl::text, '-') || E'\n'
	|| 'comment ' || coalesce(obj_description(p.oid, 'pg_proc'), '-') || E'\n'
	|| pg_get_functiondef(p.oid)
FROM pg_proc p JOIN rec_ns n ON p.pronamespace = n.oid
WHERE p.prokind <> 'a' ORDER BY p.oid::regprocedure::text;

SELECT 'aggregate ' || p.oid::regprocedure
	|| ' sfunc ' || a.aggtransfn::regprocedure || ' stype ' || format_type(a.aggtranstype, NULL)
	|| ' finalfunc ' || coalesce(nullif(a.aggfinalfn, 0)::regprocedure::text, '-')
	|| ' combinefunc ' || coalesce(nullif(a.aggcombinefn, 0)::regprocedure::text, '-')
	|| ' serialfunc ' || coalesce(nullif(a.aggserialfn, 0)::regprocedure::text, '-')
	|| ' deserialfunc ' || coalesce(nullif(a.aggdeserialfn, 0)::regprocedure::text, '-')
	|| ' finalextra ' || a.aggfinalextra || ' finalmodify ' || a.aggfinalmodify::text
	|| ' initcond ' || coalesce(a.agginitval, '-') || ' kind ' || a.aggkind::text
	|| ' parallel ' || p.proparallel::text || ' strict ' || p.proisstrict
	|| ' args ' || pg_get_function_arguments(p.oid)
	|| ' acl ' || coalesce(p.proacl::text, '-')
	|| ' comment ' || coalesce(obj_description(p.oid, 'pg_proc'), '-')
FROM pg_proc p JOIN pg_aggregate a ON a.aggfnoid = p.oid JOIN rec_ns n ON p.pronamespace = n.oid
ORDER BY 1;

-- relations: tables, views, sequences, indexes
SELECT 'relation ' || n.nspname || '.' || c.relname || ' kind ' || c.relkind::text
	|| ' persistence ' || c.relpersistence::text || ' options ' || coalesce(c.reloptions::text, '-')
	|| ' acl ' || coalesce(c.relacl::text, '-')
	|| ' comment ' || coalesce(obj_description(c.oid, 'pg_class'), '-')
	|| CASE WHEN c.relkind = 'v' THEN E'\n' || pg_get_viewdef(c.oid) ELSE '' END
	|| CASE WHEN c.relkind = 'i' THEN E'\n' || pg_get_indexdef(c.oid) ELSE '' END
FROM pg_class c JOIN rec_ns n ON c.relnamespace = n.oid
WHERE c.relkind NOT IN ('t') ORDER BY 1;

-- columns in their logical order (the position among live columns, not attnum)
SELECT 'column ' || n.nspname || '.' || c.relname || ' '
	|| row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum) || ' ' || a.attname
	|| ' ' || format_type(a.atttypid, a.atttypmod)
	|| CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
	|| coalesce(' default ' || pg_get_expr(ad.adbin, ad.adrelid), '')
	|| CASE WHEN a.attidentity <> '' THEN ' identity ' || a.attidentity::text ELSE '' END
	|| CASE WHEN a.attgenerated <> '' THEN ' generated ' || a.attgenerated::text ELSE '' END
	|| ' storage ' || a.attstorage::text || ' collation ' || coalesce(nullif(a.attcollation, 0)::regcollation::text, '-')
	|| ' acl ' || coalesce(a.attacl::text, '-')
	|| ' comment ' || coalesce(col_description(c.oid, a.attnum), '-')
FROM pg_class c JOIN rec_ns n ON c.relnamespace = n.oid
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c')
ORDER BY n.nspname, c.relname, a.attnum;

SELECT 'constraint ' || n.nspname || '.' || c.relname || ' ' || k.conname || ' ' || pg_get_constraintdef(k.oid)
	|| ' deferrable ' || k.condeferrable
FROM pg_constraint k JOIN pg_class c ON k.conrelid = c.oid JOIN rec_ns n ON c.relnamespace = n.oid
ORDER BY 1;

SELECT 'trigger ' || pg_get_triggerdef(t.oid) || ' enabled ' || t.tgenabled::text
FROM pg_trigger t JOIN pg_class c ON t.tgrelid = c.oid JOIN rec_ns n ON c.relnamespace = n.oid
WHERE NOT t.tgisinternal ORDER BY 1;

SELECT 'sequence ' || s.seqrelid::regclass || ' ' || format_type(s.seqtypid, NULL) || ' start ' || s.seqstart
	|| ' increment ' || s.seqincrement || ' max ' || s.seqmax || ' min ' || s.seqmin
	|| ' cache ' || s.seqcache || ' cycle ' || s.seqcycle
	|| ' owned by ' || coalesce((SELECT d.refobjid::regclass || '.' || a.attname FROM pg_depend d
		JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
		WHERE d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid AND d.deptype = 'a'), '-')
FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN rec_ns n ON c.relnamespace = n.oid
ORDER BY 1;

-- types that are not a relation's row type or an array of one
SELECT 'type ' || t.oid::regtype || ' kind ' || t.typtype::text || ' acl ' || coalesce(t.typacl::text, '-')
	|| ' comment ' || coalesce(obj_description(t.oid, 'pg_type'), '-')
	|| coalesce(' base ' || nullif(t.typbasetype, 0)::regtype, '')
	|| coalesce(' enum ' || (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid), '')
FROM pg_type t JOIN rec_ns n ON t.typnamespace = n.oid
WHERE NOT (t.typtype = 'c' AND EXISTS (SELECT FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind <> 'c'))
	AND NOT (t.typcategory = 'A' AND EXISTS (SELECT FROM pg_type e JOIN pg_class c ON c.oid = e.typrelid
		WHERE e.oid = t.typelem AND c.relkind <> 'c'))
ORDER BY 1;

SELECT 'cast ' || format_type(c.castsource, NULL) || ' -> ' || format_type(c.casttarget, NULL)
	|| ' func ' || coalesce(nullif(c.castfunc, 0)::regprocedure::text, '-') || ' context ' || c.castcontext::text
	|| ' method ' || c.castmethod::text
FROM pg_cast c WHERE c.oid IN
	(SELECT m.objid FROM rec_members m WHERE m.classid = 'pg_cast'::regclass)
ORDER BY 1;

SELECT 'operator ' || o.oid::regoperator FROM pg_operator o JOIN rec_ns n ON o.oprnamespace = n.oid ORDER BY 1;

SELECT 'event trigger ' || e.evtname || ' on ' || e.evtevent || ' execute ' || e.evtfoid::regprocedure
	|| ' enabled ' || e.evtenabled::text || ' tags ' || coalesce(e.evttags::text, '-')
	|| ' comment ' || coalesce(obj_description(e.oid, 'pg_event_trigger'), '-')
FROM pg_event_trigger e WHERE e.oid IN (SELECT m.objid FROM rec_members m WHERE m.classid = 'pg_event_trigger'::regclass)
ORDER BY 1;

-- default privileges in the schemas, and the rows of every table right after the install
SELECT 'default acl ' || coalesce(d.defaclnamespace::regnamespace::text, '-') || ' ' || d.defaclobjtype::text || ' ' || d.defaclacl::text
FROM pg_default_acl d ORDER BY 1;

DO $$
DECLARE
	r record;
	line text;
BEGIN
	CREATE TEMP TABLE rec_rows (line text);
	FOR r IN SELECT c.oid::regclass AS rel FROM pg_class c JOIN rec_ns n ON c.relnamespace = n.oid
		WHERE c.relkind IN ('r', 'p') ORDER BY 1::text LOOP
		-- every column but the timestamps an install stamps with now()
		SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum) INTO line
		FROM pg_attribute a WHERE a.attrelid = r.rel AND a.attnum > 0 AND NOT a.attisdropped
			AND a.atttypid <> 'timestamptz'::regtype;
		EXECUTE format('INSERT INTO rec_rows SELECT %L || '' '' || t::text FROM (SELECT %s FROM %s) t',
			'row ' || r.rel, line, r.rel);
	END LOOP;
END
$$;
SELECT line FROM rec_rows ORDER BY 1;
