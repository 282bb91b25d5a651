package main
import (
  pg_query "github.com/pganalyze/pg_query_go/v6"
  _ "github.com/jackc/pgx/v5"
  _ "gopkg.in/yaml.v3"
  _ "github.com/stretchr/testify/require"
)
func main(){ r, err := pg_query.Parse("select 1"); println(r != nil, err == nil) }
