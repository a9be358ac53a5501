-- wrk script for bench/lookup/run.sh: cycles over the queries in the file
-- named by $QUERIES with the partner key in $KEY. With the argument "post"
-- it calls POST /api/v1/lookup, else GET /m/lookup (HMA's route).
local requests = {}
local i = 0

function init(args)
  local post = args[1] == "post"
  local headers = { ["Authorization"] = "Bearer " .. os.getenv("KEY") }
  if post then headers["Content-Type"] = "application/json" end
  for q in io.lines(os.getenv("QUERIES")) do
    if post then
      requests[#requests + 1] = wrk.format("POST", "/api/v1/lookup", headers,
        '{"signal_type":"pdq","value":"' .. q .. '"}')
    else
      requests[#requests + 1] = wrk.format("GET", "/m/lookup?signal_type=pdq&signal=" .. q, headers)
    end
  end
  -- Threads start at different places in the list.
  i = (id or 0) * 997
end

function setup(thread)
  thread:set("id", (counter or 0))
  counter = (counter or 0) + 1
end

function request()
  i = i % #requests + 1
  return requests[i]
end
