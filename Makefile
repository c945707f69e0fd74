# The two commands of the README: `make run` and `make test`. Both are idempotent.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
MANAGE := $(BIN)/python manage.py
STAMP := $(VENV)/.installed

.PHONY: install print-deps migrate seed run serve worker test test-fast lint check browser-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the pinned dependencies change.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The Nu Html Checker (vnu.jar, pinned) for the browser tests, from the npm registry's
# vnu-jar package; it runs with the machine's Java. Its install script, which would fetch
# a Java runtime, is skipped.
VNU_VERSION := 26.9.27
VNU_JAR := $(VENV)/vnu/node_modules/vnu-jar/build/dist/vnu.jar
$(VNU_JAR): Makefile | $(BIN)/python
	npm install --silent --no-audit --no-fund --ignore-scripts --cache $(VENV)/vnu/npm-cache --prefix $(VENV)/vnu vnu-jar@$(VNU_VERSION)
	touch $(VNU_JAR)

# The print edition (newsroom/editions/printing.py) is drawn by WeasyPrint with Pango and
# HarfBuzz, in the Noto CJK fonts (Serif and Sans CJK SC, regular and bold, all in Debian's
# fonts-noto-cjk). pip cannot install those: apt-get does, when they are missing and make
# runs as root (CI); otherwise make stops and names the packages.
PRINT_PACKAGES := fonts-noto-cjk fontconfig libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
LDCONFIG := $(shell command -v ldconfig || echo /sbin/ldconfig)
print-deps:
	@if fc-list :lang=zh-cn family 2>/dev/null | grep -q 'Noto Serif CJK SC' \
	  && fc-list :lang=zh-cn family 2>/dev/null | grep -q 'Noto Sans CJK SC' \
	  && $(LDCONFIG) -p | grep -q 'libpangoft2-1.0.so' && $(LDCONFIG) -p | grep -q 'libharfbuzz-subset.so'; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "== 安装印刷版所需的字体和排版库 Installing the print edition's fonts and libraries: $(PRINT_PACKAGES)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PRINT_PACKAGES) >/dev/null; \
	else \
	  echo "印刷版需要 Noto CJK 字体和 Pango The print edition needs: sudo apt-get install $(PRINT_PACKAGES)"; exit 1; \
	fi

install: print-deps $(STAMP)

migrate: install
	$(MANAGE) migrate --noinput

# The seed is issue 1, published; importing it again changes nothing.
seed: migrate
	NEWSROOM_REVIEW_STAGES=0 $(MANAGE) import_issue seeds/ --number 1 --publish

run: seed
	$(MANAGE) collectstatic --noinput --verbosity 0
	@echo ""
	@echo "  网站 Site:   http://$(HOST):$(PORT)/"
	@echo "  后台 Admin:  http://$(HOST):$(PORT)/admin/"
	@echo "  创建编辑账号 Create an editor account:  $(MANAGE) createsuperuser"
	@echo "  后台任务 Task worker: runs beside the site; Ctrl-C stops both"
	@echo ""
	HOST=$(HOST) PORT=$(PORT) $(MANAGE) serve --config newsroom/gunicorn.conf.py

# The background task worker alone (a deployment runs it as its own service, beside the web).
worker: migrate
	$(MANAGE) db_worker --no-reload

# The production configuration (docs/deploy.md): DEBUG off, hashed and compressed static
# files, migrations, then gunicorn with newsroom/gunicorn.conf.py (2 × cores + 1 workers,
# logs on stdout) and the task worker beside it, as `make run` does. No seed: a real site
# imports its own issues. The environment (DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS,
# DATABASE_URL, …) comes from the caller. systemd runs the two as separate units instead.
serve: export DJANGO_DEBUG := 0
serve: install
	$(MANAGE) collectstatic --noinput --verbosity 0
	$(MANAGE) migrate --noinput
	HOST=$(HOST) PORT=$(PORT) $(MANAGE) serve --config newsroom/gunicorn.conf.py

check: install
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run

# ruff, then the import contracts of pyproject.toml (docs/architecture.md): no import
# runs up a layer, and no package has a circle of imports.
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

test: check lint $(VNU_JAR)
	$(BIN)/pytest

clean:
	rm -rf $(VENV) staticfiles .pytest_cache

# Backups (README: Backups): one file in backups/ with the database, the media and a manifest.
.PHONY: backup restore
backup: install
	$(MANAGE) backup

# Asks before replacing anything unless YES=1; then applies migrations the backup predates.
restore: install
	@test -n "$(FILE)" || { echo "用法：make restore FILE=backups/newsroom-….tar.gz [YES=1]"; exit 2; }
	$(MANAGE) restore "$(FILE)" $(if $(filter 1 yes true,$(YES)),--yes)
	$(MANAGE) migrate --noinput
