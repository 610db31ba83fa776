-- 0004_import: the SQL half of `followupctl import KIND FILE.csv`. followupctl streams the
-- CSV rows with COPY into a temporary table pg_temp.import_stage (line int, then one text
-- column per CSV column, named as in the header), then calls, in one transaction:
--   followup.import_normalize()       trims every cell; an empty cell becomes NULL
--   followup.import_check_<kind>()    (line, reason) for every bad row; nothing is written
--   followup.import_apply_<kind>()    upserts; (tbl, inserted, updated, unchanged) per table
-- Re-importing the same file changes nothing (every row is "unchanged"). Imports only add and
-- update; a row left out of a file is not deleted.

-- Bodies of SQL functions name pg_temp.import_stage, which exists only during an import.
SET LOCAL check_function_bodies = off;

-- A date written YYYY-MM-DD, or NULL.
CREATE FUNCTION followup.try_date(t text) RETURNS date
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	IF t IS NULL OR t !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN
		RETURN NULL;
	END IF;
	RETURN t::date;   -- rejects 2026-02-30, which to_date() would roll over
EXCEPTION WHEN others THEN
	RETURN NULL;
END
$$;

-- A whole number 0..999999999, or NULL.
CREATE FUNCTION followup.try_count(t text) RETURNS int
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN t ~ '^[0-9]{1,9}$' THEN t::int END
$$;

-- A phone number in E.164: kept when already (spaces, dots, dashes and brackets removed; a
-- leading 00 read as +); a national number (digits only) gets the calling code of country with
-- its leading 0 dropped. NULL when neither works.
CREATE FUNCTION followup.normalize_phone(raw text, country text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
	s text := regexp_replace(coalesce(raw, ''), '[[:space:]().-]', '', 'g');
	cc text;
BEGIN
	IF s ~ '^00[1-9]' THEN
		s := '+' || substr(s, 3);
	END IF;
	IF s ~ '^[0-9]+$' THEN
		SELECT c.calling_code INTO cc FROM followup.countries c WHERE c.code = country;
		IF cc IS NULL THEN
			RETURN NULL;
		END IF;
		s := '+' || cc || regexp_replace(s, '^0', '');
	END IF;
	IF s ~ '^\+[1-9][0-9]{7,14}$' THEN
		RETURN s;
	END IF;
	RETURN NULL;
END
$$;

-- Why a phone cell could not be read (NULL when it could).
CREATE FUNCTION followup.phone_problem(raw text, country text) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT CASE
		WHEN raw IS NULL THEN 'phone is empty'
		WHEN followup.normalize_phone(raw, country) IS NOT NULL THEN NULL
		WHEN country IS NULL THEN NULL   -- reported as an unknown route instead
		WHEN regexp_replace(raw, '[[:space:]().-]', '', 'g') ~ '^[0-9]+$'
		     AND (SELECT calling_code FROM followup.countries WHERE code = country) IS NULL
			THEN format('phone "%s" is a national number and no calling code is known '
				    'for %s: write it in E.164 (+...)', raw, country)
		ELSE format('phone "%s" is not a valid phone number (E.164 such as +250788123456, '
			    'or a national number)', raw)
	END
$$;

-- Trims every text cell of pg_temp.import_stage; empty cells become NULL.
CREATE FUNCTION followup.import_normalize() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	sets text;
BEGIN
	SELECT string_agg(format('%1$I = nullif(btrim(%1$I, E'' \t\r\n\u00a0''), '''')', attname),
			  ', ')
	INTO sets
	FROM pg_attribute
	WHERE attrelid = 'pg_temp.import_stage'::regclass AND attnum > 0 AND NOT attisdropped
	  AND atttypid = 'text'::regtype;
	EXECUTE 'UPDATE pg_temp.import_stage SET ' || sets;
END
$$;

-- routes: code,title,country,visit_start,visit_end ------------------------------------------

CREATE FUNCTION followup.import_check_routes() RETURNS TABLE (line int, reason text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
	RETURN QUERY
	WITH s AS (
		SELECT st.*, upper(st.country) AS cc, followup.try_date(st.visit_start) AS vs,
		       followup.try_date(st.visit_end) AS ve,
		       min(st.line) OVER (PARTITION BY st.code) AS first_line
		FROM pg_temp.import_stage st)
	SELECT s.line, e.reason FROM s, LATERAL (VALUES
		(1, CASE WHEN s.code IS NULL THEN 'code is empty'
			 WHEN s.code !~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$'
			 THEN format('code "%s" must be 1-40 letters, digits, "-", "_" or "."', s.code)
		    END),
		(2, CASE WHEN s.title IS NULL THEN 'title is empty'
			 WHEN char_length(s.title) > 200 THEN 'title is longer than 200 characters' END),
		(3, CASE WHEN s.country IS NULL THEN 'country is empty'
			 WHEN NOT EXISTS (SELECT 1 FROM followup.countries c WHERE c.code = s.cc)
			 THEN format('country "%s" is not an ISO 3166-1 alpha-2 code', s.country) END),
		(4, CASE WHEN s.visit_start IS NULL THEN 'visit_start is empty'
			 WHEN s.vs IS NULL
			 THEN format('visit_start "%s" is not a date YYYY-MM-DD', s.visit_start) END),
		(5, CASE WHEN s.visit_end IS NULL THEN 'visit_end is empty'
			 WHEN s.ve IS NULL
			 THEN format('visit_end "%s" is not a date YYYY-MM-DD', s.visit_end) END),
		(6, CASE WHEN s.vs > s.ve THEN 'visit_start is after visit_end' END),
		(7, CASE WHEN s.line > s.first_line
			 THEN format('route "%s" already on line %s', s.code, s.first_line) END)
	) AS e(ord, reason)
	WHERE e.reason IS NOT NULL
	ORDER BY s.line, e.ord;
END
$$;

CREATE FUNCTION followup.import_apply_routes()
RETURNS TABLE (tbl text, inserted int, updated int, unchanged int)
LANGUAGE plpgsql AS $$
DECLARE
	n int; i int; u int;
BEGIN
	SELECT count(*) INTO n FROM pg_temp.import_stage;
	WITH up AS (
		INSERT INTO followup.routes AS t (code, title, country, visit_start, visit_end)
		SELECT st.code, st.title, upper(st.country), st.visit_start::date, st.visit_end::date
		FROM pg_temp.import_stage st
		ON CONFLICT (code) DO UPDATE
		SET title = excluded.title, country = excluded.country,
		    visit_start = excluded.visit_start, visit_end = excluded.visit_end, updated_at = now()
		WHERE (t.title, t.country, t.visit_start, t.visit_end) IS DISTINCT FROM
		      (excluded.title, excluded.country, excluded.visit_start, excluded.visit_end)
		RETURNING (xmax = 0) AS ins)
	SELECT count(*) FILTER (WHERE ins), count(*) FILTER (WHERE NOT ins) INTO i, u FROM up;
	RETURN QUERY SELECT 'routes'::text, i, u, n - i - u;
END
$$;

-- organizations: name,country ---------------------------------------------------------------

CREATE FUNCTION followup.import_check_organizations() RETURNS TABLE (line int, reason text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
	RETURN QUERY
	WITH s AS (
		SELECT st.*, min(st.line) OVER (PARTITION BY st.name) AS first_line
		FROM pg_temp.import_stage st)
	SELECT s.line, e.reason FROM s, LATERAL (VALUES
		(1, CASE WHEN s.name IS NULL THEN 'name is empty'
			 WHEN char_length(s.name) > 200 THEN 'name is longer than 200 characters' END),
		(2, CASE WHEN s.country IS NULL THEN 'country is empty'
			 WHEN NOT EXISTS (SELECT 1 FROM followup.countries c
					  WHERE c.code = upper(s.country))
			 THEN format('country "%s" is not an ISO 3166-1 alpha-2 code', s.country) END),
		(3, CASE WHEN s.line > s.first_line
			 THEN format('organization "%s" already on line %s', s.name, s.first_line) END)
	) AS e(ord, reason)
	WHERE e.reason IS NOT NULL
	ORDER BY s.line, e.ord;
END
$$;

CREATE FUNCTION followup.import_apply_organizations()
RETURNS TABLE (tbl text, inserted int, updated int, unchanged int)
LANGUAGE plpgsql AS $$
DECLARE
	n int; i int; u int;
BEGIN
	SELECT count(*) INTO n FROM pg_temp.import_stage;
	WITH up AS (
		INSERT INTO followup.organizations AS t (name, country)
		SELECT st.name, upper(st.country) FROM pg_temp.import_stage st
		ON CONFLICT (name) DO UPDATE SET country = excluded.country, updated_at = now()
		WHERE t.country IS DISTINCT FROM excluded.country
		RETURNING (xmax = 0) AS ins)
	SELECT count(*) FILTER (WHERE ins), count(*) FILTER (WHERE NOT ins) INTO i, u FROM up;
	RETURN QUERY SELECT 'organizations'::text, i, u, n - i - u;
END
$$;

-- people: phone,name,gender,language,timezone,organization,route,role -----------------------

-- The people rows with their route resolved and their phone in E.164.
CREATE FUNCTION followup.import_people_rows()
RETURNS TABLE (line int, raw_phone text, phone text, name text, gender text, language text,
	       timezone text, organization text, organization_id bigint, route text,
	       route_id bigint, country text, role text)
LANGUAGE sql AS $$
	SELECT st.line, st.phone, followup.normalize_phone(st.phone, r.country), st.name,
	       lower(st.gender), lower(st.language), st.timezone, st.organization, o.id, st.route,
	       r.id, r.country, lower(st.role)
	FROM pg_temp.import_stage st
	LEFT JOIN followup.routes r ON r.code = st.route
	LEFT JOIN followup.organizations o ON o.name = st.organization
$$;

CREATE FUNCTION followup.import_check_people() RETURNS TABLE (line int, reason text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
	RETURN QUERY
	WITH tz AS MATERIALIZED (SELECT DISTINCT z.name FROM pg_timezone_names z),
	s AS (
		SELECT p.*,
		       min(p.line) OVER (PARTITION BY p.phone, p.route_id, p.role) AS dup_line,
		       first_value(p.line) OVER w AS first_line,
		       first_value(p.name) OVER w AS first_name,
		       first_value(p.gender) OVER w AS first_gender,
		       first_value(p.language) OVER w AS first_language,
		       first_value(p.timezone) OVER w AS first_timezone,
		       max(p.organization) OVER (PARTITION BY p.phone) AS org_max,
		       min(p.organization) OVER (PARTITION BY p.phone) AS org_min
		FROM followup.import_people_rows() p
		WINDOW w AS (PARTITION BY p.phone ORDER BY p.line))
	SELECT s.line, e.reason FROM s, LATERAL (VALUES
		(1, followup.phone_problem(s.raw_phone, s.country)),
		(2, CASE WHEN s.name IS NULL THEN 'name is empty'
			 WHEN char_length(s.name) > 100 THEN 'name is longer than 100 characters' END),
		(3, CASE WHEN s.gender IS NULL THEN 'gender is empty'
			 WHEN s.gender NOT IN ('f', 'm', 'x')
			 THEN format('gender "%s" must be f, m or x', s.gender) END),
		(4, CASE WHEN s.language IS NULL THEN 'language is empty'
			 WHEN NOT EXISTS (SELECT 1 FROM followup.languages l WHERE l.code = s.language)
			 THEN format('language "%s" must be one of %s', s.language,
				     (SELECT string_agg(code, ' ' ORDER BY code) FROM followup.languages))
		    END),
		(5, CASE WHEN s.timezone IS NULL THEN 'timezone is empty'
			 WHEN NOT EXISTS (SELECT 1 FROM tz WHERE tz.name = s.timezone)
			 THEN format('timezone "%s" is not a known time zone (e.g. Africa/Kigali)',
				     s.timezone) END),
		(6, CASE WHEN s.organization IS NOT NULL AND s.organization_id IS NULL
			 THEN format('unknown organization "%s" (import organizations first)',
				     s.organization) END),
		(7, CASE WHEN s.route IS NULL THEN 'route is empty'
			 WHEN s.route_id IS NULL
			 THEN format('unknown route "%s" (import routes first)', s.route) END),
		(8, CASE WHEN s.role IS NULL THEN 'role is empty'
			 WHEN s.role NOT IN ('participant', 'champion')
			 THEN format('role "%s" must be participant or champion', s.role) END),
		(9, CASE WHEN s.phone IS NOT NULL AND s.route_id IS NOT NULL AND s.line > s.dup_line
			 THEN format('%s is already a %s of route %s on line %s', s.phone, s.role,
				     s.route, s.dup_line) END),
		(10, CASE WHEN s.phone IS NOT NULL AND s.line > s.first_line AND
			       (s.name, s.gender, s.language, s.timezone) IS DISTINCT FROM
			       (s.first_name, s.first_gender, s.first_language, s.first_timezone)
			  THEN format('%s disagrees with line %s on %s', s.phone, s.first_line,
				      concat_ws(', ',
					CASE WHEN s.name IS DISTINCT FROM s.first_name THEN 'name' END,
					CASE WHEN s.gender IS DISTINCT FROM s.first_gender THEN 'gender' END,
					CASE WHEN s.language IS DISTINCT FROM s.first_language
					     THEN 'language' END,
					CASE WHEN s.timezone IS DISTINCT FROM s.first_timezone
					     THEN 'timezone' END)) END),
		(11, CASE WHEN s.phone IS NOT NULL AND s.line > s.first_line AND
			       s.org_min IS DISTINCT FROM s.org_max AND s.organization IS NOT NULL
			  THEN format('%s has two organizations in this file ("%s" and "%s")',
				      s.phone, s.org_min, s.org_max) END)
	) AS e(ord, reason)
	WHERE e.reason IS NOT NULL
	ORDER BY s.line, e.ord;
END
$$;

CREATE FUNCTION followup.import_apply_people()
RETURNS TABLE (tbl text, inserted int, updated int, unchanged int)
LANGUAGE plpgsql AS $$
DECLARE
	n int; i int; u int;
BEGIN
	CREATE TEMP TABLE import_people ON COMMIT DROP AS SELECT * FROM followup.import_people_rows();

	-- One person per phone: the rows agree (checked); the organization is the one given.
	SELECT count(DISTINCT p.phone) INTO n FROM pg_temp.import_people p;
	WITH src AS (
		SELECT DISTINCT ON (p.phone) p.phone, p.name, p.gender, p.language, p.timezone,
		       (SELECT max(q.organization_id) FROM pg_temp.import_people q
			WHERE q.phone = p.phone) AS organization_id
		FROM pg_temp.import_people p ORDER BY p.phone, p.line),
	up AS (
		INSERT INTO followup.people AS t (phone, name, gender, language, timezone,
						  organization_id)
		SELECT * FROM src
		ON CONFLICT (phone) DO UPDATE
		SET name = excluded.name, gender = excluded.gender, language = excluded.language,
		    timezone = excluded.timezone, organization_id = excluded.organization_id,
		    updated_at = now()
		WHERE (t.name, t.gender, t.language, t.timezone, t.organization_id) IS DISTINCT FROM
		      (excluded.name, excluded.gender, excluded.language, excluded.timezone,
		       excluded.organization_id)
		RETURNING (xmax = 0) AS ins)
	SELECT count(*) FILTER (WHERE ins), count(*) FILTER (WHERE NOT ins) INTO i, u FROM up;
	RETURN QUERY SELECT 'people'::text, i, u, n - i - u;

	SELECT count(*) INTO n FROM pg_temp.import_people;
	WITH up AS (
		INSERT INTO followup.route_participants (route_id, person_id, role)
		SELECT p.route_id, pe.id, p.role
		FROM pg_temp.import_people p JOIN followup.people pe ON pe.phone = p.phone
		ON CONFLICT DO NOTHING
		RETURNING 1)
	SELECT count(*) INTO i FROM up;
	RETURN QUERY SELECT 'route_participants'::text, i, 0, n - i;
END
$$;

-- The rows of champions and action-items: route resolved, phone in E.164, person found.
CREATE FUNCTION followup.import_route_person_rows()
RETURNS TABLE (line int, route text, route_id bigint, country text, raw_phone text,
	       phone text, person_id bigint)
LANGUAGE sql AS $$
	SELECT st.line, st.route, r.id, r.country, st.phone,
	       followup.normalize_phone(st.phone, r.country), pe.id
	FROM pg_temp.import_stage st
	LEFT JOIN followup.routes r ON r.code = st.route
	LEFT JOIN followup.people pe ON pe.phone = followup.normalize_phone(st.phone, r.country)
$$;

-- Why a row's route or person is not usable as a ROLE of that route (NULL when it is).
CREATE FUNCTION followup.route_person_problem(route text, route_id bigint, country text,
					      raw_phone text, phone text, person_id bigint,
					      want_role text) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT CASE
		WHEN route IS NULL THEN 'route is empty'
		WHEN route_id IS NULL THEN format('unknown route "%s" (import routes first)', route)
		WHEN phone IS NULL THEN followup.phone_problem(raw_phone, country)
		WHEN person_id IS NULL
			THEN format('no person with phone %s (import people first)', phone)
		WHEN NOT EXISTS (SELECT 1 FROM followup.route_participants rp
				 WHERE rp.route_id = $2 AND rp.person_id = $6 AND rp.role = want_role)
			THEN format('%s is not a %s of route %s in people', phone, want_role, route)
	END
$$;

-- champions: route,phone,experience,location ------------------------------------------------

CREATE FUNCTION followup.import_check_champions() RETURNS TABLE (line int, reason text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
	RETURN QUERY
	WITH s AS (
		SELECT p.*, st.experience, st.location,
		       min(p.line) OVER (PARTITION BY p.route_id, p.phone) AS first_line
		FROM followup.import_route_person_rows() p
		JOIN pg_temp.import_stage st ON st.line = p.line)
	SELECT s.line, e.reason FROM s, LATERAL (VALUES
		(1, followup.route_person_problem(s.route, s.route_id, s.country, s.raw_phone,
						  s.phone, s.person_id, 'champion')),
		(2, CASE WHEN s.experience IS NULL THEN 'experience is empty' END),
		(3, CASE WHEN s.location IS NULL THEN 'location is empty' END),
		(4, CASE WHEN s.phone IS NOT NULL AND s.route_id IS NOT NULL AND s.line > s.first_line
			 THEN format('champion %s of route %s already on line %s', s.phone, s.route,
				     s.first_line) END)
	) AS e(ord, reason)
	WHERE e.reason IS NOT NULL
	ORDER BY s.line, e.ord;
END
$$;

CREATE FUNCTION followup.import_apply_champions()
RETURNS TABLE (tbl text, inserted int, updated int, unchanged int)
LANGUAGE plpgsql AS $$
DECLARE
	n int; i int; u int;
BEGIN
	SELECT count(*) INTO n FROM pg_temp.import_stage;
	WITH up AS (
		INSERT INTO followup.champions AS t (route_id, person_id, experience, location)
		SELECT p.route_id, p.person_id, st.experience, st.location
		FROM followup.import_route_person_rows() p
		JOIN pg_temp.import_stage st ON st.line = p.line
		ON CONFLICT (route_id, person_id) DO UPDATE
		SET experience = excluded.experience, location = excluded.location, updated_at = now()
		WHERE (t.experience, t.location) IS DISTINCT FROM (excluded.experience, excluded.location)
		RETURNING (xmax = 0) AS ins)
	SELECT count(*) FILTER (WHERE ins), count(*) FILTER (WHERE NOT ins) INTO i, u FROM up;
	RETURN QUERY SELECT 'champions'::text, i, u, n - i - u;
END
$$;

-- topics: route,title -----------------------------------------------------------------------

CREATE FUNCTION followup.import_check_topics() RETURNS TABLE (line int, reason text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
	RETURN QUERY
	WITH s AS (
		SELECT st.*, r.id AS route_id,
		       min(st.line) OVER (PARTITION BY st.route, st.title) AS first_line
		FROM pg_temp.import_stage st LEFT JOIN followup.routes r ON r.code = st.route)
	SELECT s.line, e.reason FROM s, LATERAL (VALUES
		(1, CASE WHEN s.route IS NULL THEN 'route is empty'
			 WHEN s.route_id IS NULL
			 THEN format('unknown route "%s" (import routes first)', s.route) END),
		(2, CASE WHEN s.title IS NULL THEN 'title is empty'
			 WHEN char_length(s.title) > 40
			 THEN format('title is %s characters, at most 40 (so it fits a USSD screen)',
				     char_length(s.title)) END),
		(3, CASE WHEN s.title IS NOT NULL AND s.line > s.first_line
			 THEN format('topic "%s" already on line %s', s.title, s.first_line) END)
	) AS e(ord, reason)
	WHERE e.reason IS NOT NULL
	ORDER BY s.line, e.ord;
END
$$;

CREATE FUNCTION followup.import_apply_topics()
RETURNS TABLE (tbl text, inserted int, updated int, unchanged int)
LANGUAGE plpgsql AS $$
DECLARE
	n int; i int;
BEGIN
	SELECT count(*) INTO n FROM pg_temp.import_stage;
	WITH up AS (
		INSERT INTO followup.topics (route_id, title)
		SELECT r.id, st.title FROM pg_temp.import_stage st
		JOIN followup.routes r ON r.code = st.route
		ORDER BY st.line
		ON CONFLICT DO NOTHING
		RETURNING 1)
	SELECT count(*) INTO i FROM up;
	RETURN QUERY SELECT 'topics'::text, i, 0, n - i;
END
$$;

-- action-items: route,phone,title,due_date,target_people ------------------------------------

CREATE FUNCTION followup.import_check_action_items() RETURNS TABLE (line int, reason text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
	RETURN QUERY
	WITH s AS (
		SELECT p.*, st.title, st.due_date, st.target_people,
		       min(p.line) OVER (PARTITION BY p.route_id, p.phone, st.title) AS first_line
		FROM followup.import_route_person_rows() p
		JOIN pg_temp.import_stage st ON st.line = p.line)
	SELECT s.line, e.reason FROM s, LATERAL (VALUES
		(1, followup.route_person_problem(s.route, s.route_id, s.country, s.raw_phone,
						  s.phone, s.person_id, 'participant')),
		(2, CASE WHEN s.title IS NULL THEN 'title is empty'
			 WHEN char_length(s.title) > 30
			 THEN format('title is %s characters, at most 30 (so it fits a USSD screen)',
				     char_length(s.title)) END),
		(3, CASE WHEN s.due_date IS NOT NULL AND followup.try_date(s.due_date) IS NULL
			 THEN format('due_date "%s" is not a date YYYY-MM-DD', s.due_date) END),
		(4, CASE WHEN s.target_people IS NOT NULL AND followup.try_count(s.target_people) IS NULL
			 THEN format('target_people "%s" is not a whole number', s.target_people) END),
		(5, CASE WHEN s.phone IS NOT NULL AND s.route_id IS NOT NULL AND s.title IS NOT NULL
			      AND s.line > s.first_line
			 THEN format('item "%s" of %s already on line %s', s.title, s.phone,
				     s.first_line) END)
	) AS e(ord, reason)
	WHERE e.reason IS NOT NULL
	ORDER BY s.line, e.ord;
END
$$;

CREATE FUNCTION followup.import_apply_action_items()
RETURNS TABLE (tbl text, inserted int, updated int, unchanged int)
LANGUAGE plpgsql AS $$
DECLARE
	n int; i int; u int;
BEGIN
	CREATE TEMP TABLE import_items ON COMMIT DROP AS
	SELECT p.line, p.route_id, p.person_id, st.title, st.due_date::date AS due_date,
	       st.target_people::int AS target_people
	FROM followup.import_route_person_rows() p JOIN pg_temp.import_stage st ON st.line = p.line;

	SELECT count(DISTINCT (x.route_id, x.person_id)) INTO n FROM pg_temp.import_items x;
	WITH up AS (
		INSERT INTO followup.action_plans (route_id, person_id)
		SELECT DISTINCT x.route_id, x.person_id FROM pg_temp.import_items x
		ON CONFLICT DO NOTHING
		RETURNING 1)
	SELECT count(*) INTO i FROM up;
	RETURN QUERY SELECT 'action_plans'::text, i, 0, n - i;

	SELECT count(*) INTO n FROM pg_temp.import_items;
	WITH up AS (
		INSERT INTO followup.action_items AS t (plan_id, title, due_date, target_people)
		SELECT ap.id, x.title, x.due_date, x.target_people
		FROM pg_temp.import_items x
		JOIN followup.action_plans ap ON ap.route_id = x.route_id AND ap.person_id = x.person_id
		ORDER BY x.line
		ON CONFLICT (plan_id, title) DO UPDATE
		SET due_date = excluded.due_date, target_people = excluded.target_people,
		    updated_at = now()
		WHERE (t.due_date, t.target_people) IS DISTINCT FROM
		      (excluded.due_date, excluded.target_people)
		RETURNING (xmax = 0) AS ins)
	SELECT count(*) FILTER (WHERE ins), count(*) FILTER (WHERE NOT ins) INTO i, u FROM up;
	RETURN QUERY SELECT 'action_items'::text, i, u, n - i - u;
END
$$;
