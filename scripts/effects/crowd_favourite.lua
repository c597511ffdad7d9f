-- Crowd favourite: the home crowd lifts its most extravagant hooper.
--
-- Shows: sim.game.pre with the attributes result (changes for this game
-- only), ctx.home (the home team's view) and iterating its hoopers.
return {
  name = "Crowd Favourite",
  description = "At tip-off the home team's highest-ego starter gets +12 scoring and +6 speed.",
  lifetime = "permanent",
  hooks = {
    ["sim.game.pre"] = function(ctx)
      local best
      for _, h in ipairs(ctx.home.hoopers) do
        if not best or h.ego > best.ego then best = h end
      end
      if best then
        return {
          attributes = { [best.id] = { scoring = 12, speed = 6 } },
          narrative = "The crowd chants for " .. best.name .. ".",
        }
      end
    end,
  },
}
