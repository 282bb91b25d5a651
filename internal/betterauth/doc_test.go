// Package betterauth is a test-only package: it checks tenantc's better-auth
// store flavour against the real Better Auth (npm better-auth, pinned in
// js/package-lock.json) sharing one PostgreSQL database with the Go store.
//
// js/ba.mjs runs Better Auth's own migrator (the real schema) and then serves
// organization-plugin flows (auth.api.*) as JSON lines; the tests drive the
// same flows through orgstore and check each result from the other side.
// Install it with `npm ci` in js/ (.ci/run does). Without node or js/node_modules
// the tests skip, except under CI=true where they fail.
package betterauth
