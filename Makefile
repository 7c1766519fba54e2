# Two commands do all the set-up: `make run` and `make test`.
# Both create (once) and reuse a local virtual environment in .venv.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-all lint serve report clean-data install

install: $(STAMP)

# torch is installed first and pinned: its CPU build is what this project needs, and
# letting a dependency pull torch in would fetch several GB of CUDA wheels.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is needed, found " + sys.version.split()[0]'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "torch==2.13.0"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

## Run the pipeline once on the shipped sample data: report in data/reports/latest/,
## warehouse in data/warehouse/voc.duckdb.
## customer_key needs a secret (VOC_CUSTOMER_KEY_SECRET); for the sample data, when none is
## set, one is generated once into data/warehouse/.sample_customer_key.
SAMPLE_SECRET := data/warehouse/.sample_customer_key
run: $(STAMP)
	@if [ -z "$$VOC_CUSTOMER_KEY_SECRET" ] && [ ! -f $(SAMPLE_SECRET) ]; then \
	  mkdir -p data/warehouse && umask 077 && \
	  $(BIN)/python -c 'import secrets; print(secrets.token_hex(32))' > $(SAMPLE_SECRET); fi
	VOC_CUSTOMER_KEY_SECRET="$${VOC_CUSTOMER_KEY_SECRET:-$$(cat $(SAMPLE_SECRET))}" \
	  $(BIN)/voc run --config configs/voc.toml

## The test suite (offline; includes the end-to-end flow and a real Prefect server).
test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

serve: $(STAMP)
	$(BIN)/voc serve --config configs/voc.toml

report: $(STAMP)
	$(BIN)/voc report --config configs/voc.toml

clean-data:
	rm -rf data/warehouse data/reports
