package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/tenantc/tenantc/gen/db"
	"github.com/tenantc/tenantc/gen/store"
	"github.com/tenantc/tenantc/tenant"
)

// sessions stands in for the app's session check (BetterAuthSession, a JWT
// verifier…): the X-User header names the signed-in user. What the demo
// shows is what comes after it: the organization a request names is a
// claim, checked against the store's members by tenant.Header.
type sessions struct{}

func (sessions) Session(r *http.Request) (string, string, error) {
	if u := r.Header.Get("X-User"); u != "" {
		return u, "", nil
	}
	return "", "", tenant.ErrNoMatch
}

// project is what the handlers answer.
type project struct {
	ID    string `json:"id,omitempty"`
	Name  string `json:"name"`
	Tasks int64  `json:"tasks"`
}

// handler is the example app's API: tenant.Middleware in front, handlers on
// the generated repositories over the application role's pool. No handler
// names a tenant; the repositories take it from the request's context.
func (r *run) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /projects", r.listProjects)
	mux.HandleFunc("POST /projects", r.createProject)
	mux.HandleFunc("GET /projects/{id}", r.getProject)
	mux.HandleFunc("POST /projects/{id}/tasks", r.createTask)
	mw := &tenant.Middleware{
		Resolvers: []tenant.Resolver{tenant.Header("X-Organization", sessions{}, store.Members(r.orgs))},
		// Refusals are the demo's subject, reported in the transcript.
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	return mw.Handler(mux)
}

// listProjects reads the view project_task_counts with the user's own query
// (queries/projects.sql), which has no tenant condition: the policies alone
// keep other tenants' rows out.
func (r *run) listProjects(w http.ResponseWriter, req *http.Request) {
	rows, err := db.NewProjectsRepo(r.app.Scope()).ProjectTaskCounts(req.Context())
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	out := []project{}
	for _, p := range rows {
		out = append(out, project{Name: p.Name, Tasks: p.AllTasks})
	}
	writeJSON(w, http.StatusOK, out)
}

func (r *run) createProject(w http.ResponseWriter, req *http.Request) {
	var in project
	if err := json.NewDecoder(req.Body).Decode(&in); err != nil || in.Name == "" {
		http.Error(w, "want {\"name\": …}", http.StatusBadRequest)
		return
	}
	p, err := db.NewProjectsRepo(r.app.Scope()).CreateProject(req.Context(), db.CreateProjectArgs{Name: in.Name})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, http.StatusCreated, project{ID: p.ID.String(), Name: p.Name})
}

func (r *run) getProject(w http.ResponseWriter, req *http.Request) {
	var id pgtype.UUID
	if err := id.Scan(req.PathValue("id")); err != nil {
		http.NotFound(w, req)
		return
	}
	p, err := db.NewProjectsRepo(r.app.Scope()).GetProject(req.Context(), id)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		http.NotFound(w, req) // another tenant's project does not exist, for this one
		return
	case err != nil:
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, http.StatusOK, project{ID: p.ID.String(), Name: p.Name})
}

func (r *run) createTask(w http.ResponseWriter, req *http.Request) {
	var id pgtype.UUID
	var in struct {
		Title string `json:"title"`
	}
	if err := id.Scan(req.PathValue("id")); err != nil {
		http.NotFound(w, req)
		return
	}
	if err := json.NewDecoder(req.Body).Decode(&in); err != nil || in.Title == "" {
		http.Error(w, "want {\"title\": …}", http.StatusBadRequest)
		return
	}
	_, err := db.NewTasksRepo(r.app.Scope()).CreateTask(req.Context(), db.CreateTaskArgs{ProjectID: id, Title: in.Title})
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && pgErr.Code == "23503":
		// The foreign key is (tenant_id, project_id): a project of another
		// tenant is no project of this one.
		http.NotFound(w, req)
		return
	case err != nil:
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusCreated)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// client sends the demo's requests as one user naming one organization.
type client struct {
	base string
	http *http.Client
}

func (c client) do(ctx context.Context, method, path, user string, org store.OrganizationID, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, err
	}
	if user != "" {
		req.Header.Set("X-User", user)
	}
	if org != "" {
		req.Header.Set("X-Organization", string(org))
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode < 300 {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: decode the answer: %w", method, path, err)
		}
	}
	return resp.StatusCode, nil
}

func status(code int) string { return fmt.Sprintf("%d %s", code, http.StatusText(code)) }

// requests runs the HTTP part: what each member does in its organization,
// then what the middleware and the handlers refuse.
func (r *run) requests(ctx context.Context) error {
	r.srv = httptest.NewServer(r.handler()) // closed by run.close
	c := client{base: r.srv.URL, http: r.srv.Client()}
	acme, globex := r.acme.ID, r.globex.ID

	r.t.section("Requests, through tenant.Middleware to handlers on the generated repositories (gen/db),\nas the application role:")
	ids := map[string]string{}
	create := func(actor, user string, org store.OrganizationID, name string) error {
		var p project
		code, err := c.do(ctx, "POST", "/projects", user, org, project{Name: name}, &p)
		if err != nil {
			return err
		}
		r.t.allowed(actor, "POST /projects "+name, status(code), code == http.StatusCreated, status(http.StatusCreated))
		if code != http.StatusCreated {
			return fmt.Errorf("%s could not create project %s: %s", actor, name, status(code))
		}
		ids[name] = p.ID
		return nil
	}
	for _, p := range []struct {
		actor, user string
		org         store.OrganizationID
		name        string
	}{
		{"alice@acme", "alice", acme, "Website"},
		{"alice@acme", "alice", acme, "Mobile app"},
		{"bob@globex", "bob", globex, "Billing"},
	} {
		if err := create(p.actor, p.user, p.org, p.name); err != nil {
			return err
		}
	}
	code, err := c.do(ctx, "POST", "/projects/"+ids["Website"]+"/tasks", "carol", acme, map[string]string{"title": "Launch post"}, nil)
	if err != nil {
		return err
	}
	r.t.allowed("carol@acme", "POST /projects/{Website}/tasks Launch post", status(code), code == http.StatusCreated, status(http.StatusCreated))

	acmeSees := []string{"Mobile app (0 tasks)", "Website (1 task)"}
	list := func(actor, user string, org store.OrganizationID, want []string, note string) error {
		var ps []project
		code, err := c.do(ctx, "GET", "/projects", user, org, nil, &ps)
		if err != nil {
			return err
		}
		var got []string
		for _, p := range ps {
			got = append(got, fmt.Sprintf("%s (%s)", p.Name, plural(int(p.Tasks), "task")))
		}
		slices.Sort(got)
		pass := code == http.StatusOK && slices.Equal(got, want)
		desc := fmt.Sprintf("%s: %s", plural(len(got), "project"), names(got))
		switch {
		case code != http.StatusOK:
			desc = status(code)
		case pass:
			desc += note
		}
		r.t.allowed(actor, "GET /projects", desc, pass, fmt.Sprintf("%s: %s", plural(len(want), "project"), names(want)))
		return nil
	}
	if err := list("alice@acme", "alice", acme, acmeSees, ""); err != nil {
		return err
	}
	if err := list("carol@acme", "carol", acme, acmeSees, ""); err != nil {
		return err
	}
	if err := list("bob@globex", "bob", globex, []string{"Billing (0 tasks)"}, ""); err != nil {
		return err
	}

	r.t.section("Refused:")
	refused := func(actor, what string, code, want int, why string) {
		got := status(code)
		if code == want && why != "" {
			got += " (" + why + ")"
		}
		r.t.attack(actor, what, got, code == want, status(want))
	}
	code, err = c.do(ctx, "GET", "/projects", "alice", globex, nil, nil)
	if err != nil {
		return err
	}
	refused("alice", "GET /projects naming Globex", code, http.StatusForbidden, "not a member")
	code, err = c.do(ctx, "GET", "/projects", "alice", "", nil, nil)
	if err != nil {
		return err
	}
	refused("alice", "GET /projects naming no organization", code, http.StatusUnauthorized, "no tenant")
	code, err = c.do(ctx, "GET", "/projects", "", acme, nil, nil)
	if err != nil {
		return err
	}
	refused("anonymous", "GET /projects naming Acme", code, http.StatusUnauthorized, "no session")
	code, err = c.do(ctx, "GET", "/projects/"+ids["Website"], "bob", globex, nil, nil)
	if err != nil {
		return err
	}
	refused("bob@globex", "GET /projects/{Acme's Website}", code, http.StatusNotFound, "")
	code, err = c.do(ctx, "POST", "/projects/"+ids["Website"]+"/tasks", "bob", globex, map[string]string{"title": "Spam"}, nil)
	if err != nil {
		return err
	}
	refused("bob@globex", "POST /projects/{Acme's Website}/tasks", code, http.StatusNotFound, "")
	r.website = ids["Website"]
	r.listAcme = func(note string) error { return list("alice@acme", "alice", acme, acmeSees, note) }
	return nil
}

// sqlAttacks is what SQL in a handler (a forgotten WHERE, an injection)
// could try as the application role, with and without a tenant set.
func (r *run) sqlAttacks(ctx context.Context) error {
	r.t.section("SQL a handler could run (a forgotten WHERE, an injection), as the application role:")
	var n int
	err := r.appPool.QueryRow(ctx, "SELECT count(*) FROM projects").Scan(&n)
	if err != nil {
		return fmt.Errorf("count projects as the application role: %w", err)
	}
	r.t.attack("app role", "SELECT * FROM projects, no tenant set", plural(n, "row"), n == 0, "0 rows")

	globex := tenant.WithID(ctx, r.globex.TenantID)
	q := r.app.Scope().Querier()
	tag, err := q.Exec(globex, "UPDATE projects SET name = 'Hacked' WHERE id = $1", r.website)
	if err != nil {
		return fmt.Errorf("the cross-tenant UPDATE: %w", err)
	}
	r.t.attack("bob@globex", "UPDATE projects … WHERE id = Acme's Website", plural(int(tag.RowsAffected()), "row")+" updated",
		tag.RowsAffected() == 0, "0 rows updated")
	tag, err = q.Exec(globex, "DELETE FROM tasks")
	if err != nil {
		return fmt.Errorf("the DELETE of every task: %w", err)
	}
	r.t.attack("bob@globex", "DELETE FROM tasks (no WHERE)", plural(int(tag.RowsAffected()), "row")+" deleted",
		tag.RowsAffected() == 0, "0 rows deleted")
	_, err = q.Exec(globex, "INSERT INTO projects (tenant_id, name) VALUES ($1, 'Injected')", string(r.acme.TenantID))
	var pgErr *pgconn.PgError
	got := "inserted"
	switch {
	case errors.As(err, &pgErr) && pgErr.Code == "42501":
		got = "refused by the policy (SQLSTATE 42501)"
	case err != nil:
		got = "error: " + strings.TrimPrefix(err.Error(), "ERROR: ")
	}
	r.t.attack("bob@globex", "INSERT INTO projects with Acme's tenant_id", got,
		errors.As(err, &pgErr) && pgErr.Code == "42501", "refused by the policy (SQLSTATE 42501)")

	// Nothing of Acme's changed.
	return r.listAcme(", unchanged")
}
