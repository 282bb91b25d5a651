INSERT INTO tenants (id, name) VALUES ('00000000-0000-0000-0000-00000000000a', 'a');
INSERT INTO projects (tenant_id, id) VALUES ('00000000-0000-0000-0000-00000000000a', gen_random_uuid()), (NULL, gen_random_uuid());
