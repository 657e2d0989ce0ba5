"""Operations: each one BEGIN IMMEDIATE transaction that validates, writes and audits."""
