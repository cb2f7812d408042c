# The interface: `make run` starts the whole system, `make test` runs every check.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck unit bench bench-quick soak install clean-data lock openapi

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) -m deploy.run_local

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: $(STAMP)
	$(PY) -m mypy shared services gateway deploy bench

test: lint typecheck
	$(PY) -m deploy.test_runner

bench: $(STAMP)
	$(PY) -m bench.scenarios $(BENCH_ARGS)
	$(PY) -m bench.kpi_cycle
	$(PY) -m bench.pipeline_report
	$(PY) -m bench.timeline
	$(PY) -m bench.inbox
	$(PY) -m bench.my_day

bench-quick: $(STAMP)
	$(PY) -m bench.scenarios --quick
	$(PY) -m bench.pipeline_report --quick
	$(PY) -m bench.timeline --quick
	$(PY) -m bench.inbox --quick
	$(PY) -m bench.my_day --quick

soak: $(STAMP)
	$(PY) -m bench.soak $(SOAK_ARGS)

# A longer contract-fuzzing run than CI's: more examples per operation, a random seed
# (printed; KAM_FUZZ_SEED=<n> replays it), KAM_FUZZ_MAX_EXAMPLES to go further.
fuzz: $(STAMP)
	@seed=$${KAM_FUZZ_SEED:-$$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}; \
	echo "fuzzing with seed $$seed"; \
	KAM_FUZZ_SEED=$$seed KAM_FUZZ_MAX_EXAMPLES=$${KAM_FUZZ_MAX_EXAMPLES:-50} \
		$(PY) -m deploy.test_runner tests/e2e/test_contract_fuzz.py -p no:cacheprovider

openapi: $(STAMP)
	$(PY) -m deploy.openapi_docs write

# make backup BACKUP_FILE=kam.dump; make restore BACKUP_FILE=kam.dump RESTORE_URL=postgresql://…
backup: $(STAMP)
	$(PY) -m deploy.backup dump --out $(or $(BACKUP_FILE),kam.dump)

restore: $(STAMP)
	$(PY) -m deploy.backup restore $(or $(BACKUP_FILE),kam.dump) --into $(RESTORE_URL)

lock:
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

clean-data:
	rm -rf .data
