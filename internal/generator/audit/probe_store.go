package audit

import (
	"fmt"
	"strings"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/rule"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
)

// probeStore tries, as the application role inside tenant A's transaction,
// to write and then to read every store table: an INSERT of a made-up row,
// an UPDATE and a DELETE of every row, each under a savepoint rolled back,
// then a count of the rows it sees. Any write that takes effect is a
// probe-store-write, any row seen a probe-store-read. A table whose rows
// cannot be made up is only tried with UPDATE, DELETE and the count.
func (p *prober) probeStore(tables []catalog.Name) {
	for _, n := range tables {
		t := p.model.Table(n)
		if t == nil || t.Kind == tenancy.Root || len(t.Columns) == 0 {
			continue
		}
		if p.a != "" && p.as(p.a) != nil {
			return
		}
		name := n.String()
		col := catalog.QuoteIdent(t.Columns[0].Name)
		var wrote []string
		if r, err := p.rowFor(t, ""); err == nil {
			if n, err := p.exec(false, r.Insert(t.Table)); err == nil && n > 0 {
				wrote = append(wrote, "INSERT of a row")
			}
		}
		if n, err := p.exec(false, fmt.Sprintf("UPDATE %s SET %s = %s", name, col, col)); err == nil && n > 0 {
			wrote = append(wrote, fmt.Sprintf("UPDATE of %d row(s)", n))
		}
		if n, err := p.exec(false, "DELETE FROM "+name); err == nil && n > 0 {
			wrote = append(wrote, fmt.Sprintf("DELETE of %d row(s)", n))
		}
		fix := fmt.Sprintf("ALTER TABLE %[1]s ENABLE ROW LEVEL SECURITY;\nALTER TABLE %[1]s FORCE ROW LEVEL SECURITY;  -- with no policy for role %[2]s; the store runs on a BYPASSRLS role", name, p.role)
		if len(wrote) > 0 {
			p.report(rule.ProbeStoreWrite, t, fmt.Sprintf("as role %s, in a tenant's transaction, on store table %s: %s succeeded", p.role, name, strings.Join(wrote, ", ")), fix)
		}
		if n, err := p.count("SELECT count(*) FROM " + name); err == nil && n > 0 {
			p.report(rule.ProbeStoreRead, t, fmt.Sprintf("as role %s, in a tenant's transaction, SELECT on store table %s returned %d row(s)", p.role, name, n), fix)
		}
	}
}
