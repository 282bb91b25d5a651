// Package demo is tenantc demo: the one-command proof a newcomer runs first.
// In a scratch database it applies this repository's example application
// (the embedded schema/ and gen/migrations/), creates two organizations
// through the generated store, invites a member, sends HTTP requests through
// tenant.Middleware to handlers that use the generated repositories, tries
// what a hostile tenant would try, and prints a transcript of what each
// tenant saw and what was refused. Then it drops the database and roles it
// created, and only those.
//
// Every line of the transcript is computed from what happened — the
// statuses the server answered, the rows a statement saw or touched, the
// SQLSTATE PostgreSQL refused with — and compared with what isolation
// requires; a line that differs is marked FAIL and Run returns
// [ErrIsolation]. Nothing in it varies between runs (no ids, timestamps or
// durations), so the README can show it and a test can keep the two equal.
//
// The package imports gen/db and gen/store, the generated code; cmd/tenantc
// links it only without the tenantc_nodemo build tag, so that a gen/ that
// does not compile cannot stop tenantc from regenerating it.
package demo
