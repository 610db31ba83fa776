-- 0008_schedule: quiet hours as a function, so the scheduler, reminders and broadcasts agree.
--
-- followup.next_send_time(tz, now, window_start, window_end, days): the first moment at or
-- after now that lies inside the send window in time zone tz on one of days ('mon,tue,...').
-- window_end '24:00' means the end of the day. Looks a week ahead; NULL when no day is
-- allowed at all.
CREATE FUNCTION followup.next_send_time(tz text, at timestamptz, window_start time,
					window_end text, days text)
RETURNS timestamptz LANGUAGE plpgsql STABLE AS $$
DECLARE
	local_now timestamp := at AT TIME ZONE tz;
	d date;
	s timestamp;
	e timestamp;
BEGIN
	FOR i IN 0..7 LOOP
		d := local_now::date + i;
		CONTINUE WHEN NOT lower(to_char(d, 'dy')) = ANY (string_to_array(lower(days), ','));
		s := d + window_start;
		e := CASE WHEN window_end IN ('24:00', '24:00:00') THEN (d + 1)::timestamp
			  ELSE d + window_end::time END;
		IF local_now < e THEN
			RETURN greatest(local_now, s) AT TIME ZONE tz;
		END IF;
	END LOOP;
	RETURN NULL;
END $$;

COMMENT ON FUNCTION followup.next_send_time(text, timestamptz, time, text, text) IS
'The first moment at or after "at" inside the send window (in time zone tz, on the given '
'days); NULL when no day is allowed.';
