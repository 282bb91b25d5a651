CREATE TABLE tenants (id numeric PRIMARY KEY);
