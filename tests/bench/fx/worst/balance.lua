-- A pattern that never matches a 1 KB subject of '(' (%b() scans to the
-- end from every start), charged as it scans, in a loop of calls that each
-- stay just under the per-call budget. Used by tests/bench/bench_fx_bound.sh.
local s = string.rep('(', 1000)
return {
  name = "Worst: unbalanced",
  hooks = {
    ["sim.possession.pre"] = function(ctx)
      s:find('%b()')
    end,
  },
}
