CREATE TABLE tenants (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
CREATE TABLE settings (tenant_id uuid REFERENCES tenants (id), key text PRIMARY KEY, value text);
