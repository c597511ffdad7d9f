-- Benchmark effect: one call per game (sim.game.end), so a game with three
-- of these measures what setting up and tearing down the sandbox costs.
return { name = "Setup only", hooks = { ["sim.game.end"] = function(ctx) end } }
