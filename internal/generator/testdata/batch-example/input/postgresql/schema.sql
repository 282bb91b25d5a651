-- sqlc's examples/batch schema with a tenant table added: a tenants table,
-- tenant_id on authors and books, the keys and the foreign key extended by
-- it (a book's author is its tenant's), and isbn unique per tenant.
CREATE TABLE tenants (
          id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
          name text NOT NULL
);

CREATE TABLE authors (
          tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
          author_id SERIAL,
          name text NOT NULL DEFAULT '',
          biography JSONB,
          PRIMARY KEY (tenant_id, author_id)
);

CREATE TYPE book_type AS ENUM (
          'FICTION',
          'NONFICTION'
);

CREATE TABLE books (
          tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
          book_id SERIAL,
          author_id integer NOT NULL,
          isbn text NOT NULL DEFAULT '',
          book_type book_type NOT NULL DEFAULT 'FICTION',
          title text NOT NULL DEFAULT '',
          year integer NOT NULL DEFAULT 2000,
          available timestamp with time zone NOT NULL DEFAULT 'NOW()',
          tags varchar[] NOT NULL DEFAULT '{}',
          PRIMARY KEY (tenant_id, book_id),
          UNIQUE (tenant_id, isbn),
          FOREIGN KEY (tenant_id, author_id) REFERENCES authors (tenant_id, author_id)
);
