-- ussd.lua: wrk plays complete USSD sessions against /cb/<aggregator>/<token>/ussd.
-- Run with as many threads as connections (-tN -cN): wrk tells a Lua script nothing about
-- connections, but a thread with one connection sends its next request only after the
-- previous answer reached response(), so each thread plays one session at a time, in order,
-- each hop with the cumulative text. Every session has its own sessionId; each thread has
-- its own phone (a phone never runs two sessions at once).
-- Environment: USSD_PATH (inputs after the empty first hop, comma-separated; default the
-- champion "log a session" path), USSD_PHONE0 (first phone, digits; thread i uses +PHONE0+i),
-- USSD_PREFIX (sessionId prefix).

local threads = {}
local counter = 0

function setup(thread)
	thread:set("tid", counter)
	counter = counter + 1
	table.insert(threads, thread)
end

local inputs = {}
local phone, prefix
local session, hop = 0, 0
bad, sessions, non200 = 0, 0, 0

function init(args)
	local path = os.getenv("USSD_PATH") or "1,1,1,12,5,1"
	for tok in string.gmatch(path, "[^,]+") do
		table.insert(inputs, tok)
	end
	phone = string.format("%%2B%d", tonumber(os.getenv("USSD_PHONE0") or "250788300000") + tid)
	prefix = (os.getenv("USSD_PREFIX") or "wrk") .. tid .. "_"
	wrk.method = "POST"
	wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
	local text = table.concat(inputs, "%2A", 1, hop)
	local body = "sessionId=" .. prefix .. session ..
		"&serviceCode=%2A384%2A44135%23&phoneNumber=" .. phone ..
		"&networkCode=63510&text=" .. text
	return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
	local head = string.sub(body or "", 1, 4)
	if status ~= 200 then
		non200 = non200 + 1
	elseif head ~= "CON " and head ~= "END " then
		bad = bad + 1
	end
	hop = hop + 1
	if hop > #inputs or head ~= "CON " then
		session = session + 1
		sessions = sessions + 1
		hop = 0
	end
end

function done(summary, latency, requests)
	local b, s, n = 0, 0, 0
	for _, t in ipairs(threads) do
		b = b + t:get("bad")
		s = s + t:get("sessions")
		n = n + t:get("non200")
	end
	local errs = summary.errors
	io.write(string.format("RESULT hops=%d seconds=%.3f rate=%.0f p50_ms=%.3f p90_ms=%.3f " ..
		"p99_ms=%.3f max_ms=%.3f non200=%d bad=%d sessions=%d sock_errors=%d\n",
		summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
		latency:percentile(50) / 1e3, latency:percentile(90) / 1e3,
		latency:percentile(99) / 1e3, latency.max / 1e3, n, b, s,
		errs.connect + errs.read + errs.write + errs.timeout))
end
