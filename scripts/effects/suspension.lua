-- Suspension: one named hooper sits out (plays as if barely able to move).
--
-- Shows: finding a hooper by name in both teams at sim.game.pre and the
-- attributes result. Edit SUSPENDED to the hooper's name (or id) before
-- proposing it; a lifetime of { rounds = N } makes it an N-round ban.
local SUSPENDED = 1      -- a hooper's name, or their id

local function matches(h)
  return h.id == SUSPENDED or h.name == SUSPENDED
end

return {
  name = "Suspension",
  description = "The named hooper is suspended: every attribute drops to the floor for the game.",
  lifetime = { rounds = 2 },
  hooks = {
    ["sim.game.pre"] = function(ctx)
      for _, team in ipairs({ ctx.home, ctx.away }) do
        for _, h in ipairs(team.hoopers) do
          if matches(h) then
            return {
              attributes = { [h.id] = { scoring = -100, passing = -100, defense = -100,
                                        speed = -100, iq = -100 } },
              narrative = h.name .. " is suspended and watches from the end of the bench.",
            }
          end
        end
      end
    end,
  },
}
