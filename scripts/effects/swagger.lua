-- Swagger: winning builds swagger; a team with swagger shoots better.
--
-- Shows: durable metadata (ctx.meta) written by a round hook and read by a
-- simulation hook. The write in round.game.post is applied after the round,
-- so swagger earned this round is felt from the next round on.
local THRESHOLD = 3      -- wins of swagger before it shows
local BONUS = 0.05       -- added to the make probability

return {
  name = "Swagger",
  description = "Every win adds a point of swagger; teams with 3 or more shoot 5% better.",
  lifetime = "permanent",
  hooks = {
    ["round.game.post"] = function(ctx)
      if ctx.game and ctx.game.winner_team_id then
        ctx.meta.incr("team", ctx.game.winner_team_id, "swagger", 1)
      end
    end,
    ["sim.shot.pre"] = function(ctx)
      local swagger = ctx.meta.get("team", ctx.offense.team_id, "swagger") or 0
      if swagger >= THRESHOLD then
        return { shot_probability = BONUS }
      end
    end,
  },
}
