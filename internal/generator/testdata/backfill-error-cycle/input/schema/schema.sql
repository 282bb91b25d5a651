CREATE TABLE tenants (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);
CREATE TABLE posts (id bigint PRIMARY KEY, pinned_comment_id bigint, title text NOT NULL);
CREATE TABLE comments (id bigint PRIMARY KEY, post_id bigint NOT NULL REFERENCES posts (id), body text NOT NULL);
ALTER TABLE posts ADD FOREIGN KEY (pinned_comment_id) REFERENCES comments (id);
