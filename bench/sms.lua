-- sms.lua: wrk posts Africa's Talking inbound SMS callbacks, each with its own message id,
-- from a pool of SMS_PHONES numbers (SMS_PHONE0, SMS_PHONE0+1, ...), text SMS_TEXT.
-- Unknown numbers by default: each is answered once a day, so most messages are stored and
-- answered with no reply, the common case of a busy day.

local threads = {}
local counter = 0

function setup(thread)
	thread:set("tid", counter)
	counter = counter + 1
	table.insert(threads, thread)
end

local n = 0
local phone0, phones, text, prefix
non200 = 0

function init(args)
	phone0 = tonumber(os.getenv("SMS_PHONE0") or "250788900000")
	phones = tonumber(os.getenv("SMS_PHONES") or "1000")
	text = os.getenv("SMS_TEXT") or "hello"
	prefix = (os.getenv("SMS_PREFIX") or "wrk") .. "-" .. tid .. "-"
	wrk.method = "POST"
	wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
	n = n + 1
	local body = string.format("from=%%2B%d&to=12345&text=%s&id=%s%d" ..
		"&date=2026-09-20T10%%3A00%%3A00Z&networkCode=63510",
		phone0 + (n * 7919 + tid * 31) % phones, text, prefix, n)
	return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
	if status ~= 200 then
		non200 = non200 + 1
	end
end

function done(summary, latency, requests)
	local bad = 0
	for _, t in ipairs(threads) do
		bad = bad + t:get("non200")
	end
	local errs = summary.errors
	io.write(string.format("RESULT requests=%d seconds=%.3f rate=%.0f p50_ms=%.3f " ..
		"p99_ms=%.3f non200=%d sock_errors=%d\n", summary.requests,
		summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
		latency:percentile(50) / 1e3, latency:percentile(99) / 1e3, bad,
		errs.connect + errs.read + errs.write + errs.timeout))
end
