#!/usr/bin/env bash
# aioresponses' own test suite (the tests/ folder of its sdist), run unchanged
# against aiohttpretty.aioresponses through the stand-in package in
# tests/aioresponses_suite/standin (an "aioresponses" that re-exports it).
#
#   bash tests/aioresponses_suite/run.sh                  # aiohttp 3.14.5
#   AIOHTTP_VERSION=3.13.5 bash tests/aioresponses_suite/run.sh
#   AIORESPONSES_SUITE_NETWORK=1 bash tests/aioresponses_suite/run.sh  # with the 3 tests that need the internet
#   AIORESPONSES_SUITE_ORIGINAL=1 bash ...                 # the real aioresponses instead (for comparison)
#
# The sdist is downloaded at run time with pip (its test files are not part of
# this repository); everything lives under .aioresponses-suite/ (gitignored):
# the sdist, a fresh copy of its tests and one virtual environment per aiohttp
# version, reused while setup.cfg is older than it.  Three tests request
# httpbin.org for real; without AIORESPONSES_SUITE_NETWORK=1 they are
# deselected.  The last line is "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."

PYTHON=${PYTHON:-python3}
AIORESPONSES=${AIORESPONSES_VERSION:-0.7.9}
AIOHTTP=${AIOHTTP_VERSION:-3.14.5}
ROOT=.aioresponses-suite
PIP_QUIET=(--quiet --disable-pip-version-check)
NETWORK_TESTS=(
    "tests/test_aioresponses.py::AIOResponsesTestCase::test_address_as_instance_of_url_combined_with_pass_through"
    "tests/test_aioresponses.py::AIOResponsesTestCase::test_pass_through_with_origin_params"
    "tests/test_aioresponses.py::AIOResponseRedirectTest::test_pass_through_unmatched_requests"
)

mkdir -p "$ROOT"
sdist=$ROOT/dist/aioresponses-$AIORESPONSES.tar.gz
if [ ! -f "$sdist" ]; then
    "$PYTHON" -m pip download "${PIP_QUIET[@]}" --no-deps --no-binary :all: "aioresponses==$AIORESPONSES" \
        -d "$ROOT/dist" || { echo "could not download the aioresponses $AIORESPONSES sdist"; echo "0 passed, 1 failed"; exit 1; }
fi

# Only the tests: the sdist's own aioresponses package must not be importable.
work=$ROOT/work
rm -rf "$work" "$ROOT/src"
mkdir -p "$ROOT/src" "$work"
tar -xzf "$sdist" -C "$ROOT/src"
cp -R "$ROOT/src/aioresponses-$AIORESPONSES/tests" "$work/tests"
printf '[pytest]\nasyncio_default_fixture_loop_scope = function\n' >"$work/pytest.ini"

venv=$ROOT/venv-$AIOHTTP
stamp=$venv/.installed
if [ ! -f "$stamp" ] || [ setup.cfg -nt "$stamp" ]; then
    rm -rf "$venv"
    if ! "$PYTHON" -m venv "$venv" ||
        ! "$venv/bin/python" -m pip install "${PIP_QUIET[@]}" -e . "aiohttp==$AIOHTTP" pytest pytest-asyncio ddt packaging \
            2> >(grep -v "is ignored: it is neither a file nor a directory" >&2); then
        echo "could not install the environment for aiohttp $AIOHTTP"
        echo "0 passed, 1 failed"
        exit 1
    fi
    touch "$stamp"
fi

if [ -n "${AIORESPONSES_SUITE_ORIGINAL:-}" ]; then
    "$venv/bin/python" -m pip install "${PIP_QUIET[@]}" --no-deps "aioresponses==$AIORESPONSES"
    path=
else
    "$venv/bin/python" -m pip uninstall "${PIP_QUIET[@]}" -y aioresponses >/dev/null 2>&1
    path=$PWD/tests/aioresponses_suite/standin
fi

deselect=()
if [ -z "${AIORESPONSES_SUITE_NETWORK:-}" ]; then
    for test in "${NETWORK_TESTS[@]}"; do
        deselect+=(--deselect "$test")
    done
fi

log=$ROOT/last-run.log
echo "=== aioresponses $AIORESPONSES test suite on aiohttp $AIOHTTP (${path:+stand-in for }aioresponses)"
(cd "$work" && PYTHONPATH=$path "$OLDPWD/$venv/bin/python" -m pytest -c pytest.ini -p no:cacheprovider -q \
    "${deselect[@]}" tests) 2>&1 | tee "$log"
code=${PIPESTATUS[0]}
line=$(grep -E '^=*[ ]*[0-9]+ (passed|failed|error)' "$log" | tail -n 1)
passed=$(sed -n -E 's/.*[^0-9]([0-9]+) passed.*/\1/p; s/^([0-9]+) passed.*/\1/p' <<<"$line" | head -n 1)
failed=$(sed -n -E 's/.*[^0-9]([0-9]+) failed.*/\1/p; s/^([0-9]+) failed.*/\1/p' <<<"$line" | head -n 1)
errors=$(sed -n -E 's/.*[^0-9]([0-9]+) errors?.*/\1/p' <<<"$line" | head -n 1)
failed=$((${failed:-0} + ${errors:-0}))
if [ "$code" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1 # pytest failed without a failing test: count the run
fi
echo "${passed:-0} passed, $failed failed"
exit "$code"
