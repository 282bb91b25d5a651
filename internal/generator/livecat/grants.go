package livecat

import (
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/tenantc/tenantc/internal/generator/catalog"
)

// sequences reads the sequences of the schemas read, their privileges (an
// ACL, or acldefault: the owner alone) and the tables drawing from each: a
// column default that depends on it (serial, DEFAULT nextval(…)) or an
// identity column (the sequence depends on the table internally).
func (r *reader) sequences() error {
	rows, _ := r.tx.Query(r.ctx, `
SELECT s.oid, n.nspname::text, s.relname::text, pg_catalog.pg_get_userbyid(s.relowner)::text,
	coalesce(g.rolname::text, ''), a.privilege_type, a.is_grantable
FROM pg_catalog.pg_class s
JOIN pg_catalog.pg_namespace n ON n.oid = s.relnamespace
CROSS JOIN LATERAL aclexplode(coalesce(s.relacl, acldefault('s', s.relowner))) a
LEFT JOIN pg_catalog.pg_roles g ON g.oid = a.grantee
WHERE s.relnamespace = ANY ($1) AND s.relkind = 'S' AND `+notExtension("pg_class", "s.oid")+`
ORDER BY s.oid, 5, 6`, r.nsOIDs)
	seqs := map[uint32]*Sequence{}
	var (
		oid                 uint32
		schema, name, owner string
		g                   Grant
	)
	_, err := pgx.ForEachRow(rows, []any{&oid, &schema, &name, &owner, &g.Grantee, &g.Privilege, &g.Grantable}, func() error {
		s := seqs[oid]
		if s == nil {
			s = &Sequence{Name: catalog.Name{Schema: schema, Name: name}, Owner: owner}
			seqs[oid] = s
			r.live.Sequences = append(r.live.Sequences, s)
		}
		s.Grants = append(s.Grants, g)
		return nil
	})
	if err != nil {
		return err
	}
	rows, _ = r.tx.Query(r.ctx, `
SELECT d.refobjid, ad.adrelid FROM pg_catalog.pg_depend d
JOIN pg_catalog.pg_attrdef ad ON d.classid = 'pg_catalog.pg_attrdef'::regclass AND d.objid = ad.oid
WHERE d.refclassid = 'pg_catalog.pg_class'::regclass
UNION
SELECT d.objid, d.refobjid FROM pg_catalog.pg_depend d
WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.refclassid = 'pg_catalog.pg_class'::regclass
	AND d.deptype IN ('a', 'i') AND d.objsubid = 0
ORDER BY 1, 2`)
	var seqOID, tableOID uint32
	_, err = pgx.ForEachRow(rows, []any{&seqOID, &tableOID}, func() error {
		s, t := seqs[seqOID], r.tables[tableOID]
		if s != nil && t != nil && !slices.Contains(s.Tables, t.Name) {
			s.Tables = append(s.Tables, t.Name)
		}
		return nil
	})
	for _, s := range r.live.Sequences {
		slices.SortFunc(s.Tables, func(a, b catalog.Name) int {
			if c := compare(a.Schema, b.Schema); c != 0 {
				return c
			}
			return compare(a.Name, b.Name)
		})
	}
	return err
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// defaultPrivileges reads pg_default_acl: the entries for every schema and
// those for the schemas read.
func (r *reader) defaultPrivileges() error {
	rows, _ := r.tx.Query(r.ctx, `
SELECT d.oid, pg_catalog.pg_get_userbyid(d.defaclrole)::text, coalesce(n.nspname::text, ''), d.defaclobjtype::text,
	coalesce(g.rolname::text, ''), a.privilege_type, a.is_grantable
FROM pg_catalog.pg_default_acl d
LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace
CROSS JOIN LATERAL aclexplode(d.defaclacl) a
LEFT JOIN pg_catalog.pg_roles g ON g.oid = a.grantee
WHERE d.defaclnamespace = 0 OR d.defaclnamespace = ANY ($1)
ORDER BY 2, 3, 4, 5, 6`, r.nsOIDs)
	entries := map[uint32]*DefaultPrivilege{}
	var (
		oid                uint32
		role, schema, kind string
		g                  Grant
	)
	_, err := pgx.ForEachRow(rows, []any{&oid, &role, &schema, &kind, &g.Grantee, &g.Privilege, &g.Grantable}, func() error {
		d := entries[oid]
		if d == nil {
			d = &DefaultPrivilege{Role: role, Schema: schema, Kind: kind}
			entries[oid] = d
			r.live.DefaultPrivileges = append(r.live.DefaultPrivileges, d)
		}
		d.Grants = append(d.Grants, g)
		return nil
	})
	return err
}
