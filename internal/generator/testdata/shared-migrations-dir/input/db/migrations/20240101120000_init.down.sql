DROP TABLE this_is_never_read;
