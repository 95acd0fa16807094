# 信访通 Xinfang — `make run` serves the demo, `make test` runs the whole suite (SQLite, then PostgreSQL).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA := var
PG_URL ?= postgres://postgres@127.0.0.1:5432/xinfang_ci
BIND ?= 127.0.0.1:8000

# Production settings with local values: a generated secret key and plain-HTTP cookies on 127.0.0.1.
RUN_ENV := XINFANG_SECRET_KEY_FILE=$(DATA)/secret_key XINFANG_SECURE_COOKIES=false XINFANG_DATA_DIR=$(DATA)

.PHONY: run test install lint docs clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/pip install -q --disable-pip-version-check -e '.[test]'
	touch $@

install: $(BIN)/.installed

$(DATA)/secret_key:
	mkdir -p $(DATA)
	$(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	chmod 600 $@

run: install $(DATA)/secret_key
	$(RUN_ENV) $(BIN)/xinfang migrate --noinput -v 0
	$(RUN_ENV) $(BIN)/xinfang collectstatic --noinput -v 0
	$(RUN_ENV) $(BIN)/xinfang demo
	$(RUN_ENV) $(BIN)/xinfang stats fill
	@echo "训练内容分类建议模型（用演示信访件中已确定的分类）……"
	$(RUN_ENV) $(BIN)/xinfang intel train --from-cases --out $(DATA)/intel/category-model.npz > /dev/null
	@echo "信访通已启动：http://$(BIND)/  （按 Ctrl+C 停止）"
	$(RUN_ENV) $(BIN)/xinfang serve --bind $(BIND)

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q tests/test_boundaries.py
	DJANGO_SETTINGS_MODULE=config.test_settings $(BIN)/xinfang workflow_doc --check

docs: install
	DJANGO_SETTINGS_MODULE=config.test_settings $(BIN)/xinfang workflow_doc

test: install lint
	@bash scripts/system-deps.sh
	@echo "=== 测试：SQLite ==="
	$(BIN)/python -m pytest
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)'.rsplit('/',1)[0]+'/postgres', connect_timeout=3).close()" 2>/dev/null; then \
		echo "=== 测试：PostgreSQL ($(PG_URL)) ==="; \
		XINFANG_DATABASE_URL=$(PG_URL) $(BIN)/python -m pytest; \
	else \
		echo ""; \
		echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
		echo "!!! 未连接到 PostgreSQL（$(PG_URL)）：跳过 PostgreSQL 测试轮次。             !!!"; \
		echo "!!! PostgreSQL 是生产数据库；请在可用 PostgreSQL 的环境中运行 make test。      !!!"; \
		echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
	fi

clean:
	rm -rf $(VENV) $(DATA) *.egg-info
