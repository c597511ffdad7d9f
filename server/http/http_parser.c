/*
 * http_parser.c — strict incremental HTTP/1.1 request parsing (see
 * http_parser.h for the rules and why they are strict).
 */
#include "server/http/http_parser.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

/* Bytes of a token (a method, a header name: RFC 9110 tchar). */
static const bool tchar[256] = {
	['0'] = true, ['1'] = true, ['2'] = true, ['3'] = true, ['4'] = true,
	['5'] = true, ['6'] = true, ['7'] = true, ['8'] = true, ['9'] = true,
	['a'] = true, ['b'] = true, ['c'] = true, ['d'] = true, ['e'] = true, ['f'] = true,
	['g'] = true, ['h'] = true, ['i'] = true, ['j'] = true, ['k'] = true, ['l'] = true,
	['m'] = true, ['n'] = true, ['o'] = true, ['p'] = true, ['q'] = true, ['r'] = true,
	['s'] = true, ['t'] = true, ['u'] = true, ['v'] = true, ['w'] = true, ['x'] = true,
	['y'] = true, ['z'] = true,
	['A'] = true, ['B'] = true, ['C'] = true, ['D'] = true, ['E'] = true, ['F'] = true,
	['G'] = true, ['H'] = true, ['I'] = true, ['J'] = true, ['K'] = true, ['L'] = true,
	['M'] = true, ['N'] = true, ['O'] = true, ['P'] = true, ['Q'] = true, ['R'] = true,
	['S'] = true, ['T'] = true, ['U'] = true, ['V'] = true, ['W'] = true, ['X'] = true,
	['Y'] = true, ['Z'] = true,
	['!'] = true, ['#'] = true, ['$'] = true, ['%'] = true, ['&'] = true, ['\''] = true,
	['*'] = true, ['+'] = true, ['-'] = true, ['.'] = true, ['^'] = true, ['_'] = true,
	['`'] = true, ['|'] = true, ['~'] = true,
};

static bool is_tchar(unsigned char c)
{
	return tchar[c];
}

/* What a byte of the head is to find_head_end: 0 nothing special, else
 * CR, LF, or a control byte that has no place in a head (tab is allowed). */
enum { HB_CR = 1, HB_LF, HB_BAD };
static const unsigned char head_byte[256] = {
	[0x00] = HB_BAD, [0x01] = HB_BAD, [0x02] = HB_BAD, [0x03] = HB_BAD, [0x04] = HB_BAD,
	[0x05] = HB_BAD, [0x06] = HB_BAD, [0x07] = HB_BAD, [0x08] = HB_BAD, [0x0a] = HB_LF,
	[0x0b] = HB_BAD, [0x0c] = HB_BAD, [0x0d] = HB_CR, [0x0e] = HB_BAD, [0x0f] = HB_BAD,
	[0x10] = HB_BAD, [0x11] = HB_BAD, [0x12] = HB_BAD, [0x13] = HB_BAD, [0x14] = HB_BAD,
	[0x15] = HB_BAD, [0x16] = HB_BAD, [0x17] = HB_BAD, [0x18] = HB_BAD, [0x19] = HB_BAD,
	[0x1a] = HB_BAD, [0x1b] = HB_BAD, [0x1c] = HB_BAD, [0x1d] = HB_BAD, [0x1e] = HB_BAD,
	[0x1f] = HB_BAD, [0x7f] = HB_BAD,
};

/*
 * Whether one of the 8 bytes at p is below 0x20 or is 0x7f — CR, LF, tab
 * or a byte to refuse — so the head scan looks at most bytes 8 at a time.
 * (Each test is exact about whether such a byte is there.)
 */
static bool word_special(const char *p)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	uint64_t x, y;
	memcpy(&x, p, 8);
	y = x ^ (ones * 0x7f);
	return (((x - ones * 0x20) & ~x) | ((y - ones) & ~y)) & highs;
}

static int fail(pw_http_error_t *err, int status, const char *code, const char *message)
{
	if (err) {
		err->status = status;
		err->code = code;
		err->message = message;
	}
	return HTTP_PARSE_ERROR;
}

bool http_str_eq(pw_str_t s, const char *lit)
{
	size_t n = strlen(lit);
	return s.n == n && memcmp(s.p, lit, n) == 0;
}

bool http_str_ieq(pw_str_t s, const char *lit)
{
	/* ASCII case only (header names, tokens), without strncasecmp's cost. */
	size_t i = 0;
	for (; i < s.n && lit[i]; i++) {
		unsigned char a = (unsigned char)s.p[i], b = (unsigned char)lit[i];
		if ((unsigned)(a - 'A') < 26u)
			a |= 0x20;
		if ((unsigned)(b - 'A') < 26u)
			b |= 0x20;
		if (a != b)
			return false;
	}
	return i == s.n && !lit[i];
}

const pw_str_t *http_header(const pw_http_request_t *req, const char *name)
{
	for (size_t i = 0; i < req->n_headers; i++)
		if (http_str_ieq(req->headers[i].name, name))
			return &req->headers[i].value;
	return NULL;
}

/* Applies `Connection: a, b` tokens: close wins over keep-alive. */
static void connection_tokens(pw_str_t v, bool *close, bool *keep)
{
	size_t i = 0;
	while (i < v.n) {
		while (i < v.n && (v.p[i] == ' ' || v.p[i] == '\t' || v.p[i] == ','))
			i++;
		size_t s = i;
		while (i < v.n && v.p[i] != ',' && v.p[i] != ' ' && v.p[i] != '\t')
			i++;
		pw_str_t tok = {v.p + s, i - s};
		if (http_str_ieq(tok, "close"))
			*close = true;
		else if (http_str_ieq(tok, "keep-alive"))
			*keep = true;
	}
}

/*
 * Finds the blank line that ends the head, checking every byte on the way.
 * Returns the offset just past it, 0 when not yet there, or -1 with *err.
 */
static long find_head_end(const char *buf, size_t len, size_t start, pw_http_scan_t *scan,
			  pw_http_error_t *err)
{
	size_t i = start;
	if (scan && scan->pos > i)
		i = scan->pos;
	/* Nothing past the head limit is looked at: the limit is checked once
	 * the scan stops, not at every byte. */
	size_t stop = len < HTTP_MAX_HEAD ? len : HTTP_MAX_HEAD;
	for (;; i++) {
		while (i + 8 <= stop && !word_special(buf + i))
			i += 8;
		while (i < stop && !head_byte[(unsigned char)buf[i]])
			i++;
		if (i == stop)
			break;
		unsigned char kind = head_byte[(unsigned char)buf[i]];
		if (kind == HB_LF) {
			if (i == 0 || buf[i - 1] != '\r')
				return fail(err, 400, "malformed_request",
					    "A line ended in a bare LF; lines must end in CRLF."), -1;
			if (i >= start + 3 && buf[i - 2] == '\n' && buf[i - 3] == '\r')
				return (long)(i + 1);
		} else if (kind == HB_CR) {
			if (i + 1 < len && buf[i + 1] != '\n')
				return fail(err, 400, "malformed_request",
					    "A bare CR appeared in the request head."), -1;
		} else {
			return fail(err, 400, "malformed_request",
				    "The request head contains a control character."), -1;
		}
	}
	if (len > HTTP_MAX_HEAD)
		return fail(err, 431, "headers_too_large", "The request line and headers exceed 16 KB."), -1;
	if (scan)
		scan->pos = len > start ? len - 1 : start;
	return 0;
}

static int parse_request_line(const char *p, const char *eol, pw_http_request_t *req,
			      pw_http_error_t *err)
{
	const char *m = p;
	while (p < eol && is_tchar((unsigned char)*p))
		p++;
	if (p == m || p >= eol || *p != ' ')
		return fail(err, 400, "malformed_request", "The request line has no valid method.");
	if ((size_t)(p - m) > HTTP_MAX_METHOD)
		return fail(err, 400, "malformed_request", "The request method is too long.");
	req->method = (pw_str_t){m, (size_t)(p - m)};
	p++;
	const char *t = p;
	while (p < eol && *p != ' ') {
		unsigned char c = (unsigned char)*p;
		if (c < 0x21 || c > 0x7e)
			return fail(err, 400, "malformed_request",
				    "The request target contains a byte that is not visible ASCII.");
		p++;
	}
	if (p == t || *t != '/')
		return fail(err, 400, "malformed_request",
			    "The request target must be a path starting with '/'.");
	if (p >= eol)
		return fail(err, 400, "malformed_request", "The request line has no HTTP version.");
	req->target = (pw_str_t){t, (size_t)(p - t)};
	const char *q = memchr(t, '?', req->target.n);
	if (q) {
		req->path = (pw_str_t){t, (size_t)(q - t)};
		req->query = (pw_str_t){q + 1, (size_t)(p - q - 1)};
	} else {
		req->path = req->target;
		req->query = (pw_str_t){p, 0};
	}
	p++;
	pw_str_t ver = {p, (size_t)(eol - p)};
	if (http_str_eq(ver, "HTTP/1.1"))
		req->minor = 1;
	else if (http_str_eq(ver, "HTTP/1.0"))
		req->minor = 0;
	else if (ver.n == 8 && !memcmp(p, "HTTP/", 5) && p[5] >= '0' && p[5] <= '9' &&
		 p[6] == '.' && p[7] >= '0' && p[7] <= '9')
		return fail(err, 505, "http_version_not_supported",
			    "Only HTTP/1.1 and HTTP/1.0 are supported.");
	else
		return fail(err, 400, "malformed_request", "The request line has a malformed HTTP version.");
	return 0;
}

int http_parse(const char *buf, size_t len, pw_http_request_t *req, size_t *consumed,
	       pw_http_scan_t *scan, pw_http_error_t *err)
{
	memset(req, 0, offsetof(pw_http_request_t, headers));
	*consumed = 0;

	/* Empty lines before a request are tolerated (RFC 9112 §2.2), within
	 * the head limit, so a client's stray CRLF after a body does no harm. */
	size_t start = 0;
	while (start + 1 < len && buf[start] == '\r' && buf[start + 1] == '\n') {
		start += 2;
		if (start > HTTP_MAX_HEAD)
			return fail(err, 431, "headers_too_large", "Too many empty lines before the request.");
	}
	req->skipped = start;

	long end = find_head_end(buf, len, start, scan, err);
	if (end < 0)
		return HTTP_PARSE_ERROR;
	if (end == 0)
		return HTTP_PARSE_INCOMPLETE;

	const char *p = buf + start;
	const char *head_end = buf + end;
	const char *eol = memchr(p, '\r', (size_t)(head_end - p));
	if (parse_request_line(p, eol, req, err) < 0)
		return HTTP_PARSE_ERROR;

	bool close = false, keep = false, have_cl = false, have_te = false;
	int hosts = 0;
	size_t cl = 0;
	p = eol + 2;
	while (p < head_end - 2) {
		eol = memchr(p, '\r', (size_t)(head_end - p));
		if (*p == ' ' || *p == '\t')
			return fail(err, 400, "malformed_request",
				    "Folded header lines (starting with whitespace) are not accepted.");
		const char *n = p;
		while (p < eol && is_tchar((unsigned char)*p))
			p++;
		if (p == n || p >= eol || *p != ':')
			return fail(err, 400, "malformed_request",
				    "A header line has no valid name followed directly by ':'.");
		pw_str_t name = {n, (size_t)(p - n)};
		p++;
		while (p < eol && (*p == ' ' || *p == '\t'))
			p++;
		const char *ve = eol;
		while (ve > p && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		pw_str_t value = {p, (size_t)(ve - p)};
		if (req->n_headers == HTTP_MAX_HEADERS)
			return fail(err, 431, "headers_too_large", "The request has too many headers.");
		req->headers[req->n_headers++] = (pw_http_header_t){name, value};

		/* The headers the parser acts on, told apart by length first:
		 * most headers are none of them and cost one comparison. */
		int which = name.n == 14 && http_str_ieq(name, "content-length")      ? 1
			  : name.n == 17 && http_str_ieq(name, "transfer-encoding") ? 2
			  : name.n == 4 && http_str_ieq(name, "host")               ? 3
			  : name.n == 10 && http_str_ieq(name, "connection")        ? 4
			  : name.n == 6 && http_str_ieq(name, "expect")             ? 5
										    : 0;
		if (which == 1) {
			if (have_cl)
				return fail(err, 400, "malformed_request",
					    "The request has more than one Content-Length header.");
			have_cl = true;
			if (value.n == 0 || value.n > 18)
				return fail(err, 400, "malformed_request", "Content-Length is not a valid number.");
			for (size_t i = 0; i < value.n; i++) {
				if (value.p[i] < '0' || value.p[i] > '9')
					return fail(err, 400, "malformed_request",
						    "Content-Length is not a valid number.");
				cl = cl * 10 + (size_t)(value.p[i] - '0');
			}
		} else if (which == 2) {
			have_te = true;
		} else if (which == 3) {
			hosts++;
		} else if (which == 4) {
			connection_tokens(value, &close, &keep);
		} else if (which == 5) {
			if (!http_str_ieq(value, "100-continue"))
				return fail(err, 417, "expectation_failed",
					    "Only the expectation 100-continue is supported.");
			req->expect_continue = true;
		}
		p = eol + 2;
	}

	if (have_te && have_cl)
		return fail(err, 400, "malformed_request",
			    "The request has both Transfer-Encoding and Content-Length.");
	if (have_te)
		return fail(err, 411, "length_required",
			    "Send the body with Content-Length; Transfer-Encoding is not accepted.");
	if (hosts > 1 || (req->minor == 1 && hosts != 1))
		return fail(err, 400, "malformed_request", "An HTTP/1.1 request needs exactly one Host header.");
	if (cl > HTTP_MAX_BODY)
		return fail(err, 413, "body_too_large", "The request body exceeds 64 KB.");

	req->content_length = cl;
	req->keep_alive = req->minor == 1 && !close;
	(void)keep; /* HTTP/1.0 keep-alive is not offered: such a client gets one answer, then close. */
	req->head_len = (size_t)end;
	if (len - (size_t)end < cl)
		return HTTP_PARSE_INCOMPLETE;
	req->body = (pw_str_t){buf + end, cl};
	*consumed = (size_t)end + cl;
	return HTTP_PARSE_DONE;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long http_pct_decode(pw_str_t src, char *out, size_t cap, bool plus_is_space)
{
	size_t o = 0;
	for (size_t i = 0; i < src.n; i++) {
		char c = src.p[i];
		if (c == '%') {
			if (i + 2 >= src.n)
				return -1;
			int h = hexval(src.p[i + 1]), l = hexval(src.p[i + 2]);
			if (h < 0 || l < 0)
				return -1;
			c = (char)(h * 16 + l);
			if (c == '\0')
				return -1;
			i += 2;
		} else if (c == '+' && plus_is_space) {
			c = ' ';
		}
		if (o + 1 >= cap)
			return -1;
		out[o++] = c;
	}
	if (cap == 0)
		return -1;
	out[o] = '\0';
	return (long)o;
}

/* The part of s from *i to the next sep (or the end); *i moves past the
 * sep, so a loop `while (i <= s.n)` visits every part, empty ones too. */
static pw_str_t split_next(pw_str_t s, size_t *i, char sep)
{
	size_t start = *i;
	while (*i < s.n && s.p[*i] != sep)
		(*i)++;
	pw_str_t part = {s.p + start, *i - start};
	(*i)++;
	return part;
}

long http_query_param(pw_str_t query, const char *name, char *out, size_t cap)
{
	/* No query at all (a request built without one, as the page tests
	 * do) has no parameter; memchr on a NULL start is undefined. */
	if (!query.p)
		return -1;
	size_t nlen = strlen(name);
	size_t i = 0;
	while (i <= query.n) {
		pw_str_t pair = split_next(query, &i, '&');
		const char *eq = memchr(pair.p, '=', pair.n);
		size_t klen = eq ? (size_t)(eq - pair.p) : pair.n;
		if (klen == nlen && !memcmp(pair.p, name, nlen)) {
			pw_str_t v = eq ? (pw_str_t){eq + 1, pair.n - klen - 1} : (pw_str_t){pair.p, 0};
			long r = http_pct_decode(v, out, cap, true);
			return r < 0 ? -2 : r;
		}
	}
	return -1;
}

static pw_str_t trim(pw_str_t v)
{
	while (v.n && (v.p[0] == ' ' || v.p[0] == '\t')) {
		v.p++;
		v.n--;
	}
	while (v.n && (v.p[v.n - 1] == ' ' || v.p[v.n - 1] == '\t'))
		v.n--;
	return v;
}

bool http_media_type_is(pw_str_t value, const char *type)
{
	const char *semi = memchr(value.p, ';', value.n);
	pw_str_t mt = {value.p, semi ? (size_t)(semi - value.p) : value.n};
	return http_str_ieq(trim(mt), type);
}

/* True when s is a decimal number of 1..max_digits digits no larger than max. */
static bool decimal(pw_str_t s, size_t max_digits, unsigned long max)
{
	if (s.n == 0 || s.n > max_digits)
		return false;
	unsigned long v = 0;
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s.p[i] - '0');
	}
	return v <= max;
}

/* True when s is a dotted quad 127.a.b.c. */
static bool ipv4_loopback(pw_str_t s)
{
	int parts = 0;
	size_t i = 0;
	while (i <= s.n) {
		pw_str_t part = split_next(s, &i, '.');
		if (!decimal(part, 3, 255) || (parts == 0 && !http_str_eq(part, "127")))
			return false;
		parts++;
	}
	return parts == 4;
}

bool http_host_is_loopback(pw_str_t host)
{
	/* Nearly every request names one of these: answer without parsing. */
	static const struct {
		const char *p;
		size_t n;
	} common[] = {{"127.0.0.1", 9}, {"localhost", 9}};
	for (size_t i = 0; i < 2; i++) {
		if (host.n < common[i].n || strncasecmp(host.p, common[i].p, common[i].n))
			continue;
		if (host.n == common[i].n)
			return true;
		if (host.p[common[i].n] == ':')
			return decimal((pw_str_t){host.p + common[i].n + 1, host.n - common[i].n - 1}, 5, 65535);
	}
	host = trim(host);
	pw_str_t name = host;
	const char *colon;
	if (host.n && host.p[0] == '[') {
		const char *close = memchr(host.p, ']', host.n);
		if (!close)
			return false;
		name = (pw_str_t){host.p, (size_t)(close - host.p) + 1};
		colon = close + 1 < host.p + host.n ? close + 1 : NULL;
		if (colon && *colon != ':')
			return false;
	} else {
		colon = memchr(host.p, ':', host.n);
		if (colon)
			name.n = (size_t)(colon - host.p);
	}
	if (colon && !decimal((pw_str_t){colon + 1, (size_t)(host.p + host.n - colon - 1)}, 5, 65535))
		return false;
	return http_str_ieq(name, "localhost") || http_str_eq(name, "[::1]") || ipv4_loopback(name);
}

bool http_same_origin(pw_str_t url, pw_str_t host)
{
	url = trim(url);
	host = trim(host);
	size_t skip;
	if (url.n >= 7 && !strncasecmp(url.p, "http://", 7))
		skip = 7;
	else if (url.n >= 8 && !strncasecmp(url.p, "https://", 8))
		skip = 8;
	else
		return false;
	if (host.n == 0 || url.n - skip < host.n || strncasecmp(url.p + skip, host.p, host.n) != 0)
		return false;
	size_t rest = skip + host.n;
	return rest == url.n || url.p[rest] == '/' || url.p[rest] == '?' || url.p[rest] == '#';
}

const char *http_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 417: return "Expectation Failed";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}
