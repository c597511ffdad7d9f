-- Fatigue-free first quarter: nobody tires before the first break.
--
-- Shows: ctx.game.quarter, and the stamina result used to give back what a
-- possession costs (the handler is the current hooper at possession.pre,
-- the shooter at shot.pre).
return {
  name = "Fresh Legs",
  description = "In the first quarter every handler and shooter is topped back up to full stamina.",
  lifetime = "one_game",
  hooks = {
    ["sim.possession.pre"] = function(ctx)
      if ctx.game.quarter == 1 and ctx.handler.stamina < 1 then
        return { stamina = 1 - ctx.handler.stamina }
      end
    end,
    ["sim.shot.pre"] = function(ctx)
      if ctx.game.quarter == 1 and ctx.shooter.stamina < 1 then
        return { stamina = 1 - ctx.shooter.stamina }
      end
    end,
  },
}
