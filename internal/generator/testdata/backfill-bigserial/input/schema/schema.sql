-- A single-tenant blog before tenancy; the tenants table is the user's own
-- migration, with the tenant the existing rows belong to.
CREATE TABLE tenants (id bigserial PRIMARY KEY, name text NOT NULL);
CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL UNIQUE);
CREATE TABLE posts (
    id bigserial PRIMARY KEY,
    author_id bigint NOT NULL REFERENCES users (id),
    slug text NOT NULL UNIQUE,
    title text NOT NULL
);
CREATE TABLE comments (
    id bigserial PRIMARY KEY,
    post_id bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    parent_id bigint REFERENCES comments (id) ON DELETE SET NULL,
    body text NOT NULL
);
CREATE TABLE tags (id bigserial PRIMARY KEY, name text NOT NULL);
CREATE UNIQUE INDEX tags_name_idx ON tags (name);
CREATE TABLE post_tags (
    post_id bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    tag_id bigint NOT NULL REFERENCES tags (id) ON DELETE CASCADE ON UPDATE CASCADE,
    PRIMARY KEY (post_id, tag_id)
);
CREATE TABLE attachments (
    id bigserial PRIMARY KEY,
    comment_id bigint REFERENCES comments (id) ON DELETE CASCADE,
    url text NOT NULL
);
-- The tenant the existing rows belong to (backfill.default_tenant), and some of them.
INSERT INTO tenants (id, name) VALUES (1, 'the first customer');
INSERT INTO users (email) VALUES ('ada@example.com');
INSERT INTO posts (author_id, slug, title) VALUES (1, 'hello', 'Hello'), (1, 'again', 'Again');
INSERT INTO comments (post_id, parent_id, body) VALUES (1, NULL, 'first'), (1, 1, 'reply'), (2, NULL, 'other');
INSERT INTO tags (name) VALUES ('go'), ('sql');
INSERT INTO post_tags (post_id, tag_id) VALUES (1, 1), (1, 2), (2, 2);
INSERT INTO attachments (comment_id, url) VALUES (2, 'https://example.com/a.png'), (NULL, 'https://example.com/logo.png');
