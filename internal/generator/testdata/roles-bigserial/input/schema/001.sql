CREATE TABLE tags (id serial PRIMARY KEY, name text NOT NULL UNIQUE);
CREATE TABLE tenants (id bigserial PRIMARY KEY, name text NOT NULL);
CREATE TABLE posts (
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    id bigserial,
    title text NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE TABLE comments (
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    id bigint GENERATED ALWAYS AS IDENTITY,
    post_id bigint NOT NULL,
    body text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, post_id) REFERENCES posts (tenant_id, id)
);
