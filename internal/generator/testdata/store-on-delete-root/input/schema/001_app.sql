-- organizations does not exist until the store's migration creates it, so
-- the foreign key to it comes in a later migration (see the warning).
CREATE TABLE projects (
    tenant_id uuid NOT NULL,
    id        uuid NOT NULL DEFAULT gen_random_uuid(),
    name      text NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
