"""Widgets and dialogs the screens share: the header and footer, the paged book list, the
member's summary lines, the one-key choosers, confirmations and the one form dialog."""
