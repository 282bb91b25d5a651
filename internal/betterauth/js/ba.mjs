// Drives the real Better Auth (organization plugin, teams and dynamic access
// control on) over pg for tenantc's interop test (internal/betterauth).
//
//   DATABASE_URL=postgres://... node ba.mjs migrate   runs Better Auth's own migrator
//   DATABASE_URL=postgres://... node ba.mjs serve     one JSON request a line on stdin,
//                                                     one JSON response a line on stdout
//
// A request is {"op": "...", ...args}; a response is {"ok": true, "result": ...}
// or {"ok": false, "error": {"status", "code", "message"}}. Sessions are kept
// per user id: signUp and signIn remember the session cookie, and every other
// operation acts as the request's "as" user. A request with "strict": true is
// served by a second Better Auth on the same database and secret whose
// organization plugin has requireEmailVerificationOnInvitation on.
import { createInterface } from "node:readline";
import pg from "pg";
import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import { organization } from "better-auth/plugins/organization";
import { bearer } from "better-auth/plugins/bearer";
import { defaultAc, defaultRoles } from "better-auth/plugins/organization/access";

const url = process.env.DATABASE_URL;
if (!url) {
  process.stderr.write("ba.mjs: DATABASE_URL is not set\n");
  process.exit(2);
}
const pool = new pg.Pool({ connectionString: url, max: 4 });

const organizationOptions = {
  ac: defaultAc,
  roles: defaultRoles,
  // The Go store's Config.MaxMembersPerTeam is the same: the harness
  // passes its teamSeats (tenantc.yaml's store.limits.members_per_team).
  teams: { enabled: true, maximumMembersPerTeam: Number(process.env.MAX_MEMBERS_PER_TEAM || 2) },
  dynamicAccessControl: { enabled: true },
};

const options = {
  database: pool,
  secret: process.env.BETTER_AUTH_SECRET || "tenantc-interop-test-secret-0123456789abcdef",
  baseURL: "http://localhost:3000",
  emailAndPassword: { enabled: true },
  logger: { disabled: true },
  telemetry: { enabled: false },
  // BA_COOKIE_CACHE=1: Better Auth's cookie cache (the session_data cookie),
  // which the Go session resolver must never trust (session_test.go).
  ...(process.env.BA_COOKIE_CACHE ? { session: { cookieCache: { enabled: true, maxAge: 300 } } } : {}),
  plugins: [
    // Authorization: Bearer <token> (session_test.go); it acts only on
    // requests that carry that header.
    bearer(),
    organization(organizationOptions),
  ],
};
const auth = betterAuth(options);
// Sessions live in the database and cookies are signed with the one secret,
// so a user signed in through auth is signed in here too.
const strictAuth = betterAuth({
  ...options,
  plugins: [bearer(), organization({ ...organizationOptions, requireEmailVerificationOnInvitation: true })],
});
const api = (r) => (r.strict ? strictAuth : auth).api;

const cookies = new Map(); // user id -> "name=value; ..." Cookie header

function remember(userId, headers, merge = false) {
  const set = headers.getSetCookie ? headers.getSetCookie() : [headers.get("set-cookie")];
  const pairs = set.filter(Boolean).map((c) => c.split(";")[0]);
  if (!pairs.length) return;
  if (!merge || !cookies.has(userId)) {
    cookies.set(userId, pairs.join("; "));
    return;
  }
  // Overlay the new cookies on the kept ones, by name.
  const jar = new Map(cookies.get(userId).split("; ").map((p) => [p.slice(0, p.indexOf("=")), p]));
  for (const p of pairs) jar.set(p.slice(0, p.indexOf("=")), p);
  cookies.set(userId, [...jar.values()].join("; "));
}

// tokens: the raw session token and the bearer plugin's set-auth-token
// (the signed cookie value).
function tokens(response, headers) {
  return { token: response.token, authToken: headers.get("set-auth-token") };
}

function as(req) {
  const h = new Headers();
  if (req.as !== undefined) {
    const c = cookies.get(req.as);
    if (!c) throw Object.assign(new Error(`no session for user ${req.as}: sign up or sign in first`), { code: "NO_SESSION" });
    h.set("cookie", c);
  }
  return h;
}

const ops = {
  async signUp(r) {
    const { headers, response } = await auth.api.signUpEmail({
      body: { email: r.email, password: r.password || "interop-password-1", name: r.name || r.email },
      returnHeaders: true,
    });
    remember(response.user.id, headers);
    return { userId: response.user.id, email: response.user.email, ...tokens(response, headers) };
  },
  async signIn(r) {
    const { headers, response } = await auth.api.signInEmail({
      body: { email: r.email, password: r.password || "interop-password-1" },
      returnHeaders: true,
    });
    remember(response.user.id, headers);
    return { userId: response.user.id, ...tokens(response, headers) };
  },
  createOrganization: (r) => auth.api.createOrganization({ body: { name: r.name, slug: r.slug }, headers: as(r) }),
  addMember: (r) =>
    auth.api.addMember({ body: { userId: r.userId, role: r.role, organizationId: r.organizationId } }),
  invite: (r) =>
    auth.api.createInvitation({
      body: { email: r.email, role: r.role, organizationId: r.organizationId, ...(r.teamId ? { teamId: r.teamId } : {}) },
      headers: as(r),
    }),
  accept: (r) => api(r).acceptInvitation({ body: { invitationId: r.invitationId }, headers: as(r) }),
  reject: (r) => api(r).rejectInvitation({ body: { invitationId: r.invitationId }, headers: as(r) }),
  getInvitation: (r) => api(r).getInvitation({ query: { id: r.invitationId }, headers: as(r) }),
  listUserInvitations: (r) => auth.api.listUserInvitations({ headers: as(r) }),
  updateRole: (r) =>
    auth.api.updateMemberRole({
      body: { memberId: r.memberId, role: r.role, organizationId: r.organizationId },
      headers: as(r),
    }),
  removeMember: (r) =>
    auth.api.removeMember({ body: { memberIdOrEmail: r.member, organizationId: r.organizationId }, headers: as(r) }),
  leave: (r) => auth.api.leaveOrganization({ body: { organizationId: r.organizationId }, headers: as(r) }),
  listOrganizations: (r) => auth.api.listOrganizations({ headers: as(r) }),
  listMembers: (r) => auth.api.listMembers({ query: { organizationId: r.organizationId }, headers: as(r) }),
  getFullOrganization: (r) =>
    auth.api.getFullOrganization({ query: { organizationId: r.organizationId }, headers: as(r) }),
  listInvitations: (r) => auth.api.listInvitations({ query: { organizationId: r.organizationId }, headers: as(r) }),
  hasPermission: (r) =>
    auth.api.hasPermission({ body: { organizationId: r.organizationId, permissions: r.permissions }, headers: as(r) }),
  createRole: (r) =>
    auth.api.createOrgRole({
      body: { role: r.role, permission: r.permission, organizationId: r.organizationId },
      headers: as(r),
    }),
  cancelInvitation: (r) => auth.api.cancelInvitation({ body: { invitationId: r.invitationId }, headers: as(r) }),
  deleteOrganization: (r) =>
    auth.api.deleteOrganization({ body: { organizationId: r.organizationId }, headers: as(r) }),
  createTeam: (r) =>
    auth.api.createTeam({ body: { name: r.name, organizationId: r.organizationId }, headers: as(r) }),
  addTeamMember: (r) => auth.api.addTeamMember({ body: { teamId: r.teamId, userId: r.userId }, headers: as(r) }),
  removeTeamMember: (r) =>
    auth.api.removeTeamMember({ body: { teamId: r.teamId, userId: r.userId }, headers: as(r) }),
  listTeams: (r) => auth.api.listOrganizationTeams({ query: { organizationId: r.organizationId }, headers: as(r) }),
  // cookie: the Cookie header kept for user "as" (what signUp/signIn set).
  cookie: (r) => ({ cookie: cookies.get(r.as) ?? null }),
  // getSession as Better Auth sees a request with these raw headers.
  async getSession(r) {
    const h = new Headers();
    if (r.cookie) h.set("cookie", r.cookie);
    if (r.authorization) h.set("authorization", r.authorization);
    const s = await auth.api.getSession({ headers: h });
    return s && { userId: s.user.id, activeOrganizationId: s.session.activeOrganizationId ?? null };
  },
  // setActive keeps the cookies it sets (with BA_COOKIE_CACHE, the
  // session_data cookie now naming the organization), as a browser would.
  async setActive(r) {
    const { headers, response } = await auth.api.setActiveOrganization({
      body: { organizationId: r.organizationId },
      headers: as(r),
      returnHeaders: true,
    });
    remember(r.as, headers, true);
    return response;
  },
};

function errorOf(e) {
  return {
    status: e.statusCode ?? e.status ?? 0,
    code: e.body?.code ?? e.code ?? "",
    message: e.body?.message ?? e.message ?? String(e),
  };
}

async function migrate() {
  const { runMigrations, toBeCreated, toBeAdded } = await getMigrations(options);
  await runMigrations();
  return { created: toBeCreated.map((t) => t.table), added: toBeAdded.map((t) => t.table) };
}

async function serve() {
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line.trim()) continue;
    let out;
    try {
      const req = JSON.parse(line);
      const op = ops[req.op];
      if (!op) throw Object.assign(new Error(`unknown op ${JSON.stringify(req.op)}`), { code: "UNKNOWN_OP" });
      out = { ok: true, result: (await op(req)) ?? null };
    } catch (e) {
      out = { ok: false, error: errorOf(e) };
    }
    process.stdout.write(JSON.stringify(out) + "\n");
  }
}

const cmd = process.argv[2];
try {
  if (cmd === "migrate") process.stdout.write(JSON.stringify(await migrate()) + "\n");
  else if (cmd === "serve") await serve();
  else {
    process.stderr.write(`usage: node ba.mjs migrate|serve (got ${JSON.stringify(cmd)})\n`);
    process.exitCode = 2;
  }
} finally {
  await pool.end();
}
