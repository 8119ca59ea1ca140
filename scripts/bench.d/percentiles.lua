-- wrk's report as one line the bench scripts read: exact percentiles from wrk's own histogram.
-- With BENCH_PATHS set (paths separated by spaces), each request takes the next of those paths
-- instead of the URL's, so one scenario can ask for many different things.
local paths = {}
for path in (os.getenv("BENCH_PATHS") or ""):gmatch("%S+") do
  paths[#paths + 1] = path
end
local next_path = 0

if #paths > 0 then
  request = function()
    next_path = next_path % #paths + 1
    return wrk.format(nil, paths[next_path])
  end
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT p50_ms=%.2f p99_ms=%.2f rps=%.0f errors=%d non2xx=%d\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
