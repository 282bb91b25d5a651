package rule

import "github.com/tenantc/tenantc/internal/generator/diag"

// The rules only a live database can judge (package audit): who the
// application connects as, what it owns and was granted, what runs with
// someone else's rights or tenant, and what a probe of the running policies
// shows.
var (
	AppSuperuser = Rule{Name: "app-role-superuser", Severity: diag.Error, Commands: Check,
		Summary: "a superuser ignores row level security, FORCE included: every query of the application sees every tenant's rows"}
	AppBypassRLS = Rule{Name: "app-role-bypassrls", Severity: diag.Error, Commands: Check,
		Summary: "a role with BYPASSRLS (or a member of one, which can SET ROLE to it) ignores every policy: the application would see every tenant's rows"}
	AppOwnsTable = Rule{Name: "app-role-owns-table", Severity: diag.Error, Commands: Check,
		Summary: "the owner of a table (or a member of the owner) can disable its row level security, drop its policies or turn FORCE off, and without FORCE skips the policies anyway"}
	AppExcessGrants = Rule{Name: "app-role-excess-grants", Severity: diag.Error, Commands: Check,
		Summary: "TRUNCATE ignores row level security (one tenant can empty every tenant's table), REFERENCES lets foreign-key checks probe other tenants' keys, TRIGGER runs code on other tenants' writes, and CREATE on a schema lets the application add objects that shadow yours"}
	DefinerSearchPath = Rule{Name: "security-definer-search-path", Severity: diag.Error, Commands: Check,
		Summary: "a SECURITY DEFINER function without a fixed search_path (or with a schema on it the application can create objects in) resolves names the caller controls, with its owner's rights"}
	DefinerExecutable = Rule{Name: "security-definer-executable", Severity: diag.Error, Commands: Check,
		Summary: "a SECURITY DEFINER function the application role (or PUBLIC) may execute runs with its owner's rights: if the owner bypasses RLS, any tenant reads through it what the policies hide"}
	MatviewTenantData = Rule{Name: "materialized-view-tenant-data", Severity: diag.Error, Commands: Check,
		Summary: "a materialized view stores rows of protected tables and has no row level security: if the application can read it, every tenant reads every tenant's copy"}
	ForeignTableData = Rule{Name: "foreign-table-tenant-data", Severity: diag.Error, Commands: Check,
		Summary: "a foreign table cannot have row level security: if the application can read one holding tenant rows, every tenant reads all of them"}
	TenantColumnNoRLS = Rule{Name: "tenant-column-without-rls", Severity: diag.Error, Commands: Check,
		Summary: "a table with the tenant column but no row level security and no policy was added outside tenantc (drift): every tenant reads and writes all of it until tenantc generate gives it its migration"}
	ProbeRead = Rule{Name: "probe-cross-tenant-read", Severity: diag.Error, Commands: Check,
		Summary: "the probe, as the application role, read rows of another tenant (or rows with no tenant set)"}
	ProbeInsert = Rule{Name: "probe-cross-tenant-insert", Severity: diag.Error, Commands: Check,
		Summary: "the probe, as the application role, inserted a row for another tenant"}
	ProbeUpdate = Rule{Name: "probe-cross-tenant-update", Severity: diag.Error, Commands: Check,
		Summary: "the probe, as the application role, updated rows of another tenant"}
	ProbeDelete = Rule{Name: "probe-cross-tenant-delete", Severity: diag.Error, Commands: Check,
		Summary: "the probe, as the application role, deleted rows of another tenant"}
	ProbeMove = Rule{Name: "probe-cross-tenant-move", Severity: diag.Error, Commands: Check,
		Summary: "the probe, as the application role, moved its own rows to another tenant"}
	ProbeStoreWrite = Rule{Name: "probe-store-write", Severity: diag.Error, Commands: Check,
		Summary: "the probe, as the application role, inserted, updated or deleted rows of a table of the organization store: a tenant could make itself a member (or owner) of another organization and then read its data"}
	ProbeStoreRead = Rule{Name: "probe-store-read", Severity: diag.Warning, Commands: Check,
		Summary: "the probe, as the application role, read rows of a table of the organization store: every tenant sees every organization's members, invitations and users"}
	ProbeIncomplete = Rule{Name: "probe-incomplete", Severity: diag.Error, Commands: Check,
		Summary: "the probe could not try a table (its rows could not be inserted as the application role) or could not run at all (the role bypasses row level security), so nothing was learnt about it: a gate that tested nothing must not pass"}
	// ConnectionBypassesRLS is the one finding check makes, instead of a
	// cascade of symptoms, when it was given no --role and connected as a role
	// that ignores row level security: every other judgement of "the
	// application role" would be about a role the application should not be.
	ConnectionBypassesRLS = Rule{Name: "connection-bypasses-rls", Severity: diag.Error, Commands: Check,
		Summary: "check was given no --role and is connected as a superuser or a BYPASSRLS role, so it judged that role as the application's: it ignores every policy, so the role findings and the probe would say nothing about your policies; pass --role with the role your application connects as"}

	// The ways around row level security that need no BYPASSRLS, and what
	// runs with someone else's rights or tenant.
	AppCreateRole = Rule{Name: "app-role-createrole", Severity: diag.Error, Commands: Check,
		Summary: "a role with CREATEROLE (or one that can SET ROLE to such a role) can, before PostgreSQL 16, grant itself membership in any role but a superuser — the store's BYPASSRLS role, a table owner — and skip every policy"}
	AppReplication = Rule{Name: "app-role-replication", Severity: diag.Error, Commands: Check,
		Summary: "a role with REPLICATION can open a replication connection and stream (or logically decode) every row of every table, policies notwithstanding"}
	AppServerFiles = Rule{Name: "app-role-server-files", Severity: diag.Error, Commands: Check,
		Summary: "a member of pg_execute_server_program, pg_read_server_files or pg_write_server_files (directly, inherited or through SET ROLE) runs programs and reads or writes files as the server's operating-system user: the data files of every tenant"}
	ProtectedTableRule = Rule{Name: "protected-table-rule", Severity: diag.Error, Commands: Check,
		Summary: "a rewrite rule (CREATE RULE) on a protected table, or whose action reads or writes one, runs its action with the rights of the owner of the relation it is on: an owner that bypasses RLS reads and writes every tenant's rows for any caller"}
	TenantSettingDefault = Rule{Name: "tenant-setting-default", Severity: diag.Error, Commands: Check,
		Summary: "a role or database default for the tenant setting (ALTER ROLE … SET, ALTER DATABASE … SET) gives every session a tenant: a statement run outside tenant.Run sees that tenant's rows instead of none"}
	TenantSettingAtConnect = Rule{Name: "tenant-setting-at-connect", Severity: diag.Error, Commands: Check,
		Summary: "a fresh connection of the application already has the tenant setting (options=-c …, PGOPTIONS): a statement run outside tenant.Run sees that tenant's rows instead of none"}

	// The roles of tenantc.yaml's roles: and what each may do: the matrix
	// the roles migration (package roles) grants, checked on the database.
	RoleGrantMissing = Rule{Name: "role-grant-missing", Severity: diag.Error, Commands: Check,
		Summary: "a role named in roles: lacks what the application needs: DML on the tenant root, a scoped or a global table (the system role: on the store's tables too), USAGE on a sequence one of them draws from, or USAGE on their schema: its queries fail with permission denied"}
	RoleDefaultPrivilegesMissing = Rule{Name: "role-default-privileges-missing", Severity: diag.Warning, Commands: Check,
		Summary: "the owner of the tables has no default privileges that give a role named in roles: DML on the tables (or USAGE on the sequences) it creates later in the schema: the next migration's table is refused to the application until someone grants it"}
	SystemRoleMissing = Rule{Name: "system-role-missing", Severity: diag.Error, Commands: Check,
		Summary: "the system role named in roles: does not exist: tenant.System and the organization store cannot connect"}
	SystemRoleNotBypassRLS = Rule{Name: "system-role-not-bypassrls", Severity: diag.Error, Commands: Check,
		Summary: "the system role named in roles: has no BYPASSRLS: under the policies, with no tenant set, tenant.System and the organization store see no row"}

	// The organization store's tables and the tenant bridge: only the store's
	// BYPASSRLS role may touch them.
	StoreTableAccess = Rule{Name: "store-table-app-access", Severity: diag.Error, Commands: Check,
		Summary: "the application role (or a role it can SET ROLE to) may write (error) or read (warning) a table of the organization store and nothing blocks it: a tenant could add itself to another organization, or read every organization's members, invitations and users"}
	BridgeMutable = Rule{Name: "bridge-column-mutable", Severity: diag.Error, Commands: Check,
		Summary: "the application role may UPDATE the tenant table's bridge column org_id and no enabled tenantc_bridge_immutable trigger stops it: a tenant can point its tenant at another organization (an oracle for organization ids, and a way to adopt one that has no tenant yet)"}
)
