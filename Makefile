# Thin driver over CMake (build/ out of tree).  See README.md.
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
# DEVELOPER=1 (as in git) makes compiler warnings errors; .ci/run sets it.
DEVELOPER ?=
WERROR := -DUPLIFT_WERROR=$(if $(DEVELOPER),ON,OFF)
MAKEFLAGS += --no-print-directory

.PHONY: all deps build test demo install asan valgrind fuzz format format-check lint clean

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(WERROR) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The demo builds quietly (the log is kept) so that its headline is what the terminal shows.
demo: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(WERROR) $(CMAKE_FLAGS) >/dev/null
	@echo "building $(BUILD)/uplift (log: $(BUILD)/build.log)"
	@cmake --build $(BUILD) -j $(JOBS) >$(BUILD)/build.log 2>&1 || { tail -40 $(BUILD)/build.log; exit 1; }
	@scripts/demo $(BUILD)/uplift

install: build
	cmake --install $(BUILD)

# AddressSanitizer + UndefinedBehaviorSanitizer over the whole suite.
asan: deps
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DUPLIFT_SANITIZE=ON $(WERROR) >/dev/null
	@cmake --build build-asan -j $(JOBS)
	@cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j $(JOBS)

# The suite under valgrind's memcheck (unit programs and every uplift process of the
# CLI tests but the concurrency, crash and browser tests; see the script).
valgrind: build
	@scripts/valgrind-suite $(BUILD)

# libFuzzer binaries (clang); run one with e.g. build-fuzz/fuzz/fuzz_duration -max_total_time=60
fuzz: deps
	@CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DUPLIFT_FUZZ=ON $(WERROR) >/dev/null
	@cmake --build build-fuzz -j $(JOBS)

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	@clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

lint:
	@scripts/lint

clean:
	rm -rf $(BUILD) build-asan build-fuzz
