package isolation_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/gen/db"
	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/crud"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
	"github.com/tenantc/tenantc/tenant"
)

var errRollback = errors.New("roll back")

// TestEveryGeneratedMethod calls every method of every repository of the
// example as tenant A, in a transaction that is rolled back: Count; List and
// List…After paging one row at a time through all of A's rows; Get of each;
// Create leaving every defaulted column to its default, and again setting each
// one; Update; Delete. A method whose parameters do not fit its table's rows (a
// keyset argument of another column's type) fails here. The user's own queries
// are called too, and the test fails if any method was not.
func TestEveryGeneratedMethod(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, fx.db.AppURL)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	tdb := tenant.NewDB(pool, tenant.WithSetting(fx.setting))
	ctxA := tenant.WithID(ctx, tenantA)

	called := map[string]bool{}
	repoType := reflect.TypeOf(db.TenantRepos{})
	for i := range repoType.NumField() {
		field := repoType.Field(i)
		tbl := tableOfRepo(t, fx.model, field.Name)
		t.Run(tbl.Name.String(), func(t *testing.T) {
			err := tenant.Run(ctxA, tdb, func(ctx context.Context, s *tenant.Scope) error {
				r := &repoCalls{t: t, ctx: ctx, repo: reflect.ValueOf(db.NewTenantRepos(s)).Elem().Field(i), name: field.Name, called: called}
				exerciseStandard(t, r, s, tbl)
				return errRollback
			})
			require.ErrorIs(t, err, errRollback)
		})
	}
	t.Run("user queries", func(t *testing.T) {
		err := tenant.Run(ctxA, tdb, func(ctx context.Context, s *tenant.Scope) error {
			exerciseUserQueries(t, ctx, db.NewTenantRepos(s), called)
			return errRollback
		})
		require.ErrorIs(t, err, errRollback)
		plans, err := db.NewPlansRepo(pool).ListPlans(ctx)
		require.NoError(t, err)
		require.NotEmpty(t, plans)
	})

	// A subtest of its own, so that -run can pick one table's.
	t.Run("every method was called", func(t *testing.T) {
		for i := range repoType.NumField() {
			ptr := reflect.PointerTo(repoType.Field(i).Type.Elem())
			for j := range ptr.NumMethod() {
				name := repoType.Field(i).Name + "." + ptr.Method(j).Name
				require.True(t, called[name], "%s was never called: extend this test", name)
			}
		}
	})
}

// repoCalls calls the methods of one repository by name and records each call.
type repoCalls struct {
	t      *testing.T
	ctx    context.Context
	repo   reflect.Value
	name   string
	called map[string]bool
}

func (r *repoCalls) method(name string) reflect.Value {
	m := r.repo.MethodByName(name)
	require.True(r.t, m.IsValid(), "%s has no method %s", r.name, name)
	return m
}

// call invokes the method with ctx and args and returns its first result (if it
// has two) and its error.
func (r *repoCalls) call(name string, args ...reflect.Value) (reflect.Value, error) {
	r.called[r.name+"."+name] = true
	out := r.method(name).Call(append([]reflect.Value{reflect.ValueOf(r.ctx)}, args...))
	var err error
	if e := out[len(out)-1]; !e.IsNil() {
		err = e.Interface().(error)
	}
	if len(out) == 1 {
		return reflect.Value{}, err
	}
	return out[0], err
}

func exerciseStandard(t *testing.T, r *repoCalls, s *tenant.Scope, tbl *tenancy.Table) {
	many := crud.GoName(tbl.Name.Name)
	one := strings.TrimPrefix(methodWith(r.repo, "Get"), "Get")
	require.NotEmpty(t, one, "%s has no Get method", r.name)

	count, err := r.call("Count" + many)
	require.NoError(t, err)
	n := int(count.Int())
	require.GreaterOrEqual(t, n, 2, "the fixture seeds two rows per tenant")

	all := pageThrough(t, r, many, tbl)
	require.Len(t, all, n, "paging one row at a time reaches every row of A exactly once")
	for _, row := range all {
		require.EqualValues(t, tenantA, row.FieldByName("TenantID").String())
		got, err := r.call("Get"+one, keyArg(t, r.method("Get"+one).Type().In(1), row))
		require.NoError(t, err)
		require.Equal(t, row.Interface(), got.Interface(), "Get returns the row List returned")
	}

	// Create twice: every defaulted column left to its default, then each set.
	template := all[0]
	bare, err := r.call("Create"+one, createArg(t, r, s, "Create"+one, tbl, template, false))
	require.NoError(t, err)
	require.EqualValues(t, tenantA, bare.FieldByName("TenantID").String(), "the tenant comes from the scope")
	checkConstantDefaults(t, r.ctx, s, tbl, bare)
	args := createArg(t, r, s, "Create"+one, tbl, template, true)
	explicit, err := r.call("Create"+one, args)
	require.NoError(t, err)
	for _, c := range tbl.Columns {
		if c.Default != "" && c.Name != tbl.TenantColumn.Name && c.Identity == "" {
			require.Equal(t, plain(args.FieldByName(fieldOf(t, args.Type(), c.Name))), plain(explicit.FieldByName(fieldOf(t, explicit.Type(), c.Name))),
				"Create%s sets %s when the caller gives it", one, c.Name)
		}
	}

	count, err = r.call("Count" + many)
	require.NoError(t, err)
	require.EqualValues(t, n+2, count.Int())

	upd, text := updateArg(t, r.method("Update"+one).Type().In(1), tbl, bare)
	updated, err := r.call("Update"+one, upd)
	require.NoError(t, err)
	require.Equal(t, "updated", updated.FieldByName(text).String(), "Update%s changes %s", one, text)

	for _, row := range []reflect.Value{bare, explicit} {
		key := keyArg(t, r.method("Delete"+one).Type().In(1), row)
		deleted, err := r.call("Delete"+one, key)
		require.NoError(t, err)
		require.EqualValues(t, 1, deleted.Int())
		_, err = r.call("Get"+one, keyArg(t, r.method("Get"+one).Type().In(1), row))
		require.ErrorIs(t, err, pgx.ErrNoRows)
	}
	count, err = r.call("Count" + many)
	require.NoError(t, err)
	require.EqualValues(t, n, count.Int())
}

// pageThrough reads every row one page (of one row) at a time: the first page
// from List (or, where a query of the user's took that name, List…After from
// below the smallest key), then List…After from the last key seen.
func pageThrough(t *testing.T, r *repoCalls, many string, tbl *tenancy.Table) []reflect.Value {
	var page reflect.Value
	var err error
	if m := r.repo.MethodByName("List" + many); m.IsValid() && m.Type().NumIn() == 2 && m.Type().In(1).Kind() == reflect.Int32 {
		page, err = r.call("List"+many, reflect.ValueOf(int32(1)))
	} else {
		page, err = r.call("List"+many+"After", afterArg(t, r.method("List"+many+"After").Type().In(1), reflect.Value{}))
	}
	require.NoError(t, err)
	var all []reflect.Value
	for page.Len() > 0 {
		require.Equal(t, 1, page.Len(), "a page holds at most page_size rows")
		all = append(all, page.Index(0))
		require.Less(t, len(all), 1000, "List%sAfter does not advance", many)
		page, err = r.call("List"+many+"After", afterArg(t, r.method("List"+many+"After").Type().In(1), page.Index(0)))
		require.NoError(t, err)
	}
	return all
}

// afterArg builds List…After's arguments: page size 1, after row's key, or
// after the smallest key when row is invalid. Each After field must have the
// type of the row's field: a mismatch is a method no caller can use.
func afterArg(t *testing.T, typ reflect.Type, row reflect.Value) reflect.Value {
	require.Equal(t, reflect.Struct, typ.Kind())
	v := reflect.New(typ).Elem()
	for i := range typ.NumField() {
		f := typ.Field(i)
		if f.Name == "PageSize" {
			v.Field(i).SetInt(1)
			continue
		}
		col, ok := strings.CutPrefix(f.Name, "After")
		require.True(t, ok, "unexpected field %s of %s", f.Name, typ)
		if !row.IsValid() {
			v.Field(i).Set(smallest(t, f.Type))
			continue
		}
		src := row.FieldByName(col)
		require.True(t, src.IsValid(), "%s.%s names no column of the row", typ, f.Name)
		require.Equal(t, src.Type(), f.Type, "%s.%s must have the type of the column it continues after", typ, f.Name)
		v.Field(i).Set(src)
	}
	return v
}

// smallest is a value below every key of its type.
func smallest(t *testing.T, typ reflect.Type) reflect.Value {
	switch typ {
	case reflect.TypeOf(pgtype.UUID{}):
		return reflect.ValueOf(pgtype.UUID{Valid: true})
	case reflect.TypeOf(pgtype.Timestamptz{}):
		return reflect.ValueOf(pgtype.Timestamptz{InfinityModifier: pgtype.NegativeInfinity, Valid: true})
	}
	t.Fatalf("no smallest value of %s: extend smallest", typ)
	return reflect.Value{}
}

// keyArg builds Get's or Delete's argument from row: its one key value, or a
// struct of them.
func keyArg(t *testing.T, typ reflect.Type, row reflect.Value) reflect.Value {
	if typ.Kind() != reflect.Struct || typ == row.FieldByName("ID").Type() {
		for i := range row.NumField() {
			if row.Type().Field(i).Type == typ && row.Type().Field(i).Name == "ID" {
				return row.Field(i)
			}
		}
		t.Fatalf("no key field of type %s in %s", typ, row.Type())
	}
	return fromRow(t, typ, row)
}

// fromRow fills a struct of type typ from row's fields of the same names.
func fromRow(t *testing.T, typ reflect.Type, row reflect.Value) reflect.Value {
	v := reflect.New(typ).Elem()
	for i := range typ.NumField() {
		src := row.FieldByName(typ.Field(i).Name)
		require.True(t, src.IsValid(), "%s.%s names no column", typ, typ.Field(i).Name)
		require.Equal(t, src.Type(), typ.Field(i).Type, "%s.%s has the type of its column", typ, typ.Field(i).Name)
		v.Field(i).Set(src)
	}
	return v
}

// createArg builds Create's arguments from template, another row of the table:
// required values copied (text made unique), defaulted columns left unset, or
// with explicit each set to a value unlike its default.
func createArg(t *testing.T, r *repoCalls, s *tenant.Scope, method string, tbl *tenancy.Table, template reflect.Value, explicit bool) reflect.Value {
	typ := r.method(method).Type().In(1)
	require.Equal(t, reflect.Struct, typ.Kind())
	v := reflect.New(typ).Elem()
	for i := range typ.NumField() {
		f := typ.Field(i)
		c := columnOf(t, tbl, f.Name)
		switch {
		case c.Default != "" && explicit:
			v.Field(i).Set(explicitValue(t, r.ctx, s, c, f.Type))
		case c.Default != "":
			require.True(t, v.Field(i).IsZero(), "the zero %s leaves %s to its default", f.Type, c.Name)
		default:
			src := template.FieldByName(f.Name)
			require.Equal(t, src.Type(), f.Type, "%s.%s has the type of its column", typ, f.Name)
			if src.Kind() == reflect.String {
				v.Field(i).SetString(src.String() + "-" + rand.Text()[:8]) // unique keys stay unique
			} else {
				v.Field(i).Set(src)
			}
		}
	}
	return v
}

// explicitValue is a value for defaulted column c, of the optional type the
// Create parameter has, that its default would not give.
func explicitValue(t *testing.T, ctx context.Context, s *tenant.Scope, c *catalog.Column, typ reflect.Type) reflect.Value {
	var v any
	switch typ {
	case reflect.TypeOf(pgtype.UUID{}):
		var b [16]byte
		_, _ = rand.Read(b[:])
		v = pgtype.UUID{Bytes: b, Valid: true}
	case reflect.TypeOf(pgtype.Text{}):
		v = pgtype.Text{String: "explicit", Valid: true}
	case reflect.TypeOf(pgtype.Int4{}):
		v = pgtype.Int4{Int32: 7, Valid: true}
	case reflect.TypeOf(pgtype.Int8{}):
		v = pgtype.Int8{Int64: 7, Valid: true}
	case reflect.TypeOf(pgtype.Timestamptz{}):
		v = pgtype.Timestamptz{Time: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC), Valid: true}
	case reflect.TypeOf([]byte(nil)):
		v = []byte(`{"explicit": true}`)
	default:
		// An enum's Null type: {Value E; Valid bool}; take its last label.
		if typ.Kind() == reflect.Struct && typ.NumField() == 2 && typ.Field(1).Name == "Valid" && typ.Field(0).Type.Kind() == reflect.String {
			var label string
			require.NoError(t, s.Querier().QueryRow(ctx, fmt.Sprintf("SELECT (enum_range(NULL::%[1]s))[array_length(enum_range(NULL::%[1]s), 1)]::text", c.Type)).Scan(&label))
			out := reflect.New(typ).Elem()
			out.Field(0).SetString(label)
			out.Field(1).SetBool(true)
			return out
		}
		t.Fatalf("no explicit value for %s of type %s: extend explicitValue", c.Name, typ)
	}
	return reflect.ValueOf(v)
}

// checkConstantDefaults compares the columns a Create left to a constant
// default with that default, as PostgreSQL renders it.
func checkConstantDefaults(t *testing.T, ctx context.Context, s *tenant.Scope, tbl *tenancy.Table, row reflect.Value) {
	for _, c := range tbl.Columns {
		if c.Default == "" || strings.Contains(c.Default, "(") || c.Name == tbl.TenantColumn.Name {
			continue // volatile or a function: checked by being non-null
		}
		var want string
		require.NoError(t, s.Querier().QueryRow(ctx, fmt.Sprintf("SELECT (%s)::%s::text", c.Default, c.Type)).Scan(&want))
		require.Equal(t, want, plain(row.FieldByName(fieldOf(t, row.Type(), c.Name))), "%s takes its default %s", c.Name, c.Default)
	}
}

// updateArg aims Update at row with row's own values but one text column,
// which becomes "updated"; it returns that column's field name.
func updateArg(t *testing.T, typ reflect.Type, tbl *tenancy.Table, row reflect.Value) (reflect.Value, string) {
	v := fromRow(t, typ, row)
	keys := map[string]bool{}
	for _, c := range tbl.PrimaryKey.Columns {
		keys[c] = true
	}
	for i := range typ.NumField() {
		if f := typ.Field(i); f.Type.Kind() == reflect.String && !keys[columnOf(t, tbl, f.Name).Name] {
			v.Field(i).SetString("updated")
			return v, f.Name
		}
	}
	t.Fatalf("%s has no text column to update", typ)
	return v, ""
}

func columnOf(t *testing.T, tbl *tenancy.Table, field string) *catalog.Column {
	for _, c := range tbl.Columns {
		if sameName(field, c.Name) {
			return c
		}
	}
	t.Fatalf("field %s names no column of %s", field, tbl.Name)
	return nil
}

func fieldOf(t *testing.T, typ reflect.Type, col string) string {
	for i := range typ.NumField() {
		if sameName(typ.Field(i).Name, col) {
			return typ.Field(i).Name
		}
	}
	t.Fatalf("%s has no field for column %s", typ, col)
	return ""
}

// plain renders a value as PostgreSQL's text output would, so values of a
// Create parameter's optional type compare with the row's type.
func plain(v reflect.Value) string {
	switch x := v.Interface().(type) {
	case pgtype.UUID:
		return fmt.Sprintf("%x", x.Bytes)
	case pgtype.Text:
		return x.String
	case pgtype.Int4:
		return strconv.Itoa(int(x.Int32))
	case pgtype.Int8:
		return strconv.FormatInt(x.Int64, 10)
	case pgtype.Timestamptz:
		return x.Time.UTC().Format(time.RFC3339Nano)
	case []byte:
		return string(x)
	}
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Int, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Struct:
		if v.NumField() == 2 && v.Type().Field(1).Name == "Valid" {
			return plain(v.Field(0)) // an enum's Null type
		}
	}
	return fmt.Sprint(v.Interface())
}

// exerciseUserQueries calls each query of queries/ once, with arguments from
// rows of A, and checks what it returns.
func exerciseUserQueries(t *testing.T, ctx context.Context, repos *db.TenantRepos, called map[string]bool) {
	mark := func(names ...string) {
		for _, n := range names {
			called[n] = true
		}
	}
	mark("Projects.ListActiveProjects", "Projects.ArchiveProject", "Projects.ProjectTaskCounts",
		"Tasks.ListTasksByStatus", "Tasks.AssignTask", "Comments.AddComment", "Comments.ListComments")

	active, err := repos.Projects.ListActiveProjects(ctx, 1000)
	require.NoError(t, err)
	require.NotEmpty(t, active)
	require.NoError(t, repos.Projects.ArchiveProject(ctx, active[0].ID))
	after, err := repos.Projects.ListActiveProjects(ctx, 1000)
	require.NoError(t, err)
	require.Len(t, after, len(active)-1, "the archived project is no longer active")
	counts, err := repos.Projects.ProjectTaskCounts(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, counts)

	tasks, err := repos.Tasks.ListTasks(ctx, 1)
	require.NoError(t, err)
	require.Len(t, tasks, 1)
	task := tasks[0]
	byStatus, err := repos.Tasks.ListTasksByStatus(ctx, db.ListTasksByStatusParams{ProjectID: task.ProjectID, Status: task.Status})
	require.NoError(t, err)
	require.NotEmpty(t, byStatus)
	assignee := pgtype.UUID{Bytes: [16]byte{1}, Valid: true}
	require.NoError(t, repos.Tasks.AssignTask(ctx, db.AssignTaskParams{ID: task.ID, AssigneeID: assignee}))
	got, err := repos.Tasks.GetTask(ctx, task.ID)
	require.NoError(t, err)
	require.Equal(t, assignee, got.AssigneeID)

	added, err := repos.Comments.AddComment(ctx, db.AddCommentParams{TaskID: task.ID, AuthorID: assignee, Body: "hello"})
	require.NoError(t, err)
	comments, err := repos.Comments.ListComments(ctx, task.ID)
	require.NoError(t, err)
	require.Contains(t, commentIDs(comments), added.ID)
}

func commentIDs(cs []db.ListCommentsRow) []pgtype.UUID {
	var ids []pgtype.UUID
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	return ids
}
