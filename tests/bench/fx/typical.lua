-- Benchmark effect: subscribes to sim.possession.pre and sim.shot.pre,
-- reads a few ctx fields and acts now and then, like a typical library
-- effect. The benchmark runs three of it (as three of setup_only.lua).
return {
  name = "Typical",
  hooks = {
    ["sim.possession.pre"] = function(ctx)
      if ctx.game.elam and ctx.offense.team_id == ctx.game.home_team_id then
        return { turnover_probability = -0.01 }
      end
    end,
    ["sim.shot.pre"] = function(ctx)
      if ctx.shot_type == "three_point" and ctx.shooter.stamina > 0.8 then
        return { shot_probability = 0.01 }
      end
    end,
  },
}
