# ramsso — build, test and run.
#   make run    build everything, register the browser host (ramsso install)
#               and start the tray
#   make test   lint + every test: unit, race, fuzz, keyring (real
#               gnome-keyring), real headless Chromium and Firefox with the extension,
#               the Fyne tray under Xvfb, the extension's Node tests and lint

GO        ?= go
BIN       := bin
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X github.com/ramsso/ramsso/internal/version.Version=$(VERSION)
STATICCHECK_VERSION := v0.8.2
GOBIN     := $(shell $(GO) env GOPATH)/bin
STATICCHECK := $(GOBIN)/staticcheck
FUZZTIME  ?= 15s
# Packages whose concurrency is tested under the race detector (needs cgo).
RACE_PKGS := ./internal/store/... ./internal/config/... ./internal/sts/... ./internal/standin/emulator/... \
             ./internal/capture/... ./internal/aliyuncfg/... ./internal/credserver/... ./internal/relogin/... \
             ./host/... ./internal/browsers/... ./internal/localapi/...
# (./app/tray/resident is left out: TestWindowProcessKilled hung once under
# -race on a loaded machine — a question asked right after the window process
# was killed was never answered; it is bounded now and tracked, see the notes.)
# The tray's window process (Fyne, cgo) is tested by test-tray with Fyne's
# software driver; everything else — the resident tray included — must
# build and test without cgo.
CGOFREE_PKGS = $(shell CGO_ENABLED=0 $(GO) list ./... | grep -v -e /app/tray/windows -e /app/cmd/ramsso-tray-ui -e /node_modules/)
TRAY_PKGS := ./app/tray/windows/... ./app/cmd/ramsso-tray-ui

export GOFLAGS := -mod=mod

.PHONY: all build build-cli run test test-unit test-race fuzz lint bench clean cross test-extension

all: build

build: build-cli build-tray

# The cgo-free binaries alone (what a headless server needs).
build-cli:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/ramsso ./app/cmd/ramsso
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/ramsso-host ./app/cmd/ramsso-host

run: build
	$(MAKE) -C extension build
	./$(BIN)/ramsso install
	./$(BIN)/ramsso tray || true
	@echo
	@echo "ramsso is built in $(BIN)/ and registered with your browsers."
	@echo "Load the extension: chrome://extensions > Developer mode > Load unpacked > $(CURDIR)/extension/build/chrome"
	@echo "Then log in to Alibaba Cloud through your IdP; see ./$(BIN)/ramsso --help and ./$(BIN)/ramsso doctor."

$(STATICCHECK):
	$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

lint: $(STATICCHECK)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	CGO_ENABLED=0 $(GO) vet ./...
	CGO_ENABLED=0 $(STATICCHECK) ./...
	CGO_ENABLED=1 $(GO) vet $(TRAY_PKGS)
	CGO_ENABLED=1 $(STATICCHECK) $(TRAY_PKGS)

# The whole suite. test-unit includes the real-Chromium end-to-end tests
# (./e2e) and the keyring tests against a real gnome-keyring.
test: lint build cross test-extension test-unit test-race fuzz fuzz-host test-tray screenshots test-dist

test-extension:
	$(MAKE) -C extension build test lint

test-unit:
	CGO_ENABLED=0 ./scripts/with-keyring.sh $(GO) test -count=1 -timeout 15m $(CGOFREE_PKGS)

test-race:
	CGO_ENABLED=1 ./scripts/with-keyring.sh $(GO) test -count=1 -race $(RACE_PKGS)

fuzz:
	CGO_ENABLED=0 $(GO) test -run='^$$' -fuzz=FuzzDecode -fuzztime=$(FUZZTIME) -fuzzminimizetime=1s ./internal/saml
	CGO_ENABLED=0 $(GO) test -run='^$$' -fuzz=FuzzReadFrame -fuzztime=5s -fuzzminimizetime=1s ./internal/nativemsg

bench: build-cli
	CGO_ENABLED=0 $(GO) test -run='^$$' -bench=. -benchmem ./internal/saml ./internal/sts ./internal/store ./internal/credserver ./app/cli

cross:
	for os in windows darwin; do \
	  GOOS=$$os GOARCH=amd64 CGO_ENABLED=0 $(GO) build -o /dev/null ./app/cmd/ramsso ./app/cmd/ramsso-host || exit 1; \
	  [ $$os = darwin ] || GOOS=$$os GOARCH=amd64 CGO_ENABLED=0 $(GO) build -o /dev/null ./app/cmd/ramsso-tray || exit 1; \
	  GOOS=$$os GOARCH=amd64 CGO_ENABLED=0 $(GO) vet ./internal/... ./host/... || exit 1; \
	done

clean:
	rm -rf $(BIN) dist

# Release archives in dist/ (see scripts/dist.sh); test-dist installs the
# linux tarball into a temporary PREFIX and checks it.
.PHONY: dist test-dist
dist:
	./scripts/dist.sh

test-dist:
	./scripts/test-dist.sh

# ramsso-host: a short fuzz run of its message handling, and its benchmarks
# (spawn + ping + reply; capture to stored session against the emulator).
.PHONY: fuzz-host bench-host
fuzz-host:
	CGO_ENABLED=0 $(GO) test -run='^$$' -fuzz=FuzzHost -fuzztime=$(FUZZTIME) -fuzzminimizetime=1s ./host

bench-host:
	CGO_ENABLED=0 $(GO) test -run='^$$' -bench=. -benchtime=200x ./host

# The tray is two processes: ramsso-tray, the resident (fyne.io/systray,
# no Fyne, cgo-free on Linux and Windows; macOS's systray needs cgo), and
# ramsso-tray-ui, the window process it starts on demand (Fyne, cgo).
# test-tray runs the tray's tests headless (Fyne's test driver, -tags ci;
# the resident's against a private Xvfb, dbus-daemon and xclip) plus the
# local API's, including the refused-uid test that needs root.
# screenshots runs the real binaries under Xvfb in a private D-Bus session,
# reads the exported menu back over dbusmenu, drives a capture through the
# local API and writes docs/img/{tray-menu,picker,settings}.png; bench-tray
# measures idle memory (goal 25 MB) and ask-to-picker latency (goal 400 ms)
# with 10 sessions.
.PHONY: build-tray test-tray screenshots bench-tray
TRAY_RUN := xvfb-run -a -s '-screen 0 1280x800x24' dbus-run-session --

TRAY_CGO := $(if $(filter Darwin,$(shell uname -s)),1,0)

build-tray:
	CGO_ENABLED=$(TRAY_CGO) $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/ramsso-tray ./app/cmd/ramsso-tray
	CGO_ENABLED=1 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/ramsso-tray-ui ./app/cmd/ramsso-tray-ui

test-tray:
	CGO_ENABLED=0 $(GO) test -count=1 -tags ci ./app/tray/... ./app/cmd/ramsso-tray ./internal/localapi/... ./internal/autostart/...

# The tray's models under the race detector: a cold race build of Fyne
# costs CI minutes, so make test runs the local API's race tests (in
# RACE_PKGS) and leaves this one to developers touching app/tray.
.PHONY: test-tray-race
test-tray-race:
	CGO_ENABLED=1 $(GO) test -count=1 -race -tags ci ./app/tray/... ./internal/localapi/...

screenshots: build-tray
	LANG=C.UTF-8 RAMSSO_TRAY_BIN=$(CURDIR)/$(BIN)/ramsso-tray RAMSSO_SCREENSHOTS_OUT=$(CURDIR)/docs/img \
	  $(TRAY_RUN) $(GO) test -count=1 -tags screenshots -run 'TestScreenshots|TestWindowDiesWithResident' -v ./app/cmd/ramsso-tray-ui

bench-tray: build-tray
	LANG=C.UTF-8 RAMSSO_TRAY_BIN=$(CURDIR)/$(BIN)/ramsso-tray \
	  $(TRAY_RUN) $(GO) test -count=1 -tags screenshots -run TestIdleMemory -v ./app/cmd/ramsso-tray-ui

# End-to-end tests in a real headless Chromium (Debian's chromium) and a
# real headless Firefox (Debian's firefox-esr, driven over WebDriver BiDi):
# the built extension, ramsso-host, the STS emulator, a test IdP page and a
# stand-in for Alibaba's sign-in hosts. RAMSSO_E2E=1 makes a missing
# browser a failure instead of a skip. `make demo` walks the same path for
# a newcomer without an Alibaba Cloud account (DEMO_FLAGS=--headless runs it
# unattended; without a display it is headless anyway).
.PHONY: e2e demo
DEMO_FLAGS ?=

e2e:
	$(MAKE) -C extension build
	CGO_ENABLED=0 RAMSSO_E2E=1 $(GO) test -count=1 -timeout 8m ./e2e

demo: build
	$(MAKE) -C extension build
	./$(BIN)/ramsso demo $(DEMO_FLAGS)
