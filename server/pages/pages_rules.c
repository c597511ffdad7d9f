/*
 * pages_rules.c — /rules (the rules table of core/sim/rules.h with current
 * values against defaults, and the timeline of enacted changes) and
 * /effects (active Lua effects with their highlighted source, hooks,
 * lifetime and how often they fired this season).
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/league/game_text.h"
#include "server/pages/pages_internal.h"

void pages_rules_regime(pw_buf_t *b, const cJSON *rules)
{
	int changed = 0;
	for (size_t i = 0; i < rules_count; i++) {
		const pw_rule_def_t *d = &rules_defs[i];
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(rules, d->name);
		double cur = cJSON_IsNumber(v) ? v->valuedouble : cJSON_IsBool(v) ? cJSON_IsTrue(v) : d->def;
		if (cur == d->def)
			continue;
		char now[32], def[32];
		pages_rule_value(d, cur, now, sizeof now);
		pages_rule_value(d, d->def, def, sizeof def);
		buf_puts(b, changed++ ? "" : "<ul class=\"regime\">");
		buf_puts(b, "<li><strong>");
		pages_rule_name(b, d);
		buf_printf(b, ": %s</strong> (default %s). ", now, def);
		pages_escape(b, d->description);
		buf_puts(b, "</li>");
	}
	if (changed)
		buf_puts(b, "</ul>\n");
	else
		buf_puts(b, "<p>Every rule at its default.</p>\n");
}

bool pages_rule_change(pw_buf_t *b, const cJSON *change, const char *new_key)
{
	const pw_rule_def_t *d = rules_find(pages_str(change, "name") ? pages_str(change, "name") : "");
	if (!d)
		return false;
	char o[32], n[32];
	pages_rule_value(d, pages_num(change, "old"), o, sizeof o);
	pages_rule_value(d, pages_num(change, new_key), n, sizeof n);
	buf_puts(b, "<strong>");
	pages_rule_name(b, d);
	buf_printf(b, "</strong> %s → %s", o, n);
	return true;
}

PAGE_HANDLER(page_rules)
{
	pw_rules_t now;
	pages_rules_now(app, &now);
	pw_buf_t b = {0};
	pages_begin(&b, "Rules", "rules");
	buf_puts(&b, "<h1>Rules</h1>\n<p class=\"lede\">Every rule the league can change by vote. Higher "
		     "tiers change more of the game and are harder to pass. Changed values are marked.</p>\n");
	for (int tier = 1; tier <= 4; tier++) {
		char cap[16];
		snprintf(cap, sizeof cap, "Tier %d", tier);
		pages_table_open(&b, "rules", cap);
		buf_puts(&b, "<thead><tr><th scope=\"col\">Rule</th><th scope=\"col\" class=\"num\">Now</th>"
			     "<th scope=\"col\" class=\"num\">Default</th><th scope=\"col\">Range</th>"
			     "<th scope=\"col\">What it does</th></tr></thead><tbody>\n");
		for (size_t i = 0; i < rules_count; i++) {
			const pw_rule_def_t *d = &rules_defs[i];
			if (d->tier != tier)
				continue;
			char v[32], def[32], range[96], lo[32], hi[32];
			double cur = rules_get(&now, d);
			pages_rule_value(d, cur, v, sizeof v);
			pages_rule_value(d, d->def, def, sizeof def);
			pages_rule_value(d, d->min, lo, sizeof lo);
			pages_rule_value(d, d->max, hi, sizeof hi);
			if (d->type == PW_RULE_BOOL)
				snprintf(range, sizeof range, "on or off");
			else
				snprintf(range, sizeof range, "%s to %s%s", lo, hi, rules_odd_only(d) ? ", odd" : "");
			bool changed = cur != d->def;
			buf_printf(&b, "<tr%s><th scope=\"row\">", changed ? " class=\"changed\"" : "");
			pages_rule_name(&b, d);
			/* data-label: on a phone each row reads as a card with the
			 * column names beside the values (style.css). */
			buf_printf(&b, " <small><code>%s</code></small></th><td class=\"num\" data-label=\"Now\">%s%s</td>"
				       "<td class=\"num\" data-label=\"Default\">%s</td><td data-label=\"Range\">", d->name, v,
				   changed ? " <span class=\"tag\">changed</span>" : "", def);
			pages_escape(&b, range);
			buf_puts(&b, "</td><td data-label=\"What it does\">");
			pages_escape(&b, d->description);
			buf_puts(&b, "</td></tr>\n");
		}
		buf_puts(&b, "</tbody>");
		pages_table_close(&b);
	}
	cJSON *hist = gov_rules_history_json(app->gov);
	buf_puts(&b, "<section aria-labelledby=\"tl\"><h2 id=\"tl\">Timeline of changes</h2>\n");
	if (cJSON_GetArraySize(hist) == 0) {
		buf_puts(&b, "<p>No rule has changed yet: every value is its default.</p>\n");
	} else {
		buf_puts(&b, "<ol class=\"timeline\">\n");
		const cJSON *c;
		cJSON_ArrayForEach(c, hist)
		{
			if (!rules_find(pages_str(c, "name") ? pages_str(c, "name") : ""))
				continue;
			buf_printf(&b, "<li>Season %lld, after round %d: ", (long long)pages_id(c, "season_id"),
				   (int)pages_num(c, "round"));
			pages_rule_change(&b, c, "value");
			int64_t pid = pages_id(c, "proposal_id");
			if (pid > 0)
				buf_printf(&b, " (<a href=\"/api/governance/proposals/%lld\">proposal %lld</a>)",
					   (long long)pid, (long long)pid);
			buf_puts(&b, "</li>\n");
		}
		buf_puts(&b, "</ol>\n");
	}
	buf_puts(&b, "</section>\n");
	cJSON_Delete(hist);
	return pages_finish(res, &b, 200);
}

/* How often each effect fired in the current season's games, summed from
 * the stored results' effect stats. */
static cJSON *fire_counts(pw_app_t *app)
{
	cJSON *counts = cJSON_CreateObject();
	pw_season_row_t cur;
	if (!counts || !pages_season(app, &cur))
		return counts;
	int n = 0;
	pw_game_row_t *games = store_games(app->view, cur.id, 0, &n);
	for (int i = 0; games && i < n; i++) {
		char *e = NULL, *result = NULL, err[256];
		if (store_game_snapshots(app->view, games[i].id, NULL, &e, NULL, NULL, NULL) >= 0 && e &&
		    strcmp(e, "[]") != 0 &&
		    game_text_get(app->view, app->games, games[i].id, &result, err, sizeof err) == 1) {
			cJSON *g = cJSON_Parse(result);
			const cJSON *x;
			cJSON_ArrayForEach(x, cJSON_GetObjectItem(g, "effects"))
			{
				const char *id = pages_str(x, "effect_id");
				if (!id)
					continue;
				cJSON *c = cJSON_GetObjectItemCaseSensitive(counts, id);
				if (!c)
					c = cJSON_AddNumberToObject(counts, id, 0);
				if (c)
					cJSON_SetNumberValue(c, c->valuedouble + pages_num(x, "fired"));
			}
			cJSON_Delete(g);
		}
		free(e);
		free(result);
	}
	free(games);
	return counts;
}

PAGE_HANDLER(page_effects)
{
	/* In force, and switched off (with why): a disabled effect can return. */
	cJSON *fx = gov_effects_list_json(app->gov, PW_FX_MASK_CURRENT);
	cJSON *counts = cJSON_GetArraySize(fx) > 0 ? fire_counts(app) : NULL;
	pw_buf_t b = {0};
	pages_begin(&b, "Effects", "effects");
	buf_puts(&b, "<h1>Effects</h1>\n<p class=\"lede\">Effects are small Lua scripts that passed a vote. "
		     "They run in a sandbox at the hooks they name and can bend a game in ways no rule "
		     "parameter can.</p>\n");
	if (cJSON_GetArraySize(fx) == 0)
		buf_puts(&b, "<p>No effect is active. Propose one with <code>effect_lua</code> on "
			     "<a href=\"/governance\">the governance page</a>.</p>\n");
	const cJSON *e;
	cJSON_ArrayForEach(e, fx)
	{
		buf_puts(&b, "<article class=\"effect\"><h2>");
		pages_escape(&b, pages_str(e, "name"));
		buf_puts(&b, " <small><code>");
		pages_escape(&b, pages_str(e, "id"));
		buf_puts(&b, "</code></small></h2>\n<dl class=\"facts\"><dt>Status</dt><dd>");
		pages_escape(&b, pages_str(e, "status"));
		if (pages_str(e, "reason") && pages_str(e, "status") && !strcmp(pages_str(e, "status"), "disabled")) {
			buf_puts(&b, " — ");
			pages_escape(&b, pages_str(e, "reason"));
			buf_printf(&b, " (after round %d); the admin can switch it back on",
				   (int)pages_num(e, "status_round"));
		}
		buf_puts(&b, "</dd><dt>Lifetime</dt><dd>");
		pages_escape(&b, pages_str(e, "lifetime"));
		if (pages_num(e, "rounds") > 0) {
			buf_puts(&b, " (");
			pages_count(&b, (long)pages_num(e, "rounds"), "round", "rounds");
			buf_puts(&b, ")");
		}
		buf_printf(&b, ", from round %d</dd><dt>Hooks</dt><dd>", (int)pages_num(e, "start_round"));
		const cJSON *h;
		bool first = true;
		cJSON_ArrayForEach(h, cJSON_GetObjectItem(e, "hooks"))
		{
			buf_puts(&b, first ? "<code>" : ", <code>");
			pages_escape(&b, cJSON_IsString(h) ? h->valuestring : pages_str(h, "hook"));
			buf_puts(&b, "</code>");
			first = false;
		}
		const char *id = pages_str(e, "id");
		buf_puts(&b, "</dd><dt>Fired this season</dt><dd>");
		pages_count(&b, id ? (long)pages_num(counts, id) : 0, "time", "times");
		buf_printf(&b, "</dd><dt>Proposal</dt><dd><a href=\"/api/governance/proposals/%lld\">%lld</a></dd></dl>\n",
			   (long long)pages_id(e, "proposal_id"), (long long)pages_id(e, "proposal_id"));
		buf_puts(&b, "<pre class=\"lua\" aria-label=\"Lua source\"><code>");
		pages_lua_highlight(&b, pages_str(e, "source"));
		buf_puts(&b, "</code></pre></article>\n");
	}
	cJSON_Delete(fx);
	cJSON_Delete(counts);
	return pages_finish(res, &b, 200);
}
