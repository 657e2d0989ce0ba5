"""Read models for screens: what each screen area reads from the records, as plain data."""
