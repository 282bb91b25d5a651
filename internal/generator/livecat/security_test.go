package livecat_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/livecat"
	"github.com/tenantc/tenantc/internal/pgtest"
)

// TestReadSecurity reads what check needs about ways around RLS: role
// attributes, rewrite rules and the relations they name, session defaults,
// column grants, disabled triggers, and grants reachable through a NOINHERIT
// membership.
func TestReadSecurity(t *testing.T) {
	db := pgtest.NewDatabase(t)
	db.Exec(t, db.OwnerURL, `
CREATE TABLE a (id int PRIMARY KEY, note text);
CREATE TABLE b (id int);
CREATE RULE a_copy AS ON INSERT TO a DO ALSO INSERT INTO b VALUES (NEW.id);
CREATE RULE a_skip AS ON DELETE TO a DO INSTEAD NOTHING;
ALTER TABLE a DISABLE RULE a_skip;
CREATE VIEW v AS SELECT id FROM a;
CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER on_a BEFORE UPDATE ON a FOR EACH ROW EXECUTE FUNCTION noop();
CREATE TRIGGER off_a BEFORE UPDATE ON a FOR EACH ROW EXECUTE FUNCTION noop();
ALTER TABLE a DISABLE TRIGGER off_a;
GRANT UPDATE (note) ON a TO `+db.App+`;
`)
	extra := db.Name + "_via"
	db.Exec(t, db.AdminURL, "CREATE ROLE "+extra+" NOLOGIN REPLICATION; GRANT TRUNCATE ON b TO "+extra+"; GRANT "+extra+" TO "+db.App+
		"; ALTER ROLE "+db.App+" NOINHERIT CREATEROLE; ALTER ROLE "+db.App+" SET app.tenant_id = 'x'; ALTER DATABASE "+db.Name+" SET app.tenant_id = 'y'")
	t.Cleanup(func() { db.Exec(t, db.AdminURL, "DROP OWNED BY "+extra+"; DROP ROLE "+extra) })

	conn := pgtest.Connect(t, db.AdminURL)
	_, live, err := livecat.Read(context.Background(), conn, nil)
	require.NoError(t, err)

	app := live.Role(db.App)
	assert.True(t, app.CreateRole)
	assert.False(t, app.Replication)
	assert.True(t, live.Role(extra).Replication)

	pub := func(n string) catalog.Name { return catalog.Name{Schema: "public", Name: n} }
	require.Len(t, live.Rules, 2, "the view's _RETURN is not a rule")
	assert.Equal(t, livecat.RewriteRule{Name: "a_copy", Relation: pub("a"), Kind: livecat.KindTable, Event: "INSERT", Enabled: true,
		Refs: []catalog.Name{pub("b")}}, *live.Rules[0])
	assert.Equal(t, livecat.RewriteRule{Name: "a_skip", Relation: pub("a"), Kind: livecat.KindTable, Event: "DELETE", Instead: true}, *live.Rules[1])
	assert.Equal(t, "rule a_copy on public.a", livecat.RuleObject(live.Rules[0]))

	var sqls []string
	for _, s := range live.Settings {
		// Role settings are cluster-wide: other tests' roles have theirs.
		if s.Name == "app.tenant_id" && (s.Role == db.App || s.Role == "" && s.Database == db.Name) {
			sqls = append(sqls, s.SQL())
		}
	}
	assert.ElementsMatch(t, []string{"ALTER ROLE " + db.App + " SET app.tenant_id = 'x'", "ALTER DATABASE " + db.Name + " SET app.tenant_id = 'y'"}, sqls)

	a := live.Relation(pub("a"))
	assert.Equal(t, []livecat.Grant{{Grantee: db.App, Privilege: "UPDATE"}}, a.ColumnGrants["note"])
	assert.Nil(t, a.ColumnGrants["id"])
	assert.Equal(t, []string{"off_a"}, a.InactiveTriggers)

	b := live.Relation(pub("b"))
	assert.Empty(t, live.Holds(db.App, b.Grants), "NOINHERIT: not inherited")
	assert.Equal(t, []livecat.Grant{{Grantee: extra, Privilege: "TRUNCATE"}}, live.Reachable(db.App, b.Grants), "but reachable by SET ROLE")
}
