-- create.lua - wrk script: POST /api/v1/links {"url":"https://example.com/<n>"}
-- with "Authorization: Bearer KEY" (argument key=KEY or $KURZ_BENCH_KEY).
-- No "code" member: the server generates one, so no request can meet a
-- 409. A 201 is what counts as good.
--
--   wrk -t2 -c16 -d11s -s contrib/bench/create.lua http://127.0.0.1:PORT \
--       -- key=KEY seconds=10 name=kurz-create
--
-- See common.lua for the arguments and the RESULT line.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local bench = dofile(dir .. "common.lua")

local headers

bench.install {
	name = "create",
	init = function(a)
		headers = {
			["Authorization"] = "Bearer " .. bench.key,
			["Content-Type"] = "application/json",
			["User-Agent"] = bench.ua,
		}
	end,
	build = function(i)
		-- Distinct per thread and request (the URL need not be, the code is
		-- generated either way).
		local n = bench.tid * 1000000000 + i
		return wrk.format("POST", "/api/v1/links", headers,
		    string.format('{"url":"https://example.com/%d"}', n))
	end,
	good = function(status) return status == 201 end,
}
