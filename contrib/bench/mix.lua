-- mix.lua - wrk script: 95% redirects (GET /bNNNNNNN, as redirect.lua) and
-- 5% creates (POST /api/v1/links, as create.lua): every 20th request of
-- each thread is a create. Arguments: n=N key=KEY seconds=S name=LABEL
-- (see common.lua). A 3xx or a 201 is what counts as good.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local bench = dofile(dir .. "common.lua")

local get_headers = { ["User-Agent"] = bench.ua }
local post_headers

bench.install {
	name = "mix",
	init = function(a)
		post_headers = {
			["Authorization"] = "Bearer " .. bench.key,
			["Content-Type"] = "application/json",
			["User-Agent"] = bench.ua,
		}
	end,
	build = function(i)
		if i % 20 == 0 then
			local n = bench.tid * 1000000000 + i
			return wrk.format("POST", "/api/v1/links", post_headers,
			    string.format('{"url":"https://example.com/%d"}', n))
		end
		return wrk.format("GET", "/" .. bench.code(math.random(0, bench.n - 1)),
		    get_headers)
	end,
	good = function(status)
		return status == 201 or (status >= 300 and status < 400)
	end,
}
