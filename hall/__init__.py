"""The hall's records: storage, operations (each one audited transaction), and the command line."""
