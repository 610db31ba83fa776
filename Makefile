# Follow-up Gateway — one hand-written Makefile (STYLE.md habit 12).
#   make            build followupd and followupctl
#   make unit       cmocka unit tests under ASan + UBSan (no I/O)
#   make check      every test: unit, then integration against a throwaway PostgreSQL
#   make run        private PostgreSQL under var/, migrations, demo data, followupd in the foreground
#   make install    PREFIX=/usr/local DESTDIR=

PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
SBINDIR  ?= $(PREFIX)/sbin
DATADIR  ?= $(PREFIX)/share/followup
MANDIR   ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc/followup
UNITDIR  ?= /lib/systemd/system

CC       ?= cc
PKGS     := libevent libpq libcurl jansson inih libcrypto
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null)

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
CFLAGS   ?= -O2 -g
BASEFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -Igateway -Ihandlers -MMD -MP \
	-DFOLLOWUP_DATADIR='"$(DATADIR)"'
SANFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# B: build directory; BIN: where followupd and followupctl go (tests find them via FOLLOWUP_BIN).
B   ?= build
BIN ?= .
CORE_SRC := $(filter-out gateway/main.c,$(wildcard gateway/*.c)) $(wildcard handlers/*.c)
CTL_SRC  := $(wildcard tools/*.c)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
INTEG_SRC := $(wildcard tests/integration/test_*.c)
HARNESS_SRC := $(wildcard tests/integration/th_*.c)

CORE_OBJ := $(CORE_SRC:%.c=$(B)/rel/%.o)
CORE_SAN := $(CORE_SRC:%.c=$(B)/san/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/unit/%)
INTEG_BIN := $(INTEG_SRC:tests/integration/%.c=$(B)/integration/%)

all: $(BIN)/followupd $(BIN)/followupctl

deps:
	@./scripts/deps.sh

$(BIN)/followupd: $(B)/rel/gateway/main.o $(B)/libcore.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(BIN)/followupctl: $(CTL_SRC:%.c=$(B)/rel/%.o) $(B)/libcore.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(B)/libcore.a: $(CORE_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(B)/libcore_san.a: $(CORE_SAN)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(B)/rel/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) $(PKG_CFLAGS) -Itools -c -o $@ $<

$(B)/san/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(SANFLAGS) $(PKG_CFLAGS) -Itools -c -o $@ $<

$(B)/unit/%: $(B)/san/tests/unit/%.o $(B)/libcore_san.a
	@mkdir -p $(@D)
	$(CC) $(SANFLAGS) -o $@ $^ $(PKG_LIBS) $(CMOCKA_LIBS) -lm

$(B)/integration/%: $(B)/rel/tests/integration/%.o $(HARNESS_SRC:%.c=$(B)/rel/%.o) $(B)/libcore.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS) $(CMOCKA_LIBS) -lm

# T=name runs one test binary only: make integration T=test_data
pick = $(if $(T),$(filter %/$(T),$(1)),$(1))

unit: deps $(UNIT_BIN)
	@./scripts/run-tests.sh unit $(call pick,$(UNIT_BIN))

integration: deps all $(INTEG_BIN)
	@FOLLOWUP_BIN=$(BIN) ./scripts/run-tests.sh integration $(call pick,$(INTEG_BIN))

check: deps
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) integration
	$(MAKE) fuzz FUZZ_SECONDS=30

# libFuzzer targets (tests/fuzz/fuzz_*.c), built with clang; FUZZ_SECONDS each.
FUZZ_SECONDS ?= 60
fuzz: deps
	@./scripts/fuzz.sh $(FUZZ_SECONDS)

# The unit tests and a short integration run under valgrind's memcheck.
valgrind: deps all
	@./scripts/valgrind.sh

# Benchmarks against baselines measured in the same run (not part of check).
bench: deps all
	@./bench/run.sh

run: deps all
	./scripts/run.sh

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/migrations \
		$(DESTDIR)$(DATADIR)/messages $(DESTDIR)$(SYSCONFDIR) $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 755 $(BIN)/followupd $(DESTDIR)$(SBINDIR)/followupd
	install -m 755 $(BIN)/followupctl $(DESTDIR)$(BINDIR)/followupctl
	install -m 644 sql/migrations/*.sql $(DESTDIR)$(DATADIR)/migrations/
	install -m 644 config/messages/*.ini $(DESTDIR)$(DATADIR)/messages/
	install -m 644 config/followupd.conf.example $(DESTDIR)$(DATADIR)/followupd.conf.example
	test -e $(DESTDIR)$(SYSCONFDIR)/followupd.conf || \
		install -m 640 config/followupd.conf.example $(DESTDIR)$(SYSCONFDIR)/followupd.conf
	sed 's|/usr/local/sbin|$(SBINDIR)|g; s|/etc/followup|$(SYSCONFDIR)|g' \
		systemd/followupd.service > $(DESTDIR)$(UNITDIR)/followupd.service
	chmod 644 $(DESTDIR)$(UNITDIR)/followupd.service
	install -d -m 700 $(DESTDIR)$(SYSCONFDIR)/credentials
	install -m 644 man/followupctl.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 man/followupd.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 man/followupd.8 $(DESTDIR)$(MANDIR)/man8/

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/followupd $(DESTDIR)$(BINDIR)/followupctl \
		$(DESTDIR)$(UNITDIR)/followupd.service $(DESTDIR)$(MANDIR)/man1/followupctl.1 \
		$(DESTDIR)$(MANDIR)/man5/followupd.conf.5 $(DESTDIR)$(MANDIR)/man8/followupd.8
	rm -rf $(DESTDIR)$(DATADIR)

format:
	clang-format -i gateway/*.[ch] handlers/*.[ch] tools/*.[ch] tests/*/*.[ch]

clean:
	rm -rf $(B) followupd followupctl

.PHONY: all deps unit integration check fuzz valgrind bench run install uninstall format clean
.SECONDARY:

-include $(shell find $(B) -name '*.d' 2>/dev/null)
