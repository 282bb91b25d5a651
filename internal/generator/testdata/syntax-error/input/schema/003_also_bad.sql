-- A second error in another file is reported in the same run.
CREATE TABEL tasks (id uuid);
