-- Floats turned into text by the VM inside one instruction (x .. ''):
-- about 40 ns a unit. About 168,000 units a call until the game budget
-- stops it. Used by tests/bench/bench_fx_bound.sh.
local x = 1.2345678901234
return {
  name = "Worst: number concat",
  hooks = {
    ["sim.possession.pre"] = function(ctx)
      for k = 1, 42000 do local _ = x .. '' end
    end,
  },
}
