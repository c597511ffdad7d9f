-- Hot hand: a hooper who has made two in a row is on fire.
--
-- Shows: state kept in a script-level local for the length of one game
-- (every game starts with a fresh copy), sim.shot.post to watch outcomes
-- and sim.shot.pre to act on them.
local streak = {}        -- hooper id -> consecutive makes, this game only

return {
  name = "Hot Hand",
  description = "After two straight makes a hooper shoots 8% better until they miss.",
  lifetime = "permanent",
  hooks = {
    ["sim.shot.post"] = function(ctx)
      local id = ctx.shooter and ctx.shooter.id
      if not id then return end
      if ctx.made then
        streak[id] = (streak[id] or 0) + 1
      else
        streak[id] = 0
      end
    end,
    ["sim.shot.pre"] = function(ctx)
      local n = streak[ctx.shooter.id] or 0
      if n >= 2 then
        return { shot_probability = 0.08, narrative = ctx.shooter.name .. " is heating up." }
      end
    end,
  },
}
