"""The terminal app (Textual): the dispatcher's screens and the member kiosk."""
