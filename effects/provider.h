/*
 * provider.h — the effects engine as the round runner sees it: an
 * implementation of core/round.h's pw_fx_provider_t on top of fx.h.
 *
 *   fx_provider_t *p = fx_provider_new(reader, err, sizeof err);
 *   pw_round_cfg_t cfg = { ..., .fx = fx_provider_iface(p) };
 *   ... run rounds ...
 *   fx_provider_take_report(p, &rep);   // errors, usage, logs since the last take
 *   fx_provider_free(p);
 *
 * Scripts arrive as source with every call; each distinct source is
 * validated once and cached (by sha-256). Games run in one engine, round,
 * governance and report hooks in another (a sandbox of their own); each
 * round-hook call is its own session, so script locals do not carry from
 * round.pre to round.post — effects keep such state in ctx.meta. Metadata
 * writes are appended to the runner's meta_writes array as
 * {"kind", "id", "key", "op": "set"|"incr"|"toggle", "value"}.
 * One provider per thread.
 */
#ifndef PW_FX_PROVIDER_H
#define PW_FX_PROVIDER_H

#include "core/round.h"
#include "effects/fx.h"

typedef struct fx_provider fx_provider_t;

/* meta: how games read metadata as of the round start (may have get NULL). */
fx_provider_t *fx_provider_new(fx_meta_reader_t meta, char *err, size_t errlen);
void fx_provider_free(fx_provider_t *p);
/* The interface to put in pw_round_cfg_t.fx; valid while p lives. */
const pw_fx_provider_t *fx_provider_iface(fx_provider_t *p);
/* Moves what was collected since the last take into out (fx_report_init'ed
 * by the caller; caller frees). Includes scripts that failed to validate. */
void fx_provider_take_report(fx_provider_t *p, fx_report_t *out);

#endif
