-- redirect.lua - wrk script: GET /bNNNNNNN spread at random over the N
-- seeded codes b0000000 .. b(N-1) (N from the argument n=N or
-- $KURZ_BENCH_LINKS, default 100000). wrk never follows redirects: each
-- request is one 302 from the server, and a 3xx is what counts as good.
--
--   wrk -t2 -c64 -d11s -s contrib/bench/redirect.lua http://127.0.0.1:PORT \
--       -- n=100000 seconds=10 name=kurz-302 [zipf=1]
--
-- See common.lua for the arguments and the RESULT line.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local bench = dofile(dir .. "common.lua")

local headers = { ["User-Agent"] = bench.ua }

-- zipf=S: code k (0-based) is drawn with a weight of 1 / (k + 1)^S, so
-- that a few links get most visits, as real traffic does; without it,
-- every code is as likely as any other (the worst case for the click
-- rollups).
local cdf

local function pick()
	if not cdf then
		return math.random(0, bench.n - 1)
	end
	local u, lo, hi = math.random() * cdf[bench.n], 1, bench.n
	while lo < hi do
		local mid = math.floor((lo + hi) / 2)
		if cdf[mid] < u then lo = mid + 1 else hi = mid end
	end
	return lo - 1
end

bench.install {
	name = "redirect",
	init = function(a)
		local s = tonumber(a.zipf or "")
		if s then
			cdf = {}
			local sum = 0
			for k = 1, bench.n do
				sum = sum + 1 / k ^ s
				cdf[k] = sum
			end
		end
	end,
	build = function(i)
		return wrk.format("GET", "/" .. bench.code(pick()), headers)
	end,
	good = function(status) return status >= 300 and status < 400 end,
}
