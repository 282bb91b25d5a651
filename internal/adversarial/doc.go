// Package adversarial attacks the example app the way a hostile tenant, a
// careless query or a misconfigured deployment would, one test per finding of
// the adversarial review (issue 8), and asserts that every attack fails or is
// reported. Where internal/isolation shows that the generated policies keep
// tenants apart on the happy path, this package goes around them: the store's
// own tables, the tenant bridge, a scope leaked to a goroutine, policies that
// look right, roles and rules that skip RLS, functions that switch tenants,
// and the values Go code compares.
//
// Every test starts from the migrated example (internal/checktest) with the
// grants real guides give the application role: DML on all tables,
// sequences, routines, and default privileges for what comes later.
package adversarial
