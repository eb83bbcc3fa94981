-- rec 0.1.0 -> 0.2.0
-- CREATE EXTENSION rec installs 0.1.0 and then runs this script; 0.1.0's
-- script is released and never edited, so every change since lives here.
\echo Use "ALTER EXTENSION rec UPDATE TO '0.2.0'" to load this file. \quit

-- Shared model files and chunked models (issue 9, items 4-5) ---------------

CREATE TABLE @extschema@.model_chunk (
	version bigint NOT NULL REFERENCES @extschema@.solution_version ON DELETE CASCADE,
	seq integer NOT NULL CHECK (seq > 0),
	data bytea NOT NULL,
	PRIMARY KEY (version, seq)
);
ALTER TABLE @extschema@.model_chunk ALTER COLUMN data SET STORAGE EXTERNAL;
COMMENT ON TABLE @extschema@.model_chunk IS
'The rest of a model larger than rec.model_chunk_size: solution_version.model holds its first piece, rows 1..n the following ones, each as long as the first but the last.';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.model_chunk', '');

CREATE FUNCTION @extschema@.model_files_sweep()
RETURNS trigger
LANGUAGE C
AS 'MODULE_PATHNAME', 'rec_model_files_sweep';
COMMENT ON FUNCTION @extschema@.model_files_sweep() IS
'Internal trigger: removes the server''s model files (rec_models/ in the data directory) of solution versions that no longer exist.';
CREATE TRIGGER solution_version_deleted AFTER DELETE OR TRUNCATE ON @extschema@.solution_version
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.model_files_sweep();
