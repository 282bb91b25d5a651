package isolation_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/gen/db"
	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/crud"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
	"github.com/tenantc/tenantc/tenant"
)

// TestRepositories drives every generated scoped repository of the example as
// tenant A, inside tenant.Run and on the one-round-trip fast path, and tries to
// reach tenant B's rows through its standard queries. It walks db.TenantRepos
// by reflection, so a table added to schema/ is covered without a new test.
func TestRepositories(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, fx.db.AppURL)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	tdb := tenant.NewDB(pool, tenant.WithSetting(fx.setting))
	require.NoError(t, tenant.Verify(ctx, tdb), "the app role must be fit to serve tenants")

	ctxA := tenant.WithID(ctx, tenantA)
	modes := map[string]func(fn func(ctx context.Context, repos *db.TenantRepos) error) error{
		"run": func(fn func(context.Context, *db.TenantRepos) error) error {
			return tenant.Run(ctxA, tdb, func(ctx context.Context, s *tenant.Scope) error {
				return fn(ctx, db.NewTenantRepos(s))
			})
		},
		"fast path": func(fn func(context.Context, *db.TenantRepos) error) error {
			return fn(ctxA, db.NewTenantRepos(tdb.Scope()))
		},
	}
	repoType := reflect.TypeOf(db.TenantRepos{})
	require.Positive(t, repoType.NumField())
	for mode, within := range modes {
		for i := range repoType.NumField() {
			field := repoType.Field(i)
			tbl := tableOfRepo(t, fx.model, field.Name)
			t.Run(mode+"/"+tbl.Name.String(), func(t *testing.T) {
				keyB := fx.keyArgs(t, tbl, tenantB)
				require.NoError(t, within(func(ctx context.Context, repos *db.TenantRepos) error {
					repo := reflect.ValueOf(repos).Elem().Field(i)
					name := crud.GoName(tbl.Name.Name)
					one := strings.TrimPrefix(methodWith(repo, "Get"), "Get")

					count := call(ctx, repo, "Count"+name)
					require.NoError(t, count.err)
					require.EqualValues(t, fx.adminCount(t, tbl, tenantA), count.value.Int(), "count sees exactly A's rows")

					got := call(ctx, repo, "Get"+one, keyB...)
					require.ErrorIs(t, got.err, pgx.ErrNoRows, "get of B's row by key")

					if args, ok := listArgs(repo, "List"+name); ok {
						list := call(ctx, repo, "List"+name, args...)
						require.NoError(t, list.err)
						require.Equal(t, int(count.value.Int()), list.value.Len(), "the first page holds every row of A")
						for j := range list.value.Len() {
							require.EqualValues(t, tenantA, list.value.Index(j).FieldByName("TenantID").String())
						}
					} else {
						t.Logf("List%s is the user's own query; not the standard keyset list", name)
					}

					upd := call(ctx, repo, "Update"+one, updateArgs(repo, "Update"+one, keyB)...)
					require.ErrorIs(t, upd.err, pgx.ErrNoRows, "update of B's row")

					del := call(ctx, repo, "Delete"+one, keyB...)
					require.NoError(t, del.err)
					require.Zero(t, del.value.Int(), "delete of B's row")
					return nil
				}))
				require.Positive(t, fx.adminCount(t, tbl, tenantB), "B's rows are untouched")
			})
		}
	}

	t.Run("no tenant", func(t *testing.T) {
		repos := db.NewTenantRepos(tdb.Scope())
		_, err := repos.Projects.CountProjects(ctx)
		require.ErrorIs(t, err, tenant.ErrNoTenant)
		err = tenant.Run(ctx, tdb, func(ctx context.Context, s *tenant.Scope) error { return nil })
		require.ErrorIs(t, err, tenant.ErrNoTenant)
	})

	t.Run("create takes the scope's tenant", func(t *testing.T) {
		err := tenant.Run(ctxA, tdb, func(ctx context.Context, s *tenant.Scope) error {
			p, err := db.NewTenantRepos(s).Projects.CreateProject(ctx, db.CreateProjectArgs{Name: "made by A"})
			require.NoError(t, err)
			require.EqualValues(t, tenantA, p.TenantID)
			got, err := db.NewProjectsRepo(s).GetProject(ctx, p.ID)
			require.NoError(t, err)
			require.Equal(t, "made by A", got.Name)
			return errors.New("roll back")
		})
		require.EqualError(t, err, "roll back")
	})

	t.Run("user query on a view is scoped", func(t *testing.T) {
		rows, err := db.NewProjectsRepo(tdb.Scope()).ProjectTaskCounts(ctxA)
		require.NoError(t, err)
		require.Len(t, rows, fx.adminCount(t, fx.model.Table(catalog.Name{Schema: "public", Name: "projects"}), tenantA))
	})
}

// tableOfRepo finds the table a TenantRepos field stands for.
func tableOfRepo(t *testing.T, m *tenancy.Model, field string) *tenancy.Table {
	for _, tbl := range m.Tables {
		if tbl.Kind == tenancy.Scoped && tbl.PartitionOf == nil && crud.GoName(tbl.Name.Name) == field {
			return tbl
		}
	}
	t.Fatalf("no scoped table for repository field %s", field)
	return nil
}

// keyArgs returns the arguments of Get/Delete for one row of tenant: the primary
// key without the tenant column, as one value or as the Args struct, read from
// the database as the superuser.
func (fx *fixture) keyArgs(t *testing.T, tbl *tenancy.Table, tenantID string) []reflect.Value {
	var cols []string
	for _, c := range tbl.PrimaryKey.Columns {
		if c != tbl.TenantColumn.Name {
			cols = append(cols, c)
		}
	}
	return []reflect.Value{reflect.ValueOf(keyRow{fx: fx, tbl: tbl, tenant: tenantID, cols: cols})}
}

// keyRow stands for a row's key until the method's parameter types are known.
type keyRow struct {
	fx     *fixture
	tbl    *tenancy.Table
	tenant string
	cols   []string
}

type result struct {
	value reflect.Value
	err   error
}

// call invokes method on repo with ctx and args, converting keyRow arguments
// into the method's parameter types.
func call(ctx context.Context, repo reflect.Value, method string, args ...reflect.Value) result {
	m := repo.MethodByName(method)
	if !m.IsValid() {
		return result{err: fmt.Errorf("repository has no method %s", method)}
	}
	in := []reflect.Value{reflect.ValueOf(ctx)}
	for i, a := range args {
		pt := m.Type().In(i + 1)
		if k, ok := a.Interface().(keyRow); ok {
			a = k.as(pt)
		}
		in = append(in, a)
	}
	out := m.Call(in)
	res := result{value: out[0]}
	if e := out[len(out)-1]; !e.IsNil() {
		res.err = e.Interface().(error)
	}
	if len(out) == 1 {
		res.value = reflect.Value{}
	}
	return res
}

// as reads the row's key into a value of type pt: the key itself for a one-column
// key, else a struct whose fields are named after the key columns.
func (k keyRow) as(pt reflect.Type) reflect.Value {
	v := reflect.New(pt).Elem()
	if len(k.cols) > 1 { // the repository takes an Args struct only for several values
		k.scanFields(v)
	} else {
		k.scan([]any{v.Addr().Interface()})
	}
	return v
}

// scanFields reads the key into the fields of struct v named after its columns.
func (k keyRow) scanFields(v reflect.Value) {
	var dest []any
	for _, c := range k.cols {
		dest = append(dest, v.FieldByNameFunc(func(f string) bool { return sameName(f, c) }).Addr().Interface())
	}
	k.scan(dest)
}

func (k keyRow) scan(dest []any) {
	sel := make([]string, len(k.cols))
	for i, c := range k.cols {
		sel[i] = catalog.QuoteIdent(c)
	}
	err := k.fx.admin.QueryRow(context.Background(), fmt.Sprintf("SELECT %s FROM %s WHERE %s = $1 LIMIT 1",
		strings.Join(sel, ", "), k.tbl.Name, catalog.QuoteIdent(k.tbl.TenantColumn.Name)), k.tenant).Scan(dest...)
	if err != nil {
		panic(fmt.Sprintf("reading a key of %s: %v", k.tbl.Name, err))
	}
}

// sameName compares a Go field name with a column name as sqlc maps them.
func sameName(field, col string) bool {
	return strings.EqualFold(field, strings.ReplaceAll(col, "_", ""))
}

func methodWith(repo reflect.Value, prefix string) string {
	for i := range repo.NumMethod() {
		if name := repo.Type().Method(i).Name; strings.HasPrefix(name, prefix) {
			return name
		}
	}
	return ""
}

// listArgs asks for the first page, as large as the seeded data; false when the
// method is not the standard first-page list (a user query took its name).
func listArgs(repo reflect.Value, method string) ([]reflect.Value, bool) {
	m := repo.MethodByName(method)
	if !m.IsValid() || m.Type().NumIn() != 2 || m.Type().In(1).Kind() != reflect.Int32 {
		return nil, false
	}
	return []reflect.Value{reflect.ValueOf(int32(1000))}, true
}

// updateArgs aims an update at key's row with that row's own values, read as
// the superuser: should the policy ever let the row be found, the update
// succeeds and the test fails.
func updateArgs(repo reflect.Value, method string, key []reflect.Value) []reflect.Value {
	v := reflect.New(repo.MethodByName(method).Type().In(1)).Elem()
	k := key[0].Interface().(keyRow)
	var cols []string
	for i := range v.NumField() {
		for _, c := range k.tbl.Columns {
			if sameName(v.Type().Field(i).Name, c.Name) {
				cols = append(cols, c.Name)
			}
		}
	}
	k.cols = cols
	k.scanFields(v)
	return []reflect.Value{v}
}
