-- wrk script: each request goes out as one of the signed-in users, in turn.
-- COOKIES_FILE holds one "Cookie" header value per line; PATHS_FILE one path per line
-- (either may be absent: then no cookie is sent, or wrk's own path is used).
local cookies, paths, n = {}, {}, 0
local function lines(name)
  local out, f = {}, name and io.open(name)
  if f then
    for line in f:lines() do if #line > 0 then out[#out + 1] = line end end
    f:close()
  end
  return out
end
cookies = lines(os.getenv("COOKIES_FILE"))
paths = lines(os.getenv("PATHS_FILE"))
request = function()
  n = n + 1
  local headers = {}
  if #cookies > 0 then headers["Cookie"] = cookies[(n % #cookies) + 1] end
  local path = (#paths > 0) and paths[(n % #paths) + 1] or wrk.path
  return wrk.format("GET", path, headers)
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.1f p50_ms=%.2f p99_ms=%.2f errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
