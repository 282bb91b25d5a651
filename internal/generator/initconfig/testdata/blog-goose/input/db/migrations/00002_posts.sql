-- +goose Up
CREATE TABLE posts (
    id        bigserial PRIMARY KEY,
    author_id bigint NOT NULL REFERENCES users (id),
    title     text NOT NULL
);

CREATE TABLE comments (
    id        bigserial PRIMARY KEY,
    post_id   bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    parent_id bigint REFERENCES comments (id) ON DELETE CASCADE,
    body      text NOT NULL
);

-- +goose Down
DROP TABLE comments;
DROP TABLE posts;
