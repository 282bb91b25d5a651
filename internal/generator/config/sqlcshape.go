package config

import (
	"strconv"

	"gopkg.in/yaml.v3"
)

// The shapes below mirror sqlc v1.31.1's internal/config (config.go, v_one.go,
// v_two.go) and its Go options (internal/codegen/golang/opts): decoding a
// config into them with unknown keys refused accepts what sqlc accepts, and
// locates what it refuses. Only the shape matters here; readSQLC reads the
// values it needs from the YAML nodes.

type v1File struct {
	Version   string            `yaml:"version"`
	Cloud     sqlcCloud         `yaml:"cloud"`
	Packages  []v1Package       `yaml:"packages"`
	Overrides []sqlcOverride    `yaml:"overrides,omitempty"`
	Rename    map[string]string `yaml:"rename,omitempty"`
	Rules     []sqlcRule        `yaml:"rules"`
}

type v1Package struct {
	Name                         string         `yaml:"name"`
	Engine                       string         `yaml:"engine"`
	Database                     *sqlcDatabase  `yaml:"database"`
	Analyzer                     sqlcAnalyzer   `yaml:"analyzer"`
	Path                         string         `yaml:"path"`
	Schema                       sqlcPathList   `yaml:"schema"`
	Queries                      sqlcPathList   `yaml:"queries"`
	EmitInterface                bool           `yaml:"emit_interface"`
	EmitJSONTags                 bool           `yaml:"emit_json_tags"`
	JSONTagsIDUppercase          bool           `yaml:"json_tags_id_uppercase"`
	EmitDBTags                   bool           `yaml:"emit_db_tags"`
	EmitPreparedQueries          bool           `yaml:"emit_prepared_queries"`
	EmitExactTableNames          bool           `yaml:"emit_exact_table_names"`
	EmitEmptySlices              bool           `yaml:"emit_empty_slices"`
	EmitExportedQueries          bool           `yaml:"emit_exported_queries"`
	EmitResultStructPointers     bool           `yaml:"emit_result_struct_pointers"`
	EmitParamsStructPointers     bool           `yaml:"emit_params_struct_pointers"`
	EmitMethodsWithDBArgument    bool           `yaml:"emit_methods_with_db_argument"`
	EmitPointersForNullTypes     bool           `yaml:"emit_pointers_for_null_types"`
	EmitPointersForNullEnumTypes *bool          `yaml:"emit_pointers_for_null_enum_types"`
	EmitEnumValidMethod          bool           `yaml:"emit_enum_valid_method"`
	EmitAllEnumValues            bool           `yaml:"emit_all_enum_values"`
	EmitSQLAsComment             bool           `yaml:"emit_sql_as_comment"`
	JSONTagsCaseStyle            string         `yaml:"json_tags_case_style"`
	SQLPackage                   string         `yaml:"sql_package"`
	SQLDriver                    string         `yaml:"sql_driver"`
	Overrides                    []sqlcOverride `yaml:"overrides"`
	OutputBatchFileName          string         `yaml:"output_batch_file_name"`
	OutputDBFileName             string         `yaml:"output_db_file_name"`
	OutputModelsFileName         string         `yaml:"output_models_file_name"`
	OutputQuerierFileName        string         `yaml:"output_querier_file_name"`
	OutputCopyFromFileName       string         `yaml:"output_copyfrom_file_name"`
	OutputFilesSuffix            string         `yaml:"output_files_suffix"`
	StrictFunctionChecks         bool           `yaml:"strict_function_checks"`
	StrictOrderBy                *bool          `yaml:"strict_order_by"`
	QueryParameterLimit          *int32         `yaml:"query_parameter_limit"`
	OmitSqlcVersion              bool           `yaml:"omit_sqlc_version"`
	OmitUnusedStructs            bool           `yaml:"omit_unused_structs"`
	Rules                        []string       `yaml:"rules"`
	BuildTags                    string         `yaml:"build_tags"`
}

type v2File struct {
	Version   string               `yaml:"version"`
	Cloud     sqlcCloud            `yaml:"cloud"`
	Servers   []sqlcServer         `yaml:"servers"`
	SQL       []v2SQL              `yaml:"sql"`
	Overrides v2Overrides          `yaml:"overrides"`
	Plugins   []sqlcPlugin         `yaml:"plugins"`
	Rules     []sqlcRule           `yaml:"rules"`
	Options   map[string]yaml.Node `yaml:"options"`
}

type v2SQL struct {
	Name                 string        `yaml:"name"`
	Engine               string        `yaml:"engine"`
	Schema               sqlcPathList  `yaml:"schema"`
	Queries              sqlcPathList  `yaml:"queries"`
	Database             *sqlcDatabase `yaml:"database"`
	StrictFunctionChecks bool          `yaml:"strict_function_checks"`
	StrictOrderBy        *bool         `yaml:"strict_order_by"`
	Gen                  struct {
		Go   *sqlcGoOptions `yaml:"go"`
		JSON *struct {
			Out      string `yaml:"out"`
			Indent   string `yaml:"indent"`
			Filename string `yaml:"filename"`
		} `yaml:"json"`
	} `yaml:"gen"`
	Codegen []struct {
		Out     string    `yaml:"out"`
		Plugin  string    `yaml:"plugin"`
		Options yaml.Node `yaml:"options"`
	} `yaml:"codegen"`
	Rules    []string     `yaml:"rules"`
	Analyzer sqlcAnalyzer `yaml:"analyzer"`
}

type v2Overrides struct {
	Go *struct {
		Overrides []sqlcOverride    `yaml:"overrides"`
		Rename    map[string]string `yaml:"rename"`
	} `yaml:"go"`
}

type sqlcGoOptions struct {
	EmitInterface                bool              `yaml:"emit_interface"`
	EmitJSONTags                 bool              `yaml:"emit_json_tags"`
	JSONTagsIDUppercase          bool              `yaml:"json_tags_id_uppercase"`
	EmitDBTags                   bool              `yaml:"emit_db_tags"`
	EmitPreparedQueries          bool              `yaml:"emit_prepared_queries"`
	EmitExactTableNames          bool              `yaml:"emit_exact_table_names"`
	EmitEmptySlices              bool              `yaml:"emit_empty_slices"`
	EmitExportedQueries          bool              `yaml:"emit_exported_queries"`
	EmitResultStructPointers     bool              `yaml:"emit_result_struct_pointers"`
	EmitParamsStructPointers     bool              `yaml:"emit_params_struct_pointers"`
	EmitMethodsWithDBArgument    bool              `yaml:"emit_methods_with_db_argument"`
	EmitPointersForNullTypes     bool              `yaml:"emit_pointers_for_null_types"`
	EmitPointersForNullEnumTypes *bool             `yaml:"emit_pointers_for_null_enum_types"`
	EmitEnumValidMethod          bool              `yaml:"emit_enum_valid_method"`
	EmitAllEnumValues            bool              `yaml:"emit_all_enum_values"`
	EmitSQLAsComment             bool              `yaml:"emit_sql_as_comment"`
	JSONTagsCaseStyle            string            `yaml:"json_tags_case_style"`
	Package                      string            `yaml:"package"`
	Out                          string            `yaml:"out"`
	Overrides                    []sqlcOverride    `yaml:"overrides"`
	Rename                       map[string]string `yaml:"rename"`
	SQLPackage                   string            `yaml:"sql_package"`
	SQLDriver                    string            `yaml:"sql_driver"`
	OutputBatchFileName          string            `yaml:"output_batch_file_name"`
	OutputDBFileName             string            `yaml:"output_db_file_name"`
	OutputModelsFileName         string            `yaml:"output_models_file_name"`
	OutputQuerierFileName        string            `yaml:"output_querier_file_name"`
	OutputCopyfromFileName       string            `yaml:"output_copyfrom_file_name"`
	OutputFilesSuffix            string            `yaml:"output_files_suffix"`
	InflectionExcludeTableNames  []string          `yaml:"inflection_exclude_table_names"`
	WrapErrors                   bool              `yaml:"wrap_errors"`
	QueryParameterLimit          *int32            `yaml:"query_parameter_limit"`
	OmitSqlcVersion              bool              `yaml:"omit_sqlc_version"`
	OmitUnusedStructs            bool              `yaml:"omit_unused_structs"`
	BuildTags                    string            `yaml:"build_tags"`
	Initialisms                  *[]string         `yaml:"initialisms"`
}

// sqlcOverride is a Go type override; go_type and go_struct_tag take a string
// or a mapping, so they are left to sqlc.
type sqlcOverride struct {
	GoType                 yaml.Node `yaml:"go_type"`
	GoStructTag            yaml.Node `yaml:"go_struct_tag"`
	DBType                 string    `yaml:"db_type"`
	DeprecatedPostgresType string    `yaml:"postgres_type"`
	Engine                 string    `yaml:"engine"`
	Nullable               bool      `yaml:"nullable"`
	Unsigned               bool      `yaml:"unsigned"`
	DeprecatedNull         bool      `yaml:"null"`
	Column                 string    `yaml:"column"`
}

type sqlcCloud struct {
	Organization string `yaml:"organization"`
	Project      string `yaml:"project"`
	Hostname     string `yaml:"hostname"`
}

type sqlcServer struct {
	Name   string `yaml:"name"`
	Engine string `yaml:"engine"`
	URI    string `yaml:"uri"`
}

type sqlcDatabase struct {
	URI     string `yaml:"uri"`
	Managed bool   `yaml:"managed"`
}

type sqlcPlugin struct {
	Name    string   `yaml:"name"`
	Env     []string `yaml:"env"`
	Process *struct {
		Cmd    string `yaml:"cmd"`
		Format string `yaml:"format"`
	} `yaml:"process"`
	WASM *struct {
		URL    string `yaml:"url"`
		SHA256 string `yaml:"sha256"`
	} `yaml:"wasm"`
}

type sqlcRule struct {
	Name string `yaml:"name"`
	Rule string `yaml:"rule"`
	Msg  string `yaml:"message"`
}

type sqlcAnalyzer struct {
	Database sqlcAnalyzerDatabase `yaml:"database"`
}

// sqlcAnalyzerDatabase is analyzer.database: true, false or "only".
type sqlcAnalyzerDatabase struct{}

func (*sqlcAnalyzerDatabase) UnmarshalYAML(n *yaml.Node) error {
	var b bool
	if n.Decode(&b) == nil || (n.Kind == yaml.ScalarNode && n.Value == "only") {
		return nil
	}
	return &yaml.TypeError{Errors: []string{"line " + strconv.Itoa(n.Line) + `: analyzer.database must be true, false, or "only"`}}
}

// sqlcPathList is a path or a list of paths.
type sqlcPathList []string

func (p *sqlcPathList) UnmarshalYAML(n *yaml.Node) error {
	var l stringList
	if err := n.Decode(&l); err != nil {
		return &yaml.TypeError{Errors: []string{"line " + strconv.Itoa(n.Line) + ": want a path or a list of paths (schema: and queries:)"}}
	}
	*p = sqlcPathList(l)
	return nil
}
