-- The floor is lava: holding the ball burns stamina.
--
-- Shows: the stamina result, applied to the current hooper (the ball
-- handler at sim.possession.pre). Tired hoopers shoot worse and turn the
-- ball over more, so scoring drops.
return {
  name = "Lava Floor",
  description = "Every possession the ball handler loses 6% stamina.",
  lifetime = { rounds = 3 },
  hooks = {
    ["sim.possession.pre"] = function(ctx)
      return { stamina = -0.06 }
    end,
  },
}
