//! Protojson for the well-known types (written by hand: their JSON form is special).
