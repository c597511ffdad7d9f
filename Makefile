# Pinwheel Fates — build, test, run.
#
#   make            build build/pinwheel
#   make run        build and serve the demo league on 127.0.0.1:8080
#   make test       install test tools, build, run every test (plain, then ASan+UBSan)
#   make asan       the whole suite under AddressSanitizer
#   make ubsan      the whole suite under UndefinedBehaviorSanitizer
#   make bench      print the benchmarks' figures (never pass/fail)
#   make fuzz       long fuzz runs (see docs/FUZZING.md)
#   make clean
#
#   make layers     check the walls between the layers (part of make test)
#
# Sources are found by wildcard: a new .c file in one of the layer folders
# (core/sim, effects, core/league, server and its subfolders) joins the
# library, a new tests/*/test_*.c joins the test runner. docs/ARCHITECTURE.md
# says which folder a change belongs in.

.DEFAULT_GOAL := all

CC      ?= cc
BUILD   ?= build
SAN     ?=
PKGS    := lua5.4 sqlite3 libuv libcjson libcurl libcrypto libpq

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 $(WARN) -ffp-contract=off -D_GNU_SOURCE \
           -I. -MMD -MP
ifneq ($(SAN),)
CFLAGS  += -fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SAN)
endif

# Library flags come from pkg-config, captured once into $(BUILD)/config.mk.
# When pkg-config cannot find a library, vendor/install.sh installs it first.
ifeq ($(filter clean,$(MAKECMDGOALS)),)
-include $(BUILD)/config.mk
endif

$(BUILD)/config.mk: vendor/packages.txt vendor/install.sh
	@mkdir -p $(@D)
	@pkg-config --exists $(PKGS) 2>/dev/null || sh vendor/install.sh build
	@echo "PKG_CFLAGS := $$(pkg-config --cflags $(PKGS))" > $@.tmp
	@echo "PKG_LIBS := $$(pkg-config --libs $(PKGS)) -lm -lpthread" >> $@.tmp
	@mv $@.tmp $@

# The layers, lowest first; each may use only the ones above it.
SIM_SRC    := $(wildcard core/sim/*.c)
FX_SRC     := $(wildcard effects/*.c)
LEAGUE_SRC := $(wildcard core/league/*.c)
SERVER_SRC := $(filter-out server/cli/main.c,$(wildcard server/*.c server/*/*.c))
SIM_OBJ    := $(SIM_SRC:%.c=$(BUILD)/obj/%.o)
FX_OBJ     := $(FX_SRC:%.c=$(BUILD)/obj/%.o)
LEAGUE_OBJ := $(LEAGUE_SRC:%.c=$(BUILD)/obj/%.o)
LIB_SRC  := $(SIM_SRC) $(FX_SRC) $(LEAGUE_SRC) $(SERVER_SRC)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
TEST_SRC := tests/runner.c $(wildcard tests/unit/*.c tests/integration/*.c tests/e2e/*.c)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/obj/%.o)

.PHONY: all run test test-run layers asan ubsan bench fuzz fuzz-short fuzz-short-effects clean
all: $(BUILD)/pinwheel

$(BUILD)/obj/%.o: %.c $(BUILD)/config.mk
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c $< -o $@

$(BUILD)/libpinwheel.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/pinwheel: $(BUILD)/obj/server/cli/main.o $(BUILD)/libpinwheel.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The tests link what the program links (libcurl is also the end-to-end
# tests' HTTP client); the test group of vendor/packages.txt holds tools only.
$(BUILD)/pinwheel-tests: $(TEST_OBJ) $(BUILD)/libpinwheel.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The walls between the layers, checked rather than hoped for. Each layer's
# objects, with those of the layers below, must link into a program with
# only the libraries that layer may use: core/sim with cJSON and libm,
# effects/ adds Lua, core/league adds SQLite, libpq (its store_pg* files)
# and threads (never libuv or libcurl: only server/, where server/ai/ makes
# the AI calls, links them). tests/layers.sh checks every #include the same
# way (a header that is included but not yet called fails too) and that no
# two files in the tree share a name.
LAYER_LUA := $$(pkg-config --libs lua5.4)
layers: $(SIM_OBJ) $(FX_OBJ) $(LEAGUE_OBJ)
	@sh tests/layers.sh
	@mkdir -p $(BUILD)/layers
	@printf 'int main(void) { return 0; }\n' > $(BUILD)/layers/main.c
	@$(CC) $(LDFLAGS) -o $(BUILD)/layers/sim $(BUILD)/layers/main.c $(SIM_OBJ) -lcjson -lm \
	  || { echo "layers: core/sim needs more than cJSON and libm (see above)"; exit 1; }
	@$(CC) $(LDFLAGS) -o $(BUILD)/layers/effects $(BUILD)/layers/main.c $(SIM_OBJ) $(FX_OBJ) \
	  $(LAYER_LUA) -lcjson -lm \
	  || { echo "layers: effects/ needs more than core/sim, Lua, cJSON and libm (see above)"; exit 1; }
	@$(CC) $(LDFLAGS) -o $(BUILD)/layers/league $(BUILD)/layers/main.c $(SIM_OBJ) $(FX_OBJ) \
	  $(LEAGUE_OBJ) $(LAYER_LUA) -lsqlite3 $$(pkg-config --libs libpq) -lcjson -lm -lpthread \
	  || { echo "layers: core/league needs more than effects, SQLite, libpq, cJSON, libm and threads"; exit 1; }
	@echo "layers: ok (core/sim < effects < core/league < server)"

# The demo pace (docs/OPERATIONS.md): the first round 10 s after start,
# then one every 3 minutes, each replayed over 2 minutes — alive at once
# for whoever runs it. A PINWHEEL_PRESENTATION_PACE of your own wins; a
# deployment (Dockerfile, fly.toml) keeps the documented default.
run: $(BUILD)/pinwheel
	PINWHEEL_PRESENTATION_PACE=$${PINWHEEL_PRESENTATION_PACE:-demo} $(BUILD)/pinwheel serve

# The runner prints "N passed, N failed"; tests/run.sh adds the suites up so
# the last line of `make test` is the total.
test-run: $(BUILD)/pinwheel $(BUILD)/pinwheel-tests
	PW_BIN=$(BUILD)/pinwheel $(BUILD)/pinwheel-tests $(T)

test:
	@sh vendor/install.sh test
	@sh tests/run.sh

asan:
	$(MAKE) BUILD=build/asan SAN=address CC=$(CC) test-run

ubsan:
	$(MAKE) BUILD=build/ubsan SAN=undefined CC=$(CC) test-run

# The cost of the effects benchmark's calls in stock Lua alone (see the file).
$(BUILD)/lua_floor: tests/bench/lua_floor.c $(BUILD)/config.mk
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(PKG_LIBS)

bench: $(BUILD)/pinwheel $(BUILD)/lua_floor
	sh tests/bench/bench.sh $(BUILD)/pinwheel

clean:
	rm -rf build

# ---- PostgreSQL (issue 16; docs/POSTGRES.md) ---------------------------
# libpq is one of the program's libraries (PKGS); the PostgreSQL server is
# only for the tests, whose helper tests/pgtest.c starts one.
PG_TEST_OBJ := $(BUILD)/obj/tests/pgtest.o $(BUILD)/obj/tests/dbtest.o
$(BUILD)/pinwheel-tests: $(PG_TEST_OBJ)
-include $(PG_TEST_OBJ:.o=.d)

-include $(LIB_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(BUILD)/obj/server/cli/main.d

# ---- fuzzing (clang + libFuzzer; see docs/FUZZING.md) -----------------
FUZZ_CC    ?= clang
FUZZ_TIME  ?= 600
FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -I. -g -O1 -fsanitize=fuzzer,address,undefined \
              -fno-sanitize-recover=all

build/fuzz/http_parser: tests/fuzz/fuzz_http_parser.c server/http/http_parser.c server/http/http_parser.h
	@mkdir -p build/fuzz/corpus-http
	$(FUZZ_CC) $(FUZZ_FLAGS) tests/fuzz/fuzz_http_parser.c server/http/http_parser.c -o $@

# Effect loading: the script loader, the sandbox and a short game, so the
# two layers a script reaches (effects/ and core/sim).
FUZZ_FX_SRC := tests/fuzz/fuzz_effect_load.c $(FX_SRC) $(SIM_SRC)
build/fuzz/effect_load: $(FUZZ_FX_SRC) $(wildcard effects/*.h core/sim/*.h) $(BUILD)/config.mk
	@mkdir -p build/fuzz/corpus-effects
	$(FUZZ_CC) $(FUZZ_FLAGS) $(PKG_CFLAGS) $(FUZZ_FX_SRC) $(PKG_LIBS) -o $@

# The long run (FUZZ_TIME seconds per target) grows build/fuzz/corpus-* from
# the seeds in tests/fuzz/corpus/*; fuzz-short* are the suite's quick passes.
fuzz: build/fuzz/http_parser build/fuzz/effect_load
	build/fuzz/http_parser -max_total_time=$(FUZZ_TIME) -max_len=70000 -timeout=10 \
	  -artifact_prefix=build/fuzz/ build/fuzz/corpus-http tests/fuzz/corpus/http
	build/fuzz/effect_load -max_total_time=$(FUZZ_TIME) -max_len=8192 -timeout=10 \
	  -rss_limit_mb=1024 -artifact_prefix=build/fuzz/ build/fuzz/corpus-effects \
	  tests/fuzz/corpus/effects

fuzz-short-effects: build/fuzz/effect_load
	build/fuzz/effect_load -max_total_time=$(FUZZ_TIME) -max_len=4096 -timeout=10 \
	  -rss_limit_mb=1024 -artifact_prefix=build/fuzz/ build/fuzz/corpus-effects \
	  tests/fuzz/corpus/effects

fuzz-short: build/fuzz/http_parser
	build/fuzz/http_parser -max_total_time=$(FUZZ_TIME) -max_len=20000 -timeout=10 \
	  -artifact_prefix=build/fuzz/ build/fuzz/corpus-http tests/fuzz/corpus/http
