/*
 * fake_api.c — the fake Messages API (see fake_api.h).
 */
#include "tests/e2e/fake_api.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FAKE_MAX_REQ 512
#define FAKE_MAX_CONN 256

struct fake_api {
	int lfd;
	int port;
	char url[64];
	fake_api_fn fn;
	void *ud;
	pthread_t acceptor;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stopping;
	int n_req;
	char *reqs[FAKE_MAX_REQ];
	pthread_t conns[FAKE_MAX_CONN];
	int n_conns;
};

typedef struct conn {
	fake_api_t *f;
	int fd;
} conn_t;

/* Waits ms, or less when the fake stops. */
static void nap(fake_api_t *f, int ms)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&f->mu);
	while (!f->stopping)
		if (pthread_cond_timedwait(&f->cv, &f->mu, &until) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&f->mu);
}

static void send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* Reads one request (headers, then Content-Length bytes). */
static char *read_request(int fd, size_t *hlen)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap + 1);
	long need = -1;
	while (buf) {
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, 10000) <= 0)
			break;
		if (len == cap) {
			char *nb = realloc(buf, cap * 2 + 1);
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		ssize_t r = recv(fd, buf + len, cap - len, 0);
		if (r <= 0)
			break;
		len += (size_t)r;
		buf[len] = 0;
		char *end = strstr(buf, "\r\n\r\n");
		if (end && need < 0) {
			*hlen = (size_t)(end - buf) + 4;
			const char *cl = strcasestr(buf, "\r\ncontent-length:");
			need = (long)*hlen + (cl && cl < end ? atol(cl + 17) : 0);
		}
		if (need >= 0 && (long)len >= need)
			return buf;
	}
	free(buf);
	return NULL;
}

static void *serve(void *ud)
{
	conn_t *c = ud;
	fake_api_t *f = c->f;
	size_t hlen = 0;
	char *raw = read_request(c->fd, &hlen);
	if (raw) {
		fake_req_t req = {0};
		req.headers = strndup(raw, hlen);
		req.body = strdup(raw + hlen);
		req.json = cJSON_Parse(req.body);
		const cJSON *tc = cJSON_GetObjectItem(req.json, "tool_choice");
		const cJSON *name = cJSON_GetObjectItem(tc, "name");
		req.tool = cJSON_IsString(name) ? name->valuestring : NULL;
		pthread_mutex_lock(&f->mu);
		req.n = ++f->n_req;
		if (f->n_req <= FAKE_MAX_REQ)
			f->reqs[f->n_req - 1] = strdup(raw);
		pthread_mutex_unlock(&f->mu);
		fake_reply_t rep = {.status = 200};
		f->fn(f->ud, &req, &rep);
		if (rep.delay_ms > 0)
			nap(f, rep.delay_ms);
		if (!rep.hang_up) {
			const char *body = rep.body ? rep.body : "";
			char head[512];
			int n = snprintf(head, sizeof head,
					 "HTTP/1.1 %d X\r\ncontent-type: application/json\r\n%scontent-length: %zu\r\n"
					 "connection: close\r\n\r\n",
					 rep.status, rep.headers, strlen(body));
			send_all(c->fd, head, (size_t)n);
			send_all(c->fd, body, strlen(body));
		}
		free(rep.body);
		cJSON_Delete(req.json);
		free(req.headers);
		free(req.body);
		free(raw);
	}
	close(c->fd);
	free(c);
	return NULL;
}

static void *acceptor(void *ud)
{
	fake_api_t *f = ud;
	for (;;) {
		struct pollfd p = {f->lfd, POLLIN, 0};
		int r = poll(&p, 1, 100);
		pthread_mutex_lock(&f->mu);
		bool stop = f->stopping;
		pthread_mutex_unlock(&f->mu);
		if (stop)
			break;
		if (r <= 0)
			continue;
		int fd = accept(f->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		conn_t *c = malloc(sizeof *c);
		c->f = f;
		c->fd = fd;
		pthread_mutex_lock(&f->mu);
		if (f->n_conns < FAKE_MAX_CONN &&
		    pthread_create(&f->conns[f->n_conns], NULL, serve, c) == 0) {
			f->n_conns++;
		} else {
			close(fd);
			free(c);
		}
		pthread_mutex_unlock(&f->mu);
	}
	return NULL;
}

fake_api_t *fake_api_start(fake_api_fn fn, void *ud)
{
	fake_api_t *f = calloc(1, sizeof *f);
	f->fn = fn;
	f->ud = ud;
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	f->lfd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(f->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof a;
	if (bind(f->lfd, (struct sockaddr *)&a, sizeof a) < 0 || listen(f->lfd, 128) < 0 ||
	    getsockname(f->lfd, (struct sockaddr *)&a, &al) < 0) {
		close(f->lfd);
		free(f);
		return NULL;
	}
	f->port = ntohs(a.sin_port);
	snprintf(f->url, sizeof f->url, "http://127.0.0.1:%d", f->port);
	pthread_create(&f->acceptor, NULL, acceptor, f);
	return f;
}

void fake_api_stop(fake_api_t *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->mu);
	f->stopping = true;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	pthread_join(f->acceptor, NULL);
	/* Closed at once: a client connecting from now on is refused rather
	 * than left waiting in the listen backlog. */
	close(f->lfd);
	for (int i = 0; i < f->n_conns; i++)
		pthread_join(f->conns[i], NULL);
	for (int i = 0; i < f->n_req && i < FAKE_MAX_REQ; i++)
		free(f->reqs[i]);
	pthread_mutex_destroy(&f->mu);
	pthread_cond_destroy(&f->cv);
	free(f);
}

const char *fake_api_url(const fake_api_t *f)
{
	return f->url;
}

int fake_api_count(fake_api_t *f)
{
	pthread_mutex_lock(&f->mu);
	int n = f->n_req;
	pthread_mutex_unlock(&f->mu);
	return n;
}

char *fake_api_request_text(fake_api_t *f, int i)
{
	pthread_mutex_lock(&f->mu);
	char *s = i >= 0 && i < f->n_req && i < FAKE_MAX_REQ && f->reqs[i] ? strdup(f->reqs[i]) : NULL;
	pthread_mutex_unlock(&f->mu);
	return s;
}

static char *message(cJSON *block, int in_tok, int out_tok)
{
	cJSON *m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "id", "msg_fake");
	cJSON_AddStringToObject(m, "type", "message");
	cJSON_AddStringToObject(m, "role", "assistant");
	cJSON_AddStringToObject(m, "model", "claude-fake");
	cJSON *content = cJSON_AddArrayToObject(m, "content");
	cJSON_AddItemToArray(content, block);
	cJSON_AddStringToObject(m, "stop_reason", "tool_use");
	cJSON *u = cJSON_AddObjectToObject(m, "usage");
	cJSON_AddNumberToObject(u, "input_tokens", in_tok);
	cJSON_AddNumberToObject(u, "output_tokens", out_tok);
	cJSON_AddNumberToObject(u, "cache_read_input_tokens", 0);
	char *s = cJSON_PrintUnformatted(m);
	cJSON_Delete(m);
	return s;
}

char *fake_api_tool_answer(const char *name, const char *input_json, int in_tok, int out_tok)
{
	cJSON *b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "type", "tool_use");
	cJSON_AddStringToObject(b, "id", "toolu_fake");
	cJSON_AddStringToObject(b, "name", name);
	cJSON *in = cJSON_Parse(input_json);
	cJSON_AddItemToObject(b, "input", in ? in : cJSON_CreateString(input_json));
	return message(b, in_tok, out_tok);
}

char *fake_api_text_answer(const char *text, int in_tok, int out_tok)
{
	cJSON *b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "type", "text");
	cJSON_AddStringToObject(b, "text", text);
	return message(b, in_tok, out_tok);
}

char *fake_api_error(const char *type, const char *msg)
{
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "type", "error");
	cJSON *in = cJSON_AddObjectToObject(e, "error");
	cJSON_AddStringToObject(in, "type", type);
	cJSON_AddStringToObject(in, "message", msg);
	char *s = cJSON_PrintUnformatted(e);
	cJSON_Delete(e);
	return s;
}

void fake_api_tools(void *ud, const fake_req_t *req, fake_reply_t *rep)
{
	fake_tools_t *t = ud;
	rep->delay_ms = t->delay_ms;
	const char *tool = req->tool ? req->tool : "";
	if (!strcmp(tool, "classify_proposal")) {
		__atomic_fetch_add(&t->calls[0], 1, __ATOMIC_SEQ_CST);
		rep->body = fake_api_tool_answer(tool, t->classify ? t->classify :
					"{\"injection\":false,\"confidence\":0.9,\"reason\":\"a rule change\"}", 300, 20);
	} else if (!strcmp(tool, "interpret_proposal")) {
		int n = __atomic_fetch_add(&t->calls[1], 1, __ATOMIC_SEQ_CST);
		if (t->interp_status && t->interp_status != 200) {
			rep->status = t->interp_status;
			rep->body = fake_api_error("api_error", "the fake interpreter is down");
			return;
		}
		while (n > 0 && (n > 3 || !t->interpret[n]))
			n--;
		rep->body = fake_api_tool_answer(tool, t->interpret[n] ? t->interpret[n] : "{}", 2500, 400);
	} else if (!strcmp(tool, "review_effect")) {
		__atomic_fetch_add(&t->calls[2], 1, __ATOMIC_SEQ_CST);
		rep->body = fake_api_tool_answer(tool, t->review ? t->review :
					"{\"matches\":true,\"only_that\":true,\"concerns\":\"none\"}", 900, 60);
	} else if (!req->tool && t->text) {
		rep->body = fake_api_text_answer(t->text, 700, 120);
	} else if (!strcmp(tool, "set_strategy") && t->strategy) {
		rep->body = fake_api_tool_answer(tool, t->strategy, 400, 60);
	} else {
		rep->status = 400;
		rep->body = fake_api_error("invalid_request_error", "unknown tool");
	}
}
