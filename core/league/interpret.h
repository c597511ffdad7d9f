/*
 * interpret.h — the offline interpreter: proposal text → interpretation,
 * strategy text → strategy. Deterministic (same text and rules → same
 * output), no network. The AI interpreter in server/ produces the same JSON
 * shape and goes through the same validation.
 *
 * An interpretation (JSON object, contract of the API):
 *   { "parameters": [{"name", "old", "new"}],
 *     "effects":    [{"name", "library"?, "source", "hooks": [...], "lifetime"}],
 *     "repeal":     ["effect id", ...],
 *     "confidence": 0..1, "note": "...", "tier": 1..5,
 *     "clarification": "..." (when the text could not be mapped),
 *     "injection": bool }
 */
#ifndef PW_INTERPRET_H
#define PW_INTERPRET_H

#include <stdbool.h>
#include <stddef.h>

#include "core/sim/teams.h"
#include "core/sim/rules.h"

struct cJSON;

/* An active effect the interpreter may name in a repeal. */
typedef struct pw_interp_effect {
	const char *id;
	const char *name;
} pw_interp_effect_t;

typedef struct pw_interp_in {
	const char *text;              /* the proposal, required */
	const char *effect_lua;        /* an attached script, or NULL */
	const pw_rules_t *rules;       /* the rules in force (for "old" and relative changes) */
	const char *scripts_dir;       /* where library effects live (scripts/effects) */
	const pw_interp_effect_t *active;
	int n_active;
} pw_interp_in_t;

/*
 * Interprets a proposal. Returns 0 with *out (caller owns) set, or -1 with
 * err naming the problem: empty or oversized text, a recognised parameter
 * with an out-of-range value (the message gives the allowed range), a value
 * equal to the current one. Unrecognised text is not an error: it becomes a
 * tier-5 interpretation with a clarification note.
 */
int interp_proposal(const pw_interp_in_t *in, struct cJSON **out, char *err, size_t errlen);

/*
 * Whether j has the interpretation's shape that governance relies on: an
 * object with tier 1..5, parameters [{name (a rule), new (number or
 * bool)}], effects [{name, source (strings)}], a note. For answers that
 * come from elsewhere (the AI interpreter) before governance reads them.
 */
bool interp_is_valid(const struct cJSON *j);

/*
 * One entry of "effects" for a script: {name, description?, library?,
 * source, sha256, hooks (a scan of the text), lifetime, rounds?}, the name
 * and description read from the script's own table when it has them
 * (else name). *tier (may be NULL) gets the tier its hooks give. Caller
 * owns; NULL on out of memory.
 */
struct cJSON *interp_effect_json(const char *name, const char *library, const char *source, int *tier);

/* The tier an effect's hooks give: 3 with any sim./round./gov. hook, 2 when it
 * only adds narrative (report.* hooks). hooks is an array of names. */
int interp_effect_tier(const struct cJSON *hooks);

/* Hook names a script subscribes to, found by a scan of its text (the
 * sandbox's validation replaces this when available). Caller owns. */
struct cJSON *interp_scan_hooks(const char *source);

/*
 * Strategy text → strategy ("shoot more threes", "attack the rim",
 * "slow it down", "press when trailing", "zone defense", ...). Returns how
 * many phrases were recognised (0: the default strategy) and a note.
 */
int interp_strategy(const char *text, pw_strategy_t *out, char *note, size_t notelen);

#endif
