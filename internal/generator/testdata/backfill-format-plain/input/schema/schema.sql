CREATE TABLE tenants (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE notes (id integer PRIMARY KEY, body text NOT NULL);
CREATE TABLE note_items (
    note_id integer NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    pos integer NOT NULL,
    PRIMARY KEY (note_id, pos)
);
INSERT INTO tenants VALUES (7, 'the only customer so far');
INSERT INTO notes VALUES (1, 'a'), (2, 'b'), (3, 'c');
INSERT INTO note_items VALUES (1, 1), (1, 2), (2, 1), (3, 1), (3, 2);
