-- redirect.lua - wrk script: GET /bNNNNNNN spread at random over the N
-- seeded codes b0000000 .. b(N-1) (N from the argument n=N or
-- $KURZ_BENCH_LINKS, default 100000). wrk never follows redirects: each
-- request is one 302 from the server, and a 3xx is what counts as good.
--
--   wrk -t2 -c64 -d11s -s contrib/bench/redirect.lua http://127.0.0.1:PORT \
--       -- n=100000 seconds=10 name=kurz-302
--
-- See common.lua for the arguments and the RESULT line.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local bench = dofile(dir .. "common.lua")

local headers = { ["User-Agent"] = bench.ua }

bench.install {
	name = "redirect",
	build = function(i)
		return wrk.format("GET", "/" .. bench.code(math.random(0, bench.n - 1)),
		    headers)
	end,
	good = function(status) return status >= 300 and status < 400 end,
}
