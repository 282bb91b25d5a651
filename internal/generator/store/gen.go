package store

import (
	"bytes"
	"fmt"
	"go/format"
	"strconv"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/tenantc/tenantc/internal/generator/config"
	"github.com/tenantc/tenantc/internal/generator/output"
	"github.com/tenantc/tenantc/internal/templates"
	"github.com/tenantc/tenantc/internal/version"
)

// FileName is the generated file, in store.out.
const FileName = "store.go"

// goTmpl renders store.go; every line of the package that does not depend on
// the project is written out there. It is parsed on first use, not at init:
// parsing it took 4-6 ms of every start of the binary, sqlc's child included,
// and most runs have no store.
var goTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.ParseFS(templates.FS, "store.go.tmpl"))
})

// goView is what store.go.tmpl renders.
type goView struct {
	Version string // tenantc's, see version.Tenantc
	Source  string // what the store was generated from
	Package string
	Tables  string // whose tables the store runs on, for the package doc
	Flavor  string // the orgstore function returning the flavor's schema
	// SchemaEdits are Schema()'s changes to the flavor's schema.
	SchemaEdits []schemaEdit
	// Config() values, as Go expressions.
	InvitationTTL                                              string
	Reinvite                                                   string
	MaxMembers, MaxPendingInvitations, MaxOrganizationsPerUser int
	MaxMembersPerTeam                                          int
	UsesTime                                                   bool // InvitationTTL needs package time
	// RequireEmailVerification is store.require_email_verification_on_invitation;
	// Config() names the field only when it is on.
	RequireEmailVerification bool
}

// schemaEdit is one statement of Schema() with the comment saying why.
type schemaEdit struct{ Comment, Code string }

// Generate renders the project's store package: ID types, the runtime
// store's types instantiated with them, the schema and configuration from
// tenantc.yaml, New, and the membership lookup of tenant.Middleware.
func Generate(p *Project) (output.File, error) {
	c := p.cfg
	ttl := duration(c.InvitationTTL)
	view := goView{
		Version: version.Tenantc(), Source: config.FileName + " (store)",
		Package: p.Package(), Tables: flavorDesc(p.flavor), Flavor: p.flavor.fn,
		SchemaEdits:   schemaEdits(p),
		InvitationTTL: ttl, Reinvite: reinvite(c.Reinvite),
		MaxMembers: c.Limits.Members, MaxPendingInvitations: c.Limits.PendingInvitations,
		MaxOrganizationsPerUser:  c.Limits.OrganizationsPerUser,
		MaxMembersPerTeam:        c.Limits.MembersPerTeam,
		UsesTime:                 strings.Contains(ttl, "time."),
		RequireEmailVerification: c.RequireEmailVerificationOnInvitation,
	}
	var buf bytes.Buffer
	if err := goTmpl().Execute(&buf, view); err != nil {
		return output.File{}, fmt.Errorf("rendering the store package: %w", err)
	}
	src, err := format.Source(buf.Bytes())
	if err != nil {
		return output.File{}, fmt.Errorf("rendering the store package: %w; please report it", err)
	}
	return output.File{Path: p.Dir() + "/" + FileName, Content: src}, nil
}

func flavorDesc(f *flavor) string {
	if f == betterAuth {
		return "Better Auth's organization plugin"
	}
	return "tenantc's own"
}

// schemaEdits are Schema()'s changes to the flavor's orgstore schema: the
// project's bridge and users table, less what the schema lacks.
func schemaEdits(p *Project) []schemaEdit {
	var out []schemaEdit
	if p.tenants != nil {
		out = append(out, schemaEdit{fmt.Sprintf("The tenant root %s names its organization in %s.", p.tenants[0], BridgeColumn),
			"s.Tenants = " + literal("TenantsTable", tenantsFields, p.tenants)})
	} else {
		out = append(out, schemaEdit{fmt.Sprintf("%s is the tenant root: an organization's id is its tenant's.", p.flavor.orgs().name),
			"s.Tenants = orgstore.TenantsTable{}"})
	}
	if p.users != nil {
		out = append(out, schemaEdit{"ListMembers returns each member's name and email from the users table, and AcceptInvitationByID reads the signed-in user's email there.",
			"s.Users = " + literal("UsersTable", usersFields, p.users)})
	} else {
		out = append(out, schemaEdit{"No users table (store.users): ListMembers returns user ids only.",
			"s.Users = orgstore.UsersTable{}"})
	}
	for _, t := range p.absentTables {
		out = append(out, schemaEdit{fmt.Sprintf("The schema has no %s table.", t.name),
			fmt.Sprintf("s.%s = orgstore.%s{}", t.field, t.typ)})
	}
	for _, c := range p.absentCols {
		out = append(out, schemaEdit{fmt.Sprintf("The schema has no %s.%s column.", c.table.name, c.column.name),
			fmt.Sprintf("s.%s.%s = \"\"", c.table.field, c.column.field)})
	}
	return out
}

// literal renders orgstore.<typ>{Field: "value", …} in field order,
// leaving out the empty values (an optional column the schema lacks).
func literal(typ string, fields, values []string) string {
	if len(fields) != len(values) {
		panic(fmt.Sprintf("store: %d values for the %d fields of orgstore.%s", len(values), len(fields), typ))
	}
	var items []string
	for i, fld := range fields {
		if values[i] == "" {
			continue
		}
		items = append(items, fld+": "+strconv.Quote(values[i]))
	}
	return "orgstore." + typ + "{" + strings.Join(items, ", ") + "}"
}

func reinvite(policy string) string {
	switch policy {
	case config.ReinviteCancel:
		return "ReinviteCancel"
	case config.ReinviteReject:
		return "ReinviteReject"
	default:
		return "ReinviteResend"
	}
}

// duration renders d as a sum of whole units, spaced as gofmt does:
// 48 * time.Hour, 7*time.Hour + 30*time.Minute.
func duration(d time.Duration) string {
	units := []struct {
		d    time.Duration
		name string
	}{
		{time.Hour, "Hour"}, {time.Minute, "Minute"}, {time.Second, "Second"},
		{time.Millisecond, "Millisecond"}, {time.Microsecond, "Microsecond"}, {time.Nanosecond, "Nanosecond"},
	}
	var terms []string
	for _, u := range units {
		n := d / u.d
		if n == 0 {
			continue
		}
		d -= n * u.d
		terms = append(terms, fmt.Sprintf("%d*time.%s", n, u.name))
	}
	switch len(terms) {
	case 0:
		return "0"
	case 1:
		return strings.Replace(terms[0], "*", " * ", 1)
	}
	return strings.Join(terms, " + ")
}
