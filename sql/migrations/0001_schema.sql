-- Placeholder: the schema of SPEC "Data" comes with issue 3.
CREATE SCHEMA IF NOT EXISTS followup;
