INSERT INTO tenants (id, name) VALUES ('00000000-0000-0000-0000-00000000000a', 'a');
INSERT INTO countries (code, name) VALUES ('fr', 'France'), ('de', 'Germany');
