--
-- PostgreSQL database dump
--

\restrict 0fPHxQ0wb3yLBkfGRSzwMTOxpEZ6sBxEYBmVmP1LVxP6x8XJgcHS8ON9HTOEmvg

-- Dumped from database version 17.6
-- Dumped by pg_dump version 17.6

SET statement_timeout = 0;
SET client_encoding = 'UTF8';

CREATE TABLE public.tenants (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    name text NOT NULL
);

CREATE TABLE public.projects (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL
);

CREATE TABLE public.countries (
    code text NOT NULL
);

ALTER TABLE ONLY public.tenants
    ADD CONSTRAINT tenants_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.projects
    ADD CONSTRAINT projects_pkey PRIMARY KEY (tenant_id, id);

ALTER TABLE ONLY public.projects
    ADD CONSTRAINT projects_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES public.tenants(id);

--
-- PostgreSQL database dump complete
--

\unrestrict 0fPHxQ0wb3yLBkfGRSzwMTOxpEZ6sBxEYBmVmP1LVxP6x8XJgcHS8ON9HTOEmvg

