module github.com/tenantc/tenantc

go 1.26

require (
	github.com/jackc/pgx/v5 v5.9.2
	github.com/pganalyze/pg_query_go/v6 v6.2.2
	github.com/stretchr/testify v1.12.1
	gopkg.in/yaml.v3 v3.0.1
)

require (
	github.com/jackc/pgpassfile v1.0.0 // indirect
	github.com/jackc/pgservicefile v0.0.0-20240606120523-5a60cdf6a761 // indirect
	github.com/kr/text v0.2.0 // indirect
	github.com/rogpeppe/go-internal v1.16.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/text v0.29.0 // indirect
	google.golang.org/protobuf v1.31.0 // indirect
)
