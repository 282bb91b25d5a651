an editor lock file: not SQL, and sqlc skips dot files
