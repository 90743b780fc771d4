# Tallyform. `make run` and `make test` set everything up on a machine with Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
INSTALLED := $(VENV)/.installed-requirements

.PHONY: setup run test bench lint clean

$(INSTALLED): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(INSTALLED)

setup: $(INSTALLED)
	$(FLASK) migrate
	$(FLASK) seed-demo

run: setup
	@echo ""
	@echo "Tallyform is at http://127.0.0.1:5000"
	@echo "Demo sign-ins (password demo-clinic-password):"
	@echo "  admin@example.com  clinician@example.com  frontdesk@example.com"
	@echo ""
	$(FLASK) run --host 127.0.0.1 --port 5000

test: setup
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python -m bench

lint: $(INSTALLED)
	$(BIN)/ruff check app tests bench
	$(BIN)/bandit -q -r app
	$(BIN)/python .ci/audit_dependencies.py

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis
