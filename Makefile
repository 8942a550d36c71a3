# Convenience targets. The README's two commands work without make:
#   go run ./cmd/vigil serve --local-agent     and     bash scripts/test.sh

.PHONY: build run test ui fuzz bench clean

build: ## build bin/vigil and bin/vigil-agent (static, no cgo)
	CGO_ENABLED=0 go build -o bin/ ./cmd/vigil ./cmd/vigil-agent

run: ## start the hub with an agent for this machine, data under ./data
	go run ./cmd/vigil serve --local-agent

test: ## every test: vet, unit, conformance, end-to-end, browser
	bash scripts/test.sh

ui: ## rebuild the embedded web UI bundle (commit web/dist afterwards)
	cd web && npm ci && npm run build

fuzz: ## run each fuzz target for 30 s
	go test ./internal/wire -run XXX -fuzz FuzzDecode -fuzztime 30s
	go test ./internal/wire -run XXX -fuzz FuzzRoundTrip -fuzztime 30s
	go test ./internal/api -run XXX -fuzz FuzzDecode -fuzztime 30s
	go test ./internal/agent/collect -run XXX -fuzz FuzzParsers -fuzztime 30s

bench: ## micro-benchmarks of the hot paths
	go test ./internal/wire ./internal/series ./internal/agent/collect -run XXX -bench . -benchmem

clean:
	rm -rf bin artifacts
