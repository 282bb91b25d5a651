CREATE TABLE authors (
  id   INTEGER PRIMARY KEY,
  name text NOT NULL
);
