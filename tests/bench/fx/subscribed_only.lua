-- Benchmark effect: subscribed to sim.possession.pre and sim.shot.pre and
-- doing nothing there, so three of it measure what the engine itself costs
-- per hook call (the call, the views' refresh, the budget bracket), apart
-- from what an effect's own code costs.
return {
  name = "Subscribed only",
  hooks = {
    ["sim.possession.pre"] = function(ctx) end,
    ["sim.shot.pre"] = function(ctx) end,
  },
}
