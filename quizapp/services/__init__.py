"""Use cases that join the domain core and the database. Services flush; the caller commits."""
