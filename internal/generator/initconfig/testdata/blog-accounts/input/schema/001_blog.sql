-- The blog on its way to multi-tenancy: an accounts table, and some tables
-- already carrying account_id.
CREATE TABLE plans (
    id   text PRIMARY KEY,
    name text NOT NULL
);

CREATE TABLE accounts (
    id      bigserial PRIMARY KEY,
    name    text NOT NULL,
    plan_id text NOT NULL REFERENCES plans (id)
);

CREATE TABLE users (
    id         bigserial PRIMARY KEY,
    email      text NOT NULL UNIQUE,
    name       text NOT NULL
);

CREATE TABLE posts (
    id         bigserial PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts (id),
    author_id  bigint NOT NULL REFERENCES users (id),
    title      text NOT NULL,
    body       text NOT NULL DEFAULT ''
);

CREATE TABLE comments (
    id         bigserial PRIMARY KEY,
    post_id    bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    parent_id  bigint REFERENCES comments (id) ON DELETE CASCADE,
    author_id  bigint NOT NULL REFERENCES users (id),
    body       text NOT NULL
);

CREATE TABLE tags (
    id         bigserial PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts (id),
    name       text NOT NULL,
    UNIQUE (account_id, name)
);

CREATE TABLE post_tags (
    post_id bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    tag_id  bigint NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (post_id, tag_id)
);

CREATE TABLE audit_log (
    id      bigserial PRIMARY KEY,
    message text NOT NULL
);
