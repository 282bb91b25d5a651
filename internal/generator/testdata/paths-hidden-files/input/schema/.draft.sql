CREATE TABLE scratch (id int);
this half-written draft is hidden, so neither sqlc nor tenantc reads it
