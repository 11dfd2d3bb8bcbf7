# Stratus: two commands on a fresh Debian 12 machine.
#   make run    install missing packages, build Release, start on 127.0.0.1:4566 (data in ./.stratus)
#   make test   same install and build, then every unit and integration test (ctest)
# Others: make build, make asan (sanitizer unit tests), make fuzz, make bench, make fmt

BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS ?= $(shell nproc)
CMAKE_GEN := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")

.PHONY: deps build run test unit integration asan fuzz bench fmt clean

deps:
	@bash tools/deps.sh


build: deps
	@test -f $(BUILD)/CMakeCache.txt || cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD) -j $(JOBS)

run: build
	@echo "Next, in another terminal: examples/orders-pipeline/deploy.sh  (see examples/orders-pipeline/README.md)"
	$(BUILD)/stratus serve --host 127.0.0.1 --port 4566 --data-dir ./.stratus

test: build
	cd $(BUILD) && ctest --output-on-failure -j 2 --timeout 900

unit: build
	cd $(BUILD) && ctest --output-on-failure -L unit

integration: build
	cd $(BUILD) && ctest --output-on-failure -L integration

# Unit tests under AddressSanitizer + UndefinedBehaviorSanitizer (CI runs this too).
asan: deps
	cmake -S . -B $(ASAN_BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DSTRATUS_SANITIZE=ON
	cmake --build $(ASAN_BUILD) -j $(JOBS) --target unit_tests stratus
	cd $(ASAN_BUILD) && ctest --output-on-failure -L unit -j 2

# libFuzzer targets (clang); FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 20
fuzz: deps
	CXX=clang++ cmake -S . -B $(FUZZ_BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATUS_FUZZ=ON -DBUILD_TESTING=OFF
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	bash fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

bench: build
	bash bench/run.sh $(BUILD)/stratus

# Formats the lines changed since the branch left main (the tree predates .clang-format: whole-file runs would
# rewrite unrelated code); FMT_BASE=<rev> for another base.
FMT_BASE ?= $(shell git merge-base HEAD main)
fmt:
	git diff -U0 --no-color $(FMT_BASE) -- 'src/*.cc' 'src/*.h' 'tests/*.cc' 'fuzz/*.cc' 'bench/*.cc' 'sdk/*.cc' 'sdk/*.h' | clang-format-diff -p1 -i
clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
