DROP TABLE projects, tenants;
