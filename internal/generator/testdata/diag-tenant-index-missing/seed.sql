INSERT INTO tenants (id, name) VALUES ('00000000-0000-0000-0000-00000000000a', 'a');
INSERT INTO projects (id, tenant_id) VALUES (gen_random_uuid(), '00000000-0000-0000-0000-00000000000a');
