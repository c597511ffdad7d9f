/*
 * test_deploy.c — there is no Docker engine here, so the deployment files
 * are checked by reading them: the image's build stage installs exactly the
 * build group of vendor/packages.txt (plus nothing unknown), the runtime
 * stage installs the runtime library of each -dev package and nothing else
 * but curl (its HEALTHCHECK runs it) and the CA certificates libcurl checks
 * the Messages API by, and every command the image and
 * fly.toml run exists in the CLI. The runtime stage also copies the static
 * pages and effect library to where its ENV points. packages.txt's groups
 * agree with what the Makefile links: the program's libraries are the
 * build group's, any extra one the test binary links is in the test
 * group, so a fresh machine installs what each needs and no more.
 */
#include "tests/test.h"

#include <stdio.h>
#include <stdlib.h>

#define slurp test_read_file

#define MAXP 64
struct pkgs {
	int n;
	char name[MAXP][64];
};

static bool has(const struct pkgs *p, const char *name)
{
	for (int i = 0; i < p->n; i++)
		if (!strcmp(p->name[i], name))
			return true;
	return false;
}

static void add(struct pkgs *p, const char *name)
{
	if (p->n < MAXP && !has(p, name))
		snprintf(p->name[p->n++], sizeof p->name[0], "%s", name);
}

/* The packages of one group ("build", "test") of packages.txt's text. */
static void group_of(const char *packages_txt, const char *group, struct pkgs *out)
{
	char *save = NULL;
	char *copy = strdup(packages_txt);
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[64], grp[32];
		if (line[0] == '#' || sscanf(line, "%63s %31s", name, grp) != 2)
			continue;
		if (!strcmp(grp, group))
			add(out, name);
	}
	free(copy);
}

/* The shared library each -dev package brings, in Debian bookworm. */
static const char *const runtime_of[][2] = {
	{"liblua5.4-dev", "liblua5.4-0"},  {"libsqlite3-dev", "libsqlite3-0"},
	{"libcurl4-openssl-dev", "libcurl4"}, {"libuv1-dev", "libuv1"},
	{"libcjson-dev", "libcjson1"}, {"libpq-dev", "libpq5"}, {"libssl-dev", "libssl3"},
};

/* The Debian -dev package of each pkg-config name the Makefile uses. */
static const char *const dev_of[][2] = {
	{"lua5.4", "liblua5.4-dev"}, {"sqlite3", "libsqlite3-dev"}, {"libuv", "libuv1-dev"},
	{"libcjson", "libcjson-dev"}, {"libcurl", "libcurl4-openssl-dev"}, {"libpq", "libpq-dev"},
	{"libcrypto", "libssl-dev"},
};

static const char *lookup(const char *const table[][2], size_t n, const char *key)
{
	for (size_t k = 0; k < n; k++)
		if (!strcmp(table[k][0], key))
			return table[k][1];
	return NULL;
}
#define LOOKUP(table, key) lookup(table, sizeof table / sizeof table[0], key)

/* Packages named after "apt-get install" in text[0..len), up to "&&". */
static void apt_packages(const char *text, size_t len, struct pkgs *out)
{
	const char *end = text + len;
	const char *p = text;
	while ((p = strstr(p, "apt-get install")) && p < end) {
		p += strlen("apt-get install");
		for (;;) {
			while (p < end && (*p == ' ' || *p == '\t' || *p == '\\' || *p == '\n'))
				p++;
			if (p >= end || !strncmp(p, "&&", 2))
				break;
			const char *s = p;
			while (p < end && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\\')
				p++;
			char tok[64];
			snprintf(tok, sizeof tok, "%.*s", (int)(p - s), s);
			if (tok[0] != '-')
				add(out, tok);
		}
	}
}

/* The destination of the first "COPY ... <src> <dest>" line in text whose
 * source is src (a whole word), into dest; false if there is none. */
static bool copy_dest(const char *text, const char *src, char *dest, size_t size)
{
	size_t sl = strlen(src);
	for (const char *line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		if (strncmp(line, "COPY ", 5) != 0)
			continue;
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		const char *hit = NULL;
		for (const char *p = line; (p = strstr(p, src)) && p + sl <= line + len; p++)
			if (p[-1] == ' ' && (p[sl] == ' ' || p[sl] == '\t')) {
				hit = p;
				break;
			}
		if (!hit)
			continue;
		const char *d = line + len;
		while (d > hit + sl && (d[-1] == ' ' || d[-1] == '\t' || d[-1] == '\r'))
			d--;
		const char *b = d;
		while (b > hit + sl && b[-1] != ' ' && b[-1] != '\t')
			b--;
		if (b == d)
			return false;
		snprintf(dest, size, "%.*s", (int)(d - b), b);
		return true;
	}
	return false;
}

/* text sets "name=value" as a whole word (an ENV line or its continuation). */
static bool sets_env(const char *text, const char *name, const char *value)
{
	char want[300];
	snprintf(want, sizeof want, "%s=%s", name, value);
	size_t wl = strlen(want);
	for (const char *p = text; (p = strstr(p, want)); p++)
		if ((p == text || p[-1] == ' ' || p[-1] == '\t') &&
		    (p[wl] == '\0' || p[wl] == ' ' || p[wl] == '\t' || p[wl] == '\n' || p[wl] == '\\'))
			return true;
	return false;
}

TEST(dockerfile_matches_packages_txt)
{
	char *docker = slurp("Dockerfile");
	char *pk = slurp("vendor/packages.txt");
	CHECK(docker && pk);
	if (!docker || !pk)
		return;
	struct pkgs want = {0};
	group_of(pk, "build", &want);
	CHECK(want.n >= 5);

	const char *runtime = strstr(docker, "AS runtime");
	CHECK(runtime != NULL);
	if (!runtime)
		return;
	struct pkgs build = {0}, run = {0};
	apt_packages(docker, (size_t)(runtime - docker), &build);
	apt_packages(runtime, strlen(runtime), &run);

	for (int i = 0; i < want.n; i++)
		CHECK_MSG(has(&build, want.name[i]), "build stage lacks %s", want.name[i]);
	for (int i = 0; i < build.n; i++)
		CHECK_MSG(has(&want, build.name[i]), "build stage installs %s, not in packages.txt", build.name[i]);

	struct pkgs libs = {0}; /* the runtime libraries the program needs */
	for (int i = 0; i < want.n; i++) {
		if (!strstr(want.name[i], "-dev"))
			continue;
		const char *lib = LOOKUP(runtime_of, want.name[i]);
		CHECK_MSG(lib != NULL, "no runtime library known for %s: add it to this test", want.name[i]);
		if (lib) {
			add(&libs, lib);
			CHECK_MSG(has(&run, lib), "runtime stage lacks %s (for %s)", lib, want.name[i]);
		}
	}
	/* Nothing else: no -dev package, no compiler, no library the program
	 * does not link, curl only for the HEALTHCHECK (checked below) and
	 * the CA certificates for libcurl's HTTPS (the AI layer). */
	CHECK_MSG(has(&libs, "libcurl4"), "the program links libcurl (server/ai/)");
	CHECK_MSG(has(&run, "ca-certificates"), "runtime stage lacks ca-certificates for libcurl's HTTPS");
	for (int i = 0; i < run.n; i++)
		CHECK_MSG(has(&libs, run.name[i]) || !strcmp(run.name[i], "curl") ||
			  !strcmp(run.name[i], "ca-certificates"),
			  "runtime stage installs %s, which the program does not need", run.name[i]);
	CHECK_CONTAINS(runtime, "USER pinwheel");
	CHECK_CONTAINS(runtime, "VOLUME [\"/data\"]");
	CHECK_CONTAINS(runtime, "HEALTHCHECK");
	CHECK_CONTAINS(runtime, "/health");
	/* The HEALTHCHECK runs curl inside the runtime image: it must be installed there. */
	const char *hc = strstr(runtime, "HEALTHCHECK");
	CHECK_MSG(hc && strstr(hc, "CMD curl "), "HEALTHCHECK does not run curl (update this test)");
	CHECK_MSG(has(&run, "curl"), "runtime stage lacks curl, which its HEALTHCHECK runs");
	/* The server reads its pages and the effect library from the image. */
	static const char *dirs[][2] = {
		{"/src/server/static", "PINWHEEL_STATIC_DIR"},
		{"/src/scripts/effects", "PINWHEEL_SCRIPTS_DIR"},
	};
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		char dest[256];
		bool copied = copy_dest(runtime, dirs[i][0], dest, sizeof dest);
		CHECK_MSG(copied, "runtime stage does not COPY %s", dirs[i][0]);
		if (copied)
			CHECK_MSG(sets_env(runtime, dirs[i][1], dest), "runtime stage copies %s to %s but lacks %s=%s",
				  dirs[i][0], dest, dirs[i][1], dest);
	}
	CHECK_CONTAINS(runtime, "CMD [\"pinwheel\", \"serve\", \"--host\", \"0.0.0.0\"]");
	free(docker);
	free(pk);
}

/* The words after "NAME :=" on the Makefile's line that defines NAME. */
static bool make_var(const char *mk, const char *name, char *out, size_t size)
{
	size_t nl = strlen(name);
	for (const char *line = mk; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		if (strncmp(line, name, nl) != 0)
			continue;
		const char *p = line + nl;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, ":=", 2) != 0)
			continue;
		p += 2;
		const char *eol = strchr(p, '\n');
		snprintf(out, size, "%.*s", (int)(eol ? eol - p : (long)strlen(p)), p);
		return true;
	}
	return false;
}

/* Every name after "pkg-config --libs " in text[0..len) into out. */
static void pkg_config_libs(const char *text, size_t len, struct pkgs *out)
{
	static const char key[] = "pkg-config --libs ";
	const char *end = text + len;
	for (const char *p = text; (p = strstr(p, key)) && p < end;) {
		p += sizeof key - 1;
		const char *s = p;
		while (p < end && *p != ' ' && *p != ')' && *p != '\n')
			p++;
		char tok[64];
		snprintf(tok, sizeof tok, "%.*s", (int)(p - s), s);
		add(out, tok);
	}
}

TEST(packages_txt_groups_match_what_the_makefile_links)
{
	char *mk = slurp("Makefile");
	char *pk = slurp("vendor/packages.txt");
	CHECK(mk && pk);
	if (!mk || !pk) {
		free(mk);
		free(pk);
		return;
	}
	struct pkgs build = {0}, test = {0}, linked = {0}, test_only = {0};
	group_of(pk, "build", &build);
	group_of(pk, "test", &test);

	/* The program's libraries (PKGS) are the build group's -dev packages,
	 * all of them: a library in the build group that nothing links would
	 * be installed into the image for nothing. */
	char vars[256];
	CHECK(make_var(mk, "PKGS", vars, sizeof vars));
	char *save = NULL;
	for (char *w = strtok_r(vars, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		const char *dev = LOOKUP(dev_of, w);
		CHECK_MSG(dev != NULL, "no -dev package known for pkg-config's %s: add it to this test", w);
		if (!dev)
			continue;
		add(&linked, dev);
		CHECK_MSG(has(&build, dev), "the program links %s but %s is not in the build group", w, dev);
	}
	for (int i = 0; i < build.n; i++)
		if (strstr(build.name[i], "-dev"))
			CHECK_MSG(has(&linked, build.name[i]),
				  "%s is in the build group but the program does not link it (PKGS)", build.name[i]);

	/* What the test binary adds is in the test group, which make test
	 * installs before it builds: every rule of it (the PostgreSQL block
	 * adds its own lines). */
	const char *rule = strstr(mk, "\n$(BUILD)/pinwheel-tests:");
	CHECK(rule != NULL);
	for (; rule; rule = strstr(rule + 1, "\n$(BUILD)/pinwheel-tests:")) {
		const char *end = strstr(rule + 1, "\n\n");
		pkg_config_libs(rule, end ? (size_t)(end - rule) : strlen(rule), &test_only);
	}
	/* The AI layer needs libcurl in the program itself. */
	CHECK_MSG(strstr(mk, "libcurl") != NULL, "the Makefile does not link libcurl");
	for (int i = 0; i < test_only.n; i++) {
		const char *dev = LOOKUP(dev_of, test_only.name[i]);
		CHECK_MSG(dev != NULL, "no -dev package known for pkg-config's %s", test_only.name[i]);
		if (dev)
			CHECK_MSG(has(&test, dev) || has(&build, dev),
				  "the test binary links %s but %s is in neither group",
				  test_only.name[i], dev);
	}
	free(mk);
	free(pk);
}

TEST(deploy_commands_exist_in_the_cli)
{
	char *out = NULL;
	CHECK_EQ(test_pinwheel(&out, false, "--help"), 0);
	CHECK_CONTAINS(out, "  serve ");
	CHECK_CONTAINS(out, "  migrate ");
	free(out);
	CHECK_EQ(test_pinwheel(&out, false, "serve --help"), 0);
	CHECK_CONTAINS(out, "--host");
	free(out);
	char *fly = slurp("fly.toml");
	CHECK(fly != NULL);
	if (fly) {
		CHECK_CONTAINS(fly, "release_command = \"pinwheel migrate\"");
		CHECK_CONTAINS(fly, "internal_port = 8080");
		CHECK_CONTAINS(fly, "destination = \"/data\"");
		CHECK_CONTAINS(fly, "path = \"/health\"");
		/* Secrets are documented, never set. */
		CHECK(strstr(fly, "PINWHEEL_ADMIN_TOKEN =") == NULL);
		CHECK(strstr(fly, "ANTHROPIC_API_KEY =") == NULL);
		free(fly);
	}
	char *compose = slurp("docker-compose.yml");
	CHECK(compose && strstr(compose, "pinwheel-data:/data"));
	free(compose);
	char *ign = slurp(".dockerignore");
	CHECK(ign && strstr(ign, "build/") && strstr(ign, "data/"));
	free(ign);
}
