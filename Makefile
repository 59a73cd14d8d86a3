# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# make            build ./waitwatch
# make run        start `waitwatch top` on this host (root)
# make test       unit tests, fuzzers, end-to-end tests on the real kernel (root),
#                 then a short pass under ASan+UBSan (sanitize-quick)
# make check      unit tests only (no root, no BPF)
# make deps       install every Debian package the build and tests need
# make vmlinux    regenerate vmlinux/<arch>/vmlinux.h from this kernel's BTF
# make static     a statically linked ./waitwatch-static to copy to any host
# make image      an OCI image of it (FROM scratch) with buildah: IMAGE (localhost/waitwatch:VERSION)
# make rules-check  promtool on docs/alerts.yml and docs/rules.yml, and their unit tests
# make install    PREFIX (/usr/local) and DESTDIR: binary, man page, unit, dashboard, rules
# make test-kernels  the end-to-end checks inside Debian's 6.1 kernel under qemu
# V=1             show the full commands

OUTPUT ?= .output
CLANG ?= clang
BPFTOOL ?= bpftool
PKG_CONFIG ?= pkg-config
CC ?= cc
CFLAGS ?= -O2 -g
VERSION := 0.1.0
GIT_REV := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)

ARCH ?= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
# the architectures vmlinux/ has a header for (make vmlinux adds this host's)
ARCHES := $(patsubst vmlinux/%/vmlinux.h,%,$(wildcard vmlinux/*/vmlinux.h))
ifeq ($(filter $(ARCH),$(ARCHES))$(filter vmlinux,$(MAKECMDGOALS)),)
$(error unsupported ARCH '$(ARCH)': vmlinux/ holds $(ARCHES) only (make vmlinux makes this host's))
endif
VMLINUX := vmlinux/$(ARCH)/vmlinux.h

ifeq ($(V),1)
	Q =
	msg =
else
	Q = @
	msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# The packages the build and every test need, from Debian 12.
DEB_PACKAGES := make gcc clang llvm pkg-config bpftool libbpf-dev libelf-dev zlib1g-dev \
	libcmocka-dev libmicrohttpd-dev iproute2 jq procps prometheus curl libxml2-utils valgrind \
	libgnutls28-dev nettle-dev libgmp-dev libtasn1-6-dev libidn2-dev libunistring-dev \
	libcap-dev libseccomp-dev \
	libyaml-dev libcrypt-dev openssl apache2-utils libjansson-dev graphviz \
	qemu-system-x86 busybox-static cpio \
	buildah podman runc python3-yaml \
	libwslay-dev xxd chromium python3-websockets python3-jsonschema

WARNINGS := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter
USER_CFLAGS := $(CFLAGS) $(WARNINGS) -std=gnu11 -D_GNU_SOURCE -DWW_VERSION='"$(VERSION)"' -MMD -MP
# libyaml: the web configuration file (core/webconfig.c); GnuTLS: serve's TLS,
# through libmicrohttpd, and the checks of its certificates; libcrypt: bcrypt.
CORE_LIBS := -lyaml -lz -lm
LIBS = $(shell $(PKG_CONFIG) --libs libbpf 2>/dev/null || echo -lbpf) -lelf -lz \
	$(shell $(PKG_CONFIG) --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd) \
	$(shell $(PKG_CONFIG) --libs libcap 2>/dev/null || echo -lcap) \
	$(shell $(PKG_CONFIG) --libs libseccomp 2>/dev/null || echo -lseccomp) \
	-lgnutls -lcrypt -lwslay -lyaml -ljansson -lpthread -lm

# clang -target bpf does not see the system's multiarch include paths.
CLANG_BPF_SYS_INCLUDES ?= $(shell $(CLANG) -v -E - </dev/null 2>&1 \
	| sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')

# The layers of src/, lowest first (docs/architecture.md). Each compiles
# with its own and the lower layers' include directories only, so that an
# upward include is a compile error. The unit tests link the layers'
# archives without libbpf or libmicrohttpd: a pure part that came to need
# them would not link.
LAYERS := core output host cli
INC_core := -Ibpf -Isrc/core
INC_output := $(INC_core) -Isrc/output
INC_host := $(INC_output) -Isrc/host -I$(OUTPUT)
INC_cli := $(INC_host) -Isrc/cli
# option rows (cli/options.h) name only the fields they use
CFLAGS_cli := -Wno-missing-field-initializers
INC_ALL := $(INC_cli)
layer_srcs = $(wildcard src/$(1)/*.c)
layer_objs = $(patsubst src/%.c,$(OUTPUT)/%.o,$(call layer_srcs,$(1)))
LAYER_LIBS := $(foreach l,cli host output core,$(OUTPUT)/libww-$(l).a)
ALL_OBJS := $(foreach l,$(LAYERS),$(call layer_objs,$(l)))
UNIT_TESTS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(wildcard tests/unit/test_*.c))
TOOLS := $(patsubst tests/tools/%.c,$(OUTPUT)/tools/%,$(wildcard tests/tools/*.c)) \
	$(patsubst bench/%.c,$(OUTPUT)/tools/%,$(wildcard bench/*.c))
# Benchmarks of the pure core (bench/*_bench.c) link it.
CORE_BENCHES := $(patsubst bench/%.c,$(OUTPUT)/tools/%,$(wildcard bench/*_bench.c))
DEPS_STAMP := $(OUTPUT)/.deps-ok
# libFuzzer targets: clang instruments the whole core with them.
FUZZERS := $(patsubst tests/fuzz/%.c,$(OUTPUT)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 600
# per fuzzer, as many at once as there are CPUs (tests/fuzz/smoke.sh)
FUZZ_SMOKE_SECONDS ?= 15
NPROC := $(shell nproc)

.PHONY: all run test check e2e deps vmlinux clean tools bench fuzz fuzz-smoke static install FORCE \
	uninstall test-kernels image rules-check deploy-check test-build
.DELETE_ON_ERROR:
.SECONDARY:

all: waitwatch

# Build prerequisites are checked once; anything missing is installed.
$(DEPS_STAMP):
	$(Q)mkdir -p $(OUTPUT)
	$(Q)missing=$$(for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "  DEPS     installing:" $$missing; \
		$(MAKE) --no-print-directory deps || exit 1; \
	fi
	$(Q)touch $@

deps:
	@if [ "$$(id -u)" != 0 ]; then echo "make deps: run as root (apt-get install)" >&2; exit 1; fi
	DEBIAN_FRONTEND=noninteractive apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(DEB_PACKAGES)

$(OUTPUT) $(OUTPUT)/tests $(OUTPUT)/tools $(foreach l,$(LAYERS),$(OUTPUT)/$(l)):
	$(Q)mkdir -p $@

$(OUTPUT)/waitwatch.bpf.o: bpf/waitwatch.bpf.c bpf/waitwatch.h $(VMLINUX) $(DEPS_STAMP) | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Ibpf -Ivmlinux/$(ARCH) \
		$(CLANG_BPF_SYS_INCLUDES) -Wall -Werror -c $< -o $@.tmp
	$(Q)$(BPFTOOL) gen object $@ $@.tmp
	$(Q)rm -f $@.tmp

$(OUTPUT)/waitwatch.skel.h: $(OUTPUT)/waitwatch.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name waitwatch_bpf > $@

# The git revision, rewritten only when it changes, so that --version follows it.
$(OUTPUT)/version.h: FORCE | $(OUTPUT)
	$(Q)echo '#define WW_GIT_REV "$(GIT_REV)"' > $@.tmp
	$(Q)cmp -s $@.tmp $@ || mv $@.tmp $@
	$(Q)rm -f $@.tmp

# main.c and cmd_serve.c include it; -MMD then tracks it like any header.
$(call layer_objs,cli): | $(OUTPUT)/version.h

# The live page, embedded in the binary: it loads nothing from elsewhere.
$(OUTPUT)/web_page.h: src/web/page.html | $(OUTPUT)
	$(call msg,GEN,$@)
	$(Q){ echo 'static const unsigned char web_page[] = {'; xxd -i <$<; echo '};'; \
		echo 'static const size_t web_page_len = sizeof(web_page);'; } >$@.tmp && mv $@.tmp $@
$(OUTPUT)/host/http.o: $(OUTPUT)/web_page.h

# Only the loader sees the skeleton; make sure it exists before compiling it.
$(OUTPUT)/host/loader.o: $(OUTPUT)/waitwatch.skel.h

define layer_rules
$(OUTPUT)/$(1)/%.o: src/$(1)/%.c $(DEPS_STAMP) | $(OUTPUT)/$(1)
	$$(call msg,CC,$$@)
	$$(Q)$$(CC) $$(USER_CFLAGS) $$(CFLAGS_$(1)) $$(INC_$(1)) -c $$< -o $$@

$(OUTPUT)/libww-$(1).a: $(call layer_objs,$(1))
	$$(call msg,AR,$$@)
	$$(Q)rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach l,$(LAYERS),$(eval $(call layer_rules,$(l))))

waitwatch: $(ALL_OBJS)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LIBS) -o $@

# ---- a static binary, and installing -------------------------------------

# Debian's static libmicrohttpd brings GnuTLS, whose PKCS#11 part needs
# p11-kit, which has no static library: see src/static/p11_kit_unavailable.c.
# Nor is there a static libwslay: the static binary serves no WebSocket, and
# its live page polls (src/static/wslay_unavailable.c).
STATIC_LIBS := -lbpf -lelf -lz -lmicrohttpd -lgnutls -lhogweed -lnettle -lgmp -ltasn1 -lidn2 \
	-lunistring -lcap -lseccomp -lcrypt -lyaml -ljansson -lpthread -lm
STATIC_STUBS := $(OUTPUT)/static/p11_kit_unavailable.o $(OUTPUT)/static/wslay_unavailable.o

$(OUTPUT)/static/%.o: src/static/%.c $(DEPS_STAMP)
	$(Q)mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Wall -Wextra -Werror -c $< -o $@

waitwatch-static: $(ALL_OBJS) $(STATIC_STUBS)
	$(call msg,STATIC,$@)
	$(Q)$(CC) -static $(CFLAGS) $^ $(STATIC_LIBS) -o $@ 2>$(OUTPUT)/static/link.log || \
		{ cat $(OUTPUT)/static/link.log; exit 1; }
	$(Q)strip $@

static: waitwatch-static

# ---- the OCI image --------------------------------------------------------

# The static binary on nothing (docs/deploy/Containerfile), labelled with the
# version and revision. Its context is a folder of its own: the binary, and
# the passwd and group files that name nobody for serve's --user.
IMAGE_REPO ?= localhost/waitwatch
IMAGE ?= $(IMAGE_REPO):$(VERSION)
IMAGE_CTX := $(OUTPUT)/image

image: waitwatch-static docs/deploy/Containerfile
	$(call msg,IMAGE,$(IMAGE))
	$(Q)rm -rf $(IMAGE_CTX) && mkdir -p $(IMAGE_CTX)/etc
	$(Q)cp waitwatch-static $(IMAGE_CTX)/waitwatch
	$(Q)printf 'root:x:0:0:root:/:/nonexistent\nnobody:x:65534:65534:nobody:/nonexistent:/nonexistent\n' \
		>$(IMAGE_CTX)/etc/passwd
	$(Q)printf 'root:x:0:\nnogroup:x:65534:\n' >$(IMAGE_CTX)/etc/group
	$(Q)buildah bud --quiet --build-arg VERSION=$(VERSION) --build-arg REVISION=$(GIT_REV) \
		-f docs/deploy/Containerfile -t $(IMAGE) $(IMAGE_CTX) >$(IMAGE_CTX).log 2>&1 || \
		{ cat $(IMAGE_CTX).log; exit 1; }

PREFIX ?= /usr/local
DESTDIR ?=

install: waitwatch
	install -D -m 0755 waitwatch $(DESTDIR)$(PREFIX)/sbin/waitwatch
	install -D -m 0644 docs/waitwatch.8 $(DESTDIR)$(PREFIX)/share/man/man8/waitwatch.8
	install -d $(DESTDIR)$(PREFIX)/lib/systemd/system
	sed 's|/usr/local/sbin/waitwatch|$(PREFIX)/sbin/waitwatch|' docs/waitwatch.service \
		> $(DESTDIR)$(PREFIX)/lib/systemd/system/waitwatch.service
	install -D -m 0644 docs/grafana-dashboard.json \
		$(DESTDIR)$(PREFIX)/share/waitwatch/grafana-dashboard.json
	install -m 0644 docs/alerts.yml docs/rules.yml $(DESTDIR)$(PREFIX)/share/waitwatch/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/waitwatch $(DESTDIR)$(PREFIX)/share/man/man8/waitwatch.8 \
		$(DESTDIR)$(PREFIX)/lib/systemd/system/waitwatch.service \
		$(DESTDIR)$(PREFIX)/share/waitwatch/grafana-dashboard.json \
		$(DESTDIR)$(PREFIX)/share/waitwatch/alerts.yml $(DESTDIR)$(PREFIX)/share/waitwatch/rules.yml
	-rmdir $(DESTDIR)$(PREFIX)/share/waitwatch 2>/dev/null

# ---- tests ---------------------------------------------------------------

$(OUTPUT)/tests/%: tests/unit/%.c $(LAYER_LIBS) | $(OUTPUT)/tests
	$(call msg,TEST-CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) $(CFLAGS_cli) $(INC_ALL) -Wno-missing-prototypes -MF $@.d $< $(LAYER_LIBS) \
		-lcmocka $(CORE_LIBS) -o $@

# tests/tools/tools.h: the helpers the tools and bench/loadgen.c share.
$(OUTPUT)/tools/%: tests/tools/%.c $(DEPS_STAMP) | $(OUTPUT)/tools
	$(call msg,TOOL-CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -Ibpf -Itests/tools -MF $@.d $< -lpthread -o $@

$(OUTPUT)/tools/%: bench/%.c $(DEPS_STAMP) | $(OUTPUT)/tools
	$(call msg,TOOL-CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -Ibpf -Itests/tools -MF $@.d $< -lpthread -o $@

$(CORE_BENCHES): $(OUTPUT)/tools/%: bench/%.c $(OUTPUT)/libww-core.a | $(OUTPUT)/tools
	$(call msg,TOOL-CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) $(INC_core) -MF $@.d $< $(OUTPUT)/libww-core.a $(CORE_LIBS) -o $@

# loadgen linked statically: the only file of the FROM scratch image t_containers.sh builds
$(OUTPUT)/tools/loadgen-static: bench/loadgen.c $(DEPS_STAMP) | $(OUTPUT)/tools
	$(call msg,TOOL-CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -static -Ibpf -Itests/tools -MF $@.d $< -lpthread -o $@

tools: $(TOOLS) $(OUTPUT)/tools/loadgen-static

# Every fuzzer gets the core and output sources; one that needs more names
# them: FUZZ_EXTRA_name (sources), FUZZ_LIBS_name (libraries), FUZZ_INC_name
# (include directories, default the output layer's) and FUZZ_DEPS_name
# (generated headers).
FUZZ_SRCS := $(call layer_srcs,core) $(call layer_srcs,output)
# the command line: every command's parse step, with what the commands link
FUZZ_EXTRA_fuzz_cli := $(filter-out src/cli/main.c,$(call layer_srcs,cli)) $(call layer_srcs,host)
FUZZ_LIBS_fuzz_cli = $(LIBS)
FUZZ_INC_fuzz_cli := $(INC_cli)
FUZZ_DEPS_fuzz_cli := $(OUTPUT)/waitwatch.skel.h $(OUTPUT)/version.h
.SECONDEXPANSION:
$(OUTPUT)/fuzz/%: tests/fuzz/%.c $(FUZZ_SRCS) $$(FUZZ_EXTRA_$$*) $$(FUZZ_DEPS_$$*) $(DEPS_STAMP)
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(OUTPUT)/fuzz
	$(Q)$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-std=gnu11 -D_GNU_SOURCE -DWW_VERSION='"$(VERSION)"' $(or $(FUZZ_INC_$*),$(INC_output)) \
		$< $(FUZZ_SRCS) $(FUZZ_EXTRA_$*) $(CORE_LIBS) $(FUZZ_LIBS_$*) -o $@

# Each fuzzer runs from its seed corpus (tests/fuzz/corpus/NAME), bounded in time.
fuzz-smoke: $(FUZZERS)
	$(Q)tests/fuzz/smoke.sh $(OUTPUT) $(FUZZ_SMOKE_SECONDS) $(FUZZERS)

fuzz:
	$(Q)$(MAKE) --no-print-directory fuzz-smoke FUZZ_SMOKE_SECONDS=$(FUZZ_SECONDS)

check: $(UNIT_TESTS)
	$(Q)fail=0; for t in $(UNIT_TESTS); do $$t || fail=1; done; exit $$fail

e2e: waitwatch waitwatch-static $(TOOLS) $(OUTPUT)/tools/loadgen-static
	$(Q)tests/e2e/run.sh

# A second kernel: Debian's 6.1 under qemu, with the static binary.
test-kernels: waitwatch-static tools
	$(Q)tests/kernels/run.sh

# sanitize-quick: the unit tests and a few end-to-end tests under ASan+UBSan.
test: test-build check rules-check deploy-check fuzz-smoke e2e sanitize-quick test-kernels

# Everything the tests run, built first on every CPU: the tests themselves
# then run one after the other.
test-build:
	$(Q)$(MAKE) --no-print-directory -j$(NPROC) waitwatch waitwatch-static $(UNIT_TESTS) \
		$(TOOLS) $(OUTPUT)/tools/loadgen-static $(FUZZERS)

# ---- Prometheus rules, the Kubernetes manifests --------------------------

# docs/rules.yml and docs/alerts.yml: promtool's checks, then the unit tests
# of tests/data/rules/ that feed them series and expect alerts or silence.
RULE_TESTS := $(wildcard tests/data/rules/*.test.yml)

rules-check: $(DEPS_STAMP)
	$(call msg,PROMTOOL,docs/rules.yml docs/alerts.yml $(RULE_TESTS))
	$(Q)promtool check rules docs/rules.yml docs/alerts.yml >$(OUTPUT)/rules-check.log 2>&1 || \
		{ cat $(OUTPUT)/rules-check.log; exit 1; }
	$(Q)promtool test rules $(RULE_TESTS) >>$(OUTPUT)/rules-check.log 2>&1 || \
		{ cat $(OUTPUT)/rules-check.log; exit 1; }
	$(Q)echo "  PASS     $$(grep -c SUCCESS $(OUTPUT)/rules-check.log) promtool checks and rule tests"

# docs/deploy/*.yaml against the program: capabilities, ports, probes,
# arguments, image tag (Debian's python3 with python3-yaml).
deploy-check: waitwatch $(DEPS_STAMP)
	$(Q)/usr/bin/python3 tests/deploy/check_deploy.py

# ---- sanitizers ----------------------------------------------------------

# make sanitize: waitwatch, the unit tests and the test tools built with
# ASan and UBSan into their own SAN_OUTPUT (never mixed with .output), then
# the unit tests and the end-to-end tests run against that build. Any
# report fails the run: UBSan stops at the first error, ASan's leak check
# runs at every exit, and tests/e2e/run.sh turns each report a process
# wrote to ASan's log_path (a background daemon's too) into a FAIL line.
# SAN_E2E names the end-to-end tests (default: all of them but t_valgrind:
# valgrind cannot run a binary built with ASan).
# t_image.sh runs the image of the plain static binary (make image), built
# beforehand.
#
# make sanitize-quick, part of `make test`: the unit tests and SAN_QUICK_E2E
# (about 70 s) against that build. The end-to-end tests it runs cover every
# live command, the socket sweeps, the owners in /proc, HTTP and the
# recordings; left out are the longest under ASan: t_classic (the same
# checks again on the classic tracepoint, past run.sh's time limit) and
# t_bench_smoke (load the instrumented build cannot keep up with).
SAN_OUTPUT ?= .output-san
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
SAN_E2E ?= $(filter-out t_valgrind,$(patsubst tests/e2e/%.sh,%,$(wildcard tests/e2e/t_*.sh)))
SAN_QUICK_E2E ?= t_trace t_top t_leaks t_serve t_record
SAN_ENV := ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
SAN_MAKE = $(MAKE) --no-print-directory -j$(NPROC) OUTPUT=$(SAN_OUTPUT) CFLAGS="$(CFLAGS) $(SAN_FLAGS)"

.PHONY: sanitize sanitize-build sanitize-check sanitize-e2e sanitize-quick san-objects

# The binary of a build in another OUTPUT, next to its objects.
$(OUTPUT)/waitwatch: $(ALL_OBJS)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LIBS) -o $@

san-objects: $(OUTPUT)/waitwatch $(UNIT_TESTS) $(TOOLS)

sanitize-build:
	$(Q)$(SAN_MAKE) san-objects

sanitize-check: sanitize-build
	$(Q)$(SAN_ENV) $(SAN_MAKE) check

sanitize-e2e: sanitize-build waitwatch-static
	$(Q)$(SAN_ENV) WW=$(abspath $(SAN_OUTPUT))/waitwatch WW_OUTPUT=$(abspath $(SAN_OUTPUT)) \
		tests/e2e/run.sh $(SAN_E2E)

sanitize: sanitize-check sanitize-e2e

sanitize-quick: sanitize-check
	$(Q)$(MAKE) --no-print-directory sanitize-e2e SAN_E2E="$(SAN_QUICK_E2E)"

# Benchmarks are not part of `make test` (it only runs their smoke mode).
bench: waitwatch tools
	$(Q)bench/run.sh

run: waitwatch
	./waitwatch top

vmlinux:
	$(call msg,GEN,$(VMLINUX))
	$(Q)mkdir -p vmlinux/$(ARCH)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $(VMLINUX).tmp
	$(Q)mv $(VMLINUX).tmp $(VMLINUX)

clean:
	$(call msg,CLEAN)
	$(Q)rm -rf $(OUTPUT) waitwatch waitwatch-static

-include $(wildcard $(OUTPUT)/*/*.d)
