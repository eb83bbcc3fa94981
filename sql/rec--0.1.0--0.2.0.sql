-- rec 0.1.0 -> 0.2.0
-- CREATE EXTENSION rec installs 0.1.0 and then runs this script; 0.1.0's
-- script is released and never edited, so every change since lives here.
\echo Use "ALTER EXTENSION rec UPDATE TO '0.2.0'" to load this file. \quit
