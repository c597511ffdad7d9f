/*
 * errors.c — everything generated from the PW_ERRORS table (see errors.h).
 */
#include "core/league/errors.h"

#include <stdarg.h>
#include <stdio.h>

const char *err_code(int code)
{
	switch (code) {
#define PW_ERR_CODE(name, value, str, status) case PW_E_##name: return str;
	PW_ERRORS(PW_ERR_CODE)
#undef PW_ERR_CODE
	default: return "internal";
	}
}

int err_status(int code)
{
	switch (code) {
#define PW_ERR_STATUS(name, value, str, status) case PW_E_##name: return status;
	PW_ERRORS(PW_ERR_STATUS)
#undef PW_ERR_STATUS
	default: return 500;
	}
}

int err_set(pw_err_t *e, int code, const char *fmt, ...)
{
	if (e) {
		e->code = code;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof e->msg, fmt, ap);
		va_end(ap);
	}
	return code;
}
