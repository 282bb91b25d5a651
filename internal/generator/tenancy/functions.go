package tenancy

import (
	"fmt"
	"strings"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/rule"
)

// tenantSwitches finds the functions of cat that can change the tenant
// setting while they run, directly or through the functions they call, and
// says how: the query rules only see a query's own SQL, and a function called
// from a query changes the tenant for the rest of the transaction just the
// same.
//
// A function switches the tenant when its body calls set_config on the tenant
// setting, runs SET, SET LOCAL or RESET of it, or has a SET clause for it; and
// — conservatively, as nothing says which setting they change — when it calls
// set_config with a computed name, runs RESET ALL, updates pg_settings, or runs
// dynamic SQL (EXECUTE of a computed string, DO). Calls are followed through
// every function of the catalog with the called name (all overloads; an
// unqualified call matches the name in any schema, as the search path may
// reach it), cycles included.
func tenantSwitches(cat *catalog.Catalog, setting string) map[*catalog.Function]string {
	s := &switchFinder{setting: setting, byName: map[string][]*catalog.Function{}, reason: map[*catalog.Function]string{}, state: map[*catalog.Function]int{}}
	if cat == nil {
		return s.reason
	}
	for _, f := range cat.Functions {
		s.byName[f.Name.Name] = append(s.byName[f.Name.Name], f)
	}
	for _, f := range cat.Functions {
		s.find(f)
	}
	return s.reason
}

type switchFinder struct {
	setting string
	byName  map[string][]*catalog.Function
	reason  map[*catalog.Function]string // only the functions that switch
	state   map[*catalog.Function]int    // 1: being looked at, 2: done
}

// find returns how f switches the tenant, or "".
func (s *switchFinder) find(f *catalog.Function) string {
	switch s.state[f] {
	case 1:
		return "" // a cycle: what the other members do is found where they are looked at
	case 2:
		return s.reason[f]
	}
	s.state[f] = 1
	r := s.direct(f)
	for _, c := range f.Body.Calls {
		if r != "" {
			break
		}
		for _, g := range s.called(c) {
			if gr := s.find(g); gr != "" && g != f {
				r = fmt.Sprintf("calls %s, which %s", g.Name, gr)
				break
			}
		}
	}
	s.state[f] = 2
	if r != "" {
		s.reason[f] = r
	}
	return r
}

// called returns the functions a call by name can reach.
func (s *switchFinder) called(n catalog.Name) []*catalog.Function {
	var out []*catalog.Function
	for _, f := range s.byName[n.Name] {
		if n.Schema == "" || n.Schema == f.Name.Schema {
			out = append(out, f)
		}
	}
	return out
}

// direct says how f's own definition switches the tenant, or returns "".
func (s *switchFinder) direct(f *catalog.Function) string {
	quoted := "'" + strings.ReplaceAll(s.setting, "'", "''") + "'"
	for _, c := range f.Body.Sets {
		tenant := s.setting != "" && strings.EqualFold(c.Setting, s.setting)
		switch {
		case tenant && c.Via == "set_config":
			return fmt.Sprintf("calls set_config(%s, …)", quoted)
		case tenant && c.Via == "SET clause":
			return fmt.Sprintf("is defined with SET %s = …, so its body runs as that tenant", s.setting)
		case tenant:
			return fmt.Sprintf("runs %s %s", c.Via, s.setting)
		case c.Setting != "":
			continue // another setting: query-set-config's business when a query does it
		case c.Via == "set_config":
			return "calls set_config with a setting name computed at run time, which can be the tenant setting"
		case c.Via == "EXECUTE" || c.Via == "DO":
			return fmt.Sprintf("runs dynamic SQL (%s of a string built at run time), which can set the tenant setting", c.Via)
		case c.Via == "RESET ALL":
			return "runs RESET ALL, which resets the tenant setting too"
		case c.Via == "UPDATE pg_settings":
			return "updates pg_settings, which calls set_config for every row it changes, the tenant setting's included"
		}
	}
	return ""
}

// switchFix is the fix of a tenant switch in a function or a query calling one.
func switchFix(setting string) string {
	return fmt.Sprintf("take the set_config / SET of %s (or the dynamic SQL) out of the function: only the runtime sets the tenant, with set_config('%s', $1, true) in the transaction tenant.Run opens; work for another tenant runs in its own tenant.Run", setting, setting)
}

// checkFunctionBodies reports the functions that switch the tenant, and
// warns about bodies that could not be read.
func (a *analysis) checkFunctionBodies() {
	switches := tenantSwitches(a.cat, a.model.Tenant.Setting)
	for _, f := range a.cat.Functions {
		if isSetter(a.model, f) {
			continue // switches the tenant by design: the runtime's setter
		}
		if r, ok := switches[f]; ok {
			a.report(rule.FunctionSetsTenant, f.Pos, fmt.Sprintf("function %s switches the tenant: it %s; a query (or trigger, or another function) that calls it runs the rest of its transaction as whichever tenant the function picks", f.Name, r),
				switchFix(a.model.Tenant.Setting))
		} else if f.Body.Unread != "" {
			a.reportAs(rule.FunctionSetsTenant, diag.Warning, f.Pos, fmt.Sprintf("cannot read the body of function %s (%s), so tenantc cannot tell whether it switches the tenant", f.Name, f.Body.Unread),
				"check by hand that it does not set "+a.model.Tenant.Setting+", or re-create it from SQL that parses")
		}
	}
}

// checkCalls reports the calls of a query to functions that switch the
// tenant; of overloads, the first in catalog order that switches is named.
func (c *queryCheck) checkCalls(q *catalog.Query) {
	if len(c.switches) == 0 {
		return
	}
	for _, call := range q.Calls {
		for _, f := range c.model.Catalog.Functions {
			r, ok := c.switches[f]
			if !ok || f.Name.Name != call.Name.Name || call.Name.Schema != "" && call.Name.Schema != f.Name.Schema {
				continue
			}
			c.report(rule.QueryFunctionSetsTenant, q, call.Pos,
				fmt.Sprintf("query %s calls %s, which switches the tenant: it %s; the rest of the query's transaction runs as that tenant", q.Name, f.Name, r),
				switchFix(c.model.Tenant.Setting))
			break
		}
	}
}
