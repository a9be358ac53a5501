-- wrk script for bench/lookup/run.sh: the anchor, GET /healthz.
local req

function init(args)
  req = wrk.format("GET", "/healthz")
end

function request()
  return req
end
