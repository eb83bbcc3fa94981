-- Schemas.  rec's API is in the extension's schema, rec (@extschema@); the
-- functions only rec itself calls are in rec_internal, out of the way of
-- \df rec.*: trigger functions, the support functions of aggregates, and the
-- helpers of rec's SQL functions.  rec's functions run with the caller's
-- privileges and call the helpers by name, so every role may use the schema:
-- none of its functions is SECURITY DEFINER, and each either cannot be called
-- from SQL (triggers, internal arguments) or reads only what its caller may.

CREATE SCHEMA rec_internal;
COMMENT ON SCHEMA rec_internal IS
'Functions only rec calls (triggers, aggregate support, helpers of its SQL functions); rec''s API is in schema rec.';
GRANT USAGE ON SCHEMA rec_internal TO PUBLIC;
