package orgstore

import (
	"context"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSpec: Schema.Spec lists every table field of Schema, in order, and each
// table type's fields exactly (Table, then the columns in declaration order)
// with the values the schema holds — so a field added to a table type, or a
// Spec entry naming the wrong one, fails here rather than in a generated
// package.
func TestSpec(t *testing.T) {
	sc := BetterAuth()
	sc.Organizations.UpdatedAt = "updated" // every column set, to see each one's value
	for _, s := range []Schema{Native(), sc, {}} {
		v := reflect.ValueOf(s)
		var tableFields []string
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.Type.Kind() == reflect.Struct {
				tableFields = append(tableFields, f.Name)
			}
		}
		spec := s.Spec()
		var specFields []string
		for _, ts := range spec {
			specFields = append(specFields, ts.Field)
			tv := v.FieldByName(ts.Field)
			require.Equal(t, ts.Type, tv.Type().Name())
			require.Equal(t, "Table", tv.Type().Field(0).Name)
			require.Equal(t, tv.Field(0).String(), ts.Table)
			require.Len(t, ts.Columns, tv.NumField()-1, ts.Type)
			for i, c := range ts.Columns {
				require.Equal(t, tv.Type().Field(i+1).Name, c.Field, ts.Type)
				require.Equal(t, tv.Field(i+1).String(), c.Column, "%s.%s", ts.Type, c.Field)
			}
		}
		require.Equal(t, tableFields, specFields)
	}
}

// TestSpecOptional: what may be missing, as Schema's documentation says.
func TestSpecOptional(t *testing.T) {
	var tables, app []string
	columns := map[string][]string{}
	for _, ts := range Native().Spec() {
		if ts.Optional {
			tables = append(tables, ts.Field)
		}
		if ts.Application {
			app = append(app, ts.Field)
		}
		for _, c := range ts.Columns {
			if c.Optional {
				columns[ts.Field] = append(columns[ts.Field], c.Field)
			}
		}
	}
	require.Equal(t, []string{"Teams", "TeamMembers", "Roles", "Tenants", "Users"}, tables)
	require.Equal(t, []string{"Tenants", "Users"}, app)
	require.Equal(t, map[string][]string{
		"Organizations": {"Logo", "Metadata", "UpdatedAt"}, "Invitations": {"TeamID"},
		"Teams": {"MemberCount"}, "TeamMembers": {"MembershipKey"}, "Users": {"EmailVerified"},
	}, columns)
}

// TestIDSource: New refuses an id source it does not know, instead of
// leaving ids to a column default the schema may not have.
func TestIDSource(t *testing.T) {
	sc := Native()
	sc.IDs = IDSource(7)
	_, err := buildStatements(sc)
	require.EqualError(t, err, "orgstore: Schema.IDs is IDSource(7): want DatabaseIDs or Random32IDs")
	require.Equal(t, "Random32IDs", Random32IDs.String())
	require.Zero(t, DatabaseIDs, "the zero value leaves ids to the database")
	require.Empty(t, (&statements{schema: Native()}).newID())
	require.Len(t, (&statements{schema: BetterAuth()}).newID(), 32)
}

// TestCapabilityErrors: every capability error matches itself and
// ErrUnsupported, and no other.
func TestCapabilityErrors(t *testing.T) {
	all := []error{ErrNoTeams, ErrNoCustomRoles, ErrNoInvitations, ErrNoInvitationTeams, ErrNoUsers}
	for _, err := range all {
		require.ErrorIs(t, err, ErrUnsupported)
		for _, other := range all {
			if other != err {
				require.NotErrorIs(t, err, other)
			}
		}
		require.NotErrorIs(t, err, ErrNotFound)
	}
	require.NotErrorIs(t, ErrNotFound, ErrUnsupported)
	require.Equal(t, "orgstore: the schema has no teams tables", ErrNoTeams.Error())
}

// TestReinviteZero: Config's zero Reinvite is tenantc.yaml's default.
func TestReinviteZero(t *testing.T) {
	require.Equal(t, ReinviteResend, Config{}.Reinvite)
}

// TestCapabilities: on a schema without an optional table or column, the
// operations that need it return its capability error, before any query,
// and the others work.
func TestCapabilities(t *testing.T) {
	ctx := context.Background()
	s, fx := newTestStore(t, flavorNative, Config{})
	owner := fx.user(t, "owner")
	org := fx.org(t, s, owner)
	team, err := s.CreateTeam(ctx, owner, org.ID, "core")
	require.NoError(t, err)

	without := func(change func(*Schema)) *testStore {
		sc := fx.Schema
		change(&sc)
		return fx.store(t, Config{Schema: sc})
	}

	noTeams := without(func(sc *Schema) { sc.TeamMembers = TeamMembersTable{} })
	_, err = noTeams.CreateTeam(ctx, owner, org.ID, "x")
	require.ErrorIs(t, err, ErrNoTeams)
	_, err = noTeams.ListTeams(ctx, owner, org.ID)
	require.ErrorIs(t, err, ErrNoTeams)
	require.ErrorIs(t, noTeams.DeleteTeam(ctx, owner, team.ID), ErrUnsupported)
	_, _, err = noTeams.Invite(ctx, owner, org.ID, NewInvitation[TeamID]{Email: "a@example.com", TeamID: team.ID})
	require.ErrorIs(t, err, ErrNoInvitationTeams)
	require.ErrorIs(t, err, ErrNoTeams)
	_, _, err = noTeams.Invite(ctx, owner, org.ID, NewInvitation[TeamID]{Email: "a@example.com"})
	require.NoError(t, err, "an invitation without a team needs no teams")

	noInvitationTeam := without(func(sc *Schema) { sc.Invitations.TeamID = "" })
	_, _, err = noInvitationTeam.Invite(ctx, owner, org.ID, NewInvitation[TeamID]{Email: "b@example.com", TeamID: team.ID})
	require.ErrorIs(t, err, ErrNoInvitationTeams)
	require.NotErrorIs(t, err, ErrNoTeams)

	noRoles := without(func(sc *Schema) { sc.Roles = RolesTable{} })
	require.ErrorIs(t, noRoles.DeleteRole(ctx, owner, org.ID, "x"), ErrNoCustomRoles)

	for _, change := range []func(*Schema){
		func(sc *Schema) { sc.Invitations = InvitationsTable{} },
		func(sc *Schema) { sc.Invitations.TokenHash = "" },
	} {
		st := without(change)
		_, _, err = st.Invite(ctx, owner, org.ID, NewInvitation[TeamID]{Email: "c@example.com"})
		require.ErrorIs(t, err, ErrNoInvitations)
		require.ErrorIs(t, err, ErrUnsupported)
		_, err = st.ListInvitations(ctx, owner, org.ID, "")
		require.ErrorIs(t, err, ErrNoInvitations)
	}
}
