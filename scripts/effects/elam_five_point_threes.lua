-- Five-point threes, only in the Elam ending.
--
-- Shows: reading the game state (ctx.game.elam) and the shot_value result,
-- which adds points to a made shot: a three is worth 3 + 2 = 5 once the
-- clock is off.
return {
  name = "Elam Fives",
  description = "In the Elam period a made three is worth five.",
  lifetime = "permanent",
  hooks = {
    ["sim.shot.pre"] = function(ctx)
      if ctx.game.elam and ctx.shot_type == "three_point" then
        return { shot_value = 2 }
      end
    end,
  },
}
