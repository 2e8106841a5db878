# 示范县政府门户：两条命令 —— `make run` 启动整个门户，`make test` 运行全部测试。
# Everything installs into .venv from pyproject.toml; nothing else is assumed but Python 3.11.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
# The tree to build and where to write it: `make build CONTENT=… OUTPUT=…`. Given on the command
# line, `make run` hands them to the service too; otherwise it keeps its own config.
CONTENT ?= content
OUTPUT  ?= output
SERVE_ENV := $(if $(filter command line,$(origin CONTENT)),FORMSVC_CONTENT_DIR=$(abspath $(CONTENT))) \
             $(if $(filter command line,$(origin OUTPUT)),FORMSVC_OUTPUT_DIR=$(abspath $(OUTPUT)))

# one pytest worker per core (at most 4), the browser tests together on one of them (docs/testing.md);
# `make test PYTEST_PARALLEL=` runs them all in one process
PYTEST_PARALLEL ?= -n auto --dist loadfile

.PHONY: run build check preview bench stack-test test lint clean help

help:
	@echo "make run      建立环境、生成演示门户并在 http://$(HOST):$(PORT) 启动（门户 + 互动交流服务）"
	@echo "make test     建立测试环境并运行全部测试"
	@echo "make check    检查网站群的全部内容（SITE=代码 只检查一个网站）"
	@echo "make build    生成网站群（SITE=代码 只生成一个网站）"
	@echo "make preview  编辑时预览：内容变化后自动重新生成（SITE=代码 预览子网站）"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Stamps re-run pip only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[prod]'
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test,prod]'
	touch $@ $(VENV)/.installed

# The whole cluster (the county at output/, each sites/<id>/ at output/<id>/; unchanged sites are
# skipped, docs/cluster.md), or one site: `make build SITE=cgz`. Given CONTENT=…, that one tree.
build: $(VENV)/.installed
ifeq ($(origin CONTENT),command line)
	$(VENV)/bin/pelican $(CONTENT) -s pelicanconf.py -o $(OUTPUT)
else
	$(PY) -m portal.cluster build --output $(OUTPUT) $(if $(SITE),--site $(SITE))
endif

# every site of the cluster and the rules between sites; `make check SITE=cgz` one site
check: $(VENV)/.installed
	$(PY) scripts/check $(if $(SITE),--site $(SITE))

# the port is checked before the build, so a busy one is reported at once (with how to choose another)
run: $(VENV)/.installed
	@$(PY) -m portal.ports $(HOST) $(PORT) make run
	$(MAKE) --no-print-directory build
	$(SERVE_ENV) $(PY) scripts/serve --demo-staff --host $(HOST) --port $(PORT)

# Incremental: re-renders only the changed document and the lists it appears in (docs/performance.md).
preview: $(VENV)/.installed
	$(PY) scripts/preview --host $(HOST) --port $(PORT) $(if $(SITE),--site $(SITE))

bench: $(VENV)/.installed-test
	$(PY) scripts/bench --sizes 1000,10000 --json bench.json

# nginx + gunicorn + PostgreSQL + Redis on loopback, a short load through nginx (docs/deploy.md).
stack-test: $(VENV)/.installed-test
	$(PY) scripts/stack-test

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .

test: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	@test -x /usr/bin/chromium || echo "注意：未安装 chromium，浏览器测试（tests/e2e）将跳过；安装：apt-get install chromium fonts-noto-cjk"
	$(PY) -m pytest $(PYTEST_PARALLEL)

clean:
	rm -rf output instance/*.sqlite3* .pytest_cache
