// The developer tools tenantc's CI runs, pinned (staticcheck, see
// staticcheck.conf). A module of its own so that their requirements stay out
// of the main module's go.mod, which everyone who imports tenant or orgstore
// downloads. Run from the repository root:
//
//	go tool -modfile=tools/go.mod staticcheck ./...
//
// Upgrade with: cd tools && go get -tool honnef.co/go/tools/cmd/staticcheck@VERSION && go mod tidy
module github.com/tenantc/tenantc/tools

go 1.26.0

tool honnef.co/go/tools/cmd/staticcheck

require (
	github.com/BurntSushi/toml v1.4.1-0.20240526193622-a339e1f7089c // indirect
	golang.org/x/exp/typeparams v0.0.0-20231108232855-2478ac86f678 // indirect
	golang.org/x/mod v0.41.0 // indirect
	golang.org/x/sync v0.23.0 // indirect
	golang.org/x/tools v0.51.0 // indirect
	honnef.co/go/tools v0.8.2 // indirect
)
