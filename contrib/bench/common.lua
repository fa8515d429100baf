-- common.lua - shared by redirect.lua, create.lua and mix.lua (wrk 4, LuaJIT).
--
-- Each wrk thread has its own Lua state; setup() runs in the main state and
-- keeps the thread objects, so that done() can add up what every thread
-- counted in response() (thread:get copies a global, tables included).
--
-- Script arguments (after "--" on the wrk command line), key=value:
--   name=LABEL    label of the RESULT line
--   n=N           codes b0000000 .. b(N-1), default $KURZ_BENCH_LINKS or 100000
--   key=KEY       API key for creates, default $KURZ_BENCH_KEY
--   seconds=S     send requests for S seconds only, then let the ones in
--                 flight finish and stay idle until wrk stops (run wrk with
--                 -d S+1). Without it wrk cuts requests off in flight, and
--                 the 3xx it counted can be fewer than the redirects that
--                 the server served (and counted as clicks).
--   pace=MS       each connection waits MS milliseconds (a whole number)
--                 after a response before it sends the next request: a
--                 load below the server's saturation, where latency is
--                 service time and not queueing.
--
-- done() prints one line:
--   RESULT name rps p50_ms p99_ms responses bad key=value...
-- rps = responses / (last response - first request); bad = responses with
-- an unexpected status + socket errors; sNxx = responses by status class.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } kb_timespec;
int clock_gettime(int clk, kb_timespec *tp);
]]
local ts = ffi.new("kb_timespec")
local function now()
	ffi.C.clock_gettime(1, ts)	-- CLOCK_MONOTONIC: one clock for all threads
	return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
end

local M = {}

-- The user agent of an ordinary browser: a visit, not a bot.
M.ua = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"

function M.code(i)
	return string.format("b%07d", i)
end

-- spec: name (default label), build(i) -> request string for the i-th
-- request of this thread, good(status) -> bool.
function M.install(spec)
	local threads = {}
	local nthreads = 0

	function setup(thread)
		nthreads = nthreads + 1
		thread:set("tid", nthreads)
		table.insert(threads, thread)
	end

	local i, stop_at = 0, nil
	function init(args)
		local a = {}
		for _, v in pairs(args) do
			local k, val = tostring(v):match("^([%w_]+)=(.*)$")
			if k then a[k] = val end
		end
		M.args = a
		M.n = tonumber(a.n or os.getenv("KURZ_BENCH_LINKS") or "100000")
		M.key = a.key or os.getenv("KURZ_BENCH_KEY") or ""
		M.tid = tid or 1
		bench_name = a.name or spec.name
		math.randomseed(M.tid * 7919 + os.time())
		counts, t_first, t_last = {}, 0, 0
		if a.seconds then stop_at = now() + tonumber(a.seconds) end
		local pace = tonumber(a.pace or "")
		if pace then
			function delay() return pace end
		end
		if spec.init then spec.init(a) end
	end

	function request()
		local t = now()
		if t_first == 0 then t_first = t end
		if stop_at and t >= stop_at then
			-- Send nothing: the connection stays idle until wrk stops.
			return ""
		end
		i = i + 1
		return spec.build(i)
	end

	function response(status, headers, body)
		counts[status] = (counts[status] or 0) + 1
		t_last = now()
	end

	function done(summary, latency, requests)
		local by = {}
		local first, last, total, good = math.huge, 0, 0, 0
		for _, t in ipairs(threads) do
			local c = t:get("counts") or {}
			for status, n in pairs(c) do
				by[status] = (by[status] or 0) + n
				total = total + n
				if spec.good(status) then good = good + n end
			end
			local f, l = t:get("t_first") or 0, t:get("t_last") or 0
			if f > 0 and f < first then first = f end
			if l > last then last = l end
		end
		local e = summary.errors
		local sock = e.connect + e.read + e.write + e.timeout
		local cls = {0, 0, 0, 0, 0}
		for status, n in pairs(by) do
			local k = math.floor(status / 100)
			if k >= 1 and k <= 5 then cls[k] = cls[k] + n end
		end
		local secs = last > first and (last - first)
		    or summary.duration / 1e6
		local name = threads[1] and threads[1]:get("bench_name")
		    or spec.name
		print(string.format(
		    "RESULT %s %.1f %.3f %.3f %d %d s2xx=%d s3xx=%d s4xx=%d " ..
		    "s5xx=%d sock=%d timeout=%d secs=%.2f",
		    name, total / secs, latency:percentile(50) / 1000,
		    latency:percentile(99) / 1000, total, total - good + sock,
		    cls[2], cls[3], cls[4], cls[5], sock, e.timeout, secs))
		local list = {}
		for status, n in pairs(by) do
			table.insert(list, status .. "=" .. n)
		end
		table.sort(list)
		print("STATUS " .. name .. " " .. table.concat(list, " "))
	end
end

return M
