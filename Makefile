# Two commands for a newcomer: `make run` and `make test` (see README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-12)

.PHONY: install run test lint unit bench fuzz clean package deploy chime-sdk axe

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

## The local stack: moto server, tables/bucket/queues, the API + hosted page, the queue worker, a demo school.
run: $(STAMP)
	$(BIN)/python -m devstack

## Every check CI runs: lint, types, then all tests.
test: $(STAMP)
	$(BIN)/python -m ruff check .
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest -n 2 --dist loadfile

lint: $(STAMP)
	$(BIN)/python -m ruff check .
	$(BIN)/python -m mypy

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit -q

bench: $(STAMP)
	$(BIN)/python -m bench

## A longer schemathesis run than `make test`'s: 200 examples per operation and credential.
fuzz: $(STAMP)
	FUZZ_EXAMPLES=200 $(BIN)/python -m pytest tests/fuzz -q

## Operators (README, "Deploying to AWS"): one SAM template for a stage, and deploying it with the AWS CLI.
STAGE ?= dev
STACK ?= school-chats-$(STAGE)

package: $(STAMP)
	$(BIN)/python -m infrastructure.build $(STAGE) build/$(STAGE)

deploy: package
	@command -v aws >/dev/null || { echo "make deploy needs the AWS CLI (v2) on PATH"; exit 2; }
	@test -n "$(ARTIFACT_BUCKET)" || { echo "set ARTIFACT_BUCKET=<an S3 bucket for the Lambda code>"; exit 2; }
	aws cloudformation package --use-json --template-file build/$(STAGE)/sam.json \
		--s3-bucket $(ARTIFACT_BUCKET) --s3-prefix $(STACK) --output-template-file build/$(STAGE)/packaged.json
	aws cloudformation deploy --template-file build/$(STAGE)/packaged.json --stack-name $(STACK) \
		--capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND --no-fail-on-empty-changeset \
		--parameter-overrides Stage=$(STAGE) $(PARAMS)
	aws cloudformation describe-stacks --stack-name $(STACK) --query "Stacks[0].Outputs" --output table

## The Amazon Chime SDK for JavaScript (versions pinned in frontend/chime-sdk/package-lock.json), bundled
## with esbuild into the static file the hosted call page loads when CALL_PROVIDER=chime; licence beside it.
CHIME_DIR := frontend/chime-sdk
STATIC := chalicelib/web/static

chime-sdk:
	cd $(CHIME_DIR) && npm ci --no-audit --no-fund
	$(CHIME_DIR)/node_modules/.bin/esbuild $(CHIME_DIR)/entry.js --bundle --minify --format=iife \
		--global-name=ChimeSDK --target=es2019 --platform=browser --define:global=globalThis \
		--alias:@aws-sdk/client-chime-sdk-messaging=./$(CHIME_DIR)/node_modules/@aws-sdk/client-chime-sdk-messaging/dist-es/index.js \
		--legal-comments=linked --outfile=$(STATIC)/amazon-chime-sdk.js
	cat $(CHIME_DIR)/node_modules/amazon-chime-sdk-js/LICENSE $(CHIME_DIR)/node_modules/amazon-chime-sdk-js/NOTICE \
		> $(STATIC)/amazon-chime-sdk.LICENSE.txt

## The browser tests' accessibility checker: axe-core from npm, pinned by version and checksum,
## kept with its licence in tests/browser/vendor/ (the tests inject it into every screen).
AXE_VERSION := 4.10.2
AXE_SHA256 := 9ea2d2d6917da998122bdacfd3b473e31ead53f4b87146c716a12edf89158100
axe:
	@command -v npm >/dev/null || { echo "make axe needs npm"; exit 2; }
	rm -rf build/axe && mkdir -p build/axe
	cd build/axe && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null
	echo "$(AXE_SHA256)  build/axe/axe-core-$(AXE_VERSION).tgz" | sha256sum -c -
	tar -xzf build/axe/axe-core-$(AXE_VERSION).tgz -C build/axe
	cp build/axe/package/axe.min.js tests/browser/vendor/axe.min.js
	cp build/axe/package/LICENSE tests/browser/vendor/axe-core.LICENSE

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache .hypothesis .chalice/deployments
