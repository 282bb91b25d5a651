//go:build pgcompare

package parse

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tenantc/tenantc/generator/catalog"
	"github.com/tenantc/tenantc/generator/source"
)

const dsn = "host=/tmp/pgscratch port=54329 user=postgres dbname=postgres"

func describePG(t *testing.T, sql string) []string {
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	c.Exec(ctx, "drop database if exists cmp")
	if _, err := c.Exec(ctx, "create database cmp"); err != nil {
		t.Fatal(err)
	}
	c.Close(ctx)
	c, err = pgx.Connect(ctx, strings.Replace(dsn, "dbname=postgres", "dbname=cmp", 1))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, sql); err != nil {
		t.Fatalf("pg: %v", err)
	}
	var out []string
	q := func(format string, query string) {
		rows, err := c.Query(ctx, query)
		if err != nil {
			t.Fatal(query, err)
		}
		defer rows.Close()
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf(format, vals...))
		}
	}
	ns := "n.nspname not in ('pg_catalog','information_schema','pg_toast')"
	q("table %v.%v rls=%v force=%v part=%v", `select n.nspname, c.relname, c.relrowsecurity, c.relforcerowsecurity, coalesce((select pn.nspname||'.'||p.relname from pg_inherits i join pg_class p on p.oid=i.inhparent join pg_namespace pn on pn.oid=p.relnamespace where i.inhrelid=c.oid and c.relispartition),'') from pg_class c join pg_namespace n on n.oid=c.relnamespace where c.relkind in ('r','p') and `+ns)
	q("column %v.%v.%v %v notnull=%v", `select n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull from pg_attribute a join pg_class c on c.oid=a.attrelid join pg_namespace n on n.oid=c.relnamespace where c.relkind in ('r','p') and a.attnum>0 and not a.attisdropped and `+ns)
	q("index %v.%v.%v unique=%v", `select n.nspname, c.relname, i.relname, x.indisunique from pg_index x join pg_class c on c.oid=x.indrelid join pg_class i on i.oid=x.indexrelid join pg_namespace n on n.oid=c.relnamespace where c.relkind in ('r','p') and `+ns)
	q("con %v.%v.%v %v %v -> %v %v", `select n.nspname, c.relname, k.conname, k.contype, (select array_agg(attname order by array_position(k.conkey, attnum)) from pg_attribute where attrelid=k.conrelid and attnum = any(k.conkey))::text, coalesce(k.confrelid::regclass::text,''), coalesce((select array_agg(attname order by array_position(k.confkey, attnum)) from pg_attribute where attrelid=k.confrelid and attnum = any(k.confkey))::text,'') from pg_constraint k join pg_class c on c.oid=k.conrelid join pg_namespace n on n.oid=c.relnamespace where k.contype in ('p','u','f') and `+ns)
	q("trigger %v.%v.%v %v", `select n.nspname, c.relname, t.tgname, t.tgfoid::regproc::text from pg_trigger t join pg_class c on c.oid=t.tgrelid join pg_namespace n on n.oid=c.relnamespace where not t.tgisinternal and c.relkind in ('r','p') and `+ns)
	q("policy %v.%v.%v %v %v %v", `select n.nspname, c.relname, p.polname, p.polcmd, p.polpermissive, (select coalesce(array_agg(case when r=0 then 'public' else r::regrole::text end order by r),'{}') from unnest(p.polroles) r)::text from pg_policy p join pg_class c on c.oid=p.polrelid join pg_namespace n on n.oid=c.relnamespace`)
	q("view %v.%v mat=%v invoker=%v", `select n.nspname, c.relname, c.relkind='m', coalesce(c.reloptions::text,'') like '%security_invoker=true%' or coalesce(c.reloptions::text,'') like '%security_invoker=on%' from pg_class c join pg_namespace n on n.oid=c.relnamespace where c.relkind in ('v','m') and `+ns)
	q("function %v.%v definer=%v lang=%v config=%v", `select n.nspname, p.proname, p.prosecdef, l.lanname, coalesce(array_to_string(p.proconfig, ';'),'') from pg_proc p join pg_namespace n on n.oid=p.pronamespace join pg_language l on l.oid=p.prolang where `+ns)
	q("enum %v.%v %v", `select n.nspname, t.typname, (select array_agg(enumlabel order by enumsortorder) from pg_enum where enumtypid=t.oid)::text from pg_type t join pg_namespace n on n.oid=t.typnamespace where t.typtype='e' and `+ns)
	q("schema %v", `select nspname from pg_namespace n where `+ns+` and nspname not like 'pg_%' and nspname <> 'public'`)
	sort.Strings(out)
	return out
}

func arr(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return "{" + strings.Join(s, ",") + "}"
}

func regclass(n catalog.Name) string {
	if n.Schema == "public" {
		return catalog.QuoteIdent(n.Name)
	}
	return n.String()
}

func describeCatalog(cat *catalog.Catalog) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	for _, t := range cat.Tables {
		s, n := t.Name.Schema, t.Name.Name
		part := ""
		if t.PartitionOf != nil {
			part = t.PartitionOf.Schema + "." + t.PartitionOf.Name
		}
		add("table %v.%v rls=%v force=%v part=%v", s, n, t.RLSEnabled, t.RLSForced, part)
		for _, c := range t.Columns {
			typ := c.Type
			typ.Schema = ""
			ts := typ.String()
			add("column %v.%v.%v %v notnull=%v", s, n, c.Name, ts, c.NotNull)
		}
		for _, ix := range t.Indexes {
			add("index %v.%v.%v unique=%v", s, n, ix.Name, ix.Unique)
		}
		if k := t.PrimaryKey; k != nil {
			add("con %v.%v.%v p %v -> %v %v", s, n, k.Name, arr(k.Columns), "", "")
		}
		for _, k := range t.Uniques {
			isIdx := false
			for _, ix := range t.Indexes {
				if ix.Name == k.Name && !cons[ix] {
					isIdx = true
				}
			}
			if !isIdx {
				add("con %v.%v.%v u %v -> %v %v", s, n, k.Name, arr(k.Columns), "", "")
			}
		}
		for _, fk := range t.ForeignKeys {
			add("con %v.%v.%v f %v -> %v %v", s, n, fk.Name, arr(fk.Columns), regclass(fk.RefTable), arr(fk.RefColumns))
		}
		for _, tr := range t.Triggers {
			add("trigger %v.%v.%v %v", s, n, tr.Name, regclass(tr.Function))
		}
		for _, p := range t.Policies {
			cmd := map[string]string{"all": "*", "select": "r", "insert": "a", "update": "w", "delete": "d"}[p.Command]
			roles := append([]string(nil), p.Roles...)
			sort.Strings(roles)
			r := "{public}"
			if len(roles) > 0 {
				r = arr(roles)
			}
			add("policy %v.%v.%v %v %v %v", s, n, p.Name, cmd, p.Permissive, r)
		}
	}
	for _, v := range cat.Views {
		add("view %v.%v mat=%v invoker=%v", v.Name.Schema, v.Name.Name, v.Materialized, v.SecurityInvoker)
	}
	for _, f := range cat.Functions {
		cfg := ""
		if f.SearchPath != "" {
			cfg = "search_path=" + f.SearchPath
		}
		add("function %v.%v definer=%v lang=%v config=%v", f.Name.Schema, f.Name.Name, f.SecurityDefiner, f.Language, cfg)
	}
	for _, e := range cat.Enums {
		add("enum %v.%v %v", e.Name.Schema, e.Name.Name, arr(e.Values))
	}
	for _, s := range cat.Schemas {
		add("schema %v", s)
	}
	sort.Strings(out)
	return out
}

// cons is filled from the builder after a run; set by the test.
var cons map[*catalog.Index]bool

func TestComparePG(t *testing.T) {
	files, _ := filepath.Glob("/tmp/pgscratch/corpus/*.sql")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, _ := os.ReadFile(f)
			b := newBuilder()
			b.applyFile(source.NewFile(f, source.Plain, string(data)))
			b.resolvePendingForeignKeys()
			if len(b.diags) > 0 {
				t.Fatalf("diags: %v", b.diags)
			}
			cons = b.constraintIndexes
			want := describePG(t, string(data))
			got := describeCatalog(b.cat)
			w := strings.Join(want, "\n")
			g := strings.Join(got, "\n")
			if w != g {
				os.WriteFile(f+".want", []byte(w+"\n"), 0o644)
				os.WriteFile(f+".got", []byte(g+"\n"), 0o644)
				t.Errorf("mismatch; diff %s.want %s.got", f, f)
			}
		})
	}
}
