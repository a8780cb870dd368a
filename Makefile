# Clove — make targets. On a fresh Debian 12 two commands do all set-up:
#   make run    installs what is missing, builds, opens the app
#   make test   installs what is missing, runs every test (real prosody, real i2pd)
GO      ?= go
TAGS    := sqlite_fts5
BIN     := bin/clove
GOFLAGS_TEST ?=
export CGO_ENABLED := 1

# Fyne's run loop patched to wait for X events when idle instead of ticking
# at 60 Hz (issue 16: 10 instead of ~460 wake-ups/s; docs/benchmarks.md):
# every go command here reads an alternate go.mod whose replace points Fyne
# to a copy of the module cache's, with third_party/fyne-idle's files over
# it (go's -overlay refuses files beneath GOMODCACHE). The same go.mod
# replaces go-i18n, godbus and Fyne's tray with patched copies
# (third_party/slim-*): no text/template, no D-Bus export by reflection, so
# the linker drops the methods nothing calls (3.7 MB of the binary).
# FYNE_IDLE=0: all stock.
FYNE_IDLE ?= 1
ifeq ($(FYNE_IDLE),1)
FYNE_IDLE_MOD := $(CURDIR)/build/fyne-idle/go.mod
export GOFLAGS := $(strip $(GOFLAGS) -modfile=$(FYNE_IDLE_MOD))
endif

# The functions a start runs first in the binary (third_party/link-order:
# Go's linker with -funcorder, built from this toolchain's source; the list
# from `make linkorder`): the window's code pages resident after a start went
# from 10.5 to 6.9 MB (docs/benchmarks.md, "Start-up code first"). The hot
# list's and the linker's sum go into the link flags so that a new list or
# linker relinks (go's build cache knows the -toolexec script, not the
# linker it runs).
# LINK_ORDER=0: the stock linker's order.
LINK_ORDER ?= 1
LINKER := $(CURDIR)/build/link/link
HOT := $(CURDIR)/third_party/link-order/hot.txt
ifeq ($(LINK_ORDER),1)
ORDER_TOOLEXEC := -toolexec=$(CURDIR)/third_party/link-order/toolexec.sh
ORDER_FLAGS = $(ORDER_TOOLEXEC) -ldflags='-funcorder=$(HOT) -X main.hotList=$(shell cat $(HOT) $(LINKER) 2>/dev/null | sha256sum | cut -c1-16)'
ORDER_DEP := $(LINKER)
# fyne package runs go build itself: the same through GOFLAGS (no spaces).
PKG_ORDER_FLAGS = $(ORDER_TOOLEXEC) -ldflags=-funcorder=$(HOT)
endif

# The runtime with smaller span sets (third_party/span-sets: 1.5 MiB less
# of the window's memory, docs/benchmarks.md, "The runtime's span sets"):
# go build -overlay with a copy of this toolchain's runtime/mspanset.go,
# remade when the toolchain's file changes. When mkoverlay.sh fails (another Go
# release, it says why) the build uses the stock runtime.
# SPAN_SETS=0: the stock runtime.
SPAN_SETS ?= 1
SPAN_OVERLAY := $(CURDIR)/build/runtime/overlay.json
ifeq ($(SPAN_SETS),1)
GOROOT_SPANSET := $(wildcard $(shell env -u GOFLAGS $(GO) env GOROOT 2>/dev/null)/src/runtime/mspanset.go)
SPAN_DEP := $(SPAN_OVERLAY)
# Expanded when a recipe runs, after SPAN_DEP was made (or failed).
SPAN_FLAGS = $(if $(wildcard $(SPAN_OVERLAY)),-overlay=$(SPAN_OVERLAY))
endif
BUILD_DEP := $(ORDER_DEP) $(SPAN_DEP)
BUILD_FLAGS = $(ORDER_FLAGS) $(SPAN_FLAGS)

# Everything Clove builds, tests and runs with, from Debian 12's archive.
# The fonts: Fyne's own covers Latin, Greek and Cyrillic and falls back to
# the system's for the rest; these are the wide-coverage ones desktops
# install (every script, CJK); emoji come from Debian's Noto Color Emoji, as on
# a desktop (Fyne's own colour font, drawn smaller, lacks 🥰, 🤩, 🥳…).
# python3-slixmpp is the third-party client the tests check delivery with
# (internal/slixtest), python3-aiohttp what its upload plugin (xep_0363)
# needs, python3-cryptography its XEP-0454 (files' interop test); its OMEMO plugin, python3-slixmpp-omemo, is not in
# Debian 12: deps installs Debian 13's (internal/slixtest/install-omemo.sh).
APT_PKGS := gcc libc6-dev pkg-config ca-certificates \
	prosody lua-bit32 i2pd strace iproute2 \
	prosody-modules \
	python3-slixmpp python3-aiohttp python3-cryptography \
	libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev \
	libxi-dev libxxf86vm-dev xvfb xauth x11-apps xdotool xclip dbus-daemon \
	fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps build run test test-short bench fuzz vet clean linkorder

all: build

# Idempotent: installs only the packages that are missing.
deps: $(FYNE_IDLE_MOD)
	@missing=$$(for p in $(APT_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $$missing >/dev/null || \
		{ echo "make deps: apt-get failed (run as root or with sudo)"; exit 1; }; \
	fi
	@/usr/bin/python3 -c 'import slixmpp_omemo' >/dev/null 2>&1 || { \
		echo "installing python3-slixmpp-omemo and python3-omemo from Debian 13 (not in Debian 12; docs/omemo.md)"; \
		$(SUDO) sh internal/slixtest/install-omemo.sh || \
		{ echo "make deps: installing slixmpp-omemo failed (run as root or with sudo)"; exit 1; }; }
	@command -v $(GO) >/dev/null || { echo "make deps: Go 1.24+ is needed (https://go.dev/dl/); Debian 12's golang-go is too old"; exit 1; }
	@$(GO) mod download

# Remade when go.mod or the patched files change; fails when go.mod's
# version of a patched module is not the one its patch was made for.
$(CURDIR)/build/fyne-idle/go.mod: go.mod go.sum $(shell find third_party -type f)
	third_party/mktree.sh $(CURDIR)/build/fyne-idle

# Built from the toolchain's source; when that fails (another Go release,
# mklink.sh says why) toolexec.sh links with the stock linker.
$(LINKER): $(wildcard third_party/link-order/_ld/*.go) third_party/link-order/mklink.sh
	third_party/link-order/mklink.sh $(LINKER) || true

$(SPAN_OVERLAY): third_party/span-sets/mkoverlay.sh $(GOROOT_SPANSET)
	third_party/span-sets/mkoverlay.sh $(dir $(SPAN_OVERLAY)) || true

# clove-node, the bundled node's small resident supervisor, goes next to clove.
build: deps $(BUILD_DEP)
	$(GO) build -tags $(TAGS) $(BUILD_FLAGS) -o $(BIN) ./cmd/clove
	$(GO) build -o bin/clove-node ./cmd/clove-node

run: build
	./$(BIN)

# The core packages (the app core chat among them) run under the race
# detector; the window's packages and the binary's (GUI, cgo-heavy) without.
# cmd/clove alone takes 21-24 min on a fresh 2-core VM (2026-12-06); a
# failing I2P test waits up to 8 min, which once pushed it past a 30 min
# timeout, whose panic hides every other result: 45 min.
CORE := ./transport/... ./xmppclient/... ./store/... ./internal/... ./chat/... ./msgstate/... ./omemo/...
test: deps $(BUILD_DEP)
	$(GO) vet -tags $(TAGS) ./...
	$(GO) test -tags $(TAGS) -race -count=1 -timeout 30m $(GOFLAGS_TEST) $(CORE)
	$(GO) test -tags $(TAGS) -count=1 -timeout 45m $(GOFLAGS_TEST) $$($(GO) list ./... | grep -v -e /transport -e /xmppclient -e /store -e /internal/ -e /chat -e /msgstate -e /omemo)

# No real server (prosody, i2pd) and no X server: -short skips those tests.
test-short: $(FYNE_IDLE_MOD)
	$(GO) test -tags $(TAGS) -short -count=1 ./...

# Side by side against one prosody (ratios printed), then the store's
# history and search benchmarks (100k-message chat, 1M-message FTS).
# Pidgin is the reference the window is measured against; Gajim and Dino
# are measured next to it (BenchmarkGUISideBySide, docs/benchmarks.md);
# curl is what Clove's file transfers are measured against (docs/files.md).
BENCH_PKGS := pidgin gajim dino-im curl
bench: deps $(BUILD_DEP)
	@missing=$$(for p in $(BENCH_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' || echo $$p; done); \
	if [ -n "$$missing" ]; then $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; fi
	$(GO) test -tags $(TAGS) -run '^$$' -bench '^BenchmarkSideBySide$$' -benchtime 1x -timeout 20m ./cmd/clove/
	$(GO) test -tags $(TAGS) -run '^$$' -bench '^BenchmarkI2PSideBySide$$' -benchtime 1x -timeout 20m ./cmd/clove/
	$(GO) test -tags $(TAGS) -run '^$$' -bench '^BenchmarkNodeSideBySide$$' -benchtime 1x -timeout 20m ./cmd/clove/
	$(GO) test -tags $(TAGS) -run '^$$' -bench '^BenchmarkGUISideBySide$$' -benchtime 1x -timeout 60m ./cmd/clove/
	$(GO) test -tags $(TAGS) -run '^$$' -bench ListenHugeStanza -benchtime 1x -timeout 5m ./cmd/clove/
	$(GO) test -tags $(TAGS) -run '^$$' -bench '^BenchmarkOMEMOSideBySide$$' -benchtime 1x -timeout 30m ./chat/
	$(GO) test -tags $(TAGS) -run '^$$' -bench '^BenchmarkEncrypt(Room)?$$' -timeout 10m ./omemo/device/
	$(GO) test -tags $(TAGS) -run '^$$' -bench '^BenchmarkFilesSideBySide$$' -benchtime 1x -timeout 30m ./cmd/clove/
	$(GO) test -tags $(TAGS) -run '^$$' -bench Open100kChat -benchtime 20x -timeout 20m ./ui/
	$(GO) test -tags $(TAGS) -run '^$$' -bench 'FontHeld' -benchtime 3x -timeout 5m ./third_party/
	$(GO) test -tags $(TAGS) -run '^$$' -bench BusyChatLeftOpen -benchtime 1x -benchmem -timeout 20m ./ui/
	$(GO) test -tags $(TAGS) -run '^$$' -bench 'OpenNewest50Of100k|Search1M' -timeout 40m ./store/

# Remakes third_party/link-order/hot.txt: a coverage build of Clove runs
# under the GUI benchmark (1,000 contacts, 10,000 messages, a login, 10 s
# settled, then SIGTERM, so that it writes its counters), and the functions
# that ran are listed (internal/linkorder). Run it after changes that move
# much start-up code; a stale list costs memory, never correctness.
# The list: the functions a coverage build of the window ran, then what a
# coverage profile cannot name (the runtime, assembly, cgo's stubs), found
# where the start page-faults (faults.sh, with perf as root; FAULT_ROUNDS).
FAULT_ROUNDS ?= 8
linkorder: deps $(LINKER)
	$(GO) build -cover -coverpkg=all -tags $(TAGS) -o build/clove-cover ./cmd/clove
	rm -rf build/cover && mkdir -p build/cover && chmod 777 build/cover
	cd cmd/clove && CLOVE_BENCH_CLOVE=$(CURDIR)/build/clove-cover CLOVE_BENCH_APPS=clove CLOVE_BENCH_ROUNDS=1 \
		CLOVE_BENCH_IDLE=5s CLOVE_BENCH_TERM=1 CLOVE_BENCH_CLOVE_ENV=GOCOVERDIR=$(CURDIR)/build/cover \
		$(GO) test -tags $(TAGS) -run '^$$' -bench '^BenchmarkGUISideBySide$$' -benchtime 1x -timeout 30m .
	$(GO) tool covdata func -i build/cover | $(GO) run ./internal/linkorder > $(HOT).tmp
	mv $(HOT).tmp $(HOT)
	@if command -v perf >/dev/null && [ "$$(id -u)" = 0 ]; then third_party/link-order/faults.sh $(FAULT_ROUNDS); \
	else echo "make linkorder: no perf or not root: the list lacks what coverage cannot name (third_party/link-order/faults.sh)"; fi

# Each fuzz target for FUZZTIME (go test -fuzz takes one target at a time).
FUZZTIME ?= 30s
fuzz: $(FYNE_IDLE_MOD)
	for t in FuzzValidateI2PName FuzzPlan FuzzParseSAMReply FuzzSOCKSHandshake FuzzSOCKSDial; do \
		$(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) ./transport/ || exit 1; done
	for t in FuzzScanner FuzzVCard; do \
		$(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) ./xmppclient/ || exit 1; done
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzJIDRules$$' -fuzztime $(FUZZTIME) ./chat/
	for t in FuzzDecrypt FuzzStripMetadata; do \
		$(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) ./files/ || exit 1; done

clean:
	rm -rf bin build

# The Linux desktop package (fyne's packaging tool): build/Clove.tar.xz with
# clove, clove-node, the .desktop entry, the icon and LICENSE (GPL-3.0-or-later)
# under usr/local, and a
# Makefile whose `make install` (as root) puts them in place.
FYNE := $(GO) run fyne.io/tools/cmd/fyne@v1.7.4
.PHONY: package
package: deps $(BUILD_DEP)
	rm -rf build/pkg && mkdir -p build/pkg
	cp FyneApp.toml cmd/clove/FyneApp.toml
	cd cmd/clove && GOFLAGS="$(GOFLAGS) $(PKG_ORDER_FLAGS) $(SPAN_FLAGS)" $(FYNE) package -os linux -tags $(TAGS) -icon $(CURDIR)/assets/clove.png; \
		rc=$$?; rm -f FyneApp.toml; exit $$rc
	tar -C build/pkg -xJf cmd/clove/Clove.tar.xz && rm cmd/clove/Clove.tar.xz
	$(GO) build -o build/pkg/clove/usr/local/bin/clove-node ./cmd/clove-node
	install -D -m 0644 LICENSE build/pkg/clove/usr/local/share/doc/clove/LICENSE
	awk '{print} /bin\/\$$\(Exec\)/ && !/sed / {l=$$0; gsub(/\$$\(Exec\)/, "clove-node", l); print l}' \
		build/pkg/clove/Makefile > build/pkg/Makefile.new && mv build/pkg/Makefile.new build/pkg/clove/Makefile
	tar -C build/pkg -cJf build/Clove.tar.xz .
	@echo "package: build/Clove.tar.xz"; tar -tJf build/Clove.tar.xz | grep -v '/$$'

# A private I2P network (5 i2pd routers, netid 99, inside a network namespace
# of its own) with a prosody behind a server tunnel, until ^C; prints the
# account add / send / listen commands to paste (they enter the namespace
# with nsenter). See internal/i2pnet.
.PHONY: i2p-demo
i2p-demo: build
	CLOVE_I2P_DEMO=1 $(GO) test -tags $(TAGS) -count=1 -run '^TestI2PDemo$$' -v -timeout 0 ./internal/i2pnet/
