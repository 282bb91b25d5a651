DROP TABLE notes;
DROP TABLE deals;
DROP TABLE contacts;
DROP TABLE tenants;
DROP TABLE plans;
