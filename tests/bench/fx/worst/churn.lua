-- Holds 3.4 MB and churns garbage beside it: near its 4 MB cap every
-- allocation runs a full collection first (charged). Used by
-- tests/bench/bench_fx_bound.sh.
local keep = {}
return {
  name = "Worst: churn at the cap",
  hooks = {
    ["sim.possession.pre"] = function(ctx)
      local s = string.rep('k', 1000)
      if #keep == 0 then for i = 1, 3400 do keep[i] = s .. i end return end
      for i = 1, 2500 do local _ = s .. i end
    end,
  },
}
