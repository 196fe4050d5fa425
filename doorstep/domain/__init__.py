"""Pure domain rules and types: no I/O, no clock reads beyond explicit defaults."""
