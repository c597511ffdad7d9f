-- Underdog comeback: a team down by ten or more digs in.
--
-- Shows: reading the score from ctx.game and acting at two hook points with
-- one rule of thumb; turnover_probability and shot_probability add to what
-- the engine computed (and are clamped by it).
local function trailing_by(ctx)
  local g = ctx.game
  if ctx.offense.team_id == g.home_team_id then
    return g.away_score - g.home_score
  end
  return g.home_score - g.away_score
end

return {
  name = "Underdog Comeback",
  description = "A team trailing by 10+ turns the ball over less and shoots 6% better.",
  lifetime = "permanent",
  hooks = {
    ["sim.possession.pre"] = function(ctx)
      if trailing_by(ctx) >= 10 then
        return { turnover_probability = -0.03 }
      end
    end,
    ["sim.shot.pre"] = function(ctx)
      if trailing_by(ctx) >= 10 then
        return { shot_probability = 0.06 }
      end
    end,
  },
}
