-- The costliest work per instruction unit we know of: a for loop whose
-- bound is a 1 KB numeric string, converted by the VM itself inside one
-- instruction (about 0.2 us each, counted as one unit). Each call spends
-- about 175,000 units, under the 200,000 a call, so the effect runs until
-- the 1,000,000 a game stop it, in its sixth call: a game's worth of the
-- worst case. Used by tests/bench/bench_fx_bound.sh.
local s = '0x' .. string.rep('f', 1000)
return {
  name = "Worst: coercion in for",
  hooks = {
    ["sim.possession.pre"] = function(ctx)
      for k = 1, 25000 do for i = s, 0 do end end
    end,
  },
}
