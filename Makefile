# Keepalived.Net — see README.md. Every target installs or builds what it needs.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := test

SLN := Keepalived.Net.sln
PUBLISH := artifacts/publish
RESULTS := artifacts/test-results
RID := linux-x64
# The lab drivers are test programs: start-up time does not matter there, and precompiling costs CI minutes.
DRIVER_FLAGS := -c Release -r $(RID) --self-contained -p:PublishSingleFile=true -p:PublishTrimmed=true -p:DebugType=none -v:q -nologo
# ReadyToRun: precompiled code, so a short run (kad -t, dotnet-kad check/status) does not spend most of its time in
# the JIT; measured on the 1,000x10 config check: the whole dotnet-kad process 1,895 -> 1,056 ms in one run of
# bench/config/run (+7 MB per executable).
PUBLISH_FLAGS := $(DRIVER_FLAGS) -p:PublishReadyToRun=true
LAB_DRIVERS := $(wildcard tests/*.LabDriver/*.LabDriver.csproj)

.PHONY: test prereqs build format-check publish lab-drivers unit demo bench deb clean

## prereqs: apt packages and the lab kernel (cached in .lab/)
prereqs:
	@tests/lab/install-prereqs >/dev/null

build:
	dotnet build $(SLN) -v:q -nologo

format-check:
	dotnet format whitespace $(SLN) --verify-no-changes

# Publishing costs a minute on two cores, so it reruns only when a source or build file is newer than its output.
BUILD_INPUTS := Directory.Build.props Directory.Packages.props global.json
SRC_INPUTS := $(BUILD_INPUTS) $(shell find src -type f \( -name '*.cs' -o -name '*.csproj' \) -not -path '*/obj/*' -not -path '*/bin/*')
TEST_INPUTS := $(SRC_INPUTS) $(shell find tests -type f \( -name '*.cs' -o -name '*.csproj' \) -not -path '*/obj/*' -not -path '*/bin/*')

## publish: self-contained, trimmed, single-file kad and dotnet-kad in artifacts/publish/
publish: $(PUBLISH)/kad $(PUBLISH)/dotnet-kad
	@$(PUBLISH)/kad --version && $(PUBLISH)/dotnet-kad --version

$(PUBLISH)/kad: $(SRC_INPUTS)
	dotnet publish src/Daemon $(PUBLISH_FLAGS) -o artifacts/obj-publish/kad
	@mkdir -p $(PUBLISH)
	install -m 0755 artifacts/obj-publish/kad/kad $@

$(PUBLISH)/dotnet-kad: $(SRC_INPUTS)
	dotnet publish src/Cli $(PUBLISH_FLAGS) -o artifacts/obj-publish/dotnet-kad
	@mkdir -p $(PUBLISH)
	install -m 0755 artifacts/obj-publish/dotnet-kad/dotnet-kad $@

## lab-drivers: programs that run batches of cases inside the kernel lab (tests/*.LabDriver)
LAB_DRIVER_BINS := $(foreach p,$(LAB_DRIVERS),artifacts/lab/$(basename $(notdir $(p)))/$(basename $(notdir $(p))))
lab-drivers: $(LAB_DRIVER_BINS)

artifacts/lab/%: $(TEST_INPUTS)
	dotnet publish tests/$(notdir $*)/$(notdir $*).csproj $(DRIVER_FLAGS) -o $(dir $@)
	@touch $@

## test: every layer (unit, namespace lab, kernel lab); ends with "N passed, N failed, N skipped"
# SIGHUP back to its default for the tests: a runner started under nohup passes it on ignored, and .NET then never
# delivers it, so the daemons the tests start could not be told to reload.
test: prereqs format-check build publish lab-drivers
	@rm -rf $(RESULTS)
	@start=$$(date +%s); status=0; \
	env --default-signal=HUP dotnet test $(SLN) --no-build -m:1 --logger "trx" --results-directory $(RESULTS) -- NUnit.DisplayName=FullName || status=$$?; \
	echo "test run took $$(( $$(date +%s) - start ))s"; \
	tests/summarize-trx $(RESULTS); \
	exit $$status

## unit: layer 1 only (no root, no labs)
unit: build
	dotnet test $(SLN) --no-build --filter "TestCategory!=Namespace&TestCategory!=Kernel"

## demo: the LVS-DR story end to end in the kernel lab (DIRECTOR=keepalived for the reference daemon)
# The script runs as its own #!/bin/sh (dash): started through busybox's env, "sh" would be busybox's ash, whose
# applets (ip among them) shadow iproute2. The timeout is a backstop: the script bounds each of its own waits.
DIRECTOR ?= kad
demo: prereqs publish
	@start=$$(date +%s); status=0; \
	tests/lab/kernel-lab --timeout 1500 demo/lvs-dr-demo.sh $(DIRECTOR) || status=$$?; \
	echo "make demo: $$(( $$(date +%s) - start ))s wall clock, including the guest's boot"; \
	exit $$status

## bench: figures beside keepalived / ipvsadm, one BENCH line each
bench: prereqs publish lab-drivers
	@for b in bench/*/run; do [ -x "$$b" ] && "$$b"; done

## deb: a Debian package with both executables, the systemd unit and the docs (dpkg-deb)
deb: publish
	packaging/deb/build-deb $(PUBLISH) artifacts/deb

clean:
	rm -rf artifacts
	find src tests -type d \( -name bin -o -name obj \) -prune -exec rm -rf {} +
