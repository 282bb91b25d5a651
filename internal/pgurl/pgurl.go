// Package pgurl edits PostgreSQL connection URLs for the tools that make
// throwaway databases and roles (test helpers, the bench command).
package pgurl

import (
	"crypto/rand"
	"encoding/hex"
	"net/url"
)

// With returns admin with the database replaced by db and, unless user is nil,
// the user replaced by user. Host, port and options (sslmode…) are kept; query
// parameters that would override user or database are dropped.
func With(admin string, user *url.Userinfo, db string) (string, error) {
	u, err := url.Parse(admin)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Del("dbname")
	q.Del("database")
	if user != nil {
		u.User = user
		q.Del("user")
		q.Del("password")
	}
	u.RawQuery = q.Encode()
	u.Path, u.RawPath = "/"+db, ""
	return u.String(), nil
}

// RandomHex returns 2n random lower-case hex digits, for unique, unquoted-safe
// names of databases and roles.
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
