# Tallyform. `make run` and `make test` set everything up on a machine with Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
INSTALLED := $(VENV)/.installed-requirements
PORT ?= 5000

.PHONY: setup run test bench lint clean translations

$(INSTALLED): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(INSTALLED)

setup: $(INSTALLED)
	$(BIN)/pybabel compile -d app/translations --statistics
	$(FLASK) migrate
	$(FLASK) seed-demo

# The app and the PDF worker (Procfile), with both logs; one Ctrl-C stops both.
run: setup
	@echo ""
	@echo "Tallyform is at http://127.0.0.1:$(PORT)"
	@echo "Demo sign-ins (password demo-clinic-password):"
	@echo "  admin@example.com  clinician@example.com  frontdesk@example.com"
	@echo ""
	$(BIN)/honcho start --port $(PORT)

# Two processes, one test file each at a time (--dist loadfile keeps a file's live server and
# fixtures together): the suite takes about half as long on the two-core machines CI runs on.
test: setup
	$(BIN)/python -m pytest -n 2 --dist loadfile

bench: setup
	$(BIN)/python -m bench

# Re-extract the interface strings after changing them; then translate the new ones in
# app/translations/<language>/LC_MESSAGES/messages.po.
translations: $(INSTALLED)
	$(BIN)/pybabel extract -F babel.cfg --no-location --omit-header -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching

lint: $(INSTALLED)
	$(BIN)/ruff check app tests bench
	$(BIN)/bandit -q -r app
	$(BIN)/python .ci/audit_dependencies.py

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis
